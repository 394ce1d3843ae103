// Trends on the real multi-snapshot captures (all 8 snapshots of each
// scenario), and the verdict rule on series made to the rule's edges.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "snap/emit.h"
#include "snap/trend.h"
#include "testdata.h"

namespace {

using snap::Verdict;
using snap::test::KiB;

struct Series {
  std::vector<snap::Snapshot> snaps;
  snap::Timeline timeline;
  snap::TrendReport report;
};

Series load_series(const std::string& dir, const std::string& family, snap::TrendOptions o = {}) {
  Series s;
  std::vector<std::string> paths;
  for (int i = 1; i <= 8; ++i) paths.push_back(snap::test::path(fmt::format("{}/{}.{:02}", dir, family, i)));
  s.timeline = snap::make_timeline(paths, std::nullopt);
  for (const auto& p : s.timeline.paths) s.snaps.push_back(snap::read_snapshot(p));
  s.report = snap::make_trend(s.snaps, s.timeline, o);
  return s;
}

const snap::Finding& row(const snap::TrendReport& r, std::size_t i) {
  REQUIRE(r.rows.size() > i);
  return r.rows[i];
}

std::vector<double> xs(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i);
  return x;
}

}  // namespace

TEST_CASE("c-malloc-leak smaps.01..08: heap and both arenas are steady, ranked first, exact") {
  auto s = load_series("c-malloc-leak", "smaps");
  const auto& r = s.report;
  CHECK(r.time_source == snap::TimeSource::manifest);
  REQUIRE(r.times_known());
  CHECK(r.seconds.back() == doctest::Approx(7.190));  // times.txt: 1795566695114 .. 1795566702304
  CHECK(r.growing == 3);
  struct Want {
    std::uint64_t start;
    double kib;
  };
  const Want wants[] = {{0x55c69e02f000, 8960}, {0x7fcd80000000, 2304}, {0x7fcd78000000, 2240}};
  for (int i = 0; i < 3; ++i) {
    const Want& want = wants[i];
    CAPTURE(i);
    const auto& f = row(r, static_cast<std::size_t>(i));
    REQUIRE(f.block);
    CHECK(f.block->block->start == want.start);
    CHECK(f.verdict == Verdict::steady);
    CHECK(f.growth == want.kib * KiB);
    CHECK(f.block->stats.steps_up == 7);
    CHECK(f.block->stats.fit.r2 > 0.99);
    // The rate is the least-squares slope (what the projection uses), close
    // to the average over the window.
    CHECK(f.rate == doctest::Approx(snap::fit_line(r.seconds, f.block->stats.values).slope));
    CHECK(f.rate == doctest::Approx(want.kib * KiB / 7.190).epsilon(0.015));
  }
  // The heap grows by 5 x 256 KiB every snapshot: exactly 1280 KiB a step.
  CHECK(row(r, 0).block->stats.per_snapshot == 1280 * KiB);
  // Nothing else in the process is anything but flat.
  for (const auto& bt : r.blocks)
    if (bt.block->start != 0x55c69e02f000 && bt.block->start != 0x7fcd80000000 &&
        bt.block->start != 0x7fcd78000000)
      CHECK(bt.stats.verdict == Verdict::flat);
}

