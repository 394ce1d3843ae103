#!/usr/bin/env bash
# compare_outputs.sh OLD_SNAPDIFF NEW_SNAPDIFF: every output of snapdiff on
# every series in testdata/ (each directory, as `snapdiff DIR`; text, --json,
# --csv, and --all), and the two-file diff of each directory's first and
# last smaps, byte for byte. For changes that must not change what users
# see (how blocks are stored, say). Prints each difference; exit 1 if any.
set -uo pipefail
old=$1 new=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
differ=0 runs=0
check() {  # ARGS...
  "$old" "$@" > "$tmp/old" 2> "$tmp/old.err"; local a=$?
  "$new" "$@" > "$tmp/new" 2> "$tmp/new.err"; local b=$?
  runs=$((runs + 1))
  if [[ $a != "$b" ]] || ! cmp -s "$tmp/old" "$tmp/new" || ! cmp -s "$tmp/old.err" "$tmp/new.err"; then
    echo "DIFFERS: snapdiff $* (exit $a vs $b)"
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
  first=$(ls "$dir"/smaps.* 2> /dev/null | head -1) last=$(ls "$dir"/smaps.* 2> /dev/null | tail -1)
  if [[ -n $first && $first != "$last" ]]; then
    for opts in "" "--json" "--csv"; do
      # shellcheck disable=SC2086
      check $opts "$first" "$last"
    done
  fi
done < <(find "$ROOT/testdata" -type d | sort)
echo "compare_outputs.sh: $runs runs, $([[ $differ == 0 ]] && echo "all identical" || echo "some differ")"
exit $differ
