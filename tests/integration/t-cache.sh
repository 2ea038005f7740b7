#!/bin/bash
# The two cache levels (README.md "How it works", issues 7 and 13),
# correctness only (timing is `make bench`).  The whole suite runs twice,
# once per fast level: runtime-directory files (XDG_RUNTIME_DIR on a
# tmpfs) and the kernel user keyring (XDG_RUNTIME_DIR on a disk):
#   - a fast hit makes no D-Bus call and no HTTP request and maps neither
#     module nor libcurl/libsecret/GLib;
#   - the entry: user-only permissions, a name without secrets, the
#     token's expiry as its timeout, gone after forget / git erase /
#     docker erase / profile remove / secret rotation;
#   - with the fast level off (AGENTCRED_KERNEL_CACHE=0, "kernel_cache":
#     false) or keyctl refused (test-build hook AGENTCRED_TEST_KEYCTL,
#     and a real seccomp filter: tests/seccomp_nokeys) everything works;
#   - a token whose timeout passed is fetched anew.
# /proc/keys is the observable for the kernel level: invalidated and
# expired keys linger there (flag "i", timeout "expd") until the kernel's
# key GC runs, so "gone" means "no live entry".  Files past their expiry
# (mtime) are not live either.
. "$(dirname "$0")/../lib.sh"
# every kernel with key retention has it; without it nothing here can be
# checked, which is a failure of the test host, not a reason to pass
if [ ! -r /proc/keys ]; then
	t_failmsg "/proc/keys readable" "the kernel key tests need CONFIG_KEYS (and /proc mounted)"
	t_done
fi
need secret-tool keyctl
keyring_start
emu_start oa oauth_cc
TOKEN_URL="$URL_oa/oauth/token"
NOKEYS=$(dirname "$AC")/tests/seccomp_nokeys
[ -x "$NOKEYS" ] || t_fatal "$NOKEYS missing (make SAN=1 unit builds it)"
[ "$(stat -f -c %T "$XDG_RUNTIME_DIR")" = tmpfs ] ||
	t_fatal "the test runtime directory is not a tmpfs"
TMPFS_RUN=$XDG_RUNTIME_DIR
DISK_RUN=$(mktemp -d /var/tmp/agentcred-run.XXXXXX) || t_fatal "mktemp in /var/tmp"
chmod 700 "$DISK_RUN"
[ "$(stat -f -c %T "$DISK_RUN")" != tmpfs ] || t_fatal "/var/tmp is a tmpfs here"
trap 'rm -rf "$DISK_RUN"; _cleanup' EXIT

# live_keys PROFILE: /proc/keys lines of live kernel keys of that profile
live_keys() {
	awk -v d="agentcred:$1:" '
		index($0, d) && $2 !~ /[iRD]/ && $4 != "expd"' /proc/keys
}
# live_files PROFILE: unexpired cache files of that profile
live_files() {
	local d=$TMPFS_RUN/agentcred/cache
	[ -d "$d" ] || return 0
	find "$d" -maxdepth 1 -name "$1~*" -newermt "@$(date +%s)" 2>/dev/null
}
nlive() {
	if [ "$LEVEL" = files ]; then live_files "$1" | wc -l
	else live_keys "$1" | wc -l; fi
}
# drop_by_hand PROFILE: the entry gone behind agentcred's back (a reboot)
drop_by_hand() {
	if [ "$LEVEL" = files ]; then
		rm -f "$TMPFS_RUN/agentcred/cache/$1~"*
	else
		"$PY" -c '
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
sys.exit(libc.syscall(250, 21, int(sys.argv[1], 16)) != 0)	# KEYCTL_INVALIDATE
' "$(live_keys "$1" | awk '{ print $1 }')"
	fi
}
ss_tokens() { secret-tool search --all kind token profile "$1" 2>/dev/null | grep -c '^label = '; }
posts() { emu_count oa /oauth/token; }

