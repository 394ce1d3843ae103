// Findings a user can act on, on real captures taken for them:
// - mmap-leak: 1 MiB mallocs (1028K mmaps each) merge into a mapping that
//   grows downward until its gap is full, then a second mapping starts
//   elsewhere halfway through; one leak, linked by its allocation size.
// - linear-leak: one constant 6400 KiB/s heap leak sampled every 100 ms,
//   1 s and 5 s: the same verdict and the same rate at every sampling rate.
// Truth from each program's own log: testdata/*/GROUND_TRUTH.md.
#include <doctest/doctest.h>

#include <algorithm>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "run_tool.h"
#include "snap/emit.h"
#include "snap/gate.h"
#include "snap/trend.h"
#include "series.h"
#include "testdata.h"

namespace {

using snap::Verdict;
using snap::test::KiB;

/// A series of the capture DIR: FAMILY.01 .. FAMILY.NN.
snap::test::Series load(const std::string& dir, const std::string& family, std::size_t n,
                        const std::string& suffix = "", const snap::AnalyzeOptions& o = {}) {
  return snap::test::load_series(dir, family, n, suffix, o);
}

snap::DiffReport diff(const std::string& a, const std::string& b, snap::DiffOptions o = {}) {
  static std::vector<std::vector<snap::Snapshot>> keep;  // reports point into their snapshots
  keep.push_back({snap::test::load(a), snap::test::load(b)});
  return snap::make_report(keep.back(), o);
}

// GROUND_TRUTH.md of mmap-leak: the two leak mappings at 08, and the one-time block.
constexpr std::uint64_t kM1 = 0x7fdf7e753000, kM1End = 0x7fdf80e7a000;
constexpr std::uint64_t kM2 = 0x7fdf7c055000, kM2End = 0x7fdf7e57a000;
constexpr std::uint64_t kOnce = 0x7fdf80e7a000;
constexpr double kLeakKiB = 71960;  // 70 blocks of 1028K between 01 and 08

}  // namespace

TEST_CASE("mmap-leak trend: the mapping that fills its gap and the one that starts later are one steady leak") {
  for (const std::string family : {"smaps", "pmap-x"}) {
    CAPTURE(family);
    auto s = load("mmap-leak", family, 8);
    const auto& r = s.report;
    REQUIRE(!r.rows.empty());
    const snap::Finding& top = r.rows[0];
    REQUIRE(top.link);
    CHECK(top.verdict == Verdict::steady);
    CHECK(top.growth == kLeakKiB * KiB);
    CHECK(r.link_trend(top).link.quantum == 1028 * KiB);
    CHECK(r.link_trend(top).link.steps == 70);
    CHECK(r.link_trend(top).link.category == snap::Category::anon);
    CHECK(snap::describe(r.link_trend(top).link) == "anon blocks growing in 1028K steps: 2 blocks, 70 steps");
    // The log: 10 blocks a second, 10280.2 KiB/s of mapped memory.
    CHECK(top.rate == doctest::Approx(10280.2 * KiB).epsilon(0.02));
    REQUIRE(top.members.size() == 2);
    const auto& newer = r.blocks[top.members[0]];
    const auto& older = r.blocks[top.members[1]];
    CHECK(r.block(newer).start == kM2);
    CHECK(r.block(newer).end == kM2End);
    CHECK(r.block(older).start == kM1);
    CHECK(r.block(older).end == kM1End);
    CHECK(newer.stats.growth == 38036 * KiB);
    CHECK(older.stats.growth == 33924 * KiB);
    // M2 appears between 04 and 05, then grows every step: emerging since
    // 05 (index 4), at the leak's own pace.
    CHECK(newer.stats.verdict == Verdict::emerging);
    CHECK(newer.stats.since == 4);
    CHECK(newer.stats.rate() == doctest::Approx(10280.2 * KiB).epsilon(0.01));
    // Folded: neither mapping is a row of its own.
    for (const auto& fd : r.rows)
      if (fd.block) CHECK((r.block(r.block_trend(fd)).start != kM1 && r.block(r.block_trend(fd)).start != kM2));
    // The one-time 1028K block is a step, ranked below the leak.
    auto once = std::find_if(r.rows.begin(), r.rows.end(),
                             [&](const snap::Finding& fd) { return fd.block && r.block(r.block_trend(fd)).start == kOnce; });
    REQUIRE(once != r.rows.end());
    CHECK(once->verdict == Verdict::stepwise);
    CHECK(once->growth == 1028 * KiB);
    CHECK(r.growing == 2);
    // gdb gets both leak mappings.
    auto blocks = r.growing_blocks();
    CHECK(std::count_if(blocks.begin(), blocks.end(), [](const snap::Block* b) { return b->start == kM1; }) == 1);
    CHECK(std::count_if(blocks.begin(), blocks.end(), [](const snap::Block* b) { return b->start == kM2; }) == 1);
  }
}

