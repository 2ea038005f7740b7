#!/bin/bash
# curl front-ends (README.md, "Design: front-end protocols") with the real curl 7.88: `agentcred curl
# NAME -- ARGS` and `curl -K <(agentcred curl-config NAME)` against the
# oauth_cc emulator's /echo, which requires a live Bearer token and answers
# the headers it received.  The token is never in any process's argv, and
# no curl runs when no token can be had.
. "$(dirname "$0")/../lib.sh"
need curl
keyring_start
ca_make
emu_start c oauth_cc
P="curl-$UNIQ"
t_ok "profile add" profile_cc "$P" "$URL_c/oauth/token" cc-secret \
	--header "AI-Resource-Group=grp1"

# ---- wrapper mode: the right headers reach the server
t_ok "agentcred curl" "$AC" curl "$P" -- -sS --cacert "$CA" "$URL_c/echo/a"
TOK=$(emu_state c 's["tokens"][-1]')
printf '%s\n' "$TOK" >"$T/tokpat"
t_eq "Authorization sent" "Bearer $TOK" "$(json_get "$OUT" 'j["headers"]["authorization"]')"
t_eq "profile header sent" grp1 "$(json_get "$OUT" 'j["headers"]["ai-resource-group"]')"
t_eq "curl's own arguments kept" /echo/a "$(json_get "$OUT" 'j["path"]')"
t_ok "leading -q" "$AC" curl "$P" -- -q -sS --cacert "$CA" "$URL_c/echo/q"
t_eq "leading -q: authorized" /echo/q "$(json_get "$OUT" 'j["path"]')"
t_eq "one token request" 1 "$(emu_count c /oauth/token)"

# curl's exit status is ours
t_exit "curl's exit status passed through (-f, 404 → 22)" 22 \
	"$AC" curl "$P" -- -sSf --cacert "$CA" "$URL_c/nothing-here"
t_exit "curl's exit status passed through (TLS failure → 60)" 60 \
	"$AC" curl "$P" -- -sS "$URL_c/echo/no-ca"

# ---- the argv curl gets: -q first, then -K /dev/fd/N, then ours; no token
mkdir -p "$T/bin"
cat >"$T/bin/fakecurl" <<FAKE
#!/bin/bash
printf '%s\n' "\$@" >"$T/args"
k=
for a in "\$@"; do [ "\$k" = 1 ] && cat "\$a" >"$T/curl-config.txt"; [ "\$a" = -K ] && k=1 || k=; done
FAKE
chmod +x "$T/bin/fakecurl"
AGENTCRED_CURL=$T/bin/fakecurl run "$AC" curl "$P" -- -q -s "https://x.example/a b"
t_eq "fake curl ran" 0 "$RC"
t_eq "-q stays first" -q "$(sed -n 1p "$T/args")"
t_eq "-K next" -K "$(sed -n 2p "$T/args")"
t_match "config from /dev/fd/N" "$(sed -n 3p "$T/args")" '^/dev/fd/[0-9]+$'
t_eq "then the caller's arguments" "$(printf -- '-s\nhttps://x.example/a b')" "$(sed -n '4,$p' "$T/args")"
assert_no_secret "no token in curl's argv" "$T/args" "$TOK"
t_eq "the config holds the header lines (and https for scheme-less URLs)" \
	"$(printf 'header = "Authorization: Bearer %s"\nheader = "AI-Resource-Group: grp1"\nproto-default = "https"' "$TOK")" \
	"$(cat "$T/curl-config.txt")"
AGENTCRED_CURL=$T/bin/fakecurl run "$AC" curl "$P" -- --disable -s u
t_eq "--disable stays first" --disable "$(sed -n 1p "$T/args")"
AGENTCRED_CURL=$T/bin/fakecurl run "$AC" curl "$P" -- -qs u
t_eq "combined -qs stays first" -qs "$(sed -n 1p "$T/args")"
AGENTCRED_CURL=$T/bin/fakecurl run "$AC" curl "$P" -- -s -q u
t_eq "a later -q is left in place" "$(printf -- '-K\n%s\n-s\n-q\nu' "$(sed -n 2p "$T/args")")" "$(cat "$T/args")"
t_exit "no -- : usage error" 2 "$AC" curl "$P" -s u
t_exit "no profile: usage error" 2 "$AC" curl -- -s u
AGENTCRED_CURL=$T/no-such-curl run "$AC" curl "$P" -- -s u
t_eq "missing curl: exit 1" 1 "$RC"
t_contains "missing curl: says so" "$ERR" "cannot run $T/no-such-curl"

