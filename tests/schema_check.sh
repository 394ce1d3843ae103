#!/bin/sh
# Every tool's JSON, made from real captures in testdata/ (and two live
# snapcollect runs), validated against docs/schema/*.schema.json by
# tests/schema_check.py with python3-jsonschema. Exit 77 (skipped) without
# a python3 that has jsonschema (Debian: python3-jsonschema).
# Usage: schema_check.sh SNAPDIFF SNAPSHOW SNAPCOLLECT SNAPINSPECT TESTDATA SCHEMADIR
set -u
snapdiff=$1 snapshow=$2 snapcollect=$3 snapinspect=$4 testdata=$5 schemas=$6
here=$(dirname "$0")
py=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'from jsonschema import Draft202012Validator' 2>/dev/null; then
    py=$p
    break
  fi
done
if [ -z "$py" ]; then
  echo "schema_check: no python3 with jsonschema (draft 2020-12) (Debian package python3-jsonschema; scripts/setup.sh installs it): skipped"
  exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
args=""
n=0
# run SCHEMA TOOL ARGS...: the tool's JSON, in testdata/, checked later against SCHEMA.
run() {
  schema=$1 tool=$2
  shift 2
  n=$((n + 1))
  out="$tmp/$n.json"
  (cd "$testdata" && "$tool" "$@" >"$out" 2>"$tmp/$n.err")
  rc=$?
  if [ $rc -gt 1 ]; then
    echo "FAIL: $(basename "$tool") $*: exit $rc: $(cat "$tmp/$n.err")"
    fail=1
    return
  fi
  echo "$n: $(basename "$tool") $*"
  args="$args $schema=$out"
}

# snapdiff, two snapshots: smaps, pmap -x, --all, NMT detail and summary,
# a collection with names that are not UTF-8 and thread names, links.
run snap.diff "$snapdiff" --json c-malloc-leak/smaps.01 c-malloc-leak/smaps.08
run snap.diff "$snapdiff" --json --all c-malloc-leak/pmap-x.01 c-malloc-leak/pmap-x.08
run snap.diff "$snapdiff" --json c-malloc-leak/maps.01 c-malloc-leak/maps.08
run snap.diff "$snapdiff" --json --nmt jvm-inflater-leak/nmt-detail.01 --nmt jvm-inflater-leak/nmt-detail.08 \
  jvm-inflater-leak/smaps.01 jvm-inflater-leak/smaps.08
run snap.diff "$snapdiff" --json --nmt jvm-inflater-leak/nmt-summary-diff.08 jvm-inflater-leak/smaps.01 jvm-inflater-leak/smaps.08
run snap.diff "$snapdiff" --json --all hostile-names/collected
run snap.diff "$snapdiff" --json adaptive-grower/hunt/smaps.0001 adaptive-grower/hunt/smaps.0008
run snap.diff "$snapdiff" --json mmap-leak/smaps.01 mmap-leak/smaps.08
run snap.diff "$snapdiff" --json idle-sleep/smaps.01 idle-sleep/smaps.02
# snapdiff, trends: blocks, links, populations, NMT, a collection, a projection.
run snap.trend "$snapdiff" --json --limit 30M c-malloc-leak
run snap.trend "$snapdiff" --json jvm-inflater-leak
run snap.trend "$snapdiff" --json thread-leak
run snap.trend "$snapdiff" --json mmap-leak
run snap.trend "$snapdiff" --json --all file-mmap-leak
run snap.trend "$snapdiff" --json adaptive-grower/hunt
run snap.trend "$snapdiff" --json c-malloc-leak/maps.01 c-malloc-leak/maps.04 c-malloc-leak/maps.08
run snap.trend "$snapdiff" --json --sort pss jvm-inflater-leak/pmap-x-ext.01 jvm-inflater-leak/pmap-x-ext.04 jvm-inflater-leak/pmap-x-ext.08
# snapshow: each format, NMT, a core, smaps_rollup.
for f in c-malloc-leak/smaps.08 c-malloc-leak/smaps_rollup.08 c-malloc-leak/pmap-x.08 c-malloc-leak/pmap.08 \
         c-malloc-leak/maps.08 c-malloc-leak/pmap-XX.08 hostile-names/collected/smaps.0002 core/core.tiny \
         adaptive-grower/hunt/smaps.0004; do
  run snap.show "$snapshow" --json "$f"
done
run snap.show "$snapshow" --json --sort private_dirty c-malloc-leak/smaps.08
run snap.show "$snapshow" --json --nmt jvm-inflater-leak/nmt-detail.08 jvm-inflater-leak/smaps.08
run snap.show "$snapshow" --json --nmt jvm-inflater-leak/nmt-summary-diff.08 jvm-inflater-leak/smaps.08
# snapinspect on the core in testdata/: the heap (malloc chunks), an
# anonymous mmap, and an address nothing maps (a range with a problem).
run snap.inspect "$snapinspect" --json core/core.tiny 0x555667690000-0x5556676b1000 0x7ffbdddd2000-0x7ffbdddd7000 \
  0x1000-0x2000
# snapcollect's manifest: the one in testdata/ (adaptive: light snapshots
# between full ones), and one written now, full and light.
args="$args snap.manifest=$testdata/adaptive-grower/hunt/manifest.json"
# "entries": light snapshots counted from pagemap's entries, with Private
# and Shared; snapshow and snapdiff of those too.
for mode in full light entries; do
  how="-m $mode"
  [ $mode = entries ] && how="-m light --light-method entries"
  # shellcheck disable=SC2086 # $how is words on purpose
  if "$snapcollect" -q -n 3 -i 200ms $how -o "$tmp/collect-$mode" -- sleep 5 2>"$tmp/collect.err"; then
    args="$args snap.manifest=$tmp/collect-$mode/manifest.json"
    echo "snapcollect -m $mode: $tmp/collect-$mode/manifest.json"
  else
    echo "FAIL: snapcollect -m $mode: $(cat "$tmp/collect.err")"
    fail=1
  fi
done
if [ -f "$tmp/collect-entries/smaps.0003" ]; then
  run snap.show "$snapshow" --json "$tmp/collect-entries/smaps.0003"
  run snap.diff "$snapdiff" --json --sort private "$tmp/collect-entries/smaps.0001" "$tmp/collect-entries/smaps.0003"
fi
# shellcheck disable=SC2086 # the arguments hold no blanks: NAME=PATH under mktemp -d and testdata/
"$py" "$here/schema_check.py" "$schemas" $args || fail=1
exit $fail
