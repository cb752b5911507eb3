#!/usr/bin/zsh -f
# SPDX-License-Identifier: Apache-2.0
# The zsh completion offers what the program says: an interactive zsh in a
# pseudo-terminal (zpty) loads it through compinit from its directory, a
# line is typed followed by TAB, and a compadd wrapper reports every match
# offered.
#   check_zsh_completion.zsh COMPLETION_DIR CODEBOOK
zmodload zsh/zpty || { print "zsh/zpty is not available"; exit 77 }
compdir=${1:A}
codebook=${2:A}
integer failed=0
# compinit's dump file lives here: named /dev/null, it made zsh replace the
# device with a regular file (as root, for the whole machine)
scratch=$(mktemp -d)
trap 'rm -rf $scratch' EXIT

# The matches zsh offers for the line $1 (typed, then TAB), one a line.
offered() {
  zpty cbz zsh -f -i
  zpty -w cbz "PROMPT= RPROMPT= ; path=(${(q)codebook:h} \$path); fpath=(${(q)compdir} \$fpath)"
  zpty -w cbz "unset HISTFILE; autoload -Uz compinit; compinit -u -D -d ${(q)scratch}/zcompdump"
  zpty -w cbz 'compadd () {
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
    typeset -a __hits
    builtin compadd -A __hits "$@"
    local h; for h in $__hits; do print -r -- $'"'\\1'"'"${IPREFIX}${h}"$'"'\\2'"'; done
    builtin compadd "$@"
  }'
  zpty -w cbz "bindkey '^I' complete-word; comppostfuncs=( __cbdone ); __cbdone() { print -r -- \$'\\3'; exit }"
  zpty -w cbz "$1"$'\t'
  local line
  integer n=0
  # a blocking read: the test's timeout (tests/CMakeLists.txt) bounds a hang
  while (( n++ < 5000 )) && zpty -r cbz line; do
    [[ $line == *$'\3'* ]] && break
    [[ $line == *$'\1'*$'\2'* ]] && { line=${line#*$'\1'}; print -r -- ${line%%$'\2'*}; }
  done
  zpty -d cbz
}

expect() {
  local line=$1 want got
  got=${(j: :)${(ou)${(f)"$(offered $line)"}}}
  want=${(j: :)${(ou)${=2}}}
  if [[ $got != $want ]]; then
    print -r -- "FAIL: '$line' offers '$got', expected '$want'"
    failed=1
  fi
}

cmds=(${(f)"$($codebook --help | sed -n '/^commands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}')"})
sets=(${(f)"$($codebook list | awk 'NR > 1 { print $1 }')"})
expect 'codebook ' "$cmds"
expect 'codebook ch' 'check'
expect 'codebook check outbound FRAUD.CH' 'FRAUD.CHARGEBACK'
expect 'codebook show outbound --category F' 'FRAUD FULFILLMENT'
expect 'codebook export outbound --format ' 'jsonschema markdown c-header csv json'
expect 'codebook validate outbound --format ' 'text json ndjson'
expect 'codebook serve --worker-' '--worker-interval --worker-lease --worker-verbose'
expect 'codebook keys ' 'add list revoke'
expect 'codebook tiktok c' 'cancel cancellations'
# set names (files in the current directory are offered too: an empty one here)
cd ${TMPDIR:-/tmp} && tmp=$(mktemp -d) && cd $tmp
expect 'codebook check ' "$sets"
expect 'codebook explain ttls-error -999000' '-9990001'
cd / && rm -rf $tmp
(( failed )) || print "zsh completion: ok"
exit $failed
