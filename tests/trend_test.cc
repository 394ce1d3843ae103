// Trends on the real multi-snapshot captures (all 8 snapshots of each
// scenario), and the verdict rule on series made to the rule's edges.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "snap/emit.h"
#include "snap/trend.h"
#include "series.h"
#include "testdata.h"

namespace {

using snap::Verdict;
using snap::test::KiB;

using snap::test::load_series;

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
    CHECK(r.block(r.block_trend(f)).start == want.start);
    CHECK(f.verdict == Verdict::steady);
    CHECK(f.growth == want.kib * KiB);
    CHECK(r.block_trend(f).stats.steps_up == 7);
    CHECK(r.block_trend(f).stats.fit.r2 > 0.99);
    // The rate is the least-squares slope (what the projection uses), close
    // to the average over the window.
    CHECK(f.rate == doctest::Approx(snap::fit_line(r.seconds, r.block_trend(f).stats.values).slope));
    CHECK(f.rate == doctest::Approx(want.kib * KiB / 7.190).epsilon(0.015));
  }
  // The heap grows by 5 x 256 KiB every snapshot: exactly 1280 KiB a step.
  CHECK(r.block_trend(row(r, 0)).stats.per_snapshot == 1280 * KiB);
  // Nothing else in the process is anything but flat.
  for (const auto& bt : r.blocks)
    if (r.block(bt).start != 0x55c69e02f000 && r.block(bt).start != 0x7fcd80000000 &&
        r.block(bt).start != 0x7fcd78000000)
      CHECK(bt.stats.verdict == Verdict::flat);
}

