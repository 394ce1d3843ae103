// The snapshow program as a user runs it: output, exit status, messages, options.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "run_tool.h"
#include "testdata.h"
#include "snap/version.h"

namespace fs = std::filesystem;

namespace {

using snap::test::Run;
using snap::test::slurp;

/// Runs `snapshow ARGS` in `dir` (testdata/ by default).
Run snapshow(const std::string& args, const std::string& dir = SNAP_TESTDATA, const std::string& env = "",
         const std::string& input = "/dev/null") {
  return snap::test::run_tool(SNAPSHOW_EXE, args, dir, env, input);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("jvm-inflater-leak smaps.08: the totals, exact, in KiB as pmap writes them") {
  auto r = snapshow("jvm-inflater-leak/smaps.08");
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("snapshot: jvm-inflater-leak/smaps.08  (smaps, 210 mappings)\n") == 0);
  CHECK(has(r.out, "\nSize       2644796K\n"));
  CHECK(has(r.out, "\nRss         164492K\n"));
  CHECK(has(r.out, "\nPss         162705K\n"));
  CHECK(has(r.out, "\nUSS         162516K\n"));
  CHECK(has(r.out, "\nDirty       131608K\n"));
  CHECK(has(r.out, "\nAnonymous   131596K\n"));
  CHECK(has(r.out, "\nMappings        210\n"));
  CHECK(has(r.out, "\n210 mappings in 8 categories, by Rss:\n"));
  CHECK(has(r.out, "  rw-p   arena     7f47d8000000-7f47dbd0a000  [anon]\n"));
  CHECK(!has(r.out, "\x1b"));  // not a terminal: no colour

  auto human = snapshow("-h --top 1 jvm-inflater-leak/smaps.08");
  CHECK(human.status == 0);
  CHECK(has(human.out, "\nRss        161M\n"));
  CHECK(has(human.out, "\nTop 1 of 210 mappings by Rss:\n"));
  CHECK(has(human.out, "... and 209 more (--top 210 to see them all)"));
}

TEST_CASE("every format: pmap -x and rollup say unknown, never 0") {
  auto px = snapshow("c-malloc-leak/pmap-x.08");
  CHECK(px.status == 0);
  CHECK(has(px.out, "(pmap-x, pid 5094: /tmp/c-malloc-leak leak.log, 32 mappings)"));
  CHECK(has(px.out, "\nRss         17408K\n"));  // the footer's total
  CHECK(has(px.out, "\nPss        unknown\n"));
  CHECK(has(px.out, "\nUSS        unknown\n"));

  auto rollup = snapshow("jvm-inflater-leak/smaps_rollup.08");
  CHECK(rollup.status == 0);
  CHECK(has(rollup.out, "(smaps_rollup, totals only)"));
  CHECK(has(rollup.out, "\nSize       unknown\n"));
  CHECK(has(rollup.out, "\nRss        164492K\n"));
  CHECK(has(rollup.out, "\nPss        162714K\n"));
  CHECK(has(rollup.out, "smaps_rollup holds totals only"));

  auto maps = snapshow("idle-sleep/maps.01");
  CHECK(maps.status == 0);
  CHECK(has(maps.out, "note: ranked by Size: maps has no Rss\n"));
  CHECK(has(maps.out, "\nSize         2924K\n"));
  CHECK(has(maps.out, "\nRss        unknown\n"));

  auto solaris = snapshow("solaris/pmap-x.txt");
  CHECK(solaris.status == 0);
  CHECK(has(solaris.out, "(solaris-pmap-x"));
}

TEST_CASE("--json: schema snap.show/1, exact bytes, null for unknown") {
  auto r = snapshow("--json --top 3 jvm-inflater-leak/smaps.08");
  CHECK(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["schema"] == "snap.show/1");
  CHECK(j["generator"]["name"] == "snapshow");
  CHECK(j["snapshot"]["source"] == "jvm-inflater-leak/smaps.08");
  CHECK(j["totals"]["rss"] == 164492 * 1024);
  CHECK(j["totals"]["uss"] == 162516 * 1024);
  CHECK(j["top"].size() == 3);
  CHECK(j["top"][0]["start"] == "0x7f47d8000000");

  auto px = snapshow("--json c-malloc-leak/pmap-x.08");
  auto p = nlohmann::json::parse(px.out);
  CHECK(p["totals"]["pss"].is_null());
  CHECK(p["totals"]["size"] == 160444 * 1024);

  // --color=always does not reach JSON.
  auto colored = snapshow("--json --color=always idle-sleep/smaps.01");
  CHECK(!has(colored.out, "\x1b"));
  CHECK(nlohmann::json::parse(colored.out).is_object());
}

TEST_CASE("--csv: the header, then total, category and mapping rows") {
  auto r = snapshow("--csv --top 2 c-malloc-leak/smaps.08");
  CHECK(r.status == 0);
  CHECK(r.out.find(
            "kind,category,start,end,perms,name,mappings,size,rss,pss,uss,swap,swap_pss,dirty,anonymous\r\n"
            "total,,,,,,32,164294656,17891328,16438272,16326656,0,0,16326656,16314368\r\n"
            "category,heap,,,,,1,") == 0);
  CHECK(has(r.out, "\r\nmapping,heap,0x55c69e02f000,0x55c69ea91000,rw-p,[heap],1,10887168,10756096,"));
  // header + total + 8 categories + 2 mappings
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 12);
}