TEST_CASE("c-malloc-leak pmap-x.01..08: the same three, steady") {
  auto s = load_series("c-malloc-leak", "pmap-x");
  const auto& r = s.report;
  CHECK(r.counter == snap::Field::rss);
  REQUIRE(r.growing == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(row(r, i).verdict == Verdict::steady);
  CHECK(row(r, 0).block->block->category == snap::Category::heap);
  CHECK(row(r, 0).growth == 8960 * KiB);
}

TEST_CASE("jvm-inflater-leak smaps.01..08: the zlib arena is steady; jcmd's steps are stepwise") {
  auto s = load_series("jvm-inflater-leak", "smaps");
  const auto& r = s.report;
  const auto& top = row(r, 0);
  REQUIRE(top.block);
  CHECK(top.block->block->start == 0x7f47d8000000);
  CHECK(top.verdict == Verdict::steady);
  CHECK(top.growth == 33460 * KiB);
  // GROUND_TRUTH.md: 29044, 33400, 38264, 42872, 47836, 52812, 57528, 62504 KiB of Size.
  const std::vector<double> size_kib = {29044, 33400, 38264, 42872, 47836, 52812, 57528, 62504};
  for (std::size_t i = 0; i < 8; ++i)
    CHECK(top.block->block->sides[i].counters.value_or_zero(snap::Field::size) ==
          65536 * KiB);  // rw-p + ---p
  std::size_t steady = 0;
  for (const auto& bt : r.blocks) {
    const auto start = bt.block->start;
    if (bt.stats.verdict == Verdict::steady) ++steady;
    if (start == 0x7f47b1d73000 || start == 0x7f4748000000) CHECK(bt.stats.verdict == Verdict::stepwise);
    // A JIT code cache gaining 4 KiB, a thread stack 24 KiB: flat, not leaks.
    if (start == 0x7f47c8ec7000 || start == 0x7f47c028a000) CHECK(bt.stats.verdict == Verdict::flat);
  }
  CHECK(steady == 1);
  // Steady first: the 33 MiB grower outranks the one-time steps.
  for (std::size_t i = 1; i < r.rows.size(); ++i) CHECK(r.rows[i].verdict != Verdict::steady);
  // The rw-p part's Size series is the one GROUND_TRUTH.md lists.
  const auto& arena = *top.block->block;
  for (std::size_t i = 0; i < 8; ++i) {
    std::uint64_t rw = 0;
    for (const auto& m : arena.members)
      if (m.snapshot == i && s.snaps[i].regions[m.region].perms.write)
        rw += s.snaps[i].regions[m.region].size();
    CHECK(rw == size_kib[i] * KiB);
  }
}

TEST_CASE("idle-sleep smaps.01..02: no steady block, nothing growing") {
  std::vector<snap::Snapshot> snaps{snap::test::load("idle-sleep/smaps.01"),
                                    snap::test::load("idle-sleep/smaps.02")};
  auto t = snap::make_timeline(
      {snap::test::path("idle-sleep/smaps.01"), snap::test::path("idle-sleep/smaps.02")}, std::nullopt);
  auto r = snap::make_trend(snaps, t, {});
  CHECK(r.growing == 0);
  for (const auto& bt : r.blocks) CHECK(bt.stats.verdict == Verdict::flat);
  CHECK(r.populations.empty());
  CHECK(r.exit_status() == 0);
}

TEST_CASE("thread-leak smaps.01..08: a population of thread stacks ranks first though no block grows") {
  auto s = load_series("thread-leak", "smaps");
  const auto& r = s.report;
  const auto& top = row(r, 0);
  REQUIRE(top.population);
  CHECK(top.population->key == "thread-stack 8192K+4K guard");
  CHECK(top.population->by_shape);
  CHECK(top.verdict == Verdict::steady);
  CHECK(top.population->count.values.front() == 5);
  CHECK(top.population->count.values.back() == 19);
  CHECK(top.growth == 1008 * KiB);  // 14 new stacks of 72 KiB
  CHECK(top.population->count.verdict == Verdict::steady);
  // Every block is born once and stays flat: none is steady.
  for (const auto& bt : r.blocks) CHECK(bt.stats.verdict != Verdict::steady);
  CHECK(r.mappings.values.front() == 34);
  CHECK(r.mappings.values.back() == 62);
  // The mapping count is on its way to vm.max_map_count.
  auto p =
      std::find_if(r.projections.begin(), r.projections.end(), [](auto& p) { return p.what == "mappings"; });
  REQUIRE(p != r.projections.end());
  CHECK(p->limit == 65530);
  CHECK(p->eta == doctest::Approx((65530 - 62) / r.mappings.fit.slope));
}

TEST_CASE("projection to --limit from the total Rss trend") {
  snap::TrendOptions o;
  o.limit = 64ull << 20;
  auto s = load_series("c-malloc-leak", "smaps", o);
  const auto& r = s.report;
  auto p = std::find_if(r.projections.begin(), r.projections.end(), [](auto& p) { return p.what == "Rss"; });
  REQUIRE(p != r.projections.end());
  // Independently: the least-squares slope of total Rss against seconds.
  std::vector<double> rss, t = r.seconds;
  for (const auto& snap : s.snaps)
    rss.push_back(static_cast<double>(snap.totals.value_or_zero(snap::Field::rss)));
  auto fit = snap::fit_line(t, rss);
  CHECK(p->rate == doctest::Approx(fit.slope));
  CHECK(p->eta == doctest::Approx((64.0 * 1024 * 1024 - rss.back()) / fit.slope));
  CHECK(p->limit_name == "--limit");
}

TEST_CASE("verdict rule at its edges") {
  const double F = 64 * KiB;
  auto v = [&](std::vector<double> y) { return snap::analyze(y, xs(y.size()), false, F).verdict; };
  const double M = 1024 * KiB;
  CHECK(v({0, 4 * M, 8 * M, 12 * M, 16 * M}) == Verdict::steady);
  CHECK(v({0, 4 * M, 7 * M, 13 * M, 16 * M}) == Verdict::steady);      // jitter
  CHECK(v({0, 40 * M, 40 * M, 40 * M, 40 * M}) == Verdict::stepwise);  // once, then flat
  CHECK(v({0, 0, 0, 20 * M, 40 * M}) == Verdict::emerging);            // absent, then every step
  CHECK(v({0, 0, 20 * M, 20 * M, 40 * M}) == Verdict::stepwise);       // half in one step
  CHECK(v({0, 8 * M, 2 * M, 10 * M, 4 * M, 12 * M}) == Verdict::noisy);
  // A page now and then (a JIT code cache, 4 of 7 steps): below the floor.
  CHECK(v({0, 4 * KiB, 4 * KiB, 8 * KiB, 12 * KiB, 12 * KiB, 16 * KiB, 16 * KiB}) == Verdict::flat);
  CHECK(v({16 * M, 12 * M, 8 * M}) == Verdict::shrinking);
  CHECK(v({5 * M, 5 * M, 5 * M}) == Verdict::flat);
  // Three snapshots: two unequal steps still read as steady.
  CHECK(v({0, 5 * M, 8 * M}) == Verdict::steady);
}

TEST_CASE("fit_line: slope, intercept and R2 of known lines") {
  std::vector<double> x = {0, 1, 2, 3}, y = {1, 3, 5, 7};
  auto f = snap::fit_line(x, y);
  CHECK(f.slope == doctest::Approx(2));
  CHECK(f.intercept == doctest::Approx(1));
  CHECK(f.r2 == doctest::Approx(1));
  std::vector<double> noisy = {1, 3, 2, 4};
  auto g = snap::fit_line(x, noisy);
  CHECK(g.slope == doctest::Approx(0.8));
  CHECK(g.r2 == doctest::Approx(0.64));
}

TEST_CASE("ranking: 4 MiB every step outranks 40 MiB once; --sort growth says otherwise") {
  auto smaps = [](unsigned steady_kib, unsigned once_kib) {
    return snap::parse_snapshot(fmt::format("10000000-20000000 rw-p 00000000 00:00 0 \nRss: {} kB\n"
                                            "30000000-40000000 rw-p 00000000 00:00 0 \nRss: {} kB\n",
                                            steady_kib, once_kib),
                                "mem", snap::Format::smaps);
  };
  std::vector<snap::Snapshot> snaps;
  for (unsigned i = 0; i < 6; ++i) snaps.push_back(smaps(4096 * i, i == 0 ? 0 : 40960));
  snap::Timeline t;
  auto r = snap::make_trend(snaps, t, {});
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].block->block->start == 0x10000000);
  CHECK(r.rows[0].verdict == Verdict::steady);
  CHECK(r.rows[1].verdict == Verdict::stepwise);
  snap::TrendOptions by_growth;
  by_growth.order = snap::TrendOrder::growth;
  auto g = snap::make_trend(snaps, t, by_growth);
  CHECK(g.rows[0].block->block->start == 0x30000000);
  CHECK(!r.times_known());
}

