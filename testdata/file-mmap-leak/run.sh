#!/bin/sh
# Rebuilds file-mmap-leak and capture, runs the leak (a new 48 KiB file
# mapping every 250 ms, files in /tmp/file-mmap-leak.segs), takes 8
# snapshots 1 s apart (smaps.NN + pmap-x.NN + times.txt) starting 125 ms
# after the first mapping (midway between two), then kills the leak.
# Run as root from this folder: ./run.sh
set -eu
cd "$(dirname "$0")"
gcc -O2 -Wall -static -o file-mmap-leak file-mmap-leak.c
gcc -O2 -Wall -o capture capture.c
SEGS=/tmp/file-mmap-leak.segs
rm -rf smaps.* pmap-x.* times.txt file-mmap-leak.log "$SEGS"
mkdir -p "$SEGS"
RT=""
if chrt -f 10 true 2>/dev/null; then RT="chrt -f 10"; fi
$RT ./file-mmap-leak file-mmap-leak.log "$SEGS" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
while ! grep -q '^# t0_epoch_ms' file-mmap-leak.log 2>/dev/null; do sleep 0.01; done
T0=$(awk '/^# t0_epoch_ms/ {print $3}' file-mmap-leak.log)
$RT ./capture "$PID" 1000 8 . 1 $((T0 + 1125)) 2>capture.log
kill "$PID"
wait "$PID" 2>/dev/null || true
trap - EXIT
rm -rf file-mmap-leak capture "$SEGS"
