#!/bin/bash
# Faults from the keyring and from being killed (issue 6), beyond what
# t-keyring covers (no bus, no provider, locked, frozen, file-store mode,
# symlink, truncation):
#  - the Secret Service process killed in the middle of a call and between
#    calls: exit 3 at once, and once a keyring is back the next call works;
#  - the file store corrupt in various ways (another owner: t-owner):
#    refused with the file named, and its bytes left as they were;
#  - agentcred killed with SIGKILL at random points of refresh-and-store
#    (Secret Service and file store) and of `profile add` (file store):
#    the next call always works and the store stays readable.
# No timing assertions: `timeout` is only a safety net.
. "$(dirname "$0")/../lib.sh"
need secret-tool
keyring_start
emu_start kf oauth_cc
TOKEN_URL="$URL_kf/oauth/token"
SECRET=cc-secret
P="kf-$UNIQ"
SCEN=""
scen() { SCEN="$SCEN
$1: exit $RC"; }

# A margin as long as the lifetime: every call refreshes and stores.
profile_cc "$P" "$TOKEN_URL" "$SECRET" --refresh-margin 3600 --timeout 5
export AGENTCRED_KERNEL_CACHE=0
t_ok "a token with the keyring up" timeout 30 "$AC" token "$P"
keyring_sync	# what the provider holds survives its SIGKILL

# ---- the Secret Service killed in the middle of a call
kill -STOP "$GKD_PID"
timeout 30 "$AC" token "$P" >"$T/mid.out" 2>"$T/mid.err" &
call=$!
sleep 0.5
kill -9 "$GKD_PID"
kill -CONT "$GKD_PID" 2>/dev/null
wait "$call"
RC=$?
t_eq "Secret Service killed mid-call: exit 3" 3 "$RC"
t_eq "...one line" 1 "$(wc -l <"$T/mid.err")"
t_match "...saying what happened" "$(cat "$T/mid.err")" "Secret Service|keyring"
scen "Secret Service SIGSTOPped then SIGKILLed during a token call"
sleep 0.2
t_exit "Secret Service gone between calls: exit 3" 3 timeout 30 "$AC" token "$P"
scen "Secret Service killed between calls"
provider_start "$KR_PASS" || t_fatal "cannot restart $AC_PROVIDER"
t_ok "keyring restarted: the next call works" timeout 30 "$AC" token "$P"
run secret-tool search --all kind client-secret profile "$P"
t_contains "keyring restarted: the client secret is still there" "$OUT$ERR" "client secret for $P"

# killed while `profile add` stores a secret
kill -STOP "$GKD_PID"
printf 'other-secret' | timeout 30 "$AC" profile add "o-$P" --type client-credentials \
	--token-url "$TOKEN_URL" --client-id cc-client --ca-file "$CA" --secret-stdin \
	>/dev/null 2>"$T/add.err" &
call=$!
sleep 0.5
kill -9 "$GKD_PID"
kill -CONT "$GKD_PID" 2>/dev/null
wait "$call"
RC=$?
t_eq "Secret Service killed during profile add: exit 3" 3 "$RC"
scen "Secret Service SIGSTOPped then SIGKILLed during profile add"
provider_start "$KR_PASS" || t_fatal "cannot restart $AC_PROVIDER"
t_ok "...and profile add works once it is back" profile_cc "o-$P" "$TOKEN_URL" "$SECRET"
t_ok "...as does its token" timeout 30 "$AC" token "o-$P"

# ---- SIGKILL of agentcred at random points of refresh and store
# kill_loop NAME N CMD...: run CMD N times, SIGKILL it after 0-300 ms
kill_loop() {
	local name=$1 n=$2 i pid ms
	shift 2
	for i in $(seq "$n"); do
		"$@" >/dev/null 2>&1 &
		pid=$!
		ms=$((RANDOM % 300))
		sleep "$(printf '0.%03d' "$ms")"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}
emu_fault kf '{"path": "/oauth/token", "kind": "delay", "delay": 0.15, "times": -1}' >/dev/null
bad=0
for i in $(seq 15); do
	kill_loop ss 2 "$AC" token "$P"
	timeout 30 "$AC" token "$P" >/dev/null 2>"$T/k.err" || { bad=$((bad + 1)); cat "$T/k.err"; }
done
t_eq "Secret Service: SIGKILL during refresh and store, 30 times: every next call works" 0 "$bad"
run secret-tool search --all profile "$P"
t_contains "Secret Service: still readable after the kills" "$OUT$ERR" "client secret for $P"
RC=0; scen "agentcred SIGKILLed at random during refresh+store (Secret Service), next call"

# SIGKILL during a replacing `profile add`: the item is replaced in place
# (Item.SetSecret; KeePassXC 2.7.4 hangs on a replacing CreateItem), so
# there is always exactly one item, holding the old or the new secret
R="r-$P"
profile_cc "$R" "$TOKEN_URL" "$SECRET" >/dev/null 2>&1
add_from() { exec "$AC" profile add "$R" --type client-credentials --token-url "$TOKEN_URL" \
	--client-id cc-client --ca-file "$CA" --secret-stdin <"$1"; }
# secret-tool itself meets kwalletd5's flaky sessions (an empty read now
# and then, no error): ask it up to three times
lookup_r() {
	local v i
	for i in 1 2 3; do
		v=$(timeout 10 secret-tool lookup kind client-secret profile "$R") && [ -n "$v" ] && break
	done
	printf '%s' "$v"
}
bad=0
for i in $(seq 10); do
	printf 'secret-%s' "$i" >"$T/new-secret"
	kill_loop replace 1 add_from "$T/new-secret"
	n=$(secret-tool search --all kind client-secret profile "$R" 2>&1 | grep -c '^label = ')
	v=$(lookup_r)
	case $v in
	"$SECRET"|secret-[0-9]|secret-10) ;;
	*) bad=$((bad + 1)); echo "# after kill $i: the secret is '${v:0:12}'" ;;
	esac
	[ "$n" = 1 ] || { bad=$((bad + 1)); echo "# after kill $i: $n items"; }
