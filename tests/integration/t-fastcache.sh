#!/bin/bash
# runs-as: second-user
# The fast cache level at scale, as a normal user with the kernel's default
# key quota (issue 13; README.md "How it works"):
#   - 100 profiles × 5 scopes = 500 tokens of 4 KB: every one cached and
#     served again without a request, without a session bus (so not by the
#     Secret Service); 100 of them also with keyctl refused by a seccomp
#     filter;
#   - runtime-directory files take nothing from the kernel key quota, and
#     another program's 4 KB `keyctl padd` still fits;
#   - without a tmpfs runtime directory, the kernel keyring level stays
#     within a quarter of the quota (keys and bytes) and the 4 KB key of
#     another program still fits;
#   - no token string in any file on a persistent file system (HOME, the
#     XDG directories, /tmp, /var/tmp).
. "$(dirname "$0")/../lib.sh"
need secret-tool keyctl
keyring_start
emu_start fc oauth_cc token_pad=2850
emu_start fk oauth_cc
NOKEYS=$(dirname "$AC")/tests/seccomp_nokeys
[ -x "$NOKEYS" ] || t_fatal "$NOKEYS missing (make SAN=1 unit builds it)"
RT=$XDG_RUNTIME_DIR
[ "$(stat -f -c %T "$RT")" = tmpfs ] || t_fatal "the test runtime directory is not a tmpfs"
TOK=$RT/tok	# tokens are kept on the tmpfs only
mkdir -m 700 "$TOK"
DISK_RUN=$(mktemp -d /var/tmp/agentcred-run.XXXXXX) || t_fatal "mktemp in /var/tmp"
chmod 700 "$DISK_RUN"
trap 'rm -rf "$DISK_RUN"; _cleanup' EXIT
export FC_SECRET=cc-secret
Q="fc$RANDOM"	# short: key descriptions count against the quota

# 100 profiles with 4 KB tokens, 20 more with small ones for the kernel
"$PY" - "$XDG_CONFIG_HOME/agentcred/config.json" "$URL_fc/oauth/token" "$CA" "$Q" \
	"$URL_fk/oauth/token" <<'PY'
import json, os, sys
path, url, ca, q, url2 = sys.argv[1:]
os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
profiles = {"%s-%03d" % (q, i): {"type": "client-credentials", "token_url": url,
            "client_id": "cc-client", "secret_env": "FC_SECRET", "ca_file": ca}
            for i in range(100)}
profiles.update({"%s-k%02d" % (q, i): {"type": "client-credentials", "token_url": url2,
            "client_id": "cc-client", "secret_env": "FC_SECRET", "ca_file": ca}
            for i in range(20)})
with open(path, "w") as f:
    json.dump({"profiles": profiles}, f, indent=1)
os.chmod(path, 0o600)
PY
pairs() { local i s; for i in $(seq -w 0 099); do for s in 1 2 3 4 5; do echo "$Q-$i s$s"; done; done; }
kpairs() { local i s; for i in $(seq -w 0 19); do for s in 1 2 3 4 5; do echo "$Q-k$i s$s"; done; done; }
posts() { emu_count fc /oauth/token; }
quota_line() { awk -v u="$(id -u):" '$1 == u' /proc/key-users; }
# our_keys: "count bytes" of this run's live kernel keys (bytes as the
# kernel charges them: description + 1 + payload)
our_keys() {
	awk -v d="agentcred:${1-$Q-}" 'index($0, d) && $2 !~ /[iRD]/ && $4 != "expd" {
		n++; desc = $9; sub(/:$/, "", desc); b += length(desc) + 1 + $10 }
		END { printf "%d %d\n", n, b }' /proc/keys
}
padd_fits() {
	local id
	id=$(head -c 4096 /dev/zero | tr '\0' 'k' | keyctl padd user "someapp-$UNIQ" @u 2>"$T/padd.err") ||
		{ cat "$T/padd.err"; return 1; }
	keyctl invalidate "$id"
}

# ---- 500 tokens of 4 KB through the runtime-directory level
export AC TOK
pairs | xargs -P 4 -n 2 sh -c '"$AC" token "$1" --scope "$2" >"$TOK/$1.$2" 2>>"$TOK/errors"' _
t_eq "500 cold calls: no error" "" "$(cat "$TOK/errors" 2>/dev/null)"
t_eq "500 token requests" 500 "$(posts)"
t_eq "500 distinct tokens" 500 "$(cat "$TOK"/"$Q"-* | sort -u | wc -l)"
t_ok "every token is at least 4 KB" test "$(for f in "$TOK"/"$Q"-*; do wc -c <"$f"; done | sort -n | head -1)" -ge 4000
t_eq "500 files in the runtime cache" 500 "$(ls "$RT/agentcred/cache" | grep -c "^$Q-")"
t_eq "no kernel key taken" "0 0" "$(our_keys)"
t_ok "another program's 4 KB keyctl padd fits" padd_fits

