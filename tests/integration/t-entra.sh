#!/bin/bash
# Entra Agent ID end to end (issue 3, README.md, "Design: token systems") against the strict
# token-endpoint emulator tests/emulators/entra.py: the three modes, the
# cache at each level (T1, T2, final) counted in POSTs, OBO user tokens in
# the cache key, the federated credential file, the error classes and
# their exit codes, and no secret in -v output.
. "$(dirname "$0")/../lib.sh"
keyring_start
emu_start en entra
TENANT=contoso.example
BP=b1b1b1b1-0000-4000-8000-000000000001
AG=a9a9a9a9-0000-4000-8000-000000000002
OTHER=a8a8a8a8-0000-4000-8000-000000000003
UPN=agent-user@contoso.example
OID=0d0d0d0d-0000-4000-8000-000000000004
SECRET="bp-secret"
TOKEN_PATH=/$TENANT/oauth2/v2.0/token
P="ea-$UNIQ"

posts() { emu_count en "$TOKEN_PATH"; }
step() { emu_state en "str(s.get('posts', {}).get('$1', 0))"; }
last_error() { emu_state en "s.get('errors', ['none'])[-1]"; }
claims() {	# claims TOKEN EXPR
	"$PY" -c '
import base64, json, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}
# user_jwt AUD OID: a JWT-shaped user token valid for an hour
user_jwt() {
	"$PY" -c '
import base64, json, sys, time, os
e = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
c = {"aud": sys.argv[1], "oid": sys.argv[2], "upn": sys.argv[2] + "@contoso.example",
     "exp": int(time.time()) + 3600, "nonce": e(os.urandom(8))}
print(e(b"{\"typ\":\"JWT\",\"alg\":\"RS256\"}") + "." + e(json.dumps(c).encode()) + "." + e(os.urandom(32)))' "$1" "$2"
}
add() {	# add NAME SECRET [options]
	local name=$1 secret=$2; shift 2
	printf '%s' "$secret" | "$AC" profile add "$name" --type entra-agent \
		--tenant "$TENANT" --blueprint-app-id "$BP" --agent-app-id "$AG" \
		--authority "$URL_en" --ca-file "$CA" --secret-stdin "$@"
}

# ---- profile add and validation
t_ok "profile add (autonomous-app)" add "$P" "$SECRET"
t_not_contains "config holds no secret" "$(cat "$XDG_CONFIG_HOME/agentcred/config.json")" "$SECRET"
run "$AC" profile show "$P"
t_contains "show: mode defaults to autonomous-app" "$OUT" "mode: autonomous-app"
t_exit "agent-user needs tenant" 2 "$AC" profile add "x-$P" --type entra-agent \
	--blueprint-app-id "$BP" --agent-app-id "$AG" --secret-stdin </dev/null
t_exit "http authority refused off loopback" 2 "$AC" profile add "x-$P" --type entra-agent \
	--tenant "$TENANT" --blueprint-app-id "$BP" --agent-app-id "$AG" \
	--authority http://login.example.com --secret-stdin </dev/null
t_contains "authority message" "$ERR" "https://"
t_exit "bad mode" 2 "$AC" profile add "x-$P" --type entra-agent --tenant "$TENANT" \
	--blueprint-app-id "$BP" --agent-app-id "$AG" --mode sudo --secret-stdin </dev/null

# ---- autonomous-app: 2 POSTs, then cache hits
t_ok "autonomous-app token" "$AC" token "$P"
TOK_APP=$OUT
t_eq "autonomous-app: 2 POSTs (T1 + token)" 2 "$(posts)"
t_eq "one T1" 1 "$(step t1)"
t_eq "one app token" 1 "$(step app)"
t_eq "token audience is Graph" "https://graph.microsoft.com" "$(claims "$TOK_APP" 'c["aud"]')"
t_eq "token subject is the agent" "$AG" "$(claims "$TOK_APP" 'c["sub"]')"
t_ok "autonomous-app again" "$AC" token "$P"
t_eq "second call: same token" "$TOK_APP" "$OUT"
t_eq "second call: zero POSTs" 2 "$(posts)"
AGENTCRED_KERNEL_CACHE=0 run "$AC" token "$P"
t_eq "Secret Service level hit" "$TOK_APP" "$OUT"
t_eq "Secret Service hit: zero POSTs" 2 "$(posts)"
run secret-tool search --all kind token profile "$P"
t_contains "T1 cached in the Secret Service" "$OUT" "agent identity assertion"
run sh -c "echo '{\"profile\": \"$P\"}' | '$AC' get"
t_eq "get: cached token" "$TOK_APP" "$(json_get "$OUT" 'j["access_token"]')"
t_eq "get: Authorization header" "Bearer $TOK_APP" "$(json_get "$OUT" 'j["headers"]["Authorization"]')"

