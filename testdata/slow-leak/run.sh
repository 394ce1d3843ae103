#!/bin/sh
# Rebuilds slow-leak and capture, then runs the leak three times, once per
# capture schedule, each into its own folder:
#   100ms/  125 snapshots every 100 ms (12.4 s), smaps only, gzip -9'd
#   1s/      14 snapshots every 1 s (13 s), smaps + pmap -x
#   5s/       9 snapshots every 5 s (40 s), smaps + pmap -x
# Blocks are allocated at t0 + k*300 ms.  Each capture starts after a 2 s
# warm-up (2 s of leaking, 7 blocks) plus OFFSET ms: 50 for smaps only, so
# that every snapshot (at 50, 150 or 250 ms past a block) is at least 50 ms
# from a block; 40 when pmap -x follows smaps, so that pmap (a few ms) still
# ends well before the next block.  capture's per-snapshot durations go to
# DIR/capture.log.  Each run's leak is killed after its capture; verify.py
# then checks the captures against the logs and prints the figures of
# GROUND_TRUTH.md (to verify.out).  Run as root from this folder: ./run.sh
# Both processes run under SCHED_FIFO (chrt) when allowed, to keep both
# schedules tight on a busy machine.
set -eu
cd "$(dirname "$0")"
gcc -O2 -Wall -o slow-leak slow-leak.c
gcc -O2 -Wall -o capture capture.c
RT=""
if chrt -f 10 true 2>/dev/null; then RT="chrt -f 10"; fi

run() {  # DIR INTERVAL_MS COUNT PMAP OFFSET_MS
    rm -rf "$1"; mkdir "$1"
    $RT ./slow-leak "$1/slow-leak.log" &
    PID=$!
    trap 'kill $PID 2>/dev/null || true' EXIT
    while ! grep -q '^# t0_epoch_ms' "$1/slow-leak.log" 2>/dev/null; do sleep 0.01; done
    T0=$(awk '/^# t0_epoch_ms/ {print $3}' "$1/slow-leak.log")
    $RT ./capture "$PID" "$2" "$3" "$1" "$4" $((T0 + 2000 + $5)) 2>"$1/capture.log"
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    trap - EXIT
}
run 100ms 100 125 0 50
run 1s 1000 14 1 40
run 5s 5000 9 1 40
gzip -9 100ms/smaps.*
rm -f slow-leak capture
python3 verify.py > verify.out
cat verify.out
