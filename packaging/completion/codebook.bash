# SPDX-License-Identifier: Apache-2.0
# bash completion for codebook(1).
#
# Everything is read from the codebook being completed, at completion time,
# so that it cannot fall behind the program: the commands from
# `codebook --help`, each command's options from `codebook COMMAND --help`,
# the set names from `codebook list` (honouring --catalogs and
# $CODEBOOK_CATALOGS), codes and categories from `codebook show SET`.

# The program being completed, as typed (it may be ./build/bin/codebook).
_codebook_prog()
{
	local p=${COMP_WORDS[0]}
	[[ $p == "~"/* ]] && p=$HOME${p#"~"}
	printf '%s' "$p"
}

# Run codebook with the --catalogs of the command line, if any.
_codebook_run()
{
	if [[ -n $_codebook_catalogs ]]; then
		"$(_codebook_prog)" --catalogs "$_codebook_catalogs" "$@" 2>/dev/null
	else
		"$(_codebook_prog)" "$@" 2>/dev/null
	fi
}

_codebook_commands()
{
	_codebook_run --help | sed -n '/^commands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}'
}

_codebook_sets()
{
	_codebook_run list | awk 'NR > 1 { print $1 }'
}

# Options of command $1 (long and short), from its usage text.
_codebook_options()
{
	_codebook_run "$1" --help | grep -oE -- '(^|[[ ])--?[a-zA-Z][a-zA-Z-]*' |
		sed 's/^[[ ]//' | sort -u
	printf '%s\n' --help
}

# The values an option takes when its usage spells them: "--format a|b|c".
_codebook_option_values()
{
	_codebook_run "$1" --help | grep -oE -- "$2 [a-z-]+(\\|[a-z-]+)+" | head -n 1 |
		sed "s/^$2 //" | tr '|' '\n'
}

# Codes, or categories, of set $1.
_codebook_codes()
{
	_codebook_run show "$1" | sed -n 's/^  \([^ ][^ ]*\) .*/\1/p' | sort -u
}

_codebook_categories()
{
	_codebook_run show "$1" | sed -n 's/^  [^ ][^ ]*  *\[\([^]]*\)\].*/\1/p' | sort -u
}

# Operations of `codebook keys` / `codebook shops` / `codebook tiktok`, from their usage text.
_codebook_operations()
{
	case $1 in
	keys)   _codebook_run keys --help | sed -n 's/^.*codebook keys \([a-z]*\).*/\1/p' ;;
	shops)  _codebook_run shops --help | sed -n 's/^.*codebook shops \([a-z]*\).*/\1/p' ;;
	tiktok) _codebook_run tiktok --help | sed -n '/^operations:/,/^$/{s/^  \([a-z][a-z]*\).*/\1/p}' ;;
	esac
}

_codebook_reply_words()
{
	local IFS=$'\n'
	# shellcheck disable=SC2207
	COMPREPLY=($(compgen -W "$1" -- "$cur"))
}

_codebook_reply_files()
{
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	# shellcheck disable=SC2207
	COMPREPLY=($(compgen "${1:--f}" -- "$cur"))
}

_codebook()
{
	local cur prev words cword
	if declare -F _get_comp_words_by_ref >/dev/null; then
		# bash-completion: keep "DIM=VALUE" and "HOST:PORT" in one word
		_get_comp_words_by_ref -n =: cur prev words cword
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	COMPREPLY=()

	# global options, then the command
	local i cmd="" cmdi=0 _codebook_catalogs=${CODEBOOK_CATALOGS:-}
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--catalogs) _codebook_catalogs=${words[i + 1]}; ((i++)) ;;
		--catalogs=*) _codebook_catalogs=${words[i]#--catalogs=} ;;
		-*) ;;
		*) cmd=${words[i]}; cmdi=$i; break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		--catalogs) _codebook_reply_files -d; return ;;
		esac
		if [[ $cur == -* ]]; then
			_codebook_reply_words "--catalogs"$'\n'"--json"$'\n'"--help"$'\n'"--version"
		else
			_codebook_reply_words "$(_codebook_commands)"
		fi
		return
	fi

	# the value of the option before the cursor
	case $prev in
	--db | --report | -o | --market-config | --config | --orders | --reasons)
		_codebook_reply_files; return ;;
	--catalogs) _codebook_reply_files -d; return ;;
	--format) _codebook_reply_words "$(_codebook_option_values "$cmd" --format)"; return ;;
	--status) _codebook_reply_words "active"$'\n'"deprecated"$'\n'"retired"; return ;;
	--mode) _codebook_reply_words "send"$'\n'"accept"; return ;;
	--category)
		local set
		for ((i = cmdi + 1; i < cword; i++)); do
			[[ ${words[i]} != -* ]] && { set=${words[i]}; break; }
		done
		[[ -n $set ]] && _codebook_reply_words "$(_codebook_categories "$set")"
		return ;;
	--listen | --context | --field | --threads | --attempt | --seed | --max-errors | \
	--block-size | --shop | --market-shop | --interval | --lease | --max | \
	--worker-interval | --worker-lease | --order-max-age | --action-type | --reason-type | --sku | \
	--line-item | --order | --cancel-id | --page-size | --page-token | --reason | \
	--set-version | --as-of | --at | --time-field | --sync-interval | --usage-flush-interval | --limit | --market-budget | --market-burst | --outcome-deadline)
		return ;;  # a value only the user knows
	esac

	# options, except error codes such as -9990001
	if [[ $cur == -* && $cur != -[0-9]* ]]; then
		_codebook_reply_words "$(_codebook_options "$cmd")"
		return
	fi

	# positionals typed so far (options and their values skipped)
	local pos=() w takes
	for ((i = cmdi + 1; i < cword; i++)); do
		w=${words[i]}
		if [[ $w == -* && $w != -[0-9]* ]]; then
			case $w in
			--json | --once | --routes | --require-key-for-reads | --no-request-log | --list | --unused | \
			--worker-verbose | -v | --help | -h | --*=*) takes=0 ;;
			*) takes=1 ;;
			esac
			((i += takes))
		else
			pos+=("$w")
		fi
	done

	case $cmd in
	show | export | observed | usage)
		((${#pos[@]} == 0)) && _codebook_reply_words "$(_codebook_sets)" ;;
	check | explain)
		if ((${#pos[@]} == 0)); then
			_codebook_reply_words "$(_codebook_sets)"
		elif [[ $cmd == check || ${#pos[@]} -eq 1 ]]; then
			_codebook_reply_words "$(_codebook_codes "${pos[0]}")"
		fi ;;
	validate)
		if ((${#pos[@]} == 0)); then
			_codebook_reply_words "$(_codebook_sets)"
		elif ((${#pos[@]} == 1)); then
			_codebook_reply_files
		fi ;;
	diff)
		if ((${#pos[@]} < 2)); then
			_codebook_reply_files
			local IFS=$'\n'
			# shellcheck disable=SC2207
			COMPREPLY+=($(compgen -W "$(_codebook_sets)" -- "$cur"))
		fi ;;
	lint) _codebook_reply_files ;;
	keys | shops | tiktok)
		((${#pos[@]} == 0)) && _codebook_reply_words "$(_codebook_operations "$cmd")" ;;
	esac
	return 0
}

complete -F _codebook codebook
