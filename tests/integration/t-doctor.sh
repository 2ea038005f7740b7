#!/bin/bash
# doctor and status (issue 8).  doctor names each broken condition on its
# own line with a fix — no bus, no Secret Service, a locked keyring, a
# missing secret, an unset secret_env, a bad config, an unreachable token
# URL, a wrong clock — never hangs, and exits 0 when all is well.  status
# shows name, type, secret present (never the value) and the cached
# token's expiry and level, as a table and as JSON.
. "$(dirname "$0")/../lib.sh"
need timeout
CONF=$XDG_CONFIG_HOME/agentcred/config.json
mkdir -p "$(dirname "$CONF")"
P=doc-$UNIQ

# doctor_run [ENV=V ...] [ARGS]: doctor with a deadline; $OUT $ERR $RC
doctor_run() { run timeout 30 env "$@"; }
# line WHAT: doctor's line about WHAT (second column)
line() { printf '%s\n' "$OUT" | awk -v w="$1" '$2 == w'; }

# ---- no D-Bus session (lib.sh sets DBUS_SESSION_BUS_ADDRESS=disabled:)
doctor_run "$AC" doctor
t_eq "no bus: exit 1" 1 "$RC"
t_match "no bus: d-bus line" "$(line d-bus)" '^FAIL +d-bus +no D-Bus session'
t_contains "no bus: says what to do" "$(line d-bus)" "--keyring file"
t_match "no bus: keyring line fails" "$(line keyring)" '^FAIL +keyring '
t_match "no bus: config line ok" "$(line config)" '^ok +config '
t_contains "no bus: summary on stderr" "$ERR" "failed — see the lines above"
doctor_run DBUS_SESSION_BUS_ADDRESS= "$AC" doctor
t_contains "bus unset: d-bus line says unset" "$(line d-bus)" "unset"
doctor_run "$AC" --keyring file doctor
t_match "file store: no bus needed" "$(line keyring)" '^ok +keyring +file store'
t_eq "file store: exit 0" 0 "$RC"

# ---- a bus without a Secret Service
noprovider_start
doctor_run "$AC" doctor
t_eq "no Secret Service: exit 1" 1 "$RC"
t_match "no Secret Service: bus ok" "$(line d-bus)" '^ok +d-bus '
t_match "no Secret Service: keyring line" "$(line keyring)" '^FAIL +keyring +.*[Ss]ecret [Ss]ervice'
t_eq "no Secret Service: only the keyring fails" 1 "$(printf '%s\n' "$OUT" | grep -c '^FAIL')"
kill $_BUS_PIDS 2>/dev/null; _BUS_PIDS=

# ---- a locked keyring: reported at once, no prompt, no hang
keyring_start_locked
start=$(date +%s)
doctor_run "$AC" doctor
t_eq "locked: exit 1" 1 "$RC"
t_match "locked: keyring line says locked" "$(line keyring)" '^FAIL +keyring +.*locked'
t_ok "locked: answered within 10 s" test $(($(date +%s) - start)) -lt 10
keyring_stop
kill $_BUS_PIDS 2>/dev/null; _BUS_PIDS=

# ---- an unlocked keyring: all is well, then one broken thing at a time
keyring_start
doctor_run "$AC" doctor
t_eq "all well (no profiles): exit 0" 0 "$RC"
t_eq "all well: no FAIL line" "" "$(printf '%s\n' "$OUT" | grep '^FAIL')"
case $AC_PROVIDER in gnome) PNAME=gnome-keyring ;; keepassxc) PNAME=KeePassXC ;; kwallet) PNAME=KWallet ;; esac
t_match "all well: keyring reachable" "$(line keyring)" "^ok +keyring +secret-service \\($PNAME\\) reachable, default collection unlocked"
t_match "all well: fast cache in the runtime directory" "$(line fast-cache)" \
	'^ok +fast-cache +runtime-directory files on tmpfs \(a private tmpfs runtime directory\): [0-9]+ tokens'
# no tmpfs runtime directory: the kernel keyring, its budget named
mkdir -m 700 "$T/diskrun"
doctor_run XDG_RUNTIME_DIR="$T/diskrun" "$AC" doctor
t_match "disk runtime directory: the kernel keyring within a quarter of the quota" "$(line fast-cache)" \
	'^ok +fast-cache +kernel user keyring \(the runtime directory is not a tmpfs.*\): [0-9]+ of [0-9]+ keys, [0-9]+ of [0-9]+ bytes \(a quarter'
t_match "all well: clock" "$(line clock)" '^ok +clock '

