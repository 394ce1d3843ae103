# bash completion for snapdiff, snapshow, snapcollect and snapinspect.
#
# Installed once per command (share/bash-completion/completions/NAME), as
# bash-completion loads a command's completion by its name; sourced by hand,
# it registers all three. Works without bash-completion's helpers too.
#
# The options come from the tool's own --help (GNU layout: "  -n, --top=N",
# "      --json"), read once per shell and tool: an option added to a tool is
# completed without a change here. The values of the options that take a
# word from a fixed set are listed below.

# _snap_options TOOL: "SHORT LONG ARG" lines, one per option of TOOL --help;
# SHORT is "-" for a long-only option, ARG is "=" (a value), "[=" (an
# optional value, after "=" only) or "-" (none). Cached in _snap_cache_TOOL.
_snap_options() {
  local tool=$1 var
  var=_snap_cache_${tool##*/}
  var=${var//[^A-Za-z0-9_]/_}
  if [[ -z ${!var-} ]]; then
    printf -v "$var" '%s' "$(LC_ALL=C "$tool" --help 2>/dev/null | LC_ALL=C awk '
      # An option line: indented by 1 to 6 blanks, then a dash (no
      # interval expression: mawk has none).
      /^ +-/ {
        line = $0; sub(/^ +/, "", line)
        if (length($0) - length(line) > 6) next
        short = "-"
        if (match(line, /^-[A-Za-z0-9], /)) { short = substr(line, 1, 2); line = substr(line, 5) }
        if (!match(line, /^--[A-Za-z0-9][A-Za-z0-9-]*/)) next
        long = substr(line, 1, RLENGTH); rest = substr(line, RLENGTH + 1)
        arg = "-"
        if (rest ~ /^\[=/) arg = "[="; else if (rest ~ /^=/) arg = "="
        print short, long, arg
      }')"
  fi
  printf '%s\n' "${!var}"
}

# _snap_values TOOL OPTION CUR: sets COMPREPLY to the values of OPTION (long
# name) that start with CUR; returns 1 when OPTION's value is free text.
_snap_values() {
  local tool=${1##*/} option=$2 cur=$3 words=""
  case $option in
    --color) words="always never auto" ;;
    --input-format)
      words="smaps maps pmap pmap-x pmap-X pmap-d solaris-pmap-x"
      [[ $tool == snapshow ]] && words="smaps smaps_rollup maps pmap pmap-x pmap-X pmap-d solaris-pmap-x" ;;
    --format) words="smaps pmap-x" ;;
    --mode) words="full light adaptive" ;;
    --dump) words="grown whole" ;;
    --sort)
      words="rss pss size uss swap swap_pss dirty anon"
      [[ $tool == snapdiff ]] && words="rss pss size dirty swap anon steady growth rate" ;;
    --category)
      words="heap stack thread-stack arena java-heap anon file shm deleted special guard class-space code-cache metaspace jvm" ;;
    --pid)
      local pids=(/proc/[0-9]*)
      words="${pids[*]#/proc/}" ;;
    --out|--dump-dir)
      COMPREPLY=($(compgen -d -- "$cur"))
      return 0 ;;
    --nmt|--gdb|--openmetrics)
      COMPREPLY=($(compgen -f -- "$cur"))
      return 0 ;;
    *) return 1 ;;
  esac
  # A comma-separated list (--category, --sort): complete its last item.
  local prefix=""
  if [[ $option == --category || $option == --sort ]] && [[ $cur == *,* ]]; then
    prefix=${cur%,*},
    cur=${cur##*,}
  fi
  COMPREPLY=($(compgen -P "$prefix" -W "$words" -- "$cur"))
  return 0
}

_snap() {
  local tool=${COMP_WORDS[0]} cword=$COMP_CWORD
  local cur=${COMP_WORDS[cword]} prev=""
  ((cword > 0)) && prev=${COMP_WORDS[cword - 1]}
  COMPREPLY=()
  local lines short long arg option="" i
  lines=$(_snap_options "$tool")

  # snapcollect [OPTION]... -- COMMAND [ARG]...: past "--", a command line.
  for ((i = 1; i < cword; i++)); do
    if [[ ${COMP_WORDS[i]} == -- ]]; then
      if declare -F _command_offset >/dev/null; then
        _command_offset $((i + 1))
      elif ((cword == i + 1)); then
        COMPREPLY=($(compgen -c -- "$cur" | LC_ALL=C sort -u))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      return 0
    fi
  done

  # The value of an option: "--opt=VALUE" (one word, or three where
  # COMP_WORDBREAKS holds "="), or "--opt VALUE" and "-o VALUE".
  if [[ $cur == --*=* ]]; then
    option=${cur%%=*}
    cur=${cur#*=}
  elif [[ $cur == = && $prev == --* ]]; then
    option=$prev
    cur=""
  elif [[ $prev == = ]] && ((cword >= 2)) && [[ ${COMP_WORDS[cword - 2]} == --* ]]; then
    option=${COMP_WORDS[cword - 2]}
  elif [[ $prev == -* ]]; then
    while read -r short long arg; do
      if [[ $arg == "=" && ( $prev == "$long" || $prev == "$short" ) ]]; then
        option=$long
        break
      fi
    done <<<"$lines"
  fi
  if [[ -n $option ]]; then
    _snap_values "$tool" "$option" "$cur" || COMPREPLY=()
    return 0
  fi

  if [[ $cur == -* ]]; then
    local all=()
    while read -r short long arg; do
      [[ -n $long ]] || continue
      all+=("$long")
      [[ $cur != --* && $short != - ]] && all+=("$short")
    done <<<"$lines"
    COMPREPLY=($(compgen -W "${all[*]}" -- "$cur"))
    return 0
  fi

  # Operands: snapshot files and directories (snapcollect takes none).
  [[ ${tool##*/} == snapcollect ]] && return 0
  COMPREPLY=($(compgen -f -- "$cur"))
  compopt -o filenames 2>/dev/null
  return 0
}

complete -F _snap snapdiff snapshow snapcollect snapinspect
