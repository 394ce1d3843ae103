#!/usr/bin/env bash
# snap's performance figures, in one command (see docs/performance.md):
#
#   scripts/bench.sh
#
# 1. builds Release in build-bench/ (snapdiff, snapshow, snapcollect, and
#    bench/: snap_gen, snap_bench, snap_mappings);
# 2. generates seeded inputs into a temporary directory (snap_gen): smaps of
#    60,000 and 262,144 mappings (before/after), their pmap -x and pmap -X,
#    and a series of 100 snapshots of 4,000 mappings; bench/churn.sh: 200
#    snapshots of 2,000 mappings whose addresses churn (CHURN_SNAPS,
#    CHURN_MAPPINGS);
# 3. runs snap_bench: the library in process (parse per format, read, diff,
#    trend), medians of repeated runs;
# 4. times whole processes with hyperfine (installed from Debian if missing;
#    else a loop of runs and medians), peak RSS with /usr/bin/time -f %M:
#    snapdiff, snapshow and snapdiff DIR against wc -l (the floor of reading
#    the file) and awk; on a live process holding 60,000 real mappings
#    (snap_mappings), snapcollect against cat /proc/PID/smaps > file, pmap -x,
#    pmap -X and smem;
#    snapdiff --html of 2 and of HTML_SNAPS (default 50) snapshots of 60,000
#    pmap -x mappings (bench/html_size.sh: page size, wall, CPU, peak RSS);
#    the memory goals (bench/memory.sh), against BEFORE_BIN's when set;
# 5. prints the results table (markdown, also written to RESULTS) with ratios,
#    the 60k and 262k figures side by side, and each target of the parse and diff goals.
#
# Environment: RUNS (whole-process runs per command, default 7), REPS
# (snap_bench repetitions, default 5), BUILD (default build-bench), RESULTS
# (default $BUILD/bench-results.md), KEEP=1 keeps the generated inputs,
# NO_INSTALL=1 never calls apt-get, NO_HYPERFINE=1 uses the shell loop,
# HTML_SNAPS and HTML_MAPPINGS size the --html case (bench/html_size.sh),
# SNAP_REV names the revision in the table when ROOT is not a git checkout,
# BEFORE_BIN (a previous revision's Release tools/ directory) runs
# bench/memory.sh side by side with it (--before).
# Needs about 1.5 GB of disk in $TMPDIR and 2 GB of memory; takes about
# 3 minutes on 2 cores after the first build (which adds about 3); BEFORE_BIN
# adds about half a minute.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
RUNS=${RUNS:-7}
REPS=${REPS:-5}
RESULTS=${RESULTS:-$BUILD/bench-results.md}
LIVE_MAPPINGS=${LIVE_MAPPINGS:-60000}
[[ -z ${BEFORE_BIN:-} || -x ${BEFORE_BIN:-}/snapdiff ]] ||
  { echo "bench.sh: BEFORE_BIN=$BEFORE_BIN: no snapdiff there" >&2; exit 2; }

