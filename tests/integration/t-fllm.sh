#!/bin/bash
# FoundationaLLM agent access tokens (issue 4, README.md, "Design: token systems"): profile add
# with shape and instance checks, the X-AGENT-ACCESS-TOKEN header on every
# front-end, the expiry rules (warning in the last 7 days, exit 6 after),
# status, and contrib/foundationallm-chat end to end against the Core API
# emulator.  The token must never reach argv or -v output.
. "$(dirname "$0")/../lib.sh"
need curl jq
keyring_start

mktoken() {	# INSTANCE [AGENT]: a well-shaped agent access token
	PYTHONPATH=$TOP/tests/emulators "$PY" -c \
		'import sys, fllm; print(fllm.make_token(*sys.argv[1:]))' "$@"
}
day() { date -u -d "$1" +%F; }	# day '+3 days' -> YYYY-MM-DD (UTC)

INST=8b6e7e3a-2f54-4c51-9d43-0c1d5e3f7a21
TOKEN=$(mktoken "$INST")
emu_start fl fllm "token=$TOKEN"
API=$URL_fl/instances/$INST
P=fl-$UNIQ
export CURL_CA_BUNDLE=$CA

# fl_add NAME TOKEN [options]: the token goes in through stdin
fl_add() {
	local name=$1 tok=$2; shift 2
	printf '%s' "$tok" | "$AC" profile add "$name" --type foundationallm \
		--ca-file "$CA" --secret-stdin "$@"
}

# ---- profile add: shape and instance checks
t_ok "profile add" fl_add "$P" "$TOKEN" --api-url "$API" --expires "$(day '+60 days')" \
	--description "chat agent"
t_eq "no warning for a matching instance" "" "$ERR"
t_not_contains "config holds no token" "$(cat "$XDG_CONFIG_HOME/agentcred/config.json")" "$TOKEN"
run secret-tool search --all kind client-secret profile "$P"
t_contains "token stored in the Secret Service" "$OUT" "label = agentcred: client secret for $P"
t_not_contains "no token in attributes" "$(echo "$OUT" | grep '^attribute')" "$TOKEN"
run "$AC" profile show "$P"
t_contains "show: api_url" "$OUT" "api_url: $API"
t_contains "show: expires" "$OUT" "expires: $(day '+60 days')"
t_not_contains "show: no token" "$OUT" "$TOKEN"

bad_add() {	# NAME TEST-TOKEN
	local name=$1 tok=$2
	t_exit "bad shape refused: $name" 2 fl_add "bad-$UNIQ" "$tok" --api-url "$API"
	t_contains "bad shape message: $name" "$ERR" "not a FoundationaLLM agent access token"
	t_not_contains "bad shape message quotes no token: $name" "$ERR" "$tok"
	run "$AC" profile list
	t_not_contains "bad shape: no profile saved: $name" "$OUT" "bad-$UNIQ"
	run secret-tool search --all kind client-secret profile "bad-$UNIQ"
	t_eq "bad shape: nothing in the keyring: $name" "" "$OUT"
}
bad_add "not dotted" "sk-0123456789abcdefSECRETVALUE"
bad_add "five parts" "${TOKEN%.ayek}"
bad_add "seven parts" "${TOKEN%.ayek}.x.ayek"
bad_add "no keya prefix" "keyb.${TOKEN#keya.}"
bad_add "instance not base58" "keya.0OIl.${TOKEN#keya.*.}"

OTHER=3f1c0d2e-0000-4000-8000-000000000001
t_ok "instance mismatch still adds" fl_add "mm-$UNIQ" "$TOKEN" --api-url "$URL_fl/instances/$OTHER"
t_contains "instance mismatch warns" "$ERR" "instance $INST"
t_contains "instance mismatch names the URL's instance" "$ERR" "$OTHER"
t_not_contains "warning quotes no token" "$ERR" "$TOKEN"
t_ok "remove mismatched profile" "$AC" profile remove "mm-$UNIQ"

# ---- the header, on every front-end
t_ok "token" "$AC" token "$P"
t_eq "token prints the agent access token" "$TOKEN" "$OUT"
t_exit "token --scope refused" 2 "$AC" token "$P" --scope x

