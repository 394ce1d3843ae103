#!/usr/bin/env bash
# html_size.sh BUILD: what `snapdiff --html` costs on a long series of a big
# process, and how big the page is (docs/html.md, "Size and speed").
#
# snap_gen writes HTML_SNAPS `pmap -x` snapshots, 30 s apart, of a search
# server of HTML_MAPPINGS mappings: the heap, an arena and four malloc'd
# mmaps grow, threads are born, and HTML_CHURN per mille of the anonymous
# mappings are buffers unmapped and mapped again over their lifetime, so
# blocks are born and die in every snapshot. Then, one run each, timed by
# /usr/bin/time (peak RSS, wall, user and system CPU), with the load average:
#
#   2 x MAPPINGS   snapdiff --html of the first and the last snapshot
#   N x MAPPINGS   snapdiff --html of the whole series
#
# and prints a markdown table. Environment: HTML_SNAPS (default 50; the
# documented figure is 500, which needs 1.8 GB of disk and about 4.5 GiB of
# memory), HTML_MAPPINGS (default 60000), HTML_CHURN (default 50),
# KEEP=1 keeps the inputs and pages (in $TMPDIR/snap-html.XXXXXX).
# BUILD is a Release build with -DSNAP_BENCH=ON (scripts/bench.sh's
# build-bench/): BUILD/bench/snap_gen and BUILD/tools/snapdiff.
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: html_size.sh BUILD" >&2; exit 2; }
BUILD=$1
GEN=$BUILD/bench/snap_gen
SNAPDIFF=$BUILD/tools/snapdiff
for x in "$GEN" "$SNAPDIFF"; do [[ -x $x ]] || { echo "html_size.sh: $x: not built" >&2; exit 2; }; done
[[ -x /usr/bin/time ]] || { echo "html_size.sh: /usr/bin/time missing (Debian package time)" >&2; exit 2; }
SNAPS=${HTML_SNAPS:-50}
MAPPINGS=${HTML_MAPPINGS:-60000}
CHURN=${HTML_CHURN:-50}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/snap-html.XXXXXX")
cleanup() { if [[ ${KEEP:-0} == 1 ]]; then echo "html_size.sh: kept in $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

"$GEN" --out "$WORK/in" --only series --quiet --mappings "$MAPPINGS" --steps "$SNAPS" --format pmap-x --churn "$CHURN"
files=("$WORK"/in/series/pmap-x.*)
mkdir "$WORK/pair"
ln -s "${files[0]}" "$WORK/pair/pmap-x.1"
ln -s "${files[-1]}" "$WORK/pair/pmap-x.2"

mb() { cat "$@" | wc -c | awk '{printf "%.1f MB", $1 / 1e6}'; }
echo "| case | input (pmap -x) | page | wall | user | sys | peak RSS | load (1 min) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
# run NAME INPUT...: one timed snapdiff --html, a row of the table.
run() {
  local name=$1 page=$WORK/$1.html load rc
  shift
  load=$(cut -d' ' -f1 /proc/loadavg)
  rc=0
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$SNAPDIFF" --html "$page" "$@" > /dev/null 2> "$WORK/err" || rc=$?
  # 0 nothing grew, 1 something grew; past that, trouble.
  if ((rc > 1)) || [[ ! -s $page ]]; then
    echo "html_size.sh: $name: snapdiff exited $rc: $(tail -n 3 "$WORK/err")" >&2
    exit 1
  fi
  read -r wall user sys rss < <(tail -n 1 "$WORK/time")
  printf '| %s | %s | %s KiB | %.1f s | %.1f s | %.1f s | %.1f MiB | %s-%s |\n' "$name" "$(mb "${@:$#}"/pmap-x.*)" \
    "$(($(wc -c < "$page") / 1024))" "$wall" "$user" "$sys" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$load" \
    "$(cut -d' ' -f1 /proc/loadavg)"
}
run "2 x $MAPPINGS" "$WORK/pair"
run "$SNAPS x $MAPPINGS" "$WORK/in/series"
