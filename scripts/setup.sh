#!/bin/sh
# Installs what snap needs to build and test, from Debian's packages.
# Idempotent: installs only what is missing, and runs apt-get only then.
set -eu

# openjdk-17-jdk-headless: java and jcmd, for the end-to-end NMT test.
# pkg-config, libelf-dev: elfutils' libelf, which reads ELF core files.
# libdw-dev: elfutils' libdwfl, which names the addresses snapinspect finds.
# scdoc: the man pages (man/*.scd); without it the build skips them.
# prometheus: promtool, which checks the OpenMetrics output; libelf: ELF cores.
# liblzma-dev, libbz2-dev, libzstd-dev: xz, bzip2 and zstd snapshots; xz-utils,
# bzip2, zstd: compressed_test makes such copies of a capture.
# zsh: completion_test parses the zsh completion (completions/_snap).
# chromium: headless, loads snapdiff --html pages in a test (tests/html_chromium.sh).
# python3-jsonschema: checks every tool's JSON against docs/schema/ (tests/schema_check.sh).
PACKAGES="cmake make gcc g++ libboost-dev libboost-program-options-dev libfmt-dev doctest-dev nlohmann-json3-dev zlib1g-dev pkg-config libelf-dev libdw-dev gzip gdb python3 openjdk-17-jdk-headless scdoc prometheus chromium python3-jsonschema zsh liblzma-dev libbz2-dev libzstd-dev xz-utils bzip2 zstd"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "setup: all build dependencies present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "setup: missing:$missing; run as root or install them" >&2
    exit 2
  fi
fi
echo "setup: installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
