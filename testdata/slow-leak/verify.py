#!/usr/bin/env python3
"""Cross-checks each capture folder (100ms/, 1s/, 5s/) against its
slow-leak.log: the leak rate by least squares over (epoch_ms, cumulative
bytes), the blocks' contiguity in [heap], per snapshot the [heap] Rss against
the blocks logged before the snapshot started (pmap -x too, when present),
and per step the Rss growth against the blocks logged between the two
snapshots.  Prints the figures used in GROUND_TRUTH.md; exits 1 on any
inconsistency."""
import gzip, os, re, sys

CHUNK = (256 << 10) + 16  # malloc(256 KiB) chunk: user bytes + 16-byte header
PAGE = 4096


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
        m = re.match(r'^([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$', line)
        if m:
            rows[int(m[1], 16)] = (int(m[2]), int(m[3]), m[6].strip())
    return rows


def lsq(xs, ys):
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    return sxy / sxx, my - sxy / sxx * mx


def smaps_file(d, n):
    f = f'{d}/smaps.{n}'
    return f + '.gz' if os.path.exists(f + '.gz') else f


ok = True
for d in ('100ms', '1s', '5s'):
    log = [l.split() for l in open(f'{d}/slow-leak.log') if not l.startswith('#')]
    t = [int(r[0]) for r in log]; idx = [int(r[1]) for r in log]
    ptr = [int(r[2], 16) for r in log]; size = int(log[0][3])
    if idx != list(range(1, len(idx) + 1)) or {int(r[3]) for r in log} != {size}:
        print(f'{d}: log indices or sizes irregular'); ok = False
    steps = {ptr[i + 1] - ptr[i] for i in range(len(ptr) - 1)}
    if steps != {CHUNK}:
        print(f'{d}: blocks not contiguous: steps {steps}'); ok = False
    gaps = sorted({t[i + 1] - t[i] for i in range(len(t) - 1)})
    times = [(n, int(ms)) for n, ms in (l.split() for l in open(f'{d}/times.txt'))]
    took = {r[0]: (int(r[2]), int(r[3])) for r in (l.split() for l in open(f'{d}/capture.log'))}
    t_first, t_last = times[0][1], times[-1][1]
    # Leak rate over the blocks logged from the first block up to the last
    # snapshot (the run went on a little after it until it was killed).
    sel = [i for i in range(len(t)) if t[i] <= t_last]
    slope, _ = lsq([t[i] / 1000 for i in sel], [idx[i] * size for i in sel])
    print(f'## {d}: {len(times)} snapshots, {len(sel)} blocks logged up to the last '
          f'snapshot ({len(log)} in all); log gaps between blocks {gaps[0]}..{gaps[-1]} ms')
    print(f'leak rate (least squares over blocks 1..{len(sel)}, cumulative user bytes '
          f'vs epoch_ms): {slope:.1f} B/s = {slope / 1024:.2f} KiB/s '
          f'(heap chunks: {slope * CHUNK / size:.1f} B/s)')
    print(f'first snapshot {t_first} = {t_first - t[0]} ms after block 1; '
          f'snapshot interval {sorted({b[1] - a[1] for a, b in zip(times, times[1:])})} ms')
    rows = []
    for n, ms in times:
        heap = [m for m in parse_smaps(smaps_file(d, n)) if m['name'] == '[heap]']
        if len(heap) != 1:
            print(f'{d} snapshot {n}: {len(heap)} [heap] mappings'); ok = False; continue
        h = heap[0]
        k = sum(1 for x in t if x <= ms)
        # Distance from the nearest block's log line, to show the snapshot
        # did not race an allocation.
        near = min(abs(x - ms) for x in t)
        # Every byte from the heap start to the end of the last logged block,
        # plus the top chunk's size field written right after it, has been
        # touched, and nothing beyond: Rss is exactly those pages.
        end = ptr[k - 1] + size + 16 if k else h['lo']
        need_kib = (end - h['lo'] + PAGE - 1) // PAGE * 4
        inside = all(h['lo'] <= ptr[i] and ptr[i] + size <= h['hi'] for i in range(k))
        good = inside and h['Rss'] == need_kib
        pm = ''
        if os.path.exists(f'{d}/pmap-x.{n}'):
            got = parse_pmap(f'{d}/pmap-x.{n}').get(h['lo'])
            if got and got[:2] == (h['Size'], h['Rss']) and got[2] == '[ anon ]':
                pm = 'pmap-x same'
            else:
                pm = f'pmap-x {got} MISMATCH'; good = False
        ok &= good
        rows.append(dict(n=n, ms=ms, k=k, h=h, need=need_kib, good=good, pm=pm, near=near))
    print()
    print('| snap | epoch_ms | blocks logged | nearest log line ms | [heap] range | Size KiB | Rss KiB '
          '| Rss expected from log KiB | ΔRss KiB | Δblocks | check |')
    print('|---|---|---|---|---|---|---|---|---|---|---|')
    rose = 0; step_bad = 0
    for i, r in enumerate(rows):
        h = r['h']
        if i:
            p = rows[i - 1]
            drss = h['Rss'] - p['h']['Rss']; dk = r['k'] - p['k']
            dneed = r['need'] - p['need']
            # Growth between snapshots equals the blocks logged in between,
            # to the page: 256 KiB a block, +-4 KiB as the 16-byte headers
            # push block ends across page boundaries.
            sgood = drss == dneed and abs(drss - dk * 256) <= 4 and (drss > 0) == (dk > 0)
            rose += drss > 0; step_bad += not sgood; ok &= sgood
            ds = f'{drss:+d} | {dk:+d}'
        else:
            ds = '- | -'
        print(f"| {r['n']} | {r['ms']} | {r['k']} | {r['near']} | {h['lo']:x}-{h['hi']:x} | {h['Size']} "
              f"| {h['Rss']} | {r['need']} | {ds} | {'ok' if r['good'] else 'MISMATCH'}"
              f"{'; ' + r['pm'] if r['pm'] else ''} |")
    a, b = rows[0], rows[-1]
    span = (b['ms'] - a['ms']) / 1000
    dk = b['k'] - a['k']
    print()
    print(f"steps that rose: {rose} of {len(rows) - 1}; steps whose ΔRss does not match the log: {step_bad}")
    print(f"first->last: {span:.3f} s, +{dk} blocks logged = +{dk * size} user bytes "
          f"(+{dk * size // 1024} KiB; {dk * CHUNK} bytes of chunks); "
          f"[heap] {a['h']['lo']:x}-{a['h']['hi']:x} -> {b['h']['lo']:x}-{b['h']['hi']:x}; "
          f"Size {a['h']['Size']} -> {b['h']['Size']} KiB (+{b['h']['Size'] - a['h']['Size']}), "
          f"Rss {a['h']['Rss']} -> {b['h']['Rss']} KiB (+{b['h']['Rss'] - a['h']['Rss']}); "
          f"log rate x span = {slope * span / 1024:.1f} KiB")
    # Every other mapping must keep its range; report any Rss change.
    ma = {(m['lo'], m['hi']): m for m in parse_smaps(smaps_file(d, a['n'])) if m['name'] != '[heap]'}
    mb = {(m['lo'], m['hi']): m for m in parse_smaps(smaps_file(d, b['n'])) if m['name'] != '[heap]'}
    if set(ma) != set(mb):
        print('other mappings changed range:', sorted(set(ma) ^ set(mb))); ok = False
    others = [f"{k[0]:x}-{k[1]:x} {ma[k]['name'] or '[anon]'} Rss {ma[k]['Rss']} -> {mb[k]['Rss']}"
              for k in sorted(ma) if k in mb and ma[k]['Rss'] != mb[k]['Rss']]
    print('other mappings with Rss change first->last:', '; '.join(others) if others else 'none')
    print()
print('verify:', 'OK' if ok else 'FAILED')
sys.exit(0 if ok else 1)
