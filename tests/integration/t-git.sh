#!/bin/bash
# git credential helper (README.md, "Design: front-end protocols", issue 5) against the real git:
#   - `git credential fill|approve|reject` with credential.helper=agentcred
#     (git-credential-agentcred on PATH): git's matching rules, overwrite,
#     erase-by-password, empty values, long lines, a silent helper;
#   - `agentcred git get|store|erase` driven directly for what git 2.39
#     does not pass through: password_expiry_utc, oauth_refresh_token;
#   - the keyring layout (secret-tool) and interoperability with
#     git-credential-libsecret built from Debian's git contrib sources;
#   - real `git ls-remote`/`git clone` over HTTPS from a server requiring
#     Basic auth: a stored password, and a profile's token (with the 401 →
#     reject → fresh token cycle).
. "$(dirname "$0")/../lib.sh"
need git secret-tool openssl
keyring_start
ca_make
export GIT_SSL_CAINFO=$CA	# the environment may point it elsewhere
export PATH="$(dirname "$AC"):$PATH"
[ -x "$(dirname "$AC")/git-credential-agentcred" ] ||
	{ echo "git-credential-agentcred missing next to $AC" >&2; exit 1; }

cat >"$T/askpass" <<-'EOF'
	#!/bin/sh
	echo "askpass: $*" >&2
	case "$*" in
	Username*) echo askpass-username ;;
	*) echo askpass-password ;;
	esac
EOF
chmod +x "$T/askpass"
export GIT_ASKPASS=$T/askpass

# gc ACTION INPUT [git -c options]: git credential ACTION through agentcred
gc() {
	local action=$1 input=$2; shift 2
	printf '%s\n' "$input" >"$T/.in"
	run git -c credential.helper= -c credential.helper=agentcred "$@" \
		credential "$action" <"$T/.in"
}

# ac_git OP INPUT: agentcred git OP directly
ac_git() {
	printf '%s' "$2" >"$T/.in"
	run "$AC" git "$1" <"$T/.in"
}

NL='
'
# sts ATTR VALUE...: secret-tool search; $ST = stdout and stderr (attributes)
sts() { run secret-tool search --all "$@"; ST="$OUT$NL$ERR"; }
A="protocol=https${NL}host=example.com"

# ---- t0303-style checks through git itself
gc fill "$A"
t_eq "empty store: git asks" "protocol=https${NL}host=example.com${NL}username=askpass-username${NL}password=askpass-password" "$OUT"
t_eq "empty store: helper silent" "askpass: Username for 'https://example.com': ${NL}askpass: Password for 'https://askpass-username@example.com': " "$ERR"

gc approve "$A${NL}username=store-user${NL}password=store-pass"
t_eq "approve is silent" "" "$ERR$OUT"
gc fill "$A"
t_eq "fill returns the stored credential" "$A${NL}username=store-user${NL}password=store-pass" "$OUT"
t_eq "fill: no prompt, helper silent" "" "$ERR"
gc fill "protocol=http${NL}host=example.com"
t_contains "other protocol misses" "$OUT" "password=askpass-password"
gc fill "protocol=https${NL}host=other.tld"
t_contains "other host misses" "$OUT" "password=askpass-password"
gc fill "protocol=https${NL}host=example.com:8443"
t_contains "other port misses" "$OUT" "password=askpass-password"
gc fill "$A${NL}username=other"
t_eq "other username misses" "$A${NL}username=other${NL}password=askpass-password" "$OUT"

# credential.useHttpPath: path is part of the key
gc approve "protocol=https${NL}host=path.tld${NL}path=foo.git${NL}username=user${NL}password=pass" \
	-c credential.useHttpPath=true
gc fill "protocol=https${NL}host=path.tld${NL}path=bar.git" -c credential.useHttpPath=true
t_contains "useHttpPath: other path misses" "$OUT" "password=askpass-password"
gc fill "protocol=https${NL}host=path.tld${NL}path=foo.git" -c credential.useHttpPath=true
t_eq "useHttpPath: same path hits" "protocol=https${NL}host=path.tld${NL}path=foo.git${NL}username=user${NL}password=pass" "$OUT"
gc fill "protocol=https${NL}host=path.tld"
t_contains "no path in the request is a wildcard" "$OUT" "password=pass"

