// The snapdiff program as a user runs it: exit status, messages, options.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <chrono>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "run_tool.h"
#include "testdata.h"

namespace fs = std::filesystem;

namespace {

using snap::test::Run;
using snap::test::slurp;

/// Runs `snapdiff ARGS` in `dir` (testdata/ by default).
Run snapdiff(const std::string& args, const std::string& dir = SNAP_TESTDATA, const std::string& env = "",
         const std::string& input = "/dev/null") {
  return snap::test::run_tool(SNAPDIFF_EXE, args, dir, env, input);
}

}  // namespace

TEST_CASE("exit status like diff(1): 1 when a block grew, 0 when none did") {
  auto leak = snapdiff("c-malloc-leak/pmap-x.01 c-malloc-leak/pmap-x.08");
  CHECK(leak.status == 1);
  CHECK(leak.err.empty());
  CHECK(leak.out.find("+8960K   1544K  10504K  +580%  grown   heap") != std::string::npos);

  auto idle = snapdiff("idle-sleep/smaps.01 idle-sleep/smaps.02");
  CHECK(idle.status == 0);
  CHECK(idle.out.find("No block grew in Rss.") != std::string::npos);

  auto above = snapdiff("--min-growth 2300K c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  CHECK(above.status == 1);
  CHECK(above.out.find("2 blocks grew") != std::string::npos);
  CHECK(snapdiff("--min-growth 9M c-malloc-leak/smaps.01 c-malloc-leak/smaps.08").status == 0);
}

TEST_CASE("a bad line: FILE:LINE: what is wrong, exit 2, nothing on stdout") {
  fs::path dir = fs::temp_directory_path() / ("snapdiff_bad." + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ifstream in(snap::test::path("c-malloc-leak/pmap.08"));
    std::ofstream out(dir / "pmap.9");
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) out << (n == 17 ? "zz12" + line.substr(16) : line) << '\n';
  }
  fs::copy_file(snap::test::path("c-malloc-leak/pmap.01"), dir / "pmap.1");
  auto r = snapdiff("pmap.1 pmap.9", dir.string());
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "snapdiff: pmap.9:17: expected hexadecimal address, got \"zz12\"\n");
  fs::remove_all(dir);
}

TEST_CASE("not a snapshot, a missing file, a directory, a rollup: exit 2, named") {
  auto notes = snapdiff("c-malloc-leak/smaps.01 GROUND_TRUTH.md");
  CHECK(notes.status == 2);
  CHECK(notes.err.find("snapdiff: GROUND_TRUTH.md:1: not a snapshot in any known format (tried smaps, "
                       "smaps_rollup, maps, pmap, pmap -x, pmap -X/-XX, pmap -d, Solaris pmap -x)") == 0);
  auto missing = snapdiff("c-malloc-leak/smaps.01 nosuch.file");
  CHECK(missing.status == 2);
  CHECK(missing.err == "snapdiff: nosuch.file: cannot open: No such file or directory\n");
  // A directory stands for its numbered series; one without any is named.
  auto dir = snapdiff("c-malloc-leak/smaps.01 solaris");
  CHECK(dir.status == 2);
  CHECK(dir.err ==
        "snapdiff: solaris: no numbered snapshot files (smaps.01, pmap-x.02, ...) in this directory\n");
  auto rollup = snapdiff("c-malloc-leak/smaps_rollup.01 c-malloc-leak/smaps_rollup.08");
  CHECK(rollup.status == 2);
  CHECK(rollup.err.find("smaps_rollup holds totals only") != std::string::npos);
}

