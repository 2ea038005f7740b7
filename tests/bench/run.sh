#!/bin/bash
# make bench: the speed ratios of README.md, "Speed", every figure measured in
# this one run on this machine, so the ratios compare like with like.
#
#   hit (runtime dir)          agentcred token of one of 500 cached 4 KB
#                              tokens, 100 profiles in config.json
#                                                       vs /bin/true
#   hit (kernel keyring)       no tmpfs runtime dir     vs /bin/true
#   hit, keyctl refused        under a seccomp filter   vs /bin/true under it
#   hit (Secret Service only)  AGENTCRED_KERNEL_CACHE=0 vs secret-tool lookup
#   cold miss                  forget, then token       vs secret-tool lookup
#                              + minimal libcurl POST + secret-tool store
#   64 concurrent cold calls   token requests made, slowest caller
#   peak RSS of a hit
#
# Method (keep it fair in both directions):
#  - every command is started the same way by runstat (fork + execvp, no
#    shell, stdout to /dev/null); stdin and environment variables are set
#    by runstat itself, so no baseline pays for an `sh -c` or env(1) and
#    nothing has to be subtracted;
#  - the commands of one comparison are interleaved run by run, so load
#    from other processes on a shared machine hits them alike; and only
#    they: the light kernel hit and /bin/true are not mixed with the
#    heavy GLib commands, whose after-effects would add to both;
#  - medians, not means; peak RSS is the largest of the timed runs;
#  - the cold baselines do the same work as the cold miss: secret-tool
#    lookup of one item, one TLS POST of the same form to the same server
#    with libcurl trusting only the test CA (the cheapest setup, no system
#    bundle), secret-tool store of a secret read from a file; the cold
#    miss also searches for a cached token first and writes the kernel
#    key, and pays for both;
#  - `agentcred forget` before each cold run is not timed.
# Prints a table and exits 0; it is not a test (no thresholds enforced).
# N=runs per figure (default 200; the cold miss uses N/4).
# Run as root, it runs itself as the unprivileged agentcred-t1 (created
# once, as tests/run does): users have the kernel's default key quota.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" = 0 ] && [ -z "${AGENTCRED_BENCH_AS_ROOT:-}" ]; then
	u=agentcred-t1
	id -u "$u" >/dev/null 2>&1 ||
		useradd --system -M -U -d /nonexistent -s /usr/sbin/nologin "$u" 2>/dev/null
	id -u "$u" >/dev/null 2>&1 || { echo "bench: cannot create user $u" >&2; exit 1; }
	h=$(mktemp -d /tmp/agentcred-bench.XXXXXX) || exit 1
	mkdir -p "$h/home" "$h/tmp" && chown -R "$u:$u" "$h" && chmod 700 "$h"
	setpriv --reuid="$u" --regid="$u" --clear-groups \
		env HOME="$h/home" TMPDIR="$h/tmp" USER="$u" LOGNAME="$u" \
		bash "$0" "$@"
	rc=$?
	rm -rf "$h"
	exit $rc
fi
export AC=${AC:-$TOP/build/agentcred}
. "$TOP/tests/lib.sh"
TNAME=bench
N=${N:-200}
NCOLD=$((N / 4))
B=$T/bench
mkdir -p "$B"

cc -O2 -o "$B/runstat" "$TOP/tests/bench/runstat.c" || exit 1
cc -O2 -o "$B/nokeys" "$TOP/tests/seccomp_nokeys.c" || exit 1
# shellcheck disable=SC2046
cc -O2 -o "$B/curlpost" "$TOP/tests/bench/curlpost.c" $(pkg-config --cflags --libs libcurl) || exit 1

