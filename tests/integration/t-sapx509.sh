#!/bin/bash
# SAP AI Core X.509 service keys (issue 16): import of credential-type x509
# keys, the token POST over mutual TLS to the certificate host (emu.py's
# second listener, which requires a client certificate from a CA made here
# and refuses a client secret), certificate chains, literal \n, --key-file,
# the private key in no file and no -v output, certificate expiry (warning
# in the last two days, exit 6 after), rotation, the SAP SDK credential
# sources and their precedence, and contrib/sap-ai-core-call.
. "$(dirname "$0")/../lib.sh"
need openssl curl jq secret-tool
keyring_start
ca_make
K=$T/keysrc
mkdir -p "$K"

# client PKI: root (trusted by the certificate host) → intermediate → leaf
_ca_new clientroot || t_fatal "client root CA"
openssl req -newkey rsa:2048 -nodes -subj "/CN=agentcred test client intermediate" \
	-keyout "$K/inter.key" -out "$K/inter.csr" 2>/dev/null &&
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$K/inter.ext" &&
openssl x509 -req -in "$K/inter.csr" -CA "$T/ca/clientroot.pem" -CAkey "$T/ca/clientroot.key" \
	-CAcreateserial -days 30 -extfile "$K/inter.ext" -out "$K/inter.pem" 2>/dev/null ||
	t_fatal "client intermediate CA"
# leaf NAME CN DAYS: $K/NAME.{pem,key}, issued by the intermediate
leaf() {
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" \
		-keyout "$K/$1.key" -out "$K/$1.csr" 2>/dev/null &&
	printf 'extendedKeyUsage=clientAuth\n' >"$K/$1.ext" &&
	openssl x509 -req -in "$K/$1.csr" -CA "$K/inter.pem" -CAkey "$K/inter.key" \
		-CAcreateserial -days "$3" -extfile "$K/$1.ext" -out "$K/$1.pem" 2>/dev/null ||
		t_fatal "client certificate $1"
}
leaf c1 cc-client 7
leaf c2 cc-client 7
leaf other someone-else 7

emu_start sap oauth_cc,sapai resource_group=grp1 deployment=dep42 \
	--client-ca "$T/ca/clientroot.pem" --mtls-port-file "$T/emu/sap.mport"
CERT_URL="https://127.0.0.1:$(cat "$T/emu/sap.mport")"
export AGENTCRED_KERNEL_CACHE=0

# skey NAME CERT KEY [literal|real|nokey|leafonly] [extra JSON members]: an X.509 service key
skey() {
	"$PY" - "$1" "$2" "$3" "${4:-real}" "$CERT_URL" "$URL_sap" "${5:-}" <<-'PYEOF'
	import json, sys
	out, cert, key, mode, certurl, url, extra = sys.argv[1:8]
	c = open(cert).read()
	if mode != "leafonly":
	    c += open(sys.argv[2].rsplit("/", 1)[0] + "/inter.pem").read()
	k = open(key).read()
	cred = {"clientid": "cc-client", "credential-type": "x509",
	        "certurl": certurl, "url": url, "identityzone": "t",
	        "serviceurls": {"AI_API_URL": url}}
	if mode == "literal":
	    c = c.replace("\n", "\\n"); k = k.replace("\n", "\\n")
	cred["certificate"] = c
	if mode != "nokey":
	    cred["key"] = k
	if extra:
	    cred.update(json.loads(extra))
	json.dump({"credentials": cred} if mode == "literal" else cred, open(out, "w"), indent=1)
	PYEOF
}
# a line of the private key's base64 body: what must never leak
keyline() { sed -n 3p "$1"; }
KEY1=$(keyline "$K/c1.key")
KEY2=$(keyline "$K/c2.key")
P=x509-$UNIQ

