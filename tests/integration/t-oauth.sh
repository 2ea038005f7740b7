#!/bin/bash
# The HTTP and OAuth layer end to end against the client-credentials
# emulator: both client authentication methods, every shape of expires_in,
# rejections (exit 4), server and network failures (exit 5) with the retry
# policy of README.md, "Design: token systems" and "Design: security rules", TLS trust, and no secret in -v output.
#
# No keyring here: the secret comes from $secret_env and the kernel cache
# is off, so every call below makes a real request.
. "$(dirname "$0")/../lib.sh"
export AGENTCRED_KERNEL_CACHE=0
emu_start oa oauth_cc
TOKEN_URL="$URL_oa/oauth/token"
CID='id+1:x ü'
export OA_SECRET='p%s+ :!ü&='
emu_set oa "{\"client_id\": \"$CID\", \"client_secret\": \"$OA_SECRET\"}" >/dev/null

# cc NAME [options]: a profile reading its secret from $OA_SECRET
cc() {
	local name=$1; shift
	"$AC" profile add "$name-$UNIQ" --type client-credentials \
		--token-url "$TOKEN_URL" --client-id "$CID" --ca-file "$CA" \
		--secret-env OA_SECRET --timeout 3 "$@" </dev/null
}
cc post
cc basic --auth-method basic

# fresh NAME: expires_in of a "get" answer
fresh() {
	run "$AC" get <<<"{\"profile\": \"$1-$UNIQ\"}"
	json_get "$OUT" 'j["expires_in"]' 2>/dev/null
}

# ---- client authentication, checked by the emulator
emu_set oa '{"auth": "post"}' >/dev/null
t_ok "client_secret_post with + % : & = space UTF-8" "$AC" token "post-$UNIQ"
TOK=$OUT
t_eq "one POST" 1 "$(emu_count oa /oauth/token)"
t_exit "basic refused by a post-only server: exit 4" 4 "$AC" token "basic-$UNIQ"
emu_set oa '{"auth": "basic"}' >/dev/null
t_ok "client_secret_basic, form-encoded, X-CF-ENCODED-CREDENTIALS" "$AC" token "basic-$UNIQ"
t_exit "post refused by a basic-only server: exit 4" 4 "$AC" token "post-$UNIQ"
t_contains "rejection carries the server's description" "$ERR" "Full authentication is required"
t_contains "rejection names the OAuth error" "$ERR" "invalid_client"
t_eq "rejection is one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
t_eq "rejection prints nothing on stdout" "" "$OUT"
emu_set oa '{"auth": "any"}' >/dev/null

# ---- optional parameters; a request's scope overrides the profile's
cc params --scope "s1 s2" --audience aud1 --resource "https://res.example/"
emu_set oa '{"scope": "s1 s2", "audience": "aud1", "resource": "https://res.example/"}' >/dev/null
t_ok "scope, audience and resource sent" "$AC" token "params-$UNIQ"
emu_set oa '{"scope": "other"}' >/dev/null
t_ok "request scope overrides the profile's" "$AC" token "params-$UNIQ" --scope other
t_exit "wrong scope: invalid_scope, exit 4" 4 "$AC" token "params-$UNIQ"
t_contains "...named" "$ERR" "invalid_scope"
# (null: the emulator then wants the parameter absent)
emu_set oa '{"scope": null, "audience": null, "resource": null}' >/dev/null

# ---- expires_in: number, string, absent (JWT exp), absent (opaque)
emu_set oa '{"expires_in_as": "number", "lifetime": 1200}' >/dev/null
t_match "expires_in as a number" "$(fresh post)" '^1(1[0-9]{2}|200)$'
emu_set oa '{"expires_in_as": "string", "lifetime": 1800}' >/dev/null
t_match "expires_in as a string" "$(fresh post)" '^1(7[0-9]{2}|800)$'
emu_set oa '{"expires_in_as": "absent", "lifetime": 2400}' >/dev/null
t_match "expires_in absent: the JWT's exp" "$(fresh post)" '^2(3[0-9]{2}|40[01])$'
emu_set oa '{"expires_in_as": "absent", "token_kind": "opaque"}' >/dev/null
t_match "expires_in absent, opaque token: one hour" "$(fresh post)" '^3(5[0-9]{2}|600)$'
emu_set oa '{"expires_in_as": "number", "lifetime": 3600, "token_kind": "jwt"}' >/dev/null

