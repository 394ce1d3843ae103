#!/bin/sh
# Debian's headless Chromium on snapdiff --html reports of real captures:
# each page loads with no console message (no script error, nothing
# fetched), its charts hold the series the JSON report says they should,
# and the top finding is in the DOM. The screenshots stay in OUTDIR as
# artifacts. Exit 77 (skipped) without chromium or python3.
# Usage: html_chromium.sh SNAPDIFF TESTDATA OUTDIR
set -u
if ! command -v chromium >/dev/null 2>&1; then
  echo "html_chromium: chromium not found (Debian package chromium; scripts/setup.sh installs it): skipped"
  exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "html_chromium: python3 not found (reads the expected counts from snapdiff --json): skipped"
  exit 77
fi
snapdiff=$1 testdata=$2 outdir=$3
mkdir -p "$outdir" || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
say() { echo "$*"; }
bad() { echo "FAIL: $*"; fail=1; }

# chromium FILE.html NAME: the DOM after load into $tmp/NAME.dom, its log
# into $tmp/NAME.log, a screenshot into OUTDIR/NAME.png.
browse() {
  for mode in dump-dom screenshot; do
    if [ $mode = dump-dom ]; then what=--dump-dom; else what=--screenshot="$outdir/$2.png"; fi
    # A profile and HOME of its own: nothing of the user's is read or written.
    HOME="$tmp/home" timeout 180 chromium --headless --no-sandbox --disable-gpu --no-first-run \
      --user-data-dir="$tmp/profile-$2" --enable-logging=stderr --v=0 --hide-scrollbars \
      --window-size=1200,2600 $what "file://$1" >"$tmp/$2.$mode" 2>>"$tmp/$2.log"
    rc=$?
    [ $rc = 0 ] || bad "$2: chromium $what exited $rc: $(tail -n 5 "$tmp/$2.log")"
  done
  mv "$tmp/$2.dump-dom" "$tmp/$2.dom"
}

# count FILE TEXT: how many times TEXT occurs in FILE.
count() { python3 -c 'import sys; print(open(sys.argv[1], encoding="utf-8", errors="replace").read().count(sys.argv[2]))' "$1" "$2"; }

# check NAME CHART EXPECTED: the loaded page draws EXPECTED series in CHART.
check_series() {
  drawn=$(count "$tmp/$1.dom" "data-chart=\"$2\"")
  if [ "$drawn" = "$3" ]; then say "ok: $1: $2: $drawn series"; else bad "$1: $2: $drawn series in the DOM, expected $3"; fi
}

check_page() {  # NAME TOP_TEXT
  grep -q '</html>' "$tmp/$1.dom" || bad "$1: the DOM was not dumped whole"
  if [ ! -f "$tmp/$1.log" ]; then
    bad "$1: no chromium log"
  elif grep -E 'CONSOLE|Uncaught' "$tmp/$1.log" >"$tmp/$1.console"; then
    bad "$1: console messages: $(cat "$tmp/$1.console")"
  else
    say "ok: $1: no console message"
  fi
  if [ "$(count "$tmp/$1.dom" "$2")" -ge 1 ]; then say "ok: $1: '$2' in the DOM"; else bad "$1: '$2' not in the DOM"; fi
  png="$outdir/$1.png"
  if [ -s "$png" ] && [ "$(head -c 8 "$png" | od -An -c | tr -d ' \n')" = '211PNG\r\n032\n' ]; then
    say "ok: $1: screenshot $png"
  else
    bad "$1: no PNG screenshot at $png"
  fi
}

# Series: a collection (8 snapshots, the manifest's wall clock, no Pss),
# c-malloc-leak (times.txt) and jvm-inflater-leak (the NMT files beside it).
for name in hunt:adaptive-grower/hunt series:c-malloc-leak jvm:jvm-inflater-leak; do
  n=${name%%:*} dir=${name#*:}
  (cd "$testdata" && "$snapdiff" --html "$tmp/$n.html" --json "$dir" >"$tmp/$n.json" 2>"$tmp/$n.err")
  rc=$?
  if [ $rc -gt 1 ] || [ ! -s "$tmp/$n.html" ]; then bad "$n: snapdiff --html exited $rc: $(cat "$tmp/$n.err")"; continue; fi
  # What the trend JSON says should be drawn: Rss, Pss and Swap as the
  # totals know them; the top 8 findings, and one line for the rest.
  python3 - "$tmp/$n.json" >"$tmp/$n.expect" <<'EOF' || { bad "$n: cannot read the JSON report"; continue; }
import json, sys
r = json.load(open(sys.argv[1]))
f = r["findings"]
top = f[0]
if top["kind"] == "block":
    text = "#1 %s %s-%s" % (top["category"], top["start"][2:], top["end"][2:])
else:
    text = "#1 " + (top.get("description") or top.get("key"))
print(sum(1 for k in ("rss", "pss", "swap") if k in r["totals"]))
print(min(len(f), 8) + (1 if len(f) > 8 else 0))
print(text)
EOF
  totals=$(sed -n 1p "$tmp/$n.expect") lines=$(sed -n 2p "$tmp/$n.expect") top=$(sed -n 3p "$tmp/$n.expect")
  browse "$tmp/$n.html" "$n"
  check_series "$n" totals "$totals"
  check_series "$n" mappings 1
  check_series "$n" findings "$lines"
  check_page "$n" "$top"
done

# Two snapshots: bars of the top growers instead of lines. hostile-names'
# mapping, thread and command names hold terminal escapes, invalid UTF-8
# and a spreadsheet formula.
pair() {  # NAME BEFORE AFTER
  (cd "$testdata" && "$snapdiff" --html - "$2" "$3" >"$tmp/$1.html" 2>"$tmp/$1.err")
  rc=$?
  [ $rc = 1 ] || bad "$1: snapdiff --html - exited $rc (expected 1: something grew): $(cat "$tmp/$1.err")"
  (cd "$testdata" && "$snapdiff" --json "$2" "$3" >"$tmp/$1.json" 2>/dev/null)
  bars=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(min(r["findings"], 8) + (1 if r["findings"] > 8 else 0))' "$tmp/$1.json")
  top=$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["blocks"][0]; print("#1 %s %s-%s" % (b["category"], b["start"][2:], b["end"][2:]))' "$tmp/$1.json")
  browse "$tmp/$1.html" "$1"
  check_series "$1" growers "$bars"
  check_series "$1" findings 0
  check_page "$1" "$top"
}
pair pair c-malloc-leak/smaps.01 c-malloc-leak/smaps.08
pair hostile hostile-names/collected/smaps.0001 hostile-names/collected/smaps.0002
exit $fail