TEST_CASE("--sort and --top shape the lists") {
  auto pss = snapshow("--sort pss --top 1 idle-sleep/smaps.01");
  CHECK(pss.status == 0);
  CHECK(has(pss.out, "by Pss:"));
  auto anon = snapshow("--sort anon --top 1 c-malloc-leak/smaps.08");
  CHECK(has(anon.out, "\nTop 1 of 32 mappings by Anonymous:\n"));
  CHECK(has(anon.out, "55c69e02f000-55c69ea91000  [heap]\n"));
  auto none = snapshow("--top 0 c-malloc-leak/smaps.08");
  CHECK(none.status == 0);
  CHECK(!has(none.out, "Top "));
  CHECK(has(none.out, "by Rss:"));
  auto all = snapshow("--top 99 c-malloc-leak/smaps.08");
  CHECK(has(all.out, "\nAll 32 of 32 mappings by Rss:\n"));
  CHECK(!has(all.out, "more (--top"));
}

TEST_CASE("- reads standard input; gzip is read transparently") {
  auto r = snapshow("-", SNAP_TESTDATA, "", snap::test::path("jvm-inflater-leak/smaps.08"));
  CHECK(r.status == 0);
  CHECK(r.out.find("snapshot: -  (smaps, 210 mappings)") == 0);
  CHECK(has(r.out, "\nRss         164492K\n"));

  fs::path dir = fs::temp_directory_path() / ("snapshow_gz." + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(snap::test::path("c-malloc-leak/smaps_rollup.08"), dir / "rollup");
  REQUIRE(std::system(("gzip -9 '" + (dir / "rollup").string() + "'").c_str()) == 0);
  auto gz = snapshow("rollup.gz", dir.string());
  CHECK(gz.status == 0);
  CHECK(has(gz.out, "\nRss         17792K\n"));
  fs::remove_all(dir);
}

TEST_CASE("a bad line: FILE:LINE: what is wrong, exit 2, nothing on stdout") {
  fs::path dir = fs::temp_directory_path() / ("snapshow_bad." + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ifstream in(snap::test::path("c-malloc-leak/pmap.08"));
    std::ofstream out(dir / "pmap.9");
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) out << (n == 17 ? "zz12" + line.substr(16) : line) << '\n';
  }
  auto r = snapshow("pmap.9", dir.string());
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "snapshow: pmap.9:17: expected hexadecimal address, got \"zz12\"\n");

  auto notes = snapshow("GROUND_TRUTH.md");
  CHECK(notes.status == 2);
  CHECK(notes.err.find("snapshow: GROUND_TRUTH.md:1: not a snapshot in any known format") == 0);
  fs::remove_all(dir);
}