done
t_eq "Secret Service: SIGKILL during a replacing profile add, 10 times: one item, old or new secret" 0 "$bad"
RC=0; scen "agentcred SIGKILLed at random during a replacing profile add (Secret Service)"
printf 'final-secret' >"$T/new-secret"
t_ok "...then the replacement works" timeout 30 "$AC" profile add "$R" --type client-credentials \
	--token-url "$TOKEN_URL" --client-id cc-client --ca-file "$CA" --secret-stdin <"$T/new-secret"
t_eq "...and stores the new secret" final-secret "$(lookup_r)"
t_eq "...in one item" 1 "$(secret-tool search --all kind client-secret profile "$R" 2>&1 | grep -c '^label = ')"

keyring_stop
export DBUS_SESSION_BUS_ADDRESS=disabled: AGENTCRED_KEYRING=file
S=$XDG_DATA_HOME/agentcred/secrets.json
F="f-$UNIQ"
profile_cc "$F" "$TOKEN_URL" "$SECRET" --refresh-margin 3600 --timeout 5
profile_cc "keep-$F" "$TOKEN_URL" "$SECRET"
bad=0
for i in $(seq 15); do
	kill_loop file 2 "$AC" token "$F"
	timeout 30 "$AC" token "$F" >/dev/null 2>"$T/k.err" || { bad=$((bad + 1)); cat "$T/k.err"; }
