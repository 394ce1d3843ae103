#!/usr/bin/env python3
"""Cross-checks each capture folder (100ms/, 1s/, 5s/) against its
linear-leak.log: the leak rate by least squares over (epoch_ms, cumulative
bytes), the blocks' contiguity in [heap], and per snapshot the [heap] Size
and Rss against the blocks logged before the snapshot started.  Prints the
figures used in GROUND_TRUTH.md; exits 1 on any inconsistency."""
import gzip, os, re, sys

CHUNK = 65536 + 16  # malloc(64 KiB) chunk: user bytes + 16-byte header

def opener(path):
    return gzip.open(path, 'rt') if path.endswith('.gz') else open(path)

def parse_smaps(path):
    maps = []
    for line in opener(path):
        m = re.match(r'^([0-9a-f]+)-([0-9a-f]+) (\S+) (\S+) \S+ \d+\s*(.*)$', line)
        if m:
            maps.append(dict(lo=int(m[1], 16), hi=int(m[2], 16), perm=m[3], name=m[5].strip()))
            continue
        m = re.match(r'^(\w+):\s+(\d+) kB', line)
        if m and maps:
            maps[-1][m[1]] = int(m[2])
    return maps

def parse_pmap(path):
    rows = {}
    for line in open(path):
        m = re.match(r'^([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)', line)
        if m:
            rows[int(m[1], 16)] = (int(m[2]), int(m[3]))
    return rows

def lsq(xs, ys):
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    return sxy / sxx, my - sxy / sxx * mx

ok = True
for d in ('100ms', '1s', '5s'):
    log = [l.split() for l in open(f'{d}/linear-leak.log') if not l.startswith('#')]
    t = [int(r[0]) for r in log]; idx = [int(r[1]) for r in log]
    ptr = [int(r[2], 16) for r in log]; size = int(log[0][3])
    steps = {ptr[i + 1] - ptr[i] for i in range(len(ptr) - 1)}
    if steps != {CHUNK}:
        print(f'{d}: blocks not contiguous: steps {steps}'); ok = False
    times = [(n, int(ms)) for n, ms in (l.split() for l in open(f'{d}/times.txt'))]
    # capture.log: NN EPOCH_MS smaps_us pmap_us; pmap -x runs right after
    # smaps and reads the process a few ms later.
    took = {r[0]: (int(r[2]), int(r[3])) for r in (l.split() for l in open(f'{d}/capture.log'))}
    t_last = times[-1][1]
    # The rate over the blocks the captures saw (first block .. last snapshot).
    sel = [i for i in range(len(t)) if t[i] <= t_last]
    slope, _ = lsq([t[i] / 1000 for i in sel], [idx[i] * size for i in sel])
    dur = (t[sel[-1]] - t[sel[0]]) / 1000
    print(f'## {d}: {len(sel)} blocks logged up to the last snapshot '
          f'({len(log)} in all), first {t[0]}, last {t[sel[-1]]} ({dur:.3f} s)')
    print(f'leak rate (least squares, user bytes): {slope:.0f} B/s = {slope/1024:.2f} KiB/s; '
          f'heap consumption x{CHUNK}/{size}: {slope*CHUNK/size:.0f} B/s = {slope*CHUNK/size/1024:.2f} KiB/s')
    rows = []
    for n, ms in times:
        f = f'{d}/smaps.{n}' + ('.gz' if os.path.exists(f'{d}/smaps.{n}.gz') else '')
        heap = [m for m in parse_smaps(f) if m['name'] == '[heap]']
        if len(heap) != 1:
            print(f'{d} snapshot {n}: {len(heap)} [heap] mappings'); ok = False; continue
        h = heap[0]
        k = sum(1 for x in t if x <= ms)
        # Every byte from the heap start to the end of the last logged block
        # (plus the top chunk's header the allocator writes right after it)
        # has been written, so Rss must cover at least those pages.
        end = ptr[k - 1] + size + 16 if k else h['lo']
        need_kib = (end - h['lo'] + 4095) // 4096 * 4
        brk_ok = h['hi'] >= end
        pm = ''
        if os.path.exists(f'{d}/pmap-x.{n}'):
            got = parse_pmap(f'{d}/pmap-x.{n}').get(h['lo'])
            if got == (h['Size'], h['Rss']):
                pm = 'pmap-x same'
            else:
                # pmap ran from ms+smaps_us to ms+smaps_us+pmap_us: its Rss must
                # match the blocks logged by some moment in that window.
                s_us, p_us = took[n]
                lo_k = sum(1 for x in t if x <= ms + s_us // 1000)
                hi_k = sum(1 for x in t if x <= ms + (s_us + p_us) // 1000 + 1)
                fits = [j for j in range(lo_k, hi_k + 1)
                        if got[1] == (ptr[j - 1] + size + 16 - h['lo'] + 4095) // 4096 * 4]
                pm = (f'pmap-x Size {got[0]} Rss {got[1]} = {fits[0]} blocks '
                      f'(read {s_us//1000}-{(s_us+p_us)//1000} ms later)') if fits else f'pmap-x {got} MISMATCH'
                ok &= bool(fits)
        good = brk_ok and need_kib <= h['Rss'] <= need_kib + 8
        ok &= good
        rows.append((n, ms, k, h, need_kib, good, pm))
    print('| snap | epoch_ms | blocks logged | [heap] range | Size KiB | Rss KiB | Rss needed by log KiB | check |')
    print('|---|---|---|---|---|---|---|---|')
    for n, ms, k, h, need, good, pm in rows:
        print(f"| {n} | {ms} | {k} | {h['lo']:x}-{h['hi']:x} | {h['Size']} | {h['Rss']} | {need} | "
              f"{'ok' if good else 'MISMATCH'} {pm} |")
    a, b = rows[0], rows[-1]
    span = (b[1] - a[1]) / 1000
    dblocks = b[2] - a[2]
    print(f"first->last snapshot: {span:.3f} s, +{dblocks} blocks = +{dblocks*size} user bytes "
          f"(+{dblocks*CHUNK/1024:.2f} KiB of heap chunks); [heap] {a[3]['lo']:x}-{a[3]['hi']:x} -> "
          f"{b[3]['lo']:x}-{b[3]['hi']:x}: Size +{b[3]['Size']-a[3]['Size']} KiB, Rss +{b[3]['Rss']-a[3]['Rss']} KiB; "
          f"by the log's rate {slope*span/1024:.1f} KiB of user bytes, {slope*CHUNK/size*span/1024:.1f} KiB of chunks")
    # Every other mapping must be unchanged in range; report Rss changes.
    fa = f'{d}/smaps.{a[0]}' + ('.gz' if os.path.exists(f'{d}/smaps.{a[0]}.gz') else '')
    fb = f'{d}/smaps.{b[0]}' + ('.gz' if os.path.exists(f'{d}/smaps.{b[0]}.gz') else '')
    ma = {(m['lo'], m['hi']): m for m in parse_smaps(fa) if m['name'] != '[heap]'}
    mb = {(m['lo'], m['hi']): m for m in parse_smaps(fb) if m['name'] != '[heap]'}
    if set(ma) != set(mb):
        print('other mappings changed range:', sorted(set(ma) ^ set(mb))); ok = False
    for k in sorted(ma):
        if k in mb and ma[k]['Rss'] != mb[k]['Rss']:
            print(f"other mapping {k[0]:x}-{k[1]:x} {ma[k]['name']}: Rss {ma[k]['Rss']} -> {mb[k]['Rss']}")
    print()
print('verify:', 'OK' if ok else 'FAILED')
sys.exit(0 if ok else 1)