# another scope reuses the cached T1: one POST
t_ok "other scope" "$AC" token "$P" --scope "api://other-api/.default"
t_eq "other scope: one POST, T1 reused" 3 "$(posts)"
t_eq "other scope audience" "api://other-api" "$(claims "$OUT" 'c["aud"]')"
t_eq "still one T1" 1 "$(step t1)"

# final token past its refresh point, T1 still valid: exactly one POST
# (final 600 s, T1 3900 s; the helper's clock moves 1000 s on)
emu_set en '{"lifetime": 600}' >/dev/null
t_ok "short-lived final token" "$AC" token "$P" --scope "api://short/.default"
N=$(posts)
LATER=$(($(date +%s) + 1000))
AGENTCRED_TEST_NOW=$LATER run "$AC" token "$P" --scope "api://short/.default"
t_eq "final expired: exit 0" 0 "$RC"
t_eq "final expired, T1 valid: exactly one POST" $((N + 1)) "$(posts)"
t_eq "final expired: T1 not fetched again" 1 "$(step t1)"
emu_set en '{"lifetime": 3599}' >/dev/null

# a cached T1 refused by the server (revoked early): dropped, fetched once more
sleep 1
emu_set en "{\"revoked_before\": $(date +%s)}" >/dev/null
sleep 1
N=$(posts)
AGENTCRED_TEST_NOW=$((LATER + 1000)) run "$AC" -v token "$P" --scope "api://short/.default"
t_eq "revoked T1: recovered" 0 "$RC"
t_eq "revoked T1: refused POST, new T1, token" $((N + 3)) "$(posts)"
t_eq "revoked T1: two T1s in all" 2 "$(step t1)"
t_contains "revoked T1: -v says why" "$ERR" "AADSTS700024"
emu_set en '{"revoked_before": null}' >/dev/null

# ---- single flight: concurrent cold calls for two scopes share one T1
"$AC" forget "$P"
N=$(posts)
pids=""
for i in 1 2 3 4 5 6 7 8; do
	"$AC" token "$P" --scope "api://c$((i % 2))/.default" >"$T/c$i.out" 2>&1 &
	pids="$pids $!"
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
t_eq "8 concurrent cold calls: all succeed" 0 "$fails"
t_eq "8 concurrent cold calls, 2 scopes: one T1 + two tokens" $((N + 3)) "$(posts)"

# ---- -v never shows the secret or a token
"$AC" forget "$P"
"$AC" -v token "$P" >"$T/v.out" 2>"$T/v.log"
t_contains "-v shows the POST" "$(cat "$T/v.log")" "POST"
t_contains "-v names the step" "$(cat "$T/v.log")" "step 1"
assert_no_secret "-v: no secret, no token" "$T/v.log" "$SECRET" "$(cat "$T/v.out")" \
	"$(emu_state en '[t for t, c in s["issued"].items() if c["emu_kind"] == "t1"][-1]')"

# ---- obo: user token from a file, stdin or JSON; never shared between users
PO="obo-$UNIQ"
t_ok "profile add (obo)" add "$PO" "$SECRET" --mode obo
t_exit "obo without a user token: usage" 2 "$AC" token "$PO"
t_contains "obo: says how to pass the user token" "$ERR" "--user-token-file"
user_jwt "$BP" user-one >"$T/u1"
user_jwt "$BP" user-two >"$T/u2"
user_jwt "https://graph.microsoft.com" user-three >"$T/u3"
N=$(posts)
t_ok "obo token (user 1)" "$AC" token "$PO" --user-token-file "$T/u1"
TOK_U1=$OUT
t_eq "obo: 2 POSTs" $((N + 2)) "$(posts)"
t_eq "obo token is for user 1" user-one "$(claims "$TOK_U1" 'c["oid"]')"
t_ok "obo user 1 from stdin" sh -c "'$AC' token '$PO' --user-token-file - <'$T/u1'"
t_eq "obo user 1 again: cache hit" "$TOK_U1" "$OUT"
t_eq "obo cache hit: zero POSTs" $((N + 2)) "$(posts)"
t_ok "obo token (user 2)" "$AC" token "$PO" --user-token-file "$T/u2"
TOK_U2=$OUT
t_eq "user 2: one POST (T1 reused)" $((N + 3)) "$(posts)"
t_eq "obo token is for user 2" user-two "$(claims "$TOK_U2" 'c["oid"]')"
t_not_contains "two users, two tokens" "$TOK_U1" "$TOK_U2"
run sh -c "printf '{\"profile\":\"%s\",\"user_token\":\"%s\"}' '$PO' '$(cat "$T/u2")' | '$AC' get"
t_eq "get with user_token: user 2's cached token" "$TOK_U2" "$(json_get "$OUT" 'j["access_token"]')"
t_exit "obo: user token for another audience" 4 "$AC" token "$PO" --user-token-file "$T/u3"
t_contains "obo wrong audience: AADSTS50013" "$ERR" "AADSTS50013"
t_contains "obo wrong audience: invalid_grant" "$ERR" "invalid_grant"
"$AC" -v token "$PO" --user-token-file "$T/u2" >"$T/v.out" 2>"$T/v.log"
"$AC" forget "$PO"
"$AC" -v token "$PO" --user-token-file "$T/u1" >>"$T/v.out" 2>>"$T/v.log"
assert_no_secret "obo -v: no user token, secret or token" "$T/v.log" \
	"$(cat "$T/u1")" "$(cat "$T/u2")" "$SECRET" "$TOK_U1" "$(tail -1 "$T/v.out")"