# ---- wrong secret: rejected, exit 4
OA_SECRET=wrong t_exit "wrong secret: exit 4" 4 "$AC" token "post-$UNIQ"
t_contains "wrong secret: the server's message" "$ERR" "Bad credentials"
t_eq "wrong secret: one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"

# ---- 5xx: retried once after 1 s, then exit 5
emu_reset oa >/dev/null
emu_set oa "{\"client_id\": \"$CID\", \"client_secret\": \"$OA_SECRET\"}" >/dev/null
emu_fault oa '{"path": "/oauth/token", "status": 500, "times": 1}' >/dev/null
t_ok "one 500, then a token: retried" "$AC" token "post-$UNIQ"
t_eq "500: two POSTs" 2 "$(emu_count oa /oauth/token)"
emu_reset oa >/dev/null
emu_set oa "{\"client_id\": \"$CID\", \"client_secret\": \"$OA_SECRET\"}" >/dev/null
emu_fault oa '{"path": "/oauth/token", "status": 502, "times": -1}' >/dev/null
t_exit "persistent 502: exit 5" 5 "$AC" token "post-$UNIQ"
t_eq "persistent 502: retried exactly once" 2 "$(emu_count oa /oauth/token)"
t_contains "502 is named" "$ERR" "HTTP 502"

# ---- 429/503 with Retry-After: honoured when it fits, else fail at once
emu_reset oa >/dev/null
emu_set oa "{\"client_id\": \"$CID\", \"client_secret\": \"$OA_SECRET\"}" >/dev/null
emu_fault oa '{"path": "/oauth/token", "status": 429, "retry_after": 1, "times": 1}' >/dev/null
t_ok "429 Retry-After 1: waited and retried" "$AC" token "post-$UNIQ"
t_eq "429 Retry-After 1: two POSTs" 2 "$(emu_count oa /oauth/token)"
emu_reset oa >/dev/null
emu_set oa "{\"client_id\": \"$CID\", \"client_secret\": \"$OA_SECRET\"}" >/dev/null
emu_fault oa '{"path": "/oauth/token", "status": 503, "retry_after": 120, "times": -1}' >/dev/null
# "at once": not after waiting the 120 s; the bound only has to be far below it
s=$(date +%s)
t_exit "503 Retry-After 120 > deadline: exit 5" 5 "$AC" token "post-$UNIQ"
t_match "...at once" "$(( $(date +%s) - s ))" '^[0-9]$'
t_contains "...saying when to retry" "$ERR" "retry after 120 s"
t_eq "...without a second POST" 1 "$(emu_count oa /oauth/token)"
emu_reset oa >/dev/null
emu_set oa "{\"client_id\": \"$CID\", \"client_secret\": \"$OA_SECRET\"}" >/dev/null
emu_fault oa '{"path": "/oauth/token", "status": 429, "times": -1}' >/dev/null
t_exit "429 without Retry-After: exit 5" 5 "$AC" token "post-$UNIQ"
t_eq "429 without Retry-After: not retried" 1 "$(emu_count oa /oauth/token)"