keyring_start
emu_start oa oauth_cc lifetime=3600
P="bench-$UNIQ"
profile_cc "$P" "$URL_oa/oauth/token" cc-secret >/dev/null || exit 1
"$AC" token "$P" >/dev/null || { echo "bench: agentcred cannot get a token" >&2; exit 1; }
# 100 profiles in config.json, 5 scopes each: 500 tokens of 4 KB cached
emu_start big oauth_cc lifetime=3600 token_pad=2850
export BENCH_SECRET=cc-secret
"$PY" - "$XDG_CONFIG_HOME/agentcred/config.json" "$URL_big/oauth/token" "$CA" <<'PY'
import json, sys
path, url, ca = sys.argv[1:]
c = json.load(open(path))
for i in range(100):
    c["profiles"]["big-%03d" % i] = {"type": "client-credentials", "token_url": url,
        "client_id": "cc-client", "secret_env": "BENCH_SECRET", "ca_file": ca}
json.dump(c, open(path, "w"), indent=1)
PY
# (their durable copies in the file store: 500 more Secret Service items
# would slow the keyring, and with it the cold-miss figures, for both sides)
for i in $(seq -w 0 099); do for s in 1 2 3 4 5; do echo "big-$i s$s"; done; done |
	AGENTCRED_KEYRING=file xargs -P 2 -n 2 sh -c '"$0" token "$1" --scope "$2" >/dev/null' "$AC" ||
	{ echo "bench: cannot cache the 500 tokens" >&2; exit 1; }
NCACHED=$(ls "$XDG_RUNTIME_DIR/agentcred/cache" | grep -c '^big-')
TOKLEN=$("$AC" token big-050 --scope s3 | wc -c)
DISK_RUN=$(mktemp -d /var/tmp/agentcred-bench.XXXXXX) && chmod 700 "$DISK_RUN"
trap 'rm -rf "$DISK_RUN"; _cleanup' EXIT
XDG_RUNTIME_DIR=$DISK_RUN "$AC" token "$P" >/dev/null	# into the kernel keyring
printf s3cret | secret-tool store --label="bench" bench "$UNIQ"
printf 'grant_type=client_credentials&client_id=cc-client&client_secret=cc-secret' >"$B/form"

