#!/bin/bash
# Soak (make soak; a 60 s version runs in make check as t-soak):
# SOAK_CALLERS (64) concurrent callers for SOAK_SECONDS (600), as an
# unprivileged user (agentcred-t1, created when we are root), mixing token
# hits and misses, forget, `profile add`/`remove` of another profile, git
# and docker storage calls, git get for a profile host and curl mode,
# against a token server that flaps (bursts of 500s, hangs, resets, slow
# answers, expires_in of a few seconds next to longer ones).
#
# Pass: zero wrong answers (every token printed is one the server issued
# for that profile's scope, not expired when the call began), exit codes
# only 0 or 5 for token calls and 0 for storage calls, peak RSS per call
# flat (the last fifth's largest within 10% + 1 MiB of the first's), no
# file descriptor beyond 0-2 and its config pipe reaching curl, no temporary
# files and no lock files beyond the live cache keys, and the stores intact
# (config and file store parse, hold exactly what they should).  The
# figures are printed at the end.
. "$(dirname "$0")/lib.sh"
SECS=${SOAK_SECONDS:-600}
N=${SOAK_CALLERS:-64}
need setpriv python3 /usr/bin/time

if [ "$(id -u)" = 0 ]; then
	SU=${AC_T1:-agentcred-t1}
	id "$SU" >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin "$SU" 2>/dev/null ||
		id "$SU" >/dev/null 2>&1 || t_fatal "cannot create user $SU"
	AS=(setpriv --reuid="$SU" --regid="$SU" --clear-groups --)
	chmod 711 "$T"
else
	SU=$(id -un)
	AS=()
fi

ca_make
chmod 755 "$T/ca"
chmod 644 "$T/ca/ca.pem"
W=$T/w
mkdir -p "$W/home" "$W/config" "$W/data" "$W/cache" "$W/log" "$W/bin"
mkdir -m 700 "$W/run"
[ "$(id -u)" = 0 ] && chown -R "$SU:" "$W"
chmod 700 "$W"
emu_start tk oauth_cc
emu_set tk "{\"client_secret\": \"soak-secret\", \"issue_log\": \"$T/issued.jsonl\",
	\"lifetime_range\": [[3, 8], [90, 300]], \"flap\": \"/oauth/token\",
	\"flap_period\": 20, \"flap_hang\": 8}" >/dev/null

# the environment every call runs in
ENVS=(HOME="$W/home" XDG_CONFIG_HOME="$W/config" XDG_DATA_HOME="$W/data"
	XDG_CACHE_HOME="$W/cache" XDG_RUNTIME_DIR="$W/run" AGENTCRED_KEYRING=file
	SOAK_SECRET=soak-secret AGENTCRED_CURL="$W/bin/curl" PATH="$PATH"
	AGENTCRED_MODULE_DIR="$AGENTCRED_MODULE_DIR" ASAN_OPTIONS="$ASAN_OPTIONS"
	LSAN_OPTIONS="$LSAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS")
ac() { "${AS[@]}" env -i "${ENVS[@]}" "$AC" "$@"; }

for k in 0 1 2 3; do
	hostopt=()
	[ "$k" = 1 ] && hostopt=(--host git-p1.example)
	ac profile add "P$k-$UNIQ" --type client-credentials \
		--token-url "$URL_tk/oauth/token" --client-id cc-client \
		--secret-env SOAK_SECRET --ca-file "$T/ca/ca.pem" --scope "scope-$k" \
		--timeout 5 "${hostopt[@]}" </dev/null || t_fatal "profile add P$k"
done

# curl mode's curl: lists the descriptors it inherited beyond the config
# pipe (-K /dev/fd/N), bash's own 255, those the caller already had and
# the one /usr/bin/time leaks
cat >"$W/bin/curl" <<'EOF'
#!/bin/bash
k=
while [ $# -gt 0 ]; do [ "$1" = -K ] && k=${2#/dev/fd/}; shift; done
# ls lists this shell's table from outside (a glob would see its own handle)
ls -l /proc/$$/fd >"$W_LOG/fds.$$"
awk '/->/ { print $(NF-2), $NF }' "$W_LOG/fds.$$" | while read -r f target; do
	case " 0 1 2 255 $k $SOAK_FDS " in *" $f "*) continue ;; esac
	# /usr/bin/time -o leaves its file open for its child
	case $target in *.rss) continue ;; esac
	echo "extra-fd $f -> $target"
done
rm -f "$W_LOG/fds.$$"
echo curl-ran
EOF
chmod 755 "$W/bin/curl"