TEST_CASE("a missing file: exit 2, named") {
  auto r = snapshow("nosuch.file");
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "snapshow: nosuch.file: cannot open: No such file or directory\n");
}

TEST_CASE("a truncated snapshot: warned about as FILE:LINE: warning, still shown") {
  fs::path dir = fs::temp_directory_path() / ("snapshow_cut." + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string whole = slurp(snap::test::path("c-malloc-leak/pmap-x.08"));
  std::ofstream(dir / "pmap-x.08") << whole.substr(0, whole.find("ffffffffff600000"));
  auto r = snapshow("pmap-x.08", dir.string());
  CHECK(r.status == 0);
  CHECK(r.err.find("snapshow: pmap-x.08:") == 0);
  CHECK(has(r.err, ": warning: no total line at the end: the file may be truncated"));
  CHECK(has(r.out, "\nMappings        31\n"));
  fs::remove_all(dir);
}

TEST_CASE("usage errors: exit 2 with a hint; --help and --version exit 0") {
  auto none = snapshow("");
  CHECK(none.status == 2);
  CHECK(none.err == "snapshow: give one snapshot: FILE or PID\nTry 'snapshow --help' for more information.\n");
  CHECK(snapshow("c-malloc-leak/smaps.01 c-malloc-leak/smaps.08").status == 2);
  auto bad = snapshow("--frobnicate c-malloc-leak/smaps.01");
  CHECK(bad.status == 2);
  CHECK(has(bad.err, "unrecognised option '--frobnicate'"));
  auto sort = snapshow("--sort nonsense c-malloc-leak/smaps.01");
  CHECK(sort.status == 2);
  CHECK(has(sort.err, "snapshow: --sort: unknown counter 'nonsense'"));
  auto pss = snapshow("--sort pss c-malloc-leak/pmap-x.08");
  CHECK(pss.status == 2);
  CHECK(pss.err == "snapshow: cannot sort by pss: c-malloc-leak/pmap-x.08 (pmap-x) has no Pss\n");
  CHECK(snapshow("--top -1 c-malloc-leak/smaps.01").status == 2);
  CHECK(snapshow("--top many c-malloc-leak/smaps.01").status == 2);
  CHECK(snapshow("--json --csv c-malloc-leak/smaps.01").status == 2);
  CHECK(snapshow("--color=sometimes c-malloc-leak/smaps.01").status == 2);
  CHECK(snapshow("--input-format pmap-z c-malloc-leak/smaps.01").status == 2);
  // A forced format that does not fit is a parse error, with its line.
  auto forced = snapshow("--input-format pmap-x c-malloc-leak/smaps.01");
  CHECK(forced.status == 2);
  CHECK(forced.err.find("snapshow: c-malloc-leak/smaps.01:") == 0);
  // core is one of the formats: forced on a core it reads; on a text file it
  // says what the file is not.
  auto core = snapshow("--input-format core core/core.tiny");
  CHECK(core.status == 0);
  CHECK(has(core.out, "(core, pid 7786: snap-core-tiny, 16 mappings)"));
  auto not_core = snapshow("-f core c-malloc-leak/smaps.01");
  CHECK(not_core.status == 2);
  CHECK(has(not_core.err, "not an ELF core"));

  auto help = snapshow("--help");
  CHECK(help.status == 0);
  CHECK(help.out.find("Usage: snapshow [OPTION]... FILE") == 0);
  CHECK(has(help.out, "\nExit status:\n  0  the summary was printed\n  2  trouble"));
  CHECK(has(help.out, "\n  -n, --top=N  "));
  CHECK(has(help.out, "\n  -s, --sort=COUNTER  "));
  auto version = snapshow("--version");
  CHECK(version.status == 0);
  CHECK(version.out == "snapshow (snap) " + std::string(snap::version()) +
                           "\nCopyright (C) 2026 the snap authors.\n"
                           "License MIT: <https://opensource.org/licenses/MIT>.\n"
                           "This is free software: you are free to change and redistribute it.\n"
                           "There is NO WARRANTY, to the extent permitted by law.\n");
}

TEST_CASE("colour: never in a pipe by default, on with --color or --color=always, even with NO_COLOR") {
  auto piped = snapshow("c-malloc-leak/smaps.08");
  CHECK(!has(piped.out, "\x1b"));
  auto forced = snapshow("--color=always c-malloc-leak/smaps.08");
  CHECK(has(forced.out, "\x1b[1mTOTALS\x1b[0m"));
  CHECK(snapshow("--color c-malloc-leak/smaps.08").out == forced.out);
  // What the user asked for wins over NO_COLOR, a default (no-color.org).
  auto no_color = snapshow("--color=always c-malloc-leak/smaps.08", SNAP_TESTDATA, "NO_COLOR=1");
  CHECK(no_color.out == forced.out);
  CHECK(snapshow("--color c-malloc-leak/smaps.08", SNAP_TESTDATA, "NO_COLOR=1 TERM=dumb").out == forced.out);
}

TEST_CASE("colour on a terminal: auto colours, unless NO_COLOR or TERM=dumb; never does not") {
  REQUIRE(std::system("command -v script >/dev/null 2>&1") == 0);
  // script(1) gives the program a terminal; ENV is set for it.
  auto on_tty = [](const std::string& env, const std::string& args) {
    fs::path out = fs::temp_directory_path() / ("snapshow_tty." + std::to_string(::getpid()));
    std::string cmd = "cd '" SNAP_TESTDATA "' && env -u NO_COLOR TERM=xterm " + env + " script -qec \"'" SNAPSHOW_EXE
                      "' " + args + " c-malloc-leak/smaps.08\" /dev/null >'" + out.string() + "' </dev/null";
    CHECK(std::system(cmd.c_str()) == 0);
    std::string text = slurp(out);
    fs::remove(out);
    return has(text, "\x1b[1mTOTALS\x1b[0m");
  };
  CHECK(on_tty("", ""));
  CHECK(on_tty("", "--color=auto"));
  CHECK(on_tty("NO_COLOR=", ""));  // set but empty: no effect
  CHECK(!on_tty("NO_COLOR=1", ""));
  CHECK(!on_tty("TERM=dumb", ""));
  CHECK(!on_tty("", "--color=never"));
  CHECK(on_tty("NO_COLOR=1 TERM=dumb", "--color=always"));
  CHECK(on_tty("TERM=dumb", "--color"));
}

TEST_CASE("--nmt: NMT's categories, and Rss inside vs outside NMT") {
  const std::string dir = snap::test::path("jvm-inflater-leak");
  auto r = snapshow("--nmt nmt-detail.08 smaps.08", dir);
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CAPTURE(r.out);
  CHECK(r.out.find("NMT (nmt-detail.08):\n  Rss inside NMT's reserved ranges:   44696K  (Java Heap 18324K") !=
        std::string::npos);
  // Outside is not "untracked" as a whole: NMT's malloc accounts for part.
  CHECK(r.out.find("  Rss outside them:                  119796K\n"
                   "    file-backed and special:          31300K\n"
                   "    anonymous:                        88496K\n"
                   "      accounted for by NMT malloc:    14120K  (of NMT's malloc 14120K: GC 4406K, Internal "
                   "4200K, Symbol 2508K, Native Memory Tracking 374K)\n"
                   "      untracked:                      74376K\n"
                   "  Verdict: untracked native memory (JNI, zlib, third-party): 88496K anonymous outside NMT's "
                   "ranges, NMT's malloc 14120K\n") != std::string::npos);
  CHECK(r.out.find("java-heap            3    64588K  17376K") != std::string::npos);
  CHECK(r.out.find("metaspace            4    65536K   8648K") != std::string::npos);
  // 44696K + 119796K is the Rss total.
  CHECK(r.out.find("Rss         164492K") != std::string::npos);

  auto j = snapshow("--json --nmt nmt-detail.08 smaps.08", dir);
  CHECK(j.status == 0);
  CHECK(j.out.find("\"inside\": 45768704") != std::string::npos);  // 44696 KiB
  CHECK(j.out.find("\"outside\": 122671104") != std::string::npos);  // 119796 KiB
  CHECK(j.out.find("\"outside_not_file\": 90619904") != std::string::npos);  // 88496 KiB
  CHECK(j.out.find("\"untracked\": 76161024") != std::string::npos);         // 74376 KiB
  CHECK(j.out.find("\"verdict\": \"untracked_native\"") != std::string::npos);

  auto rollup = snapshow("--nmt nmt-detail.08 smaps_rollup.08", dir);
  CHECK(rollup.status == 2);
  CHECK(rollup.err == "snapshow: smaps_rollup.08: smaps_rollup holds totals only: no addresses to join with NMT\n");
  // A summary has no addresses: the outside is a range, and this one is
  // too wide for a verdict (committed, untouched memory may hide the leak).
  auto summary = snapshow("--nmt nmt-summary-diff.08 smaps.08", dir);
  CHECK(summary.status == 0);
  CAPTURE(summary.out);
  CHECK(summary.out.find("NMT (nmt-summary-diff.08; summary, no addresses):\n") != std::string::npos);
  CHECK(summary.out.find("  Verdict: unknown: 996K to 120228K anonymous outside the JVM's mappings") !=
        std::string::npos);
  CHECK(summary.out.find("java-heap") == std::string::npos);  // no addresses: no NMT categories
}

TEST_CASE("--nmt: direct buffers lie outside NMT's ranges, and are JVM-tracked malloc (Other)") {
  auto r = snapshow("--nmt nmt-detail.08 smaps.08", snap::test::path("jvm-direct-buffers/detail"));
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CAPTURE(r.out);
  // GROUND_TRUTH.md: 158 buffers (162424 KiB) resident at 08, none in an NMT range.
  CHECK(r.out.find("  Rss outside them:                  207880K\n"
                   "    file-backed and special:          30800K\n"
                   "    anonymous:                       177080K\n"
                   "      accounted for by NMT malloc:   177080K  (of NMT's malloc 180981K: Other 166922K, GC "
                   "4409K, Internal 4199K, Symbol 2501K)\n"
                   "      untracked:                          0K\n"
                   "  Verdict: JVM-tracked malloc (mostly Other): 177080K anonymous outside NMT's ranges, NMT's "
                   "malloc 180981K\n") != std::string::npos);
  CHECK(r.out.find("untracked)") == std::string::npos);
  auto j = snapshow("--json --nmt nmt-detail.08 smaps.08", snap::test::path("jvm-direct-buffers/detail"));
  CHECK(j.out.find("\"verdict\": \"jvm_tracked_malloc\"") != std::string::npos);
  CHECK(j.out.find("\"untracked\": 0,") != std::string::npos);
  CHECK(j.out.find("\"by_address\": true") != std::string::npos);
  CHECK(j.out.find("\"outside_not_file_max\": null") != std::string::npos);

  // From the summary run: the same verdict without addresses, its range said.
  auto s = snapshow("--nmt nmt-summary.08 smaps.08", snap::test::path("jvm-direct-buffers/summary"));
  CHECK(s.status == 0);
  CAPTURE(s.out);
  CHECK(s.out.find("  Rss the JVM maps (NMT committed):  119140K  (Java Heap 65536K, GC 35212K, Metaspace 8640K, "
                   "Code 7548K, Class 1280K)\n") != std::string::npos);
  CHECK(s.out.find("  Verdict: JVM-tracked malloc (mostly Other): 85036K to 204176K anonymous outside the JVM's "
                   "mappings (committed need not be resident), NMT's malloc 177691K\n") != std::string::npos);
  CHECK(s.out.find("needs its detail") != std::string::npos);
  auto sj = snapshow("--json --nmt nmt-summary.08 smaps.08", snap::test::path("jvm-direct-buffers/summary"));
  CHECK(sj.out.find("\"by_address\": false") != std::string::npos);
  CHECK(sj.out.find("\"outside_not_file_max\": 209076224") != std::string::npos);  // 204176 KiB
}
