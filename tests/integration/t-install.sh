#!/bin/bash
# make install / make uninstall into a DESTDIR staging tree (issue 8): the
# binary, its two links, both modules, the man page and the completions
# are installed; the staged binary runs through its links and loads its
# modules from PREFIX/lib/agentcred next to it (found through
# /proc/self/exe, AGENTCRED_MODULE_DIR unset); uninstall removes exactly
# what install put there.
. "$(dirname "$0")/../lib.sh"
need make install
keyring_start
STAGE=$T/stage
U=$STAGE/usr

# the installed binary is the release build (build/agentcred, not SAN);
# an up-to-date one in the tree is used as it is, otherwise it is made in
# a private directory (the suite runs as a user who cannot write the tree)
RB=()
make -C "$TOP" -q all >/dev/null 2>&1 || RB=(BUILD="$T/rel")
run make -C "$TOP" -s "${RB[@]}" all
t_eq "make all (release build)" 0 "$RC"
[ "$RC" -eq 0 ] || { echo "$ERR" | tail -20; t_done; }

run make -C "$TOP" -s "${RB[@]}" install DESTDIR="$STAGE" PREFIX=/usr
t_eq "make install exit 0" 0 "$RC"
for f in bin/agentcred lib/agentcred/agentcred-http.so lib/agentcred/agentcred-secret.so \
	lib/agentcred/agentcred-crypto.so \
	share/man/man1/agentcred.1 share/bash-completion/completions/agentcred \
	share/zsh/site-functions/_agentcred; do
	t_ok "installed $f" test -f "$U/$f"
done
t_eq "binary mode 0755" 755 "$(stat -c %a "$U/bin/agentcred")"
t_eq "module mode 0644" 644 "$(stat -c %a "$U/lib/agentcred/agentcred-secret.so")"
for l in git-credential-agentcred docker-credential-agentcred; do
	t_ok "link $l" test -L "$U/bin/$l"
	t_eq "link $l -> agentcred" agentcred "$(readlink "$U/bin/$l")"
done
run find "$STAGE" ! -type d
t_eq "install puts nothing else in the tree" 9 "$(printf '%s\n' "$OUT" | wc -l)"
run ldd "$U/bin/agentcred"
t_not_contains "binary does not link libcurl" "$OUT" "libcurl"
t_not_contains "binary does not link libsecret" "$OUT" "libsecret"

# ---- the staged binary, modules found relative to /proc/self/exe
# loaded FILE: the real path of the module FILE that ld.so's LD_DEBUG=files
# output in $ERR shows was dlopen()ed (module.c opens BINDIR/../lib/...)
loaded() {
	local f
	f=$(printf '%s\n' "$ERR" | sed -n "s/.*file=\([^ ]*\/$1\) .*dynamically loaded.*/\1/p" | head -1)
	[ -n "$f" ] && realpath "$f"
}
unset AGENTCRED_MODULE_DIR
t_ok "staged --version" "$U/bin/agentcred" --version
t_match "staged --version prints the version" "$OUT" '^agentcred [0-9]+\.[0-9]+'

LD_DEBUG=files run "$U/bin/agentcred" doctor
t_contains "doctor: Secret Service through the staged module" "$OUT" "reachable, default collection unlocked"
t_eq "secret module loaded from the staged lib dir" "$U/lib/agentcred/agentcred-secret.so" "$(loaded agentcred-secret.so)"
t_not_contains "no module from the build tree" "$ERR" "$TOP/build"

emu_start oa oauth_cc
P=inst-$UNIQ
printf 'cc-secret' | "$U/bin/agentcred" profile add "$P" --type client-credentials \
	--token-url "$URL_oa/oauth/token" --client-id cc-client --ca-file "$CA" --secret-stdin
t_eq "staged profile add" 0 $?
LD_DEBUG=files run "$U/bin/agentcred" token "$P"
t_eq "staged token exit 0" 0 "$RC"
t_eq "staged token is the issued one" "$(emu_state oa 's["tokens"][-1]')" "$OUT"
t_eq "http module loaded from the staged lib dir" "$U/lib/agentcred/agentcred-http.so" "$(loaded agentcred-http.so)"

# through the links: multi-call by name
LD_DEBUG=files run sh -c "printf 'protocol=https\nhost=nothing-$UNIQ.example\n\n' | '$U/bin/git-credential-agentcred' get"
t_eq "git-credential-agentcred get: miss, exit 0" 0 "$RC"
t_eq "git-credential-agentcred get: miss prints nothing" "" "$OUT"
t_eq "git link loads the staged secret module" "$U/lib/agentcred/agentcred-secret.so" "$(loaded agentcred-secret.so)"
run sh -c "printf 'protocol=https\nhost=127.0.0.1:$PORT_oa\n\n' | '$U/bin/git-credential-agentcred' get"
t_eq "git link: unmapped host is a miss" "" "$OUT"
run sh -c "printf 'https://nothing-$UNIQ.example' | '$U/bin/docker-credential-agentcred' get"
t_eq "docker-credential-agentcred get: miss exits 1" 1 "$RC"
t_eq "docker-credential-agentcred get: docker's not-found text" \
	"credentials not found in native keychain" "$OUT"

# the installed man page and completions work from their installed places
MANPATH=$U/share/man MANPAGER=cat run man -w agentcred
t_eq "man finds the installed page" "$U/share/man/man1/agentcred.1" "$OUT"
run bash --norc --noprofile -c '. "$1"; complete -p agentcred' x "$U/share/bash-completion/completions/agentcred"
t_contains "installed bash completion loads" "$OUT" "_agentcred"
if command -v zsh >/dev/null 2>&1; then
	run zsh -f -c "fpath=($U/share/zsh/site-functions \$fpath); autoload -U compinit; compinit -u -D; print -r -- \${_comps[agentcred]}"
	t_eq "installed zsh completion registers _agentcred" "_agentcred" "$OUT"
fi

# ---- uninstall leaves nothing behind
run make -C "$TOP" -s "${RB[@]}" uninstall DESTDIR="$STAGE" PREFIX=/usr
t_eq "make uninstall exit 0" 0 "$RC"
run find "$STAGE" ! -type d
t_eq "uninstall leaves no files or links" "" "$OUT"
t_ok "lib/agentcred removed" test ! -e "$U/lib/agentcred"
run make -C "$TOP" -s "${RB[@]}" uninstall DESTDIR="$STAGE" PREFIX=/usr
t_eq "uninstall again is harmless" 0 "$RC"

t_done