# overwrite, then reject of the new password
gc approve "protocol=https${NL}host=ow.tld${NL}username=user${NL}password=pass1"
gc approve "protocol=https${NL}host=ow.tld${NL}username=user${NL}password=pass2"
gc fill "protocol=https${NL}host=ow.tld${NL}username=user"
t_eq "store overwrites" "protocol=https${NL}host=ow.tld${NL}username=user${NL}password=pass2" "$OUT"
run secret-tool search --all server ow.tld
t_eq "one item after overwrite" 1 "$(printf '%s\n' "$OUT" | grep -c '^\[')"
gc reject "protocol=https${NL}host=ow.tld${NL}username=user${NL}password=pass2"
gc fill "protocol=https${NL}host=ow.tld${NL}username=user"
t_contains "reject removes it" "$OUT" "password=askpass-password"

# two users; username selects; erase-by-password; host-only reject
gc approve "protocol=https${NL}host=u.tld${NL}username=user1${NL}password=pass1"
gc approve "protocol=https${NL}host=u.tld${NL}username=user2${NL}password=pass2"
gc fill "protocol=https${NL}host=u.tld${NL}username=user1"
t_contains "user1 by username" "$OUT" "password=pass1"
gc fill "protocol=https${NL}host=u.tld${NL}username=user2"
t_contains "user2 by username" "$OUT" "password=pass2"
gc reject "protocol=https${NL}host=u.tld${NL}username=user1${NL}password=not-pass1"
gc fill "protocol=https${NL}host=u.tld${NL}username=user1"
t_contains "reject with another password keeps the entry" "$OUT" "password=pass1"
gc reject "protocol=https${NL}host=u.tld${NL}username=user1"
gc fill "protocol=https${NL}host=u.tld${NL}username=user1"
t_contains "reject without password forgets user1" "$OUT" "password=askpass-password"
gc fill "protocol=https${NL}host=u.tld${NL}username=user2"
t_contains "user2 remains" "$OUT" "password=pass2"
gc approve "protocol=https${NL}host=u.tld${NL}username=user3${NL}password=pass3"
gc reject "protocol=https${NL}host=u.tld"
run secret-tool search --all server u.tld
t_eq "protocol+host reject forgets every user" "" "$OUT"
gc fill "$A"
t_contains "other hosts untouched" "$OUT" "password=store-pass"

# empty username and password are stored and returned
gc approve "protocol=https${NL}host=sso.tld${NL}username=${NL}password="
gc fill "protocol=https${NL}host=sso.tld"
t_eq "empty username and password" "protocol=https${NL}host=sso.tld${NL}username=${NL}password=" "$OUT"
t_eq "empty values: no prompt" "" "$ERR"

# long lines: a 64 KiB password through git, stored and returned
LONG=$(head -c 49152 /dev/urandom | base64 -w0)	# 65536 bytes
gc approve "protocol=https${NL}host=long.tld${NL}username=u${NL}password=$LONG"
gc fill "protocol=https${NL}host=long.tld"
t_eq "64 KiB password round trip" "protocol=https${NL}host=long.tld${NL}username=u${NL}password=$LONG" "$OUT"
# a 64 KiB unknown attribute (git >= 2.41 sends wwwauth[]) must not be
# parsed as a host by a fixed line buffer
WWW=$(printf 'x%.0s' $(seq 1 1024))
WWW="wwwauth[]=$(printf '%s' "$LONG" | head -c 60000)host=victim.example.com $WWW"
ac_git get "protocol=https${NL}$WWW${NL}host=long.tld${NL}"
t_eq "long unknown line ignored, real host used" "username=u${NL}password=$LONG" "$OUT"
ac_git get "protocol=https${NL}host=victim.example.com${NL}"
t_eq "no victim entry" "" "$OUT"

