#!/bin/bash
# needs: root
# make deb (contrib/debian/, debhelper) and the package's life on this
# machine: lintian without errors or warnings; Depends computed from the
# binary and the modules (libcurl4, libsecret-1-0, libcjson1); the files
# where Debian wants them; `apt-get install ./build/deb/agentcred_*.deb`,
# then the installed binary loads its modules from /usr/lib/agentcred
# (found through /proc/self/exe) and serves a token from the emulator;
# `apt-get remove --purge agentcred` leaves none of its files.
# Installing a package needs root (or sudo -n): tests/run runs a script
# marked "# needs: root" as root, like the two-users ones.
. "$(dirname "$0")/../lib.sh"
need make dpkg-deb apt-get
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300"
VERSION=$(sed -n 's/^VERSION *= *//p' "$TOP/Makefile")

if dpkg-query -W -f='${Status}' agentcred 2>/dev/null | grep -q "ok installed"; then
	t_fatal "the agentcred package is installed on this machine; this test would replace and remove it"
fi

# ---- build and lint
run make -C "$TOP" -s deb
t_eq "make deb exit 0" 0 "$RC"
[ "$RC" -eq 0 ] || { printf '%s\n' "$ERR" | tail -20; t_done; }
DEB=$(ls "$TOP"/build/deb/agentcred_*.deb 2>/dev/null)
ARCH=$(dpkg --print-architecture)
t_eq "the package file" "$TOP/build/deb/agentcred_${VERSION}_$ARCH.deb" "$DEB"
t_eq "contrib/debian/changelog has the Makefile's version" "$VERSION" \
	"$(dpkg-parsechangelog -l "$TOP/contrib/debian/changelog" -S Version)"

need lintian
run lintian "$DEB"
t_eq "lintian exit 0" 0 "$RC"
t_eq "lintian: no errors or warnings" "" "$(printf '%s\n' "$OUT" | grep -E '^[EW]: ')"

run dpkg-deb -f "$DEB" Depends
for lib in libc6 libcjson1 libcurl4 libsecret-1-0; do
	t_contains "Depends names $lib" "$OUT" "$lib"
done
run dpkg-deb -c "$DEB"
CONTENTS=$OUT
for f in usr/bin/agentcred usr/lib/agentcred/agentcred-http.so \
	usr/lib/agentcred/agentcred-secret.so usr/share/man/man1/agentcred.1.gz \
	usr/share/bash-completion/completions/agentcred \
	usr/share/zsh/vendor-completions/_agentcred usr/share/doc/agentcred/copyright; do
	t_contains "package has /$f" "$CONTENTS" "./$f"
done
for l in git-credential-agentcred docker-credential-agentcred; do
	t_contains "package has the link $l" "$CONTENTS" "./usr/bin/$l -> agentcred"
done

# ---- install
run $APT install "$DEB"
t_eq "apt-get install ./…deb" 0 "$RC"
[ "$RC" -eq 0 ] || { printf '%s\n' "$ERR" | tail -20; t_done; }
# remove it whatever happens below
trap '$APT remove --purge agentcred >/dev/null 2>&1; _cleanup' EXIT
FILES=$(dpkg-query -L agentcred)
t_contains "dpkg knows the binary" "$FILES" "/usr/bin/agentcred"

unset AGENTCRED_MODULE_DIR
run /usr/bin/agentcred --version
t_eq "installed --version" "agentcred $VERSION" "$OUT"
MANPATH=/usr/share/man run man -w agentcred
t_eq "man finds the page" /usr/share/man/man1/agentcred.1.gz "$OUT"
for l in git-credential-agentcred docker-credential-agentcred; do
	t_eq "man page link $l.1.gz" agentcred.1.gz "$(readlink /usr/share/man/man1/$l.1.gz)"
	MANPATH=/usr/share/man t_ok "man finds the page as $l" man -w $l
done

# the installed binary serves a token, its modules from /usr/lib/agentcred
keyring_start
emu_start oa oauth_cc
P=deb-$UNIQ
printf 'cc-secret' | /usr/bin/agentcred profile add "$P" --type client-credentials \
	--token-url "$URL_oa/oauth/token" --client-id cc-client --ca-file "$CA" --secret-stdin
t_eq "installed profile add" 0 $?
LD_DEBUG=files run /usr/bin/agentcred token "$P"
t_eq "installed token exit 0" 0 "$RC"
t_eq "installed token is the issued one" "$(emu_state oa 's["tokens"][-1]')" "$OUT"
# loaded FILE: the real path of the module ld.so says was dlopen()ed
loaded() {
	local f
	f=$(printf '%s\n' "$ERR" | sed -n "s/.*file=\([^ ]*\/$1\) .*dynamically loaded.*/\1/p" | head -1)
	[ -n "$f" ] && realpath "$f"
}
t_eq "http module from /usr/lib/agentcred" /usr/lib/agentcred/agentcred-http.so "$(loaded agentcred-http.so)"
t_eq "secret module from /usr/lib/agentcred" /usr/lib/agentcred/agentcred-secret.so "$(loaded agentcred-secret.so)"
t_not_contains "nothing from the build tree" "$ERR" "$TOP/build"
run sh -c "printf 'protocol=https\nhost=nothing-$UNIQ.example\n\n' | /usr/bin/git-credential-agentcred get"
t_eq "git-credential-agentcred link: a miss, exit 0" "0:" "$RC:$OUT"

# ---- remove --purge leaves nothing
run $APT remove --purge agentcred
t_eq "apt-get remove --purge" 0 "$RC"
trap _cleanup EXIT
t_eq "dpkg: not installed" "" \
	"$(dpkg-query -W -f='${Status}' agentcred 2>/dev/null | grep 'ok installed')"
left=""
while read -r f; do
	[ -d "$f" ] && [ ! -L "$f" ] && continue	# shared directories stay
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done <<<"$FILES"
t_eq "none of the package's files are left" "" "$left"
t_ok "/usr/lib/agentcred removed" test ! -e /usr/lib/agentcred
t_ok "/usr/share/doc/agentcred removed" test ! -e /usr/share/doc/agentcred
t_done