TEST_CASE("mmap-leak, two snapshots: one finding of two blocks, +71960K in 70 steps of 1028K") {
  for (const std::string family : {"smaps", "pmap-x"}) {
    CAPTURE(family);
    auto r = diff("mmap-leak/" + family + ".01", "mmap-leak/" + family + ".08");
    REQUIRE(r.links.size() == 1);
    const snap::Link& l = r.links[0];
    CHECK(l.quantum == 1028 * KiB);
    CHECK(l.steps == 70);
    CHECK(!l.all_new);
    REQUIRE(r.rows.size() >= 3);
    // The link ranks first by its sum; its members follow it, largest first.
    CHECK(r.row_link[0] == 0);
    CHECK(r.row_link[1] == 0);
    CHECK(r.row(0).start == kM2);
    CHECK(r.row(1).start == kM1);
    CHECK(r.row(0).delta(snap::Field::rss) + r.row(1).delta(snap::Field::rss) ==
          static_cast<std::int64_t>(kLeakKiB * KiB));
    CHECK(r.row_link[2] == snap::kNoLink);
    CHECK(r.row(2).start == kOnce);
    CHECK(r.findings == 2);
    CHECK(r.growing == 3);
    CHECK(r.largest_growth == static_cast<std::int64_t>(kLeakKiB * KiB));
  }
}

TEST_CASE("mmap-leak text and JSON: the members folded under their finding, every range in JSON") {
  using snap::test::run_tool;
  const std::string dir = snap::test::path("mmap-leak");
  auto two = run_tool(SNAPDIFF_EXE, "pmap-x.01 pmap-x.08", dir, "NO_COLOR=1");
  CHECK(two.status == 1);
  CHECK(two.out.find("+71960K   6168K  78128K  +1167%  grown   anon          (2 blocks)") != std::string::npos);
  CHECK(two.out.find("anon blocks growing in 1028K steps: 2 blocks, 70 steps") != std::string::npos);
  CHECK(two.out.find("\u2514 7fdf7c055000-7fdf7e57a000") != std::string::npos);
  CHECK(two.out.find("\u2514 7fdf7e753000-7fdf80e7a000") != std::string::npos);

  auto json = run_tool(SNAPDIFF_EXE, "--json pmap-x.01 pmap-x.08", dir);
  auto j = nlohmann::json::parse(json.out);
  REQUIRE(j["links"].size() == 1);
  CHECK(j["links"][0]["quantum"] == 1028 * 1024);
  CHECK(j["links"][0]["steps"] == 70);
  CHECK(j["links"][0]["growth"] == 71960 * 1024);
  REQUIRE(j["links"][0]["members"].size() == 2);
  CHECK(j["links"][0]["members"][0]["start"] == "0x7fdf7c055000");
  CHECK(j["blocks"][0]["link"] == 0);
  CHECK(j["blocks"][2]["link"].is_null());

  auto trend = run_tool(SNAPDIFF_EXE, "--json .", dir);
  auto t = nlohmann::json::parse(trend.out);
  const auto& top = t["findings"][0];
  CHECK(top["kind"] == "link");
  CHECK(top["verdict"] == "steady");
  REQUIRE(top["members"].size() == 2);
  CHECK(top["members"][0]["start"] == "0x7fdf7c055000");
  CHECK(top["members"][0]["verdict"] == "emerging");
  CHECK(top["members"][0]["growth"].is_number_integer());
  CHECK(top["members"][0]["growth"] == 38036 * 1024);
  CHECK(top["quantum"] == 1028 * 1024);
  CHECK(top["series"]["since"] == 0);
  CHECK(top["series"]["slope"] == top["rate"]);
  // RATE is the slope the projection uses: the Rss total's.
  CHECK(t["totals"]["rss"]["slope"].get<double>() > 10000 * 1024);

  // --ranges hands gdb both mappings of the leak.
  auto ranges = run_tool(SNAPDIFF_EXE, "--ranges --dump whole pmap-x.01 pmap-x.08", dir);
  CHECK(ranges.out.find("0x7fdf7c055000 0x7fdf7e57a000") != std::string::npos);
  CHECK(ranges.out.find("0x7fdf7e753000 0x7fdf80e7a000") != std::string::npos);
}

