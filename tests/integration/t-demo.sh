#!/bin/bash
# `make demo` is the README's first command: it must keep working.  Runs
# contrib/demo.sh with the binary under test and checks its story: every
# tool got a token, all of them for the price of one token request, and
# the demo never printed the client secret or a whole token.
. "$(dirname "$0")/../lib.sh"
need kubectl git curl
bash "$TOP/contrib/demo.sh" >"$T/demo.out" 2>&1
RC=$?
t_eq "demo exits 0" 0 "$RC"
OUT=$(cat "$T/demo.out")
t_contains "kubectl got through" "$OUT" '"gitVersion": "v1.32.0-agentcred-emu"'
t_contains "git cloned" "$OUT" "prompt templates"
t_contains "curl's request carried the resource group" "$OUT" "AI-Resource-Group: default"
t_contains "curl -K worked" "$OUT" "HTTP 200"
t_contains "one token request for everything" "$OUT" "token endpoint requests: 1"
t_not_contains "no client secret shown" "$OUT" "cc-secret\""
t_not_contains "no failure" "$OUT" "demo: that failed"
t_done