# ---- other 4xx and non-token answers: never retried, exit 5
emu_reset oa >/dev/null
emu_set oa "{\"client_id\": \"$CID\", \"client_secret\": \"$OA_SECRET\"}" >/dev/null
emu_fault oa '{"path": "/oauth/token", "status": 404, "times": -1}' >/dev/null
t_exit "404 HTML: exit 5" 5 "$AC" token "post-$UNIQ"
t_eq "404: not retried" 1 "$(emu_count oa /oauth/token)"
emu_reset oa >/dev/null
emu_set oa "{\"client_id\": \"$CID\", \"client_secret\": \"$OA_SECRET\"}" >/dev/null
emu_fault oa '{"path": "/oauth/token", "kind": "redirect", "location": "/oauth/token2", "times": -1}' >/dev/null
t_exit "redirect: exit 5" 5 "$AC" token "post-$UNIQ"
t_contains "redirect: said so" "$ERR" "redirect"
t_eq "redirect: not followed" 0 "$(emu_count oa /oauth/token2)"
emu_reset oa >/dev/null
emu_set oa "{\"client_id\": \"$CID\", \"client_secret\": \"$OA_SECRET\"}" >/dev/null
emu_fault oa '{"path": "/oauth/token", "kind": "huge", "times": 1}' >/dev/null
t_exit "answer over 1 MiB: exit 5" 5 "$AC" token "post-$UNIQ"
t_contains "over 1 MiB: said so" "$ERR" "1 MiB"
emu_fault oa '{"path": "/oauth/token", "kind": "badjson", "times": 1}' >/dev/null
t_exit "invalid JSON: exit 5" 5 "$AC" token "post-$UNIQ"
emu_fault oa '{"path": "/oauth/token", "status": 200, "body": {"token_type": "bearer"}, "times": 1}' >/dev/null
t_exit "no access_token: exit 5" 5 "$AC" token "post-$UNIQ"
emu_fault oa '{"path": "/oauth/token", "status": 200, "body": {"access_token": "a", "expires_in": -5}, "times": 1}' >/dev/null
t_exit "negative expires_in: exit 5" 5 "$AC" token "post-$UNIQ"
emu_fault oa '{"path": "/oauth/token", "status": 200, "body": {"access_token": "a", "expires_in": "soon"}, "times": 1}' >/dev/null
t_exit "non-numeric expires_in: exit 5" 5 "$AC" token "post-$UNIQ"

# ---- network failures end within the deadline (--timeout 3)
emu_reset oa >/dev/null
emu_set oa "{\"client_id\": \"$CID\", \"client_secret\": \"$OA_SECRET\"}" >/dev/null
for kind in hang trickle reset; do
	emu_fault oa "{\"path\": \"/oauth/token\", \"kind\": \"$kind\", \"times\": -1}" >/dev/null
	s=$(date +%s)
	t_exit "$kind: exit 5" 5 timeout 20 "$AC" token "post-$UNIQ"
	t_match "$kind: within the 3 s deadline" "$(( $(date +%s) - s ))" '^[0-5]$'
	t_eq "$kind: one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
	emu_reset oa >/dev/null
	emu_set oa "{\"client_id\": \"$CID\", \"client_secret\": \"$OA_SECRET\"}" >/dev/null
done
"$AC" profile add "down-$UNIQ" --type client-credentials --token-url "https://127.0.0.1:9/t" \
	--client-id x --secret-env OA_SECRET </dev/null
t_exit "connection refused: exit 5" 5 "$AC" token "down-$UNIQ"
t_contains "connection refused: names the host" "$ERR" "127.0.0.1"

# ---- TLS: ca_file trusted, others not
"$AC" profile add "noca-$UNIQ" --type client-credentials --token-url "$TOKEN_URL" \
	--client-id "$CID" --secret-env OA_SECRET </dev/null
t_exit "server CA not trusted without ca_file: exit 5" 5 "$AC" token "noca-$UNIQ"
t_contains "...with curl's reason" "$ERR" "certificate"
"$AC" profile add "missingca-$UNIQ" --type client-credentials --token-url "$TOKEN_URL" \
	--client-id "$CID" --ca-file "$T/no-such-ca.pem" --secret-env OA_SECRET </dev/null
t_exit "missing ca_file: configuration error, exit 2" 2 "$AC" token "missingca-$UNIQ"
t_contains "...naming ca_file" "$ERR" "ca_file"
_ca_new other && cert_make wrongca "IP:127.0.0.1" other
emu_start ob oauth_cc --cert wrongca
"$AC" profile add "wrongca-$UNIQ" --type client-credentials --token-url "$URL_ob/oauth/token" \
	--client-id cc-client --ca-file "$CA" --secret-env OA_SECRET </dev/null