# ---- agentcred git directly: expiry, refresh token, CR/LF, unknown ops
NOW=$(date +%s)
ac_git store "protocol=https${NL}host=exp.tld${NL}username=u${NL}password=p-exp${NL}password_expiry_utc=$((NOW + 3600))${NL}oauth_refresh_token=rt-1${NL}"
t_eq "store with expiry: silent" "0:" "$RC:$OUT$ERR"
ac_git get "protocol=https${NL}host=exp.tld${NL}"
t_eq "expiry and refresh token returned" "username=u${NL}password=p-exp${NL}password_expiry_utc=$((NOW + 3600))${NL}oauth_refresh_token=rt-1" "$OUT"
AGENTCRED_TEST_NOW=$((NOW + 7200)) ac_git get "protocol=https${NL}host=exp.tld${NL}"
t_eq "expired: no password, refresh token kept for a refresher" "username=u${NL}oauth_refresh_token=rt-1" "$OUT"
ac_git store "protocol=https${NL}host=exp2.tld${NL}username=u${NL}password=old${NL}password_expiry_utc=$((NOW + 60))${NL}"
AGENTCRED_TEST_NOW=$((NOW + 120)) ac_git get "protocol=https${NL}host=exp2.tld${NL}"
t_eq "expired without refresh token: a silent miss" "0:" "$RC:$OUT$ERR"
ac_git store "protocol=https${NL}host=exp3.tld${NL}username=u${NL}password=past${NL}password_expiry_utc=$((NOW - 10))${NL}"
ac_git get "protocol=https${NL}host=exp3.tld${NL}"
t_eq "an already expired password is not stored" "" "$OUT"
ac_git store "protocol=https${NL}host=exp.tld${NL}username=u${NL}password=p-new${NL}password_expiry_utc=9999999999${NL}"
ac_git get "protocol=https${NL}host=exp.tld${NL}"
t_eq "overwrite replaces expiry, drops the old refresh token" "username=u${NL}password=p-new${NL}password_expiry_utc=9999999999" "$OUT"
run secret-tool lookup protocol https server exp.tld user u
t_eq "secret layout: password then password_expiry_utc" "p-new${NL}password_expiry_utc=9999999999" "$OUT"

printf 'protocol=https\nhost=cr.tld\nusername=u\npassword=a\rb\n' >"$T/.in"
run "$AC" git store <"$T/.in"
ac_git get "protocol=https${NL}host=cr.tld${NL}"
# a CR inside a line is refused as a whole request (gitproto.c): nothing stored
t_eq "a password with CR is never stored or printed" "" "$OUT"
t_not_contains "no CR on stdout" "$(printf '%s' "$OUT" | od -c)" '\r'

ac_git frobnicate "protocol=https${NL}host=example.com${NL}"
t_eq "unknown operation ignored" "0:" "$RC:$OUT$ERR"
ac_git get "protocol=https${NL}host=nothing.tld${NL}"
t_eq "miss: exit 0, nothing printed" "0:" "$RC:$OUT$ERR"
ac_git get "protocol=https${NL}garbage line${NL}"
t_eq "bad input: nothing on stdout" "" "$OUT"
t_contains "bad input: reason on stderr" "$ERR" "agentcred: git: invalid credential line"
t_eq "bad input: one line on stderr" 1 "$(printf '%s\n' "$ERR" | wc -l)"
ac_git get "url=https://store-user@example.com${NL}"
t_eq "url= is split like git does" "username=store-user${NL}password=store-pass" "$OUT"
ac_git get "url=https://store-user@example.com/some/path${NL}"
t_eq "url= with a path: no item has that path" "" "$OUT"

# ---- keyring layout (secret-tool prints the attributes on stderr)
sts server example.com
t_contains "schema org.git.Password" "$OUT" "schema = org.git.Password"
t_contains "label like git-credential-libsecret" "$OUT" "label = Git: https://example.com/"
t_contains "attribute user" "$ST" "attribute.user = store-user"
t_contains "attribute protocol" "$ST" "attribute.protocol = https"
t_contains "attribute server" "$ST" "attribute.server = example.com"
t_contains "secret is the password" "$OUT" "secret = store-pass"
t_not_contains "password not in attributes" "$ERR" "store-pass"
gc approve "protocol=https${NL}host=port.tld:8443${NL}path=r.git${NL}username=pu${NL}password=pp" \
	-c credential.useHttpPath=true
sts server port.tld
t_contains "port attribute" "$ST" "attribute.port = 8443"
t_contains "object attribute" "$ST" "attribute.object = r.git"
t_contains "label with port and path" "$OUT" "label = Git: https://port.tld:8443/r.git"

