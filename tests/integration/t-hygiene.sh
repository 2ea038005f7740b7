#!/bin/bash
# Secret hygiene (issue 6): with distinct, recognisable secrets of every
# kind — a client secret, the issued access tokens, an OBO-like user token
# sent in a `get` request, a git password, a docker secret and a
# FoundationaLLM agent token —
#  - every front-end run with -v, in success and error paths: no secret
#    on stderr, nor on stdout where the command does not answer a token;
#  - /proc/*/cmdline and /proc/*/environ of every process, while agentcred
#    and its curl child wait on a slow server: no secret;
#  - secret-tool: labels and attributes never hold a secret;
#  - core dumps: a running agentcred has RLIMIT_CORE 0 and is not
#    dumpable.  Observable: the kernel makes /proc/PID/* of a non-dumpable
#    process owned by root, so an agentcred started as "nobody" must show
#    root-owned /proc files, while a control process (sleep) started the
#    same way shows "nobody".
# The secrets live in non-exported shell variables and a pattern file:
# nothing of this script's own puts them into an argv or environment.
. "$(dirname "$0")/../lib.sh"
need secret-tool
keyring_start
emu_start hy oauth_cc
export PATH="$(dirname "$AC"):$PATH"
TOKEN_URL="$URL_hy/oauth/token"
R=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
CS="hygCS-$R-clientsecret"
USERTOK="hygUT-$R-userassertion"
GITPW="hygGP-$R-gitpassword"
DOCKSEC="hygDS-$R-dockersecret"
B58=$(tr -dc '1-9A-HJ-NP-Za-km-z' </dev/urandom | head -c 12)
FLLM="keya.35.qWFSe4Bi.cQBz.HygFs$B58.ayek"
WRONG="hygWS-$R-wrongsecret"
emu_set hy "$(printf '{"client_id": "cc-client", "client_secret": "%s"}' "$CS")" >/dev/null
P="hy-$UNIQ"
F="hf-$UNIQ"
printf '%s' "$CS" | "$AC" -v profile add "$P" --type client-credentials --token-url "$TOKEN_URL" \
	--client-id cc-client --ca-file "$CA" --host api.hyg.example --timeout 5 --secret-stdin \
	>"$T/o.profile" 2>"$T/e.profile"
printf '%s' "$FLLM" | "$AC" -v profile add "$F" --type foundationallm \
	--api-url https://fllm.hyg.example/instances/x --secret-stdin >>"$T/o.profile" 2>>"$T/e.profile"
printf '%s' "$WRONG" | "$AC" profile add "w-$P" --type client-credentials --token-url "$TOKEN_URL" \
	--client-id cc-client --ca-file "$CA" --secret-stdin

# v NAME CMD...: run CMD, stdout to $T/o.NAME, stderr to $T/e.NAME
v() {
	local name=$1; shift
	"$@" >"$T/o.$name" 2>"$T/e.$name"
	VRC=$?
}
# vin NAME INPUT CMD...: the same with INPUT on stdin
vin() {
	local name=$1 input=$2; shift 2
	printf '%s' "$input" >"$T/in"
	"$@" <"$T/in" >"$T/o.$name" 2>"$T/e.$name"
	VRC=$?
	rm -f "$T/in"
}
NL='
'
v token "$AC" -v token "$P"
TOK=$(cat "$T/o.token")
t_match "a token was issued" "$TOK" '^eyJ'
v forget "$AC" -v forget "$P"
v token2 "$AC" -v token "$P"
vin get "{\"profile\": \"$P\"}" "$AC" -v get
vin getuser "{\"profile\": \"$P\", \"user_token\": \"$USERTOK\"}" "$AC" -v get
t_eq "get with user_token on a non-Entra profile: exit 2" 2 "$VRC"
vin getbad "{\"profile\": \"$P\", \"bogus\": \"$USERTOK\"}" "$AC" -v get
vin getbad3 "{\"profile\": \"$P\", \"user_token\": \"$USERTOK" "$AC" -v get
KUBERNETES_EXEC_INFO='{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}' \
	v kube "$AC" -v kube "$P"