# one caller: ID DEADLINE; a line per call into $W/log/ID:
# OP PROFILE START END RC RSS_KIB RESULT
cat >"$W/bin/caller" <<'EOF'
#!/bin/bash
id=$1 deadline=$2 uniq=$3 ac=$4
log=$W_LOG/$id err=$W_LOG/$id.err n=0
SOAK_FDS=$(cd /proc/$$/fd && echo *)
export SOAK_FDS
now() { date +%s.%N; }
timed() {	# timed CMD...: $out, $rc, $rss
	out=$(/usr/bin/time -f %M -o "$W_LOG/$id.rss" "$@" 2>>"$err")
	rc=$?
	rss=$(tail -1 "$W_LOG/$id.rss")
	case $rss in *[!0-9]*|"") rss=0 ;; esac
}
while [ "$(date +%s)" -lt "$deadline" ]; do
	n=$((n + 1))
	r=$((RANDOM % 100)) k=$((RANDOM % 4)) p=P$((RANDOM % 4))-$uniq
	s=$(now)
	if [ $r -lt 50 ]; then
		timed "$ac" token "$p"
		echo "token $p $s $(now) $rc $rss $out" >>"$log"
	elif [ $r -lt 58 ]; then
		timed "$ac" forget "$p"
		echo "forget $p $s $(now) $rc $rss -" >>"$log"
	elif [ $r -lt 66 ]; then
		x=X$id-$n-$uniq
		timed "$ac" profile add "$x" --type client-credentials \
			--token-url https://127.0.0.1:1/t --client-id c --secret-env SOAK_SECRET </dev/null
		echo "profile-add $x $s $(now) $rc $rss -" >>"$log"
		s=$(now)
		timed "$ac" profile remove "$x"
		echo "profile-remove $x $s $(now) $rc $rss -" >>"$log"
	elif [ $r -lt 76 ]; then
		h=gs-$id.example pw=pw-$id-$n
		timed "$ac" git store <<<"protocol=https
host=$h
username=u$id
password=$pw
"
		echo "git-store $h $s $(now) $rc $rss -" >>"$log"
		s=$(now)
		timed "$ac" git get <<<"protocol=https
host=$h
"
		got=$(sed -n 's/^password=//p' <<<"$out")
		echo "git-get $h $s $(now) $rc $rss $([ "$got" = "$pw" ] && echo match || echo "mismatch")" >>"$log"
		s=$(now)
		timed "$ac" git erase <<<"protocol=https
host=$h
username=u$id
"
		echo "git-erase $h $s $(now) $rc $rss -" >>"$log"
	elif [ $r -lt 86 ]; then
		srv=https://ds-$id.example sec=sec-$id-$n
		timed "$ac" docker store <<<"{\"ServerURL\":\"$srv\",\"Username\":\"u$id\",\"Secret\":\"$sec\"}"
		echo "docker-store $srv $s $(now) $rc $rss -" >>"$log"
		s=$(now)
		printf '%s' "$srv" >"$W_LOG/$id.in"
		timed "$ac" docker get <"$W_LOG/$id.in"
		echo "docker-get $srv $s $(now) $rc $rss $(case $out in *"\"Secret\":\"$sec\""*) echo match ;; *) echo mismatch ;; esac)" >>"$log"
		s=$(now)
		timed "$ac" docker erase <"$W_LOG/$id.in"
		echo "docker-erase $srv $s $(now) $rc $rss -" >>"$log"
	elif [ $r -lt 94 ]; then
		timed "$ac" git get <<<"protocol=https
host=git-p1.example
"
		echo "git-token P1-$uniq $s $(now) $rc $rss $(sed -n 's/^password=//p' <<<"$out")" >>"$log"
	else
		timed "$ac" curl "$p" -- https://api.example/x
		extra=$(grep -c '^extra-fd' <<<"$out")
		grep '^extra-fd' <<<"$out" >>"$err"
		echo "curl $p $s $(now) $rc $rss fds=$extra" >>"$log"
	fi
done
EOF
chmod 755 "$W/bin/caller"
[ "$(id -u)" = 0 ] && chown -R "$SU:" "$W"

echo "# soak: $N callers for $SECS s as $SU against a flapping token server"
START=$(date +%s)
DEADLINE=$((START + SECS))
pids=()
for i in $(seq "$N"); do
	"${AS[@]}" env -i "${ENVS[@]}" W_LOG="$W/log" \
		bash "$W/bin/caller" "$i" "$DEADLINE" "$UNIQ" "$AC" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
END=$(date +%s)

# after the run: what is on disk
LOCKS=$(ls "$W/run/agentcred" 2>/dev/null | grep -c '\.lock$')
OTHER=$(ls -A "$W/run/agentcred" 2>/dev/null | grep -vc '\.lock$')
TEMPS=$(find "$W/config" "$W/data" "$W/run" "$W/cache" -name '.*.*' -type f | wc -l)
"$PY" - "$W" "$T/issued.jsonl" "$UNIQ" "$LOCKS" "$OTHER" "$TEMPS" "$((END - START))" <<'PY' >"$T/figures"
import glob, json, os, statistics, sys
w, issued_path, uniq, locks, other, temps, secs = sys.argv[1:8]
locks, other, temps, secs = int(locks), int(other), int(temps), int(secs)
issued = {}
for line in open(issued_path):
    j = json.loads(line)
    issued[j["token"]] = j
calls = []
for f in glob.glob(os.path.join(w, "log", "*")):
    if "." in os.path.basename(f):
        continue
    for line in open(f):
        parts = line.rstrip("\n").split(" ", 6)
        if len(parts) < 7:
            parts += [""] * (7 - len(parts))
        op, prof, s, e, rc, rss, res = parts
        calls.append((op, prof, float(s), float(e), int(rc), int(rss), res))
