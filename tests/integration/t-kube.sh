#!/bin/bash
# kubectl exec credential plugin (README.md, "Design: front-end protocols") with the real kubectl:
# a loopback API server (kube_api) that accepts only tokens the token
# endpoint (oauth_cc, same process) issued and has not revoked; a kubeconfig
# made from contrib/kubeconfig.example; v1 and v1beta1; one token request
# across many kubectl commands; revoke + forget → a fresh token; clear
# failures; no token in kubectl -v=8 output.
. "$(dirname "$0")/../lib.sh"
need kubectl
keyring_start
ca_make
emu_start k oauth_cc,kube_api
P="kube-$UNIQ"
t_ok "profile add" profile_cc "$P" "$URL_k/oauth/token" cc-secret

# Count plugin runs: kubectl runs this wrapper, which runs agentcred.
mkdir -p "$T/bin"
cat >"$T/bin/agentcred" <<WRAP
#!/bin/sh
echo run >>"$T/plugin-runs"
exec "$AC" "\$@"
WRAP
chmod +x "$T/bin/agentcred"
runs() { [ -f "$T/plugin-runs" ] && wc -l <"$T/plugin-runs" | tr -d ' ' || echo 0; }

# kubeconfig.example with our server, CA, profile and binary
kubeconfig() {	# kubeconfig API-VERSION PROFILE OUT
	sed -e "s|https://kube.example.com:6443|$URL_k|" \
	    -e "s|/etc/ssl/certs/kube-ca.pem|$CA|" \
	    -e "s|\"sap-dev\"|\"$2\"|" \
	    -e "s|command: agentcred|command: $T/bin/agentcred|" \
	    -e "s|client.authentication.k8s.io/v1\$|$1|" \
	    "$TOP/contrib/kubeconfig.example" >"$3"
}
V1=client.authentication.k8s.io/v1
V1B=client.authentication.k8s.io/v1beta1
# kc-new: the newest exec API the kubectl on PATH speaks (v1 from 1.22 on;
# Debian 12's kubectl 1.20 speaks v1beta1 only); agentcred's own v1
# answers are checked directly below whatever kubectl is installed
KV=$(kube_exec_api)
kubeconfig "$KV" "$P" "$T/kc-new"
kubeconfig "$V1B" "$P" "$T/kc-v1beta1"
t_contains "kubeconfig v1beta1 made" "$(cat "$T/kc-v1beta1")" "apiVersion: $V1B"
t_contains "kubeconfig has our server" "$(cat "$T/kc-new")" "server: $URL_k"
t_contains "kubeconfig for kubectl's newest exec API" "$(cat "$T/kc-new")" "apiVersion: $KV"

# ---- the newest exec API (v1 with kubectl >= 1.22)
t_ok "kubectl get --raw / (${KV##*/})" kubectl --kubeconfig "$T/kc-new" get --raw /
t_contains "${KV##*/}: server answered" "$OUT" '"/version"'
TOK1=$(emu_state k 's["tokens"][-1]')
t_eq "${KV##*/}: the API server saw the issued token" "$TOK1" "$(emu_state k 's["kube_seen"][-1]')"
t_eq "${KV##*/}: one plugin run" 1 "$(runs)"

# ---- v1beta1 and more commands: still one token request
t_ok "kubectl get --raw / (v1beta1)" kubectl --kubeconfig "$T/kc-v1beta1" get --raw /
t_contains "v1beta1: server answered" "$OUT" '"/version"'
t_ok "kubectl get --raw /version" kubectl --kubeconfig "$T/kc-new" get --raw /version
t_contains "version answered" "$OUT" "agentcred-emu"
t_ok "kubectl get --raw /healthz" kubectl --kubeconfig "$T/kc-v1beta1" get --raw /healthz
t_eq "one plugin run per kubectl command" 4 "$(runs)"
t_eq "token endpoint hit once across 4 commands" 1 "$(emu_count k /oauth/token)"
t_eq "every request carried the same token" "[\"$TOK1\"]" \
	"$(emu_state k 'sorted(set(s["kube_seen"]))')"

# ---- the answer itself
export KUBERNETES_EXEC_INFO="{\"kind\":\"ExecCredential\",\"apiVersion\":\"$V1\",\"spec\":{\"interactive\":false}}"
t_ok "direct v1 run" "$AC" kube "$P"
t_eq "apiVersion echoed" "$V1" "$(json_get "$OUT" 'j["apiVersion"]')"
t_eq "kind" ExecCredential "$(json_get "$OUT" 'j["kind"]')"
t_eq "status.token" "$TOK1" "$(json_get "$OUT" 'j["status"]["token"]')"
t_eq "stdout is one line of JSON" 1 "$(printf '%s\n' "$OUT" | wc -l)"
t_eq "stderr empty" "" "$ERR"
EXP=$(json_get "$OUT" 'j["status"]["expirationTimestamp"]')
t_match "expirationTimestamp is RFC 3339 UTC" "$EXP" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
LEFT=$(( $(date -u -d "$EXP" +%s) - $(date +%s) ))
# lifetime 3600 s, default margin max(60, min(300, 360)) = 300
t_match "expiry is the token's minus the margin" "$LEFT" '^(32[0-9]{2}|3300)$'
KUBERNETES_EXEC_INFO="{\"kind\":\"ExecCredential\",\"apiVersion\":\"$V1B\",\"spec\":{\"interactive\":false}}" \
	run "$AC" kube "$P"