suite() {
LEVEL=$1
if [ "$LEVEL" = files ]; then
	export XDG_RUNTIME_DIR=$TMPFS_RUN; SOURCE="runtime directory"
else
	export XDG_RUNTIME_DIR=$DISK_RUN; SOURCE="kernel keyring"
fi
P="kc-$LEVEL-$UNIQ"
echo "# ---- fast level: $LEVEL"
emu_reset oa >/dev/null
t_ok "profile add" profile_cc "$P" "$TOKEN_URL" cc-secret
t_eq "no kernel key before the first token" 0 "$(nlive "$P")"
t_ok "token (cold)" "$AC" token "$P"
TOK1=$OUT
t_eq "one POST" 1 "$(posts)"
t_eq "one kernel key" 1 "$(nlive "$P")"
t_eq "one Secret Service token" 1 "$(ss_tokens "$P")"

# ---- the entry itself
if [ "$LEVEL" = kernel ]; then
	LINE=$(live_keys "$P")
	# "ID FLAGS USAGE TIMEOUT PERM UID GID TYPE DESCRIPTION: DATALEN"
	read -r _ _ _ TIMEOUT PERM KUID _ KTYPE DESC _ <<<"$LINE"
	t_eq "key type user" user "$KTYPE"
	t_match "description: agentcred:PROFILE:sha256-hex, nothing else" "$DESC" "^agentcred:$P:[0-9a-f]{64}:\$"
	t_not_contains "description holds no token" "$DESC" "$TOK1"
	t_not_contains "description holds no client secret" "$DESC" "cc-secret"
	t_match "permissions: nothing for group or other" "$PERM" '^[0-9a-f]{4}0000$'
	t_eq "permissions: possessor all, user view/read/write/search/setattr" 3f2f0000 "$PERM"
	t_eq "owned by this user" "$(id -u)" "$KUID"
	t_match "a kernel timeout is set (not perm)" "$TIMEOUT" '^[0-9]+[smhdw]$'
	assert_no_secret "/proc/keys shows neither token nor secret" /proc/keys "$TOK1" cc-secret
	t_eq "no token in the disk runtime directory" "" "$(grep -rlF -- "$TOK1" "$DISK_RUN")"
	# sessions with and without pam_keyinit's link to the user keyring:
	# the key is restricted and found again either way (keyctl session -
	# starts a fresh session keyring; the suite's own has no link)
	PS="kcs-$UNIQ"
	profile_cc "$PS" "$TOKEN_URL" cc-secret >/dev/null
	run keyctl session - sh -c "keyctl link @u @s >/dev/null && '$AC' token '$PS'"
	t_eq "session linking the user keyring: token" 0 "$RC"
	read -r _ _ _ _ PERM _ <<<"$(live_keys "$PS")"
	t_eq "session linking the user keyring: key restricted as usual" 3f2f0000 "$PERM"
	run keyctl session - "$AC" -v token "$PS"
	t_contains "a session without the link finds it" "$ERR" "from the fast cache (kernel keyring)"
	"$AC" profile remove "$PS" >/dev/null
else
	F=$(live_files "$P")
	t_match "file name: PROFILE~sha256-hex, nothing else" "$(basename "$F")" "^$P~[0-9a-f]{64}\$"
	t_eq "file mode 0600" 600 "$(stat -c %a "$F")"
	t_eq "file owned by this user" "$(id -u)" "$(stat -c %u "$F")"
	t_eq "cache directory 0700" 700 "$(stat -c %a "$TMPFS_RUN/agentcred/cache")"
	t_eq "agentcred/ 0700" 700 "$(stat -c %a "$TMPFS_RUN/agentcred")"
	t_eq "on a tmpfs" tmpfs "$(stat -f -c %T "$F")"
	t_ok "mtime is the expiry: about an hour ahead" test "$(stat -c %Y "$F")" -gt $(( $(date +%s) + 3000 ))
	t_eq "no kernel key" 0 "$(live_keys "$P" | wc -l)"
fi

# ---- a kernel-level hit: no D-Bus, no HTTP, no module
BEFORE=$(posts)
run env DBUS_SESSION_BUS_ADDRESS=disabled: LD_DEBUG=files "$AC" -v token "$P"
t_eq "kernel hit without a session bus: exit 0" 0 "$RC"
t_eq "kernel hit: same token" "$TOK1" "$OUT"
t_eq "kernel hit: no HTTP request" "$BEFORE" "$(posts)"
t_contains "kernel hit: -v names the fast level" "$ERR" "from the fast cache ($SOURCE)"
t_contains "LD_DEBUG=files works here (agentcred needs libcjson)" "$ERR" "file=libcjson"
t_not_contains "kernel hit: agentcred-http.so not loaded" "$ERR" "agentcred-http.so"
t_not_contains "kernel hit: agentcred-secret.so not loaded" "$ERR" "agentcred-secret.so"
t_not_contains "kernel hit: libcurl not loaded" "$ERR" "libcurl"
t_not_contains "kernel hit: libsecret not loaded" "$ERR" "libsecret"
t_not_contains "kernel hit: GLib not loaded" "$ERR" "libglib"
# the control: a Secret Service hit does show the module and GLib
run env AGENTCRED_KERNEL_CACHE=0 LD_DEBUG=files "$AC" token "$P"
t_contains "control: a Secret Service hit loads agentcred-secret.so" "$ERR" "agentcred-secret.so"
t_contains "control: a Secret Service hit loads GLib" "$ERR" "libglib"
for c in "get" "kube" "curl-config"; do
	case $c in
	get) IN="{\"profile\": \"$P\"}"; ARGS=(get) ;;
	kube) IN=""; ARGS=(kube "$P") ;;
	curl-config) IN=""; ARGS=(curl-config "$P") ;;
	esac
	printf '%s' "$IN" >"$T/in"
	run env DBUS_SESSION_BUS_ADDRESS=disabled: LD_DEBUG=files "$AC" "${ARGS[@]}" <"$T/in"
	t_eq "$c: kernel hit without a bus: exit 0" 0 "$RC"
	t_contains "$c: the cached token" "$OUT" "$TOK1"
	t_no_module "$c: no module loaded" "$ERR"
	t_not_contains "$c: no libcurl/libsecret/GLib" "$(echo "$ERR" | grep -E 'libcurl|libsecret|libglib|libgio')" "lib"