t_exit "certificate from another CA: exit 5" 5 "$AC" token "wrongca-$UNIQ"
cert_make wronghost "DNS:not-this-host.example" ca
emu_start oc oauth_cc --cert wronghost
"$AC" profile add "wronghost-$UNIQ" --type client-credentials --token-url "$URL_oc/oauth/token" \
	--client-id cc-client --ca-file "$CA" --secret-env OA_SECRET </dev/null
t_exit "certificate for another host name: exit 5" 5 "$AC" token "wronghost-$UNIQ"
t_eq "...and no request reached the server" 0 \
	"$(emu_curl oc /_emu/stats -k | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["total"])')"

# ---- http:// only to loopback
emu_start oh oauth_cc --http client_secret=cc-secret
CC_SECRET=cc-secret "$AC" profile add "http-$UNIQ" --type client-credentials \
	--token-url "$URL_oh/oauth/token" --client-id cc-client --secret-env CC_SECRET </dev/null
CC_SECRET=cc-secret t_ok "http:// to loopback works" "$AC" token "http-$UNIQ"
# A non-loopback http:// URL is a configuration error (exit 2), refused
# before any connection: both when the profile is added and when a
# hand-edited config reaches the token call.
t_exit "http:// to another host refused at profile add: exit 2" 2 \
	"$AC" profile add "plain-$UNIQ" --type client-credentials \
	--token-url "http://192.0.2.1/oauth/token" --client-id x --secret-env OA_SECRET
sed "s|$URL_oh/oauth/token|http://192.0.2.1/oauth/token|" \
	"$XDG_CONFIG_HOME/agentcred/config.json" >"$T/edited.json"
s=$(date +%s)
CC_SECRET=cc-secret t_exit "http:// to another host in config: exit 2" 2 \
	timeout 20 "$AC" --config "$T/edited.json" token "http-$UNIQ"
t_match "...refused before connecting" "$(( $(date +%s) - s ))" '^[0-5]$'
t_contains "...saying https is required" "$ERR" "https://"

# ---- no keyring and no secret_env: the keyring error passes through
"$PY" - "$XDG_CONFIG_HOME/agentcred/config.json" "$T/nokr.json" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
profs = cfg["profiles"]
for p in (profs.values() if isinstance(profs, dict) else profs):
    p.pop("secret_env", None)
json.dump(cfg, open(sys.argv[2], "w"))
PY
t_exit "no keyring for the secret: exit 3" 3 timeout 20 "$AC" --config "$T/nokr.json" token "post-$UNIQ"

# ---- -v: method, URL, status, timing; never a secret or token
"$AC" -v token "post-$UNIQ" >"$T/v.out" 2>"$T/v.log"
t_contains "-v shows the request" "$(cat "$T/v.log")" "POST $TOKEN_URL"
t_match "-v shows status and timing" "$(cat "$T/v.log")" 'HTTP 200 \([0-9]+ ms\)'
"$AC" -v token "basic-$UNIQ" >>"$T/v.out" 2>>"$T/v.log"
OA_SECRET=wrong-but-secret "$AC" -v token "post-$UNIQ" >>"$T/v.out" 2>>"$T/v.log"
t_contains "-v shows the OAuth error" "$(cat "$T/v.log")" "invalid_client"
enc=$(printf '%s' "$OA_SECRET" | "$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.stdin.read()))')
# the client_secret_basic credential, base64(form(id) ":" form(secret))
basic=$(CID="$CID" "$PY" -c 'import base64, os, urllib.parse as u
print(base64.b64encode((u.quote_plus(os.environ["CID"]) + ":" +
    u.quote_plus(os.environ["OA_SECRET"])).encode()).decode())')
assert_no_secret "-v shows no secret or token" "$T/v.log" "$OA_SECRET" "$enc" \
	"$basic" "wrong-but-secret" $(cat "$T/v.out")

t_done
