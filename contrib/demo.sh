#!/bin/bash
# make demo: agentcred's main job, self-contained, on loopback.
#
# A private D-Bus session with its own gnome-keyring, a local HTTPS token
# server that speaks SAP AI Core's OAuth client-credentials flow (the
# project's test emulator, with a CA made here by openssl), and behind the
# same server a Kubernetes-style API, a git smart-HTTP repository and an
# echo endpoint that all want the token.  Then the real kubectl, git and
# curl get their tokens from agentcred — one token request for all of them.
# Nothing outside a temporary directory is touched.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export AC=${AC:-$TOP/build/agentcred}
. "$TOP/tests/lib.sh"
export AGENTCRED_MODULE_DIR=$(dirname "$AC")
export PATH="$(dirname "$AC"):$PATH"	# agentcred, git-credential-agentcred

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" || { echo "demo: that failed (exit $?)" >&2; exit 1; }; }
short() { printf '%s…%s\n' "${1:0:12}" "${1: -6}"; }

[ -x "$AC" ] || { echo "demo: build first (make)" >&2; exit 1; }
need kubectl git curl

say "a private keyring (dbus-daemon + gnome-keyring-daemon) in $T"
keyring_start
ca_make
mkdir -p "$T/repos" "$T/seed"
git init -q --bare -b main "$T/repos/models.git"
git -C "$T/seed" init -q -b main
echo "prompt templates" >"$T/seed/README"
git -C "$T/seed" add README
git -C "$T/seed" -c user.name=demo -c user.email=demo@example.com commit -qm "first"
git -C "$T/seed" push -q "$T/repos/models.git" main
emu_start api oauth_cc,git_http,kube_api git_root="$T/repos" accept_tokens=true
echo "token server and APIs: $URL_api (CA: $CA)"

say "import an SAP AI Core service key (the client secret goes to the keyring)"
cat >"$T/service-key.json" <<KEY
{"clientid": "cc-client", "clientsecret": "cc-secret", "url": "$URL_api",
 "identityzone": "demo", "serviceurls": {"AI_API_URL": "$URL_api"}}
KEY
show agentcred profile import-sap-key demo "$T/service-key.json" --resource-group default --ca-file "$CA"
show agentcred profile show demo
printf '$ secret-tool search --all profile demo   (what the keyring holds)\n'
secret-tool search --all profile demo 2>&1 | grep -E '^(label|attribute)'

say "a token, fetched once and then served from the cache"
printf '$ agentcred token demo\n'; short "$(agentcred token demo)"
printf '$ agentcred token demo   (again: cache hit)\n'; short "$(agentcred token demo)"
show agentcred status

say "kubectl: kubeconfig exec plugin → agentcred kube demo"
# kubectl 1.22 and later speak the exec API v1; older ones (Debian 12's
# kubernetes-client is 1.20) v1beta1, which agentcred answers as well
KAPI=$(kube_exec_api)
echo "kubectl $(kubectl version --client 2>/dev/null | grep -o 'v1\.[0-9]*\.[0-9]*' | head -1): exec API $KAPI"
sed -e "s|https://kube.example.com:6443|$URL_api|" \
    -e "s|/etc/ssl/certs/kube-ca.pem|$CA|" \
    -e "s|\"sap-dev\"|\"demo\"|" \
    -e "s|client.authentication.k8s.io/v1\$|$KAPI|" \
    "$TOP/contrib/kubeconfig.example" >"$T/kubeconfig"
show kubectl --kubeconfig "$T/kubeconfig" get --raw /version
echo

say "git: credential.helper=agentcred answers for the profile's host"
show git -c credential.helper= -c credential.helper=agentcred -c http.sslCAInfo="$CA" \
	clone -q "$URL_api/git/models.git" "$T/clone"
show cat "$T/clone/README"

say "curl: the token travels in a config pipe, never in argv"
show agentcred curl demo -- -sS --cacert "$CA" "$URL_api/echo/v2/lm/deployments" -o "$T/echo.json"
printf 'the API received: Authorization: %s, AI-Resource-Group: %s\n' \
	"$(json_get "$(cat "$T/echo.json")" 'j["headers"]["authorization"][:20]')…" \
	"$(json_get "$(cat "$T/echo.json")" 'j["headers"]["ai-resource-group"]')"
printf '$ curl -K <(agentcred curl-config demo) …\n'
curl -sS --cacert "$CA" -K <(agentcred curl-config demo) -o /dev/null -w 'HTTP %{http_code}\n' \
	"$URL_api/echo/v2/lm/scenarios"

say "how many token requests did all of that cost?"
echo "token endpoint requests: $(emu_count api /oauth/token)"
echo
echo "Everything ran in $T, which is removed now."