TEST_CASE("trend JSON carries every series in full; text shows sparklines and rates") {
  auto s = load_series("c-malloc-leak", "smaps");
  std::string json;
  snap::emit_trend_json(json, s.report);
  auto j = nlohmann::json::parse(json);
  CHECK(j["schema"] == "snap.trend/1");
  CHECK(j["snapshots"].size() == 8);
  CHECK(j["snapshots"][7]["seconds"] == doctest::Approx(7.19));
  const auto& heap = j["findings"][0];
  CHECK(heap["kind"] == "block");
  CHECK(heap["verdict"] == "steady");
  REQUIRE(heap["series"]["values"].size() == 8);
  CHECK(heap["series"]["values"][0] == 1544.0 * 1024);
  CHECK(heap["series"]["values"][7] == 10504.0 * 1024);

  std::string text;
  snap::emit_trend_text(text, s.report, {});
  CHECK(text.find("steady   +8960K  +1.2 MiB/s  ▁▂▃▄▅▆▇█  1.00  heap      55c69e02f000-55c69ea91000    7/7  "
                  "[heap]") != std::string::npos);
  CHECK(text.find("over 7s (times from times.txt)") != std::string::npos);
  std::string ascii;
  snap::emit_trend_text(ascii, s.report, {snap::SizeStyle::kib, false, false});
  CHECK(ascii.find(" .:-=+*#") != std::string::npos);
  CHECK(ascii.find("▁") == std::string::npos);
}

TEST_CASE("sparkline") {
  CHECK(snap::sparkline({0, 1, 2, 3, 4, 5, 6, 7}, true) == "▁▂▃▄▅▆▇█");
  CHECK(snap::sparkline({0, 1, 2, 3, 4, 5, 6, 7}, false) == " .:-=+*#");
  CHECK(snap::sparkline({3, 3, 3}, true) == "▁▁▁");
  CHECK(snap::sparkline({}, true).empty());
}