t_eq "v1beta1 echoed" "$V1B" "$(json_get "$OUT" 'j["apiVersion"]')"
unset KUBERNETES_EXEC_INFO
t_ok "no KUBERNETES_EXEC_INFO: answers" "$AC" kube "$P"
t_eq "no KUBERNETES_EXEC_INFO: v1beta1" "$V1B" "$(json_get "$OUT" 'j["apiVersion"]')"

# interactive: we never prompt, so stdin is not read even then
KUBERNETES_EXEC_INFO="{\"apiVersion\":\"$V1\",\"spec\":{\"interactive\":true}}" \
	run timeout 3 "$AC" kube "$P" < <(sleep 5)
t_eq "interactive: stdin left alone (no hang)" 0 "$RC"

# a short-lived token: the timestamp is never in the past
emu_set k '{"lifetime": 30}' >/dev/null
P2="kube2-$UNIQ"
t_ok "profile add (short-lived)" profile_cc "$P2" "$URL_k/oauth/token" cc-secret
KUBERNETES_EXEC_INFO="{\"apiVersion\":\"$V1\"}" run "$AC" kube "$P2"
EXP=$(json_get "$OUT" 'j["status"]["expirationTimestamp"]')
t_match "30 s token: expiry not in the past" "$(( $(date -u -d "$EXP" +%s) - $(date +%s) ))" '^([5-9]|[1-9][0-9])$'
emu_set k '{"lifetime": 3600}' >/dev/null

# ---- unknown apiVersion: clear failure, no token request
N=$(emu_count k /oauth/token)
KUBERNETES_EXEC_INFO='{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1alpha1","spec":{}}' \
	run "$AC" kube "$P"
t_eq "v1alpha1: exit 2" 2 "$RC"
t_eq "v1alpha1: nothing on stdout" "" "$OUT"
t_contains "v1alpha1: names the version" "$ERR" "client.authentication.k8s.io/v1alpha1"
t_contains "v1alpha1: says what to do" "$ERR" "apiVersion: client.authentication.k8s.io/v1"
t_eq "v1alpha1: one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
KUBERNETES_EXEC_INFO='not json' run "$AC" kube "$P"
t_eq "garbage KUBERNETES_EXEC_INFO: exit 2" 2 "$RC"
t_eq "no token request for bad requests" "$N" "$(emu_count k /oauth/token)"
t_exit "unknown profile: exit 2" 2 "$AC" kube "nope-$UNIQ"
t_exit "no profile name: exit 2" 2 "$AC" kube

# ---- failure surfaced through kubectl: wrong secret → exit 4 and our line
P3="kubebad-$UNIQ"
t_ok "profile add (wrong secret)" profile_cc "$P3" "$URL_k/oauth/token" wrong-secret
kubeconfig "$KV" "$P3" "$T/kc-bad"
run kubectl --kubeconfig "$T/kc-bad" get --raw /
t_eq "kubectl fails when no token can be had" 1 "$RC"
t_contains "kubectl reports our exit code" "$ERR" "exit code 4"
t_contains "kubectl shows our one-line reason" "$ERR" "agentcred: $P3:"

# ---- the API server drops the token; forget makes kubectl get a fresh one
N=$(emu_count k /oauth/token)
emu_curl k /emu/revoke -X POST >/dev/null
run kubectl --kubeconfig "$T/kc-new" get --raw /
t_eq "revoked token: kubectl fails" 1 "$RC"
t_contains "revoked token: Unauthorized" "$ERR" "Unauthorized"
t_eq "still no new token request (the cache serves the old one)" "$N" "$(emu_count k /oauth/token)"
t_ok "forget" "$AC" forget "$P"
t_ok "kubectl after forget" kubectl --kubeconfig "$T/kc-new" get --raw /
TOK2=$(emu_state k 's["kube_seen"][-1]')
t_eq "after forget: one more token request" $((N + 1)) "$(emu_count k /oauth/token)"
t_not_contains "after forget: a fresh token" "$TOK1" "$TOK2"

# ---- no token in kubectl's verbose log (it logs headers before exec adds them)
kubectl --kubeconfig "$T/kc-new" -v=8 get --raw / >"$T/v8.log" 2>&1
t_contains "-v=8 log has the request" "$(cat "$T/v8.log")" "GET $URL_k/"
assert_no_secret "no token in kubectl -v=8 output" "$T/v8.log" "$TOK1" "$TOK2"
t_done
