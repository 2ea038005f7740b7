#!/bin/bash
# Agent tools (issue 18, README.md "Agent tools", agentcred(1) headers and
# exec): the real Claude Code, Codex, Copilot CLI and gemini-cli, installed
# with npm into a private prefix (cached between runs under build/agents,
# keyed by version), get their tokens from agentcred through the
# contrib/agents/ configurations and send them to the stubs of
# tests/emulators/agents.py, which accept only tokens the oauth_cc or entra
# emulator of the same process issued and did not revoke (or the one
# FoundationaLLM token).  Fully offline: after the npm step the script re-runs
# itself in a network namespace with only loopback (unshare -rn, which works
# unprivileged).
#   - headers [NAME] and exec directly (exit statuses, no token without a
#     command, http off loopback);
#   - each CLI reaches its stub with the right token (and AI-Resource-Group):
#     Claude Code apiKeyHelper (SAP-style, Entra) and MCP headersHelper
#     (SAP-style, FoundationaLLM), Codex auth command (SAP-style, Entra) and
#     a FoundationaLLM MCP server through exec, Copilot CLI
#     COPILOT_PROVIDER_API_KEY_COMMAND (SAP-style, Entra), gemini-cli
#     through exec (SAP-style headers, Entra Bearer);
#   - negative control per CLI: the token of another server (or a
#     FoundationaLLM token the server does not know) → the CLI fails and the
#     stub saw and refused that token;
#   - revoke + forget: the stub revokes the token on first use and runs
#     `agentcred forget`; a CLI that runs its hook again on a 401 (403 for
#     Claude Code's MCP) gets a fresh token and finishes; gemini-cli, which
#     has none, fails and the next start gets a fresh token.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# the CLI versions under test; gemini-cli 0.61 needs node >= 20 (Debian 12's
# own nodejs is 18: then node 20 is installed from the npm registry below)
AGENT_PKGS="@anthropic-ai/claude-code@2.1.197 @openai/codex@0.171.0 @github/copilot@1.0.102 @google/gemini-cli@0.61.0"

# ---------------------------------------------------------------- npm step
# (build/agents when every CLI is there or it is writable: the suite may run
# as another user than the one who built the tree)
agents_complete() {
	local pkg
	for pkg in $AGENT_PKGS; do
		[ -d "$1/$(printf '%s' "$pkg" | tr / +)/node_modules" ] || return 1
	done
}
agents_cache() {
	local d=${AGENTCRED_AGENTS_CACHE:-$TOP/build/agents}
	agents_complete "$d" && { printf '%s' "$d"; return 0; }
	if ! mkdir -p "$d" 2>/dev/null || [ ! -w "$d" ]; then
		d=/var/tmp/agentcred-agents-$(id -u)
		mkdir -p "$d" || return 1
	fi
	printf '%s' "$d"
}

# agents_install: DIR/<pkg with / as +>@<version>/node_modules/.bin/<cli>
agents_install() {
	local pkg dir
	for pkg in $AGENT_PKGS; do
		dir=$AGENTS/$(printf '%s' "$pkg" | tr / +)
		[ -d "$dir/node_modules" ] && continue
		echo "# npm install $pkg into $dir" >&2
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp"
		npm install --prefix "$dir.tmp" --cache "$AGENTS/npm-cache" --no-audit --update-notifier=false \
			--no-fund --loglevel=error "$pkg" >&2 || return 1
		mv "$dir.tmp" "$dir" || return 1
	done
}

if [ -z "${AC_AGENTS_NETNS:-}" ]; then
	for c in node npm unshare python3; do
		command -v "$c" >/dev/null 2>&1 || {
			echo "not ok - prerequisite: $c is not installed — run tests/install-deps.sh"
			echo "t-agents: 0 passed, 1 failed"; exit 1; }
	done
	AGENTS=$(agents_cache) || {
		echo "not ok - prerequisite: a directory for the agent CLIs"
		echo "t-agents: 0 passed, 1 failed"; exit 1; }
	# gemini-cli needs node >= 20; Debian 12's own nodejs is 18.  Then node
	# 20 comes from the npm registry too (the "node" package, which installs
	# the binary of its node-linux-* package), beside the CLIs.
	v=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
	if [ "${v:-0}" -lt 20 ]; then
		if [ ! -x "$AGENTS/node@20/node_modules/.bin/node" ]; then
			echo "# node $(node --version 2>&1) is older than 20: npm install node@20" >&2
			rm -rf "$AGENTS/node@20.tmp"
			npm install --prefix "$AGENTS/node@20.tmp" --cache "$AGENTS/npm-cache" --no-audit \
				--update-notifier=false --no-fund --loglevel=error node@20 >&2 &&
				mv "$AGENTS/node@20.tmp" "$AGENTS/node@20"
		fi
		PATH=$AGENTS/node@20/node_modules/.bin:$PATH
		export PATH
		v=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
		if [ "${v:-0}" -lt 20 ]; then
			echo "not ok - prerequisite: node >= 20 (gemini-cli needs it), found $(node --version 2>&1)"
			echo "t-agents: 0 passed, 1 failed"; exit 1
		fi
	fi
	agents_install || {
		echo "not ok - prerequisite: npm install of the agent CLIs"
		echo "t-agents: 0 passed, 1 failed"; exit 1; }
	export AGENTS AC_AGENTS_NETNS=1 TOP
	if ! unshare -rn true 2>/dev/null; then
		# no user namespaces here (e.g. a container's seccomp profile):
		# run with the CLIs' offline settings alone, and say so
		export AC_AGENTS_NETNS=none
		exec bash "$0"
	fi
	# lo starts down in a new namespace: bring it up (SIOCGIFFLAGS, then
	# SIOCSIFFLAGS with IFF_UP; no iproute2 needed)
	exec unshare -rn sh -c 'python3 -c "