# ---- import and token over mutual TLS, with the chain
skey "$K/sk1.json" "$K/c1.pem" "$K/c1.key"
t_ok "import an X.509 service key" "$AC" profile import-sap-key "$P" "$K/sk1.json" \
	--ca-file "$CA" --resource-group grp1
t_contains "import names the source" "$OUT" "imported $P from $K/sk1.json"
t_contains "import says until when the certificate is valid" "$OUT" "X.509 client certificate valid until"
t_contains "token URL is the certificate host" "$OUT" "$CERT_URL/oauth/token"
run "$AC" profile show "$P"
t_contains "show: auth_method x509" "$OUT" "auth_method: x509"
t_match "show: certificate_expires" "$OUT" 'certificate_expires: 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z'
t_not_contains "show: no key" "$OUT" "$KEY1"
CONF=$XDG_CONFIG_HOME/agentcred/config.json
assert_no_secret "config.json: no private key" "$CONF" "$KEY1"
t_not_contains "config.json: no certificate either" "$(cat "$CONF")" "BEGIN CERTIFICATE"

run "$AC" -v token "$P"
t_eq "token over mTLS: exit 0" 0 "$RC"
TOK1=$OUT
t_eq "one mTLS token issued" 1 "$(emu_state sap 's.get("mtls_tokens", 0)')"
t_contains "-v names the certificate host" "$ERR" "POST $CERT_URL/oauth/token"
printf '%s\n' "$ERR" >"$T/v.log"
assert_no_secret "-v output: no key text" "$T/v.log" "$KEY1" "$(sed -n 2p "$K/c1.key")" "PRIVATE KEY" "$TOK1"
t_ok "a second call is served from the cache" "$AC" token "$P"
t_eq "...no second POST" 1 "$(emu_state sap 's.get("mtls_tokens", 0)')"
t_eq "...same token" "$TOK1" "$OUT"

# the leaf alone does not chain to the root the server trusts
skey "$K/leaf.json" "$K/c1.pem" "$K/c1.key" leafonly
t_ok "import with the leaf certificate only" "$AC" profile import-sap-key "leaf-$UNIQ" "$K/leaf.json" --ca-file "$CA"
t_exit "leaf only: the handshake fails, exit 5" 5 "$AC" token "leaf-$UNIQ"
t_not_contains "...and says nothing of the key" "$ERR" "$KEY1"

# the certificate host refuses a secret, and a certificate of another client
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["key"]=open(sys.argv[2]).read(); d["certificate"]=open(sys.argv[3]).read()+open(sys.argv[4]).read(); json.dump(d,open(sys.argv[5],"w"))' \
	"$K/sk1.json" "$K/other.key" "$K/other.pem" "$K/inter.pem" "$K/other.json"
t_ok "import a key of another client" "$AC" profile import-sap-key "other-$UNIQ" "$K/other.json" --ca-file "$CA"
t_exit "certificate of another client: rejected, exit 4" 4 "$AC" token "other-$UNIQ"
t_contains "...with the server's words" "$ERR" "does not belong to this client"
cat "$K/c1.pem" "$K/inter.pem" >"$K/sk-chain.pem"
run curl -sS --cacert "$CA" --cert "$K/sk-chain.pem" --key "$K/c1.key" \
	-d grant_type=client_credentials -d client_id=cc-client -d client_secret=cc-secret \
	"$CERT_URL/oauth/token"
t_contains "emulator: a secret on the certificate host is refused" "$OUT" "not accepted on the certificate host"
run curl -sS --cacert "$CA" -d grant_type=client_credentials -d client_id=cc-client "$CERT_URL/oauth/token"
t_eq "emulator: no client certificate, no handshake" 1 "$((RC != 0))"

# ---- literal \n, wrapped in "credentials"
skey "$K/lit.json" "$K/c1.pem" "$K/c1.key" literal
t_contains "fixture has literal \\n" "$(cat "$K/lit.json")" '-----BEGIN CERTIFICATE-----\\n'
t_ok "import with literal \\n" "$AC" profile import-sap-key "lit-$UNIQ" "$K/lit.json" --ca-file "$CA"
t_ok "token with literal \\n key" "$AC" token "lit-$UNIQ"

