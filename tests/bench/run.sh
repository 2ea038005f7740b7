#!/bin/bash
# make bench: the speed ratios of DESIGN.md §5a, every figure measured in
# this one run on this machine, so the ratios compare like with like.
#
#   hit (kernel keyring)       agentcred token P        vs /bin/true
#   hit (Secret Service only)  AGENTCRED_KERNEL_CACHE=0 vs secret-tool lookup
#   cold miss                  forget, then token       vs secret-tool lookup
#                              + minimal libcurl POST + secret-tool store
#   64 concurrent cold calls   token requests made, slowest caller
#   peak RSS of a hit
#
# Prints a table and exits 0; it is not a test (no thresholds enforced).
# N=runs per figure (default 200; the cold miss uses N/4).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
export AC=${AC:-$TOP/build/agentcred}
. "$TOP/tests/lib.sh"
TNAME=bench
N=${N:-200}
NCOLD=$((N / 4))
B=$T/bench
mkdir -p "$B"

cc -O2 -o "$B/runstat" "$TOP/tests/bench/runstat.c" || exit 1
# shellcheck disable=SC2046
cc -O2 -o "$B/curlpost" "$TOP/tests/bench/curlpost.c" $(pkg-config --cflags --libs libcurl) || exit 1

keyring_start
emu_start oa oauth_cc lifetime=3600
P="bench-$UNIQ"
profile_cc "$P" "$URL_oa/oauth/token" cc-secret >/dev/null || exit 1
"$AC" token "$P" >/dev/null || { echo "bench: agentcred cannot get a token" >&2; exit 1; }
printf s3cret | secret-tool store --label="bench" bench "$UNIQ"
printf 'grant_type=client_credentials&client_id=cc-client&client_secret=cc-secret' >"$B/form"

# stat NAME N [-p PRE] CMD...: median µs, peak RSS KiB, failures
declare -A MED RSS FAIL
stat() {
	local name=$1 n=$2 r; shift 2
	r=$("$B/runstat" "$n" "$@")
	read -r MED[$name] RSS[$name] FAIL[$name] <<<"$r"
}

stat true "$N" /bin/true
stat hit "$N" "$AC" token "$P"
export AGENTCRED_KERNEL_CACHE=0
stat sshit "$N" "$AC" token "$P"
unset AGENTCRED_KERNEL_CACHE
stat lookup "$N" secret-tool lookup bench "$UNIQ"
stat store "$NCOLD" sh -c "printf s3cret | exec secret-tool store --label=bench bench $UNIQ-store"
stat post "$NCOLD" "$B/curlpost" "$URL_oa/oauth/token" "$CA" "$B/form"
stat cold "$NCOLD" -p "'$AC' forget '$P'" "$AC" token "$P"
# `sh -c` of the store baseline costs a shell start; measure it to subtract
stat shc "$NCOLD" sh -c "printf s3cret >/dev/null"

# 64 concurrent cold callers
"$AC" forget "$P"
before=$(emu_count oa /oauth/token)
pids=()
for i in $(seq 64); do
	(
		s=$(date +%s%N)
		"$AC" token "$P" >"$B/c.$i.out" 2>"$B/c.$i.err"
		echo "$? $(( ($(date +%s%N) - s) / 1000 ))" >"$B/c.$i"
	) &
	pids+=($!)
done
# only the callers: a bare `wait` would also wait for the emulator
wait "${pids[@]}"
after=$(emu_count oa /oauth/token)
ok=0; slow=0; distinct=$(cat "$B"/c.*.out | sort -u | wc -l)
for i in $(seq 64); do
	read -r rc us <"$B/c.$i"
	[ "$rc" = 0 ] && ok=$((ok + 1))
	[ "$us" -gt "$slow" ] && slow=$us
done

ms() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
store_net=$(( MED[store] - MED[shc] ))
sum=$(( MED[lookup] + MED[post] + store_net ))

echo
echo "agentcred bench — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -sr), runs: $N (cold: $NCOLD)"
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo
printf '%-44s %12s %12s %8s\n' "measurement" "median" "baseline" "ratio"
printf '%-44s %12s %12s %8s   %s\n' "cache hit, kernel keyring vs /bin/true" \
	"$(ms "${MED[hit]}")" "$(ms "${MED[true]}")" "$(ratio "${MED[hit]}" "${MED[true]}")" "target <= 2x"
printf '%-44s %12s %12s %8s   %s\n' "cache hit, Secret Service vs secret-tool lookup" \
	"$(ms "${MED[sshit]}")" "$(ms "${MED[lookup]}")" "$(ratio "${MED[sshit]}" "${MED[lookup]}")" "target <= 1.1x"
printf '%-44s %12s %12s %8s   %s\n' "cold miss vs lookup + libcurl POST + store" \
	"$(ms "${MED[cold]}")" "$(ms "$sum")" "$(ratio "${MED[cold]}" "$sum")" "target <= 0.8x"
printf '    baselines: secret-tool lookup %s, minimal libcurl POST %s, secret-tool store %s (sh -c %s subtracted)\n' \
	"$(ms "${MED[lookup]}")" "$(ms "${MED[post]}")" "$(ms "$store_net")" "$(ms "${MED[shc]}")"
printf '%-44s %12s\n' "peak RSS of a kernel-keyring hit" "${RSS[hit]} KiB"
printf '    (/bin/true %s KiB, Secret Service hit %s KiB; target < 3072 KiB)\n' "${RSS[true]}" "${RSS[sshit]}"
printf '%-44s %12s\n' "64 concurrent cold calls: token requests" "$((after - before))"
printf '    %d of 64 succeeded, %d distinct token(s), slowest caller %s (target: 1 request, 64 ok)\n' \
	"$ok" "$distinct" "$(ms "$slow")"
fails=0
for k in "${!FAIL[@]}"; do fails=$((fails + FAIL[$k])); done
[ "$fails" -eq 0 ] || echo "warning: $fails timed runs failed"
exit 0