import fcntl, socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
f = struct.unpack(\"16sH14s\", fcntl.ioctl(s, 0x8913, struct.pack(\"16sH14s\", b\"lo\", 0, b\"\")))[1]
fcntl.ioctl(s, 0x8914, struct.pack(\"16sH14s\", b\"lo\", f | 1, b\"\"))
" && exec bash "$0"' "$0"
fi

. "$(dirname "$0")/../lib.sh"
bin() { printf '%s/%s/node_modules/.bin/%s' "$AGENTS" "$(printf '%s' "$1" | tr / +)" "$2"; }
CLAUDE=$(bin @anthropic-ai/claude-code@2.1.197 claude)
CODEX=$(bin @openai/codex@0.171.0 codex)
COPILOT=$(bin @github/copilot@1.0.102 copilot)
GEMINI=$(bin @google/gemini-cli@0.61.0 gemini)
CONTRIB=$TOP/contrib/agents

# nothing but loopback: a connection anywhere else must fail at once
if [ "$AC_AGENTS_NETNS" = none ]; then
	echo "# unshare -rn is not permitted here: NOT in a loopback-only network namespace;"
	echo "# the CLIs run with their offline settings and the stubs on 127.0.0.1 only"
else
	run "$PY" -c 'import socket; socket.create_connection(("1.1.1.1", 443), 2)'
	t_eq "offline: only loopback in this network namespace" 1 "$RC"
fi

keyring_start
argv_shims	# "agentcred" on PATH logs its argv to $T/argv.log
RG=grp-$UNIQ
emu_start o oauth_cc,agents --http "require_headers={\"AI-Resource-Group\": \"$RG\"}"
emu_start x oauth_cc --http		# another token server: its tokens are wrong
INST=8b6e7e3a-2f54-4c51-9d43-0c1d5e3f7a21
mktoken() {
	PYTHONPATH=$TOP/tests/emulators "$PY" -c \
		'import sys, fllm; print(fllm.make_token(*sys.argv[1:]))' "$@"
}
FTOK=$(mktoken "$INST")
FWRONG=$(mktoken "$INST")
emu_start f agents --http auth=fllm "fllm_token=$FTOK" label=fllm
emu_set o '{"label": "sap"}' >/dev/null
emu_start e entra,agents --http		# Microsoft Entra agent identity tokens

PS=sap-$UNIQ PW=wrong-$UNIQ PF=fllm-$UNIQ PFW=fllmwrong-$UNIQ PE=entra-$UNIQ
HOST_O=127.0.0.1:$PORT_o HOST_F=127.0.0.1:$PORT_f
t_ok "profile add (SAP-style)" profile_cc "$PS" "$URL_o/oauth/token" cc-secret \
	--header "AI-Resource-Group=$RG" --host "$HOST_O"
t_ok "profile add (wrong token server)" profile_cc "$PW" "$URL_x/oauth/token" cc-secret \
	--header "AI-Resource-Group=$RG"
fl_add() {
	local name=$1 tok=$2; shift 2
	printf '%s' "$tok" | "$AC" profile add "$name" --type foundationallm \
		--api-url "$URL_f/instances/$INST" --secret-stdin "$@"
}
t_ok "profile add (FoundationaLLM)" fl_add "$PF" "$FTOK" --host "$HOST_F"
t_ok "profile add (FoundationaLLM, wrong token)" fl_add "$PFW" "$FWRONG"
t_ok "profile add (Entra agent identity)" sh -c 'printf bp-secret | "$0" profile add "$1" \
	--type entra-agent --tenant contoso.example --authority "$2" \
	--blueprint-app-id b1b1b1b1-0000-4000-8000-000000000001 \
	--agent-app-id a9a9a9a9-0000-4000-8000-000000000002 \
	--scope api://ai-gateway/.default --secret-stdin' "$AC" "$PE" "$URL_e"
# final agent tokens the Entra emulator issued
tokens_e() { emu_state e '"\n".join(t for t, c in s.get("issued", {}).items() if c["emu_kind"] == "final")'; }

# seen ID [FIELD]: what the stub recorded, one request a line
seen() { emu_state "$1" "\"\\n\".join(\"%s %s %s\" % (e[\"path\"], e[\"ok\"], e[\"token\"]) for e in s.get(\"seen\", []))"; }
tokens_o() { emu_state o '"\n".join(s.get("tokens", []))'; }
# last_ok ID PATH: the credential of the last accepted request to PATH
last_ok() { seen "$1" | awk -v p="$2" '$1 == p && $2 == "True" { t = $3 } END { print t }'; }
ok_count() { seen "$1" | awk -v p="$2" '$1 == p && $2 == "True"' | wc -l; }
bad_count() { seen "$1" | awk -v p="$2" '$1 == p && $2 == "False"' | wc -l; }
# fill FILE: a contrib configuration with this run's names, URLs and group
fill() {
	sed -e "s|https://llm-gateway.example.com/anthropic|$URL_o|g" \
	    -e "s|https://llm-gateway.example.com/v1|$URL_o/v1|g" \
	    -e "s|https://llm-gateway.example.com/gemini|$URL_o|g" \
	    -e "s|https://llm-gateway.example.com|$URL_o|g" \
	    -e "s|https://mcp.sap-tools.example.com/mcp|$URL_o/mcp|g" \
	    -e "s|https://fllm-core.example.com/mcp|$URL_f/mcp|g" \
	    -e "s|https://ai-gateway.contoso.example/anthropic|${URL_e:-}|g" \
	    -e "s|https://ai-gateway.contoso.example/openai/v1|${URL_e:-}/v1|g" \
	    -e "s|https://ai-gateway.contoso.example/gemini|${URL_e:-}|g" \
	    -e "s|sap-ai-core|$PS|g" -e "s|fllm-agent-token|$PF|g" \
	    -e "s|entra-agent\"|$PE\"|g" -e "s|exec entra-agent |exec $PE |" \
	    -e "s|AI-Resource-Group: default|AI-Resource-Group: $RG|g" \
	    -e "s|\"AI-Resource-Group\" = \"default\"|\"AI-Resource-Group\" = \"$RG\"|g" "$1"
}

# ================================================================ headers, exec
t_ok "headers NAME" "$AC" headers "$PS"
TOK=$(tokens_o | tail -1)
t_eq "headers NAME: exactly Authorization + AI-Resource-Group" \
	"{\"Authorization\":\"Bearer $TOK\",\"AI-Resource-Group\":\"$RG\"}" "$OUT"
CLAUDE_CODE_MCP_SERVER_URL=$URL_o/mcp run "$AC" headers
t_eq "headers by CLAUDE_CODE_MCP_SERVER_URL host:port" \
	"{\"Authorization\":\"Bearer $TOK\",\"AI-Resource-Group\":\"$RG\"}" "$OUT"
CLAUDE_CODE_MCP_SERVER_URL=$URL_f/mcp?x=1 run "$AC" headers
t_eq "headers by URL: FoundationaLLM" "{\"X-AGENT-ACCESS-TOKEN\":\"$FTOK\"}" "$OUT"
t_exit "headers: neither NAME nor URL → exit 2" 2 env -u CLAUDE_CODE_MCP_SERVER_URL "$AC" headers
t_exit "headers: no profile for the host → exit 2" 2 \
	env CLAUDE_CODE_MCP_SERVER_URL=https://nobody.example/mcp "$AC" headers
t_eq "headers: no match prints nothing" "" "$OUT"
t_exit "headers: host without the port does not match → exit 2" 2 \
	env CLAUDE_CODE_MCP_SERVER_URL=http://127.0.0.1/mcp "$AC" headers
t_exit "headers: plain http off loopback → exit 2" 2 \
	env CLAUDE_CODE_MCP_SERVER_URL=http://mcp.example.com/mcp "$AC" headers "$PS"
t_eq "headers: http off loopback prints no token" "" "$OUT"
t_contains "headers: says why" "$ERR" "https://"
t_exit "headers: bad URL → exit 2" 2 env CLAUDE_CODE_MCP_SERVER_URL=notaurl "$AC" headers
t_exit "headers: user:password@ in the URL → exit 2" 2 \
	env CLAUDE_CODE_MCP_SERVER_URL="https://u:pw-$UNIQ@$HOST_O/mcp" "$AC" headers
t_not_contains "headers: the URL's password is not echoed" "$ERR" "pw-$UNIQ"
t_exit "headers: unknown option → exit 2" 2 "$AC" headers "$PS" --bogus
t_exit "headers: unknown profile → exit 2" 2 "$AC" headers "nosuch-$UNIQ"

cat >"$T/bin/showenv" <<'EOF'
#!/bin/sh
printf 'TOKEN=%s\n---\n%s\n---\nargs:%s\n' "${MY_TOKEN-unset}" "${MY_HEADERS-unset}" "$*"
EOF
chmod +x "$T/bin/showenv"
t_ok "exec --env --headers-env" "$AC" exec "$PS" --env MY_TOKEN --headers-env MY_HEADERS -- showenv a "b c"
t_eq "exec: token and header lines in CMD's environment" \
	"$(printf 'TOKEN=%s\n---\nAuthorization: Bearer %s\nAI-Resource-Group: %s\n---\nargs:a b c' "$TOK" "$TOK" "$RG")" "$OUT"
t_ok "exec FoundationaLLM" "$AC" exec "$PF" --headers-env MY_HEADERS -- showenv
t_contains "exec: X-AGENT-ACCESS-TOKEN line" "$OUT" "X-AGENT-ACCESS-TOKEN: $FTOK"
cat >"$T/bin/marker" <<EOF
#!/bin/sh
touch "$T/marker-ran"
EOF
chmod +x "$T/bin/marker"
printf 'wrong' | "$AC" profile add "bad-$UNIQ" --type client-credentials \
	--token-url "$URL_o/oauth/token" --client-id cc-client --secret-stdin >/dev/null 2>&1
t_exit "headers: rejected credentials → exit 4" 4 "$AC" headers "bad-$UNIQ"
t_exit "exec: rejected credentials → exit 4" 4 "$AC" exec "bad-$UNIQ" --env MY_TOKEN -- marker
t_eq "exec: no token, no CMD" no "$([ -e "$T/marker-ran" ] && echo yes || echo no)"
t_exit "exec: no -- → exit 2" 2 "$AC" exec "$PS" --env MY_TOKEN marker
t_exit "exec: no variable → exit 2" 2 "$AC" exec "$PS" -- marker
t_exit "exec: bad variable name → exit 2" 2 "$AC" exec "$PS" --env 'A=B' -- marker
t_exit "exec: no CMD → exit 2" 2 "$AC" exec "$PS" --env MY_TOKEN --
t_eq "exec: usage errors ran nothing" no "$([ -e "$T/marker-ran" ] && echo yes || echo no)"
t_exit "exec: missing CMD → exit 1" 1 "$AC" exec "$PS" --env MY_TOKEN -- "$T/no-such-cmd"
assert_no_secret "no token in any agentcred argv" "$T/argv.log" "$TOK" "$FTOK"
# -v diagnostics: never a token or the client secret
"$AC" -v headers "$PS" >/dev/null 2>"$T/v.err"
"$AC" -v headers "$PF" >/dev/null 2>>"$T/v.err"
"$AC" -v exec "$PS" --env MY_TOKEN --headers-env MY_HEADERS -- true 2>>"$T/v.err"
"$AC" -v exec "bad-$UNIQ" --env MY_TOKEN -- true 2>>"$T/v.err"
t_contains "-v: exec says what it runs" "$(cat "$T/v.err")" "running true with the token in 2 environment variable(s)"
assert_no_secret "-v headers and exec: no token, no secret on stderr" "$T/v.err" \
	$(tokens_o) "$FTOK" cc-secret

# ================================================================ Claude Code
# claude_run DIR ARGS...: claude -p in project DIR, offline, no retries
claude_run() {
	local dir=$1; shift
	run env -C "$dir" -u ANTHROPIC_API_KEY -u ANTHROPIC_AUTH_TOKEN \
		CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
		DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 \
		CLAUDE_CODE_MAX_RETRIES=${CLAUDE_RETRIES:-0} \
		timeout 120 "$CLAUDE" -p "$@" </dev/null
}
mkdir -p "$HOME/.claude" "$T/proj"
fill "$CONTRIB/claude-code/settings-sap.json" >"$HOME/.claude/settings.json"
fill "$CONTRIB/claude-code/mcp.json" >"$T/proj/.mcp.json"
t_ok "claude --version" "$CLAUDE" --version
CLAUDE_VERSION=$OUT
echo "# $CLAUDE_VERSION"

# apiKeyHelper = agentcred token NAME (contrib/agents/claude-code/settings-sap.json)
claude_run "$T/proj" "Say hello"
t_eq "claude: apiKeyHelper: exit 0" 0 "$RC"
t_contains "claude: apiKeyHelper: the model's answer" "$OUT" "agentcred-ok"
TOK=$(tokens_o | tail -1)
t_eq "claude: stub accepted the token agentcred issued (x-api-key + Bearer)" "$TOK" "$(last_ok o /v1/messages)"

# negative control: a token of another server
claude_run "$T/proj" --settings "{\"apiKeyHelper\": \"agentcred token $PW\"}" "Say hello"
echo "# claude exit $RC: $(printf '%s' "$OUT$ERR" | head -3)"
t_not_contains "claude: wrong token: no answer" "$OUT" "agentcred-ok"
XTOK=$(emu_state x '"\n".join(s.get("tokens", []))' | tail -1)
t_eq "claude: wrong token: the stub refused that token" 1 \
	"$(seen o | awk -v t="$XTOK" '$1 == "/v1/messages" && $2 == "False" && $3 == t' | wc -l)"

# revoked on first use + forget: claude re-runs apiKeyHelper on the 401
emu_set o "$(printf '{"revoke_on": "/v1/messages", "revoke_cmd": ["%s", "forget", "%s"]}' "$AC" "$PS")" >/dev/null
NTOK=$(tokens_o | wc -l)
CLAUDE_RETRIES=2 claude_run "$T/proj" "Say hello"
echo "# claude exit $RC: $(printf '%s' "$OUT$ERR" | head -3)"
t_contains "claude: revoked + forget: answer with a fresh token" "$OUT" "agentcred-ok"
t_eq "claude: revoked + forget: agentcred fetched one new token" $((NTOK + 1)) "$(tokens_o | wc -l)"
t_eq "claude: revoked + forget: the new token was accepted" "$(tokens_o | tail -1)" "$(last_ok o /v1/messages)"

# MCP headersHelper = agentcred headers, profile by CLAUDE_CODE_MCP_SERVER_URL
# (contrib/agents/claude-code/mcp.json): SAP-style (Authorization +
# AI-Resource-Group) on stub o, FoundationaLLM (X-AGENT-ACCESS-TOKEN) on f
MCPTOOLS="mcp__sap-tools__whoami mcp__fllm-agent__whoami"
emu_set o '{"tool_use": "mcp__sap-tools__whoami"}' >/dev/null
claude_run "$T/proj" "Call whoami" --allowedTools "$MCPTOOLS"
t_contains "claude: MCP headersHelper, SAP-style: tool result" "$OUT" "mcp-ok:sap"
t_eq "claude: MCP SAP: stub o saw tools/call with the live token" "$(tokens_o | tail -1)" "$(last_ok o /mcp)"
emu_set o '{"tool_use": "mcp__fllm-agent__whoami"}' >/dev/null
claude_run "$T/proj" "Call whoami" --allowedTools "$MCPTOOLS"
t_contains "claude: MCP headersHelper, FoundationaLLM: tool result" "$OUT" "mcp-ok:fllm"
t_eq "claude: MCP FoundationaLLM: stub f saw X-AGENT-ACCESS-TOKEN" "$FTOK" "$(last_ok f /mcp)"

# MCP negative control: a FoundationaLLM token the server does not know
mkdir -p "$T/projbad"
printf '{"mcpServers": {"fllm-agent": {"type": "http", "url": "%s/mcp", "headersHelper": "agentcred headers %s"}}}\n' \
	"$URL_f" "$PFW" >"$T/projbad/.mcp.json"
claude_run "$T/projbad" "Call whoami" --allowedTools "$MCPTOOLS"
echo "# claude exit $RC: $(printf '%s' "$OUT$ERR" | head -3)"
t_not_contains "claude: MCP wrong token: no tool result" "$OUT" "mcp-ok:"
t_eq "claude: MCP wrong token: stub f refused it" yes \
	"$(seen f | awk -v t="$FWRONG" '$1 == "/mcp" && $2 == "False" && $3 == t { f = 1 } END { print f ? "yes" : "no" }')"

# MCP token revoked at tools/call + forget: claude re-runs headersHelper on
# a 403 (on a 401 Claude Code 2.1.197 starts MCP OAuth discovery instead,
# /.well-known/oauth-protected-resource, and the tool call fails)
emu_set o "$(printf '{"tool_use": "mcp__sap-tools__whoami", "revoke_on": "/mcp", "revoke_method": "tools/call", "revoke_status": 403, "revoke_cmd": ["%s", "forget", "%s"]}' "$AC" "$PS")" >/dev/null
NTOK=$(tokens_o | wc -l)
CLAUDE_RETRIES=2 claude_run "$T/proj" "Call whoami" --allowedTools "$MCPTOOLS"
echo "# claude exit $RC: $(printf '%s' "$OUT$ERR" | head -3)"
t_contains "claude: MCP revoked + forget: tool result" "$OUT" "mcp-ok:sap"
t_eq "claude: MCP revoked + forget: one fresh token for model and MCP" $((NTOK + 1)) "$(tokens_o | wc -l)"
t_eq "claude: MCP revoked + forget: the fresh token reached tools/call" "$(tokens_o | tail -1)" "$(last_ok o /mcp)"
emu_set o '{"tool_use": null, "revoke_method": null, "revoke_status": null}' >/dev/null

# apiKeyHelper with an Entra agent identity (contrib/agents/claude-code/settings-entra.json)
fill "$CONTRIB/claude-code/settings-entra.json" >"$T/settings-entra.json"
t_contains "claude: Entra settings name the Entra profile" "$(cat "$T/settings-entra.json")" "token $PE\""
claude_run "$T/proj" "Say hello" --settings "$T/settings-entra.json"
echo "# claude exit $RC: $(printf '%s' "$OUT$ERR" | head -3)"
t_contains "claude: Entra agent token: the model's answer" "$OUT" "agentcred-ok"
t_eq "claude: Entra agent token: stub accepted it" "$(tokens_e | tail -1)" "$(last_ok e /v1/messages)"

# ================================================================ Codex
# codex_run ARGS...: codex exec with $CODEX_HOME, offline
export CODEX_HOME=$T/codex
mkdir -p "$CODEX_HOME"
codex_run() {
	run env -C "$T/proj" -u OPENAI_API_KEY -u CODEX_API_KEY \
		timeout 120 "$CODEX" exec --strict-config --skip-git-repo-check --ephemeral "$@" </dev/null
}
fill "$CONTRIB/codex/config.toml" >"$CODEX_HOME/config.toml"
t_ok "codex --version" "$CODEX" --version
echo "# $OUT"

# [model_providers.X.auth] command = agentcred token NAME (contrib/agents/codex/config.toml)
codex_run "Say hello"
echo "# codex exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -5)"
t_eq "codex: auth command: exit 0" 0 "$RC"
t_contains "codex: auth command: the model's answer" "$OUT" "agentcred-ok"
t_eq "codex: stub accepted the token agentcred issued" "$(tokens_o | tail -1)" "$(last_ok o /v1/responses)"

# negative control: the token of another server
mkdir -p "$T/codexbad"
sed "s|\"token\", \"$PS\"|\"token\", \"$PW\"|" "$CODEX_HOME/config.toml" >"$T/codexbad/config.toml"
t_contains "codex: wrong-token config names the other profile" "$(cat "$T/codexbad/config.toml")" "\"$PW\""
CODEX_HOME=$T/codexbad codex_run "Say hello"
echo "# codex exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -3)"
t_not_contains "codex: wrong token: no answer" "$OUT" "agentcred-ok"
XTOK=$(emu_state x '"\n".join(s.get("tokens", []))' | tail -1)
t_eq "codex: wrong token: the stub refused that token" yes \
	"$(seen o | awk -v t="$XTOK" '$1 == "/v1/responses" && $2 == "False" && $3 == t { f = 1 } END { print f ? "yes" : "no" }')"

# revoked on first use + forget: codex runs its auth command again on the 401
emu_set o "$(printf '{"revoke_on": "/v1/responses", "revoke_cmd": ["%s", "forget", "%s"]}' "$AC" "$PS")" >/dev/null
NTOK=$(tokens_o | wc -l)
codex_run "Say hello"
echo "# codex exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -3)"
t_contains "codex: revoked + forget: answer with a fresh token" "$OUT" "agentcred-ok"
t_eq "codex: revoked + forget: agentcred fetched one new token" $((NTOK + 1)) "$(tokens_o | wc -l)"
t_eq "codex: revoked + forget: the new token was accepted" "$(tokens_o | tail -1)" "$(last_ok o /v1/responses)"

# an Entra agent identity (contrib/agents/codex/config-entra.toml)
mkdir -p "$T/codex-entra"
fill "$CONTRIB/codex/config-entra.toml" >"$T/codex-entra/config.toml"
t_contains "codex: Entra config names the Entra profile" "$(cat "$T/codex-entra/config.toml")" "\"token\", \"$PE\""
CODEX_HOME=$T/codex-entra codex_run "Say hello"
echo "# codex exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -3)"
t_contains "codex: Entra agent token: the model's answer" "$OUT" "agentcred-ok"
t_eq "codex: Entra agent token: stub accepted it" "$(tokens_e | tail -1)" "$(last_ok e /v1/responses)"

# a FoundationaLLM MCP server: env_http_headers under agentcred exec
# (contrib/agents/codex/mcp-fllm.toml, codex-fllm)
mkdir -p "$T/codex-fllm"
{ cat "$CODEX_HOME/config.toml"; echo; fill "$CONTRIB/codex/mcp-fllm.toml"; } >"$T/codex-fllm/config.toml"
ln -sf "$CODEX" "$T/bin/codex"
fill "$CONTRIB/codex/codex-fllm" >"$T/bin/codex-fllm"
t_contains "codex: FoundationaLLM wrapper names the profile" "$(cat "$T/bin/codex-fllm")" "exec $PF "
chmod +x "$T/bin/codex-fllm"
NF=$(ok_count f /mcp)
run env -C "$T/proj" CODEX_HOME="$T/codex-fllm" timeout 120 codex-fllm exec --strict-config \
	--skip-git-repo-check --ephemeral "Say hello" </dev/null
echo "# codex exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -3)"
t_contains "codex: FoundationaLLM MCP: the model's answer" "$OUT" "agentcred-ok"
t_eq "codex: FoundationaLLM MCP: the server accepted X-AGENT-ACCESS-TOKEN (initialize, tools/list)" yes \
	"$([ "$(ok_count f /mcp)" -ge $((NF + 2)) ] && echo yes || echo no)"
t_eq "codex: FoundationaLLM MCP: that token" "$FTOK" "$(last_ok f /mcp)"
# negative control: a token the server does not know
sed "s|exec $PF |exec $PFW |" "$T/bin/codex-fllm" >"$T/bin/codex-fllm-wrong"
chmod +x "$T/bin/codex-fllm-wrong"
t_contains "codex: wrong FoundationaLLM wrapper names the other profile" "$(cat "$T/bin/codex-fllm-wrong")" "exec $PFW "
NB=$(bad_count f /mcp) NF=$(ok_count f /mcp)
run env -C "$T/proj" CODEX_HOME="$T/codex-fllm" timeout 120 codex-fllm-wrong exec --strict-config \
	--skip-git-repo-check --ephemeral "Say hello" </dev/null
echo "# codex exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -3)"
t_eq "codex: FoundationaLLM MCP, wrong token: the server refused it" yes \
	"$([ "$(bad_count f /mcp)" -gt "$NB" ] && [ "$(ok_count f /mcp)" = "$NF" ] && echo yes || echo no)"
t_eq "codex: FoundationaLLM MCP, wrong token: that token" yes \
	"$(seen f | awk -v t="$FWRONG" '$1 == "/mcp" && $2 == "False" && $3 == t { f = 1 } END { print f ? "yes" : "no" }')"

# ================================================================ Copilot CLI
# COPILOT_PROVIDER_API_KEY_COMMAND = agentcred token NAME (contrib/agents/copilot/copilot-sap)
ln -s "$COPILOT" "$T/bin/copilot"
fill "$CONTRIB/copilot/copilot-sap" >"$T/bin/copilot-sap"
chmod +x "$T/bin/copilot-sap"
copilot_run() {
	run env -C "$T/proj" -u COPILOT_GITHUB_TOKEN -u GH_TOKEN -u GITHUB_TOKEN \
		timeout 300 "$@" </dev/null
}
t_ok "copilot --version" "$COPILOT" --version
echo "# copilot $OUT"
S=$(date +%s)
copilot_run copilot-sap -p "Say hello" -s --allow-all-tools --disable-client-telemetry
echo "# copilot exit $RC in $(( $(date +%s) - S )) s: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -5)"
t_eq "copilot: API key command: exit 0" 0 "$RC"
t_contains "copilot: API key command: the model's answer" "$OUT" "agentcred-ok"
t_eq "copilot: stub accepted the token agentcred issued" "$(tokens_o | tail -1)" "$(last_ok o /v1/chat/completions)"

# negative control: the token of another server
sed "s|agentcred token $PS|agentcred token $PW|" "$T/bin/copilot-sap" >"$T/bin/copilot-wrong"
chmod +x "$T/bin/copilot-wrong"
t_contains "copilot: wrong-token wrapper names the other profile" "$(cat "$T/bin/copilot-wrong")" "token $PW"
copilot_run copilot-wrong -p "Say hello" -s --allow-all-tools --disable-client-telemetry
echo "# copilot exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -3)"
t_not_contains "copilot: wrong token: no answer" "$OUT" "agentcred-ok"
XTOK=$(emu_state x '"\n".join(s.get("tokens", []))' | tail -1)
t_eq "copilot: wrong token: the stub refused that token" yes \
	"$(seen o | awk -v t="$XTOK" '$1 == "/v1/chat/completions" && $2 == "False" && $3 == t { f = 1 } END { print f ? "yes" : "no" }')"

# revoked on first use + forget: the next request runs the command again
emu_set o "$(printf '{"revoke_on": "/v1/chat/completions", "revoke_cmd": ["%s", "forget", "%s"]}' "$AC" "$PS")" >/dev/null
NTOK=$(tokens_o | wc -l)
copilot_run copilot-sap -p "Say hello" -s --allow-all-tools --disable-client-telemetry
echo "# copilot exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -3)"
t_contains "copilot: revoked + forget: answer with a fresh token" "$OUT" "agentcred-ok"
t_eq "copilot: revoked + forget: agentcred fetched one new token" $((NTOK + 1)) "$(tokens_o | wc -l)"
t_eq "copilot: revoked + forget: the new token was accepted" "$(tokens_o | tail -1)" "$(last_ok o /v1/chat/completions)"

# an Entra agent identity (contrib/agents/copilot/copilot-entra)
fill "$CONTRIB/copilot/copilot-entra" >"$T/bin/copilot-entra"
chmod +x "$T/bin/copilot-entra"
t_contains "copilot: Entra wrapper names the Entra profile" "$(cat "$T/bin/copilot-entra")" "token $PE\""
copilot_run copilot-entra -p "Say hello" -s --allow-all-tools --disable-client-telemetry
echo "# copilot exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -3)"
t_contains "copilot: Entra agent token: the model's answer" "$OUT" "agentcred-ok"
t_eq "copilot: Entra agent token: stub accepted it" "$(tokens_e | tail -1)" "$(last_ok e /v1/chat/completions)"

# ================================================================ gemini-cli
# no hook: agentcred exec --env GEMINI_API_KEY --headers-env (contrib/agents/gemini/gemini-sap)
ln -s "$GEMINI" "$T/bin/gemini"
mkdir -p "$HOME/.gemini"
fill "$CONTRIB/gemini/settings.json" >"$HOME/.gemini/settings.json"
fill "$CONTRIB/gemini/gemini-sap" >"$T/bin/gemini-sap"
chmod +x "$T/bin/gemini-sap"
gemini_run() {
	run env -C "$T/proj" -u GEMINI_API_KEY -u GOOGLE_API_KEY -u GOOGLE_GENAI_USE_VERTEXAI \
		timeout 120 "$@" </dev/null
}
t_ok "gemini --version" "$GEMINI" --version
echo "# gemini-cli $OUT"
gemini_run gemini-sap -p "Say hello" -m gemini-2.5-flash --skip-trust
echo "# gemini exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -5)"
t_eq "gemini: exec wrapper: exit 0" 0 "$RC"
t_contains "gemini: exec wrapper: the model's answer" "$OUT" "agentcred-ok"
GPATH=/v1beta/models/gemini-2.5-flash:streamGenerateContent
t_eq "gemini: stub accepted the token agentcred issued" "$(tokens_o | tail -1)" "$(last_ok o "$GPATH")"
t_contains "gemini: sent as Bearer (from GEMINI_CLI_CUSTOM_HEADERS) and x-goog-api-key, with AI-Resource-Group" \
	"$(emu_state o '" ".join([e for e in s["seen"] if e["ok"]][-1]["headers"])')" \
	"ai-resource-group authorization"
t_contains "gemini: x-goog-api-key sent" \
	"$(emu_state o '" ".join([e for e in s["seen"] if e["ok"]][-1]["headers"])')" "x-goog-api-key"

# negative control: the token of another server
sed "s|exec $PS |exec $PW |" "$T/bin/gemini-sap" >"$T/bin/gemini-wrong"
chmod +x "$T/bin/gemini-wrong"
t_contains "gemini: wrong-token wrapper names the other profile" "$(cat "$T/bin/gemini-wrong")" "exec $PW "
gemini_run gemini-wrong -p "Say hello" -m gemini-2.5-flash --skip-trust
echo "# gemini exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -3)"
t_not_contains "gemini: wrong token: no answer" "$OUT" "agentcred-ok"
XTOK=$(emu_state x '"\n".join(s.get("tokens", []))' | tail -1)
t_eq "gemini: wrong token: the stub refused that token" yes \
	"$(seen o | awk -v p="$GPATH" -v t="$XTOK" '$1 == p && $2 == "False" && $3 == t { f = 1 } END { print f ? "yes" : "no" }')"

# revoked + forget: gemini-cli has no hook to run again, so this run fails;
# the next start of the wrapper gets a fresh token
emu_set o "$(printf '{"revoke_on": "/v1beta/", "revoke_cmd": ["%s", "forget", "%s"]}' "$AC" "$PS")" >/dev/null
NTOK=$(tokens_o | wc -l)
gemini_run gemini-sap -p "Say hello" -m gemini-2.5-flash --skip-trust
t_not_contains "gemini: revoked: this run fails (no hook to ask again)" "$OUT" "agentcred-ok"
gemini_run gemini-sap -p "Say hello" -m gemini-2.5-flash --skip-trust
t_contains "gemini: revoked + forget: the next run answers" "$OUT" "agentcred-ok"
t_eq "gemini: revoked + forget: agentcred fetched one new token" $((NTOK + 1)) "$(tokens_o | wc -l)"
t_eq "gemini: revoked + forget: the new token was accepted" "$(tokens_o | tail -1)" "$(last_ok o "$GPATH")"

# an Entra agent identity, as Authorization: Bearer (contrib/agents/gemini/gemini-entra)
fill "$CONTRIB/gemini/gemini-entra" >"$T/bin/gemini-entra"
chmod +x "$T/bin/gemini-entra"
t_contains "gemini: Entra wrapper names the Entra profile" "$(cat "$T/bin/gemini-entra")" "exec $PE "
gemini_run gemini-entra -p "Say hello" -m gemini-2.5-flash --skip-trust
echo "# gemini exit $RC: $(printf '%s' "$OUT" | head -3) / $(printf '%s' "$ERR" | tail -3)"
t_contains "gemini: Entra agent token: the model's answer" "$OUT" "agentcred-ok"
t_eq "gemini: Entra agent token: stub accepted it" "$(tokens_e | tail -1)" "$(last_ok e "$GPATH")"
t_eq "gemini: Entra: Authorization: Bearer (and x-goog-api-key, the same token)" "authorization x-goog-api-key" \
	"$(emu_state e '" ".join(h for h in [e for e in s["seen"] if e["ok"]][-1]["headers"] if h in ("authorization", "x-goog-api-key"))')"

# no token ever in an agentcred command line (the CLIs ran "agentcred" from
# PATH, the logging shim)
assert_no_secret "no token in any agentcred argv" "$T/argv.log" $(tokens_o) $(tokens_e) "$FTOK"
t_match "the CLIs ran agentcred token, headers and exec" "$(cut -d' ' -f2 "$T/argv.log" | sort -u | tr '\n' ' ')" \
	'exec .*headers .*token'

t_done
