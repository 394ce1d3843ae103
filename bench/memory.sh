#!/usr/bin/env bash
# memory.sh [--before BIN_DIR] BIN_DIR INPUT_DIR: snap's memory goals
# (docs/performance.md, "Memory near the size of the data"), measured in one
# run, side by side with a previous build when --before is given.
#
# BIN_DIR holds snapdiff (a Release build: build-bench/tools); INPUT_DIR is
# what `snap_gen --out INPUT_DIR` writes (60k/, 262k/, series/). Commands:
#
#   snapdiff 2 x 60k smaps       peak RSS <= 32 MiB, wall <= 0.5x the reference
#   snapdiff 2 x 60k pmap -x     peak RSS <= 16 MiB, wall <= 40 ms
#   snapdiff 2 x 262k smaps      peak RSS <= 96 MiB
#   snapdiff DIR 100 x 4k smaps  peak RSS <= 48 MiB, wall <= 0.3 s
#   snapdiff 2 x 4k smaps        (no goal: the small end of the per-mapping line)
#   snapdiff --help              (no goal: the cost of starting, no input read)
#   mawk Pss of both 60k smaps   the reference: mawk '/^Pss:/{s+=$2}END{print s}'
#                                (awk when mawk is missing; the table says so),
#                                run in both slots; goals use all its runs
#
# Each command runs once to warm the page cache, then RUNS times under
# /usr/bin/time -f '%M %e %U %S', output to /dev/null; with --before, the
# before and after builds alternate run by run (the order flipped every
# round) so that a swing in the machine's load hits both alike. The table
# gives medians of peak RSS (%M), wall and CPU (user + system; read by the
# shell around /usr/bin/time, to 1 ms, where %e %U %S read 10 ms), the
# goal and whether the after build meets it, then the cost per
# mapping (peak RSS and CPU over the mappings of both files) at 4k, 60k and
# 262k. Wall times under load are not comparable to an idle machine: the
# load average at the start and the end is printed with them. Exit status 0
# when the figures were measured, goals met or not; 1 when a command
# failed, exit status 2 or more (its row says so); 2 on bad arguments or missing files.
#
# The 4k pair is INPUT_DIR/4k/smaps.{before,after} when present, else it is
# generated into a temporary directory by `snap_gen --only 60k --mappings
# 4000` (SNAP_GEN, default BIN_DIR/../bench/snap_gen; without it the 4k row
# is left out). Environment: RUNS (default 5), SNAP_GEN, KEEP=1 keeps the
# generated 4k pair. scripts/bench.sh runs this on its own inputs.
set -euo pipefail
export LC_ALL=C # a decimal point in EPOCHREALTIME and awk's numbers

me=memory.sh
die() { echo "$me: $*" >&2; exit 2; }
usage() { echo "usage: $me [--before BIN_DIR] BIN_DIR INPUT_DIR" >&2; exit 2; }