say() { printf '\n== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- tools
install_missing() {  # apt package names
  [[ ${NO_INSTALL:-0} == 1 ]] && return 0
  command -v apt-get > /dev/null || return 0
  [[ $(id -u) == 0 ]] || { echo "bench.sh: not root: not installing $*" >&2; return 0; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" > /dev/null 2>&1 ||
    { apt-get update -qq > /dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" > /dev/null 2>&1; } ||
    echo "bench.sh: could not install $* (going on without)" >&2
}
need=()
dpkg -s libbenchmark-dev > /dev/null 2>&1 || need+=(libbenchmark-dev)
command -v hyperfine > /dev/null || need+=(hyperfine)
command -v smem > /dev/null || need+=(smem)
[[ -x /usr/bin/time ]] || need+=(time)
command -v pmap > /dev/null || need+=(procps)
command -v jq > /dev/null || need+=(jq)
((${#need[@]})) && { say "installing ${need[*]}"; install_missing "${need[@]}"; }

# ---------------------------------------------------------------- build
say "building Release in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSNAP_BENCH=ON -DSNAP_TEST=OFF > "$BUILD.cmake.log" 2>&1 ||
  { cat "$BUILD.cmake.log" >&2; exit 2; }
rm -f "$BUILD.cmake.log"
cmake --build "$BUILD" -j"$(nproc)" --target snapdiff snapshow snapcollect snap_gen snap_mappings \
  $(grep -q '^benchmark_DIR:PATH=.*-NOTFOUND' "$BUILD/CMakeCache.txt" || echo snap_bench) > /dev/null
BIN=$BUILD/tools
GEN=$BUILD/bench/snap_gen
BENCH=$BUILD/bench/snap_bench
MAPPINGS=$BUILD/bench/snap_mappings

WORK=$(mktemp -d "${TMPDIR:-/tmp}/snap-bench.XXXXXX")
HELPER_PID=
cleanup() {
  [[ -n $HELPER_PID ]] && kill "$HELPER_PID" 2> /dev/null && wait "$HELPER_PID" 2> /dev/null
  if [[ ${KEEP:-0} == 1 ]]; then echo "bench.sh: inputs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- inputs
say "generating inputs in $WORK (seeded: the same bytes every run)"
"$GEN" --out "$WORK/in"
IN=$WORK/in
# Churning mappings: 200 snapshots of 2,000, nearly all at new addresses in
# each (bench/churn.sh): the trend's memory must follow the input.
CHURN_SNAPS=${CHURN_SNAPS:-200}
CHURN_MAPPINGS=${CHURN_MAPPINGS:-2000}
sh "$ROOT/bench/churn.sh" "$IN/churn" "$CHURN_SNAPS" "$CHURN_MAPPINGS"

# ---------------------------------------------------------------- in process
SUMMARY=$WORK/snap_bench.tsv
if [[ -x $BENCH ]]; then
  say "snap_bench: the library in process, median of $REPS repetitions"
  "$BENCH" --inputs "$IN" --reps "$REPS" --summary "$SUMMARY" >&2
else
  echo "bench.sh: snap_bench not built (no Google Benchmark): in-process figures left out" >&2
fi

# ---------------------------------------------------------------- whole processes
# measure NAME COMMAND: median wall (ms) and median peak RSS (KiB) of COMMAND
# run by sh, appended to $WORK/whole.tsv. hyperfine subtracts the shell's own
# start-up; the fallback loop does not (a few ms).
HAVE_HYPERFINE=0
[[ ${NO_HYPERFINE:-0} != 1 ]] && command -v hyperfine > /dev/null && command -v jq > /dev/null && HAVE_HYPERFINE=1
: > "$WORK/whole.tsv"
median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
measure() {
  local name=$1 cmd=$2 prepare=${3:-true} ms rss
  if ((HAVE_HYPERFINE)); then
    hyperfine --style none --warmup 1 --runs "$RUNS" --ignore-failure --prepare "$prepare" \
      --export-json "$WORK/h.json" "$cmd" > /dev/null 2>&1
    ms=$(jq '.results[0].median * 1000' "$WORK/h.json")
  else
    local i t0 t1
    for ((i = 0; i <= RUNS; i++)); do
      sh -c "$prepare"
      t0=$(date +%s%N)
      sh -c "$cmd" > /dev/null 2>&1 || true
      t1=$(date +%s%N)
      ((i > 0)) && echo $(((t1 - t0) / 1000)) # the first run warms the page cache
    done | median > "$WORK/m"
    ms=$(awk '{printf "%.3f", $1 / 1000}' "$WORK/m")
  fi
  rss=$(for i in 1 2 3; do
    sh -c "$prepare"
    /usr/bin/time -f '%M' -o "$WORK/t" sh -c "$cmd" > /dev/null 2>&1 || true
    tail -1 "$WORK/t"
  done | median)
  printf '%s\t%.1f\t%s\n' "$name" "$ms" "$rss" >> "$WORK/whole.tsv"
  printf '  %-34s %9.1f ms %9s KiB peak\n' "$name" "$ms" "$rss" >&2
}

say "whole processes on files ($RUNS runs each, medians; $([[ $HAVE_HYPERFINE == 1 ]] && echo hyperfine || echo 'a loop'))"
for n in 60k 262k; do
  d=$IN/$n
  measure "wc -l smaps/$n" "wc -l $d/smaps.before"
  measure "awk Pss smaps/$n" "awk '/^Pss:/{s+=\$2}END{print s}' $d/smaps.before"
  measure "snapshow smaps/$n" "$BIN/snapshow $d/smaps.before"
  measure "snapshow pmap-x/$n" "$BIN/snapshow $d/pmap-x"
  measure "snapshow pmap-X/$n" "$BIN/snapshow $d/pmap-X"
  measure "snapdiff smaps/$n" "$BIN/snapdiff $d/smaps.before $d/smaps.after"
done
measure "wc -l series" "wc -l $IN/series/smaps.*"
measure "awk Pss series" "awk '/^Pss:/{s+=\$2}END{print s}' $IN/series/smaps.*"
measure "snapdiff DIR series" "$BIN/snapdiff $IN/series"
measure "snapdiff DIR churn" "$BIN/snapdiff $IN/churn"
say "snapdiff --html: bench/html_size.sh, 2 and ${HTML_SNAPS:-50} snapshots of ${HTML_MAPPINGS:-60000} mappings"
HTML_SNAPS=${HTML_SNAPS:-50} bash "$ROOT/bench/html_size.sh" "$BUILD" > "$WORK/html.md"
cat "$WORK/html.md" >&2

say "live capture: snap_mappings holding $LIVE_MAPPINGS mappings"
"$MAPPINGS" "$LIVE_MAPPINGS" --timeout 900 > "$WORK/helper.out" 2> "$WORK/helper.err" &
HELPER_PID=$!
for _ in $(seq 100); do grep -q '^ready' "$WORK/helper.out" 2> /dev/null && break; sleep 0.1; done
grep -q '^ready' "$WORK/helper.out" || { cat "$WORK/helper.err" >&2; exit 2; }
PID=$(awk '/^ready/{print $2}' "$WORK/helper.out")
LIVE_COUNT=$(wc -l < "/proc/$PID/maps")
echo "  pid $PID: $LIVE_COUNT mappings" >&2
measure "cat smaps > file (live)" "cat /proc/$PID/smaps > $WORK/live.smaps"
measure "snapcollect --count 1 (live)" "$BIN/snapcollect -p $PID --count 1 --quiet --out $WORK/collect" "rm -rf $WORK/collect"
measure "awk Pss (live)" "awk '/^Pss:/{s+=\$2}END{print s}' /proc/$PID/smaps"
measure "pmap -x (live)" "pmap -x $PID"
measure "pmap -X (live)" "pmap -X $PID"
if command -v smem > /dev/null; then measure "smem -P (live)" "smem -c 'pid pss' -P snap_mappings"; fi
kill "$HELPER_PID" 2> /dev/null && wait "$HELPER_PID" 2> /dev/null || true
HELPER_PID=

# ---------------------------------------------------------------- memory
say "memory goals: bench/memory.sh${BEFORE_BIN:+, before $BEFORE_BIN}"
SNAP_GEN=$GEN bash "$ROOT/bench/memory.sh" ${BEFORE_BIN:+--before "$BEFORE_BIN"} "$BIN" "$IN" > "$WORK/memory.md" ||
  echo "bench.sh: bench/memory.sh failed (exit $?, see above)" >&2
cat "$WORK/memory.md" >&2

# ---------------------------------------------------------------- the table
say "results"
{
  echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r); $(date -u '+%Y-%m-%d %H:%M UTC'); snap ${SNAP_REV:-$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo '?')}, Release (-O3), $(${CXX:-g++} --version | head -1)"
  mb() { cat "$@" | wc -c | awk '{printf "%.1f", $1 / 1e6}'; }
  echo "Churn: bench/churn.sh, $CHURN_SNAPS x $CHURN_MAPPINGS pmap -x mappings ($(mb "$IN"/churn/pmap-x.*) MB), nearly all at new addresses in each snapshot."
  echo "Inputs: snap_gen (seed 20261125): smaps $(mb "$IN/60k/smaps.before") MB / 60,000 mappings and $(mb "$IN/262k/smaps.before") MB / 262,144 (pmap -x $(mb "$IN/60k/pmap-x") MB, pmap -X $(mb "$IN/60k/pmap-X") MB at 60k); series 100 x 4,000 ($(mb "$IN"/series/smaps.*) MB). Live: $LIVE_COUNT mappings (snap_mappings)."
  echo "Medians: snap_bench $REPS repetitions; whole processes $RUNS runs ($([[ $HAVE_HYPERFINE == 1 ]] && echo "hyperfine $(hyperfine --version | cut -d' ' -f2)" || echo 'shell loop')), peak RSS median of 3."
  echo
  if [[ -s $SUMMARY ]]; then
    echo "### In process (snap_bench)"
    echo
    echo "| case | 60k ms | 60k MB/s | 60k mappings/s | 262k ms | 262k MB/s | 262k/60k time | result heap 60k |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    awk -F'\t' 'NR > 1 {
        n = $1; sub(/^.*\//, "", n); key = $1; sub(/\/[^\/]*$/, "", key)
        ms[key SUBSEP n] = $2; mb[key SUBSEP n] = $3; mps[key SUBSEP n] = $4; heap[key SUBSEP n] = $5
        if (!(key in seen)) { seen[key] = n; order[++k] = key }
      }
      END {
        for (i = 1; i <= k; i++) {
          c = order[i]; a = c SUBSEP "60k"; b = c SUBSEP "262k"
          if (a in ms) {
            big = (b in ms)
            printf "| %s | %.1f | %.0f | %.0f | %s | %s | %s | %s |\n", c, ms[a], mb[a], mps[a],
              big ? sprintf("%.1f", ms[b]) : "", big ? sprintf("%.0f", mb[b]) : "",
              big ? sprintf("%.2fx", ms[b] / ms[a]) : "", (heap[a] >= 0) ? sprintf("%.1f MiB", heap[a]) : ""
          } else {
            a = c SUBSEP seen[c]
            printf "| %s (%s) | %.1f | %.0f | %.0f | | | | %s |\n", c, seen[c], ms[a], mb[a], mps[a],
              (heap[a] >= 0) ? sprintf("%.1f MiB", heap[a]) : ""
          }
        }
      }' "$SUMMARY"
    echo
    echo "(262,144 / 60,000 mappings = 4.37x: a 262k/60k time near 4.4x is linear.)"
    echo
  fi
  echo "### Whole processes"
  echo
  echo "| command | 60k ms | 60k peak RSS | 262k ms | 262k peak RSS | 262k/60k | 60k vs wc -l | 60k vs awk |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  awk -F'\t' '{ n = $1; size = "60k"
      if (n ~ /\/(60k|262k)$/) { size = n; sub(/^.*\//, "", size); sub(/\/[^\/]*$/, "", n) }
      ms[n SUBSEP size] = $2; rss[n SUBSEP size] = $3; if (!(n in seen)) { seen[n] = 1; order[++k] = n } }
    END {
      floor60 = ms["wc -l smaps" SUBSEP "60k"]; awk60 = ms["awk Pss smaps" SUBSEP "60k"]
      floor_series = ms["wc -l series" SUBSEP "60k"]
      for (i = 1; i <= k; i++) {
        c = order[i]; if (c ~ /live/) continue
        a = c SUBSEP "60k"; b = c SUBSEP "262k"; big = (b in ms); series = (c ~ /series/)
        if (c ~ /churn/) { printf "| `%s` | %.1f | %.1f MiB | | | | | |\n", c, ms[a], rss[a] / 1024; continue }
        printf "| `%s` | %.1f | %.1f MiB | %s | %s | %s | %.1fx | %s |\n", c, ms[a], rss[a] / 1024,
          big ? sprintf("%.1f", ms[b]) : "", big ? sprintf("%.1f MiB", rss[b] / 1024) : "",
          big ? sprintf("%.2fx", ms[b] / ms[a]) : "", ms[a] / (series ? floor_series : floor60),
          series ? "" : sprintf("%.1fx", ms[a] / awk60)
      }
    }' "$WORK/whole.tsv"
  echo
  echo "### snapdiff --html (bench/html_size.sh, one run each)"
  echo
  cat "$WORK/html.md"
  echo
  echo "### Live capture ($LIVE_COUNT real mappings)"
  echo
  echo "| command | ms | peak RSS | vs cat |"
  echo "| --- | ---: | ---: | ---: |"
  awk -F'\t' '$1 ~ /live/ { n[++k] = $1; ms[k] = $2; rss[k] = $3; if ($1 ~ /^cat/) cat = $2 }
    END { for (i = 1; i <= k; i++) { c = n[i]; sub(/ \(live\)$/, "", c)
      printf "| `%s` | %.1f | %.1f MiB | %.2fx |\n", c, ms[i], rss[i] / 1024, ms[i] / cat } }' "$WORK/whole.tsv"
  echo
  echo "### Targets"
  echo
  get() { awk -F'\t' -v k="$1" -v f="$2" '$1 == k { print $f }' "$3"; }
  verdict() { awk -v v="$1" -v lim="$2" 'BEGIN { print (v != "" && v + 0 <= lim + 0) ? "met" : "**missed**" }'; }
  if [[ -s $SUMMARY ]]; then
    p=$(get parse/smaps/60k 2 "$SUMMARY")
    pmb=$(get parse/smaps/60k 3 "$SUMMARY")
    xmb=$(get parse/pmap-x/60k 3 "$SUMMARY")
    Xmb=$(get parse/pmap-X/60k 3 "$SUMMARY")
    echo "- parse smaps 60k in process: ${p} ms, ${pmb} MB/s (target <= 40 ms, >= 1000 MB/s): $(verdict "$p" 40)"
    echo "- pmap -x / pmap -X per byte: ${xmb} / ${Xmb} MB/s vs smaps ${pmb} MB/s (target: at least as fast): $(awk -v a="$xmb" -v b="$Xmb" -v s="$pmb" 'BEGIN { print (a + 0 >= s + 0 && b + 0 >= s + 0) ? "met" : "**missed**" }')"
  fi
  d=$(get "snapdiff smaps/60k" 2 "$WORK/whole.tsv")
  drss=$(get "snapdiff smaps/60k" 3 "$WORK/whole.tsv")
  echo "- snapdiff of two 60k smaps, whole process: ${d} ms (target <= 100 ms): $(verdict "$d" 100); peak RSS $(awk -v r="$drss" 'BEGIN{printf "%.1f", r/1024}') MiB (target <= 64 MiB): $(verdict "$drss" 65536)"
  t=$(get "snapdiff DIR series" 2 "$WORK/whole.tsv")
  echo "- snapdiff DIR, 100 x 4,000, whole process: ${t} ms (target <= 500 ms): $(verdict "$t" 500)"
  crss=$(get "snapdiff DIR churn" 3 "$WORK/whole.tsv")
  echo "- snapdiff DIR, $CHURN_SNAPS x $CHURN_MAPPINGS churning mappings: peak RSS $(awk -v r="$crss" 'BEGIN{printf "%.1f", r/1024}') MiB (target <= 256 MiB): $(verdict "$crss" 262144)"
  s60=$(get "snapdiff smaps/60k" 2 "$WORK/whole.tsv")
  s262=$(get "snapdiff smaps/262k" 2 "$WORK/whole.tsv")
  echo "- linear growth, snapdiff 262k/60k: $(awk -v a="$s262" -v b="$s60" 'BEGIN{printf "%.2fx", a/b}') for 4.37x the mappings (target: linear; counted met within 25%): $(awk -v a="$s262" -v b="$s60" 'BEGIN{ print (a/b <= 4.37*1.25) ? "met" : "**missed**" }')"
  c=$(get "cat smaps > file (live)" 2 "$WORK/whole.tsv")
  sc=$(get "snapcollect --count 1 (live)" 2 "$WORK/whole.tsv")
  echo "- snapcollect capture: ${sc} ms vs cat ${c} ms = $(awk -v a="$sc" -v b="$c" 'BEGIN{printf "%.2fx", a/b}') (target <= 1.2x): $(awk -v a="$sc" -v b="$c" 'BEGIN{ print (a/b <= 1.2) ? "met" : "**missed**" }')"
  echo
  echo "### Memory near the size of the data"
  echo
  cat "$WORK/memory.md"
} > "$RESULTS"
cat "$RESULTS"
echo >&2
echo "bench.sh: results written to $RESULTS" >&2
