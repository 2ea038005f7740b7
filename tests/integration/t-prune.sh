#!/bin/bash
# The durable cache level stays bounded (issue 13; README.md "How it
# works"): storing a token deletes that profile's expired token items, in
# the Secret Service and in the file store, and the lock files of their
# keys; another profile's items are left alone; an OBO profile serving new
# users round after round keeps about one round's worth of items.
. "$(dirname "$0")/../lib.sh"
need secret-tool
keyring_start
# Time is simulated, not slept: at HOUR moves the emulators' clocks and
# agentcred's (AGENTCRED_TEST_NOW, test builds) HOUR hours ahead; tokens
# live half an hour, so each hour expires the previous one's.
emu_start oa oauth_cc lifetime=1800
emu_start en entra lifetime=1800
BASE=$(date +%s)
at() {
	emu_set oa "{\"clock_offset\": $(($1 * 3600))}" >/dev/null
	emu_set en "{\"clock_offset\": $(($1 * 3600))}" >/dev/null
	export AGENTCRED_TEST_NOW=$((BASE + $1 * 3600))
}
grep -q AGENTCRED_TEST_NOW "$AC" || t_fatal "$AC is not a test build"
TENANT=contoso.example
BP=b1b1b1b1-0000-4000-8000-000000000001
AG=a9a9a9a9-0000-4000-8000-000000000002
P="pr-$UNIQ"
P2="pr2-$UNIQ"

ss_tokens() { secret-tool search --all kind token profile "$1" 2>/dev/null | grep -c '^label = '; }
fs_tokens() {
	"$PY" -c '
import json, sys
try:
    items = json.load(open(sys.argv[1]))["items"]
except FileNotFoundError:
    items = []
print(sum(1 for i in items if i["attributes"].get("kind") == "token"
          and i["attributes"].get("profile") == sys.argv[2]))' \
		"$XDG_DATA_HOME/agentcred/secrets.json" "$1"
}
locks() { find "$XDG_RUNTIME_DIR/agentcred" -maxdepth 1 -name '*.lock' | wc -l; }
# user_jwt OID: a JWT-shaped user token for the blueprint, valid 10 days
user_jwt() {
	"$PY" -c '
import base64, json, sys, time, os
e = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
c = {"aud": sys.argv[1], "oid": sys.argv[2], "upn": sys.argv[2] + "@contoso.example",
     "exp": int(time.time()) + 10 * 86400, "nonce": e(os.urandom(8))}
print(e(b"{\"typ\":\"JWT\",\"alg\":\"RS256\"}") + "." + e(json.dumps(c).encode()) + "." + e(os.urandom(32)))' "$BP" "$1"
}

# scopes_round PROFILE N TAG: N tokens of distinct scopes, each stored
scopes_round() {
	local i
	for i in $(seq "$2"); do "$AC" token "$1" --scope "$3-$i" >/dev/null || return 1; done
}

for store in secret-service file; do
	if [ $store = file ]; then
		export AGENTCRED_KEYRING=file
		count=fs_tokens
	else
		count=ss_tokens
	fi
	Q="$P-$store" Q2="$P2-$store"
	profile_cc "$Q" "$URL_oa/oauth/token" cc-secret --refresh-margin 1 >/dev/null
	profile_cc "$Q2" "$URL_oa/oauth/token" cc-secret --refresh-margin 1 >/dev/null
	rm -f "$XDG_RUNTIME_DIR"/agentcred/*.lock
	at 0
	t_ok "$store: 20 scopes fetched once" scopes_round "$Q" 20 a
	t_ok "$store: one token of another profile" "$AC" token "$Q2"
	t_eq "$store: 20 token items" 20 "$($count "$Q")"
	t_eq "$store: 21 lock files" 21 "$(locks)"
	at 1	# every one of them has expired
	t_ok "$store: one more token stored" "$AC" token "$Q" --scope fresh
	t_eq "$store: the 20 expired items are gone, the new one stays" 1 "$($count "$Q")"
	t_eq "$store: another profile's expired item is left alone" 1 "$($count "$Q2")"
	t_eq "$store: the lock files of the pruned keys are gone" 2 "$(locks)"
	# over time: 3 rounds of 10 new scopes an hour apart; never more than
	# a round's worth (+1) of items at a time
	max=0
	for r in 1 2 3; do
		at $((r + 1))
		scopes_round "$Q" 10 "r$r" || t_failmsg "$store: round $r"
		n=$($count "$Q")
		[ "$n" -gt "$max" ] && max=$n
	done
	t_ok "$store: 30 scopes over 3 rounds: at most 11 items at a time (saw $max)" test "$max" -le 11
	t_ok "$store: ... and at least one round's worth" test "$max" -ge 10
	"$AC" forget "$Q" >/dev/null; "$AC" forget "$Q2" >/dev/null
done
unset AGENTCRED_KEYRING
at 10

# ---- OBO: new users round after round (T1 and T2 are shared, one final
# token per user); the Secret Service keeps about one round's worth
PO="obo-$UNIQ"
printf 'bp-secret' | "$AC" profile add "$PO" --type entra-agent --tenant "$TENANT" \
	--blueprint-app-id "$BP" --agent-app-id "$AG" --authority "$URL_en" \
	--ca-file "$CA" --secret-stdin --mode obo >/dev/null || t_fatal "profile add (obo)"
max=0
for r in 1 2 3; do
	at $((r + 10))
	for u in $(seq 10); do
		user_jwt "user-$r-$u" >"$T/u"
		"$AC" token "$PO" --user-token-file "$T/u" >/dev/null 2>"$T/obo.err" ||
			t_failmsg "obo round $r user $u" "$(cat "$T/obo.err")"
	done
	n=$(ss_tokens "$PO")
	[ "$n" -gt "$max" ] && max=$n
done
echo "# obo: at most $max token items at a time"
t_ok "obo: 30 users over 3 rounds: at most a round's worth of items (+T1, T2) at a time" \
	test "$max" -le 13
t_ok "obo: ... and the round's users are all there" test "$max" -ge 10
t_done