run sh -c "echo '{\"profile\": \"$P\"}' | '$AC' get"
t_eq "get exit 0" 0 "$RC"
t_eq "get access_token" "$TOKEN" "$(json_get "$OUT" 'j["access_token"]')"
t_eq "get headers are exactly X-AGENT-ACCESS-TOKEN" \
	"$(printf '{"X-AGENT-ACCESS-TOKEN": "%s"}' "$TOKEN")" "$(json_get "$OUT" 'j["headers"]')"
t_eq "get expires_at is the end of the expiry day" "$(day '+60 days')T23:59:59Z" \
	"$(json_get "$OUT" 'j["expires_at"]')"

run "$AC" curl-config "$P"
t_eq "curl-config exit 0" 0 "$RC"
t_contains "curl-config X-AGENT-ACCESS-TOKEN" "$OUT" "X-AGENT-ACCESS-TOKEN: $TOKEN"
t_not_contains "curl-config has no Authorization" "$OUT" "Authorization"
run curl -sS -K <(printf '%s\n' "$OUT") -X POST -H 'Content-Type: application/json' \
	-d '{"name": "cfg"}' "$API/sessions"
t_contains "curl -K curl-config opens a session" "$OUT" "session_id"

# A curl on PATH that logs its argv: the token must not be in it.
argv_shims

PATH=$T/bin:$PATH run "$AC" curl "$P" -- -sS -X POST -H 'Content-Type: application/json' \
	-d '{"name": "direct"}' "$API/sessions"
t_eq "curl exit 0" 0 "$RC"
t_match "curl: the emulator accepted the header" "$OUT" '"session_id": "[0-9a-f]{32}"'
t_eq "curl ran through the PATH shim" 1 "$(grep -c -- "$API/sessions" "$T/argv.log")"
t_eq "no request carried Authorization" "[]" \
	"$(emu_state fl '[r for r in s["requests"] if r["authorization"]]')"

# ---- contrib/foundationallm-chat end to end
N0=$(emu_count fl)
PATH=$T/bin:$PATH run "$TOP/contrib/foundationallm-chat" "$P" "What is 2+2? Say \"4\"."
t_eq "chat script exit 0" 0 "$RC"
t_eq "chat script prints the completion" 'echo: What is 2+2? Say "4".' "$OUT"
t_eq "chat script made two requests" $((N0 + 2)) "$(emu_count fl)"
t_eq "completion used the session" "true" "$(emu_state fl '__import__("json").loads([x["body"] for x in s["requests"] if x["path"].endswith("/completions")][-1])["session_id"] in s["sessions"]')"
emu_set fl '{"session_casing": "camel", "answer": "four"}' >/dev/null
PATH=$T/bin:$PATH run "$TOP/contrib/foundationallm-chat" "$P" "again"
t_eq "chat script: camelCase sessionId" "four" "$OUT"
assert_no_secret "token in no process argv" "$T/argv.log" "$TOKEN"

emu_set fl "{\"token\": \"$(mktoken "$INST")\"}" >/dev/null
PATH=$T/bin:$PATH run "$TOP/contrib/foundationallm-chat" "$P" "hello"
t_eq "chat script: a 401 fails" 1 "$((RC != 0))"
t_contains "chat script: says what failed" "$ERR" "could not open a session"
t_eq "chat script: nothing on stdout after a 401" "" "$OUT"
emu_set fl "{\"token\": \"$TOKEN\"}" >/dev/null

# ---- -v shows no token
run "$AC" -v token "$P"
echo "$ERR" >"$T/verbose.log"
t_eq "-v token exit 0" 0 "$RC"
assert_no_secret "-v output has no token" "$T/verbose.log" "$TOKEN"
PATH=$T/bin:$PATH run "$AC" -v curl "$P" -- -sS -X POST -H 'Content-Type: application/json' \
	-d '{"name": "v"}' "$API/sessions"
echo "$ERR" >"$T/verbose.log"
assert_no_secret "-v curl output has no token" "$T/verbose.log" "$TOKEN"

# ---- status shows the expiry
run "$AC" status
t_contains "status lists the profile" "$OUT" "$P"
t_contains "status shows the expiry date" "$OUT" "$(day '+60 days')"
t_not_contains "status shows no token" "$OUT" "$TOKEN"
run "$AC" status --json
t_eq "status --json expires" "$(day '+60 days')" \
	"$(json_get "$OUT" "[p for p in j['profiles'] if p['name'] == '$P'][0]['expires']")"
t_eq "status --json secret present" "yes" \
	"$(json_get "$OUT" "[p for p in j['profiles'] if p['name'] == '$P'][0]['secret']")"

