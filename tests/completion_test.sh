#!/bin/sh
# completion_test.sh COMPLETIONS_DIR TOOL...: the bash completion
# (COMPLETIONS_DIR/snap.bash), sourced by bash and called as bash calls it
# (COMP_WORDS, COMP_CWORD), offers every long option of each TOOL's --help
# for "--", and the short options for "-"; it completes an option's value
# from its fixed set (--color=, -f). The zsh completion (_snap) must parse
# (zsh -n) and name every TOOL in its #compdef line; without zsh that part
# is skipped, and the test exits 77 (skipped) after the bash checks pass.
set -u
dir=$1
shift
status=0

# What _snap offers for the words given (the last is the one completed).
complete_words() {
  bash --norc --noprofile -c '
    source "$1" || exit 1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    _snap "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' bash "$dir/snap.bash" "$@"
}

for tool in "$@"; do
  name=$(basename "$tool")
  # The long and short options of --help, as man_pages_cover_help.sh reads
  # them: lines indented by 1 to 6 blanks that start with a dash.
  help=$("$tool" --help)
  longs=$(printf '%s\n' "$help" | awk '{
      first = match($0, /[^ ]/)
      if (first >= 2 && first <= 7 && substr($0, first, 1) == "-" && match($0, /--[A-Za-z0-9][A-Za-z0-9-]*/))
        print substr($0, RSTART, RLENGTH) }')
  shorts=$(printf '%s\n' "$help" | awk '{
      first = match($0, /[^ ]/)
      if (first >= 2 && first <= 7 && match($0, /^ +-[A-Za-z0-9],/))
        print substr($0, RSTART + RLENGTH - 3, 2) }')
  if [ -z "$longs" ]; then
    echo "$name: --help lists no long option"
    status=1
    continue
  fi
  offered=$(complete_words "$tool" --)
  count=0
  for option in $longs; do
    count=$((count + 1))
    if ! printf '%s\n' "$offered" | grep -qx -- "$option"; then
      echo "$name: '$name --<TAB>' does not offer $option (in --help)"
      status=1
    fi
  done
  offered_short=$(complete_words "$tool" -)
  for option in $shorts; do
    if ! printf '%s\n' "$offered_short" | grep -qx -- "$option"; then
      echo "$name: '$name -<TAB>' does not offer $option (in --help)"
      status=1
    fi
  done
  # Nothing offered that --help does not list.
  for option in $offered; do
    if ! printf '%s\n' "$longs" | grep -qx -- "$option"; then
      echo "$name: '$name --<TAB>' offers $option, which --help does not list"
      status=1
    fi
  done
  # A prefix narrows the list to the options it starts.
  narrowed=$(complete_words "$tool" --he)
  if [ "$narrowed" != "--help" ]; then
    echo "$name: '$name --he<TAB>' offers '$narrowed', not --help alone"
    status=1
  fi
  # Values: --color=WHEN in every tool, and a format after -f.
  if printf '%s\n' "$longs" | grep -qx -- --color; then
    values=$(complete_words "$tool" --color=a | tr '\n' ' ')
    if [ "$values" != "always auto " ]; then
      echo "$name: '$name --color=a<TAB>' offers '$values', not 'always auto'"
      status=1
    fi
  fi
  case $name in
    snapcollect) expect="smaps" ;;
    snapinspect) expect="" ;;  # no -f: its sources are a pid, a core or a folder
    *) expect="solaris-pmap-x" ;;
  esac
  values=$(complete_words "$tool" -f '')
  if [ -n "$expect" ] && ! printf '%s\n' "$values" | grep -qx -- "$expect"; then
    echo "$name: '$name -f <TAB>' does not offer $expect: '$(echo $values)'"
    status=1
  fi
  # The tools that print tables: --wide, their fitting to the terminal off.
  case $name in
    snapdiff|snapshow|snapinspect)
      if [ "$(complete_words "$tool" --wi)" != "--wide" ]; then
        echo "$name: '$name --wi<TAB>' offers '$(complete_words "$tool" --wi)', not --wide"
        status=1
      fi ;;
  esac
  echo "$name: $count long options in --help, each offered by the bash completion"
done

# snapcollect -- COMMAND: after "--", commands, not options.
for tool in "$@"; do
  [ "$(basename "$tool")" = snapcollect ] || continue
  offered=$(complete_words "$tool" -p 1 -- ech)
  if ! printf '%s\n' "$offered" | grep -qx echo; then
    echo "snapcollect: 'snapcollect -p 1 -- ech<TAB>' does not offer the command echo: '$(echo $offered)'"
    status=1
  fi
done

if ! command -v zsh >/dev/null 2>&1; then
  echo "skipped the zsh part: zsh is not installed (apt-get install zsh)"
  [ $status -eq 0 ] && exit 77
  exit $status
fi
if ! zsh -n "$dir/_snap"; then
  echo "_snap: zsh -n finds a syntax error"
  status=1
fi
compdef=$(head -1 "$dir/_snap")
for tool in "$@"; do
  name=$(basename "$tool")
  case " $compdef " in
    " #compdef"*" $name "*) ;;
    *) echo "_snap: its first line '$compdef' does not name $name"; status=1 ;;
  esac
done
exit $status
