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
#include <nlohmann/json.hpp>

#include "run_tool.h"
#include "testdata.h"
#include "snap/version.h"

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
  CHECK(idle.out.find("No block grew in Rss by 64K or more.") != std::string::npos);

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
  CHECK(help.out.find("\n  -m, --min-growth=SIZE  ") != std::string::npos);
  auto version = snapdiff("--version");
  CHECK(version.status == 0);
  CHECK(version.out == "snapdiff (snap) " + std::string(snap::version()) +
                           "\nCopyright (C) 2026 the snap authors.\n"
                           "License MIT: <https://opensource.org/licenses/MIT>.\n"
                           "This is free software: you are free to change and redistribute it.\n"
                           "There is NO WARRANTY, to the extent permitted by law.\n");
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

TEST_CASE("colour: never in a pipe by default, on with --color or --color=always, even with NO_COLOR") {
  auto piped = snapdiff("c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  CHECK(piped.out.find('\x1b') == std::string::npos);
  auto forced = snapdiff("--color=always c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  CHECK(forced.out.find("\x1b[31m") != std::string::npos);
  // --color alone is --color=always, and takes no separate word: "always"
  // after it is an operand, as for ls --color.
  auto bare = snapdiff("--color c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  CHECK(bare.out == forced.out);
  CHECK(snapdiff("--color always c-malloc-leak/smaps.01 c-malloc-leak/smaps.08").status == 2);
  // What the user asked for wins over NO_COLOR, a default (no-color.org).
  auto no_color =
      snapdiff("--color=always c-malloc-leak/smaps.01 c-malloc-leak/smaps.08", SNAP_TESTDATA, "NO_COLOR=1");
  CHECK(no_color.out == forced.out);
  auto never = snapdiff("--color=never c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  CHECK(never.out == piped.out);
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
        "pmap-XX (8), pmap-x (8), pmap-x-ext (8), smaps_rollup (8)\n");
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
  CHECK(limit.out.find("Rss +1.8M/s: reaches --limit (65536K) in about 26s") != std::string::npos);
  auto maps = snapdiff("--max-map-count 100 thread-leak");
  CHECK(maps.out.find("mappings +7.7/s: reaches vm.max_map_count (100) in about 5s") != std::string::npos);

  CHECK(snapdiff("--interval soon a b c").status == 2);
}

TEST_CASE("--csv for trends: one row per snapshot, finding and counter, with wall-clock times") {
  auto r = snapdiff("--csv c-malloc-leak");
  CHECK(r.status == 1);
  REQUIRE(r.out.starts_with(
      "snapshot,source,epoch_ms,time_iso,seconds,finding,kind,verdict,category,start,end,name,counter,value\r\n"));
  // 8 snapshots x 3 findings x 23 counters (22 that smaps sums, and regions).
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1 + 8 * 3 * 23);
  CHECK(r.out.find("\r\n8,c-malloc-leak/smaps.08,1795566702304,2026-11-25T00:31:42.304Z,7.19,1,block,steady,heap,"
                   "0x55c69e02f000,0x55c69ea91000,[heap],rss,10756096\r\n") != std::string::npos);

  // --interval alone: the spacing is known, the time of day is not.
  auto i = snapdiff("--csv --interval 5m --top 1 thread-leak/smaps.01 thread-leak/smaps.04 thread-leak/smaps.08");
  CHECK(i.status == 1);
  CHECK(i.out.find("\r\n3,thread-leak/smaps.08,,,600,1,population,steady,thread-stack,,,"
                   "thread-stack 8192K+4K guard,regions,19\r\n") != std::string::npos);
  CHECK(snapdiff("--csv --json c-malloc-leak").status == 2);
}

TEST_CASE("125 snapshots: the sparklines stay 32 columns wide") {
  // The real c-malloc-leak series listed over and over, 30 s apart.
  std::string args = "--interval 30s";
  for (int i = 0; i < 125; ++i) args += fmt::format(" c-malloc-leak/smaps.{:02}", i % 8 + 1);
  auto r = snapdiff(args, SNAP_TESTDATA, "LC_ALL=C.UTF-8");
  REQUIRE(r.status == 1);
  CAPTURE(r.out);
  CHECK(r.out.find("125 snapshots: ") == 0);
  // Each line's sparkline: its run of block characters (U+2581..U+2588).
  std::vector<std::size_t> widths;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::size_t run = 0, longest = 0;
    for (std::size_t k = 0; k < line.size();) {
      if (line.compare(k, 2, "\xe2\x96") == 0 && k + 2 < line.size()) {
        longest = std::max(longest, ++run);
        k += 3;
      } else {
        run = 0;
        ++k;
      }
    }
    if (longest) widths.push_back(longest);
  }
  // The heap and the two arenas; Size, Rss, Pss, Swap and Mappings.
  CHECK(widths == std::vector<std::size_t>(8, 32));
}

TEST_CASE("--skip and --since: the first snapshots left out, in time order, of a directory or files") {
  auto skip = snapdiff("--skip 2 c-malloc-leak");
  CHECK(skip.status == 1);
  CHECK(skip.out.find("6 snapshots: c-malloc-leak/smaps.03 .. c-malloc-leak/smaps.08") == 0);
  CHECK(skip.err.find("snapdiff: note: comparing 6 of 8 snapshots, from c-malloc-leak/smaps.03\n") !=
        std::string::npos);
  // 03 .. 08 is 5.138 s (times.txt); [heap] grew 5 x 256 KiB each of those 5 steps.
  CHECK(skip.out.find("over 5s (times from times.txt)") != std::string::npos);
  CHECK(skip.out.find("steady   +6400K") != std::string::npos);

  // Given out of order, as files: time order first, then the first 2 left out.
  auto files = snapdiff(
      "--skip 2 c-malloc-leak/smaps.05 c-malloc-leak/smaps.01 c-malloc-leak/smaps.03 c-malloc-leak/smaps.02");
  CHECK(files.status == 1);
  CHECK(files.out.find("before: c-malloc-leak/smaps.03") == 0);
  CHECK(files.out.find("after:  c-malloc-leak/smaps.05") != std::string::npos);
  CHECK(files.out.find("+2560K") != std::string::npos);  // [heap], 2 steps of 1280K

  // 04 was taken 3.081 s after 01; left: 04 .. 08.
  auto since = snapdiff("--since 3s c-malloc-leak");
  CHECK(since.status == 1);
  CHECK(since.out.find("5 snapshots: c-malloc-leak/smaps.04 .. c-malloc-leak/smaps.08") == 0);
  auto moment = snapdiff("--since 2026-11-25T00:31:39Z c-malloc-leak");  // 1795566699: 05 on
  CHECK(moment.out.find("4 snapshots: c-malloc-leak/smaps.05 .. c-malloc-leak/smaps.08") == 0);
  CHECK(snapdiff("--since @1795566699 --json c-malloc-leak").out.find("\"source\": \"c-malloc-leak/smaps.05\"") !=
        std::string::npos);
  // Two left: the two-snapshot report of them.
  auto two = snapdiff("--skip 6 c-malloc-leak");
  CHECK(two.status == 1);
  CHECK(two.out.find("before: c-malloc-leak/smaps.07") == 0);
  CHECK(two.out.find("after:  c-malloc-leak/smaps.08") != std::string::npos);
  CHECK(snapdiff("--interval 30s --since 1m c-malloc-leak").out.find("6 snapshots: c-malloc-leak/smaps.03") == 0);
  CHECK(snapdiff("--skip 0 c-malloc-leak").out.find("8 snapshots: c-malloc-leak/smaps.01") == 0);
}

TEST_CASE("--skip and --since: too few left, unknown times, bad values: exit 2, said") {
  auto many = snapdiff("--skip 7 c-malloc-leak");
  CHECK(many.status == 2);
  CHECK(many.out.empty());
  CHECK(many.err.find("snapdiff: --skip 7 leaves 1 of the 8 snapshots; at least 2 are needed to compare\n") !=
        std::string::npos);
  CHECK(snapdiff("--skip 1 c-malloc-leak/smaps.01 c-malloc-leak/smaps.08").status == 2);
  auto late = snapdiff("--since 1m c-malloc-leak");
  CHECK(late.status == 2);
  CHECK(late.err.find("--since 1m leaves 0 of the 8 snapshots (the last was taken 7.2 s after the first)") !=
        std::string::npos);
  auto spaced = snapdiff("--interval 1s --since @1795566699 c-malloc-leak");
  CHECK(spaced.status == 2);
  CHECK(spaced.err.find("--interval gives only their spacing") != std::string::npos);
  for (const char* bad : {"--since soon", "--since 2026-11-25", "--since @", "--skip -1", "--skip two"}) {
    CAPTURE(bad);
    auto r = snapdiff(std::string(bad) + " c-malloc-leak");
    CHECK(r.status == 2);
    CHECK(r.err.find("snapdiff: --s") == 0);
  }
  // Copies made together share one mtime, and carry no times.txt: no times.
  fs::path dir = fs::temp_directory_path() / ("snapdiff_since." + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const char* n : {"smaps.01", "smaps.02", "smaps.03"}) {
    fs::copy_file(snap::test::path(std::string("c-malloc-leak/") + n), dir / n);
    fs::last_write_time(dir / n, fs::last_write_time(dir / "smaps.01"));
  }
  auto unknown = snapdiff("--since 1s .", dir.string());
  CHECK(unknown.status == 2);
  CHECK(unknown.err.find("snapdiff: --since 1s: the snapshots' capture times are unknown") != std::string::npos);
  auto skipped = snapdiff("--skip 1 .", dir.string());
  CHECK(skipped.status == 1);
  CHECK(skipped.out.find("before: ./smaps.02") == 0);
  fs::remove_all(dir);
  CHECK(snapdiff("--help").out.find("\n      --since=TIME  ") != std::string::npos);
  CHECK(snapdiff("--help").out.find("\n      --skip=N  ") != std::string::npos);
}

TEST_CASE("jvm-startup: a JVM collected from its exec; its start-up ranks first until --skip, --since or --delay") {
  // testdata/jvm-startup/GROUND_TRUTH.md: one Deflater (~262 KiB of zlib
  // state) leaked every 100 ms into the arena 7f0274000000-7f0278000000;
  // between the first snapshot (0.02 s after the start) and the second
  // (1.0 s), the JVM mapped its CDS archive (classes.jsa, 11928K resident)
  // and faulted in libjvm (+4416K).
  const std::string dir = "jvm-startup/from-exec/";
  auto json = [](const Run& r) {
    INFO(r.err);
    REQUIRE(r.status == 1);
    return nlohmann::json::parse(r.out);
  };
  const std::string startup_note = "note: the first snapshot compared was taken 0.02 s after the process started";

  // 0.02 s -> 4.0 s: the start-up block outranks the leak (+10068K, ~36 Deflaters).
  auto from_start = json(snapdiff("--json " + dir + "pmap-x.0001 " + dir + "pmap-x.0005"));
  const auto& top = from_start.at("blocks").at(0);
  CHECK(top.at("name") == "classes.jsa");
  CHECK(top.at("status") == "new");
  CHECK(top.at("counters").at("rss").at("delta") == 11928 << 10);
  const auto& leak = from_start.at("blocks").at(1);
  CHECK(leak.at("start") == "0x7f0274000000");
  CHECK(leak.at("category") == "arena");
  CHECK(leak.at("counters").at("rss").at("delta") == 10068 << 10);
  CHECK(from_start.at("startup").at("in_startup") == true);
  CHECK(from_start.at("startup").at("seconds_after_start").get<double>() < 0.1);
  CHECK(from_start.at("startup").at("note").get<std::string>().find("--skip N or --since") != std::string::npos);
  CHECK(snapdiff(dir + "pmap-x.0001 " + dir + "pmap-x.0005").out.find(startup_note) != std::string::npos);
  // A trend of the same 4 s ranked by growth: the same.
  const std::string first_five = dir + "pmap-x.0001 " + dir + "pmap-x.0002 " + dir + "pmap-x.0003 " + dir +
                                 "pmap-x.0004 " + dir + "pmap-x.0005";
  auto trend = json(snapdiff("--json --sort growth " + first_five));
  CHECK(trend.at("findings").at(0).at("name") == "classes.jsa");
  CHECK(trend.at("startup").at("in_startup") == true);

  // --skip 1: from 1.0 s on, the leak ranks first and the archive is gone
  // from the ranking (it did not change); still within 10 s of the start, said.
  auto skipped = json(snapdiff("--json --skip 1 " + dir + "pmap-x.0001 " + dir + "pmap-x.0002 " + dir + "pmap-x.0005"));
  CHECK(skipped.at("snapshots").at(0).at("source") == dir + "pmap-x.0002");
  CHECK(skipped.at("blocks").at(0).at("start") == "0x7f0274000000");
  CHECK(skipped.at("blocks").at(0).at("counters").at("rss").at("delta") == (10280 - 2952) << 10);
  for (const auto& b : skipped.at("blocks")) CHECK(b.at("name") != "classes.jsa");
  CHECK(skipped.at("startup").at("in_startup") == true);
  CHECK(skipped.at("startup").at("seconds_after_start").get<double>() == doctest::Approx(1.0).epsilon(0.05));
  auto skipped_trend = json(snapdiff("--json --sort growth --skip 1 " + first_five));
  CHECK(skipped_trend.at("findings").at(0).at("start") == "0x7f0274000000");
  CHECK(skipped_trend.at("findings").at(0).at("verdict") == "steady");

  // --since 9.5s (after the first snapshot) on the directory: 10 .. 13 s
  // after the start, past the start-up: no note.
  auto since = snapdiff("--since 9.5s " + dir);
  CHECK(since.status == 1);
  CHECK(since.out.find("4 snapshots: " + dir + "pmap-x.0011 .. " + dir + "pmap-x.0014") == 0);
  CHECK(since.out.find("note: the first snapshot compared") == std::string::npos);
  auto since_json = json(snapdiff("--json --since 9.5s " + dir));
  CHECK(since_json.at("startup").at("in_startup") == false);
  CHECK(since_json.at("startup").at("note").is_null());
  CHECK(since_json.at("startup").at("seconds_after_start").get<double>() >= 10);
  CHECK(since_json.at("findings").at(0).at("start") == "0x7f0274000000");

  // The whole collection from the exec: said, suggesting --skip/--since.
  CHECK(snapdiff(dir).out.find(startup_note) != std::string::npos);

  // snapcollect --delay 10s: the first snapshot 10 s after the start; the
  // leak (arena 7fe5fc000000-7fe600000000 in that run) ranks first, no note.
  auto delayed = json(snapdiff("--json jvm-startup/delayed/pmap-x.0001 jvm-startup/delayed/pmap-x.0004"));
  CHECK(delayed.at("blocks").at(0).at("start") == "0x7fe5fc000000");
  CHECK(delayed.at("blocks").at(0).at("counters").at("rss").at("delta") == (31176 - 24320) << 10);
  CHECK(delayed.at("startup").at("in_startup") == false);
  CHECK(delayed.at("startup").at("seconds_after_start").get<double>() >= 10);
  auto delayed_dir = snapdiff("jvm-startup/delayed");
  CHECK(delayed_dir.status == 1);
  CHECK(delayed_dir.out.find("note: the first snapshot compared") == std::string::npos);
  CHECK(json(snapdiff("--json jvm-startup/delayed")).at("findings").at(0).at("start") == "0x7fe5fc000000");

  // Snapshots no collection recorded: the start is unknown, nothing said.
  auto unknown = json(snapdiff("--json c-malloc-leak/smaps.01 c-malloc-leak/smaps.08"));
  CHECK(unknown.at("startup").is_null());
  CHECK(json(snapdiff("--json c-malloc-leak")).at("startup").is_null());
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
  CHECK(r.out.find("+33460K  29016K  62476K  +115%  grown   arena     7f47d8000000-7f47dc000000  outside") !=
        std::string::npos);
  CHECK(r.out.find("grown   jvm       7f47b1d73000-7f47b4000000  GC; outside +2612K") != std::string::npos);
  // The stack's +24K is below the noise floor: listed with --all.
  CHECK(r.out.find("3 more blocks grew by less than the noise floor of 380K (+92K in all; --all lists them)") !=
        std::string::npos);
  auto all = snapdiff("--all --nmt nmt-detail.01 --nmt nmt-detail.08 smaps.01 smaps.08", dir);
  const auto at = all.out.find("7f47c028a000-7f47c0386000");
  REQUIRE(at != std::string::npos);
  const std::string line = all.out.substr(all.out.rfind('\n', at) + 1, all.out.find('\n', at) - all.out.rfind('\n', at) - 1);
  CHECK(line.find("+24K") != std::string::npos);
  CHECK(line.find("grown      thread-stack") != std::string::npos);
  CHECK(line.find("Thread Stack") != std::string::npos);
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
  // GROUND_TRUTH.md: 63 buffers in one new VMA below a glibc arena heap,
  // 22 in another new one, 4 more below the first buffers: 89 of 1028K,
  // one finding (the 43 beside Metaspace share their VMA with a 3972K chunk).
  CHECK(r.out.find("+91492K   1028K  92520K  +8900%  grown   anon      (3 blocks)") != std::string::npos);
  CHECK(r.out.find("anon blocks growing in 1028K steps: 3 blocks, 89 steps") != std::string::npos);
  CHECK(r.out.find("+64764K      0K  64764K     n/a  new     anon      \u2514 7fec600c1000-7fec64000000  outside") !=
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
  // A file another process truncates while snapdiff reads it (`pmap -x
  // PID > pmap.latest` in a loop) reads cut short when streamed, and raises
  // SIGBUS where it is mapped (a cut text is judged whole, mapped). Race a
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

TEST_CASE("thread-leak copied with cp: no rates from the copy's mtimes, a warning, --interval to give them") {
  // testdata/thread-leak: a thread started every 250 ms (GROUND_TRUTH.md);
  // copies of its smaps carry the copy's mtimes, all within milliseconds:
  // "over 0s", a rate of MiB/s and vm.max_map_count "in about 2s" would be
  // read from them (the truth: 2h21m at its 7.7 mappings/s).
  fs::path dir = fs::temp_directory_path() / ("snapdiff_cp." + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (int i = 1; i <= 8; ++i) {
    const std::string n = fmt::format("smaps.{:02}", i);
    fs::copy_file(snap::test::path("thread-leak/" + n), dir / n);
  }
  auto r = snapdiff(".", dir.string());
  CHECK(r.status == 1);
  CHECK(r.err.find("snapdiff: .: warning: the files' modification times ") != std::string::npos);
  CHECK(r.err.find("capture times unknown: rates are per snapshot (give --interval)") != std::string::npos);
  CHECK(r.out.find("over ") == std::string::npos);
  CHECK(r.out.find("/s ") == std::string::npos);
  CHECK(r.out.find("capture times unknown (the files' modification times ") != std::string::npos);
  // The same thread population, per snapshot: 5 -> 19 regions.
  CHECK(r.out.find("thread-stack 8192K+4K guard (by shape): 5 -> 19 regions (+2.0/snapshot)") != std::string::npos);
  // No times, no projection: "in N snapshots" would not say when.
  CHECK(r.out.find("reaches vm.max_map_count") == std::string::npos);
  // --interval gives the times: no warning then.
  auto spaced = snapdiff("--interval 1s .", dir.string());
  CHECK(spaced.err.find("warning") == std::string::npos);
  CHECK(spaced.out.find("over 7s (times from --interval)") != std::string::npos);
  CHECK(spaced.out.find("reaches vm.max_map_count (65530) in about ") != std::string::npos);
  // times.txt without a line for one of them: said, and no times.
  std::ofstream(dir / "times.txt") << slurp(snap::test::path("thread-leak/times.txt")).substr(0, 60);
  auto partial = snapdiff(".", dir.string());
  CHECK(partial.status == 1);
  CHECK(partial.err.find("snapdiff: ./times.txt: warning: times.txt has no line for smaps.0") != std::string::npos);
  CHECK(partial.out.find("capture times unknown (times.txt has no line for smaps.0") != std::string::npos);
  // A line that is not "NN EPOCH_MS": an error at that line.
  std::ofstream(dir / "times.txt") << "01 1796191998589\n02 soon\n";
  auto bad = snapdiff(".", dir.string());
  CHECK(bad.status == 2);
  CHECK(bad.err.find("snapdiff: ./times.txt:2: expected \"NN EPOCH_MS\"") != std::string::npos);
  CHECK(bad.out.empty());
  fs::remove_all(dir);
}
