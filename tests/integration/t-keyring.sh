#!/bin/bash
# The keyring layer through the binary (README.md, "Design: keyring layout", issue 2 and 6):
# items, labels and attributes as Seahorse/secret-tool show them, no
# secret in any attribute or label; no bus, no provider, a locked or a
# frozen keyring fail with exit 3 and a message, never hang; the file
# store's modes and its refusal of unsafe or corrupt files.
# A FoundationaLLM profile is used: its token is static, so no HTTP.
. "$(dirname "$0")/../lib.sh"
need secret-tool

export AGENTCRED_KERNEL_CACHE=0	# every lookup goes to the keyring
TOK=keya.35.qWFSe4Bi.cQBz.S3cr3tPart.ayek	# shape-valid, made up
API=https://core.example.com/instances/x
P="kr-$UNIQ"

add_fllm() {	# NAME [agentcred options]
	local name=$1; shift
	printf '%s' "$TOK" | "$AC" "$@" profile add "$name" --type foundationallm \
		--api-url "$API" --secret-stdin
}

# run_timed CMD...: run, and $MS = elapsed milliseconds
run_timed() {
	local s
	s=$(date +%s%N)
	run timeout 20 "$@"
	MS=$(( ($(date +%s%N) - s) / 1000000 ))
}

# ---- Secret Service: items, labels, attributes
keyring_start
t_ok "profile add" add_fllm "$P"
run "$AC" token "$P"
t_eq "token from the keyring" "$TOK" "$OUT"
run secret-tool search --all profile "$P"
printf '%s\n' "$OUT" "$ERR" >"$T/items.txt"
t_contains "client secret label" "$OUT$ERR" "label = agentcred: client secret for $P"
t_contains "token label" "$OUT$ERR" "label = agentcred: token for $P (default scope)"
t_contains "schema" "$OUT$ERR" "schema = org.agentcred.Secret"
t_contains "kind client-secret" "$OUT$ERR" "attribute.kind = client-secret"
t_contains "kind token" "$OUT$ERR" "attribute.kind = token"
t_match "token key is a SHA-256" "$OUT$ERR" "attribute.key = [0-9a-f]{64}"
# KeePassXC gives every item Title, UserName, URL, Notes, Path and Uuid
grep -E '^(label|attribute\.)' "$T/items.txt" |
	grep -vE '^attribute\.(Title|UserName|URL|Notes|Path|Uuid) ' >"$T/meta.txt"
grep -E '^(label|attribute\.)' "$T/items.txt" >"$T/allmeta.txt"
t_eq "two items, five attributes, two labels" 7 "$(wc -l <"$T/meta.txt")"
assert_no_secret "no secret in labels or attributes" "$T/allmeta.txt" "$TOK" S3cr3tPart

t_ok "forget" "$AC" forget "$P"
run secret-tool search --all kind token profile "$P"
t_eq "forget drops the token item" "" "$OUT"
run secret-tool search --all kind client-secret profile "$P"
t_contains "forget keeps the secret" "$OUT$ERR" "client secret for $P"

# re-adding (a new secret) drops the profile's tokens, not others'
t_ok "token again" "$AC" token "$P"
t_ok "second profile" add_fllm "o-$P"
t_ok "its token" "$AC" token "o-$P"
t_ok "profile add again" add_fllm "$P"
run secret-tool search --all kind token profile "$P"
t_eq "new secret drops cached tokens" "" "$OUT"
run secret-tool search --all kind token profile "o-$P"
t_contains "other profile's token kept" "$OUT$ERR" "token for o-$P"

t_ok "profile remove" "$AC" profile remove "o-$P"
run secret-tool search --all profile "o-$P"
t_eq "remove deletes every item of the profile" "" "$OUT"
t_exit "unknown --keyring: exit 2" 2 "$AC" --keyring nosuch token "$P"

# ---- a frozen Secret Service: the watchdog ends the call
t_ok "token for the frozen case" "$AC" token "$P"
kill -STOP "$GKD_PID"
run_timed "$AC" token "$P"
kill -CONT "$GKD_PID"
t_eq "frozen keyring: exit 3" 3 "$RC"
t_contains "frozen keyring: says so" "$ERR" "did not answer"
t_match "frozen keyring: ends at the deadline (${MS} ms)" "$MS" '^[0-9]{1,4}$|^1[0-4][0-9]{3}$'