TEST_CASE("c-malloc-leak pmap-x.01..08: the same three, steady") {
  auto s = load_series("c-malloc-leak", "pmap-x");
  const auto& r = s.report;
  CHECK(r.counter == snap::Field::rss);
  REQUIRE(r.growing == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(row(r, i).verdict == Verdict::steady);
  CHECK(r.block(r.block_trend(row(r, 0))).category == snap::Category::heap);
  CHECK(row(r, 0).growth == 8960 * KiB);
}

TEST_CASE("jvm-inflater-leak smaps.01..08: the zlib arena is steady; jcmd's steps are stepwise") {
  auto s = load_series("jvm-inflater-leak", "smaps");
  const auto& r = s.report;
  const auto& top = row(r, 0);
  REQUIRE(top.block);
  CHECK(r.block(r.block_trend(top)).start == 0x7f47d8000000);
  CHECK(top.verdict == Verdict::steady);
  CHECK(top.growth == 33460 * KiB);
  // GROUND_TRUTH.md: 29044, 33400, 38264, 42872, 47836, 52812, 57528, 62504 KiB of Size.
  const std::vector<double> size_kib = {29044, 33400, 38264, 42872, 47836, 52812, 57528, 62504};
  for (std::size_t i = 0; i < 8; ++i)
    CHECK(r.block(r.block_trend(top)).sides[i].counters.value_or_zero(snap::Field::size) ==
          65536 * KiB);  // rw-p + ---p
  std::size_t steady = 0;
  for (const auto& bt : r.blocks) {
    const auto start = r.block(bt).start;
    if (bt.stats.verdict == Verdict::steady) ++steady;
    if (start == 0x7f47b1d73000 || start == 0x7f4748000000) CHECK(bt.stats.verdict == Verdict::stepwise);
    // A JIT code cache gaining 4 KiB, a thread stack 24 KiB: flat, not leaks.
    if (start == 0x7f47c8ec7000 || start == 0x7f47c028a000) CHECK(bt.stats.verdict == Verdict::flat);
  }
  CHECK(steady == 1);
  // Steady first: the 33 MiB grower outranks the one-time steps.
  for (std::size_t i = 1; i < r.rows.size(); ++i) CHECK(r.rows[i].verdict != Verdict::steady);
  // The rw-p part's Size series is the one GROUND_TRUTH.md lists.
  const auto& arena = r.block(r.block_trend(top));
  for (std::size_t i = 0; i < 8; ++i) {
    std::uint64_t rw = 0;
    for (const auto& m : arena.members())
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
  CHECK(r.population(top).key == "thread-stack 8192K+4K guard");
  CHECK(r.population(top).by_shape);
  CHECK(top.verdict == Verdict::steady);
  CHECK(r.population(top).count.values.front() == 5);
  CHECK(r.population(top).count.values.back() == 19);
  CHECK(top.growth == 1008 * KiB);  // 14 new stacks of 72 KiB
  CHECK(r.population(top).count.verdict == Verdict::steady);
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
  snap::AnalyzeOptions o;
  o.limit = 64ull << 20;
  auto s = load_series("c-malloc-leak", "smaps", 8, "", o);
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
  CHECK(v({0, 0, 0, 20 * M, 40 * M}) == Verdict::stepwise);            // half in one step
  CHECK(v({0, 0, 20 * M, 20 * M, 40 * M}) == Verdict::stepwise);        // two stairs
  CHECK(v({0, 0, 0, 10 * M, 20 * M, 30 * M}) == Verdict::emerging);     // absent, then three steps
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
  CHECK(r.block(r.block_trend(r.rows[0])).start == 0x10000000);
  CHECK(r.rows[0].verdict == Verdict::steady);
  CHECK(r.rows[1].verdict == Verdict::stepwise);
  snap::TrendOptions by_growth;
  by_growth.order = snap::TrendOrder::growth;
  auto g = snap::make_trend(snaps, t, by_growth);
  CHECK(g.block(g.block_trend(g.rows[0])).start == 0x30000000);
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
  CHECK(text.find("steady   +8960K  +1.2M/s  ▁▂▃▄▅▆▇█  1.00  heap      55c69e02f000-55c69ea91000    7/7  "
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

namespace {

/// An RFC 4180 reader for the tests: rows of fields, CRLF line ends,
/// quoted fields with "" for a quote and line breaks kept.
std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (ch == '"') quoted = false;
      else field += ch;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      ++i;
    } else {
      field += ch;
    }
  }
  REQUIRE(row.empty());  // every row ends in CRLF
  REQUIRE(field.empty());
  return rows;
}

/// times.txt's "NN EPOCH_MS" lines, read here on their own.
std::vector<std::int64_t> times_txt(const std::string& dir) {
  std::ifstream in(snap::test::path(dir + "/times.txt"));
  std::vector<std::int64_t> out;
  std::string nn;
  std::int64_t ms = 0;
  while (in >> nn >> ms) out.push_back(ms);
  return out;
}

const std::vector<std::string> kHeader = {"snapshot", "source", "epoch_ms", "time_iso", "seconds",
                                          "finding",  "kind",   "verdict",  "category", "start",
                                          "end",      "name",   "counter",  "value"};

}  // namespace

TEST_CASE("trend CSV, c-malloc-leak smaps.01..08: a row per snapshot, finding and counter, exact") {
  auto s = load_series("c-malloc-leak", "smaps");
  std::string out;
  snap::emit_trend_csv(out, s.report);
  auto rows = read_csv(out);
  REQUIRE(!rows.empty());
  CHECK(rows[0] == kHeader);
  for (const auto& row : rows) REQUIRE(row.size() == kHeader.size());

  // The ranking counter, every counter smaps gives that adds up (not the
  // page sizes, THPeligible, VmFlags), pmap's Dirty and Accessible, and the
  // region count.
  const std::vector<std::string> counters = {
      "rss",          "size",          "pss",           "pss_dirty",        "shared_clean",    "shared_dirty",
      "private_clean", "private_dirty", "referenced",   "anonymous",        "ksm",             "lazy_free",
      "anon_huge_pages", "shmem_pmd_mapped", "file_pmd_mapped", "shared_hugetlb", "private_hugetlb", "swap",
      "swap_pss",     "locked",        "dirty",         "accessible",       "regions"};
  std::vector<std::string> first_counters;
  for (const auto& row : rows)
    if (row[0] == "1" && row[5] == "1") first_counters.push_back(row[12]);
  CHECK(first_counters == counters);
  // 8 snapshots x 3 findings (the heap and the two arenas) x 23 counters.
  REQUIRE(s.report.rows.size() == 3);
  CHECK(rows.size() == 1 + 8 * 3 * counters.size());

  // Every snapshot's wall-clock time is times.txt's.
  const auto ms = times_txt("c-malloc-leak");
  REQUIRE(ms.size() == 8);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto k = std::stoul(rows[i][0]);
    REQUIRE(k >= 1);
    REQUIRE(k <= 8);
    CHECK(rows[i][1] == snap::test::path(fmt::format("c-malloc-leak/smaps.{:02}", k)));
    CHECK(rows[i][2] == std::to_string(ms[k - 1]));
  }
  auto value = [&](std::string_view finding, std::size_t snapshot, std::string_view counter) -> std::string {
    for (const auto& row : rows)
      if (row[5] == finding && row[0] == std::to_string(snapshot) && row[12] == counter) return row[13];
    FAIL("no row for finding ", finding, " snapshot ", snapshot, " ", counter);
    return {};
  };
  auto row_of = [&](std::string_view finding, std::size_t snapshot) {
    for (const auto& row : rows)
      if (row[5] == finding && row[0] == std::to_string(snapshot)) return row;
    FAIL("no row");
    return std::vector<std::string>{};
  };
  const auto heap = row_of("1", 1);
  CHECK(heap[3] == "2026-11-25T00:31:35.114Z");  // date -u -d @1795566695.114
  CHECK(heap[4] == "0");
  CHECK(row_of("1", 2)[4] == "1.025");
  CHECK(row_of("1", 8)[4] == "7.19");
  CHECK(heap[6] == "block");
  CHECK(heap[7] == "steady");
  CHECK(heap[8] == "heap");
  CHECK(heap[9] == "0x55c69e02f000");
  CHECK(heap[10] == "0x55c69ea91000");
  CHECK(heap[11] == "[heap]");
  // GROUND_TRUTH.md: [heap] Rss 1544 -> 10504 KiB, 5 x 256 KiB a snapshot;
  // Size 1672 -> 10632 KiB; one region throughout.
  for (std::size_t k = 1; k <= 8; ++k) {
    CAPTURE(k);
    CHECK(value("1", k, "rss") == std::to_string((1544 + 1280 * (k - 1)) * 1024));
    CHECK(value("1", k, "regions") == "1");
  }
  CHECK(value("1", 1, "size") == std::to_string(1672 * 1024));
  CHECK(value("1", 8, "size") == std::to_string(10632 * 1024));
  // worker1's arena: Rss 388 -> 2692 KiB, its rw-p part and its reserve.
  CHECK(row_of("2", 1)[9] == "0x7fcd80000000");
  CHECK(value("2", 1, "rss") == std::to_string(388 * 1024));
  CHECK(value("2", 8, "rss") == std::to_string(2692 * 1024));
  CHECK(value("2", 8, "regions") == "2");
  CHECK(value("2", 8, "size") == std::to_string(65536 * 1024));
}

TEST_CASE("trend CSV, thread-leak smaps.01..08: the population of stacks, by Rss and by count") {
  auto s = load_series("thread-leak", "smaps");
  std::string out;
  snap::emit_trend_csv(out, s.report);
  auto rows = read_csv(out);
  REQUIRE(rows.size() > 1);
  CHECK(rows[0] == kHeader);
  std::size_t expected = 0;
  for (const auto& fd : s.report.rows) expected += 8 * (fd.block ? 23 : 2);
  CHECK(rows.size() == 1 + expected);
  const auto ms = times_txt("thread-leak");
  std::vector<std::vector<std::string>> top;
  for (const auto& row : rows)
    if (row[5] == "1") top.push_back(row);
  REQUIRE(top.size() == 16);
  // GROUND_TRUTH.md: 5 -> 19 stacks of 72 KiB Rss each.
  for (std::size_t i = 0; i < 16; ++i) {
    const auto& row = top[i];
    CAPTURE(row[0]);
    CHECK(row[6] == "population");
    CHECK(row[7] == "steady");
    CHECK(row[8] == "thread-stack");
    CHECK(row[9].empty());
    CHECK(row[10].empty());
    CHECK(row[11] == "thread-stack 8192K+4K guard");
    CHECK(row[2] == std::to_string(ms[i / 2]));
  }
  CHECK(top[0][12] == "rss");
  CHECK(top[0][13] == std::to_string(5 * 72 * 1024));
  CHECK(top[1][12] == "regions");
  CHECK(top[1][13] == "5");
  CHECK(top[14][13] == std::to_string(19 * 72 * 1024));
  CHECK(top[15][13] == "19");
  CHECK(top[0][3] == "2026-11-25T15:41:01.924Z");  // date -u -d @1795621261.924
}

TEST_CASE("trend CSV: names and sources with commas, quotes and line breaks are quoted (RFC 4180)") {
  const std::string name = "/opt/my \"app\",v2/lib.so";
  std::vector<snap::Snapshot> snaps;
  for (unsigned i = 0; i < 4; ++i)
    snaps.push_back(snap::parse_snapshot(
        fmt::format("10000000-20000000 rw-p 00000000 08:01 42 {}\nSize: 262144 kB\nRss: {} kB\n", name, 4096 * i),
        fmt::format("snap,\n{}", i), snap::Format::smaps));
  snap::Timeline t;  // no times: the time columns stay empty
  auto r = snap::make_trend(snaps, t, {});
  REQUIRE(r.rows.size() == 1);
  std::string out;
  snap::emit_trend_csv(out, r);
  CHECK(out.find("\"/opt/my \"\"app\"\",v2/lib.so\"") != std::string::npos);
  auto rows = read_csv(out);
  // rss, size, accessible and regions, for each of 4 snapshots.
  REQUIRE(rows.size() == 1 + 4 * 4);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == kHeader.size());
    CHECK(rows[i][1] == fmt::format("snap,\n{}", std::stoul(rows[i][0]) - 1));
    CHECK(rows[i][2].empty());
    CHECK(rows[i][3].empty());
    CHECK(rows[i][4].empty());
    CHECK(rows[i][11] == name);
  }
  CHECK(rows[13][12] == "rss");
  CHECK(rows[13][13] == std::to_string(3 * 4096 * 1024));
}

