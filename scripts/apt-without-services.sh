# Sourced by the install scripts (POSIX sh): `apt_install_without_services NAME ARGS...` runs
# `apt-get update` and `apt-get install -y ARGS` as root while policy-rc.d forbids the packages'
# services to start, restores whatever policy-rc.d was there before, and exits non-zero with a
# message naming NAME on any failure. The caller defines `die`.

apt_install_without_services() {
  name=$1
  shift
  [ "$(id -u)" = 0 ] || die "must run as root to install: $*"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand"
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
  printf '#!/bin/sh\n# written by %s: do not start services during install\nexit 101\n' "$name" >"$policy"
  chmod 755 "$policy"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -q || die "apt-get update failed"
  apt-get -o DPkg::Lock::Timeout=300 install -y -q "$@" || die "apt-get install $* failed"
}