done
t_eq "front-end hits: no HTTP request" "$BEFORE" "$(posts)"

# ---- forget clears both levels
t_ok "forget" "$AC" forget "$P"
t_eq "forget: no live kernel key" 0 "$(nlive "$P")"
t_eq "forget: no Secret Service token" 0 "$(ss_tokens "$P")"
t_ok "token after forget" "$AC" token "$P"
t_eq "after forget: one more POST" $((BEFORE + 1)) "$(posts)"
TOK2=$OUT
t_not_contains "after forget: a new token" "$TOK1" "$TOK2"
t_eq "after forget: kernel key again" 1 "$(nlive "$P")"

# ---- the Secret Service level refills the kernel level
# (the kernel key gone behind agentcred's back, e.g. after a reboot)
N=$(posts)
t_ok "kernel key dropped by hand" drop_by_hand "$P"
t_eq "no live kernel key" 0 "$(nlive "$P")"
run "$AC" token "$P"
t_eq "Secret Service hit after a kernel miss" "$TOK2" "$OUT"
t_eq "Secret Service hit: no POST" "$N" "$(posts)"
t_eq "the Secret Service hit put the kernel key back" 1 "$(nlive "$P")"

# ---- kernel level off: AGENTCRED_KERNEL_CACHE=0
P0="kc0-$LEVEL-$UNIQ"
profile_cc "$P0" "$TOKEN_URL" cc-secret >/dev/null
N=$(posts)
AGENTCRED_KERNEL_CACHE=0 run "$AC" token "$P0"
t_eq "AGENTCRED_KERNEL_CACHE=0: token works" 0 "$RC"
t_eq "AGENTCRED_KERNEL_CACHE=0: no kernel key" 0 "$(nlive "$P0")"
t_eq "AGENTCRED_KERNEL_CACHE=0: token in the Secret Service" 1 "$(ss_tokens "$P0")"
AGENTCRED_KERNEL_CACHE=0 run "$AC" token "$P0"
t_eq "AGENTCRED_KERNEL_CACHE=0: second call is a Secret Service hit" $((N + 1)) "$(posts)"
t_eq "AGENTCRED_KERNEL_CACHE=0: still no kernel key" 0 "$(nlive "$P0")"
t_ok "AGENTCRED_KERNEL_CACHE=0: forget" env AGENTCRED_KERNEL_CACHE=0 "$AC" forget "$P0"
t_eq "AGENTCRED_KERNEL_CACHE=0: forget cleared the Secret Service" 0 "$(ss_tokens "$P0")"

