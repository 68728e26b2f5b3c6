#!/bin/sh
# Installs the xmpp-s3-upload component bridge as a systemd service (docs/bridge.md), as root, after
# "npm install -g ./xmpp-s3-upload-*.tgz": the system user xmpp-s3-upload, /etc/xmpp-s3-upload/ with
# bridge.conf and the two (empty) secret files, and the unit. Keeps whatever already exists there.
set -eu
HERE=$(dirname "$(readlink -f "$0")")
ETC=/etc/xmpp-s3-upload
USER_NAME=xmpp-s3-upload

if [ "$(id -u)" -ne 0 ]; then
  echo "install-bridge.sh: run as root (sudo)" >&2
  exit 1
fi
command -v xmpp-s3-upload >/dev/null || { echo "install-bridge.sh: xmpp-s3-upload is not on PATH: npm install -g the package first" >&2; exit 1; }
getent passwd "$USER_NAME" >/dev/null ||
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$USER_NAME"
install -d -m 0750 -o root -g "$USER_NAME" "$ETC"
[ -e "$ETC/bridge.conf" ] || install -m 0640 -o root -g "$USER_NAME" "$HERE/bridge.conf.example" "$ETC/bridge.conf"
for name in slot-secret component-secret; do
  [ -e "$ETC/$name" ] || install -m 0600 -o "$USER_NAME" -g "$USER_NAME" /dev/null "$ETC/$name"
done
install -m 0644 "$HERE/xmpp-s3-upload-bridge.service" /etc/systemd/system/xmpp-s3-upload-bridge.service
systemctl daemon-reload
cat <<NEXT
Installed. Now:
  1. edit $ETC/bridge.conf (JID, XMPP server, endpoint)
  2. put the endpoint secret into $ETC/slot-secret and the component password into $ETC/component-secret
  3. systemctl enable --now xmpp-s3-upload-bridge; journalctl -u xmpp-s3-upload-bridge -f
NEXT
