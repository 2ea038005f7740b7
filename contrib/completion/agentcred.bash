# bash completion for agentcred                       -*- shell-script -*-
# Profile names come from "agentcred profile list", so they follow
# --config and $AGENTCRED_CONFIG like every other command.

_agentcred_profiles()
{
	agentcred "${_agentcred_global[@]}" profile list 2>/dev/null | cut -f1
}

_agentcred()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	local commands="profile token get kube git docker curl curl-config headers exec forget status doctor help"
	local keys="--type --token-url --client-id --auth-method --scope --audience --resource
		--tenant --authority --blueprint-app-id --agent-app-id --mode --user
		--client-assertion-file --expires --description --api-url --header --host
		--ca-file --timeout --refresh-margin --secret-env --secret-stdin
		--certificate --managed-identity --managed-identity-client-id
		--workload-identity"
	local i cmd= sub= _agentcred_global=()

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--config|--keyring) _agentcred_global+=("${words[i]}" "${words[i+1]}"); ((i++)) ;;
		-*) ;;
		*) if [[ -z $cmd ]]; then cmd=${words[i]}; elif [[ -z $sub ]]; then sub=${words[i]}; fi ;;
		esac
	done

	case $prev in
	--config|--ca-file|--client-assertion-file|--user-token-file|--certificate)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--keyring) COMPREPLY=($(compgen -W "secret-service file" -- "$cur")); return ;;
	--type) COMPREPLY=($(compgen -W "client-credentials entra-agent foundationallm" -- "$cur")); return ;;
	--auth-method) COMPREPLY=($(compgen -W "post basic" -- "$cur")); return ;;
	--mode) COMPREPLY=($(compgen -W "autonomous-app obo agent-user" -- "$cur")); return ;;
	esac

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands --config --keyring -v -q --version --help -h" -- "$cur"))
		return
	fi
	case $cmd in
	profile)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "add import-sap-key list show remove" -- "$cur"))
		elif [[ $cur == -* ]]; then
			case $sub in
			add) COMPREPLY=($(compgen -W "$keys" -- "$cur")) ;;
			import-sap-key) COMPREPLY=($(compgen -W "--resource-group --key-file --ca-file" -- "$cur")) ;;
			esac
		elif [[ $sub == show || $sub == remove ]] || [[ $sub == add && $prev == add ]]; then
			COMPREPLY=($(compgen -W "$(_agentcred_profiles)" -- "$cur"))
		elif [[ $sub == import-sap-key ]]; then
			COMPREPLY=($(compgen -f -- "$cur"))
		fi ;;
	token|kube|curl|curl-config|headers|exec|forget)
		if [[ $cmd == curl && " ${words[*]:1:cword-1} " == *" -- "* ]]; then
			# after "--": curl's own arguments
			COMPREPLY=($(compgen -f -- "$cur"))
		elif [[ $cmd == exec && " ${words[*]:1:cword-1} " == *" -- "* ]]; then
			# after "--": the command and its arguments
			for ((i = 1; i < cword; i++)); do [[ ${words[i]} == -- ]] && break; done
			if ((cword == i + 1)); then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
		elif [[ $cmd == exec && ( $prev == --env || $prev == --headers-env ) ]]; then
			COMPREPLY=($(compgen -v -- "$cur"))
		elif [[ $cur == -* ]]; then
			case $cmd in
			token) COMPREPLY=($(compgen -W "--scope --user --user-token-file" -- "$cur")) ;;
			kube) COMPREPLY=($(compgen -W "--scope --user" -- "$cur")) ;;
			curl) [[ -n $sub ]] && COMPREPLY=($(compgen -W "--scope --user --" -- "$cur")) ;;
			curl-config|headers) COMPREPLY=($(compgen -W "--scope --user" -- "$cur")) ;;
			exec) [[ -n $sub ]] && COMPREPLY=($(compgen -W "--scope --user --env --headers-env --" -- "$cur")) ;;
			esac
		elif [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "$(_agentcred_profiles)" -- "$cur"))
		fi ;;
	git) [[ -z $sub ]] && COMPREPLY=($(compgen -W "get store erase" -- "$cur")) ;;
	docker) [[ -z $sub ]] && COMPREPLY=($(compgen -W "get store erase list version" -- "$cur")) ;;
	status) COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
	doctor) COMPREPLY=($(compgen -W "--online" -- "$cur")) ;;
	help) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
	esac
}
complete -F _agentcred agentcred
