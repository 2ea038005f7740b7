# Shared shell library of agentcred's integration tests (bash).
#
#   . "$(dirname "$0")/../lib.sh"
#
# Every test script gets a private world: $T holds HOME and the XDG
# directories, its own D-Bus session bus and gnome-keyring-daemon (started
# on demand by keyring_start), its own CA and emulators.  Nothing outside
# $T is touched except the per-uid kernel keyring, which is why profile
# names carry $UNIQ.  Everything started here is stopped on exit.

set -u
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
AC=${AC:-$TOP/build/san/agentcred}
export AGENTCRED_MODULE_DIR=${AGENTCRED_MODULE_DIR:-$(dirname "$AC")}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$TOP/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# test build: HTTP retries do not sleep (t-entra keeps the real waits)
export AGENTCRED_TEST_SLEEP=${AGENTCRED_TEST_SLEEP:-0}
TNAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/agentcred-$TNAME.XXXXXX")
UNIQ="$$-$RANDOM"
# The runtime directory is a tmpfs, as /run/user/UID is on a desktop (the
# fast cache level keeps tokens only there); $T/run where none is writable.
RUNDIR=$T/run
if [ -d /dev/shm ] && [ -w /dev/shm ] &&
   [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
	RUNDIR=$(mktemp -d "/dev/shm/agentcred-$TNAME.XXXXXX") || RUNDIR=$T/run
fi
export HOME=$T/home XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data \
       XDG_RUNTIME_DIR=$RUNDIR XDG_CACHE_HOME=$T/cache
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# this machine points these at a proxy CA bundle; tests trust only their own CA
unset CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR GIT_SSL_CAINFO
unset DISPLAY WAYLAND_DISPLAY AGENTCRED_CONFIG AGENTCRED_KEYRING \
      AGENTCRED_KERNEL_CACHE GNOME_KEYRING_CONTROL SSH_AUTH_SOCK
export DBUS_SESSION_BUS_ADDRESS=disabled:
export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
# Debian's python3 starts in ~50 ms; the pyenv shim on PATH here takes ~0.5 s
if [ -x /usr/bin/python3 ]; then PY=${PYTHON:-/usr/bin/python3}; else PY=${PYTHON:-python3}; fi
T_PASS=0 T_FAIL=0
_PIDS=""
_BUS_PIDS=""

_cleanup() {
	local p
	_provider_stop 2>/dev/null	# KeePassXC may outlive a SIGTERM
	for p in $_PIDS $_BUS_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $_PIDS $_BUS_PIDS; do
		wait "$p" 2>/dev/null
	done
	# keys of this run's profiles would otherwise linger until expiry
	if command -v keyctl >/dev/null 2>&1; then
		keyctl show @u 2>/dev/null | awk -v u="$UNIQ" \
			'index($0, u) { print $1 }' |
			while read -r k; do keyctl unlink "$k" @u >/dev/null 2>&1; done
	fi
	rm -rf "$T"
	case $RUNDIR in /dev/shm/agentcred-*) rm -rf "$RUNDIR" ;; esac
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- results
t_pass() { T_PASS=$((T_PASS + 1)); echo "ok - $1"; }
t_failmsg() {
	T_FAIL=$((T_FAIL + 1))
	echo "not ok - $1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	return 0
}

# run CMD...: $OUT stdout, $ERR stderr, $RC status
run() {
	"$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	return 0
}

t_ok() {
	local name=$1; shift
	run "$@"
	if [ "$RC" -eq 0 ]; then t_pass "$name"
	else t_failmsg "$name" "exit $RC: $*" "stderr: $(echo "$ERR" | head -5)"; fi
}

t_exit() {
	local name=$1 want=$2; shift 2
	run "$@"
	if [ "$RC" -eq "$want" ]; then t_pass "$name"
	else t_failmsg "$name" "exit $RC, wanted $want: $*" "stderr: $(echo "$ERR" | head -5)"; fi
}

t_eq() {
	if [ "$2" = "$3" ]; then t_pass "$1"
	else t_failmsg "$1" "wanted: $2" "got:    $3"; fi
}

t_contains() {
	case $2 in
	*"$3"*) t_pass "$1" ;;
	*) t_failmsg "$1" "missing: $3" "in: $(printf '%s' "$2" | head -5)" ;;
	esac
}