# ---- kernel level off: "kernel_cache": false in the config
CFG=$XDG_CONFIG_HOME/agentcred/config.json
cp "$CFG" "$T/config.saved"
"$PY" -c '
import json, sys
c = json.load(open(sys.argv[1])); c["kernel_cache"] = False
json.dump(c, open(sys.argv[1], "w"), indent=1)' "$CFG"
N=$(posts)
t_ok "\"kernel_cache\": false: token works" "$AC" token "$P0"
t_eq "\"kernel_cache\": false: no kernel key" 0 "$(nlive "$P0")"
t_ok "\"kernel_cache\": false: second call" "$AC" token "$P0"
t_eq "\"kernel_cache\": false: one POST for both" $((N + 1)) "$(posts)"
t_ok "\"kernel_cache\": false: forget" "$AC" forget "$P0"
cp "$T/config.saved" "$CFG"

# ---- the kernel refuses the key system calls (seccomp, old kernels):
# the test-build hook and a real seccomp filter
for e in EPERM ENOSYS seccomp; do
	if [ $e = seccomp ]; then W=("$NOKEYS"); E=(env)
	else W=(); E=(env AGENTCRED_TEST_KEYCTL=$e); fi
	"$AC" forget "$P0" >/dev/null
	N=$(posts)
	run "${E[@]}" "${W[@]}" "$AC" token "$P0"
	t_eq "keyctl $e: token works" 0 "$RC"
	t_eq "keyctl $e: silent" "" "$ERR"
	t_eq "keyctl $e: no kernel key" 0 "$(live_keys "$P0" | wc -l)"
	TOKR=$OUT
	run "${E[@]}" "${W[@]}" "$AC" -v token "$P0"
	t_eq "keyctl $e: a hit" "$TOKR" "$OUT"
	t_eq "keyctl $e: one POST for both" $((N + 1)) "$(posts)"
	if [ "$LEVEL" = files ]; then
		t_contains "keyctl $e: the runtime directory still serves" "$ERR" "from the fast cache (runtime directory)"
		run "${E[@]}" "${W[@]}" env DBUS_SESSION_BUS_ADDRESS=disabled: LD_DEBUG=files "$AC" token "$P0"
		t_eq "keyctl $e: fast hit without a bus" "$TOKR" "$OUT"
		t_no_module "keyctl $e: no module loaded" "$ERR"
	else
		t_contains "keyctl $e: served by the Secret Service" "$ERR" "from the keyring"
		run "${E[@]}" "${W[@]}" "$AC" doctor
		t_match "keyctl $e: doctor says why" "$(printf '%s\n' "$OUT" | grep fast-cache)" 'none \(keyctl is refused .*runtime directory is not a tmpfs'
	fi
	run "${E[@]}" "${W[@]}" "$AC" forget "$P0"
	t_eq "keyctl $e: forget works" 0 "$RC"
	t_eq "keyctl $e: forget cleared the Secret Service" 0 "$(ss_tokens "$P0")"
	t_eq "keyctl $e: forget cleared the fast level" 0 "$(nlive "$P0")"
done
if [ "$LEVEL" = kernel ]; then
	# a key put while the kernel allowed it, then refused: no stale hit
	"$AC" token "$P0" >/dev/null
	t_eq "refused later: the key exists" 1 "$(nlive "$P0")"
	run "$NOKEYS" "$AC" token "$P0"
	t_eq "refused later: still served (Secret Service)" 0 "$RC"
	"$AC" forget "$P0" >/dev/null
fi

