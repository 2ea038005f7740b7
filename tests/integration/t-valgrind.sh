#!/bin/bash
# valgrind on the main paths (issue 6): no invalid read or write, no use
# of uninitialised memory, no definitely lost block, on the release build
# (ASan and valgrind do not mix).  Unless build/ is up to date, the
# release build is made in a private directory ($T/vg), so this script
# never races another one that runs make in the tree.  GLib, libsecret and
# libcurl keep one-time allocations for the life of the process: "still
# reachable" and "possibly lost" are not errors here; tests/valgrind.supp
# is for library internals only, each with its reason (none needed yet).
. "$(dirname "$0")/../lib.sh"
need valgrind make secret-tool
# an up-to-date release build in the tree is used as it is (make -q only
# looks); otherwise one is made privately
if make -C "$TOP" -q all >/dev/null 2>&1; then
	VGB=$TOP/build
else
	VGB=$T/vg
	run make -C "$TOP" -s BUILD="$VGB" -j2 all
	[ "$RC" = 0 ] || t_fatal "release build failed: $ERR"
fi
AC=$VGB/agentcred
export AGENTCRED_MODULE_DIR=$VGB
export PATH="$VGB:$PATH"
unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
keyring_start
emu_start vg oauth_cc
TOKEN_URL="$URL_vg/oauth/token"
P="vg-$UNIQ"
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --error-exitcode=99 --num-callers=30
    --suppressions="$TOP/tests/valgrind.supp")

# vg NAME WANT-EXIT INPUT CMD...: CMD under valgrind with INPUT on stdin
vg() {
	local name=$1 want=$2 input=$3; shift 3
	printf '%s' "$input" >"$T/vg.in"
	"${VG[@]}" --log-file="$T/vg.$name.log" "$@" <"$T/vg.in" >"$T/vg.out" 2>"$T/vg.err"
	RC=$?
	OUT=$(cat "$T/vg.out")
	if [ "$RC" = "$want" ] && [ ! -s "$T/vg.$name.log" ]; then
		t_pass "valgrind clean: $name (exit $RC)"
	else
		t_failmsg "valgrind: $name: exit $RC, wanted $want" \
			"$(head -40 "$T/vg.$name.log")" "stderr: $(head -3 "$T/vg.err")"
	fi
}
NL='
'
vg "profile add (Secret Service)" 0 cc-secret "$AC" profile add "$P" --type client-credentials \
	--token-url "$TOKEN_URL" --client-id cc-client --ca-file "$CA" --host api.vg.example --secret-stdin
vg "token, cold: fetch and store" 0 "" "$AC" token "$P"
TOK=$OUT
t_eq "the issued token" "$(emu_state vg 's["tokens"][-1]')" "$TOK"
vg "token, kernel cache hit" 0 "" "$AC" token "$P"
AGENTCRED_KERNEL_CACHE=0 vg "token, Secret Service hit" 0 "" "$AC" token "$P"
t_eq "no second request" 1 "$(emu_count vg /oauth/token)"
vg "get" 0 "{\"profile\": \"$P\"}" "$AC" get
KUBERNETES_EXEC_INFO='{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}' \
	vg "kube" 0 "" "$AC" kube "$P"
vg "curl-config" 0 "" "$AC" curl-config "$P"
vg "git get (profile host)" 0 "protocol=https${NL}host=api.vg.example${NL}" "$AC" git get
vg "git store" 0 "protocol=https${NL}host=git.vg.example${NL}username=u${NL}password=vg-pass${NL}" "$AC" git store
vg "git get (stored host)" 0 "protocol=https${NL}host=git.vg.example${NL}" "$AC" git get
t_contains "git get answered the stored password" "$OUT" "password=vg-pass"
vg "git erase" 0 "protocol=https${NL}host=git.vg.example${NL}username=u${NL}password=vg-pass${NL}" "$AC" git erase
vg "docker store" 0 '{"ServerURL":"reg.vg.example","Username":"u","Secret":"vg-docker"}' \
	docker-credential-agentcred store
vg "docker get" 0 "reg.vg.example" docker-credential-agentcred get
vg "docker list" 0 "" docker-credential-agentcred list
profile_cc "w-$P" "$TOKEN_URL" wrong
vg "rejected fetch" 4 "" "$AC" token "w-$P"
vg "bad get request" 2 '{"profile": 5}' "$AC" get
vg "profile remove" 0 "" "$AC" profile remove "$P"
# the file store
vg "file store: profile add" 0 cc-secret "$AC" --keyring file profile add "f-$P" \
	--type client-credentials --token-url "$TOKEN_URL" --client-id cc-client \
	--ca-file "$CA" --secret-stdin
AGENTCRED_KERNEL_CACHE=0 vg "file store: token, cold" 0 "" "$AC" --keyring file token "f-$P"
AGENTCRED_KERNEL_CACHE=0 vg "file store: token, hit" 0 "" "$AC" --keyring file token "f-$P"
vg "file store: profile remove" 0 "" "$AC" --keyring file profile remove "f-$P"

t_done
