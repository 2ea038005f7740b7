#!/bin/bash
# Hardening (issue 14), each finding of the outside review as it was
# reported, run as the user the suite runs as:
#   - with HOME unset, the config comes from the passwd entry's home, never
#     from ./.config/agentcred in the working directory (a repository could
#     ship one with its own token_url and receive the client secret);
#   - `agentcred get` refuses a request that two parsers read differently:
#     a key twice, a string holding \u0000 (exit 2);
#   - docker get never hands a profile's bearer token to a plain-http
#     registry off loopback (git already refused);
#   - a lock directory nobody can use safely costs the single flight, never
#     the command (the two-user case is t-lockdir.sh).
. "$(dirname "$0")/../lib.sh"
export AGENTCRED_KEYRING=file AGENTCRED_KERNEL_CACHE=0
emu_start good oauth_cc --http
emu_start evil oauth_cc --http
export HD_SECRET=cc-secret-$UNIQ
emu_set good "{\"client_secret\": \"$HD_SECRET\"}" >/dev/null

cc() {	# NAME URL [options]
	local name=$1 url=$2; shift 2
	"$AC" profile add "$name" --type client-credentials --token-url "$url/oauth/token" \
		--client-id cc-client --secret-env HD_SECRET "$@" </dev/null
}

# ---- paths never from the working directory
P=home-$UNIQ
REPO=$T/repo
mkdir -p "$REPO/.config/agentcred"
cat >"$REPO/.config/agentcred/config.json" <<EOF
{"profiles": {"$P": {"type": "client-credentials",
  "token_url": "$URL_evil/oauth/token", "client_id": "cc-client",
  "secret_env": "HD_SECRET"}}}
EOF
chmod 600 "$REPO/.config/agentcred/config.json"
run env -u HOME -u XDG_CONFIG_HOME -C "$REPO" "$AC" token "$P"
t_eq "HOME unset: the repository's config is not read (no request to its token_url)" \
	0 "$(emu_count evil)"
t_eq "HOME unset: its profile is unknown: exit 2" 2 "$RC"
t_not_contains "HOME unset: no token printed" "$OUT" "."
# the passwd home is where the config is looked for
PWHOME=$(getent passwd "$(id -u)" | cut -d: -f6)
run env -u HOME -u XDG_CONFIG_HOME -C "$REPO" "$AC" -v token "$P"
t_not_contains "HOME unset: nothing from ./.config" "$ERR$OUT" "$REPO"
run env -u XDG_CONFIG_HOME -C "$REPO" HOME=relative "$AC" token "$P"
t_eq "a relative HOME is no home either (passwd home, no request)" "0:2" "$(emu_count evil):$RC"
# a profile from an explicit config still works with HOME unset (no
# keyring here: the secret comes from secret_env), and nothing is written
# into the working directory
G=good-$UNIQ
cc "$G" "$URL_good"
run env -u HOME -u XDG_DATA_HOME -C "$REPO" AGENTCRED_KEYRING=secret-service \
	"$AC" --config "$XDG_CONFIG_HOME/agentcred/config.json" token "$G"
t_eq "HOME unset, explicit config: the token comes" 0 "$RC"
t_eq "HOME unset: nothing created in the working directory" ".config" "$(ls -A "$REPO")"
[ -n "$PWHOME" ] || t_fatal "no passwd home for uid $(id -u)"

# ---- strict requests: a key twice, NUL in a string
A=a-$UNIQ B=b-$UNIQ
cc "$A" "$URL_good"
cc "$B" "$URL_good"
req() { printf '%s' "$1" >"$T/req"; run "$AC" get <"$T/req"; }
req "{\"profile\":\"$A\"}"
t_eq "a plain request is served" 0 "$RC"
req "{\"profile\":\"$A\",\"profile\":\"$B\"}"
t_eq "duplicate \"profile\": exit 2" 2 "$RC"
t_contains "...saying which key" "$ERR$OUT" '"profile" twice'
t_not_contains "...and no token" "$OUT" "access_token"
req "{\"profile\":\"$A\\u0000x\"}"
t_eq "\\u0000 in the profile: exit 2" 2 "$RC"
t_contains "...saying NUL" "$ERR$OUT" "NUL"
t_not_contains "...and no token" "$OUT" "access_token"
req "{\"profile\":\"$A\",\"scope\":\"s\",\"scope\":\"t\"}"
t_eq "duplicate \"scope\": exit 2" 2 "$RC"