done
t_eq "file store: SIGKILL during refresh and store, 30 times: every next call works" 0 "$bad"
RC=0; scen "agentcred SIGKILLed at random during refresh+store (file store), next call"
emu_reset kf >/dev/null
bad=0
for i in $(seq 15); do
	kill_loop add 2 sh -c "printf '%s' '$SECRET' | '$AC' profile add 'a-$F' --type client-credentials \
		--token-url '$TOKEN_URL' --client-id cc-client --ca-file '$CA' --secret-stdin"
	profile_cc "a-$F" "$TOKEN_URL" "$SECRET" 2>"$T/k.err" || { bad=$((bad + 1)); cat "$T/k.err"; }
done
t_eq "file store: SIGKILL during profile add, 30 times: the next add works" 0 "$bad"
RC=0; scen "agentcred SIGKILLed at random during profile add (file store), next add"
t_ok "file store: parses after the kills" "$PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$S"
t_eq "file store: still 0600" 600 "$(stat -c %a "$S")"
t_ok "file store: the untouched profile still works" timeout 30 "$AC" token "keep-$F"
t_ok "file store: and so does the added one" timeout 30 "$AC" token "a-$F"
n=$("$PY" -c '
import json, sys
print(sum(1 for i in json.load(open(sys.argv[1]))["items"]
          if i["attributes"].get("kind") == "client-secret"))' "$S")
t_eq "file store: three client secrets, no duplicates" 3 "$n"
# a writer killed between create and rename leaves a temporary copy of
# every secret; the next writer (holding the lock) removes it
t_eq "file store: no temporary file left by the killed writers" 0 \
	"$(find "$XDG_DATA_HOME/agentcred" -name '.secrets.json.*' | wc -l)"
printf 'leftover-secret' >"$XDG_DATA_HOME/agentcred/.secrets.json.99999.1"
chmod 600 "$XDG_DATA_HOME/agentcred/.secrets.json.99999.1"
t_ok "file store: a store with a planted leftover" profile_cc "a-$F" "$TOKEN_URL" "$SECRET"
t_eq "file store: the leftover is removed" 0 \
	"$(find "$XDG_DATA_HOME/agentcred" -name '.secrets.json.*' | wc -l)"

# ---- the file store refused: wrong owner, corrupt in various ways;
# each time a store attempt must leave the bytes as they were
cp "$S" "$T/good.json"
# refused NAME: token and a store both fail with exit 3, naming the file,
# and the file's bytes are unchanged
refused() {
	local name=$1
	cp "$S" "$T/before"
	run timeout 30 "$AC" token "keep-$F"
	t_eq "$name: token exit 3" 3 "$RC"
	t_contains "$name: names the file" "$ERR" "$S"
	t_eq "$name: one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
	scen "file store $name, token"
	run sh -c "printf x | '$AC' profile add 'n-$F' --type client-credentials --token-url '$TOKEN_URL' --client-id c --secret-stdin"
	t_eq "$name: store exit 3" 3 "$RC"
	scen "file store $name, profile add"
	t_ok "$name: bytes unchanged" cmp -s "$S" "$T/before"
}
# (owned by another user: t-owner, which runs with two users)
chmod 640 "$S"; refused "mode 0640"; chmod 600 "$S"
chmod 604 "$S"; refused "mode 0604"; chmod 600 "$S"
printf '\x00\xff\xfegarbage' >"$S"; refused "binary garbage"
printf '{"version": 1, "items": 5}' >"$S"; refused "items not a list"
printf '{"version": 1, "items": [{"label": 7}]}' >"$S"; refused "an item without fields"
printf '{"version": 99, "items": []}' >"$S"; refused "an unknown version"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$S"; refused "over the size limit"
rm "$S"; mkdir "$S"; run timeout 30 "$AC" token "keep-$F"
t_eq "file store is a directory: exit 3" 3 "$RC"; scen "file store is a directory, token"
rmdir "$S"
cp "$T/good.json" "$S"
t_ok "file store restored: the token again" timeout 30 "$AC" token "keep-$F"

printf '%s\n' "# scenarios:$SCEN" | sed '2,$s/^/#   /'
t_done