calls.sort(key=lambda c: c[2])
scope = {"P%d-%s" % (k, uniq): "scope-%d" % k for k in range(4)}
bad = []
wrong = expired_at_end = tokens = 0
codes = {}
for op, prof, s, e, rc, rss, res in calls:
    codes.setdefault(op, {}).setdefault(rc, 0)
    codes[op][rc] += 1
    if op in ("token", "git-token"):
        if rc not in (0, 5):
            bad.append("%s %s exit %d" % (op, prof, rc))
        if rc == 0:
            tokens += 1
            t = issued.get(res)
            if not t or t["scope"] != scope[prof] or t["exp"] <= int(s):
                wrong += 1
                bad.append("wrong answer %s %s: %s" % (op, prof,
                           "not issued" if not t else
                           "scope %s" % t["scope"] if t["scope"] != scope[prof] else
                           "expired %d before the call at %.1f" % (t["exp"], s)))
            elif t["exp"] <= int(e):
                expired_at_end += 1
    elif op == "curl":
        if rc not in (0, 5):
            bad.append("curl exit %d" % rc)
        if res != "fds=0":
            bad.append("curl: leaked descriptors (%s)" % res)
    else:
        if rc != 0:
            bad.append("%s %s exit %d" % (op, prof, rc))
        if res == "mismatch":
            bad.append("%s %s: answer does not match what was stored" % (op, prof))
rss = [c[5] for c in calls if c[0] == "token" and c[5] > 0]
fifth = max(1, len(rss) // 5)
first, last = statistics.median(rss[:fifth]), statistics.median(rss[-fifth:])
# hits and misses differ (a miss loads libcurl): the mix moves the median
# with the flapping, so growth is judged on the largest of each fifth
first_max, last_max = max(rss[:fifth]), max(rss[-fifth:])
if last_max > first_max * 1.10 + 1024:
    bad.append("peak RSS grew: largest in the first fifth %d KiB, in the last %d KiB" % (first_max, last_max))
# the stores afterwards
try:
    cfg = json.load(open(os.path.join(w, "config/agentcred/config.json")))
    names = sorted(cfg["profiles"])
    if names != sorted(scope):
        bad.append("config holds %d profiles, not the 4 it should: %s" % (len(names), names[:8]))
except Exception as ex:
    bad.append("config.json unreadable: %s" % ex)
try:
    store = json.load(open(os.path.join(w, "data/agentcred/secrets.json")))
    kinds = {}
    for it in store["items"]:
        k = it["attributes"].get("kind", it["schema"])
        kinds[k] = kinds.get(k, 0) + 1
    left = {k: v for k, v in kinds.items() if "token" not in k}
    if left:
        bad.append("file store: items left behind: %s" % left)
except Exception as ex:
    bad.append("secrets.json unreadable: %s" % ex)
    kinds = {}
if temps:
    bad.append("%d temporary files left" % temps)
if other:
    bad.append("%d files other than locks in the lock directory" % other)
if locks > 4:
    bad.append("%d lock files for 4 live cache keys" % locks)
ops = {op: sum(v.values()) for op, v in codes.items()}
print("soak: %d s, %d calls (%.1f/s)" % (secs, len(calls), len(calls) / max(secs, 1)))
print("calls by op: %s" % json.dumps(ops, sort_keys=True))
print("exit codes by op: %s" % json.dumps({o: {str(k): v for k, v in c.items()} for o, c in codes.items()}, sort_keys=True))
print("tokens printed: %d; wrong answers: %d; expired by the end of their call: %d" % (tokens, wrong, expired_at_end))
print("tokens issued by the server: %d" % len(issued))
print("peak RSS per token call: first fifth median %d KiB (largest %d), last fifth median %d KiB (largest %d)" % (first, first_max, last, last_max))
print("leaked descriptors in curl mode: %d calls" % sum(1 for c in calls if c[0] == "curl" and c[6] != "fds=0"))
print("lock files: %d, other files in the lock dir: %d, temporary files: %d" % (locks, other, temps))
print("file store items by kind: %s" % json.dumps(kinds, sort_keys=True))
print("problems: %d" % len(bad))
for b in bad[:30]:
    print("  " + b)
PY
cat "$T/figures"
# the most frequent messages on stderr, numbers folded
cat "$W"/log/*.err 2>/dev/null | grep -v '^extra-fd' | sed 's/[0-9]\+/N/g' | sort | uniq -c |
	sort -rn | head -8 | sed 's/^/  stderr: /'
grep -h '^extra-fd' "$W"/log/*.err 2>/dev/null | sed 's/^extra-fd [0-9]* -> //; s/[0-9]\+/N/g' |
	sort | uniq -c | sed 's/^/  leaked into curl: /' | head -5
t_eq "soak: no problems" "problems: 0" "$(grep '^problems:' "$T/figures")"
t_match "soak: tokens were served" "$(grep '^tokens printed' "$T/figures")" '^tokens printed: [1-9]'
t_match "soak: zero wrong answers" "$(grep '^tokens printed' "$T/figures")" 'wrong answers: 0;'
t_done
