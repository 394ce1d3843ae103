#!/bin/bash
# Seed corpora for the fuzz targets, generated from the real captures in
# testdata/ (nothing is stored twice in the repository):
#   fuzz/seeds.sh OUTDIR
# writes OUTDIR/<target>/ for each target of fuzz/CMakeLists.txt. Files
# larger than 8 KiB are cut at a line boundary before a mapping's first line
# (an smaps record, a maps or pmap row), so that mutations stay fast; the
# diff target gets pairs of snapshots joined by a form feed (diff_fuzzer.cc),
# the trend target series of them (trend_fuzzer.cc), the gdb target both,
# the detect target gzip copies as well; the manifest and /proc targets get
# the real manifests and /proc files. Deterministic: same testdata, same
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
# stem FORMAT: the name of its captures in testdata/ (pmap -X output is
# pmap-x-ext, so that no two names differ only in case).
stem() { if [ "$1" = pmap-X ]; then echo pmap-x-ext; else echo "$1"; fi; }
for fmt in smaps smaps_rollup maps pmap pmap-x pmap-X pmap-d; do
  files=()
  for d in "${series[@]}"; do
    files+=("$td/$d/$(stem "$fmt").01")
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
    s="$(stem "$fmt")"
    [ -f "$td/$d/$s.08" ] && pair "$d-$fmt" "$d/$s.01" "$d/$s.08"
  done
done
pair c-malloc-leak-pmap-d c-malloc-leak-pmap-d/pmap-d.01 c-malloc-leak-pmap-d/pmap-d.04
pair mixed-pmap-x-smaps c-malloc-leak/pmap-x.01 c-malloc-leak/smaps.08
pair mixed-maps-pmap-X idle-sleep/maps.01 idle-sleep/pmap-x-ext.02
pair mixed-rollup-smaps c-malloc-leak/smaps_rollup.01 c-malloc-leak/smaps.08
pair solaris solaris/pmap.txt solaris/pmap-x.txt

# Trend: a series of 3 to 8 snapshots joined by form feeds
# (trend_fuzzer.cc), each cut to its share of the target's 16 KiB. smaps
# records are long: a series of them keeps only the anonymous mappings
# (no path, or a [bracketed] name), where leaks grow, and three snapshots.
mkdir -p "$out/fuzz_trend"
anon_only() {  # anon_only FILE: the file less its records of file mappings
  awk 'BEGIN { keep = 1 } /^[0-9a-fA-F]+-[0-9a-fA-F]+ / { keep = NF < 6 || $6 ~ /^\[/ } keep' "$1"
}
fit_file() {  # fit_file FILE LIMIT: its whole records (a mapping's lines) within LIMIT bytes
  awk -v limit="$2" '
    function flush() { if (n + length(rec) > limit) exit; printf "%s", rec; n += length(rec); rec = "" }
    /^ *[0-9a-fA-F]+[- ]/ { flush() }
    { rec = rec $0 "\n" }
    END { flush() }' "$1"
}
series() {  # series NAME FILTER FILE...: the files through FILTER, fitted, joined
  local name="$1" filter="$2"; shift 2
  local n=$# first=1 f
  local tmp
  tmp="$(mktemp)"
  for f in "$@"; do
    [ $first = 1 ] || printf '\f'
    first=0
    "$filter" "$td/$f" >"$tmp"
    fit_file "$tmp" $((16384 / n - 1))
  done >"$out/fuzz_trend/$name"
  rm -f "$tmp"
}
numbered() {  # numbered DIR/FAMILY N...: DIR/FAMILY.NN for each N
  local base="$1" i; shift
  for i in "$@"; do printf '%s.%02d\n' "$base" "$i"; done
}
whole() { cat "$1"; }
# shellcheck disable=SC2046  # file names without spaces, one a word
{
  series mmap-leak-pmap-x whole $(numbered mmap-leak/pmap-x 1 2 3 4 5 6 7 8)
  series mmap-leak-smaps anon_only $(numbered mmap-leak/smaps 1 4 8)
  series c-malloc-leak-pmap-x whole $(numbered c-malloc-leak/pmap-x 1 2 3 4 5 6 7 8)
  series c-malloc-leak-maps whole $(numbered c-malloc-leak/maps 1 3 5 8)
  series c-malloc-leak-smaps anon_only $(numbered c-malloc-leak/smaps 1 4 8)
  series thread-leak-pmap-x whole $(numbered thread-leak/pmap-x 1 2 3 4 5 6 7 8)
  series thread-leak-smaps anon_only $(numbered thread-leak/smaps 1 4 8)
  series linear-leak-pmap-x whole $(numbered linear-leak/1s/pmap-x 1 2 3 4 5 6)
  series mixed-pmap-x-smaps-maps anon_only c-malloc-leak/pmap-x.01 c-malloc-leak/smaps.04 c-malloc-leak/maps.08
}

# NMT: the real jcmd output, cut like the snapshots (detail at a reserved
# range, so that both the summary and the virtual memory map are in a seed).
mkdir -p "$out/fuzz_nmt"
for f in "$td"/jvm-inflater-leak/nmt-*; do
  awk -v limit="$limit" '{ n += length($0) + 1 } n > limit && /^\[0x/ { exit } { print }' "$f" \
    >"$out/fuzz_nmt/${f##*/}"
done

# gdb: the diff's pairs and the trend's series (gdb_fuzzer.cc takes its
# options from the last byte, which is a newline here: the defaults).
mkdir -p "$out/fuzz_gdb"
for f in "$out"/fuzz_diff/* "$out"/fuzz_trend/*; do
  t="${f%/*}"
  cp "$f" "$out/fuzz_gdb/${t##*/fuzz_}-${f##*/}"
done

# Manifests: the real ones of snapcollect, each also cut to its first two
# snapshots (whole ones run past the 16 KiB the target is fuzzed with).
mkdir -p "$out/fuzz_manifest"
for f in "$td"/jvm-startup/*/manifest.json; do
  d="${f%/manifest.json}"
  d="${d##*/}"
  cp "$f" "$out/fuzz_manifest/$d"
  python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))
m["snapshots"] = m["snapshots"][:2]
print(json.dumps(m, indent=2))' "$f" >"$out/fuzz_manifest/$d-2"
done

# /proc text: the real stat, syscall, cgroup and mountinfo (the two joined
# by a form feed, as proc_fuzzer.cc splits them), max_map_count, and smaps
# records for the streaming totals.
mkdir -p "$out/fuzz_proc"
cp "$td"/proc/* "$out/fuzz_proc/"
cp "$out"/fuzz_smaps/c-malloc-leak_smaps.01 "$out/fuzz_proc/smaps"

# Every earlier finding, everywhere.
for t in "$out"/fuzz_*/; do
  cp "$td"/regress/* "$t"
  rm -f "$t/README.md"
done
