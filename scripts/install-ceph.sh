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

[ "$(id -u)" = 0 ] || die "must run as root to install: $PACKAGES"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $PACKAGES by hand"

# Keep invoke-rc.d from starting the packages' services. Restore whatever was there before.
policy=/usr/sbin/policy-rc.d
backup=""
if [ -e "$policy" ]; then
  backup=$(mktemp)
  cp -p "$policy" "$backup"
fi
restore_policy() {
  if [ -n "$backup" ]; then mv -f "$backup" "$policy"; else rm -f "$policy"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# written by install-ceph.sh: do not start services during install\nexit 101\n' >"$policy"
chmod 755 "$policy"

say "installing: $PACKAGES"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -q || die "apt-get update failed"
# No recommends: they pull in the mgr, mds and dashboards, which the fixture does not run.
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends $PACKAGES || die "apt-get install $PACKAGES failed"

for binary in $BINARIES; do
  command -v "$binary" >/dev/null 2>&1 || die "$binary still missing after install"
done
say "done: ceph $(dpkg-query -W -f='${Version}' radosgw)"