# group N NAME SPEC [::: NAME SPEC ...]: one interleaved runstat call;
# sets MED[NAME] (median µs), RSS[NAME] (peak KiB), FAIL[NAME]
declare -A MED RSS FAIL
group() {
	local n=$1 r i=0; shift
	local -a names=() args=()
	names+=("$1"); shift
	while [ $# -gt 0 ]; do
		if [ "$1" = ":::" ]; then names+=("$2"); args+=(":::"); shift 2; continue; fi
		args+=("$1"); shift
	done
	r=$("$B/runstat" "$n" "${args[@]}") || { echo "bench: runstat failed" >&2; exit 1; }
	while read -r med rss fail; do
		MED[${names[$i]}]=$med RSS[${names[$i]}]=$rss FAIL[${names[$i]}]=$fail
		i=$((i + 1))
	done <<<"$r"
	[ "$i" -eq "${#names[@]}" ] || { echo "bench: runstat gave $i of ${#names[@]} results" >&2; exit 1; }
}

# The kernel-keyring hit and /bin/true, interleaved with each other only:
# a heavy neighbour (a GLib process exiting, gnome-keyring busy on the
# other CPU) would add the same time to both and flatter the ratio.
group "$N" true /bin/true ::: hit "$AC" token big-050 --scope s3 \
	::: khit -e XDG_RUNTIME_DIR="$DISK_RUN" "$AC" token "$P"
# keyctl refused by a seccomp filter, as in a Docker container: the hit
# against /bin/true under the same filter (the wrapper's exec is in both)
group "$N" strue "$B/nokeys" /bin/true ::: shit "$B/nokeys" "$AC" token big-050 --scope s3
# The Secret-Service-only hit (kernel level off by the environment
# variable) and secret-tool lookup, interleaved.
group "$N" sshit -e AGENTCRED_KERNEL_CACHE=0 "$AC" token "$P" \
	::: lookup secret-tool lookup bench "$UNIQ"

# The cold miss and its three baselines, interleaved.  `forget` (not
# timed) empties both cache levels before each cold run.  secret-tool
# store reads the secret from a file on stdin: no shell in the timing.
printf s3cret >"$B/secret"
group "$NCOLD" cold -p "'$AC' forget '$P'" "$AC" token "$P" \
	::: clookup secret-tool lookup bench "$UNIQ" \
	::: post "$B/curlpost" "$URL_oa/oauth/token" "$CA" "$B/form" \
	::: store -i "$B/secret" secret-tool store --label=bench bench "$UNIQ-store"

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
sum=$(( MED[clookup] + MED[post] + MED[store] ))

echo
echo "agentcred bench — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -sr), runs: $N (cold: $NCOLD)"
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo
printf '%-44s %12s %12s %8s\n' "measurement" "median" "baseline" "ratio"
echo "as $(id -un) (uid $(id -u)), key quota $(cat /proc/sys/kernel/keys/maxkeys) keys / $(cat /proc/sys/kernel/keys/maxbytes) bytes; $(jq '.profiles | length' "$XDG_CONFIG_HOME/agentcred/config.json" 2>/dev/null || echo 101) profiles, $NCACHED tokens of $TOKLEN bytes cached"
printf '%-44s %12s %12s %8s   %s\n' "cache hit, runtime dir, 500 cached vs true" \
	"$(ms "${MED[hit]}")" "$(ms "${MED[true]}")" "$(ratio "${MED[hit]}" "${MED[true]}")" "target <= 1.5x"
printf '%-44s %12s %12s %8s   %s\n' "cache hit, kernel keyring vs /bin/true" \
	"$(ms "${MED[khit]}")" "$(ms "${MED[true]}")" "$(ratio "${MED[khit]}" "${MED[true]}")" "target <= 1.5x"
printf '%-44s %12s %12s %8s   %s\n' "cache hit, keyctl refused (seccomp) vs true" \
	"$(ms "${MED[shit]}")" "$(ms "${MED[strue]}")" "$(ratio "${MED[shit]}" "${MED[strue]}")" "target <= 2x"
printf '%-44s %12s %12s %8s   %s\n' "cache hit, Secret Service vs secret-tool lookup" \
	"$(ms "${MED[sshit]}")" "$(ms "${MED[lookup]}")" "$(ratio "${MED[sshit]}" "${MED[lookup]}")" "target <= 1.1x"
printf '%-44s %12s %12s %8s   %s\n' "cold miss vs lookup + libcurl POST + store" \
	"$(ms "${MED[cold]}")" "$(ms "$sum")" "$(ratio "${MED[cold]}" "$sum")" "target <= 0.8x"
printf '    baselines: secret-tool lookup %s, minimal libcurl POST %s, secret-tool store %s\n' \
	"$(ms "${MED[clookup]}")" "$(ms "${MED[post]}")" "$(ms "${MED[store]}")"
printf '%-44s %12s\n' "peak RSS of a hit (runtime dir, 4 KB token)" "${RSS[hit]} KiB"
printf '    (kernel-keyring hit %s KiB, seccomp hit %s KiB)\n' "${RSS[khit]}" "${RSS[shit]}"
printf '    (/bin/true %s KiB, Secret Service hit %s KiB; target < 3072 KiB)\n' "${RSS[true]}" "${RSS[sshit]}"
printf '%-44s %12s\n' "64 concurrent cold calls: token requests" "$((after - before))"
printf '    %d of 64 succeeded, %d distinct token(s), slowest caller %s (target: 1 request, 64 ok)\n' \
	"$ok" "$distinct" "$(ms "$slow")"
fails=0
for k in "${!FAIL[@]}"; do fails=$((fails + FAIL[$k])); done
[ "$fails" -eq 0 ] || echo "warning: $fails timed runs failed"
exit 0
