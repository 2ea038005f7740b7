#!/bin/bash
# contrib/sap-ai-core-call end to end (issue 8): a client-credentials
# profile gets a token from the oauth_cc emulator, and the script calls an
# orchestration deployment (sapai emulator, same process, so only tokens
# that oauth_cc issued are accepted) with the AI-Resource-Group header and
# a template body, and prints the answer.  The token never reaches argv.
. "$(dirname "$0")/../lib.sh"
need curl jq
keyring_start
emu_start api oauth_cc,sapai resource_group=grp1 deployment=dep42
export CURL_CA_BUNDLE=$CA
P=sap-$UNIQ
SCRIPT=$TOP/contrib/sap-ai-core-call

# PATH shims that log every argv
argv_shims

# a profile like import-sap-key makes: API URL .../v2, resource group header
t_ok "profile add" profile_cc "$P" "$URL_api/oauth/token" cc-secret \
	--api-url "$URL_api/v2" --header "AI-Resource-Group=grp1" --host "127.0.0.1:$PORT_api"

run "$SCRIPT" "$P" dep42 'What is "SAP AI Core"?'
t_eq "by deployment id: exit 0" 0 "$RC"
t_eq "by deployment id: the answer" 'echo: What is "SAP AI Core"?' "$OUT"
t_eq "one token fetched" 1 "$(emu_count api /oauth/token)"
t_eq "request went to the deployment" "/v2/inference/deployments/dep42/completion" \
	"$(emu_state api 's["sapai"][-1]["path"]')"
t_eq "AI-Resource-Group sent once, from the profile" grp1 "$(emu_state api 's["sapai"][-1]["group"]')"
REQ=$(emu_state api 's["sapai"][-1]["body"]')
t_eq "template body: placeholder" "{{?question}}" \
	"$(json_get "$REQ" 'j["orchestration_config"]["module_configurations"]["templating_module_config"]["template"][-1]["content"]')"
t_eq "template body: input" 'What is "SAP AI Core"?' "$(json_get "$REQ" 'j["input_params"]["question"]')"

run "$SCRIPT" "$P" "$URL_api/v2/inference/deployments/dep42" "by URL"
t_eq "by deployment URL: the answer" "echo: by URL" "$OUT"
t_eq "cached token reused" 1 "$(emu_count api /oauth/token)"
AICORE_MODEL=gpt-4o run "$SCRIPT" "$P" dep42 "model?"
t_eq "AICORE_MODEL" gpt-4o "$(json_get "$(emu_state api 's["sapai"][-1]["body"]')" \
	'j["orchestration_config"]["module_configurations"]["llm_module_config"]["model_name"]')"

AICORE_RESOURCE_GROUP=other run "$SCRIPT" "$P" dep42 "x"
t_eq "conflicting resource group: refused" 1 "$RC"
t_contains "conflicting resource group: says why" "$ERR" "sends AI-Resource-Group: grp1"

# a profile without the header: the script sends the group itself
t_ok "profile without a resource group" profile_cc "plain-$UNIQ" "$URL_api/oauth/token" cc-secret \
	--api-url "$URL_api/v2"
run "$SCRIPT" "plain-$UNIQ" dep42 "x"
t_eq "default group 'default' is not grp1: fails" 1 "$((RC != 0))"
t_contains "the service's 404 is shown" "$ERR" "not found in resource group default"
t_eq "group default was sent" default "$(emu_state api 's["sapai"][-1]["group"]')"
AICORE_RESOURCE_GROUP=grp1 run "$SCRIPT" "plain-$UNIQ" dep42 "with group"
t_eq "AICORE_RESOURCE_GROUP: the answer" "echo: with group" "$OUT"

# failures: unknown deployment, revoked token, no api_url for an id
run "$SCRIPT" "$P" nosuch "x"
t_eq "unknown deployment fails" 1 "$((RC != 0))"
t_eq "unknown deployment: nothing on stdout" "" "$OUT"
emu_curl api /emu/revoke -X POST >/dev/null
run "$SCRIPT" "$P" dep42 "x"
t_eq "revoked token: 401 fails" 1 "$((RC != 0))"
t_contains "revoked token: says what failed" "$ERR" "the completion call failed"
"$AC" forget "$P" >/dev/null
run "$SCRIPT" "$P" dep42 "after forget"
t_eq "after forget: a new token works" "echo: after forget" "$OUT"
run "$SCRIPT" "nosuch-$UNIQ" dep42 "x"
t_eq "unknown profile: agentcred's exit 2" 2 "$RC"
t_exit "usage: exit 2" 2 "$SCRIPT" "$P"

# the tokens never reached any argv
for tok in $(emu_state api '" ".join(s["tokens"])'); do
	assert_no_secret "token ${tok:0:8}… in no argv" "$T/argv.log" "$tok"
done
assert_no_secret "client secret in no argv" "$T/argv.log" cc-secret
t_contains "curl ran through the shim" "$(cat "$T/argv.log")" "/completion"

t_done
