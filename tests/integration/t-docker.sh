#!/bin/bash
# docker credential helper (README.md, "Design: front-end protocols", issue 5):
#   - the protocol exactly as docker-credential-helpers' client drives a
#     helper: one argv action, the server URL on stdin without a newline,
#     JSON answers, the exact not-found text with exit 1, errors on stdout;
#   - the keyring layout of docker-credential-secretservice (secret-tool),
#     items in that layout written by someone else are read;
#   - the real docker CLI (no daemon needed: login runs client side against
#     a loopback registry emulator) with credsStore and credHelpers from
#     contrib/docker-config.example.json;
#   - a profile host answers a fresh token; store for it is ignored; erase
#     drops the cached token.
. "$(dirname "$0")/../lib.sh"
need secret-tool
keyring_start
export PATH="$(dirname "$AC"):$PATH"
H=docker-credential-agentcred
NOTFOUND="credentials not found in native keychain"

# dh ACTION [STDIN]: the helper as the docker CLI runs it (stdin verbatim)
dh() {
	printf '%s' "${2-}" >"$T/.in"
	run "$H" "$1" <"$T/.in"
}

# ---- version, usage, unknown action
dh version
t_eq "version" "0:docker-credential-agentcred (agentcred) $("$AC" --version | sed 's/^agentcred //')" "$RC:$OUT"
run "$AC" docker version
t_contains "agentcred docker version" "$OUT" "docker-credential-agentcred (agentcred)"
run "$H"
t_eq "no action: usage on stdout, exit 1" "1:Usage: docker-credential-agentcred <store|get|erase|list|version>" "$RC:$OUT"
run "$H" get extra
t_eq "two actions: exit 1" 1 "$RC"
dh bogus
t_eq "unknown action: message on stdout, exit 1" "1:docker-credential-agentcred: unknown action: bogus" "$RC:$OUT"

# ---- get / store / erase / list
S1=https://index.docker.io/v1/
dh get "$S1"
t_eq "not found: exact text, exit 1" "1:$NOTFOUND" "$RC:$OUT"
t_eq "not found: stderr empty" "" "$ERR"
dh get ""
t_eq "empty server URL" "1:no credentials server URL" "$RC:$OUT"

dh store "{\"ServerURL\":\"$S1\",\"Username\":\"hub-user\",\"Secret\":\"hub-pass\"}"
t_eq "store: exit 0, silent" "0:" "$RC:$OUT$ERR"
dh get "$S1"
t_eq "get answers the stored credential" \
	"0:{\"ServerURL\":\"$S1\",\"Username\":\"hub-user\",\"Secret\":\"hub-pass\"}" "$RC:$OUT"
dh get "$S1
"
t_eq "get: a trailing newline is trimmed" 0 "$RC"