BEFORE=
while (($#)); do
  case $1 in
    --before) (($# >= 2)) || usage; BEFORE=$2; shift 2 ;;
    --before=*) BEFORE=${1#--before=}; shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "$me: $1: unknown option" >&2; usage ;;
    *) break ;;
  esac
done
(($# == 2)) || usage
AFTER=$1 IN=$2
RUNS=${RUNS:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS=$RUNS: not a positive whole number"

for d in ${BEFORE:+"$BEFORE"} "$AFTER"; do
  [[ -d $d ]] || die "$d: not a directory"
  [[ -x $d/snapdiff && -f $d/snapdiff ]] || die "$d/snapdiff: missing or not executable"
done
[[ -d $IN ]] || die "$IN: not a directory"
for f in 60k/smaps.before 60k/smaps.after 60k/pmap-x 60k/pmap-x.after \
  262k/smaps.before 262k/smaps.after series/smaps.001; do
  [[ -f $IN/$f && -r $IN/$f ]] || die "$IN/$f: missing (write INPUT_DIR with snap_gen --out INPUT_DIR)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time: missing (Debian package time)"

REF=mawk
command -v mawk > /dev/null || REF="awk"
command -v "$REF" > /dev/null || die "neither mawk nor awk found"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/snap-memory.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  if [[ ${KEEP:-0} == 1 ]]; then echo "$me: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The 4k pair.
FOUR=
if [[ -f $IN/4k/smaps.before && -f $IN/4k/smaps.after ]]; then
  FOUR=$IN/4k
else
  GEN=${SNAP_GEN:-$AFTER/../bench/snap_gen}
  if [[ -x $GEN ]]; then
    echo "$me: generating the 4k pair: $GEN --only 60k --mappings 4000" >&2
    "$GEN" --out "$WORK/gen" --only 60k --mappings 4000 --quiet > /dev/null ||
      die "$GEN: could not write the 4k pair"
    FOUR=$WORK/gen/60k
  else
    echo "$me: $GEN: missing (set SNAP_GEN): the 4k row is left out" >&2
  fi
fi

# Cases: name, goal on peak RSS (MiB), goal on wall ("ref:F" = F x the
# reference's wall, else seconds), size (the key of its mapping count, for
# the cost per mapping), then the arguments (%BIN% stands for the snapdiff under test).
NAMES=() RSS_GOAL=() WALL_GOAL=() SIZE=() ARGS=()
add() { NAMES+=("$1"); RSS_GOAL+=("$2"); WALL_GOAL+=("$3"); SIZE+=("$4"); shift 4; ARGS+=("$(printf '%q ' "$@")"); }
add "\`snapdiff\` 2 x 60k smaps" 32 ref:0.5 60k %BIN% "$IN/60k/smaps.before" "$IN/60k/smaps.after"
add "\`snapdiff\` 2 x 60k \`pmap -x\`" 16 0.04 "" %BIN% "$IN/60k/pmap-x" "$IN/60k/pmap-x.after"
add "\`snapdiff\` 2 x 262k smaps" 96 "" 262k %BIN% "$IN/262k/smaps.before" "$IN/262k/smaps.after"
add "\`snapdiff DIR\` 100 x 4k smaps" 48 0.3 "" %BIN% "$IN/series"
if [[ -n $FOUR ]]; then add "\`snapdiff\` 2 x 4k smaps" "" "" 4k %BIN% "$FOUR/smaps.before" "$FOUR/smaps.after"; fi
add "\`snapdiff --help\` (start-up, no input)" "" "" 0 %BIN% --help
# shellcheck disable=SC2016 # the awk program, not a shell expansion
add "\`$REF\` Pss of both 60k smaps (reference)" "" "" "" "$REF" '/^Pss:/{s+=$2}END{print s}' "$IN/60k/smaps.before" "$IN/60k/smaps.after"
REF_ROW=$((${#NAMES[@]} - 1))

# Mappings in both files of a pair: each smaps entry starts with its
# address range.
declare -A MAPPINGS=()
count_pair() { cat "$1/smaps.before" "$1/smaps.after" | grep -c '^[0-9a-f]*-[0-9a-f]* '; }
MAPPINGS[60k]=$(count_pair "$IN/60k")
MAPPINGS[262k]=$(count_pair "$IN/262k")
if [[ -n $FOUR ]]; then MAPPINGS[4k]=$(count_pair "$FOUR"); fi
MAPPINGS[0]=0

SIDES=(after)
if [[ -n $BEFORE ]]; then SIDES=(before after); fi
bin_of() { if [[ $1 == before ]]; then echo "$BEFORE/snapdiff"; else echo "$AFTER/snapdiff"; fi; }

# run I SIDE: one timed run of case I; appends "rss_kib wall_s cpu_s" to
# $WORK/I.SIDE, or "fail STATUS" when the command failed.
FAILED=0
run() {
  local i=$1 side=$2 bin cmd status t0 t1
  bin=$(bin_of "$side")
  cmd=${ARGS[$i]//%BIN%/$(printf '%q' "$bin")}
  status=0 t0=$EPOCHREALTIME
  times > "$WORK/c0" # the CPU of the shell's children so far, to 1 ms
  eval "/usr/bin/time -f '%M %e %U %S' -o \"\$WORK/t\" $cmd" > /dev/null 2> "$WORK/err" || status=$?
  times > "$WORK/c1"
  t1=$EPOCHREALTIME
  # snapdiff exits 1 when something grew (like diff): only 2 and up is trouble.
  if ((status > 1)); then
    echo "$me: $side: ${cmd% }: exit $status: $(grep -v '^Command exited' "$WORK/err" | head -c 300 | tr '\n' ' ')" >&2
    echo "fail $status" >> "$WORK/$i.$side"
    FAILED=1
    return
  fi
  # Peak RSS from /usr/bin/time; wall and CPU from the shell, whose clocks
  # read 1 ms where %e, %U and %S read 10 ms (they add /usr/bin/time's own
  # start, under 1 ms, and match %e and %U + %S to that).
  awk -v t0="$t0" -v t1="$t1" -v c0="$WORK/c0" -v c1="$WORK/c1" '
    function s(x, a) { split(x, a, "m"); return a[1] * 60 + substr(a[2], 1, length(a[2]) - 1) }
    function cpu(f, l, v) { getline l < f; getline l < f; split(l, v, " "); return s(v[1]) + s(v[2]) }
    END { printf "%s %.4f %.4f\n", $1, t1 - t0, cpu(c1) - cpu(c0) }' "$WORK/t" >> "$WORK/$i.$side"
}

LOAD_START=$(uptime | sed 's/.*load average: //')
T_START=$(date -u '+%H:%M:%S')
echo "$me: ${#NAMES[@]} commands x ${#SIDES[@]} builds x (1 warm-up + $RUNS runs); load average $LOAD_START" >&2
for i in "${!NAMES[@]}"; do
  echo "  ${NAMES[$i]//\`/}" >&2
  for ((r = 0; r <= RUNS; r++)); do
    order=("${SIDES[@]}")
    if ((r % 2 && ${#SIDES[@]} == 2)); then order=(after before); fi
    for side in "${order[@]}"; do
      run "$i" "$side"
      # The warm-up does not count, unless it failed.
      if ((r == 0)) && ! grep -q '^fail' "$WORK/$i.$side"; then : > "$WORK/$i.$side"; fi
    done
  done
done
LOAD_END=$(uptime | sed 's/.*load average: //')
T_END=$(date -u '+%H:%M:%S')

# median I SIDE FIELD: median of a field (1 rss KiB, 2 wall s, 3 CPU s), or
# "fail" when any run failed.
median() {
  local f=$WORK/$1.$2
  [[ -s $f ]] || { echo "fail"; return; }
  grep -q '^fail' "$f" && { echo "fail"; return; }
  awk -v c="$3" '{ print $c }' "$f" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
fmt_mib() { [[ $1 == fail ]] && { echo "failed"; return; }; awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
fmt_s() { [[ $1 == fail ]] && { echo "failed"; return; }; awk -v s="$1" 'BEGIN { printf "%.3f s", s }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }

declare -A M=()
for i in "${!NAMES[@]}"; do
  for side in "${SIDES[@]}"; do
    M[$i.$side.rss]=$(median "$i" "$side" 1)
    M[$i.$side.wall]=$(median "$i" "$side" 2)
    M[$i.$side.cpu]=$(median "$i" "$side" 3)
  done
done

echo "snapdiff: after $AFTER${BEFORE:+, before $BEFORE}; inputs $IN; $RUNS runs each after a warm-up, medians$([[ -n $BEFORE ]] && echo ', before and after alternating run by run'); CPU is user + system."
echo "Load average $LOAD_START at $T_START UTC, $LOAD_END at $T_END UTC ($(nproc) CPUs): wall times under load are not comparable to an idle machine; peak RSS does not depend on it."
if [[ $REF == awk ]]; then echo "mawk is not installed: the reference is $(awk --version 2> /dev/null | head -1 || echo awk)."; fi
echo
echo "| command | peak RSS before | after | wall before | after | CPU before | after | goal | |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
# The reference is the same program in both slots: the median of all its
# runs is the steadier yardstick under a changing load.
if ((${#SIDES[@]} == 2)); then
  cat "$WORK/$REF_ROW.before" "$WORK/$REF_ROW.after" > "$WORK/$REF_ROW.both"
  ref_wall=$(median "$REF_ROW" both 2)
else
  ref_wall=${M[$REF_ROW.after.wall]}
fi
for i in "${!NAMES[@]}"; do
  row="| ${NAMES[$i]} |"
  for k in rss wall cpu; do
    for side in before after; do
      v=${M[$i.$side.$k]:-}
      if [[ -z $v ]]; then row+=" |"
      elif [[ $k == rss ]]; then row+=" $(fmt_mib "$v") |"
      else row+=" $(fmt_s "$v") |"
      fi
    done
  done
  goal=() verdict=()
  rss=${M[$i.after.rss]} wall=${M[$i.after.wall]}
  if [[ -n ${RSS_GOAL[$i]} ]]; then
    goal+=("≤ ${RSS_GOAL[$i]} MiB")
    if [[ $rss == fail ]]; then verdict+=("RSS failed")
    elif le "$rss" $((RSS_GOAL[i] * 1024)); then verdict+=("RSS met")
    else verdict+=("RSS **missed** by $(awk -v r="$rss" -v g="${RSS_GOAL[$i]}" 'BEGIN { printf "%.1f", r / 1024 - g }') MiB")
    fi
  fi
  w=${WALL_GOAL[$i]}
  if [[ $w == ref:* ]]; then
    f=${w#ref:}
    goal+=("wall ≤ ${f}x $REF ($(fmt_s "$ref_wall"))")
    if [[ $wall == fail || $ref_wall == fail ]]; then verdict+=("wall failed")
    else
      x=$(awk -v a="$wall" -v b="$ref_wall" 'BEGIN { printf "%.1f", (b > 0) ? a / b : 0 }')
      if awk -v a="$wall" -v b="$ref_wall" -v f="$f" 'BEGIN { exit !(a <= f * b) }'; then verdict+=("wall met (${x}x)")
      else verdict+=("wall **missed** (${x}x)")
      fi
    fi
  elif [[ -n $w ]]; then
    goal+=("wall ≤ $(awk -v s="$w" 'BEGIN { print (s < 1) ? s * 1000 " ms" : s " s" }')")
    if [[ $wall == fail ]]; then verdict+=("wall failed")
    elif le "$wall" "$w"; then verdict+=("wall met")
    else verdict+=("wall **missed**")
    fi
  fi
  [[ $i == "$REF_ROW" ]] && goal=("(reference)")
  ((${#goal[@]})) || goal=("")
  ((${#verdict[@]})) || verdict=("")
  g=$(printf '%s; ' "${goal[@]}") v=$(printf '%s; ' "${verdict[@]}")
  echo "$row ${g%; } | ${v%; } |"
done

echo
echo "Cost per mapping (mappings of both files of a pair): the cost of starting weighs most at 4k; \"marginal\" is the cost of the mappings added since the size above (at the first size: above \`snapdiff --help\`)."
echo
echo "| size | build | mappings | peak RSS/mapping | marginal | CPU/mapping | marginal |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
for side in "${SIDES[@]}"; do
  prev_n='' prev_rss='' prev_cpu=''
  for size in 0 4k 60k 262k; do
    [[ -n ${MAPPINGS[$size]:-} ]] || continue
    for i in "${!NAMES[@]}"; do if [[ ${SIZE[$i]} == "$size" ]]; then break; fi; done
    n=${MAPPINGS[$size]} rss=${M[$i.$side.rss]} cpu=${M[$i.$side.cpu]}
    if [[ $size == 0 ]]; then # the start-up: a base for the marginal cost at 4k
      if [[ $rss != fail ]]; then prev_n=0 prev_rss=$rss prev_cpu=$cpu; fi
      continue
    fi
    if [[ $rss == fail ]]; then
      echo "| $size | $side | $n | failed | | failed | |"
      prev_n=''
      continue
    fi
    awk -v size="$size" -v side="$side" -v n="$n" -v r="$rss" -v c="$cpu" \
      -v pn="$prev_n" -v pr="$prev_rss" -v pc="$prev_cpu" 'BEGIN {
        m1 = m2 = ""
        if (pn != "" && n > pn) {
          m1 = sprintf("%.0f B", (r - pr) * 1024 / (n - pn))
          m2 = sprintf("%.2f µs", (c - pc) * 1e6 / (n - pn))
        }
        printf "| %s | %s | %d | %.0f B | %s | %.2f µs | %s |\n", size, side, n, r * 1024 / n, m1, c * 1e6 / n, m2
      }'
    prev_n=$n prev_rss=$rss prev_cpu=$cpu
  done
done
exit "$FAILED"
