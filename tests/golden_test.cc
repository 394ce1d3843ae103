// The tools' text layouts, whole, against golden files: every table the
// tools print (the two-snapshot report, the trend, the NMT join, the
// snapshot summary, their CSV and --all forms, some fitted to 80 columns) on
// real captures, byte for byte, with the exit status. A change of layout is a change of
// tests/golden/, reviewed as a diff of the output itself.
//
// After an intended change: SNAP_UPDATE_GOLDEN=1 ctest -R golden_test
// rewrites the files (and the test passes with a message); review them with
// git diff.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "files.h"
#include "run_tool.h"
#include "testdata.h"

namespace fs = std::filesystem;

namespace {

struct Case {
  const char* name;  // tests/golden/NAME.out (and NAME.err when it writes there)
  const char* exe;
  const char* args;  // shell words, run in testdata/
  int status;
  const char* locale = "C.UTF-8";  // the trend's sparklines: blocks in UTF-8, ASCII otherwise
  const char* columns = "";        // COLUMNS: a width to fit; else unset (main.cc), a pipe's full width
};

// Paths relative to testdata/, so that the files hold no machine's paths.
constexpr Case kCases[] = {
    {"diff-smaps", SNAPDIFF_EXE, "c-malloc-leak/smaps.01 c-malloc-leak/smaps.08", 1},
    {"diff-pmap-x-all", SNAPDIFF_EXE, "--all jvm-inflater-leak/pmap-x.01 jvm-inflater-leak/pmap-x.08", 1},
    {"diff-pmap-x-ext-human", SNAPDIFF_EXE, "-h c-malloc-leak/pmap-x-ext.01 c-malloc-leak/pmap-x-ext.08", 1},
    {"diff-csv", SNAPDIFF_EXE, "--csv c-malloc-leak/smaps.01 c-malloc-leak/smaps.08", 1},
    {"diff-nmt", SNAPDIFF_EXE, "jvm-inflater-leak/smaps.01 jvm-inflater-leak/smaps.08", 1},
    {"diff-idle", SNAPDIFF_EXE, "idle-sleep/smaps.01 idle-sleep/smaps.02", 0},
    {"trend-dir", SNAPDIFF_EXE, "thread-leak", 1},
    {"trend-dir-ascii", SNAPDIFF_EXE, "thread-leak", 1, "C"},
    {"trend-csv", SNAPDIFF_EXE, "--csv thread-leak", 1},
    {"trend-dir-80", SNAPDIFF_EXE, "jvm-direct-buffers/detail", 1, "C.UTF-8", "80"},
    {"diff-80-ascii", SNAPDIFF_EXE, "--all file-mmap-leak/smaps.01 file-mmap-leak/smaps.08", 0, "C", "80"},
    {"show-smaps", SNAPSHOW_EXE, "c-malloc-leak/smaps.08", 0},
    {"show-pmap-x-ext", SNAPSHOW_EXE, "--top 5 jvm-inflater-leak/pmap-x-ext.08", 0},
    {"show-maps", SNAPSHOW_EXE, "--top 5 c-malloc-leak/maps.08", 0},
    {"show-csv", SNAPSHOW_EXE, "--csv c-malloc-leak/smaps.08", 0},
    {"show-nmt", SNAPSHOW_EXE, "--nmt jvm-inflater-leak/nmt-detail.08 jvm-inflater-leak/smaps.08", 0},
    {"show-smaps-80", SNAPSHOW_EXE, "c-malloc-leak/smaps.08", 0, "C.UTF-8", "80"},
};

/// `actual` is what tests/golden/FILE holds; or, when updating, it is written there.
void golden(const std::string& file, const std::string& actual, bool update) {
  const fs::path p = fs::path(SNAP_GOLDEN) / file;
  if (update) {
    if (actual.empty()) {
      fs::remove(p);
    } else {
      snap::test::spit(p, actual);
      MESSAGE("wrote " << p.string());
    }
    return;
  }
  CAPTURE(p.string());
  const std::string expected = fs::exists(p) ? snap::test::slurp(p) : std::string();
  CHECK(actual == expected);
}

}  // namespace

TEST_CASE("every table layout, byte for byte, as tests/golden/ holds it") {
  const char* env = std::getenv("SNAP_UPDATE_GOLDEN");
  const bool update = env != nullptr && std::string(env) == "1";
  for (const Case& c : kCases) {
    const std::string name = c.name, args = c.args;
    CAPTURE(name);
    CAPTURE(args);
    const snap::test::Run r = snap::test::run_tool(c.exe, c.args, snap::test::path(""),
                                                   std::string("NO_COLOR=1 LC_ALL=") + c.locale +
                                                       (*c.columns ? std::string(" COLUMNS=") + c.columns : ""));
    CHECK(r.status == c.status);
    CHECK(!r.out.empty());
    golden(std::string(c.name) + ".out", r.out, update);
    golden(std::string(c.name) + ".err", r.err, update);
  }
}

TEST_CASE("tests/golden/ holds no file that no case writes") {
  for (const auto& e : fs::directory_iterator(SNAP_GOLDEN)) {
    const std::string name = e.path().stem().string();
    bool used = false;
    for (const Case& c : kCases) used = used || name == c.name;
    CAPTURE(e.path().string());
    CHECK(used);
  }
}
