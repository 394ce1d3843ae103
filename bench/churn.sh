#!/bin/sh
# churn.sh DIR SNAPSHOTS MAPPINGS: a series whose mappings churn, for the
# trend's memory (scripts/bench.sh, tests/trend_memory.sh).
#
# Writes DIR/pmap-x.001 .. and DIR/times.txt: `pmap -x` of a process of
# MAPPINGS mappings every 30 s. A tenth are libraries that stay put; the
# rest are anonymous mappings that are all unmapped and mapped again at new
# addresses between two snapshots (a pool of mmap'd buffers recycled), so
# that nearly every mapping of every snapshot is a block of its own:
# SNAPSHOTS x MAPPINGS blocks, each present in one snapshot. One heap grows
# by 64K a snapshot. Deterministic: the same arguments give the same bytes.
set -eu
[ $# -eq 3 ] || { echo "usage: churn.sh DIR SNAPSHOTS MAPPINGS" >&2; exit 2; }
dir=$1 snaps=$2 maps=$3
mkdir -p "$dir"
awk -v dir="$dir" -v snaps="$snaps" -v maps="$maps" '
# %x of mawk stops at 32 bits; addresses need 48.
function hex(v,   s, d) {
  s = ""
  for (d = 0; d < 16; d++) { s = substr("0123456789abcdef", v % 16 + 1, 1) s; v = int(v / 16) }
  return s
}
BEGIN {
  libs = int(maps / 10); anon = maps - libs - 1
  width = length(snaps "") < 3 ? 3 : length(snaps "")
  times = dir "/times.txt"
  for (k = 0; k < snaps; k++) {
    f = sprintf("%s/pmap-x.%0*d", dir, width, k + 1)
    printf "4242:   churn\nAddress           Kbytes     RSS   Dirty Mode  Mapping\n" > f
    size = 0; rss = 0; dirty = 0
    # The heap, growing.
    heap = 1024 + 64 * k
    printf "%s %7d %7d %7d rw--- %s\n", hex(94000000000000), heap, heap, heap, "  [ anon ]" > f
    size += heap; rss += heap; dirty += heap
    # The churning anonymous mappings: snapshot k holds its own stretch of
    # the address space, each mapping (4K to 1M) with a page of gap.
    base = 110000000000000 + k * anon * 1052672
    for (i = 0; i < anon; i++) {
      kb = 4 * (1 + (i * 7919 + k * 104729) % 256)
      r = kb > 8 ? kb - 4 * ((i + k) % 3) : kb
      printf "%s %7d %7d %7d rw--- %s\n", hex(base + i * 1052672), kb, r, r, "  [ anon ]" > f
      size += kb; rss += r; dirty += r
    }
    # The libraries, where they always are.
    for (i = 0; i < libs; i++) {
      printf "%s %7d %7d %7d r-x-- libchurn%d.so\n", hex(130000000000000 + i * 1048576), 256, 128, 0, i > f
      size += 256; rss += 128
    }
    printf "---------------- ------- ------- ------- \ntotal kB %15d %7d %7d\n", size, rss, dirty > f
    close(f)
    printf "%0*d %.0f\n", width, k + 1, 1795600000000 + k * 30000 > times
  }
  close(times)
}'
