#!/bin/bash
# The Makefile as packagers and fresh machines meet it (README, Set-up):
#   - pkg-config runs when a rule needs it, not while the Makefile is read;
#     a package it cannot find stops the build naming it and its Debian
#     -dev package, and no module is linked against nothing; once the
#     package is there, the next make builds everything;
#   - changing CC, CFLAGS, CPPFLAGS or LDFLAGS rebuilds what they affect,
#     nothing when they do not change; CPPFLAGS and LDFLAGS reach the
#     compiler and the linker; -Werror only with WERROR=1;
#   - the binary exports exactly helper/module.syms, which is exactly what
#     the modules call back.
# Everything is built in $T (BUILD=), never in the tree's build/.
. "$(dirname "$0")/../lib.sh"
need make cc nm readelf pkg-config
BD=$T/b
mk() { run make -C "$TOP" BUILD="$BD" "$@"; }
# compiles / links: the compiler lines make printed
compiles() { printf '%s\n' "$OUT" | grep -c -- ' -c -o '; }
links() { printf '%s\n' "$OUT" | grep -Ec -- '(-pie|-shared) '; }

# ---- a missing package: the build stops naming it
mkdir -p "$T/bin"
cat >"$T/bin/pkg-config" <<'EOF'
#!/bin/sh
for a; do case $a in libcurl)
	echo "Package libcurl was not found in the pkg-config search path." >&2; exit 1;; esac; done
exec pkg-config "$@"
EOF
chmod +x "$T/bin/pkg-config"
mk PKG_CONFIG="$T/bin/pkg-config" all
t_eq "no libcurl: make fails" 2 "$RC"
t_contains "no libcurl: pkg-config's reason shown" "$ERR" "Package libcurl was not found"
t_contains "no libcurl: names the package and what to install" "$ERR" \
	"pkg-config cannot find libcurl: install libcurl4-openssl-dev"
t_ok "no libcurl: no module linked against nothing" test ! -e "$BD/agentcred-http.so"
mk PKG_CONFIG="$T/nonexistent" all
t_eq "no pkg-config: make fails" 2 "$RC"
t_contains "no pkg-config: says so" "$ERR" "$T/nonexistent is not installed"

# ---- once it is there, the next make builds it all
mk all
t_eq "make all" 0 "$RC"
t_contains "http module linked with libcurl" "$(readelf -d "$BD/agentcred-http.so")" "libcurl.so"
t_contains "secret module linked with libsecret" "$(readelf -d "$BD/agentcred-secret.so")" "libsecret-1.so"
t_contains "crypto module linked with libcrypto" "$(readelf -d "$BD/agentcred-crypto.so")" "libcrypto.so"
# what links: the binary and the three modules
NLINK=4
t_not_contains "no -Werror by default" "$OUT" "-Werror "
mk all
t_eq "again: nothing compiled" 0 "$(compiles)"
t_eq "again: nothing linked" 0 "$(links)"

# ---- flags are tracked
mk all CFLAGS="-O1 -g"
t_contains "CFLAGS reach the compiler" "$OUT" " -O1 -g "
t_match "changed CFLAGS: every object and module rebuilt" "$(compiles):$(links)" "^[0-9]{2,}:$NLINK\$"
mk all CFLAGS="-O1 -g"
t_eq "same CFLAGS: nothing rebuilt" "0:0" "$(compiles):$(links)"
mk all CFLAGS="-O1 -g" CPPFLAGS="-DAC_T_BUILD=1"
t_contains "CPPFLAGS reach the compiler" "$OUT" "-DAC_T_BUILD=1"
t_match "changed CPPFLAGS: rebuilt" "$(compiles)" '^[0-9]{2,}$'
mk all CFLAGS="-O1 -g" CPPFLAGS="-DAC_T_BUILD=1" LDFLAGS="-Wl,-z,noexecstack"
t_eq "changed LDFLAGS: nothing recompiled" 0 "$(compiles)"
t_eq "changed LDFLAGS: binary and modules relinked" $NLINK "$(links)"
t_eq "LDFLAGS reach every link" $NLINK "$(printf '%s\n' "$OUT" | grep -c -- '-Wl,-z,noexecstack')"
mk all CC="cc -fno-common" CFLAGS="-O1 -g" CPPFLAGS="-DAC_T_BUILD=1" LDFLAGS="-Wl,-z,noexecstack"
t_match "changed CC: rebuilt" "$(compiles):$(links)" "^[0-9]{2,}:$NLINK\$"
mk all CFLAGS="-O1 -g" WERROR=1
t_contains "WERROR=1: -Werror" "$OUT" " -Werror "

# ---- the module ABI: exports == helper/module.syms == what modules call
LIST=$(sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\);$/\1/p' "$TOP/helper/module.syms" | sort)
t_match "module.syms lists functions" "$(echo "$LIST" | wc -l)" '^[0-9]+$'
EXPORTED=$(nm -D --defined-only "$BD/agentcred" | awk '$2 == "T" { print $3 }' | sort)
t_eq "the binary exports exactly module.syms" "$LIST" "$EXPORTED"
CALLED=$(nm -D --undefined-only "$BD"/agentcred-*.so | awk '{ print $2 }' | sort -u |
	comm -12 - <(nm --defined-only "$BD/libagentcred.a" 2>/dev/null |
		awk '$2 == "T" { print $3 }' | sort -u))
t_eq "module.syms is exactly what the modules call back" "$LIST" "$CALLED"
t_done
