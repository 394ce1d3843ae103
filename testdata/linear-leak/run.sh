#!/bin/sh
# Rebuilds linear-leak and capture, then runs the leak three times, once per
# capture schedule, each into its own folder:
#   100ms/  125 snapshots every 100 ms (12.4 s), smaps only (gzip -9'd
#           when over 1 MB)
#   1s/      14 snapshots every 1 s (13 s), smaps + pmap -x
#   5s/       9 snapshots every 5 s (40 s), smaps + pmap -x
# The first snapshot is OFFSET ms after the first block: 505 (midway between
# two blocks) for smaps only; 502 when pmap -x follows (it takes ~5 ms), so
# that smaps and pmap-x both fall between the same two blocks.  capture's
# per-snapshot durations go to DIR/capture.log.  Each run's leak is
# killed after its capture; verify.py then checks the captures against the
# logs.  Run as root from this folder: ./run.sh
# Both processes run under SCHED_FIFO (chrt) when allowed, to keep the 10 ms
# leak schedule and the capture schedule tight on a busy machine.
set -eu
cd "$(dirname "$0")"
gcc -O2 -Wall -static -o linear-leak linear-leak.c
gcc -O2 -Wall -o capture capture.c
RT=""
if chrt -f 10 true 2>/dev/null; then RT="chrt -f 10"; fi

run() {  # DIR INTERVAL_MS COUNT PMAP OFFSET_MS
    rm -rf "$1"; mkdir "$1"
    $RT ./linear-leak "$1/linear-leak.log" &
    PID=$!
    trap 'kill $PID 2>/dev/null || true' EXIT
    while ! grep -q '^# t0_epoch_ms' "$1/linear-leak.log" 2>/dev/null; do sleep 0.01; done
    T0=$(awk '/^# t0_epoch_ms/ {print $3}' "$1/linear-leak.log")
    $RT ./capture "$PID" "$2" "$3" "$1" "$4" $((T0 + $5)) 2>"$1/capture.log"
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    trap - EXIT
}
run 100ms 100 125 0 505
run 1s 1000 14 1 502
run 5s 5000 9 1 502
# gzip the 125-snapshot series when it is over 1 MB (readers take .gz).
if [ "$(du -sk 100ms | cut -f1)" -gt 1024 ]; then gzip -9 100ms/smaps.*; fi
rm -f linear-leak capture
python3 verify.py
