#!/bin/bash
# needs: two-users
# The file store owned by another user (issue 6, issue 12): agentcred,
# running as $AC_T1, refuses secrets.json and its directory when they
# belong to $AC_T2 — exit 3, the file named, its bytes left as they were —
# and works again once they are its own.  tests/run runs this script as
# root (the only way to hand a file to another user) with AC_T1 and AC_T2
# exported; agentcred itself never runs as root here.
. "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" != 0 ] || [ -z "${AC_T1:-}" ] || [ -z "${AC_T2:-}" ]; then
	echo "# not root with AC_T1/AC_T2: the other-owner cases need tests/run as root"
	t_done
fi
need setpriv
emu_start ow oauth_cc
TOKEN_URL="$URL_ow/oauth/token"
chown -R "$AC_T1:$AC_T1" "$T" "$XDG_RUNTIME_DIR"
chmod 755 "$T"
# as1 CMD...: run as the first user, in this script's private world
as1() { setpriv --reuid="$AC_T1" --regid="$AC_T1" --clear-groups -- "$@"; }
export AGENTCRED_KEYRING=file DBUS_SESSION_BUS_ADDRESS=disabled:
S=$XDG_DATA_HOME/agentcred/secrets.json
F="ow-$UNIQ"
t_ok "profile add as $AC_T1" as1 sh -c "printf cc-secret | '$AC' profile add '$F' \
	--type client-credentials --token-url '$TOKEN_URL' --client-id cc-client \
	--ca-file '$CA' --secret-stdin"
t_eq "the store belongs to $AC_T1" "$AC_T1" "$(stat -c %U "$S")"
t_ok "token as $AC_T1" as1 timeout 30 "$AC" token "$F"

# refused NAME: token and a store fail with exit 3 naming the file; the
# bytes stay as they were
refused() {
	local name=$1
	cp "$S" "$T/before"
	run as1 env AGENTCRED_KERNEL_CACHE=0 timeout 30 "$AC" token "$F"
	t_eq "$name: token exit 3" 3 "$RC"
	t_contains "$name: names the file" "$ERR" "$S"
	run as1 sh -c "printf x | '$AC' profile add 'n-$F' --type client-credentials \
		--token-url '$TOKEN_URL' --client-id c --secret-stdin"
	t_eq "$name: store exit 3" 3 "$RC"
	t_ok "$name: bytes unchanged" cmp -s "$S" "$T/before"
}
chown "$AC_T2:$AC_T2" "$S"
refused "file owned by $AC_T2"
chown "$AC_T1:$AC_T1" "$S"
chown "$AC_T2:$AC_T2" "$XDG_DATA_HOME/agentcred"
run as1 env AGENTCRED_KERNEL_CACHE=0 timeout 30 "$AC" token "$F"
t_eq "directory owned by $AC_T2: exit 3" 3 "$RC"
t_contains "directory owned by $AC_T2: names it" "$ERR" "$XDG_DATA_HOME/agentcred"
chown "$AC_T1:$AC_T1" "$XDG_DATA_HOME/agentcred"
t_ok "its own again: token works" as1 env AGENTCRED_KERNEL_CACHE=0 timeout 30 "$AC" token "$F"
t_done