# ---- expiry: warning in the last 7 days
W=soon-$UNIQ
t_ok "add expiring in 3 days" fl_add "$W" "$TOKEN" --api-url "$API" --expires "$(day '+3 days')"
t_ok "token 3 days before expiry" "$AC" token "$W"
t_eq "still printed" "$TOKEN" "$OUT"
t_contains "warning on stderr" "$ERR" "expires on $(day '+3 days')"
t_contains "warning says the days left" "$ERR" "(in 3 days)"
t_ok "cached token, still warned" "$AC" token "$W"
t_contains "warning on a cache hit too" "$ERR" "expires on $(day '+3 days')"
t_ok "-q silences the warning" "$AC" -q token "$W"
t_eq "-q: no stderr" "" "$ERR"
W8=later-$UNIQ
t_ok "add expiring in 8 days" fl_add "$W8" "$TOKEN" --api-url "$API" --expires "$(day '+8 days')"
t_ok "token 8 days before expiry" "$AC" token "$W8"
t_eq "no warning before the last 7 days" "" "$ERR"

# ---- expiry: after the date, exit 6 and nothing on stdout
X=expired-$UNIQ
t_ok "add an expired token" fl_add "$X" "$TOKEN" --api-url "$API" --expires "$(day '-1 day')"
expired_msg() {	# NAME
	t_eq "$1: nothing on stdout" "" "$OUT"
	t_contains "$1: says it expired" "$ERR" "expired on $(day '-1 day')"
	t_contains "$1: management portal" "$ERR" "management portal"
	t_contains "$1: Security section" "$ERR" "Security section"
	t_contains "$1: re-add with profile add" "$ERR" "agentcred profile add $X"
	t_not_contains "$1: no token in the message" "$ERR" "$TOKEN"
}
t_exit "token after expiry: exit 6" 6 "$AC" token "$X"
expired_msg "token"
t_exit "curl-config after expiry: exit 6" 6 "$AC" curl-config "$X"
expired_msg "curl-config"
N0=$(emu_count fl)
PATH=$T/bin:$PATH t_exit "curl after expiry: exit 6" 6 "$AC" curl "$X" -- -sS "$API/sessions"
expired_msg "curl"
t_eq "curl after expiry: curl not run" "$N0" "$(emu_count fl)"
run sh -c "echo '{\"profile\": \"$X\"}' | '$AC' get"
t_eq "get after expiry: exit 6" 6 "$RC"
t_eq "get after expiry: error code" "expired_token" "$(json_get "$OUT" 'j["error"]')"
t_not_contains "get after expiry: no token on stdout" "$OUT" "$TOKEN"
PATH=$T/bin:$PATH run "$TOP/contrib/foundationallm-chat" "$X" "hello"
t_eq "chat script after expiry: exit 6" 6 "$RC"
t_eq "chat script after expiry: no request" "$N0" "$(emu_count fl)"

# a token cached while valid is not served past its date (test clock)
case $AC in
*/san/*)
	END=$(date -u -d "$(day '+3 days') 23:59:59" +%s)
	AGENTCRED_TEST_NOW=$END run "$AC" token "$W"
	t_eq "last second of the expiry day: still valid" "$TOKEN" "$OUT"
	t_contains "last second: warns (today)" "$ERR" "(today)"
	AGENTCRED_TEST_NOW=$((END - 86400)) run "$AC" token "$W"
	t_contains "a day before: warns (in 1 day)" "$ERR" "(in 1 day)"
	AGENTCRED_TEST_NOW=$((END - 7 * 86400 + 1)) run "$AC" token "$W"
	t_contains "first second of the last 7 days: warns" "$ERR" "(in 6 days)"
	AGENTCRED_TEST_NOW=$((END - 7 * 86400)) run "$AC" token "$W"
	t_eq "before the last 7 days: no warning" "" "$ERR"
	AGENTCRED_TEST_NOW=$((END + 1)) t_exit "cached token past its date: exit 6" 6 "$AC" token "$W"
	t_eq "cached token past its date: nothing on stdout" "" "$OUT"
	t_contains "cached token past its date: message" "$ERR" "management portal"
	AGENTCRED_TEST_NOW=$((END + 1)) run "$AC" status
	t_contains "status after the date shows the expiry" "$OUT" "$(day '+3 days')"
	;;
*) echo "# AGENTCRED_TEST_NOW needs the SAN build; clock tests skipped" ;;
esac

t_done