TEST_CASE("trend JSON: byte and region counts are integers; rates stay floats; wall-clock times") {
  auto s = load_series("c-malloc-leak", "smaps");
  std::string json;
  snap::emit_trend_json(json, s.report);
  CHECK(json.find("60100608.0") == std::string::npos);
  auto j = nlohmann::json::parse(json);
  const auto ms = times_txt("c-malloc-leak");
  REQUIRE(j["snapshots"].size() == 8);
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(j["snapshots"][i]["epoch_ms"].is_number_integer());
    CHECK(j["snapshots"][i]["epoch_ms"] == ms[i]);
  }
  CHECK(j["snapshots"][0]["time"] == "2026-11-25T00:31:35.114Z");
  CHECK(j["snapshots"][7]["time"] == "2026-11-25T00:31:42.304Z");
  CHECK(j["snapshots"][1]["seconds"] == 1.025);

  auto integers = [](const nlohmann::json& stats) {
    CHECK(stats["growth"].is_number_integer());
    CHECK(stats["max_step"].is_number_integer());
    CHECK(stats["steps_up"].is_number_integer());
    for (const auto& v : stats["values"]) CHECK(v.is_number_integer());
    CHECK(stats["per_snapshot"].is_number_float());
    CHECK(stats["slope"].is_number_float());
    CHECK(stats["r2"].is_number_float());
  };
  const auto& heap = j["findings"][0];
  integers(heap["series"]);
  CHECK(heap["growth"].is_number_integer());
  CHECK(heap["growth"] == 8960 * 1024);
  CHECK(heap["rate"].is_number_float());
  CHECK(heap["series"]["max_step"] == 1280 * 1024);
  for (std::size_t i = 0; i < 8; ++i) CHECK(heap["series"]["values"][i] == (1544 + 1280 * i) * 1024);
  CHECK(heap["series"]["per_second"].is_number_float());
  for (const auto& item : j["totals"].items()) {
    const std::string name = item.key();  // clang 14 cannot capture a structured binding
    CAPTURE(name);
    integers(item.value());
  }
  CHECK(j["totals"]["rss"]["values"][0] == 3968 * 1024);  // GROUND_TRUTH.md: the sum of smaps Rss
  CHECK(j["totals"]["mappings"]["values"][7] == 32);
  CHECK(j["floor"].is_number_integer());

  auto t = load_series("thread-leak", "smaps");
  std::string tj;
  snap::emit_trend_json(tj, t.report);
  auto k = nlohmann::json::parse(tj);
  const auto& stacks = k["findings"][0];
  REQUIRE(stacks["kind"] == "population");
  integers(stacks["count"]);
  integers(stacks["series"]);
  CHECK(stacks["count"]["values"][0] == 5);
  CHECK(stacks["count"]["values"][7] == 19);
  CHECK(stacks["series"]["values"][7] == 19 * 72 * 1024);
  REQUIRE(!k["projections"].empty());
  CHECK(k["projections"][0]["limit"].is_number_integer());
  CHECK(k["projections"][0]["limit"] == 65530);
  CHECK(k["projections"][0]["eta"].is_number_float());
}

