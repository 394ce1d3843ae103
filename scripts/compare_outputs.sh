#!/usr/bin/env bash
# compare_outputs.sh OLD_SNAPDIFF NEW_SNAPDIFF: every output of snapdiff on
# every series in testdata/ (each directory, as `snapdiff DIR`; text, --json,
# --csv, and --all), the two-file diff of each directory's first and last
# smaps, pmap-x, pmap-x-ext and maps, and, where snapshow lies beside both
# snapdiffs, snapshow of every file (text, --json, --csv), byte for byte. For changes that must not change what users
# see (how blocks are stored, say). Prints each difference; exit 1 if any.
set -uo pipefail
old=$1 new=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
differ=0 runs=0
check() {  # ARGS...
  check_tool "$old" "$new" "$@"
}
check_tool() {  # OLD NEW ARGS...
  local o=$1 n=$2
  shift 2
  "$o" "$@" > "$tmp/old" 2> "$tmp/old.err"; local a=$?
  "$n" "$@" > "$tmp/new" 2> "$tmp/new.err"; local b=$?
  runs=$((runs + 1))
  if [[ $a != "$b" ]] || ! cmp -s "$tmp/old" "$tmp/new" || ! cmp -s "$tmp/old.err" "$tmp/new.err"; then
    echo "DIFFERS: $(basename "$n") $* (exit $a vs $b)"
    diff "$tmp/old" "$tmp/new" | head -20
    diff "$tmp/old.err" "$tmp/new.err" | head -5
    differ=1
  fi
}
while IFS= read -r dir; do
  # Only directories snapdiff takes as a series.
  "$new" "$dir" > /dev/null 2>&1
  [[ $? -le 1 ]] || continue
  for opts in "" "--json" "--csv" "--all" "--all --json" "--all --csv"; do
    # shellcheck disable=SC2086
    check $opts "$dir"
  done
  for family in smaps pmap-x pmap-x-ext maps; do
    first=$(ls "$dir/$family".* 2> /dev/null | head -1) last=$(ls "$dir/$family".* 2> /dev/null | tail -1)
    if [[ -n $first && $first != "$last" ]]; then
      for opts in "" "--json" "--csv"; do
        # shellcheck disable=SC2086
        check $opts "$first" "$last"
      done
    fi
  done
done < <(find "$ROOT/testdata" -type d | sort)
old_show=$(dirname "$old")/snapshow new_show=$(dirname "$new")/snapshow
if [[ -x $old_show && -x $new_show ]]; then
  while IFS= read -r file; do
    for opts in "" "--json" "--csv"; do
      # shellcheck disable=SC2086
      check_tool "$old_show" "$new_show" $opts "$file"
    done
  done < <(find "$ROOT/testdata" -type f ! -name '*.json' ! -name '*.md' ! -name '*.c' ! -name '*.java' ! -name '*.sh' | sort)
fi
echo "compare_outputs.sh: $runs runs, $([[ $differ == 0 ]] && echo "all identical" || echo "some differ")"
exit $differ