t_not_contains() {
	case $2 in
	*"$3"*) t_failmsg "$1" "must not contain: $3" ;;
	*) t_pass "$1" ;;
	esac
}

# t_no_module NAME LD_DEBUG-OUTPUT: none of agentcred's modules was mapped
# (matched by file name: the tree's own path may hold "agentcred-")
t_no_module() {
	if printf '%s' "$2" | grep -Eq -- '/agentcred-[a-z]+\.so'; then
		t_failmsg "$1" "a module was loaded: $(printf '%s' "$2" | grep -Eo -- '/agentcred-[a-z]+\.so' | sort -u | tr '\n' ' ')"
	else
		t_pass "$1"
	fi
}

t_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then t_pass "$1"
	else t_failmsg "$1" "no match for /$3/" "in: $(printf '%s' "$2" | head -5)"; fi
}

# assert_no_secret NAME FILE SECRET...: none of the secrets occurs in FILE
assert_no_secret() {
	local name=$1 file=$2 s bad=""; shift 2
	for s in "$@"; do
		[ -n "$s" ] || continue
		if grep -qF -- "$s" "$file"; then bad="$bad ${s:0:6}…"; fi
	done
	if [ -z "$bad" ]; then t_pass "$name"
	else t_failmsg "$name" "secret(s) found in $(basename "$file"):$bad"; fi
}

t_done() {
	echo "$TNAME: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# t_fatal WHY: the test cannot go on; a failure, never a skip (make check
# installs everything the tests use, so a missing piece is a bug)
t_fatal() {
	t_failmsg "prerequisite: $*"
	echo "$TNAME: $T_PASS passed, $((T_FAIL)) failed"
	exit 1
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			t_fatal "$c is not installed — run tests/install-deps.sh"
	done
}

# ---------------------------------------------------------------- keyring
# A bus without service activation: nothing starts behind our back, so
# "a bus with no Secret Service" stays that way.
_bus_start() {
	cat >"$T/bus.conf" <<-CONF
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>session</type>
	  <listen>unix:dir=$XDG_RUNTIME_DIR</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default">
	    <allow send_destination="*" eavesdrop="true"/>
	    <allow eavesdrop="true"/>
	    <allow own="*"/>
	  </policy>
	</busconfig>
	CONF
	local out
	out=$(dbus-daemon --config-file="$T/bus.conf" --fork --print-address=1 --print-pid=1) || return 1
	DBUS_SESSION_BUS_ADDRESS=$(echo "$out" | sed -n 1p)
	_BUS_PIDS="$_BUS_PIDS $(echo "$out" | sed -n 2p)"
	export DBUS_SESSION_BUS_ADDRESS
}

_secrets_owned() {
	dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets \
		2>/dev/null | grep -q true
}

# _gkd_start PASSWORD: unlocked login keyring; waits until it owns the name
_gkd_start() {
	local i=0 pid
	mkdir -p "$XDG_DATA_HOME/keyrings"
	[ -f "$XDG_DATA_HOME/keyrings/default" ] ||
		printf login >"$XDG_DATA_HOME/keyrings/default"
	printf '%s' "$1" | gnome-keyring-daemon --unlock --components=secrets \
		--daemonize >/dev/null 2>&1 || return 1
	until _secrets_owned; do
		i=$((i + 1))
		[ $i -gt 200 ] && { echo "gnome-keyring-daemon did not start" >&2; return 1; }
		sleep 0.05
	done
	pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.GetConnectionUnixProcessID \
		string:org.freedesktop.secrets 2>/dev/null | awk '/uint32/ { print $2 }')
	[ -n "$pid" ] && _PIDS="$_PIDS $pid"
	GKD_PID=$pid
}