TEST_CASE("thread-leak trend: the population's stacks are folded under it, not ranked again") {
  auto s = load("thread-leak", "smaps", 8);
  const auto& r = s.report;
  REQUIRE(r.rows.size() >= 1);
  const snap::Finding& top = r.rows[0];
  REQUIRE(top.population);
  CHECK(top.members.size() == 14);  // 14 threads born, each keeping a 72K-resident stack
  for (std::size_t b : top.members) CHECK(r.block(r.blocks[b]).category == snap::Category::thread_stack);
  for (const auto& fd : r.rows) CHECK(!fd.block);
  CHECK(r.growing_blocks().size() == 14);
  // gdb gets every stack of the population: one range each.
  auto ranges = snap::test::run_tool(SNAPDIFF_EXE, "--ranges --dump whole .", snap::test::path("thread-leak"));
  CHECK(ranges.status == 1);
  CHECK(std::count(ranges.out.begin(), ranges.out.end(), '\n') == 14);
  CHECK(ranges.out.find("0x7f95c7485000 0x7f95c7c85000\n") != std::string::npos);
}

TEST_CASE("thread-leak, two snapshots: the 14 new stacks are one finding") {
  auto r = diff("thread-leak/pmap-x.01", "thread-leak/pmap-x.08");
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].all_new);
  CHECK(r.links[0].quantum == 8192 * KiB);
  CHECK(r.links[0].blocks.size() == 14);
  CHECK(snap::describe(r.links[0]) == "14 new thread-stack blocks of 8192K");
  CHECK(r.findings == 1);
  CHECK(r.growth == 1008 * KiB);
}

TEST_CASE("linear-leak at 100 ms, 1 s and 5 s: the same verdict and the log's rate") {
  struct Run {
    std::string dir;
    std::size_t n;
    std::string suffix;
  };
  const Run runs[] = {{"linear-leak/100ms", 125, ".gz"}, {"linear-leak/1s", 14, ""}, {"linear-leak/5s", 9, ""}};
  for (const Run& run : runs) {
    CAPTURE(run.dir);
    auto s = load(run.dir, "smaps", run.n, run.suffix);
    const auto& r = s.report;
    REQUIRE(r.times_known());
    REQUIRE(!r.rows.empty());
    const snap::Finding& top = r.rows[0];
    REQUIRE(top.block);
    CHECK(r.block(r.block_trend(top)).category == snap::Category::heap);
    CHECK(top.verdict == Verdict::steady);
    CHECK(r.growing == 1);
    // GROUND_TRUTH.md: a least-squares fit of the heap's Rss gives 6401.6 KiB/s in all three runs.
    CHECK(top.rate == doctest::Approx(6401.6 * KiB).epsilon(0.003));
    // RATE is the least-squares slope, the one the projection uses.
    CHECK(top.rate == doctest::Approx(snap::fit_line(r.seconds, r.block_trend(top).stats.values).slope));
  }
}

