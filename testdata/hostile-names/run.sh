#!/bin/bash
# Rebuilds hostile-names and takes a new capture: snapcollect collects two
# snapshots 1 s apart into collected/ (smaps + manifest.json), and pmap -x
# reads the process beside each (pmap-x.01, pmap-x.02). Between the two the
# program is told (SIGUSR1) to grow its file mapping and start its thread.
# The command line carries escape bytes of its own. Addresses change on
# every run (ASLR). Run as root from this folder with snapcollect on PATH:
#   PATH=../../build/tools:$PATH ./run.sh
set -eu
cd "$(dirname "$0")"
gcc -O2 -Wall -static -pthread -o hostile-names hostile-names.c
FILES=/tmp/snap-hostile-names  # where the file with the hostile name is
rm -rf collected pmap-x.01 pmap-x.02 hostile-names.log "$FILES"
mkdir "$FILES"
# ARGs: an OSC window title, a clear-screen CSI, the C1 CSI with SGR red,
# an invalid UTF-8 byte, a newline.
./hostile-names hostile-names.log "$FILES" $'\e]0;owned\a' $'\e[2J' $'\xc2\x9b31mred' $'\xff' $'a\nb' &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
while ! grep -q 'step 1' hostile-names.log 2>/dev/null; do sleep 0.01; done
snapcollect -p "$PID" --interval 1s --count 2 --out collected 2>snapcollect.log &
COLLECT=$!
while [ ! -e collected/smaps.0001 ]; do sleep 0.01; done
pmap -x "$PID" >pmap-x.01
kill -USR1 "$PID"
while ! grep -q 'thread named' hostile-names.log; do sleep 0.01; done
pmap -x "$PID" >pmap-x.02
wait "$COLLECT"
kill "$PID"
wait "$PID" 2>/dev/null || true
trap - EXIT
rm -rf hostile-names "$FILES"