# ---- docker: no bearer token over plain http off loopback
D=dock-$UNIQ
t_ok "docker profile" cc "$D" "$URL_good" --host registry.example.com --host "127.0.0.1:$PORT_good"
dget() { printf '%s' "$1" >"$T/din"; run "$AC" docker get <"$T/din"; }
dget "https://registry.example.com"
t_eq "docker get https://: the profile's token" 0 "$RC"
t_contains "...as the secret" "$OUT" '"Secret":"ey'
dget "registry.example.com"
t_eq "docker get of a bare host (docker's https default): the token" 0 "$RC"
dget "http://registry.example.com"
t_eq "docker get http:// off loopback: not found, exit 1" 1 "$RC"
t_not_contains "...no token handed out" "$OUT" '"Secret":"ey'
t_contains "...and a warning naming plain http" "$ERR" "plain http"
dget "http://127.0.0.1:$PORT_good"
t_eq "docker get http:// to loopback: the token" 0 "$RC"
t_contains "...as the secret" "$OUT" '"Secret":"ey'

# ---- a lock directory that cannot be used: one warning, the token comes
L=lock-$UNIQ
cc "$L" "$URL_good"
mkdir -p "$XDG_RUNTIME_DIR/agentcred"
chmod 755 "$XDG_RUNTIME_DIR/agentcred"
run "$AC" token "$L"
t_eq "lock directory 0755: the token still comes, exit 0" 0 "$RC"
t_eq "...with one warning" 1 "$(grep -c 'without the lock' <<<"$ERR")"
chmod 700 "$XDG_RUNTIME_DIR/agentcred"
mv "$XDG_RUNTIME_DIR/agentcred" "$XDG_RUNTIME_DIR/real"
ln -s "$XDG_RUNTIME_DIR/real" "$XDG_RUNTIME_DIR/agentcred"
run "$AC" token "$L"
t_eq "lock directory a symlink: exit 0" 0 "$RC"
t_contains "...with the warning" "$ERR" "without the lock"
rm "$XDG_RUNTIME_DIR/agentcred"
# no runtime directory: the cache home, not /tmp
run env -u XDG_RUNTIME_DIR "$AC" token "$L"
t_eq "no XDG_RUNTIME_DIR: exit 0" 0 "$RC"
t_eq "...and no warning" "" "$ERR"
t_ok "...the lock file is under \$XDG_CACHE_HOME/agentcred/locks" \
	sh -c "ls '$XDG_CACHE_HOME/agentcred/locks/'*.lock"

# ---- found by the soak: concurrent profile adds dropped each other's
pids=()
for i in $(seq 16); do
	cc "many-$i-$UNIQ" "$URL_good" >/dev/null 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
run "$AC" profile list
t_eq "16 concurrent profile adds: all 16 profiles kept" 16 "$(grep -c "many-.*-$UNIQ" <<<"$OUT")"

# ---- found by the soak: curl mode leaked libcurl's sockets into curl
printf '#!/bin/bash\nfor f in /proc/$$/fd/*; do readlink "$f"; done\n' >"$T/fakecurl"
chmod 755 "$T/fakecurl"
C=curl-$UNIQ
cc "$C" "$URL_good"
run env AGENTCRED_CURL="$T/fakecurl" "$AC" curl "$C" -- https://api.example/
t_eq "curl mode after a token request: exit 0" 0 "$RC"
t_not_contains "...no socket of ours reaches curl" "$OUT" "socket:"

# ---- curl mode and kube: no bearer token over plain http off loopback
printf '#!/bin/bash\necho ran\n' >"$T/fakecurl2"
chmod 755 "$T/fakecurl2"
run env AGENTCRED_CURL="$T/fakecurl2" "$AC" curl "$C" -- -s http://api.example.com/x
t_eq "curl mode, http:// off loopback: exit 2, curl not run" "2:" "$RC:$OUT"
t_contains "...saying plain http" "$ERR" "plain http"
run env AGENTCRED_CURL="$T/fakecurl2" "$AC" curl "$C" -- -s "http://127.0.0.1:$PORT_good/x"
t_eq "curl mode, http:// to loopback: curl runs" "0:ran" "$RC:$OUT"
run env AGENTCRED_CURL="$T/fakecurl2" "$AC" curl-config "$C"
t_not_contains "curl-config output unchanged" "$OUT" "proto-default"
K='{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false,"cluster":{"server":"http://k8s.example.com"}}}'
run env KUBERNETES_EXEC_INFO="$K" "$AC" kube "$C"
t_eq "kube, provideClusterInfo with an http server off loopback: exit 2" 2 "$RC"
t_not_contains "...no token" "$OUT" "token"
run env KUBERNETES_EXEC_INFO="${K/http:\/\/k8s.example.com/https://k8s.example.com}" "$AC" kube "$C"
t_eq "...https: the token" 0 "$RC"

t_done