# served_all COUNT BUS [WRAPPER...]: the first COUNT tokens served again
# (same string); BUS=nobus: without a session bus, so not by the
# Secret Service; prints how many were not (PAIRS=kpairs: the small ones)
served_all() {
	local n=$1 bus=$2 bad=0 p s
	local -a e=(env)
	shift 2
	[ "$bus" = nobus ] && e=(env DBUS_SESSION_BUS_ADDRESS=disabled:)
	while read -r p s; do
		"$@" "${e[@]}" "$AC" token "$p" --scope "$s" >"$TOK/again" 2>/dev/null &&
			cmp -s "$TOK/again" "$TOK/$p.$s" || bad=$((bad + 1))
	done < <(${PAIRS:-pairs} | head -n "$n")
	echo "$bad"
}
N=$(posts)
t_eq "500 hits without a session bus: all served" 0 "$(served_all 500 nobus)"
t_eq "500 hits: no request" "$N" "$(posts)"
t_eq "100 hits with keyctl refused (seccomp): all served" 0 "$(served_all 100 nobus "$NOKEYS")"
t_eq "seccomp hits: no request" "$N" "$(posts)"
run "$AC" doctor
t_match "doctor: the runtime-directory level and its fill" "$(printf '%s\n' "$OUT" | grep fast-cache)" \
	'^ok +fast-cache +runtime-directory files on tmpfs .*: 50[0-9] tokens'

# ---- no tmpfs runtime directory: the kernel keyring within its budget.
# 100 small tokens: a normal user's budget (50 keys, 5000 bytes) holds
# about ten of them, and at most one 4 KB token.
read -r MAXK < /proc/sys/kernel/keys/maxkeys
read -r MAXB < /proc/sys/kernel/keys/maxbytes
if [ "$(id -u)" = 0 ]; then
	read -r MAXK < /proc/sys/kernel/keys/root_maxkeys
	read -r MAXB < /proc/sys/kernel/keys/root_maxbytes
fi
kpairs | xargs -P 4 -n 2 sh -c '"$AC" token "$1" --scope "$2" >"$TOK/$1.$2" 2>>"$TOK/errors"' _
t_eq "100 small tokens: no error" "" "$(cat "$TOK/errors" 2>/dev/null)"
NK=$(emu_count fk /oauth/token)
export XDG_RUNTIME_DIR=$DISK_RUN
echo "# quota before: $(quota_line)"
# every agentcred key of the uid shares the budget, other runs' included
# (as agentcred counts them: status --json), and the uid's whole use of
# its quota must stay under three quarters
J=$("$AC" status --json)
AN=$(json_get "$J" "j['fast_cache']['tokens']")
AB=$(json_get "$J" "j['fast_cache']['bytes']")
read -r _ _ _ UN UB <<<"$(quota_line | tr '/' ' ' | awk '{ print $1, $2, $3, $5, $7 }')"
t_eq "kernel level: 100 Secret Service hits, all served" 0 "$(PAIRS=kpairs served_all 100 bus)"
echo "# quota after:  $(quota_line)"
read -r KN KB <<<"$(our_keys)"
echo "# agentcred keys of this run: $KN keys, $KB bytes; budget $((MAXK / 4)) keys, $((MAXB / 4)) bytes"
echo "# before: agentcred's keys $AN, $AB bytes; the uid's $UN keys, $UB bytes"
if [ $((AB + 600)) -le $((MAXB / 4)) ] && [ $((AN + 1)) -le $((MAXK / 4)) ] &&
   [ $((UB + 600)) -le $((MAXB - MAXB / 4)) ] && [ $((UN + 1)) -le $((MAXK - MAXK / 4)) ]; then
	t_ok "kernel level: some tokens cached" test "$KN" -ge 1
else
	t_eq "kernel level: budget already used by other runs, nothing cached" 0 "$KN"
fi
t_ok "kernel level: at most a quarter of the key count quota" test "$KN" -le $((MAXK / 4))
t_ok "kernel level: at most a quarter of the byte quota" test "$KB" -le $((MAXB / 4))

if [ "$UB" -le $((MAXB - MAXB / 4)) ] && [ "$UN" -lt $((MAXK - MAXK / 4)) ]; then
	t_ok "kernel level: another program's 4 KB keyctl padd still fits" padd_fits
else
	t_eq "kernel level: the quota was three quarters full before: nothing added" 0 "$KN"
fi
t_eq "kernel level: no request" "$NK" "$(emu_count fk /oauth/token)"
t_eq "kernel level: no token file in the disk runtime directory" "" \
	"$(ls "$DISK_RUN/agentcred/cache" 2>/dev/null)"
run "$AC" doctor
t_match "doctor: the kernel level, its budget and why" "$(printf '%s\n' "$OUT" | grep fast-cache)" \
	'kernel user keyring.*no tmpfs runtime directory.*of [0-9]+ keys, [0-9]+ of [0-9]+ bytes'
t_eq "kernel level: the cached ones are served without a bus" "$KN" \
	"$((100 - $(PAIRS=kpairs served_all 100 nobus)))"
# forget clears the kernel keys and the files of the runtime directory it sees
export XDG_RUNTIME_DIR=$RT
for i in $(seq -w 0 099) $(seq -f k%02g 0 19); do "$AC" forget "$Q-$i"; done >/dev/null 2>&1
t_eq "forget of every profile: no kernel key left" "0 0" "$(our_keys)"
t_eq "forget of every profile: no cache file left" 0 "$(ls "$RT/agentcred/cache" | grep -c "^$Q-")"

# ---- nothing on persistent storage: the signature part of every token
# (random) in no file under HOME, the XDG directories, /tmp, /var/tmp
for f in "$TOK"/"$Q"-*; do sed 's/.*\.//' "$f"; done | grep . >"$RT/sigs"
t_ok "at least 600 signatures to look for" test "$(wc -l <"$RT/sigs")" -ge 600
: >"$T/.out"; : >"$T/.err"
hits=$(grep -rlF -f "$RT/sigs" "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" \
	"$T" /tmp /var/tmp 2>/dev/null | sort -u)
t_eq "no token in any file on a persistent file system" "" "$hits"
t_done