# ------------------------------------------- provider switch (begin)
# AC_PROVIDER=gnome|keepassxc|kwallet picks the Secret Service provider
# keyring_start runs, each headless on the private bus (facts: README.md,
# "Keyring providers").  $GKD_PID is always the provider's process.
#   keyring_start            the provider, its default collection usable
#   keyring_restart PASS     stop it and start it again with PASS; a wrong
#                            PASS leaves the collection locked
#   keyring_start_locked     a locked collection with one seed item
#   keyring_stop             stop it (data written to disk first)
#   keyring_sync             make what it holds survive a SIGKILL
AC_PROVIDER=${AC_PROVIDER:-gnome}
case $AC_PROVIDER in
gnome|keepassxc|kwallet) ;;
*) echo "AC_PROVIDER=$AC_PROVIDER: use gnome, keepassxc or kwallet" >&2; exit 2 ;;
esac
KR_PASS=test-password

_dbus_get() {	# DEST PATH IFACE PROP: the printed value
	dbus-send --session --print-reply --dest="$1" "$2" \
		org.freedesktop.DBus.Properties.Get string:"$3" string:"$4" 2>/dev/null |
		awk '/variant/ { print $NF }'
}

_default_collection() {
	dbus-send --session --print-reply --dest=org.freedesktop.secrets \
		/org/freedesktop/secrets org.freedesktop.Secret.Service.ReadAlias \
		string:default 2>/dev/null | awk '/object path/ { gsub(/"/, "", $3); print $3 }'
}

_provider_pid() {
	dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.GetConnectionUnixProcessID \
		string:org.freedesktop.secrets 2>/dev/null | awk '/uint32/ { print $2 }'
}

# _provider_wait WANT_UNLOCKED: the name owned (and the default collection
# unlocked when asked); GKD_PID set
_provider_wait() {
	local i=0 c
	until _secrets_owned; do
		i=$((i + 1))
		[ $i -gt 300 ] && { echo "$AC_PROVIDER did not start" >&2; return 1; }
		sleep 0.05
	done
	GKD_PID=$(_provider_pid)
	[ -n "$GKD_PID" ] && _PIDS="$_PIDS $GKD_PID"
	[ "$1" = 1 ] || return 0
	while :; do
		c=$(_default_collection)
		[ -n "$c" ] && [ "$c" != / ] &&
			[ "$(_dbus_get org.freedesktop.secrets "$c" org.freedesktop.Secret.Collection Locked)" = false ] &&
			return 0
		i=$((i + 1))
		[ $i -gt 300 ] && { echo "$AC_PROVIDER: the default collection stays locked" >&2; return 1; }
		sleep 0.05
	done
}

# KeePassXC: integration on, the database's group exposed, no access
# confirmation, no auto-save crash (see README.md)
_kpx_start() {
	local d=$T/keepassxc
	mkdir -p "$d" "$XDG_CONFIG_HOME/keepassxc" "$T/kpx-tmp"
	# written at every start: KPX_CONFIRM=true turns the per-client
	# access confirmation on (its default) for the next start
	cat >"$XDG_CONFIG_HOME/keepassxc/keepassxc.ini" <<-INI
		[General]
		AutoSaveAfterEveryChange=${KPX_AUTOSAVE:-true}
		[GUI]
		CheckForUpdates=false
		ShowTrayIcon=false
		[Security]
		LockDatabaseScreenLock=false
		[FdoSecrets]
		Enabled=true
		ShowNotification=false
		ConfirmAccessItem=${KPX_CONFIRM:-false}
		ConfirmDeleteItem=false
		INI
	if [ ! -f "$d/db.kdbx" ]; then
		"$PY" - "$d/db.xml" <<-'PYEOF' || return 1
		import base64, sys, uuid
		g, root = uuid.uuid4(), uuid.uuid4()
		b = lambda u: base64.b64encode(u.bytes).decode()
		open(sys.argv[1], "w").write(f"""<?xml version="1.0" encoding="utf-8"?>
		<KeePassFile><Meta><Generator>agentcred-tests</Generator>
		<DatabaseName>agentcred-test</DatabaseName><CustomData>
		<Item><Key>FDO_SECRETS_EXPOSED_GROUP</Key><Value>{{{g}}}</Value></Item>
		</CustomData></Meta><Root><Group><UUID>{b(root)}</UUID><Name>Root</Name>
		<Group><UUID>{b(g)}</UUID><Name>Secret Service</Name></Group>
		</Group></Root></KeePassFile>""")
		PYEOF
		printf '%s\n%s\n' "$KR_PASS" "$KR_PASS" |
			keepassxc-cli import -q -p -t 100 "$d/db.xml" "$d/db.kdbx" >/dev/null 2>&1 ||
			return 1
	fi
	# its single-instance lock and socket go to TMPDIR
	# (a subshell: not a job of ours, so no "Killed" notice on SIGKILL)
	(printf '%s' "$1" | TMPDIR=$T/kpx-tmp QT_QPA_PLATFORM=offscreen \
		keepassxc --pw-stdin "$d/db.kdbx" >>"$T/keepassxc.log" 2>&1 &)
	_provider_wait "$([ "$1" = "$KR_PASS" ] && echo 1)"
}