# ---- token absent from every /proc/*/cmdline while curl runs
emu_fault c '{"path": "/echo/slow", "kind": "delay", "delay": 4}' >/dev/null
"$AC" curl "$P" -- -sS --cacert "$CA" "$URL_c/echo/slow" >"$T/slow.out" 2>&1 &
BG=$!
CURLPID=
for _ in $(seq 200); do
	CURLPID=$(grep -lF -- "/echo/slow" /proc/[0-9]*/cmdline 2>/dev/null |
		  sed -n 's|^/proc/\([0-9]*\)/cmdline$|\1|p' | while read -r p; do
			{ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -q -- '-K /dev/fd/' && echo "$p"
		  done | head -1)
	[ -n "$CURLPID" ] && break
	sleep 0.05
done
t_match "curl found running" "$CURLPID" '^[0-9]+$'
# -f pattern file: grep's own argv must not hold the token either
LEAK=$(grep -lFf "$T/tokpat" /proc/[0-9]*/cmdline 2>/dev/null)
t_eq "token in no process's cmdline" "" "$LEAK"
if [ -n "$CURLPID" ]; then
	if grep -qFf "$T/tokpat" "/proc/$CURLPID/environ" 2>/dev/null; then
		t_failmsg "token not in curl's environment"
	else
		t_pass "token not in curl's environment"
	fi
	t_eq "curl is the process agentcred started (exec)" "$BG" "$CURLPID"
fi
wait "$BG"
t_eq "slow request completed" 0 $?
t_eq "slow request authorized" /echo/slow "$(json_get "$(cat "$T/slow.out")" 'j["path"]')"

# ---- no token → no curl
PB="curlbad-$UNIQ"
t_ok "profile add (wrong secret)" profile_cc "$PB" "$URL_c/oauth/token" wrong-secret
N=$(emu_count c /echo/b)
cat >"$T/bin/marker-curl" <<MARK
#!/bin/sh
touch "$T/curl-ran"
MARK
chmod +x "$T/bin/marker-curl"
AGENTCRED_CURL=$T/bin/marker-curl run "$AC" curl "$PB" -- -sS --cacert "$CA" "$URL_c/echo/b"
t_eq "rejected credentials: exit 4" 4 "$RC"
t_eq "rejected credentials: curl not run" no "$([ -e "$T/curl-ran" ] && echo yes || echo no)"
t_contains "rejected credentials: one-line reason" "$ERR" "agentcred: $PB:"
run "$AC" curl "$PB" -- -sS --cacert "$CA" "$URL_c/echo/b"
t_eq "real curl: exit 4" 4 "$RC"
t_eq "real curl: the server was never contacted" "$N" "$(emu_count c /echo/b)"
t_exit "unknown profile: exit 2, no curl" 2 env AGENTCRED_CURL="$T/bin/marker-curl" "$AC" curl "nope-$UNIQ" -- u
t_eq "unknown profile: curl not run" no "$([ -e "$T/curl-ran" ] && echo yes || echo no)"

# ---- escaping: a header value with " and \ arrives unchanged
PE="curlesc-$UNIQ"
ODD='a "quoted" \back\slash\ end\'
t_ok "profile add (odd header)" profile_cc "$PE" "$URL_c/oauth/token" cc-secret \
	--header "X-Odd=$ODD"
t_ok "curl with odd header" "$AC" curl "$PE" -- -sS --cacert "$CA" "$URL_c/echo/odd"
t_eq "odd header arrives unchanged" "$ODD" "$(json_get "$OUT" 'j["headers"]["x-odd"]')"

# ---- curl-config
t_ok "curl-config" "$AC" curl-config "$P"
t_eq "curl-config lines" \
	"$(printf 'header = "Authorization: Bearer %s"\nheader = "AI-Resource-Group: grp1"' "$TOK")" "$OUT"
run bash -c "curl -sS --cacert '$CA' -K <('$AC' curl-config '$P') '$URL_c/echo/k'"
t_eq "curl -K <(curl-config)" 0 "$RC"
t_eq "curl -K <(curl-config): Authorization" "Bearer $TOK" "$(json_get "$OUT" 'j["headers"]["authorization"]')"
t_eq "curl -K <(curl-config): profile header" grp1 "$(json_get "$OUT" 'j["headers"]["ai-resource-group"]')"
run bash -c "curl -sS --cacert '$CA' -K <('$AC' curl-config '$PE') '$URL_c/echo/k2'"
t_eq "curl-config escaping parsed by curl" "$ODD" "$(json_get "$OUT" 'j["headers"]["x-odd"]')"
t_exit "curl-config, rejected credentials: exit 4" 4 "$AC" curl-config "$PB"
t_eq "curl-config failure prints nothing" "" "$OUT"

# ---- contrib/curl-example.sh
AGENTCRED=$AC run "$TOP/contrib/curl-example.sh" "$P" "$URL_c/echo/example" --cacert "$CA"
t_eq "curl-example.sh works" 0 "$RC"
t_eq "curl-example.sh authorized" "Bearer $TOK" "$(json_get "$OUT" 'j["headers"]["authorization"]')"
t_eq "still one token request for $P" 1 "$(emu_state c 'len([t for t in s["tokens"] if t == "'"$TOK"'"])')"
t_done