TEST_CASE("verdicts do not count rising steps: flat steps between page-granular rises stay steady") {
  const double F = 64 * KiB;
  std::vector<double> x, y;
  // 64K allocated every third sample: two flat steps out of three.
  for (int i = 0; i < 60; ++i) {
    x.push_back(i * 0.1);
    y.push_back(static_cast<double>(i / 3) * 64 * KiB);
  }
  auto s = snap::analyze(y, x, true, F);
  CHECK(s.steps_up == 19);
  CHECK(s.verdict == Verdict::steady);
  // A real drop (a free of more than the floor) breaks steadiness.
  y[40] -= 2 * F;
  CHECK(snap::analyze(y, x, true, F).verdict != Verdict::steady);
}

TEST_CASE("emerging: absent, then steady; a one-time step is not") {
  const double F = 64 * KiB, M = 1024 * KiB;
  std::vector<double> x;
  for (int i = 0; i < 8; ++i) x.push_back(i);
  auto v = [&](std::vector<double> y) { return snap::analyze(y, x, false, F); };
  auto e = v({0, 0, 0, 0, 0, 3 * M, 13 * M, 23 * M});
  CHECK(e.verdict == Verdict::emerging);
  CHECK(e.since == 5);
  CHECK(e.rate() == doctest::Approx(10 * M));  // the slope since it appeared
  // Two flat steps between rises, from the start: a staircase, steady.
  std::vector<double> x10;
  for (int i = 0; i < 10; ++i) x10.push_back(i);
  CHECK(snap::analyze({0, 0, 0, 2 * M, 2 * M, 2 * M, 4 * M, 4 * M, 4 * M, 6 * M}, x10, false, F).verdict ==
        Verdict::steady);
  CHECK(v({0, 0, 0, 0, 0, 0, 8 * M, 8 * M}).verdict == Verdict::stepwise);
  // A leak that grew from the start by small steps has no flat prefix.
  CHECK(v({0, 32 * KiB, 1 * M, 2 * M, 3 * M, 4 * M, 5 * M, 6 * M}).verdict == Verdict::steady);
}

TEST_CASE("two snapshots: one noise floor with trends; pages touched are not growth") {
  auto r = diff("jvm-inflater-leak/pmap-x.01", "jvm-inflater-leak/pmap-x.08");
  // 1% of the +37968K that grew, at least 64K.
  CHECK(r.floor == 379 * KiB + 696);
  CHECK(r.growing == 3);  // the zlib arena, jcmd's mmap and its arena
  CHECK(r.below_floor == 3);
  CHECK(r.below_floor_growth == 92 * KiB);  // libstdc++ text +64K, a stack +24K, the code cache +4K
  CHECK(r.exit_status() == 1);
  snap::DiffOptions every_page;
  every_page.floor = 0;
  auto all = diff("jvm-inflater-leak/pmap-x.01", "jvm-inflater-leak/pmap-x.08", every_page);
  CHECK(all.growing == 6);
  // idle-sleep: nothing grows past the floor.
  CHECK(diff("idle-sleep/smaps.01", "idle-sleep/smaps.02").exit_status() == 0);
}

