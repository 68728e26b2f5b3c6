#!/bin/sh
# Installs Debian's Ceph (mon, OSD, RADOS Gateway) for the tests against a real S3 (test/support/rgw.ts),
# idempotently.
#
# - Installs only when one of the binaries the fixture runs is missing.
# - Forbids the packages' own services from starting (policy-rc.d exit 101): the tests start their
#   own mon, OSD and radosgw on 127.0.0.1 with all state in a temporary folder.
# - Fails loudly: any error exits non-zero with a message.
#
# Needs root (apt-get); CI runs as root on a fresh machine.
set -eu
# shellcheck source=apt-without-services.sh
. "$(dirname "$0")/apt-without-services.sh"

say() { echo "install-ceph: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# Test files run in parallel and may all call this: one installs, the others wait and find it done.
if command -v flock >/dev/null 2>&1 && [ -z "${CEPH_INSTALL_LOCKED:-}" ]; then
  export CEPH_INSTALL_LOCKED=1
  exec flock "${TMPDIR:-/tmp}/xmpp-s3-upload-install-ceph.lock" sh "$0" "$@"
fi

BINARIES="ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool"
PACKAGES="radosgw ceph-mon ceph-osd ceph-common"

all_present() {
  for binary in $BINARIES; do
    command -v "$binary" >/dev/null 2>&1 || return 1
  done
}

if all_present; then
  say "ceph already installed"
  exit 0
fi

say "installing: $PACKAGES"
# No recommends: they pull in the mgr, mds and dashboards, which the fixture does not run.
# shellcheck disable=SC2086
apt_install_without_services install-ceph.sh --no-install-recommends $PACKAGES

for binary in $BINARIES; do
  command -v "$binary" >/dev/null 2>&1 || die "$binary still missing after install"
done
say "done: ceph $(dpkg-query -W -f='${Version}' radosgw)"
