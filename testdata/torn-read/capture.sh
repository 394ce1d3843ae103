#!/bin/sh
# Takes torn reads again (overwrites the captures here): a live process's
# mappings read while it changes them. Needs gcc, pmap, gawk and java.
#   grow.maps     /proc/PID/maps of ./grow, read 4096 bytes a read()
#   grow.pmap-x   pmap -x of ./grow
#   jvm-startup.smaps  /proc/PID/smaps of a JVM compiling and starting a
#                 program (java's source launcher), read 8191 bytes a read()
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
gcc -O1 -pthread grow.c -o "$tmp/grow"
gcc -O2 read_until_torn.c -o "$tmp/read_until_torn"

"$tmp/grow" pages > "$tmp/pid" & pid=$!
sleep 0.3
"$tmp/read_until_torn" $pid grow.maps 60 4096 maps
kill $pid
# pmap reads through stdio: a listing that starts before the row above ends.
# (grow.pmap-x here was taken of "grow" without "pages".)
"$tmp/grow" > "$tmp/pid" & pid=$!
sleep 0.3
end=$(($(date +%s) + 60))
while [ "$(date +%s)" -lt $end ]; do
  pmap -x $pid > "$tmp/p"
  if gawk '/^[0-9a-f]{16} +[0-9]+ / { s = strtonum("0x" $1); if (s < e) f = 1; e = s + $2 * 1024 } END { exit !f }' "$tmp/p"
  then cp "$tmp/p" grow.pmap-x; break; fi
done
kill $pid

for try in 1 2 3 4 5 6 7 8 9 10; do
  sleep 1000 | java -Xmx64m -XX:+UseSerialGC ../../tests/fixtures/InspectDeflaters.java 100 > "$tmp/jpid" &
  sleep 0.3
  pid=$(pgrep -f InspectDeflaters.java | head -1)
  if "$tmp/read_until_torn" $pid jvm-startup.smaps 3 8191 smaps; then pkill -f InspectDeflaters.java; break; fi
  pkill -f InspectDeflaters.java || true
done