TEST_CASE("gates on the whole process: --fail-above, --fail-rate") {
  using snap::test::run_tool;
  const std::string dir = snap::test::path("mmap-leak");
  // Per block, -m 40M sees no block past 40M; the leak (+71960K) is one finding.
  CHECK(run_tool(SNAPDIFF_EXE, "-m 40M pmap-x.01 pmap-x.08", dir).status == 1);
  CHECK(run_tool(SNAPDIFF_EXE, "-m 80M pmap-x.01 pmap-x.08", dir).status == 0);
  // The process's total Rss grew +72992K.
  auto above = run_tool(SNAPDIFF_EXE, "--fail-above 71M pmap-x.01 pmap-x.08", dir);
  CHECK(above.status == 1);
  CHECK(above.err.find("gate failed: total Rss +72992K reaches --fail-above 72704K") != std::string::npos);
  auto below = run_tool(SNAPDIFF_EXE, "--fail-above 72M pmap-x.01 pmap-x.08", dir);
  CHECK(below.status == 0);
  CHECK(below.err.find("gate passed") != std::string::npos);
  // Rate: 10 MiB/s of leak over 7 s.
  CHECK(run_tool(SNAPDIFF_EXE, "--fail-rate 8M/s .", dir).status == 1);
  CHECK(run_tool(SNAPDIFF_EXE, "--fail-rate 12M/s .", dir).status == 0);
  CHECK(run_tool(SNAPDIFF_EXE, "--fail-rate 600M/min .", dir).status == 1);
  auto two = run_tool(SNAPDIFF_EXE, "--fail-rate 1M/s pmap-x.01 pmap-x.08", dir);
  CHECK(two.status == 2);
  CHECK(two.out.empty());
  CHECK(run_tool(SNAPDIFF_EXE, "--fail-rate 1M/fortnight .", dir).status == 2);
  CHECK(snap::parse_rate("1M/s") == doctest::Approx(1048576));
  CHECK(snap::parse_rate("60M/min") == doctest::Approx(1048576));
  CHECK(snap::parse_rate("1G/h") == doctest::Approx(1073741824.0 / 3600));
  CHECK(!snap::parse_rate("fast"));
}

TEST_CASE("slow-leak at 100 ms, 1 s and 5 s: a rise one step in three is still steady, at the log's rate") {
  // GROUND_TRUTH.md: 256 KiB every 300 ms, 873813 B/s; at 100 ms only 42 of
  // 124 steps rise.
  struct Run {
    std::string dir;
    std::size_t n;
    std::string suffix;
    std::size_t rises;
  };
  const Run runs[] = {
      {"slow-leak/100ms", 125, ".gz", 42}, {"slow-leak/1s", 14, "", 13}, {"slow-leak/5s", 9, "", 8}};
  for (const Run& run : runs) {
    CAPTURE(run.dir);
    auto s = load(run.dir, "smaps", run.n, run.suffix);
    const auto& r = s.report;
    REQUIRE(!r.rows.empty());
    const snap::Finding& top = r.rows[0];
    REQUIRE(top.block);
    CHECK(r.block(r.block_trend(top)).category == snap::Category::heap);
    CHECK(r.block_trend(top).stats.steps_up == run.rises);
    CHECK(top.verdict == Verdict::steady);
    CHECK(r.growing == 1);
    CHECK(top.rate == doctest::Approx(873813.3).epsilon(0.005));
  }
}

TEST_CASE("jvm-direct-buffers: 1028K direct buffers spread over four mappings are one steady leak") {
  // GROUND_TRUTH.md, summary run: 133 buffers between 01 and 08, +6 below
  // the first ones, 31 merged below the G1 mark stack, 47 below
  // Metaspace's committed part, 49 in a new mapping.
  auto s = load("jvm-direct-buffers/summary", "smaps", 8);
  const auto& r = s.report;
  REQUIRE(!r.rows.empty());
  const snap::Finding& top = r.rows[0];
  REQUIRE(top.link);
  CHECK(top.verdict == Verdict::steady);
  CHECK(r.link_trend(top).link.quantum == 1028 * KiB);
  CHECK(r.link_trend(top).link.steps == 133);
  CHECK(r.growing == 1);
  std::vector<std::uint64_t> starts;
  for (std::size_t b : top.members) starts.push_back(r.block(r.blocks[b]).start);
  std::sort(starts.begin(), starts.end());
  CHECK(starts == std::vector<std::uint64_t>{0x7f9310ecf000, 0x7f93300d1000, 0x7f93840e1000, 0x7f93940ee000});
  CHECK(top.rate == doctest::Approx(133 * 1028 * KiB / r.seconds.back()).epsilon(0.05));

  // Detail run: 132 buffers, 43 of them in the VMA below Metaspace that also
  // took a 3972K chunk during jcmd's first report; it still joins the leak.
  auto d = load("jvm-direct-buffers/detail", "smaps", 8);
  REQUIRE(!d.report.rows.empty());
  const snap::Finding& leak = d.report.rows[0];
  REQUIRE(leak.link);
  CHECK(leak.verdict == Verdict::steady);
  CHECK(r.link_trend(leak).link.blocks.size() == 4);
  CHECK(d.report.growing == 1);
  bool beside_metaspace = false;
  for (std::size_t b : leak.members) beside_metaspace |= d.report.block(d.report.blocks[b]).start == 0x7fec800f4000;
  CHECK(beside_metaspace);
  // Two snapshots cannot tell the chunk from buffers: that VMA stays apart.
  auto two = diff("jvm-direct-buffers/detail/smaps.01", "jvm-direct-buffers/detail/smaps.08");
  REQUIRE(two.links.size() == 1);
  CHECK(two.links[0].steps == 89);
}