TEST_CASE("- reads standard input; gzip is read transparently") {
  auto r =
      snapdiff("c-malloc-leak/smaps.01 -", SNAP_TESTDATA, "", snap::test::path("c-malloc-leak/smaps.08"));
  CHECK(r.status == 1);
  CHECK(r.out.find("after:  -  (smaps, 32 mappings)") != std::string::npos);
  CHECK(r.out.find("+8960K") != std::string::npos);

  fs::path dir = fs::temp_directory_path() / ("snapdiff_gz." + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(snap::test::path("c-malloc-leak/smaps.08"), dir / "smaps.08");
  REQUIRE(std::system(("gzip -9 '" + (dir / "smaps.08").string() + "'").c_str()) == 0);
  auto gz = snapdiff("'" + snap::test::path("c-malloc-leak/smaps.01") + "' smaps.08.gz", dir.string());
  CHECK(gz.status == 1);
  CHECK(gz.out.find("+8960K   1544K  10504K") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("usage errors: exit 2 with a hint; --help and --version exit 0") {
  auto one = snapdiff("c-malloc-leak/smaps.01");
  CHECK(one.status == 2);
  CHECK(one.err ==
        "snapdiff: give two snapshots, or more for a trend\nTry 'snapdiff --help' for more information.\n");
  auto bad = snapdiff("--frobnicate a b");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("unrecognised option '--frobnicate'") != std::string::npos);
  CHECK(snapdiff("--min-growth lots a b").status == 2);
  CHECK(snapdiff("--sort nonsense a b").status == 2);
  CHECK(snapdiff("--category heap,nonsense a b").status == 2);
  auto pss = snapdiff("--sort pss c-malloc-leak/pmap-x.01 c-malloc-leak/pmap-x.08");
  CHECK(pss.status == 2);
  CHECK(pss.err.find("cannot sort by pss") != std::string::npos);

  auto help = snapdiff("--help");
  CHECK(help.status == 0);
  CHECK(help.out.find("Usage: snapdiff [OPTION]... BEFORE AFTER") == 0);
  CHECK(help.out.find("Exit status (like diff(1)):") != std::string::npos);
  CHECK(help.out.find("--min-growth") != std::string::npos);
  auto version = snapdiff("--version");
  CHECK(version.status == 0);
  CHECK(version.out.find("snapdiff (snap) ") == 0);
}

TEST_CASE("options shape the report") {
  auto arenas = snapdiff("--category arena --json c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  CHECK(arenas.status == 1);
  CHECK(arenas.out.find("\"category\": \"heap\"") == std::string::npos);
  CHECK(arenas.out.find("\"category\": \"arena\"") != std::string::npos);
  auto all = snapdiff("--all --csv c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  CHECK(std::count(all.out.begin(), all.out.end(), '\n') == 1 + 30);  // header + every block
  auto top = snapdiff("--top 1 c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  CHECK(top.out.find("... and 2 more growing blocks") != std::string::npos);
  auto human = snapdiff("-h c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  CHECK(human.out.find("+8.8M") != std::string::npos);
  CHECK(snapdiff("--json --csv a b").status == 2);
}

TEST_CASE("colour: never in a pipe by default, never with NO_COLOR, on with --color=always") {
  auto piped = snapdiff("c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  CHECK(piped.out.find('\x1b') == std::string::npos);
  auto forced = snapdiff("--color=always c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  CHECK(forced.out.find("\x1b[31m") != std::string::npos);
  auto no_color =
      snapdiff("--color=always c-malloc-leak/smaps.01 c-malloc-leak/smaps.08", SNAP_TESTDATA, "NO_COLOR=1");
  CHECK(no_color.out.find('\x1b') == std::string::npos);
}

TEST_CASE("a truncated snapshot: warned about on stderr, still compared") {
  fs::path dir = fs::temp_directory_path() / ("snapdiff_cut." + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string whole = slurp(snap::test::path("c-malloc-leak/pmap-x.08"));
  std::ofstream(dir / "pmap-x.08") << whole.substr(0, whole.find("ffffffffff600000"));
  auto r = snapdiff("'" + snap::test::path("c-malloc-leak/pmap-x.01") + "' pmap-x.08", dir.string());
  CHECK(r.status == 1);
  CHECK(r.err.find("snapdiff: pmap-x.08:") == 0);
  CHECK(r.err.find("warning: no total line at the end: the file may be truncated") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("three snapshots or a directory: the trend report") {
  auto dir = snapdiff("c-malloc-leak");
  CHECK(dir.status == 1);
  CHECK(dir.err ==
        "snapdiff: c-malloc-leak: 8 smaps files (smaps.01 .. smaps.08); also there: maps (8), pmap (8), "
        "pmap-X (8), pmap-XX (8), pmap-x (8), smaps_rollup (8)\n");
  CHECK(dir.out.find("8 snapshots: c-malloc-leak/smaps.01 .. c-malloc-leak/smaps.08") == 0);
  CHECK(dir.out.find("steady   +8960K") != std::string::npos);

  auto glob = snapdiff("jvm-inflater-leak/pmap-x.0*");
  CHECK(glob.status == 1);
  CHECK(glob.out.find("steady    +33460K") != std::string::npos);
  CHECK(glob.out.find("stepwise") != std::string::npos);

  // Out of order on the command line: put in time order, and said.
  auto shuffled = snapdiff("thread-leak/smaps.08 thread-leak/smaps.01 thread-leak/smaps.04");
  CHECK(shuffled.out.find("given out of order, put in time order") != std::string::npos);
  CHECK(shuffled.out.find("3 snapshots: thread-leak/smaps.01 .. thread-leak/smaps.08") == 0);

  auto idle = snapdiff("--interval 1s idle-sleep/smaps.01 idle-sleep/smaps.02 idle-sleep/smaps.02");
  CHECK(idle.status == 0);
  CHECK(idle.out.find("Nothing grew in Rss.") != std::string::npos);

  auto json = snapdiff("--json thread-leak");
  CHECK(json.status == 1);
  CHECK(json.out.find("\"schema\": \"snap.trend/1\"") != std::string::npos);
  CHECK(json.out.find("\"key\": \"thread-stack 8192K+4K guard\"") != std::string::npos);

  auto limit = snapdiff("--limit 64M --max-map-count 100 c-malloc-leak");
  CHECK(limit.out.find("Rss +1.8 MiB/s: reaches --limit (64 MiB) in about 26s") != std::string::npos);
  auto maps = snapdiff("--max-map-count 100 thread-leak");
  CHECK(maps.out.find("mappings +7.7/s: reaches vm.max_map_count (100) in about 5s") != std::string::npos);

  CHECK(snapdiff("--interval soon a b c").status == 2);
  CHECK(snapdiff("--csv c-malloc-leak").status == 2);
}

TEST_CASE("ASCII sparklines outside a UTF-8 locale") {
  auto c = snapdiff("c-malloc-leak", SNAP_TESTDATA, "LC_ALL=C");
  CHECK(c.out.find(" .:-=+*#") != std::string::npos);
  CHECK(c.out.find("\xe2\x96") == std::string::npos);
  auto u = snapdiff("c-malloc-leak", SNAP_TESTDATA, "LC_ALL=C.UTF-8");
  CHECK(u.out.find("▁▂▃▄▅▆▇█") != std::string::npos);
}

TEST_CASE("--nmt: the zlib leak is outside NMT, NMT's malloc did not follow it") {
  const std::string dir = snap::test::path("jvm-inflater-leak");
  auto r = snapdiff("--nmt nmt-detail.01 --nmt nmt-detail.08 smaps.01 smaps.08", dir);
  CHECK(r.status == 1);
  CHECK(r.err.empty());
  CAPTURE(r.out);
  // The table's NMT column.
  CHECK(r.out.find("+33460K  29016K  62476K  +115%  grown   arena         7f47d8000000-7f47dc000000  outside") !=
        std::string::npos);
  CHECK(r.out.find("grown   jvm           7f47b1d73000-7f47b4000000  GC; outside +2612K") != std::string::npos);
  CHECK(r.out.find("grown   thread-stack  7f47c028a000-7f47c0386000  Thread Stack") != std::string::npos);
  // The summary.
  CHECK(r.out.find("NMT (nmt-detail.01 -> nmt-detail.08):\n") != std::string::npos);
  CHECK(r.out.find("  Rss growth inside NMT's reserved ranges:  +28K\n") != std::string::npos);
  CHECK(r.out.find("  Rss growth outside them:                 +37940K (+37876K of it not file-backed)\n") !=
        std::string::npos);
  CHECK(r.out.find("  NMT malloc growth, nmt-detail.01 -> nmt-detail.08: +4005K (Internal +4003K") !=
        std::string::npos);
  CHECK(r.out.find("  Verdict: untracked native memory (JNI, zlib, third-party): +37876K grew outside NMT's "
                   "ranges, NMT's malloc +4005K\n") != std::string::npos);
  CHECK(r.out.find("      +33460K  7f47d8000000-7f47dc000000  arena\n") != std::string::npos);

  auto j = snapdiff("--json --nmt nmt-detail.01 --nmt nmt-detail.08 smaps.01 smaps.08", dir);
  CHECK(j.status == 1);
  CHECK(j.out.find("\"verdict\": \"untracked_native\"") != std::string::npos);
  CHECK(j.out.find("\"inside\": 28672") != std::string::npos);
  CHECK(j.out.find("\"malloc_growth\": 4101120") != std::string::npos);

  auto csv = snapdiff("--csv --nmt nmt-detail.01 --nmt nmt-detail.08 smaps.01 smaps.08", dir);
  CHECK(csv.status == 1);
  CHECK(csv.out.find(",nmt_categories,nmt_inside,nmt_outside\r\n") != std::string::npos);
  CHECK(csv.out.find("0x7f47b1d73000,0x7f47b4000000,grown,jvm,") != std::string::npos);
  CHECK(csv.out.find(",GC,0,2674688\r\n") != std::string::npos);  // 2612 KiB outside

  // Without NMT the JSON says so.
  auto plain = snapdiff("--json smaps.01 smaps.08", dir);
  CHECK(plain.out.find("\"nmt\": null") != std::string::npos);
}

TEST_CASE("--nmt: direct buffers grow outside NMT and NMT's Other malloc follows them") {
  const std::string dir = snap::test::path("jvm-direct-buffers/detail");
  auto r = snapdiff("--nmt nmt-detail.01 --nmt nmt-detail.08 smaps.01 smaps.08", dir);
  CHECK(r.status == 1);
  CAPTURE(r.out);
  // GROUND_TRUTH.md: 63 buffers in one new VMA below a glibc arena heap.
  CHECK(r.out.find("+64764K      0K  64764K     n/a  new     anon          7fec600c1000-7fec64000000  outside") !=
        std::string::npos);
  CHECK(r.out.find("  Verdict: JVM-tracked malloc (mostly Other): +140112K grew outside NMT's ranges, NMT's "
                   "malloc +137131K\n") != std::string::npos);
}

TEST_CASE("--nmt with NMT summaries only: the verdict without addresses") {
  const std::string dir = snap::test::path("jvm-direct-buffers/summary");
  auto r = snapdiff("--nmt nmt-summary.01 --nmt nmt-summary.08 smaps.01 smaps.08", dir);
  CHECK(r.status == 1);
  CHECK(r.err.empty());
  CAPTURE(r.out);
  CHECK(r.out.find("NMT (nmt-summary.01 -> nmt-summary.08; summary, no addresses):\n"
                   "  Rss growth of anonymous memory:               +136784K\n"
                   "  of it in the JVM's mappings (NMT committed):  +68K (Metaspace +64K, Thread +4K)\n"
                   "  Rss growth outside the JVM's mappings:        +136716K\n") != std::string::npos);
  CHECK(r.out.find("  Verdict: JVM-tracked malloc (mostly Other): +136716K to +136784K grew outside the JVM's "
                   "mappings, NMT's malloc +135815K\n") != std::string::npos);
  CHECK(r.out.find("needs its detail") != std::string::npos);
  CHECK(r.out.find("  outside") == std::string::npos);  // no per-block NMT column without addresses
  auto j = snapdiff("--json --nmt nmt-summary-diff.08 smaps.01 smaps.08", dir);
  CHECK(j.status == 1);
  CHECK(j.out.find("\"verdict\": \"jvm_tracked_malloc\"") != std::string::npos);
  CHECK(j.out.find("\"by_address\": false") != std::string::npos);
  CHECK(j.out.find("\"mapped_growth\": 69632") != std::string::npos);  // 68 KiB
  auto csv = snapdiff("--csv --nmt nmt-summary-diff.08 smaps.01 smaps.08", dir);
  CHECK(csv.status == 1);
  CHECK(csv.out.find("nmt_inside") == std::string::npos);

  // The zlib leak from its summary.diff alone: untracked native memory.
  auto z = snapdiff("--nmt nmt-summary-diff.08 smaps.01 smaps.08", snap::test::path("jvm-inflater-leak"));
  CHECK(z.status == 1);
  CAPTURE(z.out);
  CHECK(z.out.find("  Verdict: untracked native memory (JNI, zlib, third-party): +37880K to +37904K grew "
                   "outside the JVM's mappings, NMT's malloc +4163K\n") != std::string::npos);
}

TEST_CASE("DIR: the NMT files beside the snapshots are joined by number") {
  auto r = snapdiff("jvm-inflater-leak/");
  CHECK(r.status == 1);
  CAPTURE(r.err);
  CHECK(r.err.find("snapdiff: note: joining the NMT files beside the snapshots (jvm-inflater-leak/nmt-detail.01 "
                   "-> jvm-inflater-leak/nmt-detail.08)\n") != std::string::npos);
  CHECK(r.out.find("  Verdict: untracked native memory (JNI, zlib, third-party): +37876K grew outside NMT's "
                   "ranges, NMT's malloc +4005K\n") != std::string::npos);
  CHECK(r.out.find("      +33460K  7f47d8000000-7f47dc000000  arena\n") != std::string::npos);

  auto s = snapdiff("jvm-direct-buffers/summary");
  CHECK(s.status == 1);
  CHECK(s.err.find("snapdiff: note: joining the NMT files beside the snapshots "
                   "(jvm-direct-buffers/summary/nmt-summary.01 -> jvm-direct-buffers/summary/nmt-summary.08)\n") !=
        std::string::npos);
  CHECK(s.out.find("  Verdict: JVM-tracked malloc (mostly Other)") != std::string::npos);

  // Files named, not a DIR: nothing joined unless asked.
  auto files = snapdiff("--json smaps.01 smaps.08", snap::test::path("jvm-inflater-leak"));
  CHECK(files.err.empty());
  CHECK(files.out.find("\"nmt\": null") != std::string::npos);
}

TEST_CASE("--nmt: not NMT output, NMT off: exit 2, named") {
  const std::string dir = snap::test::path("jvm-inflater-leak");
  auto wrong = snapdiff("--nmt smaps.01 smaps.01 smaps.08", dir);
  CHECK(wrong.status == 2);
  CHECK(wrong.out.empty());
  CHECK(wrong.err ==
        "snapdiff: smaps.01:1: not jcmd VM.native_memory output: expected \"Native Memory Tracking:\", got "
        "\"fc000000-ffe00000 rw-p 00000000 00:00 0\"\n");
  auto missing = snapdiff("--nmt no-such-file smaps.01 smaps.08", dir);
  CHECK(missing.status == 2);
  CHECK(missing.err.find("snapdiff: no-such-file: ") == 0);
}

TEST_CASE("a file truncated while it is read: exit 2 with a message, never a signal") {
  // snapdiff maps regular files: a file another process truncates under
  // it (`pmap -x PID > pmap.latest` in a loop) would raise SIGBUS. Race a
  // rewriter against 20 runs; every outcome must be an exit status.
  fs::path dir = fs::temp_directory_path() / ("snapdiff_trunc." + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream big(dir / "big");
    for (std::uint64_t i = 0; i < 400000; ++i)
      big << fmt::format("{:x}-{:x} rw-p 00000000 00:00 0\nSize:                  4 kB\nRss:                   4 kB\n",
                         0x10000000 + i * 0x2000, 0x10001000 + i * 0x2000);
  }
  fs::copy_file(dir / "big", dir / "live");
  const std::string d = dir.string();
  const std::string rewriter =
      "(end=$(($(date +%s) + 60)); while [ $(date +%s) -lt $end ] && [ ! -e '" + d + "/stop' ]; do "
      ": > '" + d + "/live'; cat '" + d + "/big' > '" + d + "/live'; done) &";
  REQUIRE(std::system(rewriter.c_str()) == 0);
  int errors = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = snapdiff("big live", d);
    CAPTURE(r.err);
    CHECK((r.status == 0 || r.status == 1 || r.status == 2));
    if (r.status == 2) {
      ++errors;
      // Either the parser saw a cut file, or the mapping lost its pages.
      CHECK((r.err.find("snapdiff: live:") == 0 ||
             r.err == "snapdiff: a snapshot file shrank while it was read (truncated or rewritten by another "
                      "process); copy it first, or read it from a pipe\n"));
    }
  }
  std::ofstream(dir / "stop").put('\n');
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  MESSAGE(errors << " of 20 runs saw the file change");
  fs::remove_all(dir);
}
