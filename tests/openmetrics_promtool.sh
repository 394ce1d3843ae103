#!/bin/sh
# promtool check metrics on what snapshow --openmetrics and snapcollect
# --openmetrics write. Exit 77 (skipped) without promtool (Debian: prometheus).
# Usage: openmetrics_promtool.sh SNAPSHOW SNAPCOLLECT TESTDATA
set -u
if ! command -v promtool >/dev/null 2>&1; then
  echo "openmetrics_promtool: promtool not found (Debian package prometheus; scripts/setup.sh installs it): skipped"
  exit 77
fi
snapshow=$1 snapcollect=$2 testdata=$3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {  # NAME FILE
  if out=$(promtool check metrics <"$2" 2>&1); then
    echo "ok: $1"
  else
    echo "FAIL: $1: $out"
    fail=1
  fi
  if [ "$(tail -n 1 "$2")" != "# EOF" ]; then
    echo "FAIL: $1: does not end with # EOF"
    fail=1
  fi
}
for f in c-malloc-leak/smaps.08 c-malloc-leak/smaps_rollup.08 c-malloc-leak/pmap-x.08 c-malloc-leak/maps.08 \
         adaptive-grower/hunt/smaps.0002 adaptive-grower/hunt/smaps.0008 jvm-inflater-leak/smaps.08; do
  if ! "$snapshow" --openmetrics "$testdata/$f" >"$tmp/show.prom"; then
    echo "FAIL: snapshow --openmetrics $f"
    fail=1
    continue
  fi
  check "snapshow --openmetrics $f" "$tmp/show.prom"
done
# A live collection: the file a textfile collector would read, trend included.
if ! "$snapcollect" -q -n 4 -i 200ms -o "$tmp/out" --openmetrics "$tmp/snap.prom" -- sleep 5 2>"$tmp/err"; then
  echo "FAIL: snapcollect --openmetrics: $(cat "$tmp/err")"
  exit 1
fi
check "snapcollect --openmetrics" "$tmp/snap.prom"
grep -q '^snap_collection_snapshots 4$' "$tmp/snap.prom" || { echo "FAIL: no snap_collection_snapshots 4"; fail=1; }
grep -q '^snap_trend_snapshots 4$' "$tmp/snap.prom" || { echo "FAIL: no snap_trend_snapshots 4"; fail=1; }
# No temporary file left beside it.
[ "$(ls -A "$tmp" | grep -c '^\.snap\.prom')" = 0 ] || { echo "FAIL: a temporary file was left"; fail=1; }
exit $fail