# KWallet: opened the way pam_kwallet5 does at login; a wallet created by
# the first open is listed only after a restart
_kwl_start() {
	if [ ! -f "$XDG_DATA_HOME/kwalletd/kdewallet.kwl" ]; then
		cat >"$XDG_CONFIG_HOME/kwalletrc" <<-INI
		[Wallet]
		First Use=false
		Enabled=true
		Close When Idle=false
		Use One Wallet=true
		Default Wallet=kdewallet
		Launch Manager=false
		Leave Open=true

		[org.freedesktop.secrets]
		apiEnabled=true
		INI
		_kwl_login "$KR_PASS" && _provider_wait 0 || return 1
		local i=0
		until [ -f "$XDG_DATA_HOME/kwalletd/kdewallet.kwl" ]; do
			i=$((i + 1)); [ $i -gt 100 ] && return 1; sleep 0.05
		done
		_provider_stop
	fi
	_kwl_login "$1" || return 1
	# after a login the collection says Locked until a client asks:
	# agentcred must ask (README.md), so it is left that way
	_provider_wait 0
}

_kwl_login() {
	QT_QPA_PLATFORM=offscreen "$PY" "$TOP/tests/kwallet_login.py" "$1" \
		>>"$T/kwalletd5.log" 2>&1
}

provider_start() {	# PASSWORD
	case $AC_PROVIDER in
	gnome) _gkd_start "$1" ;;
	keepassxc) _kpx_start "$1" ;;
	kwallet) _kwl_start "$1" ;;
	esac
}

_provider_stop() {
	local i=0 pid=${GKD_PID:-}
	[ -n "$pid" ] || return 0
	if [ "$AC_PROVIDER" = kwallet ]; then
		# it writes lazily: close (and so save) the wallet first
		timeout 5 dbus-send --session --print-reply --dest=org.kde.kwalletd5 \
			/modules/kwalletd5 org.kde.KWallet.closeAllWallets >/dev/null 2>&1
	fi
	kill "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		# KeePassXC does not always exit on SIGTERM
		[ $i -eq 40 ] && kill -9 "$pid" 2>/dev/null
		sleep 0.05
	done
	GKD_PID=
}

keyring_start() {
	case $AC_PROVIDER in
	gnome) need dbus-daemon dbus-send gnome-keyring-daemon ;;
	keepassxc) need dbus-daemon dbus-send keepassxc keepassxc-cli ;;
	kwallet) need dbus-daemon dbus-send kwalletd5 ;;
	esac
	_bus_start || t_fatal "cannot start dbus-daemon"
	provider_start "$KR_PASS" || t_fatal "cannot start $AC_PROVIDER"
}

keyring_restart() {	# PASSWORD
	_provider_stop
	provider_start "$1" || t_fatal "cannot restart $AC_PROVIDER"
}

