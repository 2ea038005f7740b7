#!/bin/bash
# needs: two-users
# The lock directory against another user (issue 14, finding 1): the lock
# only saves duplicate token requests, so a lock directory that someone
# else prepared — another user's directory in a shared place, a symlink,
# a root-owned one left by `sudo -E agentcred …` — costs the single flight
# with one warning, never the command; and without a runtime directory of
# ours the locks go under the cache home, never to a fixed name in /tmp.
# agentcred runs as $AC_T1, the other user's steps as $AC_T2, set-up as root.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || t_fatal "a two-user test runs as root (tests/run does that)"
AC_T1=${AC_T1:-agentcred-t1} AC_T2=${AC_T2:-agentcred-t2}
for u in "$AC_T1" "$AC_T2"; do
	id "$u" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$u" 2>/dev/null ||
		id "$u" >/dev/null 2>&1 || t_fatal "cannot create user $u"
done
U1=$(id -u "$AC_T1")
as1() { setpriv --reuid="$AC_T1" --regid="$AC_T1" --clear-groups -- "$@"; }
as2() { setpriv --reuid="$AC_T2" --regid="$AC_T2" --clear-groups -- "$@"; }

emu_start lk oauth_cc --http
export LK_SECRET=cc-secret
chmod 711 "$T"
W=$T/u1	# the victim's private world
mkdir -p "$W/home" "$W/config" "$W/data" "$W/cache"
mkdir -m 700 "$W/run"
chown -R "$AC_T1:" "$W"
chmod 700 "$W"
O=$T/u2	# a directory of the other user's that both can enter
mkdir -m 755 "$O"
chown "$AC_T2:" "$O"

# u1 [ENV=VALUE...] -- agentcred ARGS: as the victim, $OUT/$ERR/$RC
u1() {
	local -a envs=() unsets=()
	while [ "$1" != -- ]; do
		case $1 in
		-u) unsets+=(-u "$2"); shift ;;
		*) envs+=("$1") ;;
		esac
		shift
	done
	shift
	run as1 env HOME="$W/home" XDG_CONFIG_HOME="$W/config" XDG_DATA_HOME="$W/data" \
		XDG_CACHE_HOME="$W/cache" XDG_RUNTIME_DIR="$W/run" \
		AGENTCRED_KEYRING=file AGENTCRED_KERNEL_CACHE=0 LK_SECRET=cc-secret \
		"${envs[@]}" env "${unsets[@]}" "$AC" "$@"
}
n=0
cold() {	# NAME ENV...: a new profile, one cold token call
	local p=$1-$UNIQ-$n; shift
	n=$((n + 1))
	u1 -- profile add "$p" --type client-credentials --token-url "$URL_lk/oauth/token" \
		--client-id cc-client --secret-env LK_SECRET </dev/null
	[ "$RC" = 0 ] || t_fatal "profile add: $ERR"
	u1 "$@" -- token "$p"
}

# ---- no runtime directory: not /tmp/agentcred-<uid>, which anyone can take
FIXED=/tmp/agentcred-$U1
if [ ! -e "$FIXED" ] && [ ! -L "$FIXED" ]; then
	as2 mkdir -m 755 "$FIXED"
	cold tmpdir -u XDG_RUNTIME_DIR
	t_eq "another user's $FIXED: the token still comes, exit 0" 0 "$RC"
	t_eq "...without a word (it is not used at all)" "" "$ERR"
	rmdir "$FIXED"
	as2 ln -s "$O" "$FIXED"
	cold tmplink -u XDG_RUNTIME_DIR
	t_eq "another user's symlink at $FIXED: exit 0" 0 "$RC"
	rm -f "$FIXED"
fi
cold cachehome -u XDG_RUNTIME_DIR
t_eq "no XDG_RUNTIME_DIR: exit 0" 0 "$RC"
t_ok "...the lock is under \$XDG_CACHE_HOME/agentcred/locks" \
	sh -c "ls '$W/cache/agentcred/locks/'*.lock"
t_eq "...a private directory" 700 "$(stat -c %a "$W/cache/agentcred/locks")"

# ---- XDG_RUNTIME_DIR naming another user's shared directory (sudo -u, su
# without a login): passed over, its agentcred entry never used
mkdir -m 1777 "$O/run"
as2 mkdir -m 755 "$O/run/agentcred"
cold shared XDG_RUNTIME_DIR="$O/run"
t_eq "another user's runtime directory with agentcred/ in it: exit 0" 0 "$RC"
t_eq "...no warning: the cache home served" "" "$ERR"
t_eq "...nothing of ours written there" "" "$(find "$O/run" -user "$AC_T1")"

# ---- `sudo -E agentcred token p` left a root-owned lock directory
mkdir -m 700 "$W/run/agentcred"
cold sudoe
t_eq "root-owned \$XDG_RUNTIME_DIR/agentcred: the token still comes, exit 0" 0 "$RC"
t_eq "...with one warning" 1 "$(grep -c 'without the lock' <<<"$ERR")"
t_contains "...naming the directory" "$ERR" "$W/run/agentcred"
t_match "...and the token" "$OUT" '^ey'
rmdir "$W/run/agentcred"
# and a root-owned lock file in a directory of ours
cold again
t_eq "the directory is ours again: exit 0, no warning" "0:" "$RC:$ERR"
for f in "$W/run/agentcred/"*.lock; do chown root: "$f"; done
u1 -- forget "again-$UNIQ-$((n - 1))"
u1 -- token "again-$UNIQ-$((n - 1))"
t_eq "root-owned lock file: exit 0" 0 "$RC"
t_contains "...with the warning" "$ERR" "without the lock"

# ---- a symlink in its place, to a directory of the other user's
rm -rf "$W/run/agentcred"
mkdir -m 700 "$O/lk"
chown "$AC_T2:" "$O/lk"
as1 ln -s "$O/lk" "$W/run/agentcred"
cold symlink
t_eq "lock directory a symlink to another user's: exit 0" 0 "$RC"
t_eq "...one warning" 1 "$(grep -c 'without the lock' <<<"$ERR")"

t_done