TEST_CASE("trend --nmt: NMT's categories before --category filters and ranks") {
  using snap::test::run_tool;
  const std::string dir = snap::test::path("jvm-inflater-leak");
  const std::string nmt = "--nmt nmt-detail.01 --nmt nmt-detail.08 ";
  auto meta = run_tool(SNAPDIFF_EXE, nmt + "--category metaspace --all smaps.01 smaps.04 smaps.08", dir, "NO_COLOR=1");
  CHECK(meta.status == 0);  // metaspace did not grow
  // NMT's Metaspace reservation, as nmt-detail.01 names it: 7f475f000000-7f4763000000.
  CHECK(meta.out.find("metaspace  7f475f000000-7f475f1e0000") != std::string::npos);
  auto anon = run_tool(SNAPDIFF_EXE, nmt + "--category anon --all smaps.01 smaps.04 smaps.08", dir, "NO_COLOR=1");
  CHECK(anon.out.find("metaspace") == std::string::npos);
  CHECK(anon.out.find("  anon ") != std::string::npos);
}

TEST_CASE("the totals' RATE is the slope the projection uses") {
  snap::AnalyzeOptions o;
  o.limit = 1ull << 30;
  auto s = load("linear-leak/1s", "smaps", 14, "", o);
  const auto& r = s.report;
  auto p = std::find_if(r.projections.begin(), r.projections.end(), [](auto& p) { return p.what == "Rss"; });
  REQUIRE(p != r.projections.end());
  auto rss = std::find_if(r.totals.begin(), r.totals.end(), [](auto& t) { return t.first == snap::Field::rss; });
  REQUIRE(rss != r.totals.end());
  CHECK(rss->second.rate() == p->rate);
  // GROUND_TRUTH.md: the heap's Rss grows 6401.6 KiB/s; nothing else changes.
  CHECK(p->rate == doctest::Approx(6401.6 * KiB).epsilon(0.003));
  std::string text;
  snap::emit_trend_text(text, r, {});
  CHECK(text.find(snap::format_rate(p->rate) + "/s") != std::string::npos);
}

TEST_CASE("steady needs a kept pace; --noise-floor 0 counts every page without breaking verdicts") {
  const double M = 1024 * KiB;
  std::vector<double> x;
  for (int i = 0; i < 8; ++i) x.push_back(i);
  // A warm-up curve: +30, 20, 12, 8, 5, 3, 2 MiB a step, R2 0.84.
  auto warm = snap::analyze({0, 30 * M, 50 * M, 62 * M, 70 * M, 75 * M, 78 * M, 80 * M}, x, false, 64 * KiB);
  CHECK(warm.verdict != Verdict::steady);
  // A leak that stopped after four steps.
  auto stopped = snap::analyze({0, 8 * M, 16 * M, 24 * M, 32 * M, 32 * M, 32 * M, 32 * M}, x, false, 64 * KiB);
  CHECK(stopped.verdict == Verdict::noisy);
  // Floor 0: unchanged is flat, a constant leak steady, a fall shrinking.
  CHECK(snap::analyze({5, 5, 5, 5}, std::vector<double>{0, 1, 2, 3}, false, 0).verdict ==
        Verdict::flat);
  CHECK(snap::analyze({0, 4096, 8192, 12288}, std::vector<double>{0, 1, 2, 3}, false, 0).verdict ==
        Verdict::steady);
  CHECK(snap::analyze({8192, 4096, 0}, std::vector<double>{0, 1, 2}, false, 0).verdict == Verdict::shrinking);
  snap::AnalyzeOptions o;
  o.floor = 0;
  auto s = load("mmap-leak", "smaps", 8, "", o);
  REQUIRE(!s.report.rows.empty());
  CHECK(s.report.rows[0].link);
  CHECK(s.report.rows[0].verdict == Verdict::steady);
}

