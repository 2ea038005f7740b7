#!/bin/bash
# Core end to end: client-credentials profiles (SAP AI Core and plain
# RFC 6749), the keyring, both cache levels, token/get/forget/status, and
# the keyring failure modes of README.md, "Design: keyring layout" (exit 3, never a hang).
. "$(dirname "$0")/../lib.sh"
keyring_start
emu_start oa oauth_cc
SECRET="cc-secret"
P="cc-$UNIQ"
TOKEN_URL="$URL_oa/oauth/token"

# ---- profile add, token, cache
t_ok "profile add" profile_cc "$P" "$TOKEN_URL" "$SECRET" --header "AI-Resource-Group=grp1"
t_eq "config is 0600" 600 "$(stat -c %a "$XDG_CONFIG_HOME/agentcred/config.json")"
t_not_contains "config holds no secret" "$(cat "$XDG_CONFIG_HOME/agentcred/config.json")" "$SECRET"
run sh -c "secret-tool search --all kind client-secret profile $P 2>&1"
t_contains "secret stored in the Secret Service" "$OUT" "label = agentcred: client secret for $P"
t_contains "secret attribute kind" "$OUT" "attribute.kind = client-secret"
t_not_contains "no secret in attributes" "$(echo "$OUT" | grep '^attribute')" "$SECRET"

t_ok "token" "$AC" token "$P"
TOK1=$OUT
t_eq "token is the issued one" "$(emu_state oa 's["tokens"][-1]')" "$TOK1"
t_eq "one POST" 1 "$(emu_count oa /oauth/token)"
t_ok "token again" "$AC" token "$P"
t_eq "cache hit returns the same token" "$TOK1" "$OUT"
t_eq "cache hit makes no POST" 1 "$(emu_count oa /oauth/token)"

# option errors of the token front-ends are usage errors (token_args_parse)
# and make no request
t_exit "token without a name: exit 2" 2 "$AC" token
t_contains "token without a name: usage" "$ERR" "usage: agentcred token NAME"
t_exit "token --bogus: exit 2" 2 "$AC" token "$P" --bogus
t_contains "token --bogus: usage" "$ERR" "usage: agentcred token NAME"
t_exit "token --scope without a value: exit 2" 2 "$AC" token "$P" --scope
t_exit "token with two names: exit 2" 2 "$AC" token "$P" "$P"
t_exit "--user on client-credentials: exit 2" 2 "$AC" token "$P" --user u@example.com
t_contains "--user on client-credentials: says why" "$ERR" "entra-agent profiles only"
t_eq "option errors make no POST" 1 "$(emu_count oa /oauth/token)"

# git reports its own errors once it runs, but a configuration it never
# got to run with is reported by main (SILENT_FAIL before the command)
printf '{' >"$T/broken.json"
run sh -c "printf 'protocol=https\nhost=h\n\n' | AGENTCRED_CONFIG='$T/broken.json' '$AC' git get"
t_eq "git with a broken config: exit 2" 2 "$RC"
t_contains "git with a broken config: names the file" "$ERR" "$T/broken.json"

run sh -c "secret-tool search --all kind token profile $P 2>&1"
t_contains "token cached in the Secret Service" "$OUT" "label = agentcred: token for $P"
t_not_contains "token not in attributes" "$(echo "$OUT" | grep '^attribute')" "$TOK1"

# Secret Service level only: kernel level off
AGENTCRED_KERNEL_CACHE=0 run "$AC" token "$P"
t_eq "Secret Service hit" "$TOK1" "$OUT"
t_eq "Secret Service hit makes no POST" 1 "$(emu_count oa /oauth/token)"

# ---- get (JSON protocol)
run sh -c "echo '{\"profile\": \"$P\"}' | '$AC' get"
t_eq "get exit 0" 0 "$RC"
t_eq "get access_token" "$TOK1" "$(json_get "$OUT" 'j["access_token"]')"
t_eq "get Authorization header" "Bearer $TOK1" "$(json_get "$OUT" 'j["headers"]["Authorization"]')"
t_eq "get profile header" "grp1" "$(json_get "$OUT" 'j["headers"]["AI-Resource-Group"]')"
t_match "get expires_at is RFC 3339" "$(json_get "$OUT" 'j["expires_at"]')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
t_match "get expires_in is a number" "$(json_get "$OUT" 'j["expires_in"]')" '^[0-9]+$'
run sh -c "echo '{\"profile\": \"nope-$UNIQ\"}' | '$AC' get"
t_eq "get unknown profile: exit 2" 2 "$RC"
t_match "get error is JSON on stdout" "$(json_get "$OUT" 'j["error"]')" '^[a-z_]+$'
run sh -c "echo 'not json' | '$AC' get"
t_eq "get bad JSON: exit 2" 2 "$RC"