# ---- interoperability with git-credential-libsecret (Debian's contrib source)
SRC=/usr/share/doc/git/contrib/credential/libsecret/git-credential-libsecret.c
# tests/install-deps.sh installs libsecret-1-dev and git ships the source:
# their absence is a failure, not a reason to skip
if ! [ -f "$SRC" ]; then
	t_failmsg "git-credential-libsecret source present" "missing: $SRC"
elif ! pkg-config --exists libsecret-1 2>/dev/null; then
	t_failmsg "libsecret-1 development files installed" "run tests/install-deps.sh"
else
	LIBSECRET_CFLAGS=$(pkg-config --cflags --libs libsecret-1)
	# shellcheck disable=SC2086
	cc -o "$T/git-credential-libsecret" "$SRC" $LIBSECRET_CFLAGS 2>"$T/cc.log" ||
		{ cat "$T/cc.log" >&2; exit 1; }
	# the same source with git >= 2.43's schema: org.git.Password, schema
	# name not matched on lookup (what upstream's helper does today)
	cat >"$T/schema243.h" <<-'EOF'
	#include <libsecret/secret.h>
	static const SecretSchema git243_schema = {
		"org.git.Password", SECRET_SCHEMA_DONT_MATCH_NAME,
		{ { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
		  { "object", SECRET_SCHEMA_ATTRIBUTE_STRING },
		  { "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
		  { "port", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
		  { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
		  { NULL, 0 } } };
	#undef SECRET_SCHEMA_COMPAT_NETWORK
	#define SECRET_SCHEMA_COMPAT_NETWORK (&git243_schema)
	EOF
	# shellcheck disable=SC2086
	cc -include "$T/schema243.h" -o "$T/git-credential-libsecret243" "$SRC" \
		$LIBSECRET_CFLAGS 2>"$T/cc.log" || { cat "$T/cc.log" >&2; exit 1; }
	OLD=$T/git-credential-libsecret
	NEW=$T/git-credential-libsecret243
	lsgc() {	# lsgc HELPER ACTION INPUT
		local h=$1 action=$2 input=$3
		printf '%s\n' "$input" >"$T/.in"
		run git -c credential.helper= -c credential.helper="$h" credential "$action" <"$T/.in"
	}

	lsgc "$OLD" approve "protocol=https${NL}host=old.tld:8443${NL}username=ou${NL}password=old-pass"
	run secret-tool search --all server old.tld
	t_contains "Debian's helper stores NetworkPassword items" "$OUT" "schema = org.gnome.keyring.NetworkPassword"
	gc fill "protocol=https${NL}host=old.tld:8443"
	t_eq "agentcred reads the older helper's item" "protocol=https${NL}host=old.tld:8443${NL}username=ou${NL}password=old-pass" "$OUT"
	gc approve "protocol=https${NL}host=old.tld:8443${NL}username=ou${NL}password=new-pass"
	run secret-tool search --all server old.tld
	t_eq "agentcred's store replaces the older helper's item" "1 org.git.Password" \
		"$(printf '%s\n' "$OUT" | grep -c '^\[') $(printf '%s\n' "$OUT" | sed -n 's/^schema = //p')"
	gc fill "protocol=https${NL}host=old.tld:8443"
	t_contains "the new password is returned" "$OUT" "password=new-pass"
	lsgc "$OLD" reject "protocol=https${NL}host=old.tld:8443"
	gc approve "protocol=https${NL}host=old.tld:8443${NL}username=ou${NL}password=old-pass"
	gc reject "protocol=https${NL}host=old.tld:8443${NL}username=ou${NL}password=old-pass"
	run secret-tool search --all server old.tld
	t_eq "agentcred's reject erases it" "" "$OUT"
	lsgc "$OLD" approve "protocol=https${NL}host=old2.tld${NL}username=o2${NL}password=p2"
	gc reject "protocol=https${NL}host=old2.tld${NL}username=o2${NL}password=p2"
	run secret-tool search --all server old2.tld
	t_eq "agentcred erases an item of the older helper" "" "$OUT"

	# agentcred → helper: what agentcred stores, git-credential-libsecret
	# with today's schema reads (Debian's 2.39 build filters on the old
	# schema name, as it does for items stored by git >= 2.43's helper)
	gc approve "protocol=https${NL}host=new.tld${NL}username=nu${NL}password=agentcred-pass"
	lsgc "$NEW" fill "protocol=https${NL}host=new.tld"
	t_eq "git-credential-libsecret reads agentcred's item" "protocol=https${NL}host=new.tld${NL}username=nu${NL}password=agentcred-pass" "$OUT"
	lsgc "$NEW" approve "protocol=https${NL}host=new2.tld${NL}username=n2${NL}password=helper-pass"
	gc fill "protocol=https${NL}host=new2.tld"
	t_eq "agentcred reads git-credential-libsecret's org.git.Password item" "protocol=https${NL}host=new2.tld${NL}username=n2${NL}password=helper-pass" "$OUT"
	lsgc "$NEW" reject "protocol=https${NL}host=new.tld"
	run secret-tool search --all server new.tld
	t_eq "git-credential-libsecret erases agentcred's item" "" "$OUT"
fi

# ---- a real git over HTTPS with Basic auth
mkdir -p "$T/repos" "$T/seed"
git init -q --bare -b main "$T/repos/r.git"
git -C "$T/seed" init -q -b main
git -C "$T/seed" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
git -C "$T/seed" push -q "$T/repos/r.git" main
HEAD_OID=$(git -C "$T/seed" rev-parse HEAD)

emu_start gh oauth_cc,git_http git_root="$T/repos" git_user=alice \
	git_password=alice-pass accept_tokens=true
GURL="$URL_gh/git/r.git"
GH="127.0.0.1:$PORT_gh"
gcl() { run git -c credential.helper= -c credential.helper=agentcred "$@"; }

# no credential anywhere: git asks (askpass answers wrong), gets 401, fails
gcl ls-remote "$GURL" refs/heads/main
t_eq "without credentials git fails" 128 "$RC"
t_contains "askpass was asked" "$ERR" "askpass: Username for 'https://$GH'"
run secret-tool search --all server 127.0.0.1
t_eq "a rejected password is not stored" "" "$OUT"

# a stored password
gc approve "protocol=https${NL}host=$GH${NL}username=alice${NL}password=alice-pass"
gcl ls-remote "$GURL" refs/heads/main
t_eq "ls-remote with the stored password" "$HEAD_OID	refs/heads/main" "$OUT"
t_not_contains "no prompt" "$ERR" "askpass"
gcl clone -q "$GURL" "$T/clone1"
t_eq "clone with the stored password" "$HEAD_OID" "$(git -C "$T/clone1" rev-parse HEAD 2>&1)"
t_eq "server saw alice" alice "$(emu_state gh 's["git_auth_ok"][-1]')"

# a wrong stored password: 401 → git erases it through agentcred
gc approve "protocol=https${NL}host=$GH${NL}username=alice${NL}password=stale"
gcl ls-remote "$GURL" refs/heads/main
t_eq "stale password fails" 128 "$RC"
run secret-tool search --all server 127.0.0.1
t_eq "git's reject erased the stale password" "" "$OUT"

# ---- a profile token as the password
P="git-$UNIQ"
t_ok "profile with hosts" profile_cc "$P" "$URL_gh/oauth/token" cc-secret --host "$GH"
BEFORE=$(emu_count gh /oauth/token)
gcl ls-remote "$GURL" refs/heads/main
t_eq "ls-remote with a profile token" "$HEAD_OID	refs/heads/main" "$OUT"
t_not_contains "profile: no prompt" "$ERR" "askpass"
TOK=$(emu_state gh 's["tokens"][-1]')
t_eq "one token request" 1 "$(( $(emu_count gh /oauth/token) - BEFORE ))"
t_eq "server saw the profile username" cc-client "$(emu_state gh 's["git_auth_ok"][-1]')"
run secret-tool search --all server 127.0.0.1
t_eq "git's approve of the token stored nothing" "" "$OUT"
gcl clone -q "$GURL" "$T/clone2"
t_eq "clone with the profile token" "$HEAD_OID" "$(git -C "$T/clone2" rev-parse HEAD 2>&1)"
t_eq "token reused from the cache" 1 "$(( $(emu_count gh /oauth/token) - BEFORE ))"

ac_git get "protocol=https${NL}host=$GH${NL}"
t_contains "get: password is the token" "$OUT" "password=$TOK"
t_contains "get: username is the client id" "$OUT" "username=cc-client"
EXP=$(printf '%s\n' "$OUT" | sed -n 's/^password_expiry_utc=//p')
NOW=$(date +%s)
t_ok "get: password_expiry_utc in the future, before the token's expiry" \
	test "$EXP" -gt "$NOW" -a "$EXP" -le $((NOW + 3600))
ac_git get "protocol=http${NL}host=$GH${NL}"
t_contains "plain http to loopback also gets the token" "$OUT" "password=$TOK"
assert_no_secret "no token on stderr" "$T/.err" "$TOK"
# a kernel-cache hit for a profile host needs no session bus and loads
# neither module: the profile is tried before any keyring lookup
printf 'protocol=https\nhost=%s\n' "$GH" >"$T/.in"
run env DBUS_SESSION_BUS_ADDRESS=disabled: LD_DEBUG=files "$AC" git get <"$T/.in"
t_contains "kernel hit, profile host: the token" "$OUT" "password=$TOK"
t_contains "kernel hit, profile host: LD_DEBUG=files works" "$ERR" "file=libcjson"
t_no_module "kernel hit, profile host: no module loaded" "$ERR"
t_not_contains "kernel hit, profile host: no libcurl/libsecret/GLib" \
	"$(printf '%s\n' "$ERR" | grep -E 'libcurl|libsecret|libglib|libgio')" "lib"
# plain http to a profile host off this machine: no token in clear text
P4="gitplain-$UNIQ"
t_ok "profile for a plain-http host" profile_cc "$P4" "$URL_gh/oauth/token" cc-secret --host plain.example
N=$(emu_count gh /oauth/token)
ac_git get "protocol=http${NL}host=plain.example${NL}"
t_eq "plain http off this machine: no token, a keyring miss" "0:" "$RC:$OUT"
t_eq "plain http off this machine: no token request" "$N" "$(emu_count gh /oauth/token)"

# contrib/gitconfig.example as ~/.gitconfig: plain git, no -c options
printf '[credential]\n\thelper = store\n' >"$HOME/.gitconfig"
sed "s|https://git\.example\.com|https://$GH|" "$TOP/contrib/gitconfig.example" >>"$HOME/.gitconfig"
run git config --get-all "credential.https://$GH.helper"
t_eq "example gitconfig names agentcred" "${NL}agentcred" "$OUT"
run git ls-remote "$GURL" refs/heads/main
t_eq "plain git with the example gitconfig" "$HEAD_OID	refs/heads/main" "$OUT"
t_ok "the empty helper value kept git's store helper out" test ! -e "$HOME/.git-credentials"
rm -f "$HOME/.gitconfig"

# the server stops accepting the token: 401 → reject → next run fetches anew
emu_curl gh /emu/revoke -X POST >/dev/null
gcl ls-remote "$GURL" refs/heads/main
t_eq "revoked token fails once" 128 "$RC"
gcl ls-remote "$GURL" refs/heads/main
t_eq "after git's reject the next run gets a fresh token" "$HEAD_OID	refs/heads/main" "$OUT"
t_eq "exactly one more token request" 2 "$(( $(emu_count gh /oauth/token) - BEFORE ))"
t_not_contains "fresh token differs" "$(emu_state gh 's["tokens"][-1]')" "$TOK"

# the token endpoint refuses a profile: nothing on stdout, one line on stderr
PB="gitbad-$UNIQ"
t_ok "profile with a wrong secret" profile_cc "$PB" "$URL_gh/oauth/token" wrong-secret --host bad.example
ac_git get "protocol=https${NL}host=bad.example${NL}"
t_eq "token failure: nothing on stdout" "" "$OUT"
t_contains "token failure: reason on stderr, naming the profile" "$ERR" "agentcred: $PB:"
t_eq "token failure: one line on stderr" 1 "$(printf '%s\n' "$ERR" | wc -l)"
assert_no_secret "token failure: no secret in the message" "$T/.err" wrong-secret

# a request the keyring cannot hold (not UTF-8): refused, nothing stored
printf 'protocol=https\nhost=bad\377.example\nusername=u\npassword=p\n' >"$T/.in"
run "$AC" git store <"$T/.in"
t_contains "non-UTF-8 host: says so" "$ERR" "not UTF-8"
t_eq "non-UTF-8 host: one line on stderr" 1 "$(printf '%s\n' "$ERR" | wc -l)"
run secret-tool search --all user u protocol https
t_not_contains "non-UTF-8 host: nothing stored" "$OUT$ERR" "example"

t_done
