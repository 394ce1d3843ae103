#!/bin/sh
# Rebuilds mmap-leak and capture, runs the leak, takes 8 snapshots 1 s apart
# (smaps.NN + pmap-x.NN + times.txt) starting 550 ms after the leak's first
# block (midway between two blocks, so no block is half-written during a
# snapshot), then kills the leak and cross-checks with verify.py.
# Run as root from this folder: ./run.sh
# Both processes run under SCHED_FIFO (chrt) when allowed, to keep the 100 ms
# leak schedule and the 1 s capture schedule tight on a busy machine.
set -eu
cd "$(dirname "$0")"
gcc -O2 -Wall -static -pthread -o mmap-leak mmap-leak.c
gcc -O2 -Wall -o capture capture.c
rm -f smaps.* pmap-x.* times.txt mmap-leak.log
RT=""
if chrt -f 10 true 2>/dev/null; then RT="chrt -f 10"; fi
$RT ./mmap-leak mmap-leak.log &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
while ! grep -q '^# t0_epoch_ms' mmap-leak.log 2>/dev/null; do sleep 0.01; done
T0=$(awk '/^# t0_epoch_ms/ {print $3}' mmap-leak.log)
$RT ./capture "$PID" 1000 8 . 1 $((T0 + 550)) 2>capture.log
kill "$PID"
wait "$PID" 2>/dev/null || true
trap - EXIT
rm -f mmap-leak capture
python3 verify.py
