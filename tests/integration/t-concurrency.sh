#!/bin/bash
# Concurrency (issue 6, README.md, "Design: the cache"): N cold callers of one cache key make
# one token request (check → fetch → store under a per-key flock, the cache
# read again once the lock is held); a holder killed with SIGKILL releases
# the lock; a caller waiting behind a stuck holder gives up at its timeout
# with exit 5 and a message.  Everything runs twice: with the kernel cache
# (the second level is then hardly used) and with AGENTCRED_KERNEL_CACHE=0
# (every waiter reads the Secret Service after the lock).
#
# The emulator delays the first answer so that the callers really overlap.
# No timing assertions: `timeout` is only a safety net.
. "$(dirname "$0")/../lib.sh"
keyring_start
emu_start cu oauth_cc
TOKEN_URL="$URL_cu/oauth/token"
export CU_SECRET=cc-secret

cc() {	# NAME [options]
	local name=$1; shift
	"$AC" profile add "$name" --type client-credentials --token-url "$TOKEN_URL" \
		--client-id cc-client --ca-file "$CA" --secret-env CU_SECRET "$@" </dev/null
}

# wait_posts N: until the emulator has received N token requests (≤ 10 s)
wait_posts() {
	local i=0
	until [ "$(emu_count cu /oauth/token)" -ge "$1" ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
}

for kc in 1 0; do
	export AGENTCRED_KERNEL_CACHE=$kc
	tag="kernel cache $([ $kc = 1 ] && echo on || echo off)"

	# ---- 64 cold callers, one profile
	P="one-$kc-$UNIQ"
	cc "$P"
	emu_reset cu >/dev/null
	emu_fault cu '{"path": "/oauth/token", "kind": "delay", "delay": 0.5, "times": 1}' >/dev/null
	mkdir -p "$T/c1-$kc"
	pids=()
	for i in $(seq 64); do
		timeout 60 "$AC" token "$P" >"$T/c1-$kc/$i.out" 2>"$T/c1-$kc/$i.err" &
		pids+=($!)
	done
	fails=0
	for j in "${pids[@]}"; do wait "$j" || fails=$((fails + 1)); done
	t_eq "$tag: 64 callers of one profile all succeed" 0 "$fails"
	t_eq "$tag: exactly one token request" 1 "$(emu_count cu /oauth/token)"
	t_eq "$tag: one distinct token among 64 answers" 1 "$(cat "$T/c1-$kc"/*.out | sort -u | wc -l)"
	t_eq "$tag: 64 answers" 64 "$(cat "$T/c1-$kc"/*.out | wc -l)"
	# (a killed caller's delayed request below may add a token later:
	# the answer must be one the server issued, not the only one)
	t_eq "$tag: it is an issued token" true \
		"$(emu_state cu "'$(head -1 "$T/c1-$kc/1.out")' in s['tokens']")"
	t_eq "$tag: nothing on stderr" "" "$(cat "$T/c1-$kc"/*.err)"

	# ---- 64 callers over 8 profiles
	for p in 1 2 3 4 5 6 7 8; do cc "m$p-$kc-$UNIQ"; done
	emu_reset cu >/dev/null
	emu_fault cu '{"path": "/oauth/token", "kind": "delay", "delay": 0.5, "times": 8}' >/dev/null
	mkdir -p "$T/c8-$kc"
	pids=()
	for i in $(seq 64); do
		p=$(( (i % 8) + 1 ))
		timeout 60 "$AC" token "m$p-$kc-$UNIQ" >"$T/c8-$kc/$p.$i.out" 2>"$T/c8-$kc/$p.$i.err" &
		pids+=($!)
	done
	fails=0
	for j in "${pids[@]}"; do wait "$j" || fails=$((fails + 1)); done
	t_eq "$tag: 64 callers over 8 profiles all succeed" 0 "$fails"
	t_eq "$tag: 8 token requests" 8 "$(emu_count cu /oauth/token)"
	t_eq "$tag: 8 distinct tokens" 8 "$(cat "$T/c8-$kc"/*.out | sort -u | wc -l)"
	same=0
	for p in 1 2 3 4 5 6 7 8; do
		[ "$(cat "$T/c8-$kc/$p".*.out | sort -u | wc -l)" = 1 ] && same=$((same + 1))
	done
	t_eq "$tag: each profile's 8 callers got one token" 8 "$same"

	# ---- the lock holder dies: the lock goes with it
	P="die-$kc-$UNIQ"
	cc "$P" --timeout 10
	emu_reset cu >/dev/null
	emu_fault cu '{"path": "/oauth/token", "kind": "delay", "delay": 5, "times": 1}' >/dev/null
	timeout 60 "$AC" token "$P" >/dev/null 2>&1 &
	holder=$!
	t_ok "$tag: the holder is inside its request" wait_posts 1
	# the timeout(1) wrapper's child is the agentcred that holds the lock
	kill -9 $(pgrep -P "$holder") 2>/dev/null
	wait "$holder" 2>/dev/null
	t_exit "$tag: after the holder's SIGKILL the next caller succeeds" 0 \
		timeout 30 "$AC" token "$P"
	t_eq "$tag: ...with its own request" 2 "$(emu_count cu /oauth/token)"

	# ---- a stuck holder: the waiter gives up at its timeout
	P="stuck-$kc-$UNIQ"
	cc "$P" --timeout 2
	emu_reset cu >/dev/null
	emu_fault cu '{"path": "/oauth/token", "kind": "hang", "times": 1}' >/dev/null
	timeout 60 "$AC" token "$P" >/dev/null 2>&1 &
	holder=$!
	t_ok "$tag: the holder is inside its request" wait_posts 1
	hpid=$(pgrep -P "$holder")
	kill -STOP $hpid	# holds the flock and will not let go by itself
	t_exit "$tag: waiting behind a stuck holder: exit 5" 5 timeout 30 "$AC" token "$P"
	t_contains "$tag: ...saying why" "$ERR" "another agentcred has been refreshing this token"
	t_eq "$tag: ...in one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
	t_eq "$tag: ...without a request of its own" 1 "$(emu_count cu /oauth/token)"
	SCEN="${SCEN:-}
$tag: lock wait behind a stopped holder: exit $RC"
	kill -9 $hpid
	kill -CONT $hpid 2>/dev/null
	wait "$holder" 2>/dev/null
	t_exit "$tag: once the stuck holder is killed, the next caller succeeds" 0 \
		timeout 30 "$AC" token "$P"
done

printf '%s\n' "# scenarios:$SCEN" | sed '2,$s/^/#   /'
t_done