TEST_CASE("trend JSON: no wall-clock time with --interval alone, none at all without times") {
  std::vector<std::string> paths;
  for (int i = 1; i <= 3; ++i) paths.push_back(snap::test::path(fmt::format("thread-leak/smaps.{:02}", i)));
  std::vector<snap::Snapshot> snaps;
  for (const auto& p : paths) snaps.push_back(snap::read_snapshot(p));
  auto interval = snap::make_trend(snaps, snap::make_timeline(paths, 30.0), {});
  std::string out;
  snap::emit_trend_json(out, interval);
  auto j = nlohmann::json::parse(out);
  CHECK(j["snapshots"][2]["seconds"] == 60.0);
  CHECK(j["snapshots"][2]["epoch_ms"].is_null());
  CHECK(j["snapshots"][2]["time"].is_null());
  auto none = snap::make_trend(snaps, snap::Timeline{}, {});
  out.clear();
  snap::emit_trend_json(out, none);
  j = nlohmann::json::parse(out);
  CHECK(j["snapshots"][0]["seconds"].is_null());
  CHECK(j["snapshots"][0]["epoch_ms"].is_null());
}

TEST_CASE("sparkline: at most 32 cells; a steady line stays steady, a one-snapshot spike shows") {
  auto cells = [](const std::string& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
  };
  std::vector<double> ramp(125), flat(125, 7.0), spike(125, 100.0);
  for (std::size_t i = 0; i < 125; ++i) ramp[i] = 4096.0 * static_cast<double>(i);
  spike[60] = 900;  // inside a cell (58..61), not at its end
  const std::string r = snap::sparkline(ramp, false);
  CHECK(r.size() == 32);
  CHECK(cells(snap::sparkline(ramp, true)) == 32);
  CHECK(r.front() == ' ');
  CHECK(r.back() == '#');
  CHECK(std::is_sorted(r.begin(), r.end(), [](char a, char b) {
    return std::string_view(" .:-=+*#").find(a) < std::string_view(" .:-=+*#").find(b);
  }));
  CHECK(snap::sparkline(flat, false) == std::string(32, ' '));
  const std::string p = snap::sparkline(spike, false);
  CHECK(p.size() == 32);
  CHECK(std::count(p.begin(), p.end(), '#') == 1);
  CHECK(std::count(p.begin(), p.end(), ' ') == 31);
  // Up to 32 values, one cell each, as before.
  std::vector<double> few(32);
  for (std::size_t i = 0; i < 32; ++i) few[i] = static_cast<double>(i % 8);
  CHECK(snap::sparkline(few, false) == " .:-=+*# .:-=+*# .:-=+*# .:-=+*#");
  CHECK(snap::sparkline(std::vector<double>(33, 1.0), true) == [] {
    std::string s;
    for (int i = 0; i < 32; ++i) s += "▁";
    return s;
  }());
}
