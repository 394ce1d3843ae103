#!/bin/bash
# Builds the libFuzzer targets (build-fuzz/: clang, -DSNAP_FUZZ=ON) and runs
# them one at a time, each for a bounded time. docs/fuzzing.md.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   fuzz each target SECONDS (default 60)
#   scripts/fuzz.sh --replay [TARGET...]     run the seeds and testdata/regress
#                                            through each target once, no fuzzing
#
# TARGET: fuzz_smaps fuzz_smaps_rollup fuzz_maps fuzz_pmap fuzz_pmap-x
# fuzz_pmap-X fuzz_pmap-d fuzz_solaris-pmap-x fuzz_detect fuzz_diff fuzz_nmt
# fuzz_trend fuzz_gdb fuzz_manifest fuzz_proc (default: all). RUNS=N also stops a target after N executions (whichever comes
# first); NO_BUILD=1 uses the targets already built. The corpus each run grows is kept in build-fuzz/fuzz/corpus/TARGET
# (seeds in build-fuzz/fuzz/seeds/, from fuzz/seeds.sh); crashing inputs go to
# build-fuzz/fuzz/artifacts/TARGET/. Prints one line per target (executions,
# seconds, findings) and exits 1 when any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."
top="$PWD"
build="${BUILD:-build-fuzz}"

replay=0
seconds=60
if [ "${1:-}" = --replay ]; then
  replay=1
  shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds="$1"
  shift
fi
all=(fuzz_smaps fuzz_smaps_rollup fuzz_maps fuzz_pmap fuzz_pmap-x fuzz_pmap-X fuzz_pmap-d
     fuzz_solaris-pmap-x fuzz_detect fuzz_diff fuzz_nmt fuzz_trend fuzz_gdb fuzz_manifest fuzz_proc)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: needs clang and libclang-rt-14-dev (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
if [ -z "${NO_BUILD:-}" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -DSNAP_FUZZ=ON -DSNAP_TEST=OFF -DSNAP_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
  cmake --build "$build" -j2 --target fuzzers >/dev/null
fi
fuzz/seeds.sh "$build/fuzz/seeds"

found=0
for t in "${targets[@]}"; do
  exe="$build/fuzz/$t"
  [ -x "$exe" ] || { echo "fuzz.sh: no target $t" >&2; exit 2; }
  art="$build/fuzz/artifacts/$t"
  mkdir -p "$art"
  log="$build/fuzz/$t.log"
  opts=(-artifact_prefix="$art/" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
  stamp="$build/fuzz/.stamp-$t"
  touch "$stamp"
  start=$(date +%s.%N)
  if [ $replay = 1 ]; then
    # Every seed, and every file of testdata/ (the real captures whole, and
    # testdata/regress/), once.
    set +e
    "$exe" "${opts[@]}" -runs=0 "$build/fuzz/seeds/$t" "$top/testdata" >"$log" 2>&1
    rc=$?
    set -e
  else
    # Inputs of a few KiB hold several records of every format; the diff
    # target's two snapshots get twice that, the trend target's 3 to 8
    # snapshots four times.
    max_len=4096
    [ "$t" = fuzz_diff ] && max_len=8192
    [ "$t" = fuzz_trend ] && max_len=16384
    [ "$t" = fuzz_gdb ] && max_len=16384
    [ "$t" = fuzz_manifest ] && max_len=16384
    corpus="$build/fuzz/corpus/$t"
    mkdir -p "$corpus"
    set +e
    "$exe" "${opts[@]}" -max_len=$max_len -dict=fuzz/snap.dict -max_total_time="$seconds" \
      ${RUNS:+-runs=$RUNS} "$corpus" "$build/fuzz/seeds/$t" >"$log" 2>&1
    rc=$?
    set -e
  fi
  end=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  findings=$(find "$art" -type f -newer "$stamp" | wc -l)
  status=ok
  if [ $rc != 0 ]; then
    status="FAILED (exit $rc, see $log)"
    found=1
  elif [ "$findings" != 0 ]; then
    status="$findings finding(s) in $art"
    found=1
  fi
  printf '%-22s %12s execs %8.1f s  %s\n' "$t" "${execs:-?}" "$(awk "BEGIN { print $end - $start }")" "$status"
done
exit $found
