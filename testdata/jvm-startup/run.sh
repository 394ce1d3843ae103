#!/bin/sh
# Recaptures this scenario (overwrites from-exec/ and delayed/): the same
# leaking JVM collected by snapcollect from its exec on, and after --delay.
# Run from the repository root with snapcollect built in build/.
set -eu
here=testdata/jvm-startup
classes=$(mktemp -d)
javac -d "$classes" "$here/StartupLeak.java"
rm -rf "$here/from-exec" "$here/delayed"
build/tools/snapcollect --format pmap-x --interval 1s --count 14 --quiet --out "$here/from-exec" -- \
  java -Xmx64m -cp "$classes" StartupLeak "$here/from-exec.log"
build/tools/snapcollect --format pmap-x --delay 10s --interval 1s --count 4 --quiet --out "$here/delayed" -- \
  java -Xmx64m -cp "$classes" StartupLeak "$here/delayed.log"
rm -rf "$classes"
