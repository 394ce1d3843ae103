#!/bin/sh
# Captures the direct-buffer leak: capture.sh summary|detail OUTDIR
# Starts Leak.java, waits until it has allocated 20 buffers, takes an NMT
# baseline, then 8 snapshots 2 s apart (smaps, pmap -x), with NMT output at
# 01 and 08 (summary: nmt-summary.NN and nmt-summary-diff.08; detail:
# nmt-detail.NN). Epoch ms of each snapshot in times.txt, of each jcmd in
# jcmd-times.txt.
set -eu
mode=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out" && cd "$out"
ms() { date +%s%3N; }
java -Xmx64m -XX:MaxDirectMemorySize=2g -XX:NativeMemoryTracking="$mode" "$here/Leak.java" leak.log &
pid=$!
echo "$pid" > pid.txt
until [ -f leak.log ] && [ "$(grep -vc '^#' leak.log)" -ge 20 ]; do sleep 0.1; done
echo "baseline_start $(ms)" > jcmd-times.txt
jcmd "$pid" VM.native_memory baseline > nmt-baseline.out
echo "baseline_end $(ms)" >> jcmd-times.txt
: > times.txt
next=$(ms)
for n in 01 02 03 04 05 06 07 08; do
  while [ "$(ms)" -lt "$next" ]; do sleep 0.01; done
  t=$(ms)
  cat /proc/$pid/smaps > smaps.$n
  pmap -x "$pid" > pmap-x.$n
  echo "$n $t" >> times.txt
  next=$((t + 2000))
  if [ "$n" = 01 ] || [ "$n" = 08 ]; then
    echo "$mode.$n start $(ms)" >> jcmd-times.txt
    jcmd "$pid" VM.native_memory "$mode" > nmt-$mode.$n
    echo "$mode.$n end $(ms)" >> jcmd-times.txt
  fi
done
if [ "$mode" = summary ]; then
  jcmd "$pid" VM.native_memory summary.diff > nmt-summary-diff.08
  echo "summary.diff.08 end $(ms)" >> jcmd-times.txt
fi
kill "$pid"
wait "$pid" || true
