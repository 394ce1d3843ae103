#!/bin/bash
# Compares the JSON two builds of snapdiff and snapshow write for every
# capture under testdata/: every pair of snapshots of one format in a
# scenario (first-second, first-last), with and without --all, each
# scenario's series as a trend, and snapshow --json of every snapshot.
# Usage: scripts/json_identical.sh OLD_TOOLS_DIR NEW_TOOLS_DIR
# Prints each difference; exits 1 if there is one.
set -u
old=$1 new=$2
cd "$(dirname "$0")/../testdata"
fail=0 runs=0
check() {  # TOOL ARGS...
  local tool=$1; shift
  local a b
  a=$("$old/$tool" "$@" 2>/dev/null; echo "exit $?")
  b=$("$new/$tool" "$@" 2>/dev/null; echo "exit $?")
  runs=$((runs + 1))
  if [ "$a" != "$b" ]; then
    echo "DIFFERS: $tool $*"
    diff <(echo "$a") <(echo "$b") | head -5
    fail=1
  fi
}
for dir in */; do
  dir=${dir%/}
  for prefix in smaps pmap-x pmap-x-ext pmap-X pmap-d pmap maps; do
    mapfile -t files < <(ls "$dir" 2>/dev/null | grep -E "^${prefix}\.[0-9]+(\.gz)?$" | sort -V)
    [ ${#files[@]} -ge 2 ] || continue
    first=$dir/${files[0]} second=$dir/${files[1]} last=$dir/${files[-1]}
    for all in "" --all; do
      check snapdiff --json $all "$first" "$second"
      check snapdiff --json $all "$first" "$last"
    done
    if [ ${#files[@]} -ge 3 ]; then
      paths=()
      for f in "${files[@]}"; do paths+=("$dir/$f"); done
      check snapdiff --json "${paths[@]}"
    fi
  done
  for f in "$dir"/*; do
    case $(basename "$f") in
      smaps.*|pmap*.*|maps.*) check snapshow --json "$f" ;;
    esac
  done
done
echo "$runs runs, $([ $fail = 0 ] && echo "all identical" || echo "some differ")"
exit $fail