v curlcfg "$AC" -v curl-config "$P"
v curl "$AC" -v curl "$P" -- -sS --cacert "$CA" "$URL_hy/echo/x"
t_contains "curl reached the echo endpoint with the token" "$(cat "$T/o.curl")" "Bearer $(cat "$T/o.token2")"
v wrong "$AC" -v token "w-$P"
v fllm "$AC" -v token "$F"
t_eq "the FoundationaLLM token" "$FLLM" "$(cat "$T/o.fllm")"
vin fllmget "{\"profile\": \"$F\"}" "$AC" -v get
# git: a stored password, a profile's token, erase
vin gitstore "protocol=https${NL}host=git.hyg.example${NL}username=u${NL}password=$GITPW${NL}" "$AC" -v git store
vin gitget "protocol=https${NL}host=git.hyg.example${NL}" "$AC" -v git get
t_contains "git get returns the stored password" "$(cat "$T/o.gitget")" "password=$GITPW"
vin gitprof "protocol=https${NL}host=api.hyg.example${NL}" "$AC" -v git get
vin giterase "protocol=https${NL}host=git.hyg.example${NL}username=u${NL}password=$GITPW${NL}" "$AC" -v git erase
vin gitbad "protocol=https${NL}host=git.hyg.example${NL}password=$GITPW${NL}bogus line${NL}" "$AC" -v git store
# docker
vin dstore "{\"ServerURL\":\"reg.hyg.example\",\"Username\":\"u\",\"Secret\":\"$DOCKSEC\"}" docker-credential-agentcred store
vin dget "reg.hyg.example" docker-credential-agentcred get
t_contains "docker get returns the secret" "$(cat "$T/o.dget")" "$DOCKSEC"
vin dlist "" docker-credential-agentcred list
vin dbad "{\"ServerURL\":\"reg.hyg.example\",\"Secret\":\"$DOCKSEC\"}" docker-credential-agentcred store
vin dbad2 "{\"ServerURL\":\"reg.hyg.example\",\"Username\":\"u\",\"Secret\":\"$DOCKSEC\"" docker-credential-agentcred store
vin derase "reg.hyg.example" docker-credential-agentcred erase
# listings and diagnostics
v show "$AC" -v profile show "$P"
v showf "$AC" -v profile show "$F"
v list "$AC" -v profile list
v status "$AC" -v status --json
v doctor "$AC" -v doctor

SECRETS=("$CS" "$USERTOK" "$GITPW" "$DOCKSEC" "$FLLM" "$WRONG" "$TOK"
	 $(cat "$T/o.token2") $(emu_state hy '" ".join(s["tokens"])'))
printf '%s\n' "${SECRETS[@]}" | sort -u >"$T/secrets"
cat "$T"/e.* >"$T/all-stderr"
t_match "-v said something" "$(cat "$T/all-stderr")" 'POST https://'
assert_no_secret "no secret on the stderr of any front-end (-v)" "$T/all-stderr" "${SECRETS[@]}"
# stdout of commands that do not answer a credential
cat "$T"/o.{profile,forget,getuser,getbad3,wrong,gitstore,giterase,gitbad,dstore,dlist,dbad,dbad2,derase,show,showf,list,status,doctor} >"$T/quiet-stdout"
assert_no_secret "no secret on stdout where no credential is answered" "$T/quiet-stdout" "${SECRETS[@]}"
# a token-answering command shows only its own credential
assert_no_secret "token: only the token on stdout" "$T/o.token" "$CS" "$USERTOK"
assert_no_secret "fllm get: no client secret" "$T/o.fllmget" "$CS" "$TOK"
assert_no_secret "get with an unknown key: not echoed" "$T/o.getbad" "$USERTOK" "$CS"

# ---- keyring metadata
secret-tool search --all agentcred-never x >/dev/null 2>&1
{ secret-tool search --all schema org.agentcred.Secret 2>&1
  secret-tool search --all kind token 2>&1
  secret-tool search --all kind client-secret 2>&1
  secret-tool search --all server reg.hyg.example 2>&1
  secret-tool search --all host git.hyg.example 2>&1
  secret-tool search --all server git.hyg.example 2>&1; } |
	grep -E '^(label|attribute\.)' >"$T/meta"