# ---- --key-file (a key made with the user's own certificate)
skey "$K/nokey.json" "$K/c1.pem" "$K/c1.key" nokey
t_exit "no key and no --key-file: exit 2" 2 "$AC" profile import-sap-key "kf-$UNIQ" "$K/nokey.json" --ca-file "$CA"
t_contains "...says to use --key-file" "$ERR" "--key-file"
t_exit "--key-file with the wrong key: exit 2" 2 "$AC" profile import-sap-key "kf-$UNIQ" "$K/nokey.json" \
	--ca-file "$CA" --key-file "$K/c2.key"
t_contains "...says the key does not belong" "$ERR" "does not belong to the certificate"
t_exit "--key-file when the key has one: exit 2" 2 "$AC" profile import-sap-key "kf-$UNIQ" "$K/sk1.json" \
	--ca-file "$CA" --key-file "$K/c1.key"
t_ok "--key-file" "$AC" profile import-sap-key "kf-$UNIQ" "$K/nokey.json" --ca-file "$CA" --key-file "$K/c1.key"
t_ok "token with the key from --key-file" "$AC" token "kf-$UNIQ"

# ---- no key text in any file while a request is in flight
t_ok "forget" "$AC" forget "$P"
emu_fault sap '{"path": "/oauth/token", "kind": "delay", "delay": 3}' >/dev/null
"$AC" token "$P" >"$K/inflight.out" 2>"$K/inflight.err" &
INFL=$!
sleep 1.2
kill -0 "$INFL" 2>/dev/null && ALIVE=1 || ALIVE=0
t_eq "request in flight during the scan" 1 "$ALIVE"
HITS=$(grep -rlsF --exclude-dir=keysrc -e "$KEY1" "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" \
	"$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR" /tmp /dev/shm 2>/dev/null)
t_eq "no file holds the key while the request is in flight" "" "$HITS"
wait "$INFL"
t_eq "in-flight request succeeded" 0 "$?"

# ---- rotation: re-importing a new key drops the cached tokens
N=$(emu_state sap 's.get("mtls_tokens", 0)')
t_ok "cached before rotation" "$AC" token "$P"
t_eq "...from the cache" "$N" "$(emu_state sap 's.get("mtls_tokens", 0)')"
skey "$K/sk2.json" "$K/c2.pem" "$K/c2.key"
t_ok "re-import with a new certificate and key" "$AC" profile import-sap-key "$P" "$K/sk2.json" \
	--ca-file "$CA" --resource-group grp1
t_ok "token after rotation" "$AC" token "$P"
t_eq "rotation: a new POST with the new key" "$((N + 1))" "$(emu_state sap 's.get("mtls_tokens", 0)')"
t_not_contains "rotation: not the old token" "$OUT" "$TOK1"

# ---- expiry: status, doctor, warning in the last two days, exit 6 after
NA=$(openssl x509 -enddate -noout -in "$K/c2.pem" | cut -d= -f2)
NA=$(date -u -d "$NA" +%s)
run "$AC" status
t_contains "status shows the certificate's expiry" "$OUT" "X.509 client certificate valid until"
run "$AC" status --json
t_match "status --json: certificate_expires" "$OUT" '"certificate_expires":[[:space:]]*"20'
run "$AC" doctor
t_contains "doctor shows the certificate's expiry" "$OUT" "X.509 client certificate valid until"
run "$AC" doctor --online
t_match "doctor --online: the certificate host answers with the client certificate" "$OUT" \
	"^ok +$P/online +$CERT_URL/oauth/token answers over TLS"
