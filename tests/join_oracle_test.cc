// compare()'s blocks against the ICL oracle (tests/support/icl_oracle.h)
// on every numbered series of real captures in testdata/: start, end and
// exact members of each block, for the first and last snapshot of a
// series (what `snapdiff A B` joins) and for all of them (a trend).
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <regex>

#include "icl_oracle.h"
#include "testdata.h"

namespace fs = std::filesystem;

namespace {

/// DIR/FAMILY.NN[.gz] files of every directory under testdata/, by
/// directory and family, in numeric order; families of one file are no
/// series. smaps_rollup has no ranges to join; NMT reports are no snapshots.
std::map<std::string, std::vector<std::string>> series_in_testdata() {
  static const std::regex numbered(R"((.+)\.([0-9]+)(\.gz)?)");
  std::map<std::string, std::map<int, std::string>> found;
  for (const auto& e : fs::recursive_directory_iterator(SNAP_TESTDATA)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || !std::regex_match(name, m, numbered) || m[1] == "smaps_rollup" ||
        m[1].str().starts_with("nmt-"))
      continue;
    found[(e.path().parent_path() / m[1].str()).string()][std::stoi(m[2])] = e.path().string();
  }
  std::map<std::string, std::vector<std::string>> out;
  for (auto& [key, files] : found) {
    if (files.size() < 2) continue;
    for (auto& [n, p] : files) out[key].push_back(p);
  }
  return out;
}

void check_join(const std::string& what, std::span<const snap::Snapshot> snaps) {
  const snap::Comparison c = snap::compare(snaps);
  const auto want = snap::test::IclOracle(snaps).blocks();
  INFO(what);
  CHECK(snap::test::block_mismatch(c.blocks, want) == "");
  CHECK(!want.empty());
}

}  // namespace

TEST_CASE("compare() joins every testdata series as the ICL oracle does") {
  const auto all = series_in_testdata();
  // c-malloc-leak's eight families, jvm-startup/from-exec, the 125-snapshot
  // runs: every numbered series there is, not a sample.
  REQUIRE(all.size() >= 40);
  std::size_t checked = 0;
  for (const auto& [key, paths] : all) {
    std::vector<snap::Snapshot> snaps;
    for (const std::string& p : paths) snaps.push_back(snap::read_snapshot(p));
    const std::string name = fs::relative(key, SNAP_TESTDATA).string();
    const std::vector<snap::Snapshot> ends{snaps.front(), snaps.back()};
    check_join(fmt::format("{} first vs last", name), ends);
    check_join(fmt::format("{} all {}", name, snaps.size()), snaps);
    ++checked;
  }
  MESSAGE(checked << " series joined both ways");
}
