#!/bin/bash
# Entra blueprint credentials (issue 17, README "Blueprint credentials"):
# a certificate (client assertion agentcred signs, verified by the emulator
# with Debian's python3-cryptography against the registered certificate),
# a managed identity (IMDS and App Service endpoint styles, emulated on
# loopback; 169.254.169.254 is never contacted), workload identity from the
# AZURE_* variables, exactly one credential per profile, the expiry rule
# (expires_in first, the JWT exp only without it), and libcrypto never
# loaded on a cache hit.
. "$(dirname "$0")/../lib.sh"
need openssl
keyring_start
TENANT=contoso.example
BP=b1b1b1b1-0000-4000-8000-000000000001
AG=a9a9a9a9-0000-4000-8000-000000000002
MI_SYS=5a5a5a5a-0000-4000-8000-000000000005
MI_USER=5b5b5b5b-0000-4000-8000-000000000006
TOKEN_PATH=/$TENANT/oauth2/v2.0/token

# mkcert NAME DAYS: NAME.crt, NAME.key and NAME.pem (both) under $T/certs
mkdir -p "$T/certs"
mkcert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days "$2" -subj "/CN=$1" \
		-keyout "$T/certs/$1.key" -out "$T/certs/$1.crt" 2>/dev/null ||
		t_fatal "openssl cannot make a certificate"
	cat "$T/certs/$1.crt" "$T/certs/$1.key" >"$T/certs/$1.pem"
}
mkcert bp 30
mkcert other 30
mkcert short 1
cat "$T/certs/bp.crt" "$T/certs/other.key" >"$T/certs/mismatch.pem"
openssl pkey -in "$T/certs/bp.key" -aes256 -passout pass:x -out "$T/certs/enc.key" 2>/dev/null
cat "$T/certs/bp.crt" "$T/certs/enc.key" >"$T/certs/enc.pem"
KEY_LINE=$(sed -n 2p "$T/certs/bp.key")	# a line of the private key

emu_start en entra "cert_files=$T/certs/bp.crt,$T/certs/short.crt"
emu_start mi entra --http

step() { emu_state en "str(s.get('posts', {}).get('$1', 0))"; }
mi_count() { emu_state mi "str(s.get('mi', {}).get('$1', 0))"; }
cred() { emu_state en "s.get('last_credential', 'none')"; }
hdr() {	# hdr JWT EXPR: python on the header "h" and claims "c"
	"$PY" -c '
import base64, json, sys
d = lambda p: json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
h, c = (d(x) for x in sys.argv[1].split(".")[:2])
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}
b64thumb() {	# b64thumb CERT sha1|sha256: base64url of the DER digest
	openssl x509 -in "$1" -outform DER | openssl dgst -"$2" -binary |
		base64 -w0 | tr '+/' '-_' | tr -d '='
}
add() {	# add NAME [options]
	local name=$1; shift
	"$AC" profile add "$name" --type entra-agent --tenant "$TENANT" \
		--blueprint-app-id "$BP" --agent-app-id "$AG" \
		--authority "$URL_en" --ca-file "$CA" "$@" </dev/null
}

# ================================================================ certificate
P="ec-$UNIQ"
t_ok "profile add --certificate (no secret asked, stdin closed)" add "$P" --certificate "$T/certs/bp.pem"
CFG=$(cat "$XDG_CONFIG_HOME/agentcred/config.json")
SHA1=$(openssl x509 -in "$T/certs/bp.crt" -noout -fingerprint -sha1 | cut -d= -f2 | tr -d :)
t_eq "config: SHA-1 thumbprint" "$SHA1" "$(json_get "$CFG" 'j["profiles"]["'"$P"'"]["certificate_thumbprint"]')"
t_contains "config: certificate expiry" "$CFG" "certificate_expires"
t_not_contains "config: no private key" "$CFG" "PRIVATE KEY"
t_not_contains "config: no key material" "$CFG" "$KEY_LINE"
run secret-tool lookup kind client-secret profile "$P"
t_contains "keyring: the private key is the profile's secret" "$OUT" "BEGIN PRIVATE KEY"
run "$AC" profile show "$P"
t_contains "show: thumbprint" "$OUT" "certificate_thumbprint: $SHA1"