t_match "keyring metadata was listed" "$(cat "$T/meta")" "attribute.kind = client-secret"
assert_no_secret "no secret in keyring labels or attributes" "$T/meta" "${SECRETS[@]}"

# ---- /proc while agentcred and curl wait on a slow server
scan_proc() {	# NAME: grep every cmdline and environ for the secrets
	local hits
	hits=$(grep -lFf "$T/secrets" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null)
	t_eq "$1: no secret in any /proc/*/cmdline or environ" "" "$hits"
}
"$AC" forget "$P"
emu_fault hy '{"path": "/oauth/token", "kind": "delay", "delay": 2, "times": 1}' >/dev/null
"$AC" token "$P" >"$T/slow.out" 2>&1 &
slow=$!
sleep 1
t_ok "agentcred is running during the scan" kill -0 "$slow"
scan_proc "during a token fetch"
wait "$slow"
emu_fault hy '{"path": "/echo/slow", "kind": "delay", "delay": 2, "times": 1}' >/dev/null
"$AC" curl "$P" -- -sS --cacert "$CA" "$URL_hy/echo/slow" >"$T/slowcurl.out" 2>&1 &
slow=$!
sleep 1
t_eq "curl (exec'ed by agentcred) is running during the scan" curl "$(cat "/proc/$slow/comm" 2>/dev/null)"
scan_proc "during agentcred curl"
wait "$slow"
t_contains "agentcred curl got through" "$(cat "$T/slowcurl.out")" "Bearer"
# the git and docker helpers hold a secret in memory while they wait
mkfifo "$T/fifo"
"$AC" git store <"$T/fifo" >/dev/null 2>&1 &
slow=$!
exec 7>"$T/fifo"
printf 'protocol=https\nhost=git.hyg.example\npassword=%s\n' "$GITPW" >&7
sleep 0.3
scan_proc "while git store reads its input"
exec 7>&-
wait "$slow"

# ---- core dumps
# A non-dumpable process has its /proc/PID files owned by root.  To tell
# that apart from an ordinary process the two must run as someone other
# than root: as root the test drops to nobody, otherwise it runs as itself.
NB=$T/nobody
mkdir -p "$NB/run"
chmod 755 "$T"
if [ "$(id -u)" = 0 ]; then
	need setpriv
	chown -R nobody "$NB"
	OWNER=nobody
	as_user() {
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env -i PATH=/usr/bin:/bin HOME="$NB" XDG_RUNTIME_DIR="$NB/run" \
			XDG_CONFIG_HOME="$NB" XDG_DATA_HOME="$NB" \
			ASAN_OPTIONS="$ASAN_OPTIONS" "$@"
	}
else
	OWNER=$(id -un)
	as_user() { exec "$@"; }
fi
chmod 700 "$NB/run"
mkfifo "$T/nfifo"; chmod 666 "$T/nfifo"
as_user sleep 30 &
ctl=$!
as_user "$AC" get <"$T/nfifo" >"$T/nobody.out" 2>&1 &
nb=$!
exec 8>"$T/nfifo"
for i in $(seq 100); do	# until main() has run secmem_init()
	[ "$(stat -c %U "/proc/$nb/status" 2>/dev/null)" = root ] && break
	sleep 0.05
done
t_eq "control: a dumpable process owns its /proc files" "$OWNER" \
	"$(stat -c %U "/proc/$ctl/status")"
t_eq "agentcred is not dumpable: /proc/PID owned by root" root \
	"$(stat -c %U "/proc/$nb/status")"
t_match "agentcred has RLIMIT_CORE 0" "$(grep 'Max core file size' "/proc/$nb/limits")" \
	'Max core file size +0 +0 '
exec 8>&-
wait "$nb"
kill "$ctl"; wait "$ctl" 2>/dev/null

t_done