# ---- a token past its kernel timeout is fetched anew
[ "$LEVEL" = files ] && emu_start ex oauth_cc lifetime=4
NX=$(emu_count ex /oauth/token)
PX="kcx-$LEVEL-$UNIQ"
profile_cc "$PX" "$URL_ex/oauth/token" cc-secret --refresh-margin 1 >/dev/null
t_ok "short-lived token" "$AC" token "$PX"
TOKX=$OUT
if [ "$LEVEL" = kernel ]; then
	read -r _ _ _ TIMEOUT _ <<<"$(live_keys "$PX")"
	t_match "kernel timeout at most the lifetime" "$TIMEOUT" '^[1-4]s$'
else
	t_ok "file expiry at most the lifetime" test "$(stat -c %Y "$(live_files "$PX")")" -le $(( $(date +%s) + 4 ))
fi
t_ok "short-lived token: hit while fresh" "$AC" token "$PX"
t_eq "short-lived token: one POST so far" $((NX + 1)) "$(emu_count ex /oauth/token)"
sleep 5
t_eq "after the timeout the kernel key is gone" 0 "$(nlive "$PX")"
t_ok "token after expiry" "$AC" token "$PX"
t_eq "after expiry: fetched anew" $((NX + 2)) "$(emu_count ex /oauth/token)"
t_not_contains "after expiry: a new token" "$TOKX" "$OUT"
t_eq "after expiry: a live kernel key again" 1 "$(nlive "$PX")"

# ---- git / docker erase, profile remove, secret rotation
PH="kch-$LEVEL-$UNIQ"
HOST="h-$LEVEL-$UNIQ.example"
profile_cc "$PH" "$TOKEN_URL" cc-secret --host "$HOST" >/dev/null
printf 'protocol=https\nhost=%s\n\n' "$HOST" >"$T/git.in"
run "$AC" git get <"$T/git.in"
t_contains "git get: the profile token" "$OUT" "password="
t_eq "git get: kernel key" 1 "$(nlive "$PH")"
run "$AC" git erase <"$T/git.in"
t_eq "git erase: exit 0" 0 "$RC"
t_eq "git erase: kernel key gone" 0 "$(nlive "$PH")"
t_eq "git erase: Secret Service token gone" 0 "$(ss_tokens "$PH")"

run "$AC" git get <"$T/git.in"
t_eq "docker: kernel key again" 1 "$(nlive "$PH")"
printf '%s' "$HOST" >"$T/docker.in"
run "$AC" docker erase <"$T/docker.in"
t_eq "docker erase: exit 0" 0 "$RC"
t_eq "docker erase: kernel key gone" 0 "$(nlive "$PH")"
t_eq "docker erase: Secret Service token gone" 0 "$(ss_tokens "$PH")"

"$AC" token "$PH" >/dev/null
t_eq "rotation: kernel key before" 1 "$(nlive "$PH")"
emu_set oa '{"client_secret": "cc-secret-2"}' >/dev/null
t_ok "rotation: profile add again with a new secret" \
	profile_cc "$PH" "$TOKEN_URL" cc-secret-2 --host "$HOST"
t_eq "rotation: kernel key gone" 0 "$(nlive "$PH")"
t_eq "rotation: Secret Service token gone" 0 "$(ss_tokens "$PH")"
N=$(posts)
t_ok "rotation: token with the new secret" "$AC" token "$PH"
t_eq "rotation: fetched anew" $((N + 1)) "$(posts)"
emu_set oa '{"client_secret": "cc-secret"}' >/dev/null

t_eq "remove: kernel key before" 1 "$(nlive "$PH")"
t_ok "profile remove" "$AC" profile remove "$PH"
t_eq "profile remove: kernel key gone" 0 "$(nlive "$PH")"
t_eq "profile remove: Secret Service token gone" 0 "$(ss_tokens "$PH")"

# forget of one profile leaves another's key alone
t_ok "token P" "$AC" token "$P"
t_ok "token PX" "$AC" token "$PX"
"$AC" forget "$PX" >/dev/null
t_eq "forget PX leaves P's key" 1 "$(nlive "$P")"
t_eq "forget PX drops PX's key" 0 "$(nlive "$PX")"
"$AC" forget "$P" >/dev/null

}

suite files
suite kernel
export XDG_RUNTIME_DIR=$TMPFS_RUN
t_done