TEST_CASE("steady and emerging rank together by rate") {
  // Block A steady at 1 MiB a step; block B absent, then 15 MiB a step.
  auto maps = [](std::uint64_t a_kib, std::uint64_t b_kib) {
    std::string text = fmt::format("10000000-{:x} rw-p 00000000 00:00 0 \nRss: {} kB\n",
                                   0x10000000 + 0x8000000ull, a_kib);
    if (b_kib) text += fmt::format("40000000-{:x} rw-p 00000000 00:00 0 \nRss: {} kB\n", 0x40000000 + 0x10000000ull, b_kib);
    return snap::parse_snapshot(text, "mem", snap::Format::smaps);
  };
  std::vector<snap::Snapshot> snaps;
  const std::uint64_t b[] = {0, 0, 0, 15360, 30720, 46080, 61440};
  for (std::uint64_t i = 0; i < 7; ++i) snaps.push_back(maps(1024 + 1024 * i, b[i]));
  snap::Timeline t;
  auto r = snap::make_trend(snaps, t, {});
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].verdict == Verdict::emerging);
  CHECK(r.block(r.block_trend(r.rows[0])).start == 0x40000000);
  CHECK(r.rows[1].verdict == Verdict::steady);
}

namespace {

/// A maps snapshot of anonymous rw-p ranges (and ---p guards): rule edges
/// that no capture shows on demand.
snap::Snapshot maps_of(const std::vector<std::tuple<std::uint64_t, std::uint64_t, const char*>>& ranges) {
  std::string text;
  for (const auto& [start, end, perms] : ranges)
    text += fmt::format("{:x}-{:x} {} 00000000 00:00 0 \n", start, end, perms);
  return snap::parse_snapshot(text, "maps", snap::Format::maps);
}

}  // namespace

TEST_CASE("churn: a thread pool renewing its 8 MiB stacks is not growth") {
  constexpr std::uint64_t M = 1 << 20;
  std::vector<std::tuple<std::uint64_t, std::uint64_t, const char*>> before, after;
  for (std::uint64_t j = 0; j < 50; ++j) {
    const std::uint64_t a = 0x7e0000000000 + j * 0x1000000, b = 0x7d0000000000 + j * 0x1000000;
    before.push_back({a, a + 4096, "---p"});
    before.push_back({a + 4096, a + 4096 + 8 * M, "rw-p"});
    after.push_back({b, b + 4096, "---p"});
    after.push_back({b + 4096, b + 4096 + 8 * M, "rw-p"});
  }
  before.push_back({0x7f3000000000, 0x7f3000000000 + 8 * M, "rw-p"});
  after.push_back({0x7f3000000000, 0x7f3000000000 + 18 * M, "rw-p"});  // the one real growth: +10M
  std::vector<snap::Snapshot> snaps{maps_of(before), maps_of(after)};
  auto r = snap::make_report(snaps, {});
  CHECK(r.churned == 50);
  CHECK(r.links.empty());
  CHECK(r.growing == 1);
  CHECK(r.row(0).start == 0x7f3000000000);
  snap::Gate g;
  g.above = 100 * M;
  CHECK_FALSE(snap::check_gate(r, g).tripped);
  g.above = 10 * M;
  CHECK(snap::check_gate(r, g).tripped);
}