grep -rqsF "$(cat "$T/u1")" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" &&
	t_failmsg "the user token was written to disk" || t_pass "user token not written to disk"
t_exit "--user on an obo profile" 2 "$AC" token "$PO" --user "$UPN" --user-token-file "$T/u1"
t_exit "user token on an autonomous-app profile" 2 "$AC" token "$P" --user-token-file "$T/u1"

# ---- agent-user: 3 POSTs; username vs user_id
PU="au-$UNIQ"
t_ok "profile add (agent-user)" add "$PU" "$SECRET" --mode agent-user --user "$UPN"
N=$(posts)
T2N=$(step t2)
t_ok "agent-user token (UPN)" "$AC" token "$PU"
TOK_AU=$OUT
t_eq "agent-user: 3 POSTs" $((N + 3)) "$(posts)"
t_eq "agent-user: one T2" $((T2N + 1)) "$(step t2)"
t_eq "UPN sent as username" username "$(emu_state en 's["last_user_by"]')"
t_eq "agent-user token is the user's" "$OID" "$(claims "$TOK_AU" 'c["oid"]')"
t_ok "agent-user again" "$AC" token "$PU"
t_eq "agent-user: cache hit" "$TOK_AU" "$OUT"
t_eq "agent-user cache hit: zero POSTs" $((N + 3)) "$(posts)"
t_ok "agent-user by object id" "$AC" token "$PU" --user "$OID"
t_eq "object id sent as user_id" user_id "$(emu_state en 's["last_user_by"]')"
t_eq "other user: one POST (T1, T2 reused)" $((N + 4)) "$(posts)"
t_exit "agent-user: unknown user" 4 "$AC" token "$PU" --user "nobody@contoso.example"
t_contains "unknown user: AADSTS50034" "$ERR" "AADSTS50034"
N=$(posts)
AGENTCRED_TEST_NOW=$(($(date +%s) + 3400)) run "$AC" token "$PU"
t_eq "agent-user final expired, T1 valid: exit 0" 0 "$RC"
# T2 (3600 s, margin 300) is past its refresh point too at +3400 s
t_eq "agent-user refresh: T2 + token" $((N + 2)) "$(posts)"
PU2="au2-$UNIQ"
t_ok "agent-user profile without a user" add "$PU2" "$SECRET" --mode agent-user
t_exit "agent-user without a user: usage" 2 "$AC" token "$PU2"
t_contains "agent-user: says how to give the user" "$ERR" "--user"
t_ok "agent-user with a per-call user" "$AC" token "$PU2" --user "$UPN"

# ---- federated credential file instead of a secret
PF="fic-$UNIQ"
printf 'fed-one\n' >"$T/fic"
emu_set en '{"fic": "fed-one"}' >/dev/null
t_ok "profile add with a federated credential (no prompt)" "$AC" profile add "$PF" \
	--type entra-agent --tenant "$TENANT" --blueprint-app-id "$BP" \
	--agent-app-id "$AG" --authority "$URL_en" --ca-file "$CA" \
	--client-assertion-file "$T/fic" </dev/null
run secret-tool search --all kind client-secret profile "$PF"
t_eq "no secret stored for a federated profile" "" "$OUT"
t_exit "relative credential file refused" 2 "$AC" profile add "x-$PF" --type entra-agent \
	--tenant "$TENANT" --blueprint-app-id "$BP" --agent-app-id "$AG" \
	--client-assertion-file fic </dev/null
