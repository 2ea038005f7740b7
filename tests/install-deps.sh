#!/bin/sh
# Install what building and testing agentcred needs on Debian 12, and only
# what is missing.  --packages prints the list (used by .ci/run).
set -eu

PACKAGES="gcc make pkg-config libc6-dev libsecret-1-dev libcurl4-openssl-dev
libcjson-dev clang libclang-rt-14-dev gnome-keyring libsecret-tools dbus
dbus-bin keyutils openssl ca-certificates curl git python3 valgrind hyperfine
zsh bash-completion man-db groff-base procps psmisc jq nodejs"

if [ "${1:-}" = "--packages" ]; then
	echo $PACKAGES
	exit 0
fi

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