# A bus whose keyring stays locked: opened with another password, and
# with no display nobody can answer the unlock prompt.
keyring_start_locked() {
	keyring_start
	secret-tool store --label=seed agentcred-test seed <<<"seed" ||
		t_fatal "cannot store the seed item"
	keyring_restart "another-password"
}

keyring_stop() { _provider_stop; }

keyring_sync() {
	local i=0 m
	case $AC_PROVIDER in
	kwallet) keyring_restart "$KR_PASS" ;;
	keepassxc)
		# it saves a moment after a change: wait for that write
		m=$(stat -c %.9Y "$T/keepassxc/db.kdbx")
		while [ "$(stat -c %.9Y "$T/keepassxc/db.kdbx")" = "$m" ] && [ $i -lt 60 ]; do
			i=$((i + 1)); sleep 0.05
		done
		sleep 0.2 ;;
	esac
	return 0
}
if [ "$AC_PROVIDER" = kwallet ]; then
# kwalletd5 5.103 and libsecret 0.20.5 fail about 1.5% of encrypted
# sessions (a refused key, or a read that comes back empty): secret-tool
# is not what the tests test, so it gets three tries
secret-tool() {
	local in="" out rc i
	[ "${1:-}" = store ] && in=$(cat)
	for i in 1 2 3; do
		out=$(printf '%s' "$in" | command secret-tool "$@" 2>"$T/.st.err")
		rc=$?
		[ "$rc" = 0 ] && { [ "${1:-}" != lookup ] || [ -n "$out" ]; } && break
	done
	if [ "${1:-}" = lookup ]; then printf '%s' "$out"
	elif [ -n "$out" ]; then printf '%s\n' "$out"; fi
	cat "$T/.st.err" >&2
	return "$rc"
}
fi
# --------------------------------------------- provider switch (end)

# noprovider: a bus, but nobody owns org.freedesktop.secrets
noprovider_start() {
	need dbus-daemon dbus-send
	_bus_start || t_fatal "cannot start dbus-daemon"
}

# ---------------------------------------------------------------- TLS
# cert_make NAME SUBJECT_ALT_NAMES [CA] [DAYS]: $T/ca/NAME.{pem,key}
_ca_new() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=agentcred test $1" \
		-keyout "$T/ca/$1.key" -out "$T/ca/$1.pem" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

cert_make() {
	local name=$1 san=$2 ca=${3:-ca} days=${4:-2}
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" \
		-keyout "$T/ca/$name.key" -out "$T/ca/$name.csr" 2>/dev/null &&
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$T/ca/$name.ext" &&
	openssl x509 -req -in "$T/ca/$name.csr" -CA "$T/ca/$ca.pem" -CAkey "$T/ca/$ca.key" \
		-CAcreateserial -days "$days" -extfile "$T/ca/$name.ext" \
		-out "$T/ca/$name.pem" 2>/dev/null
}

# ca_make: $T/ca/ca.pem and a server certificate for 127.0.0.1/localhost
ca_make() {
	need openssl
	mkdir -p "$T/ca"
	[ -f "$T/ca/ca.pem" ] && return 0
	_ca_new ca && cert_make server "IP:127.0.0.1,DNS:localhost" ca ||
		{ echo "ca_make failed" >&2; exit 1; }
	CA=$T/ca/ca.pem
}