t_match "doctor --online: without the chain the handshake fails" "$OUT" "^FAIL +leaf-$UNIQ/online"
printf '%s\n' "$OUT$ERR" >"$T/doctor.log"
assert_no_secret "doctor: no key text" "$T/doctor.log" "$KEY1" "$KEY2"
AGENTCRED_TEST_NOW=$((NA - 3600)) run "$AC" token "$P"
t_eq "last two days: token still served" 0 "$RC"
t_contains "last two days: warning on stderr" "$ERR" "client certificate expires on"
t_contains "...says what to do" "$ERR" "create a new service key"
AGENTCRED_TEST_NOW=$((NA - 3600)) run "$AC" doctor
t_contains "doctor warns in the last two days" "$OUT" "expires on"
AGENTCRED_TEST_NOW=$((NA - 3 * 86400)) run "$AC" token "$P"
t_eq "three days before: no warning" "" "$ERR"
N=$(emu_count sap)
AGENTCRED_TEST_NOW=$((NA + 1)) run "$AC" token "$P"
t_eq "after notAfter: exit 6" 6 "$RC"
t_contains "...says to create a new service key and import it" "$ERR" "create a new service key in SAP BTP cockpit and import it"
t_eq "...nothing on stdout" "" "$OUT"
t_eq "...and no request was made" "$N" "$(emu_count sap)"
AGENTCRED_TEST_NOW=$((NA + 1)) run "$AC" status
t_contains "status: expired" "$OUT" "expired on"
AGENTCRED_TEST_NOW=$((NA + 1)) run "$AC" doctor
t_eq "doctor fails on an expired certificate" 1 "$RC"
t_contains "doctor: expired" "$OUT" "expired on"
AGENTCRED_TEST_NOW=$((NA + 1)) run "$AC" profile import-sap-key "exp-$UNIQ" "$K/sk2.json" --ca-file "$CA"
t_eq "importing an expired certificate: exit 6" 6 "$RC"

# ---- the keyring item gone: the message says to import the key again
"$AC" forget "lit-$UNIQ"
secret-tool clear profile "lit-$UNIQ" kind client-secret 2>/dev/null
t_exit "no stored certificate and key: exit 2" 2 "$AC" token "lit-$UNIQ"
t_contains "...says to import the service key again" "$ERR" "import-sap-key lit-$UNIQ"
run "$AC" doctor
t_contains "doctor: no certificate and key stored" "$OUT" "no certificate and key stored — run: agentcred profile import-sap-key lit-$UNIQ"

# ---- contrib/sap-ai-core-call with an X.509 profile
export CURL_CA_BUNDLE=$CA
run env AGENTCRED="$AC" "$TOP/contrib/sap-ai-core-call" "$P" dep42 "mTLS?"
t_eq "sap-ai-core-call with an X.509 profile" "echo: mTLS?" "$OUT"
t_eq "...sent the profile's resource group" grp1 "$(emu_state sap 's["sapai"][-1]["group"]')"
unset CURL_CA_BUNDLE

# ---- the SAP SDK sources (no FILE)
sdk() {	# sdk NAME [env assignments...]: import with no FILE in a clean environment
	local name=$1; shift
	run env -u AICORE_SERVICE_KEY "$@" "$AC" profile import-sap-key "$name-$UNIQ" --ca-file "$CA"
}
PEMC=$(cat "$K/c1.pem" "$K/inter.pem")
PEMK=$(cat "$K/c1.key")
LITC=$(printf '%s\n' "$PEMC" | awk '{printf "%s\\n", $0}')
LITK=$(printf '%s\n' "$PEMK" | awk '{printf "%s\\n", $0}')
SK1=$(cat "$K/sk1.json")

sdk none
t_eq "no source: exit 2" 2 "$RC"
t_contains "no source: names the sources" "$ERR" "AICORE_SERVICE_KEY"

sdk sk AICORE_SERVICE_KEY="$SK1"
t_eq "AICORE_SERVICE_KEY: exit 0" 0 "$RC"
t_contains "AICORE_SERVICE_KEY: named" "$OUT" "from \$AICORE_SERVICE_KEY"
t_ok "AICORE_SERVICE_KEY: token" "$AC" token "sk-$UNIQ"