TEST_CASE("a power-of-two quantum links only blocks of one shape; the floor is capped at 1M") {
  constexpr std::uint64_t M = 1 << 20, K = 1024;
  // One mapping grew 20M, an unrelated one 384K: their gcd is 128K, a
  // granule, not an allocation size.
  std::vector<snap::Snapshot> snaps{
      maps_of({{0x10000000, 0x10000000 + 4 * M, "rw-p"}, {0x30000000, 0x30000000 + 4 * M, "rw-p"}}),
      maps_of({{0x10000000, 0x10000000 + 24 * M, "rw-p"}, {0x30000000, 0x30000000 + 4 * M + 384 * K, "rw-p"}})};
  auto r = snap::make_report(snaps, {});
  CHECK(r.links.empty());
  CHECK(r.floor == (20 * M + 384 * K) / 100);  // 1% of what grew
  // A heap committing 2G once does not hide a 2M-a-step leak: the floor stays at 1M.
  std::vector<snap::Snapshot> big{maps_of({{0x10000000, 0x10000000 + 4 * M, "rw-p"}}),
                                  maps_of({{0x10000000, 0x10000000 + 2052 * M, "rw-p"},
                                           {0x200000000, 0x200000000 + 2 * M, "rw-p"}})};
  auto b = snap::make_report(big, {});
  CHECK(b.floor == 1 * M);
  CHECK(b.growing == 2);
}

TEST_CASE("gates refuse a limit of 0") {
  using snap::test::run_tool;
  const std::string dir = snap::test::path("mmap-leak");
  CHECK(run_tool(SNAPDIFF_EXE, "--fail-above 0 pmap-x.01 pmap-x.08", dir).status == 2);
  CHECK(run_tool(SNAPDIFF_EXE, "--fail-rate 0/s .", dir).status == 2);
}

TEST_CASE("a mapping whose Size fell back to where it was is no link member") {
  // fuzz_trend: A's Size 1024K -> 1280K -> 1024K, B's 1024K -> 1280K -> 1280K,
  // both Rss 100K -> 200K -> 300K.
  auto smaps = [](std::uint64_t a_kib, std::uint64_t b_kib, std::uint64_t rss) {
    return snap::parse_snapshot(
        fmt::format("10000000-{:x} rw-p 00000000 00:00 0 \nRss: {} kB\n"
                    "30000000-{:x} rw-p 00000000 00:00 0 \nRss: {} kB\n",
                    0x10000000 + a_kib * 1024, rss, 0x30000000 + b_kib * 1024, rss),
        "mem", snap::Format::smaps);
  };
  std::vector<snap::Snapshot> snaps{smaps(1024, 1024, 100), smaps(1280, 1280, 200), smaps(1024, 1280, 300)};
  snap::Timeline t;
  snap::TrendOptions o;
  o.floor = 64 * KiB;
  auto r = snap::make_trend(snaps, t, o);
  CHECK(r.links.empty());
}

TEST_CASE("file-mmap-leak: 28 new 48K file mappings are what grew, in the trend as in the two-file diff") {
  // testdata/file-mmap-leak/GROUND_TRUTH.md: a 48K file mapped every 250 ms
  // and never unmapped; 5 at 01, 33 at 08: 28 new, +1344K, 192 KiB/s.
  auto d = diff("file-mmap-leak/smaps.01", "file-mmap-leak/smaps.08");
  CHECK(d.below_floor == 28);
  CHECK(d.below_floor_growth == 1344 * KiB);
  for (const std::string family : {"smaps", "pmap-x"}) {
    CAPTURE(family);
    auto s = load("file-mmap-leak", family, 8);
    const auto& r = s.report;
    CHECK(r.growing == 1);
    REQUIRE(!r.rows.empty());
    const snap::Finding& top = r.rows[0];
    REQUIRE(top.population);
    CHECK(r.population(top).key == "file 48K");
    CHECK(top.verdict == Verdict::steady);
    CHECK(top.growth == 1344 * KiB);
    CHECK(r.population(top).count.values.front() == 5);
    CHECK(r.population(top).count.values.back() == 33);
    CHECK(top.rate == doctest::Approx(192.0 * KiB).epsilon(0.01));
    // Its members are the 28 new mappings, newest (lowest) included.
    CHECK(top.members.size() == 28);
    CHECK(std::any_of(top.members.begin(), top.members.end(),
                      [&](std::size_t b) { return r.block(r.blocks[b]).start == 0x7fb53570e000; }));
  }
}
