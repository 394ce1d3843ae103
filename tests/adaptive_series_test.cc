// A real adaptive collection (testdata/adaptive-grower: snapcollect chose
// adaptive for a 1.1 GiB process by itself): full smaps at the ends, light
// snapshots (maps + pagemap) between. Every tool reads it like any other
// series; the answers are checked against the leaking program's own log.
#include <doctest/doctest.h>

#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "snap/analyze.h"
#include "snap/dump.h"
#include "snap/emit/gdb.h"
#include "snap/manifest.h"
#include "testdata.h"

namespace {

using snap::Field;
using snap::test::KiB;

constexpr const char* kDir = "adaptive-grower/hunt";
// [heap] in the last snapshot; it starts at the same address in all.
constexpr std::uint64_t kHeap = 0x556a96742000, kHeapEnd = 0x556a97954000;
constexpr std::uint64_t kStep = 512 * KiB;  // the grower leaks this every 200 ms

/// What the grower's log says it leaked between two wall-clock times.
std::uint64_t leaked_between(double from, double to) {
  std::ifstream in(snap::test::path("adaptive-grower/grower.log"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string log = text.str();
  static const std::regex kStep(R"(leaked (\d+) at ([0-9.]+))");
  std::uint64_t at_from = 0, at_to = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), kStep); it != std::sregex_iterator(); ++it) {
    const double wall = std::stod((*it)[2].str());
    const std::uint64_t bytes = std::stoull((*it)[1].str());
    if (wall <= from) at_from = bytes;
    if (wall <= to) at_to = bytes;
  }
  return at_to - at_from;
}

std::shared_ptr<const snap::Series> load(std::vector<std::string> inputs) {
  snap::SeriesOptions so;
  for (auto& i : inputs) so.inputs.push_back(snap::test::path(i));
  return std::make_shared<const snap::Series>(snap::load_series(so));
}

snap::Manifest manifest() {
  auto m = snap::read_manifest(snap::test::path(kDir));
  REQUIRE(m);
  return *m;
}

}  // namespace

TEST_CASE("adaptive-grower: the manifest says full at the ends, light between, and how each was read") {
  const snap::Manifest m = manifest();
  CHECK(m.mode == "adaptive");
  REQUIRE(m.snapshots.size() == 8);
  for (std::size_t i = 0; i < 8; ++i) {
    CAPTURE(i);
    const auto& e = m.snapshots[i];
    const bool end = i == 0 || i == 7;
    CHECK(e.mode == (end ? "full" : "light"));
    CHECK(e.method == (end ? "smaps" : "pagemap_scan"));
    CHECK(e.vanished == 0);
    if (end) CHECK(e.longest_hold == e.read_seconds);
    else CHECK(e.longest_hold < e.read_seconds / 4);
    const snap::Snapshot s = snap::read_snapshot(snap::test::path(std::string(kDir) + "/" + e.file));
    CHECK(s.totals.get(Field::rss) == e.totals.get(Field::rss));
    CHECK(s.knows(Field::pss) == end);
    CHECK(s.knows(Field::anonymous));
  }
}

TEST_CASE("adaptive-grower: snapdiff DIR ranks [heap] steady by Rss, grown by what the grower leaked") {
  auto series = load({kDir});
  REQUIRE(series->snapshots.size() == 8);
  snap::Analysis a = snap::analyze(series, {});
  REQUIRE(a.trend);
  const snap::TrendReport& t = *a.trend;
  // Pss is unknown in the light snapshots: the trend is of Rss, which all have.
  CHECK(t.counter == Field::rss);
  CHECK(t.growing == 1);
  REQUIRE(!t.rows.empty());
  const snap::Finding& top = t.rows.front();
  REQUIRE(top.block);
  const snap::Block& heap = t.block(t.block_trend(top));
  CHECK(heap.start == kHeap);
  CHECK(heap.end == kHeapEnd);
  CHECK(heap.category == snap::Category::heap);
  CHECK(top.verdict == snap::Verdict::steady);
  const snap::Manifest m = manifest();
  const std::uint64_t truth = leaked_between(m.snapshots.front().wall, m.snapshots.back().wall);
  CHECK(truth == 17920 * KiB);
  const auto grew = static_cast<std::uint64_t>(heap.delta(Field::rss));
  CHECK(grew + kStep >= truth);
  CHECK(grew <= truth + kStep);
  CHECK(grew == 17936 * KiB);
  // 512 KiB per 200 ms: 2.5 MiB/s.
  CHECK(top.rate == doctest::Approx(2.5 * 1024 * 1024).epsilon(0.05));
  CHECK(a.exit_status() == 1);

  // The gdb step works on it: the heap's range, ready to dump.
  std::vector<const snap::Block*> blocks = a.growing_blocks();
  REQUIRE(blocks.size() == 1);
  const snap::DumpPlan plan = snap::plan_dumps(series->snapshots, blocks, {});
  REQUIRE(plan.ranges.size() == 1);
  // The part that grew: from where the heap ended in the first snapshot.
  const snap::Snapshot& first = series->snapshots.front();
  std::uint64_t first_end = 0;
  for (std::size_t i = 0; i < first.regions.size(); ++i)
    if (first.regions[i].start == kHeap) first_end = first.regions[i].end;
  REQUIRE(first_end > kHeap);
  CHECK(plan.ranges[0].start == first_end);
  CHECK(plan.ranges[0].end == kHeapEnd);
  std::string script;
  snap::emit_gdb(script, plan, "snapdiff --gdb");
  CHECK(script.find(fmt::format("0x{:x}", first_end)) != std::string::npos);
}

TEST_CASE("adaptive-grower: the full ends compare with Pss; two light snapshots with Rss") {
  const snap::Manifest m = manifest();
  auto file = [&](std::size_t i) { return std::string(kDir) + "/" + m.snapshots[i].file; };
  for (const auto& pair : {std::tuple{std::size_t{0}, std::size_t{7}, true},
                           std::tuple{std::size_t{1}, std::size_t{6}, false}}) {
    // Not structured bindings: clang 14 cannot capture them in CAPTURE's lambda.
    const std::size_t a = std::get<0>(pair), b = std::get<1>(pair);
    const bool full = std::get<2>(pair);
    CAPTURE(a);
    CAPTURE(b);
    auto series = load({file(a), file(b)});
    snap::Analysis an = snap::analyze(series, {});
    REQUIRE(an.diff);
    CHECK(an.diff->sort == Field::rss);
    REQUIRE(!an.diff->rows.empty());
    const snap::Block& top = an.diff->row(0);
    CHECK(top.start == kHeap);
    CHECK(top.category == snap::Category::heap);
    const std::uint64_t truth = leaked_between(m.snapshots[a].wall, m.snapshots[b].wall);
    CHECK(truth >= 10 * kStep);
    for (Field f : {Field::rss, Field::pss}) {
      CAPTURE(snap::field_name(f));
      // Pss: known in the full snapshots only, never taken as 0.
      const bool known = (an.diff->comparison.known_mask >> static_cast<unsigned>(f)) & 1u;
      CHECK(known == (f == Field::rss || full));
      if (!known) continue;
      const auto grew = static_cast<std::uint64_t>(top.delta(f));
      CHECK(grew + kStep >= truth);
      CHECK(grew <= truth + kStep);
    }
  }
}