sdk envstr AICORE_CLIENT_ID=cc-client AICORE_AUTH_URL="$URL_sap" AICORE_CERT_URL="$CERT_URL" \
	AICORE_CERT_STR="$LITC" AICORE_KEY_STR="$LITK" AICORE_BASE_URL="$URL_sap" AICORE_RESOURCE_GROUP=grp9
t_eq "AICORE_* with CERT_STR/KEY_STR (literal \\n): exit 0" 0 "$RC"
t_contains "AICORE_*: named" "$OUT" "from the AICORE_* environment variables"
t_contains "AICORE_CERT_URL replaces AICORE_AUTH_URL" "$OUT" "$CERT_URL/oauth/token"
t_contains "AICORE_BASE_URL gets /v2" "$OUT" "API $URL_sap/v2"
t_contains "AICORE_RESOURCE_GROUP" "$OUT" "resource group grp9"
t_ok "AICORE_* strings: token over mTLS" "$AC" token "envstr-$UNIQ"

sdk envfile AICORE_CLIENT_ID=cc-client AICORE_AUTH_URL="$CERT_URL/oauth/token" \
	AICORE_CERT_FILE_PATH="$K/nosuch.pem" AICORE_KEY_FILE_PATH="$K/c1.key" AICORE_BASE_URL="$URL_sap/v2"
t_eq "AICORE_*_FILE_PATH of a missing file: exit 2" 2 "$RC"
sdk envfile AICORE_CLIENT_ID=cc-client AICORE_AUTH_URL="$CERT_URL/oauth/token" \
	AICORE_CERT_FILE_PATH="$K/sk-chain.pem" AICORE_KEY_FILE_PATH="$K/c1.key" AICORE_BASE_URL="$URL_sap/v2"
t_eq "AICORE_*_FILE_PATH (auth URL on the cert host): exit 0" 0 "$RC"
t_contains "...resource group default" "$OUT" "resource group default"
t_ok "AICORE_* files: token over mTLS" "$AC" token "envfile-$UNIQ"
sdk both AICORE_CLIENT_ID=cc-client AICORE_CLIENT_SECRET=cc-secret AICORE_AUTH_URL="$URL_sap" \
	AICORE_CERT_STR="$LITC" AICORE_KEY_STR="$LITK" AICORE_BASE_URL="$URL_sap"
t_eq "secret and certificate together: exit 2" 2 "$RC"
t_contains "...says keep one" "$ERR" "keep one"
sdk secret AICORE_CLIENT_ID=cc-client AICORE_CLIENT_SECRET=cc-secret AICORE_AUTH_URL="$URL_sap" \
	AICORE_BASE_URL="$URL_sap"
t_eq "AICORE_* with a client secret: exit 0" 0 "$RC"
t_ok "AICORE_* secret: token (client_secret_post)" "$AC" token "secret-$UNIQ"
sdk partial AICORE_CLIENT_ID=cc-client
t_eq "incomplete AICORE_* variables: exit 2, no fall-through" 2 "$RC"
t_contains "...names what is missing" "$ERR" "AICORE_"

# the SDK config file: $AICORE_HOME/config.json, config_$AICORE_PROFILE.json, $AICORE_CONFIG
mkdir -p "$HOME/.aicore" "$T/aihome"
"$PY" -c 'import json,sys; json.dump({"AICORE_CLIENT_ID": "cc-client", "AICORE_AUTH_URL": sys.argv[1],
	"AICORE_CERT_URL": sys.argv[2], "AICORE_CERT_FILE_PATH": sys.argv[3], "AICORE_KEY_FILE_PATH": sys.argv[4],
	"AICORE_BASE_URL": sys.argv[1], "AICORE_RESOURCE_GROUP": "fromfile"}, open(sys.argv[5], "w"))' \
	"$URL_sap" "$CERT_URL" "$K/sk-chain.pem" "$K/c1.key" "$HOME/.aicore/config.json"
