#!/bin/sh
# Installs Debian's Prosody and ejabberd for the end-to-end tests (test/e2e/), idempotently.
#
# - Installs only the packages whose binary (prosody / ejabberdctl) is missing.
# - Forbids the packages' own services from starting (policy-rc.d exit 101) before installing, and
#   stops any daemon a postinst started anyway (by its pidfile), so nothing is left listening on
#   the default ports 5222/5269/5280/5347: the tests start their own servers on 127.0.0.1.
# - Fails loudly: any error exits non-zero with a message.
#
# Needs root (apt-get); CI runs as root on a fresh machine.
set -eu
# shellcheck source=apt-without-services.sh
. "$(dirname "$0")/apt-without-services.sh"

say() { echo "install-xmpp-servers: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# The e2e test files run in parallel and may both call this: one installs, the other waits and finds it done.
if command -v flock >/dev/null 2>&1 && [ -z "${XMPP_INSTALL_LOCKED:-}" ]; then
  export XMPP_INSTALL_LOCKED=1
  exec flock "${TMPDIR:-/tmp}/xmpp-s3-upload-install.lock" sh "$0" "$@"
fi

missing=""
command -v prosody >/dev/null 2>&1 || missing="$missing prosody"
command -v ejabberdctl >/dev/null 2>&1 || [ -x /usr/sbin/ejabberdctl ] || missing="$missing ejabberd"

if [ -z "$missing" ]; then
  say "prosody and ejabberd already installed"
  exit 0
fi

say "installing:$missing"
# shellcheck disable=SC2086
apt_install_without_services install-xmpp-servers.sh $missing

# Belt and braces: stop daemons that a postinst started despite policy-rc.d (no systemd here).
stop_pidfile() {
  f=$1
  [ -f "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    say "stopping $2 started by its package (pid $pid)"
    kill "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$pid" 2>/dev/null || true
  fi
}
stop_pidfile /run/prosody/prosody.pid prosody
stop_pidfile /var/run/prosody/prosody.pid prosody
stop_pidfile /run/ejabberd/ejabberd.pid ejabberd
stop_pidfile /var/run/ejabberd/ejabberd.pid ejabberd
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now prosody ejabberd >/dev/null 2>&1 || true
fi

command -v prosody >/dev/null 2>&1 || die "prosody still missing after install"
[ -x /usr/sbin/ejabberdctl ] || command -v ejabberdctl >/dev/null 2>&1 || die "ejabberdctl still missing after install"
# Versions from dpkg: `prosody --version` is not a flag in 0.12, it starts the server.
say "done: prosody $(dpkg-query -W -f='${Version}' prosody), ejabberd $(dpkg-query -W -f='${Version}' ejabberd)"