# ---- forget drops both levels
t_ok "forget" "$AC" forget "$P"
run sh -c "secret-tool search --all kind token profile $P 2>&1"
t_eq "forget removed the Secret Service token" "" "$OUT"
t_ok "token after forget" "$AC" token "$P"
t_eq "forget: next call fetches" 2 "$(emu_count oa /oauth/token)"
TOK2=$OUT
t_not_contains "fresh token differs" "$TOK1" "$TOK2"

# ---- -v shows no secret
"$AC" -v forget "$P" >"$T/v.log" 2>&1
"$AC" -v token "$P" >"$T/v.out" 2>"$T/v.log"
t_contains "-v shows the request" "$(cat "$T/v.log")" "POST"
assert_no_secret "-v shows no secret or token" "$T/v.log" "$SECRET" "$(cat "$T/v.out")"

# ---- basic auth (RFC 6749 §2.3.1 encoding), scope
emu_set oa '{"auth": "basic", "client_id": "id+1:x", "client_secret": "p%s+ :!"}'
printf '%s' 'p%s+ :!' | "$AC" profile add "b-$P" --type client-credentials \
	--token-url "$TOKEN_URL" --client-id 'id+1:x' --auth-method basic \
	--ca-file "$CA" --secret-stdin
t_ok "basic auth with + % : in id and secret" "$AC" token "b-$P"
emu_set oa '{"auth": "post", "client_id": "id+1:x", "client_secret": "p%s+ :!", "scope": "s1 s2"}'
t_exit "post auth refused when scope missing" 4 "$AC" token "b-$P" --scope other
printf '%s' 'p%s+ :!' | "$AC" profile add "s-$P" --type client-credentials \
	--token-url "$TOKEN_URL" --client-id 'id+1:x' --scope "s1 s2" --ca-file "$CA" --secret-stdin
t_ok "post auth with scope" "$AC" token "s-$P"
emu_set oa '{"auth": "any", "client_id": "cc-client", "client_secret": "cc-secret"}'
emu_set oa '{"scope": null}'	# null removes the setting

# ---- expires_in as string, and absent (JWT exp)
emu_reset oa
emu_set oa '{"expires_in_as": "string", "lifetime": 1800}'
"$AC" forget "$P"
run "$AC" get <<<"{\"profile\": \"$P\"}"
t_match "expires_in as a string" "$(json_get "$OUT" 'j["expires_in"]')" '^1[0-9]{3}$'
emu_set oa '{"expires_in_as": "absent", "lifetime": 2400}'
"$AC" forget "$P"
run "$AC" get <<<"{\"profile\": \"$P\"}"
t_match "expires_in from the JWT exp" "$(json_get "$OUT" 'j["expires_in"]')" '^2[0-9]{3}$'
emu_set oa '{"expires_in_as": "number", "lifetime": 3600}'

# ---- wrong secret: rejected, exit 4, one line
printf 'wrong' | "$AC" profile add "w-$P" --type client-credentials \
	--token-url "$TOKEN_URL" --client-id cc-client --ca-file "$CA" --secret-stdin
t_exit "wrong secret: exit 4" 4 "$AC" token "w-$P"
t_contains "wrong secret: server's message" "$ERR" "Bad credentials"
t_eq "wrong secret: one line on stderr" 1 "$(printf '%s\n' "$ERR" | wc -l)"
t_eq "wrong secret: nothing on stdout" "" "$OUT"

# ---- re-adding a profile rotates the secret and drops its tokens
"$AC" token "$P" >/dev/null
n=$(emu_count oa /oauth/token)
printf '%s' "$SECRET" | "$AC" profile add "$P" --type client-credentials \
	--token-url "$TOKEN_URL" --client-id cc-client --ca-file "$CA" --secret-stdin
run sh -c "secret-tool search --all kind token profile $P 2>&1"
t_eq "profile add again drops cached tokens" "" "$OUT"
"$AC" token "$P" >/dev/null
t_eq "and the next token call fetches" $((n + 1)) "$(emu_count oa /oauth/token)"

# ---- SAP AI Core service key
cat >"$T/sk.json" <<SK
{"clientid": "cc-client", "clientsecret": "cc-secret",
 "url": "$URL_oa",
 "identityzone": "acme", "appname": "x",
 "serviceurls": {"AI_API_URL": "https://api.ai.example.com"}}
SK
t_ok "import-sap-key" "$AC" profile import-sap-key "sap-$P" "$T/sk.json" --resource-group rg7 \
	--ca-file "$CA"
run "$AC" profile show "sap-$P"
t_contains "sap token URL" "$OUT" "token_url: $URL_oa/oauth/token"
t_contains "sap API URL" "$OUT" "api_url: https://api.ai.example.com/v2"
t_contains "sap resource group header" "$OUT" "AI-Resource-Group: rg7"
t_not_contains "show prints no secret" "$OUT" "cc-secret"
t_contains "sap host for git/docker/curl" "$OUT" "host: api.ai.example.com"
t_contains "sap ca_file" "$OUT" "ca_file: $CA"
t_ok "sap token, with the secret from the service key" "$AC" token "sap-$P"