S2=reg.example:5000
dh store "{\"ServerURL\":\"$S2\",\"Username\":\"<token>\",\"Secret\":\"identity-\\\"token\\\\\"}"
dh get "$S2"
t_eq "identity token: exit 0" 0 "$RC"
t_eq "identity token: Username <token> (Go escaping)" '"Username":"\u003ctoken\u003e"' \
	"$(printf '%s' "$OUT" | grep -o '"Username":"[^"]*"')"
t_eq "identity token: Secret round trip" 'identity-"token\' "$(json_get "$OUT" 'j["Secret"]')"

dh store '{"ServerURL":"x.example","Secret":"s"}'
t_eq "store without Username" "1:no credentials username" "$RC:$OUT"
dh store '{"Username":"u","Secret":"s"}'
t_eq "store without ServerURL" "1:no credentials server URL" "$RC:$OUT"
dh store 'not json'
t_eq "store of bad JSON: exit 1" 1 "$RC"
t_contains "store of bad JSON: message on stdout" "$OUT" "not a JSON object"

dh list unused
t_eq "list" "0:{\"$S1\":\"hub-user\",\"$S2\":\"\\u003ctoken\\u003e\"}" "$RC:$OUT"

# the keyring layout of docker-credential-secretservice
run secret-tool search --all server "$S1"
ST="$OUT
$ERR"
t_contains "schema io.docker.Credentials" "$ST" "schema = io.docker.Credentials"
t_contains "item label is the server URL" "$ST" "label = $S1"
t_contains "attribute label" "$ST" "attribute.label = Docker Credentials"
t_contains "attribute server" "$ST" "attribute.server = $S1"
t_contains "attribute username" "$ST" "attribute.username = hub-user"
t_contains "attribute docker_cli" "$ST" "attribute.docker_cli = 1"
t_contains "secret verbatim" "$ST" "secret = hub-pass"
t_not_contains "secret not in attributes" "$ERR" "hub-pass"

# a new username for the same server replaces the old item
dh store "{\"ServerURL\":\"$S1\",\"Username\":\"hub-user2\",\"Secret\":\"hub-pass2\"}"
dh get "$S1"
t_eq "store replaces" "{\"ServerURL\":\"$S1\",\"Username\":\"hub-user2\",\"Secret\":\"hub-pass2\"}" "$OUT"
run secret-tool search --all server "$S1"
t_eq "one item per server" 1 "$(printf '%s\n' "$OUT" | grep -c '^\[')"

dh erase "$S1"
t_eq "erase: exit 0, silent" "0:" "$RC:$OUT"
dh get "$S1"
t_eq "erased: not found" "1:$NOTFOUND" "$RC:$OUT"
dh erase "$S1"
t_eq "erase of nothing: exit 0" 0 "$RC"

# an item written by docker-credential-secretservice itself
printf '%s' "ss-secret" | secret-tool store --label="ss.example" xdg:schema io.docker.Credentials \
	label "Docker Credentials" server ss.example username ss-user docker_cli 1
dh get ss.example
t_eq "reads docker-credential-secretservice's item" \
	'{"ServerURL":"ss.example","Username":"ss-user","Secret":"ss-secret"}' "$OUT"
dh list unused
t_contains "list shows it" "$OUT" '"ss.example":"ss-user"'
# items of other programs are not listed
printf 'x' | secret-tool store --label=other server other.example username u
dh list unused
t_not_contains "list ignores items without docker_cli" "$OUT" "other.example"

# ---- the real docker CLI
if command -v docker >/dev/null 2>&1; then
	P="dk-$UNIQ"
	emu_start rg oauth_cc,registry accept_tokens=true
	emu_start rp oauth_cc,registry accept_tokens=true
	RG="127.0.0.1:$PORT_rg"
	RP="127.0.0.1:$PORT_rp"
	export DOCKER_CONFIG=$T/docker
	mkdir -p "$DOCKER_CONFIG"
	# contrib's example, pointed at the emulators
	sed -e "s/registry\.example\.com/$RP/; s/\"credsStore\": *\"[^\"]*\"/\"credsStore\": \"agentcred\"/" \
		"$TOP/contrib/docker-config.example.json" >"$DOCKER_CONFIG/config.json"
	t_contains "example config: credHelpers for the profile registry" \
		"$(cat "$DOCKER_CONFIG/config.json")" "\"$RP\": \"agentcred\""

	# the CLI's calls of the helper, logged as "ACTION EXIT" (no answers)
	mkdir -p "$T/dbin"
	cat >"$T/dbin/$H" <<-WRAP
	#!/bin/bash
	out=\$("$(dirname "$AC")/$H" "\$@"); rc=\$?
	echo "\$1 \$rc" >>"$T/helper-calls"
	printf '%s' "\$out"; exit \$rc
	WRAP
	chmod +x "$T/dbin/$H"
	# the username a CLI shows for stored credentials: newer CLIs print
	# it; Debian 12's docker.io (20.10) only says that it found some
	shown_user() {
		case $1 in
		*"[Username: "*) t_contains "$2" "$1" "[Username: $3]" ;;
		*) t_contains "$2" "$1" "Authenticating with existing credentials..." ;;
		esac
	}

	printf 'reg-pass' >"$T/pw"
	run timeout 60 docker login "$RG" -u reg-user --password-stdin <"$T/pw"
	t_eq "docker login stores through agentcred" "0:Login Succeeded" "$RC:$(printf '%s\n' "$OUT" | tail -1)"
	t_not_contains "no plaintext auth in config.json" "$(cat "$DOCKER_CONFIG/config.json")" "auth\":"
	dh get "$RG"
	t_eq "the CLI's store is in the keyring" "{\"ServerURL\":\"$RG\",\"Username\":\"reg-user\",\"Secret\":\"reg-pass\"}" "$OUT"
	: >"$T/helper-calls"
	run env PATH="$T/dbin:$PATH" timeout 60 docker login "$RG" </dev/null
	shown_user "$OUT$ERR" "the CLI reads it back (get)" reg-user
	t_contains "the CLI ran the helper's get, which answered" "$(cat "$T/helper-calls")" "get 0"
	run timeout 60 docker logout "$RG"
	t_eq "docker logout" 0 "$RC"
	dh get "$RG"
	t_eq "logout erased it" "1:$NOTFOUND" "$RC:$OUT"
	run timeout 60 docker login "$RG" </dev/null
	t_contains "not found is 'no credentials' to the CLI" "$ERR" "Cannot perform an interactive login from a non TTY device"
	t_not_contains "not found is not an error to the CLI" "$ERR$OUT" "error getting credentials"

	# a profile host (credHelpers entry from the example): a fresh token
	t_ok "profile with the registry host" profile_cc "$P" "$URL_rp/oauth/token" cc-secret --host "$RP"
	dh get "$RP"
	TOK=$(emu_state rp 's["tokens"][-1]')
	t_eq "profile get: the token" "{\"ServerURL\":\"$RP\",\"Username\":\"cc-client\",\"Secret\":\"$TOK\"}" "$OUT"
	: >"$T/helper-calls"
	run env PATH="$T/dbin:$PATH" timeout 60 docker login "$RP" </dev/null
	shown_user "$OUT$ERR" "the CLI gets the profile's username" cc-client
	t_contains "the CLI ran the helper's get for the profile host" "$(cat "$T/helper-calls")" "get 0"
	dh get "https://$RP/v2/"
	t_contains "a URL form of the host matches too" "$OUT" "\"Secret\":\"$TOK\""
	t_eq "token cached" 1 "$(emu_count rp /oauth/token)"
	# a kernel-cache hit for a profile host needs no session bus and
	# loads neither module: the profile is tried before any keyring lookup
	printf '%s' "$RP" >"$T/.in"
	run env DBUS_SESSION_BUS_ADDRESS=disabled: LD_DEBUG=files "$H" get <"$T/.in"
	t_contains "kernel hit, profile host: the token" "$OUT" "\"Secret\":\"$TOK\""
	t_contains "kernel hit, profile host: LD_DEBUG=files works" "$ERR" "file=libcjson"
	t_no_module "kernel hit, profile host: no module loaded" "$ERR"
	t_not_contains "kernel hit, profile host: no libcurl/libsecret/GLib" \
		"$(printf '%s\n' "$ERR" | grep -E 'libcurl|libsecret|libglib|libgio')" "lib"
	printf '%s' "$TOK" >"$T/tok"
	run timeout 60 docker login "$RP" -u cc-client --password-stdin <"$T/tok"
	t_eq "docker login with the token succeeds" "0:Login Succeeded" "$RC:$(printf '%s\n' "$OUT" | tail -1)"
	run secret-tool search --all server "$RP"
	t_eq "store of a profile host is ignored" "" "$OUT"
	dh erase "$RP"
	t_eq "erase of a profile host: exit 0" 0 "$RC"
	dh get "$RP"
	t_not_contains "after erase a fresh token" "$OUT" "$TOK"
	t_eq "erase dropped the cached token" 2 "$(emu_count rp /oauth/token)"

	# the token endpoint fails: the CLI shows our one-line reason
	t_ok "forget" "$AC" forget "$P"
	emu_fault rp '{"path": "/oauth/token", "status": 401, "body": {"error": "invalid_client"}, "times": -1}'
	dh get "$RP"
	t_eq "token failure: exit 1" 1 "$RC"
	t_contains "token failure: reason on stdout" "$OUT" "agentcred: $P:"
	assert_no_secret "no secret in the helper's answer" "$T/.out" cc-secret
	# docker login treats a failing get like "no stored credentials"
	run timeout 60 docker login "$RP" </dev/null
	t_contains "the CLI carries on without stored credentials" "$ERR" "Cannot perform an interactive login"
	emu_reset rp
else
	t_failmsg "docker CLI installed" "the docker CLI is part of the test machine; without it nothing checks the real client"
fi

t_done
