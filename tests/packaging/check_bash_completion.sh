#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The bash completion completes commands, options, set names, codes and
# option values from the program itself: source it, set COMP_WORDS and
# COMP_CWORD as readline does, call the completion function, compare.
# Run twice: plain bash, and with bash-completion's helpers loaded (as
# installed systems use it), when they are there.
#   check_bash_completion.sh COMPLETION_FILE CODEBOOK
set -u
comp=$1
codebook=$2
bindir=$(cd "$(dirname "$codebook")" && pwd)
failed=0

run_cases() {
	local mode=$1
	# shellcheck disable=SC1090
	source "$comp"
	PATH=$bindir:$PATH

	expect() {  # expect "words..." "completions" [exact]
		local line=$1 want=$2 got
		read -r -a COMP_WORDS <<<"$line"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		COMPREPLY=()
		_codebook
		got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
		want=$(printf '%s\n' $want | sort | tr '\n' ' ')
		if [[ $got != "$want" ]]; then
			echo "FAIL ($mode): '$line' completes to '$got', expected '$want'"
			failed=1
		fi
	}
	# the commands, as `codebook --help` lists them
	cmds=$("$codebook" --help | sed -n '/^commands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}' | tr '\n' ' ')
	expect "codebook " "$cmds"
	expect "codebook ch" "check"
	expect "codebook --js" "--json"
	# set names from `codebook list`, also after global options
	sets=$("$codebook" list | awk 'NR > 1 { print $1 }' | tr '\n' ' ')
	expect "codebook check " "$sets"
	expect "codebook --json show t" "$(printf '%s\n' $sets | grep '^t' | tr '\n' ' ')"
	# --catalogs on the line changes the sets offered
	tmp=$(mktemp -d)
	cp "$("$codebook" --json list | sed -n 's/.*"catalogs": "\(.*\)".*/\1/p')/qe-reason.json" "$tmp/"
	expect "codebook --catalogs $tmp check " "qe-reason"
	rm -rf "$tmp"
	# codes of the set, error codes that start with a minus, categories
	expect "codebook check outbound FRAUD.CH" "FRAUD.CHARGEBACK"
	expect "codebook explain ttls-error -999000" "-9990001"
	expect "codebook show outbound --category F" "FRAUD FULFILLMENT"
	# options from the command's --help, and their listed values
	expect "codebook serve --worker-" "--worker-interval --worker-lease --worker-verbose"
	expect "codebook export outbound --format " "jsonschema markdown c-header csv json"
	expect "codebook validate outbound --format nd" "ndjson"
	expect "codebook show outbound --status d" "deprecated"
	# operations of keys and tiktok
	expect "codebook keys " "add list revoke"
	expect "codebook tiktok c" "cancel cancellations"
	# nothing to offer for a value only the user knows
	expect "codebook serve --listen " ""
	return $failed
}

( run_cases plain ) || failed=1
if [[ -r /usr/share/bash-completion/bash_completion ]]; then
	(
		# shellcheck disable=SC1091
		source /usr/share/bash-completion/bash_completion
		run_cases bash-completion
	) || failed=1
else
	echo "note: bash-completion not installed; checked with plain bash only"
fi
[[ $failed == 0 ]] && echo "bash completion: ok"
exit $failed
