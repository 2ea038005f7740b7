#!/bin/sh
# Install from Debian 12 what building, demonstrating, testing and
# packaging agentcred needs, and only what is missing.
#
#   sh tests/install-deps.sh [GROUP...]   GROUP: build demo check deb
#                                         (default: check, which has all but deb)
#   sh tests/install-deps.sh --packages [GROUP...]   print the list only
#
# build: the compiler and the three libraries' -dev packages (make all)
# demo:  build + what contrib/demo.sh runs (make demo)
# check: demo + the test tools, fuzzers and valgrind (make check)
# deb:   build + the Debian packaging tools (make deb)
#
# kubectl and the docker CLI: whichever is first on PATH is used; when
# there is none, Debian's (kubernetes-client, docker.io) is installed; so
# is Debian's npm when there is no npm.
set -eu

BUILD="gcc make pkg-config libc6-dev libsecret-1-dev libcurl4-openssl-dev
libcjson-dev libssl-dev"
DEMO="gnome-keyring libsecret-tools dbus dbus-bin openssl ca-certificates curl
git python3 procps"
CHECK="clang libclang-rt-14-dev keyutils valgrind hyperfine zsh bash-completion
man-db groff-base psmisc jq binutils python3-cryptography time keepassxc
libkf5wallet-bin libqca-qt5-2-plugins nodejs"
DEB="build-essential debhelper dpkg-dev fakeroot lintian"

list=0
if [ "${1:-}" = "--packages" ]; then
	list=1
	shift
fi
[ $# -gt 0 ] || set -- check

want=""
for g in "$@"; do
	case $g in
	build) want="$want $BUILD" ;;
	demo) want="$want $BUILD $DEMO" ;;
	check) want="$want $BUILD $DEMO $CHECK" ;;
	deb) want="$want $BUILD $DEB" ;;
	*) echo "install-deps.sh: unknown group: $g (build, demo, check, deb)" >&2; exit 2 ;;
	esac
	case $g in
	demo | check)
		command -v kubectl >/dev/null 2>&1 || want="$want kubernetes-client" ;;
	esac
	case $g in
	check)
		command -v docker >/dev/null 2>&1 || want="$want docker.io"
		# t-agents installs the agent CLIs with npm (NodeSource's nodejs
		# bundles npm and conflicts with Debian's npm package)
		command -v npm >/dev/null 2>&1 || want="$want npm" ;;
	esac
done

if [ "$list" = 1 ]; then
	echo $want | tr ' ' '\n' | sort -u | tr '\n' ' '
	echo
	exit 0
fi

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "installing from Debian:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