sdk cfg
t_eq "~/.aicore/config.json: exit 0" 0 "$RC"
t_contains "...named" "$OUT" "from $HOME/.aicore/config.json"
t_contains "...its resource group" "$OUT" "resource group fromfile"
t_ok "config file: token over mTLS" "$AC" token "cfg-$UNIQ"
sdk cfgrg AICORE_RESOURCE_GROUP=fromenv
t_contains "AICORE_RESOURCE_GROUP from the environment beats the file's" "$OUT" "resource group fromenv"
run env -u AICORE_SERVICE_KEY "$AC" profile import-sap-key "cfgopt-$UNIQ" --ca-file "$CA" --resource-group opt
t_contains "--resource-group overrides the source's" "$OUT" "resource group opt"
cp "$HOME/.aicore/config.json" "$T/aihome/config_dev.json"
sdk prof AICORE_HOME="$T/aihome" AICORE_PROFILE=dev
t_contains "AICORE_HOME + AICORE_PROFILE: config_dev.json" "$OUT" "from $T/aihome/config_dev.json"
sdk prof2 AICORE_HOME="$T/aihome" AICORE_PROFILE=nosuch
t_eq "AICORE_PROFILE naming a missing file: exit 2" 2 "$RC"
cp "$HOME/.aicore/config.json" "$T/direct.json"
sdk direct AICORE_CONFIG="$T/direct.json"
t_contains "AICORE_CONFIG" "$OUT" "from $T/direct.json"

# precedence: AICORE_SERVICE_KEY over AICORE_*, AICORE_* over the config file
sdk prec1 AICORE_SERVICE_KEY="$SK1" AICORE_CLIENT_ID=cc-client AICORE_CLIENT_SECRET=cc-secret \
	AICORE_AUTH_URL="$URL_sap" AICORE_BASE_URL="$URL_sap"
t_contains "AICORE_SERVICE_KEY wins over AICORE_*" "$OUT" "from \$AICORE_SERVICE_KEY"
sdk prec2 AICORE_CLIENT_ID=cc-client AICORE_CLIENT_SECRET=cc-secret AICORE_AUTH_URL="$URL_sap" \
	AICORE_BASE_URL="$URL_sap"
t_contains "AICORE_* win over the config file" "$OUT" "from the AICORE_* environment variables"
rm "$HOME/.aicore/config.json"

# VCAP_SERVICES: the first service labelled aicore
VCAP=$("$PY" -c 'import json,sys; k=json.load(open(sys.argv[1])); print(json.dumps({"xsuaa": [{"label": "xsuaa", "credentials": {}}], "aicore": [{"label": "aicore", "name": "ai", "credentials": k}]}))' "$K/sk1.json")
sdk vcap VCAP_SERVICES="$VCAP"
t_eq "VCAP_SERVICES: exit 0" 0 "$RC"
t_contains "VCAP_SERVICES: named" "$OUT" "from \$VCAP_SERVICES"
t_ok "VCAP_SERVICES: token over mTLS" "$AC" token "vcap-$UNIQ"
sdk vcapno VCAP_SERVICES='{"xsuaa": [{"label": "xsuaa", "credentials": {}}]}'
t_eq "VCAP_SERVICES without aicore: exit 2" 2 "$RC"

# stdin
run "$AC" profile import-sap-key "stdin-$UNIQ" - --ca-file "$CA" <"$K/sk1.json"
t_contains "- reads the key from stdin" "$OUT" "from stdin"
t_ok "stdin: token" "$AC" token "stdin-$UNIQ"

# nothing of the keys in the config file after all this
assert_no_secret "config.json: no private key at the end" "$CONF" "$KEY1" "$KEY2"
t_done
