#!/usr/bin/env python3
"""Cross-checks mmap-leak.log against the captures.  For every snapshot it
counts the leak blocks logged before the snapshot started, finds the smaps
mapping holding each, and checks that each leak mapping's Size and Rss equal
(blocks x 1028 KiB) and that pmap-x agrees.  Prints the tables used in
GROUND_TRUTH.md and exits 1 on any mismatch."""
import glob, re, sys

BLOCK_KIB = 1028  # malloc(1 MiB) + 16-byte header, page-rounded

def parse_smaps(path):
    maps = []
    for line in open(path):
        m = re.match(r'^([0-9a-f]+)-([0-9a-f]+) (\S+) (\S+) \S+ \d+\s*(.*)$', line)
        if m:
            cur = dict(lo=int(m[1], 16), hi=int(m[2], 16), perm=m[3], name=m[5].strip())
            maps.append(cur)
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

log = [l.split() for l in open('mmap-leak.log') if not l.startswith('#')]
blocks = [(int(t), idx, int(p, 16) - 16) for t, idx, p, _ in log]
times = [(n, int(t)) for n, t in (l.split() for l in open('times.txt'))]
ok = True
first_last = []
print('| snap | epoch_ms | leak blocks logged | mapping | Size KiB | Rss KiB | blocks in it |')
print('|---|---|---|---|---|---|---|')
for n, t in times:
    maps = parse_smaps(f'smaps.{n}')
    pm = parse_pmap(f'pmap-x.{n}')
    leak = [b for b in blocks if b[1] != 'once' and b[0] <= t]
    groups = {}
    for _, idx, start in leak:
        holder = [m for m in maps if m['lo'] <= start and start + BLOCK_KIB * 1024 <= m['hi']]
        if len(holder) != 1:
            print(f'snapshot {n}: block {idx} at {start:x} not in one mapping'); ok = False; continue
        groups.setdefault(holder[0]['lo'], []).append(int(idx))
    for lo in sorted(groups, reverse=True):
        m = next(m for m in maps if m['lo'] == lo)
        k = len(groups[lo])
        good = m['Size'] == k * BLOCK_KIB and m['Rss'] == k * BLOCK_KIB
        pgood = pm.get(lo) == (m['Size'], m['Rss'])
        ok &= good and pgood
        print(f"| {n} | {t} | {len(leak)} | {m['lo']:x}-{m['hi']:x} | {m['Size']} | {m['Rss']} | "
              f"{k} (#{min(groups[lo])}..#{max(groups[lo])}){'' if good else ' MISMATCH'}"
              f"{'' if pgood else ' PMAP-MISMATCH ' + str(pm.get(lo))} |")
    once = [b for b in blocks if b[1] == 'once']
    if once and once[0][0] <= t:
        start = once[0][2]
        m = [m for m in maps if m['lo'] <= start < m['hi']][0]
        good = (m['lo'], m['Size'], m['Rss']) == (start, BLOCK_KIB, BLOCK_KIB)
        ok &= good
        print(f"| {n} | {t} | once | {m['lo']:x}-{m['hi']:x} | {m['Size']} | {m['Rss']} | one-time block{'' if good else ' MISMATCH'} |")
print()
# Mappings that differ between the first and last snapshot, other than leak ones.
a, b = parse_smaps(f'smaps.{times[0][0]}'), parse_smaps(f'smaps.{times[-1][0]}')
key = lambda m: (m['lo'], m['hi'], m['perm'], m['name'])
ka = {key(m): m for m in a}; kb = {key(m): m for m in b}
print('Mappings only in the first snapshot:')
for k in sorted(set(ka) - set(kb)):
    print(f"  {k[0]:x}-{k[1]:x} {k[2]} {k[3]} Size {ka[k]['Size']} Rss {ka[k]['Rss']}")
print('Mappings only in the last snapshot:')
for k in sorted(set(kb) - set(ka)):
    print(f"  {k[0]:x}-{k[1]:x} {k[2]} {k[3]} Size {kb[k]['Size']} Rss {kb[k]['Rss']}")
print('Same range, Rss or Pss changed:')
for k in sorted(set(ka) & set(kb)):
    if ka[k]['Rss'] != kb[k]['Rss'] or ka[k]['Pss'] != kb[k]['Pss']:
        print(f"  {k[0]:x}-{k[1]:x} {k[2]} {k[3]} Rss {ka[k]['Rss']}->{kb[k]['Rss']} Pss {ka[k]['Pss']}->{kb[k]['Pss']}")
tot = lambda ms, f: sum(m.get(f, 0) for m in ms)
print(f"Totals first->last: Size {tot(a,'Size')}->{tot(b,'Size')} (+{tot(b,'Size')-tot(a,'Size')}), "
      f"Rss {tot(a,'Rss')}->{tot(b,'Rss')} (+{tot(b,'Rss')-tot(a,'Rss')})")
print('verify:', 'OK' if ok else 'FAILED')
sys.exit(0 if ok else 1)