run "$AC" -v token "$P"
t_eq "certificate: token" 0 "$RC"
TOK=$OUT
t_eq "certificate: one T1" 1 "$(step t1)"
t_eq "certificate: step 1 used the certificate" "certificate:$(b64thumb "$T/certs/bp.crt" sha1)" "$(cred)"
printf '%s\n' "$ERR" >"$T/verbose.log"
assert_no_secret "certificate: -v shows no key or token" "$T/verbose.log" "$KEY_LINE" "$TOK"
A=$(emu_state en "s['last_assertion']")
t_eq "assertion header: alg" RS256 "$(hdr "$A" 'h["alg"]')"
t_eq "assertion header: typ" JWT "$(hdr "$A" 'h["typ"]')"
t_eq "assertion header: x5t is base64url SHA-1 of the DER" "$(b64thumb "$T/certs/bp.crt" sha1)" "$(hdr "$A" 'h["x5t"]')"
t_eq "assertion header: x5t#S256" "$(b64thumb "$T/certs/bp.crt" sha256)" "$(hdr "$A" 'h["x5t#S256"]')"
t_eq "assertion: aud is the token URL" "$URL_en$TOKEN_PATH" "$(hdr "$A" 'c["aud"]')"
t_eq "assertion: iss = sub = blueprint" "$BP $BP" "$(hdr "$A" 'c["iss"] + " " + c["sub"]')"
t_eq "assertion: exp = iat + 600, nbf = iat" "600 0" "$(hdr "$A" '"%d %d" % (c["exp"] - c["iat"], c["nbf"] - c["iat"])')"
t_match "assertion: jti is a UUID" "$(hdr "$A" 'c["jti"]')" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
# the emulator refuses the same assertion twice
BODY="grant_type=client_credentials&client_id=$BP&scope=api%3A%2F%2FAzureADTokenExchange%2F.default&fmi_path=$AG&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=$A"
run curl -sS --cacert "$CA" -d "$BODY" "$URL_en$TOKEN_PATH"
t_contains "emulator: a replayed jti is refused" "$OUT" "replayed"

# ---- libcrypto never on the cache-hit path
run env DBUS_SESSION_BUS_ADDRESS=disabled: LD_DEBUG=files "$AC" -v token "$P"
t_eq "hit: exit 0" 0 "$RC"
t_eq "hit: the cached token" "$TOK" "$OUT"
t_contains "LD_DEBUG=files works here" "$ERR" "file=libcjson"
t_not_contains "hit: agentcred-crypto.so not loaded" "$ERR" "agentcred-crypto.so"
t_not_contains "hit: libcrypto not loaded" "$ERR" "libcrypto"
t_eq "hit: still one T1" 1 "$(step t1)"
# the control: a fetch does load it, and a new assertion has a new jti
"$AC" forget "$P"
run env LD_DEBUG=files "$AC" token "$P"
t_eq "fetch after forget: exit 0" 0 "$RC"
t_contains "control: a fetch loads agentcred-crypto.so" "$ERR" "agentcred-crypto.so"
t_eq "fetch after forget: two distinct jtis accepted" 2 "$(emu_state en 'str(len(set(s["jtis"])))')"