emu_start oa oauth_cc
t_ok "profile add" profile_cc "$P" "$URL_oa/oauth/token" cc-secret
doctor_run "$AC" doctor
t_eq "with a stored secret: exit 0" 0 "$RC"
t_match "secret stored line" "$(line "$P")" "^ok +$P +secret stored"
t_not_contains "doctor never prints the secret" "$OUT$ERR" "cc-secret"

# missing secret: a profile written to the config by hand
"$PY" - "$CONF" "nosecret-$UNIQ" "$URL_oa/oauth/token" <<'EOF'
import json, sys
path, name, url = sys.argv[1:]
c = json.load(open(path))
c["profiles"][name] = {"type": "client-credentials", "token_url": url, "client_id": "x"}
c["profiles"]["env-" + name] = {"type": "client-credentials", "token_url": url,
                                "client_id": "x", "secret_env": "DOC_SECRET_" + name.replace("-", "_")}
json.dump(c, open(path, "w"))
EOF
ENVVAR=DOC_SECRET_nosecret_${UNIQ//-/_}
doctor_run "$AC" doctor
t_eq "missing secret: exit 1" 1 "$RC"
t_match "missing secret: its line" "$(line "nosecret-$UNIQ")" \
	"^FAIL +nosecret-$UNIQ +no secret stored — run: agentcred profile add nosecret-$UNIQ"
t_match "unset secret_env: its line" "$(line "env-nosecret-$UNIQ")" \
	"^FAIL +env-nosecret-$UNIQ +\\\$$ENVVAR is not set"
t_match "other profile still ok" "$(line "$P")" "^ok +$P "
doctor_run "$ENVVAR=s3cr3t-$UNIQ" "$AC" doctor
t_match "secret_env set: ok" "$(line "env-nosecret-$UNIQ")" "^ok +env-nosecret-$UNIQ +secret from"
t_not_contains "secret_env value never printed" "$OUT$ERR" "s3cr3t-$UNIQ"
"$AC" profile remove "nosecret-$UNIQ" >/dev/null 2>&1
"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); c["profiles"].pop(sys.argv[2]); json.dump(c, open(sys.argv[1], "w"))' \
	"$CONF" "env-nosecret-$UNIQ"
doctor_run "$AC" doctor
t_eq "fixed again: exit 0" 0 "$RC"

# bad config: an unknown key
cp "$CONF" "$T/good.json"
"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); c["profiles"][sys.argv[2]]["colour"]="red"; json.dump(c, open(sys.argv[1], "w"))' \
	"$CONF" "$P"
doctor_run "$AC" doctor
t_eq "bad config: exit 1" 1 "$RC"
t_match "bad config: config line names the key" "$(line config)" '^FAIL +config +.*unknown key "colour"'
t_match "bad config: keyring still checked" "$(line keyring)" '^ok +keyring '
printf '{"profiles": {' >"$CONF"
doctor_run "$AC" doctor
t_match "broken JSON: config line" "$(line config)" '^FAIL +config '
cp "$T/good.json" "$CONF"

# kernel cache off: a warning, not a failure
doctor_run AGENTCRED_KERNEL_CACHE=0 "$AC" doctor
t_match "kernel cache off: warn line" "$(line fast-cache)" '^warn +fast-cache +disabled'
t_eq "kernel cache off: exit 0" 0 "$RC"

# --online: the token URL answers over TLS; the clock agrees with Date
doctor_run "$AC" doctor --online
t_eq "online: exit 0" 0 "$RC"
t_match "online: endpoint reachable" "$(line "$P/online")" "^ok +$P/online +.* answers over TLS"
case $AC in
*/san/*)
	doctor_run AGENTCRED_TEST_NOW=$(($(date +%s) + 3600)) "$AC" doctor --online
	t_eq "online, clock an hour fast: exit 1" 1 "$RC"
	t_match "online: clock line" "$(printf '%s\n' "$OUT" | grep 'differs')" '^FAIL +clock +local clock differs'
	doctor_run AGENTCRED_TEST_NOW=1000000000 "$AC" doctor
	t_match "implausible clock" "$(line clock)" '^FAIL +clock +system time is implausible'
	;;
esac
t_exit "doctor --bogus: usage" 2 "$AC" doctor --bogus
printf '{"profiles": {"%s": {"type": "client-credentials", "token_url": "https://127.0.0.1:1/t", "client_id": "x", "secret_env": "X_%s"}}}' \
	"off-$UNIQ" "${UNIQ//-/_}" >"$T/off.json"
doctor_run "X_${UNIQ//-/_}=x" "$AC" --config "$T/off.json" doctor --online
t_match "online: unreachable token URL" "$(line "off-$UNIQ/online")" "^FAIL +off-$UNIQ/online "

# ---- a slow fetch says so on a terminal, and only there
if command -v script >/dev/null 2>&1; then
	"$AC" forget "$P" >/dev/null
	emu_fault oa '{"path": "/oauth/token", "kind": "delay", "delay": 2, "times": 1}' >/dev/null
	run script -qec "'$AC' token '$P'" /dev/null
	t_eq "slow fetch on a tty: exit 0" 0 "$RC"
	t_contains "slow fetch on a tty: waiting message" "$OUT" "agentcred: $P: waiting for 127.0.0.1..."
	"$AC" forget "$P" >/dev/null
	run script -qec "'$AC' token '$P'" /dev/null
	t_not_contains "fast fetch on a tty: no message" "$OUT" "waiting for"
	"$AC" forget "$P" >/dev/null
	emu_fault oa '{"path": "/oauth/token", "kind": "delay", "delay": 2, "times": 1}' >/dev/null
	run script -qec "'$AC' -q token '$P'" /dev/null
	t_not_contains "slow fetch with -q: no message" "$OUT" "waiting for"
	"$AC" forget "$P" >/dev/null
	emu_fault oa '{"path": "/oauth/token", "kind": "delay", "delay": 2, "times": 1}' >/dev/null
	run "$AC" token "$P"
	t_eq "slow fetch, stderr not a terminal: stderr empty" "" "$ERR"
	t_match "slow fetch, not a terminal: token printed" "$OUT" '^[A-Za-z0-9_.-]+$'
fi

# ---- status: table and JSON
t_ok "token (fills the cache)" "$AC" token "$P"
TOK=$OUT
"$PY" - "$CONF" "$P" <<'EOF'
import json, sys
path, name = sys.argv[1:]
c = json.load(open(path))
c["profiles"]["nosec-" + name] = dict(c["profiles"][name])
json.dump(c, open(path, "w"))
EOF
t_ok "status" "$AC" status
t_match "status header" "$(printf '%s\n' "$OUT" | head -1)" '^PROFILE +TYPE +SECRET +CACHE +TOKEN EXPIRES'
t_match "status row: secret yes, fast cache, local time, relative" \
	"$(printf '%s\n' "$OUT" | awk -v p="$P" '$1 == p')" \
	"^$P +client-credentials +yes +fast +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} .*\\(in [0-9]+ (min|h)"
t_match "status row: no secret, no token" "$(printf '%s\n' "$OUT" | awk -v p="nosec-$P" '$1 == p')" \
	"^nosec-$P +client-credentials +no +none +-"
t_not_contains "status shows no secret" "$OUT" "cc-secret"
t_not_contains "status shows no token" "$OUT" "$TOK"

t_ok "status --json" "$AC" status --json
J=$OUT
t_ok "status --json is JSON" "$PY" -c 'import json,sys; json.loads(sys.argv[1])' "$J"
row() { json_get "$J" "[p for p in j['profiles'] if p['name'] == '$1'][0]['$2']"; }
t_eq "json: type" client-credentials "$(row "$P" type)"
t_eq "json: secret yes" yes "$(row "$P" secret)"
t_eq "json: secret no" no "$(row "nosec-$P" secret)"
t_eq "json: cache fast" fast "$(row "$P" cache)"
t_eq "json: fast_cache level" runtime-dir "$(json_get "$J" "j['fast_cache']['level']")"
t_match "json: fast_cache tokens" "$(json_get "$J" "j['fast_cache']['tokens']")" '^[1-9][0-9]*$'
t_match "status: the fast cache line" "$("$AC" status | tail -1)" '^fast cache: runtime-dir \(a private tmpfs runtime directory\): [0-9]+ tokens, [0-9]+ bytes$'
t_match "json: token_expires_at RFC 3339" "$(row "$P" token_expires_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
t_match "json: token_expires_in ~ an hour" "$(row "$P" token_expires_in)" '^3[0-9]{3}$'
t_eq "json: no token: null expiry" null "$(json_get "$J" "[p for p in j['profiles'] if p['name'] == 'nosec-$P'][0]['token_expires_at']")"
t_not_contains "json: no secret" "$J" "cc-secret"
t_not_contains "json: no token" "$J" "$TOK"
AGENTCRED_KERNEL_CACHE=0 run "$AC" status --json
J=$OUT
t_eq "json: keyring level when the kernel cache is off" keyring "$(row "$P" cache)"

# status documents its fields: every JSON field is in the man page
MANTXT=$(LC_ALL=C MANWIDTH=1000 man --nh --nj -l "$TOP/contrib/agentcred.1" 2>/dev/null | col -bx)
for f in $(json_get "$J" '" ".join(sorted(j["profiles"][0]))') config profiles fast_cache; do
	t_contains "man page documents status field $f" "$MANTXT" "'$f'"
done

t_done