t_exit "credential file and secret_env are exclusive" 2 "$AC" profile add "x-$PF" \
	--type entra-agent --tenant "$TENANT" --blueprint-app-id "$BP" --agent-app-id "$AG" \
	--client-assertion-file "$T/fic" --secret-env BP_SECRET </dev/null
t_ok "federated token" "$AC" token "$PF"
H1=$(printf 'fed-one' | sha256sum | cut -c1-12)
t_eq "file contents sent as client_assertion" "assertion:$H1" "$(emu_state en 's["last_credential"]')"
printf 'fed-two\n' >"$T/fic"
emu_set en '{"fic": "fed-two"}' >/dev/null
"$AC" forget "$PF"
t_ok "federated token after rotation" "$AC" token "$PF"
H2=$(printf 'fed-two' | sha256sum | cut -c1-12)
t_eq "rotated contents sent" "assertion:$H2" "$(emu_state en 's["last_credential"]')"
emu_set en '{"fic": "fed-three"}' >/dev/null
"$AC" forget "$PF"
t_exit "stale federated credential: rejected" 4 "$AC" token "$PF"
t_contains "stale federated credential: AADSTS700213" "$ERR" "AADSTS700213"
rm -f "$T/fic"
t_exit "missing credential file: usage" 2 "$AC" token "$PF"

# ---- the blueprint secret from an environment variable (CI)
PE="env-$UNIQ"
t_ok "profile add with --secret-env (no prompt)" "$AC" profile add "$PE" --type entra-agent \
	--tenant "$TENANT" --blueprint-app-id "$BP" --agent-app-id "$AG" \
	--authority "$URL_en" --ca-file "$CA" --secret-env BP_SECRET </dev/null
t_exit "secret_env unset: usage" 2 env -u BP_SECRET "$AC" token "$PE"
t_contains "secret_env unset: names the variable" "$ERR" "BP_SECRET"
t_ok "secret from the environment" env BP_SECRET="$SECRET" "$AC" token "$PE"
t_eq "step 1 used the secret" secret "$(emu_state en 's["last_credential"]')"

# ---- the blueprint secret missing from the keyring: a configuration error
PN="nosec-$UNIQ"
t_ok "profile add (secret removed below)" add "$PN" "$SECRET"
secret-tool clear kind client-secret profile "$PN"
N=$(posts)
t_exit "no secret stored: exit 2" 2 "$AC" token "$PN"
t_contains "no secret stored: says how to store it" "$ERR" "--secret-stdin"
t_eq "no secret stored: no request" "$N" "$(posts)"

# ---- error classes
PB="bad-$UNIQ"
t_ok "profile add (wrong secret)" add "$PB" "not-the-secret"
N=$(posts)
t_exit "invalid_client: exit 4" 4 "$AC" token "$PB"
t_contains "invalid_client named" "$ERR" "invalid_client"
t_contains "AADSTS code" "$ERR" "AADSTS7000215"
t_contains "correlation id" "$ERR" "$(emu_state en 's["last_correlation_id"]')"
t_not_contains "only the first line of error_description" "$ERR" "Trace ID"
t_eq "one line on stderr" 1 "$(printf '%s\n' "$ERR" | wc -l)"
t_eq "invalid_client: not retried" $((N + 1)) "$(posts)"
t_eq "invalid_client: the emulator's refusal" invalid_client:7000215 "$(last_error)"
run sh -c "echo '{\"profile\": \"$PB\"}' | '$AC' get"
t_eq "get: invalid_client exit 4" 4 "$RC"
t_eq "get: error field" invalid_client "$(json_get "$OUT" 'j["error"]')"

"$AC" forget "$P"
"$AC" token "$P" >/dev/null	# T1 cached; the forced errors hit the final step
for e in invalid_grant unauthorized_client interaction_required; do
	emu_set en "{\"force_error\": \"$e\"}" >/dev/null
	t_exit "$e: exit 4" 4 "$AC" token "$P" --scope "api://$e/.default"
	t_contains "$e named" "$ERR" "$e"
done
t_contains "interaction_required: claims challenge" "$ERR" "capolids"
emu_set en '{"force_error": null}' >/dev/null

