#!/bin/bash
# Captures, for each process below, pmap, pmap -x, pmap -X, pmap -d, smaps
# and maps of the same sleeping process, into the current directory.
# Run as root from testdata/categories/ (it overwrites the captures).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
for p in malloc_hold no_heap shm_kinds; do gcc -O1 -Wall -o "$work/$p" "$here/$p.c"; done

capture() {  # NAME PID
  local name=$1 pid=$2
  sleep 2
  cat "/proc/$pid/smaps" >"$name.smaps"
  cat "/proc/$pid/maps" >"$name.maps"
  pmap "$pid" >"$name.pmap"
  pmap -x "$pid" >"$name.pmap-x"
  pmap -X "$pid" >"$name.pmap-x-ext"
  pmap -d "$pid" >"$name.pmap-d"
  pkill -P "$pid" || true  # bash's sleep child
  kill "$pid" 2>/dev/null || true  # bash may have exited with its child
}

# Debian's python3 is a symlink to a non-PIE python3.11: the header names
# python3, the mappings python3.11.
/usr/bin/python3 -c 'import time; x=bytearray(50<<20); time.sleep(600)' & capture python3 $!
# The same with a PIE python3.11, when pyenv has one.
pyenv_python=~/.pyenv/versions/3.11.7/bin/python3
if [ -x "$pyenv_python" ]; then
  "$pyenv_python" -c 'import time; x=bytearray(50<<20); time.sleep(600)' & capture python3-pie $!
fi
# "; exit 0": without a command after it, bash execs the last command and
# the process is sleep, not bash.
bash -c 'a=$(seq 1 100000); sleep 600; exit 0' & capture bash $!
# The same without address randomisation (as gdb starts programs): the heap
# starts right where the BSS tail ends.
setarch -R bash -c 'a=$(seq 1 100000); sleep 600; exit 0' & capture bash-norandom $!
"$work/malloc_hold" >malloc_hold.log & capture malloc_hold $!
"$work/no_heap" & capture no_heap $!
"$work/shm_kinds" >shm_kinds.log & capture shm_kinds $!
wait 2>/dev/null || true
rm -r "$work"