# ---------------------------------------------------------------- emulators
# emu_start ID PLUGIN[,PLUGIN] [--http] [--cert NAME] [k=v ...]
emu_start() {
	local id=$1 plugin=$2 scheme=https i=0 port
	local -a tls=(--cert "$T/ca/server.pem" --key "$T/ca/server.key")
	shift 2
	local -a rest=()
	while [ $# -gt 0 ]; do
		case $1 in
		--http) scheme=http; tls=(--http) ;;
		--cert) tls=(--cert "$T/ca/$2.pem" --key "$T/ca/$2.key"); shift ;;
		*) rest+=("$1") ;;
		esac
		shift
	done
	[ "$scheme" = https ] && ca_make
	mkdir -p "$T/emu"
	rm -f "$T/emu/$id.port"
	"$PY" "$TOP/tests/emulators/emu.py" --plugin "$plugin" \
		--port-file "$T/emu/$id.port" "${tls[@]}" "${rest[@]}" \
		2>"$T/emu/$id.log" &
	_PIDS="$_PIDS $!"
	until [ -s "$T/emu/$id.port" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			echo "emulator $id did not start:" >&2
			cat "$T/emu/$id.log" >&2
			exit 1
		fi
		sleep 0.05
	done
	port=$(cat "$T/emu/$id.port")
	printf -v "URL_$id" '%s://127.0.0.1:%s' "$scheme" "$port"
	printf -v "PORT_$id" '%s' "$port"
	export "URL_$id" "PORT_$id"
}

_emu_url() { local v="URL_$1"; printf '%s' "${!v}"; }

# emu_curl ID PATH [curl args]: talk to the emulator's control API
emu_curl() {
	local id=$1 path=$2; shift 2
	curl -sS --cacert "$T/ca/ca.pem" "$@" "$(_emu_url "$id")$path"
}

emu_stats() { emu_curl "$1" /_emu/stats; }

# emu_count ID [PATH]: requests received (all non-control ones by default)
emu_count() {
	emu_stats "$1" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
p = sys.argv[1] if len(sys.argv) > 1 else ""
print(s["paths"].get(p, 0) if p else s["total"])' ${2:+"$2"}
}

# emu_state ID EXPR: evaluate EXPR on the plugin state (python, "s")
emu_state() {
	emu_stats "$1" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)["state"]
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))' "$2"
}

emu_set() { emu_curl "$1" /_emu/set -X POST -H 'Content-Type: application/json' -d "$2"; }
emu_fault() { emu_curl "$1" /_emu/fault -X POST -H 'Content-Type: application/json' -d "$2"; }
emu_reset() { emu_curl "$1" /_emu/reset -X POST; }

# json_get JSON EXPR: python expression on the parsed document "j"
json_get() {
	printf '%s' "$1" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))' "$2"
}

# argv_shims: curl and agentcred on PATH that append every argv to
# $T/argv.log before running the real ones (secrets must never be there)
argv_shims() {
	local real_curl
	real_curl=$(command -v curl)
	mkdir -p "$T/bin"
	cat >"$T/bin/curl" <<-EOF
	#!/bin/sh
	printf '%s\n' "\$*" >>"$T/argv.log"
	exec "$real_curl" "\$@"
	EOF
	cat >"$T/bin/agentcred" <<-EOF
	#!/bin/sh
	printf 'agentcred %s\n' "\$*" >>"$T/argv.log"
	exec "$AC" "\$@"
	EOF
	chmod +x "$T/bin/curl" "$T/bin/agentcred"
	: >"$T/argv.log"
	export PATH="$T/bin:$PATH"
}

# ---------------------------------------------------------------- profiles
# profile_cc NAME TOKEN_URL SECRET [options]: a client-credentials profile
# whose secret goes in through stdin
profile_cc() {
	local name=$1 url=$2 secret=$3; shift 3
	printf '%s' "$secret" | "$AC" profile add "$name" --type client-credentials \
		--token-url "$url" --client-id "${CLIENT_ID:-cc-client}" \
		${CA:+--ca-file "$CA"} --secret-stdin "$@"
}

# ---------------------------------------------------------------- kubectl
# kube_exec_api: the newest exec credential API the kubectl on PATH speaks:
# client.authentication.k8s.io/v1 from kubectl 1.22 on, v1beta1 before
# (Debian 12's kubernetes-client is 1.20).
kube_exec_api() {
	local minor
	minor=$(kubectl version --client -o json 2>/dev/null |
		sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -1)
	if [ -n "$minor" ] && [ "$minor" -lt 22 ]; then
		echo client.authentication.k8s.io/v1beta1
	else
		echo client.authentication.k8s.io/v1
	fi
}