# ---- a profile whose secret was deleted behind our back: exit 2, says how to fix
"$AC" forget "sap-$P"
secret-tool clear kind client-secret profile "sap-$P"
t_exit "missing secret: exit 2" 2 "$AC" token "sap-$P"
t_contains "missing secret: says how to store it" "$ERR" "agentcred profile add sap-$P"

# ---- secrets never on the command line
t_exit "--secret refused" 2 "$AC" profile add "x-$P" --type client-credentials \
	--token-url "$TOKEN_URL" --client-id a --secret hunter2
t_contains "--secret refusal says why" "$ERR" "command line"
# an "--option=VALUE" is never echoed past the "="
for opt in --client-secret=S3CR3T-opt --secret=S3CR3T-opt --token=S3CR3T-opt; do
	t_exit "$opt refused" 2 "$AC" profile add "x-$P" --type client-credentials \
		--token-url "$TOKEN_URL" --client-id c "$opt"
	printf '%s' "$ERR" >"$T/opt.err"
	assert_no_secret "$opt: not echoed" "$T/opt.err" S3CR3T-opt
done

# ---- status, list, remove
run "$AC" status --json
t_eq "status --json exit 0" 0 "$RC"
t_eq "status --json lists the profile" "client-credentials" \
	"$(json_get "$OUT" '[p for p in j["profiles"] if p["name"] == "'"$P"'"][0]["type"]')"
run "$AC" profile list
t_contains "list" "$OUT" "$P"
t_ok "remove" "$AC" profile remove "$P"
run secret-tool search --all profile "$P"
t_eq "remove deletes secret and tokens" "" "$OUT"
t_exit "token of a removed profile: exit 2" 2 "$AC" token "$P"

# ---- keyring failures: exit 3 at once, a message that says what to do
P2="k-$UNIQ"
profile_cc "$P2" "$TOKEN_URL" "$SECRET" >/dev/null
ADDR=$DBUS_SESSION_BUS_ADDRESS
DBUS_SESSION_BUS_ADDRESS=disabled: AGENTCRED_KERNEL_CACHE=0 run timeout 10 "$AC" token "$P2"
t_eq "no D-Bus: exit 3" 3 "$RC"
t_match "no D-Bus: says what to do" "$ERR" "keyring|D-Bus"
t_eq "no D-Bus: one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
unset DBUS_SESSION_BUS_ADDRESS
noprovider_start
AGENTCRED_KERNEL_CACHE=0 run timeout 10 "$AC" token "$P2"
t_eq "no Secret Service: exit 3" 3 "$RC"
t_match "no Secret Service: says what to do" "$ERR" "keyring|Secret Service"
DBUS_SESSION_BUS_ADDRESS=$ADDR

# ---- a profile that moves its secret to secret_env leaves none in the keyring
P4="e-$UNIQ"
printf '%s' "$SECRET" | "$AC" profile add "$P4" --type client-credentials \
	--token-url "$TOKEN_URL" --client-id cc-client --ca-file "$CA" --secret-stdin
run secret-tool lookup kind client-secret profile "$P4"
t_eq "stored secret in the keyring" "$SECRET" "$OUT"
t_ok "re-added with --secret-env" "$AC" profile add "$P4" --type client-credentials \
	--token-url "$TOKEN_URL" --client-id cc-client --ca-file "$CA" --secret-env AC_T_CORE_SECRET
run secret-tool lookup kind client-secret profile "$P4"
t_eq "the unused stored secret left the keyring" "" "$OUT"
AC_T_CORE_SECRET=$SECRET t_ok "token from secret_env" "$AC" token "$P4"
"$AC" profile remove "$P4" >/dev/null 2>&1

# ---- the file store, opted into
P3="f-$UNIQ"
printf '%s' "$SECRET" | AGENTCRED_KEYRING=file "$AC" profile add "$P3" --type client-credentials \
	--token-url "$TOKEN_URL" --client-id cc-client --ca-file "$CA" --secret-stdin
t_eq "file store is 0600" 600 "$(stat -c %a "$XDG_DATA_HOME/agentcred/secrets.json")"
t_eq "file store dir is 0700" 700 "$(stat -c %a "$XDG_DATA_HOME/agentcred")"
DBUS_SESSION_BUS_ADDRESS=disabled: t_ok "file store works without a bus" \
	"$AC" --keyring file token "$P3"
chmod 644 "$XDG_DATA_HOME/agentcred/secrets.json"
DBUS_SESSION_BUS_ADDRESS=disabled: AGENTCRED_KERNEL_CACHE=0 run "$AC" --keyring file forget "$P3"
t_eq "file store readable by others: exit 3" 3 "$RC"
chmod 600 "$XDG_DATA_HOME/agentcred/secrets.json"

t_done