# ---- status and doctor show the certificate's expiry
EXP=$(date -u -d "$(openssl x509 -in "$T/certs/bp.crt" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
run "$AC" status
t_contains "status: certificate expiry" "$OUT" "certificate $SHA1 expires $EXP"
run "$AC" status --json
t_eq "status --json: certificate_expires" "$EXP" "$(json_get "$OUT" '[p for p in j["profiles"] if p["name"] == "'"$P"'"][0]["certificate_expires"]')"
run "$AC" doctor
t_contains "doctor: certificate expiry" "$OUT" "certificate $SHA1 expires $EXP (in "

# ---- failures
t_ok "profile add: certificate Entra does not know" add "u-$P" --certificate "$T/certs/other.pem"
t_exit "unknown certificate: exit 4" 4 "$AC" token "u-$P"
t_contains "unknown certificate: the AADSTS text" "$ERR" "AADSTS700027"
t_exit "key of another certificate: exit 2" 2 add "m-$P" --certificate "$T/certs/mismatch.pem"
t_contains "key mismatch: message" "$ERR" "does not belong"
t_exit "encrypted key: exit 2" 2 add "k-$P" --certificate "$T/certs/enc.pem"
t_contains "encrypted key: message" "$ERR" "encrypted"
t_exit "certificate only, no key: exit 2" 2 add "k-$P" --certificate "$T/certs/bp.crt"
t_exit "missing file: exit 2" 2 add "k-$P" --certificate "$T/certs/none.pem"
t_ok "short-lived certificate" add "s-$P" --certificate "$T/certs/short.pem"
AGENTCRED_TEST_NOW=$(($(date +%s) + 3 * 86400)) run "$AC" token "s-$P"
t_eq "expired certificate: exit 6" 6 "$RC"
t_contains "expired certificate: says so" "$ERR" "certificate expired"
t_exit "thumbprint options are not for users" 2 add "k-$P" --certificate-thumbprint "$SHA1"

# ---- exactly one credential
t_exit "certificate and managed identity: exit 2" 2 add "k-$P" --certificate "$T/certs/bp.pem" --managed-identity
t_contains "two credentials named" "$ERR" "--certificate and --managed-identity"
t_exit "certificate and secret: exit 2" 2 add "k-$P" --secret-stdin --certificate "$T/certs/bp.pem"
t_contains "secret and certificate named" "$ERR" "--secret-stdin and --certificate"
t_exit "file and managed identity: exit 2" 2 add "k-$P" --client-assertion-file /f --managed-identity
t_exit "managed identity on client-credentials: exit 2" 2 "$AC" profile add "k-$P" \
	--type client-credentials --token-url https://x.example/t --client-id c --managed-identity </dev/null
t_exit "no such profile was written" 2 "$AC" profile show "k-$P"

# ================================================================ managed identity
M="em-$UNIQ"
t_ok "profile add --managed-identity (no secret asked)" add "$M" --managed-identity
run "$AC" status
t_match "status: managed identity needs no secret" "$OUT" "$M +entra-agent +mi "
export AZURE_POD_IDENTITY_AUTHORITY_HOST=$URL_mi
run "$AC" -v token "$M"
t_eq "IMDS: token" 0 "$RC"
t_eq "IMDS: one managed identity token" 1 "$(mi_count imds)"
t_eq "IMDS: step 1 presented it" "mi:$MI_SYS" "$(cred)"
t_contains "IMDS: -v names the source" "$ERR" "managed identity token from IMDS"
# T1 past its refresh point (3900 s), the MI token (a day) still good:
# one new T1, no new MI request
T1=$(step t1)
AGENTCRED_TEST_NOW=$(($(date +%s) + 5000)) run "$AC" token "$M" --scope api://later/.default
t_eq "later: exit 0" 0 "$RC"
t_eq "later: a new T1" $((T1 + 1)) "$(step t1)"
t_eq "later: the managed identity token came from the cache" 1 "$(mi_count imds)"
run "$AC" token "$M" --scope api://other/.default
t_eq "another scope: no managed identity request" 1 "$(mi_count imds)"
# IMDS busy once (503): one retry after 1 s
"$AC" forget "$M"
emu_fault mi '{"path": "/metadata/identity/oauth2/token", "status": 503, "body": "busy"}' >/dev/null
N=$(emu_count mi /metadata/identity/oauth2/token)
run "$AC" -v token "$M"
t_eq "IMDS 503 once: exit 0" 0 "$RC"
t_eq "IMDS 503 once: two requests" $((N + 2)) "$(emu_count mi /metadata/identity/oauth2/token)"
t_contains "IMDS 503 once: -v says it retried" "$ERR" "retrying in 1 s"
emu_fault mi '{"path": "/metadata/identity/oauth2/token", "status": 500, "body": "down", "times": 2}' >/dev/null
"$AC" forget "$M"
t_exit "IMDS failing twice: exit 5" 5 "$AC" token "$M"
MU="emu-$UNIQ"
t_ok "profile add --managed-identity-client-id" add "$MU" --managed-identity-client-id "$MI_USER"
run "$AC" profile show "$MU"
t_contains "show: user-assigned client id" "$OUT" "managed_identity: $MI_USER"
t_ok "IMDS user-assigned: token" "$AC" token "$MU"
t_eq "IMDS user-assigned: another IMDS token" 3 "$(mi_count imds)"
t_eq "IMDS user-assigned: step 1 presented it" "mi:$MI_USER" "$(cred)"
MX="emx-$UNIQ"
t_ok "profile add: an identity this machine does not have" add "$MX" --managed-identity-client-id 5c5c5c5c-0000-4000-8000-000000000007
t_exit "unknown identity: exit 4" 4 "$AC" token "$MX"
t_contains "unknown identity: IMDS's words" "$ERR" "Identity not found"
AZURE_POD_IDENTITY_AUTHORITY_HOST=http://imds.example.com run "$AC" token "$MX"
t_eq "plain-http authority host off loopback: exit 2" 2 "$RC"
t_contains "plain-http authority host: why" "$ERR" "https"
unset AZURE_POD_IDENTITY_AUTHORITY_HOST

# App Service / Container Apps / Arc style
"$AC" forget "$M"
export IDENTITY_ENDPOINT=$URL_mi/msi/token IDENTITY_HEADER=emu-identity-header
run "$AC" -v token "$M"
t_eq "IDENTITY_ENDPOINT: token" 0 "$RC"
t_eq "IDENTITY_ENDPOINT: one request there" 1 "$(mi_count appservice)"
t_eq "IDENTITY_ENDPOINT: IMDS not asked" 3 "$(mi_count imds)"
t_eq "IDENTITY_ENDPOINT: step 1 presented it" "mi:$MI_SYS" "$(cred)"
printf '%s\n' "$ERR" >"$T/verbose-mi.log"
assert_no_secret "IDENTITY_ENDPOINT: -v shows no identity header" "$T/verbose-mi.log" "emu-identity-header"
"$AC" forget "$M"
IDENTITY_HEADER=wrong run "$AC" token "$M"
t_eq "wrong identity header: exit 4" 4 "$RC"
t_contains "wrong identity header: says which" "$ERR" "IDENTITY_HEADER"
t_not_contains "wrong identity header: value not shown" "$ERR" "wrong"
IDENTITY_HEADER= run "$AC" token "$M"
t_eq "IDENTITY_HEADER unset: exit 2" 2 "$RC"
IDENTITY_ENDPOINT=http://127.0.0.1:1/msi/token run "$AC" token "$M"
t_eq "identity endpoint down: exit 5" 5 "$RC"
IDENTITY_ENDPOINT=http://identity.example.com/msi/token run "$AC" token "$M"
t_eq "plain-http identity endpoint off loopback: exit 2" 2 "$RC"
unset IDENTITY_ENDPOINT IDENTITY_HEADER

# replacing the certificate with a credential that is no secret drops the key
KP="kp-$UNIQ"
t_ok "certificate profile" add "$KP" --certificate "$T/certs/bp.pem"
t_ok "replaced by a managed identity" add "$KP" --managed-identity
run secret-tool lookup kind client-secret profile "$KP"
t_eq "the old private key left the keyring" "" "$OUT"

# ================================================================ workload identity
W="ew-$UNIQ"
printf 'fic-one\n' >"$T/fic.jwt"
emu_set en '{"fic": "fic-one"}' >/dev/null
AZURE_TENANT_ID=$TENANT AZURE_CLIENT_ID=$BP AZURE_AUTHORITY_HOST=$URL_en/ \
	AZURE_FEDERATED_TOKEN_FILE=$T/fic.jwt \
	t_ok "profile add --workload-identity" "$AC" profile add "$W" --type entra-agent \
	--agent-app-id "$AG" --ca-file "$CA" --workload-identity </dev/null
run "$AC" profile show "$W"
t_contains "workload: tenant from AZURE_TENANT_ID" "$OUT" "tenant: $TENANT"
t_contains "workload: blueprint from AZURE_CLIENT_ID" "$OUT" "blueprint_app_id: $BP"
t_contains "workload: authority from AZURE_AUTHORITY_HOST" "$OUT" "authority: $URL_en/"
t_contains "workload: file from AZURE_FEDERATED_TOKEN_FILE" "$OUT" "client_assertion_file: $T/fic.jwt"
t_ok "workload: token" "$AC" token "$W"
H1=$(cred)
t_eq "workload: step 1 used the file" "assertion:$(printf fic-one | sha256sum | cut -c1-12)" "$H1"
# the projected token rotates between two requests: the new one is read
printf 'fic-two\n' >"$T/fic.jwt"
emu_set en '{"fic": "fic-two"}' >/dev/null
AGENTCRED_TEST_NOW=$(($(date +%s) + 5000)) run "$AC" token "$W"
t_eq "rotated file: exit 0" 0 "$RC"
t_eq "rotated file: step 1 sent the new token" "assertion:$(printf fic-two | sha256sum | cut -c1-12)" "$(cred)"
AZURE_TENANT_ID=other.example AZURE_CLIENT_ID=$BP AZURE_FEDERATED_TOKEN_FILE=$T/fic.jwt \
	t_ok "workload: options win over the variables" "$AC" profile add "w2-$UNIQ" \
	--type entra-agent --tenant "$TENANT" --agent-app-id "$AG" --workload-identity </dev/null
run "$AC" profile show "w2-$UNIQ"
t_contains "workload: --tenant kept" "$OUT" "tenant: $TENANT"
env -u AZURE_FEDERATED_TOKEN_FILE AZURE_TENANT_ID=$TENANT AZURE_CLIENT_ID=$BP \
	"$AC" profile add "w3-$UNIQ" --type entra-agent --agent-app-id "$AG" \
	--workload-identity </dev/null >/dev/null 2>"$T/w3.err"
t_eq "workload without a token file: exit 2" 2 "$?"
t_contains "workload without a token file: says so" "$(cat "$T/w3.err")" "AZURE_FEDERATED_TOKEN_FILE"

# ================================================================ expiry
# agent tokens are opaque: expires_in decides, the JWT exp only without it
emu_set en '{"jwt_exp_extra": 5000}' >/dev/null
run sh -c "echo '{\"profile\": \"$P\", \"scope\": \"api://e1/.default\"}' | '$AC' get"
EI=$(json_get "$OUT" 'j["expires_in"]')
t_match "expires_in wins over a later JWT exp ($EI)" "$EI" '^35[0-9][0-9]$'
emu_set en '{"omit_expires_in": true}' >/dev/null
run sh -c "echo '{\"profile\": \"$P\", \"scope\": \"api://e2/.default\"}' | '$AC' get"
EI=$(json_get "$OUT" 'j["expires_in"]')
t_match "without expires_in, the JWT exp ($EI)" "$EI" '^8[56][0-9][0-9]$'
emu_set en '{"jwt_exp_extra": null, "omit_expires_in": null}' >/dev/null

# ================================================================ no key on disk
# the key material appears nowhere in the test's world but the input file
# (the keyring's own files are encrypted)
LEAKS=$(grep -rlF --exclude-dir=certs -- "$KEY_LINE" "$T" 2>/dev/null | grep -v '/\.\(out\|err\)$')
t_eq "no file holds the private key" "" "$LEAKS"

t_done
