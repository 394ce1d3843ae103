#!/bin/bash
# Seed corpora for the fuzz targets, generated from the real captures in
# testdata/ (nothing is stored twice in the repository):
#   fuzz/seeds.sh OUTDIR
# writes OUTDIR/<target>/ for each target of fuzz/CMakeLists.txt. Files
# larger than 8 KiB are cut at a line boundary before a mapping's first line
# (an smaps record, a maps or pmap row), so that mutations stay fast; the
# diff target gets pairs of snapshots joined by a form feed (diff_fuzzer.cc),
# the detect target gzip copies as well. Deterministic: same testdata, same
# seeds. testdata/regress/ is added to every target.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
td="$top/testdata"
out="${1:?usage: fuzz/seeds.sh OUTDIR}"
limit=8192

# cut FILE: the file, or its first lines up to about $limit bytes, ending
# before a line that starts a mapping (hex address first).
cut_file() {
  awk -v limit="$limit" '
    { n += length($0) + 1 }
    n > limit && /^ *[0-9a-fA-F]+[- ]/ { exit }
    { print }' "$1"
}

# seed TARGET FILE...: one seed per file, named after its directory and name.
seed() {
  local target="$1"; shift
  mkdir -p "$out/$target"
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    local rel="${f#"$td"/}"
    cut_file "$f" >"$out/$target/${rel//\//_}"
  done
}

rm -rf "$out"
series=(c-malloc-leak c-malloc-leak-pmap-d idle-sleep jvm-inflater-leak thread-leak)
for fmt in smaps smaps_rollup maps pmap pmap-x pmap-X pmap-d; do
  files=()
  for d in "${series[@]}"; do
    files+=("$td/$d/$fmt.01")
    [ "$fmt" = pmap-X ] && files+=("$td/$d/pmap-XX.01")
  done
  [ "$fmt" = pmap ] && files+=("$td/solaris/pmap.txt")
  seed "fuzz_$fmt" "${files[@]}"
done
seed fuzz_solaris-pmap-x "$td/solaris/pmap-x.txt"

# Detection: one of each format, and gzip copies of a few.
mkdir -p "$out/fuzz_detect"
for t in "$out"/fuzz_*/; do
  t="${t%/}"
  [ "$t" = "$out/fuzz_detect" ] && continue
  cp "$t"/* "$out/fuzz_detect/"
done
for f in c-malloc-leak_maps.01 c-malloc-leak_pmap-x.01 c-malloc-leak_smaps_rollup.01; do
  gzip -9nc "$out/fuzz_detect/$f" >"$out/fuzz_detect/$f.gz"
done

# Diff: before <FF> after, same format and mixed.
mkdir -p "$out/fuzz_diff"
pair() {  # pair NAME BEFORE AFTER
  { cut_file "$td/$2"; printf '\f'; cut_file "$td/$3"; } >"$out/fuzz_diff/$1"
}
for d in c-malloc-leak thread-leak; do
  for fmt in smaps maps pmap pmap-x pmap-X; do
    [ -f "$td/$d/$fmt.08" ] && pair "$d-$fmt" "$d/$fmt.01" "$d/$fmt.08"
  done
done
pair c-malloc-leak-pmap-d c-malloc-leak-pmap-d/pmap-d.01 c-malloc-leak-pmap-d/pmap-d.04
pair mixed-pmap-x-smaps c-malloc-leak/pmap-x.01 c-malloc-leak/smaps.08
pair mixed-maps-pmap-X idle-sleep/maps.01 idle-sleep/pmap-X.02
pair mixed-rollup-smaps c-malloc-leak/smaps_rollup.01 c-malloc-leak/smaps.08
pair solaris solaris/pmap.txt solaris/pmap-x.txt

# NMT: the real jcmd output, cut like the snapshots (detail at a reserved
# range, so that both the summary and the virtual memory map are in a seed).
mkdir -p "$out/fuzz_nmt"
for f in "$td"/jvm-inflater-leak/nmt-*; do
  awk -v limit="$limit" '{ n += length($0) + 1 } n > limit && /^\[0x/ { exit } { print }' "$f" \
    >"$out/fuzz_nmt/${f##*/}"
done

# Every earlier finding, everywhere.
for t in "$out"/fuzz_*/; do
  cp "$td"/regress/* "$t"
  rm -f "$t/README.md"
done
