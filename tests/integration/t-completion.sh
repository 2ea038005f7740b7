#!/bin/bash
# Shell completion (issue 8): contrib/completion/agentcred.bash with
# bash-completion and contrib/completion/_agentcred with compinit complete
# commands, options and the profile names of the configuration (also one
# named with --config).  bash is driven through COMP_WORDS/COMP_CWORD, zsh
# for real through a zpty running an interactive zsh and a TAB.
. "$(dirname "$0")/../lib.sh"
need bash zsh
BC=/usr/share/bash-completion/bash_completion
# tests/install-deps.sh installs bash-completion: its absence is a failure
if [ ! -r "$BC" ]; then
	t_failmsg "bash-completion installed" "$BC missing — run tests/install-deps.sh"
	t_done
fi
COMPDIR=$TOP/contrib/completion

# the completions run "agentcred" from PATH
mkdir -p "$T/bin"
ln -s "$AC" "$T/bin/agentcred"
export PATH=$T/bin:$PATH
P1=alpha-$UNIQ P2=beta-$UNIQ P3=gamma-$UNIQ
mkdir -p "$XDG_CONFIG_HOME/agentcred"
cat >"$XDG_CONFIG_HOME/agentcred/config.json" <<EOF
{"profiles": {
  "$P1": {"type": "client-credentials", "token_url": "https://127.0.0.1:1/t", "client_id": "c"},
  "$P2": {"type": "foundationallm", "api_url": "https://127.0.0.1:1/instances/x"}}}
EOF
cat >"$T/other.json" <<EOF
{"profiles": {"$P3": {"type": "foundationallm", "api_url": "https://127.0.0.1:1/instances/y"}}}
EOF
t_ok "profile list sees both profiles" "$AC" profile list
t_eq "profile list" "$(printf '%s\n%s' "$P1" "$P2")" "$(printf '%s\n' "$OUT" | cut -f1 | sort)"

