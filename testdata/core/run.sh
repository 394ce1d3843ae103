#!/bin/sh
# Rebuilds tiny.c, runs it, and captures its maps right before gcore dumps it
# (overwrites tiny.log, maps.txt and core.tiny).
set -eu
cd "$(dirname "$0")"
gcc -O1 -o /tmp/snap-core-tiny tiny.c
# A clean environment: the stack, dumped whole, holds it.
env -i /tmp/snap-core-tiny >tiny.log &
pid=$!
sleep 0.5
cat /proc/$pid/maps >maps.txt
gcore -o core "$pid" >/dev/null 2>&1
mv "core.$pid" core.tiny
kill "$pid"