# ---- locked: the same keyring, daemon restarted with another password
keyring_restart "another-password"
run_timed "$AC" token "$P"
t_eq "locked keyring: exit 3" 3 "$RC"
t_contains "locked keyring: says what to do" "$ERR" "the keyring is locked — unlock it"
t_match "locked keyring: fails at once (${MS} ms)" "$MS" '^[0-9]{1,3}$|^[1-3][0-9]{3}$'
add_fllm "n-$P" >/dev/null 2>&1
t_eq "locked keyring: profile add refused with exit 3" 3 "$?"
run "$AC" profile remove "$P"
t_eq "locked keyring: profile remove exit 3" 3 "$RC"
run "$AC" forget "$P"
t_eq "locked keyring: forget exit 3" 3 "$RC"

# ---- the daemon gone: a bus without a Secret Service
kill -9 "$GKD_PID"
sleep 0.2
run_timed "$AC" token "$P"
t_eq "no Secret Service: exit 3" 3 "$RC"
t_contains "no Secret Service: says what to do" "$ERR" "no Secret Service on the D-Bus session bus"
t_match "no Secret Service: fails at once (${MS} ms)" "$MS" '^[0-9]{1,3}$|^[1-3][0-9]{3}$'

# ---- no bus at all
DBUS_SESSION_BUS_ADDRESS=disabled: run_timed "$AC" token "$P"
t_eq "no D-Bus: exit 3" 3 "$RC"
t_contains "no D-Bus: says what to do" "$ERR" "no D-Bus session — start a desktop keyring (gnome-keyring-daemon) or use --keyring file"
t_match "no D-Bus: fails at once (${MS} ms)" "$MS" '^[0-9]{1,3}$|^[1-3][0-9]{3}$'
env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$T/nonexistent" "$AC" token "$P" >/dev/null 2>&1
t_eq "unset bus address: exit 3" 3 "$?"

# ---- the file store
export DBUS_SESSION_BUS_ADDRESS=disabled:
S=$XDG_DATA_HOME/agentcred/secrets.json
F="f-$UNIQ"
t_ok "file store: profile add" add_fllm "$F" --keyring file
t_eq "file store: dir 0700" 700 "$(stat -c %a "$XDG_DATA_HOME/agentcred")"
t_eq "file store: file 0600" 600 "$(stat -c %a "$S")"
run env AGENTCRED_KEYRING=file "$AC" token "$F"
t_eq "file store: token via AGENTCRED_KEYRING" "$TOK" "$OUT"
run "$PY" -c '
import json, sys
for i in json.load(open(sys.argv[1]))["items"]:
    print(i["schema"], i["label"], *sorted(i["attributes"].items()))' "$S"
t_contains "file store: client secret item" "$OUT" "org.agentcred.Secret agentcred: client secret for $F ('kind', 'client-secret') ('profile', '$F')"
t_contains "file store: token item" "$OUT" "agentcred: token for $F (default scope)"
printf '%s\n' "$OUT" >"$T/fmeta.txt"
assert_no_secret "file store: no secret in labels or attributes" "$T/fmeta.txt" "$TOK" S3cr3tPart

chmod 644 "$S"
run "$AC" --keyring file token "$F"
t_eq "file store 0644: exit 3" 3 "$RC"
t_contains "file store 0644: says how to fix" "$ERR" "chmod 600 $S"
chmod 600 "$S"
chmod 755 "$XDG_DATA_HOME/agentcred"
run "$AC" --keyring file token "$F"
t_eq "file store dir 0755: exit 3" 3 "$RC"
chmod 700 "$XDG_DATA_HOME/agentcred"

mv "$S" "$T/real.json"
ln -s "$T/real.json" "$S"
cp "$T/real.json" "$T/real.before"
run "$AC" --keyring file token "$F"
t_eq "file store symlink: exit 3" 3 "$RC"
t_contains "file store symlink: says so" "$ERR" "symlink"
add_fllm "g-$F" --keyring file >/dev/null 2>&1
t_eq "file store symlink: store refused" 3 "$?"
t_ok "file store symlink: target untouched" cmp -s "$T/real.json" "$T/real.before"
rm "$S"
mv "$T/real.json" "$S"

cp "$S" "$T/good.json"
head -c 100 "$T/good.json" >"$S"
cp "$S" "$T/trunc.json"
run "$AC" --keyring file token "$F"
t_eq "file store truncated: exit 3" 3 "$RC"
t_contains "file store truncated: names the file" "$ERR" "$S is corrupt"
add_fllm "h-$F" --keyring file >/dev/null 2>&1
t_eq "file store truncated: store refused" 3 "$?"
t_ok "file store truncated: not overwritten" cmp -s "$S" "$T/trunc.json"
cp "$T/good.json" "$S"
run "$AC" --keyring file token "$F"
t_eq "file store repaired: token again" "$TOK" "$OUT"

t_ok "file store: profile remove" "$AC" --keyring file profile remove "$F"
t_eq "file store: items gone" 0 "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$S")"

t_done