"$AC" forget "$P"
N=$(posts)
emu_fault en "{\"path\": \"$TOKEN_PATH\", \"status\": 500, \"times\": 2}" >/dev/null
# the retries that really sleep (lib.sh turns the sleeps off elsewhere)
S=$(date +%s%N)
t_exit "500 twice: exit 5" 5 env AGENTCRED_TEST_SLEEP=1 "$AC" token "$P"
E=$(( ($(date +%s%N) - S) / 1000000 ))
t_eq "500: retried once" $((N + 2)) "$(posts)"
t_match "500: retry after about 1 s" "$E" '^(9[0-9]{2}|[1-4][0-9]{3})$'
N=$(posts)
emu_fault en "{\"path\": \"$TOKEN_PATH\", \"status\": 500, \"times\": 1}" >/dev/null
t_ok "500 once: recovered" "$AC" token "$P"
t_eq "500 once: 3 POSTs (retry, then step 2)" $((N + 3)) "$(posts)"

"$AC" forget "$P"
N=$(posts)
emu_fault en "{\"path\": \"$TOKEN_PATH\", \"status\": 429, \"retry_after\": \"2\", \"times\": 1}" >/dev/null
S=$(date +%s%N)
t_ok "429 with Retry-After: recovered" env AGENTCRED_TEST_SLEEP=1 "$AC" token "$P"
E=$(( ($(date +%s%N) - S) / 1000000 ))
t_match "429: waited Retry-After (2 s)" "$E" '^([2-9][0-9]{3})$'
t_eq "429: 3 POSTs" $((N + 3)) "$(posts)"
"$AC" forget "$P"
emu_fault en "{\"path\": \"$TOKEN_PATH\", \"status\": 429, \"retry_after\": \"3600\", \"times\": 1}" >/dev/null
t_exit "429 beyond the deadline: exit 5 at once" 5 "$AC" token "$P"
t_match "429: says when to retry" "$ERR" "[Rr]etry|3600"

# ---- the emulator itself refuses a T1 issued for another agent
emu_reset en >/dev/null
T1_OTHER=$(emu_curl en "$TOKEN_PATH" -X POST \
	--data-urlencode grant_type=client_credentials --data-urlencode "client_id=$BP" \
	--data-urlencode "client_secret=$SECRET" \
	--data-urlencode scope=api://AzureADTokenExchange/.default \
	--data-urlencode "fmi_path=$OTHER" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
run emu_curl en "$TOKEN_PATH" -X POST -w '\n%{http_code}' \
	--data-urlencode grant_type=client_credentials --data-urlencode "client_id=$AG" \
	--data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
	--data-urlencode "client_assertion=$T1_OTHER" \
	--data-urlencode scope=https://graph.microsoft.com/.default
t_eq "T1 of another agent: 401" 401 "$(printf '%s' "$OUT" | tail -1)"
t_contains "T1 of another agent: AADSTS700211" "$OUT" "AADSTS700211"
run emu_curl en "$TOKEN_PATH" -X POST -w '\n%{http_code}' \
	--data-urlencode grant_type=client_credentials --data-urlencode "client_id=$BP" \
	--data-urlencode "client_secret=$SECRET" \
	--data-urlencode scope=api://AzureADTokenExchange/.default
t_contains "step 1 without fmi_path: refused" "$OUT" "'fmi_path'"

# ---- kubectl exec credential plugin (obo needs a user token, which an
# exec plugin has no way to receive: autonomous-app and agent-user only)
KEI='{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}'
run env KUBERNETES_EXEC_INFO="$KEI" "$AC" kube "$PU"
t_eq "kube agent-user: exit 0" 0 "$RC"
t_eq "kube agent-user: the user's token" "$OID" \
	"$(claims "$(json_get "$OUT" 'j["status"]["token"]')" 'c["oid"]')"
run env KUBERNETES_EXEC_INFO="$KEI" "$AC" kube "$P"
t_eq "kube autonomous-app: exit 0" 0 "$RC"
t_eq "kube autonomous-app: the agent's token" "$AG" \
	"$(claims "$(json_get "$OUT" 'j["status"]["token"]')" 'c["sub"]')"

# ---- a Graph-style API through agentcred curl (contrib/entra-agent-graph)
"$AC" forget "$P"
run env AGENTCRED="$AC" sh "$TOP/contrib/entra-agent-graph" "$P" "$URL_en" --cacert "$CA"
t_eq "entra-agent-graph: exit 0" 0 "$RC"
t_eq "entra-agent-graph: Graph answered" "$UPN" \
	"$(json_get "$OUT" 'j["value"][0]["userPrincipalName"]')"
emu_set en '{"secret": "rotated"}' >/dev/null
"$AC" forget "$P"
run env AGENTCRED="$AC" sh "$TOP/contrib/entra-agent-graph" "$P" "$URL_en" --cacert "$CA"
t_eq "entra-agent-graph, no token: agentcred's exit 4" 4 "$RC"
t_eq "entra-agent-graph, no token: Graph not called" 1 "$(emu_count en /v1.0/users)"

t_done