# sorted, unique words of stdin (one a line, or separated by blanks)
words() { tr -s ' \t' '\n\n' | sed '/^$/d' | sort -u; }
# options that "agentcred help CMD" shows
help_opts() {
	"$AC" help "$1" | grep -oE -- '(^|[^A-Za-z0-9_-])--?[a-z][a-z0-9-]*' |
		grep -oE -- '--?[a-z][a-z0-9-]*' | sort -u
}
HELP_CMDS=$("$AC" --help | sed -n '/^$/,/^global options/p' |
	sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' | sort -u)

# ---------------------------------------------------------------- bash
# bcomp WORD...: completions when the cursor is at the end of the last word
bcomp() {
	bash --norc --noprofile -c '
		. "$1"; . "$2"; shift 2
		complete -p agentcred >/dev/null || exit 3
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_agentcred agentcred "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' bcomp "$BC" "$COMPDIR/agentcred.bash" "$@" |
		sort -u
}

run bash --norc --noprofile -c '. "$1"; . "$2"; complete -p agentcred' x "$BC" "$COMPDIR/agentcred.bash"
t_eq "bash: script loads" "" "$ERR"
t_contains "bash: complete -F _agentcred agentcred" "$OUT" "-F _agentcred agentcred"

t_eq "bash: commands" "$HELP_CMDS" "$(bcomp agentcred '' | grep -v '^-')"
t_eq "bash: command prefix" "curl
curl-config" "$(bcomp agentcred cu)"
GLOBAL_OPTS=$("$AC" --help | sed -n '1p;/^global options/,/^$/p' |
	grep -oE -- '(^|[^A-Za-z0-9_-])--?[a-z][a-z0-9-]*' | grep -oE -- '--?[a-z][a-z0-9-]*' | sort -u)
t_eq "bash: global options = --help" "$GLOBAL_OPTS" "$(bcomp agentcred -)"
for c in token kube curl curl-config headers exec forget; do
	t_eq "bash: $c NAME: profile names" "$(printf '%s\n%s' "$P1" "$P2")" "$(bcomp agentcred "$c" '')"
done
t_eq "bash: profile name prefix" "$P2" "$(bcomp agentcred token beta-)"
t_eq "bash: profile show" "$(printf '%s\n%s' "$P1" "$P2")" "$(bcomp agentcred profile show '')"
t_eq "bash: profile remove" "$(printf '%s\n%s' "$P1" "$P2")" "$(bcomp agentcred profile remove '')"
t_eq "bash: --config FILE: its profiles" "$P3" "$(bcomp agentcred --config "$T/other.json" token '')"
t_eq "bash: \$AGENTCRED_CONFIG: its profiles" "$P3" "$(AGENTCRED_CONFIG=$T/other.json bcomp agentcred forget '')"
t_eq "bash: profile subcommands" "$(words <<<'add import-sap-key list show remove')" "$(bcomp agentcred profile '')"
t_eq "bash: profile add options = help profile" \
	"$(help_opts profile | grep -vx -e --resource-group -e --key-file)" "$(bcomp agentcred profile add x --)"
t_eq "bash: --type values" "$(words <<<'client-credentials entra-agent foundationallm')" \
	"$(bcomp agentcred profile add x --type '')"
t_eq "bash: --mode values" "$(words <<<'autonomous-app obo agent-user')" \
	"$(bcomp agentcred profile add x --type entra-agent --mode '')"
t_eq "bash: --keyring values" "$(words <<<'secret-service file')" "$(bcomp agentcred --keyring '')"
for c in token kube curl-config headers forget; do
	t_eq "bash: $c options = help $c" "$(help_opts "$c")" "$(bcomp agentcred "$c" "$P1" --)"
done
t_eq "bash: exec options = help exec and --" "$( (help_opts exec; echo --) | sort -u)" "$(bcomp agentcred exec "$P1" --)"
t_eq "bash: exec --env VAR: variable names" "HOME" "$(bcomp agentcred exec "$P1" --env HOM | grep -x HOME)"
t_eq "bash: status options = help status" "$(help_opts status)" "$(bcomp agentcred status --)"
t_eq "bash: doctor options = help doctor" "$(help_opts doctor)" "$(bcomp agentcred doctor --)"
t_eq "bash: git operations" "$(words <<<'get store erase')" "$(bcomp agentcred git '')"
t_eq "bash: help COMMAND" "$HELP_CMDS" "$(bcomp agentcred help '')"
: >"$T/curlfile.txt"
t_eq "bash: curl NAME -- FILE" "$T/curlfile.txt" "$(bcomp agentcred curl "$P1" -- "$T/curlf")"
mkdir -p "$T/xbin" && printf '#!/bin/sh\n' >"$T/xbin/agentcred-xcmd-$UNIQ" && chmod +x "$T/xbin/agentcred-xcmd-$UNIQ"
t_eq "bash: exec NAME -- CMD: commands" "agentcred-xcmd-$UNIQ" "$(PATH=$T/xbin:$PATH bcomp agentcred exec "$P1" --env X -- agentcred-xcmd)"
t_eq "bash: exec NAME -- CMD FILE" "$T/curlfile.txt" "$(bcomp agentcred exec "$P1" --env X -- cat "$T/curlf")"

# ---------------------------------------------------------------- zsh
run zsh -f -c "fpath=($COMPDIR \$fpath); autoload -U compinit; compinit -u -D; autoload -Uz _agentcred; print -r -- \${_comps[agentcred]}; whence -w _agentcred"
t_eq "zsh: compinit loads without error" "" "$ERR"
t_contains "zsh: agentcred uses _agentcred" "$OUT" "_agentcred"
t_contains "zsh: _agentcred is a function" "$OUT" "_agentcred: function"

# An interactive zsh in a pseudo-terminal: TAB runs the real completion
# system; compadd is wrapped to print the candidates between two NUL lines.
cat >"$T/zinit.zsh" <<EOF
PROMPT=
fpath=($COMPDIR \$fpath)
autoload -U compinit
compinit -u -D
bindkey '^I' complete-word
null-line() { echo -E - \$'\0' }
compprefuncs=( null-line )
comppostfuncs=( null-line exit )
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
compadd() {
	if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "\$@"
		return \$?
	fi
	local -a __hits
	builtin compadd -A __hits "\$@"
	(( \$#__hits )) || return 1
	print -rl -- \$__hits
	builtin compadd "\$@"
}
echo ok
EOF
cat >"$T/zcap.zsh" <<'EOF'
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "source ${(q)1}"
repeat 20; do
	zpty -r z line || exit 4
	[[ $line == ok* ]] && break
done
zpty -w z "$2"$'\t'
integer tog=0
while zpty -r z line; do
	line=${line%$'\n'}
	line=${line%$'\r'}
	if [[ $line == *$'\0'* ]]; then
		(( tog++ )) && break || continue
	fi
	(( tog )) && print -r -- "$line"
done
zpty -d z
EOF
# zcomp 'COMMAND LINE': the candidates zsh offers at its end
zcomp() { timeout 20 zsh -f "$T/zcap.zsh" "$T/zinit.zsh" "$1" 2>/dev/null | sort -u; }

if zsh -f -c 'zmodload zsh/zpty' 2>/dev/null; then
	t_eq "zsh: commands" "$HELP_CMDS" "$(zcomp 'agentcred ')"
	t_eq "zsh: global options = --help" "$GLOBAL_OPTS" "$(zcomp 'agentcred -')"
	for c in token kube curl curl-config headers exec forget; do
		t_eq "zsh: $c NAME: profile names" "$(printf '%s\n%s' "$P1" "$P2")" "$(zcomp "agentcred $c ")"
	done
	t_eq "zsh: profile show" "$(printf '%s\n%s' "$P1" "$P2")" "$(zcomp 'agentcred profile show ')"
	t_eq "zsh: --config FILE: its profiles" "$P3" "$(zcomp "agentcred --config $T/other.json token ")"
	t_eq "zsh: profile subcommands" "$(words <<<'add import-sap-key list show remove')" "$(zcomp 'agentcred profile ')"
	t_eq "zsh: import-sap-key options" "$(words <<<'--resource-group --key-file --ca-file')" "$(zcomp 'agentcred profile import-sap-key x key.json --')"
	t_eq "zsh: profile add options = help profile" \
		"$(help_opts profile | grep -vx -e --resource-group -e --key-file)" "$(zcomp 'agentcred profile add x --')"
	for c in token kube curl-config headers forget; do
		t_eq "zsh: $c options = help $c" "$(help_opts "$c")" "$(zcomp "agentcred $c $P1 --")"
	done
	t_eq "zsh: exec options = help exec and --" "$( (help_opts exec; echo --) | sort -u)" "$(zcomp "agentcred exec $P1 --")"
	t_eq "zsh: exec NAME -- CMD: commands" "agentcred-xcmd-$UNIQ" "$(PATH=$T/xbin:$PATH zcomp "agentcred exec $P1 --env X -- agentcred-xcmd")"
	t_eq "zsh: exec NAME -- CMD FILE" "curlfile.txt" "$(zcomp "agentcred exec $P1 --env X -- cat $T/curlf")"
	t_eq "zsh: status options" "$(help_opts status)" "$(zcomp 'agentcred status --')"
	t_eq "zsh: doctor options" "$(help_opts doctor)" "$(zcomp 'agentcred doctor --')"
	t_eq "zsh: help COMMAND" "$HELP_CMDS" "$(zcomp 'agentcred help ')"
else
	echo "# zsh/zpty not available: real zsh completion not driven"
fi

t_done
