// The library's pipeline (snap/series.h, snap/analyze.h): what snapdiff
// loads and computes, as values a caller can copy, keep and drop.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "snap/analyze.h"
#include "snap/emit.h"
#include "testdata.h"

namespace {

using snap::test::KiB;

std::shared_ptr<const snap::Series> load(std::vector<std::string> inputs, std::size_t skip = 0) {
  snap::SeriesOptions o;
  for (auto& i : inputs) o.inputs.push_back(snap::test::path(i));
  o.skip = skip;
  return std::make_shared<const snap::Series>(snap::load_series(o));
}

std::string text_of(const snap::DiffReport& r) {
  std::string out;
  snap::emit_text(out, r, {});
  return out;
}

std::string text_of(const snap::TrendReport& r) {
  std::string out;
  snap::emit_trend_text(out, r, {});
  return out;
}

}  // namespace

TEST_CASE("a DiffReport copied, its original destroyed, reads the same (rows are block indexes)") {
  auto series = load({"c-malloc-leak/smaps.01", "c-malloc-leak/smaps.08"});
  std::optional<snap::Analysis> original = snap::analyze(series, {});
  REQUIRE(original->diff);
  const std::string before = text_of(*original->diff);
  const snap::DiffReport copy = *original->diff;
  original.reset();  // the copy's rows must not point into it
  REQUIRE(copy.rows.size() >= 3);
  // c-malloc-leak: the heap +8960 KiB, then worker1's arena +2304 KiB.
  CHECK(copy.row(0).start == 0x55c69e02f000);
  CHECK(copy.row(0).delta(snap::Field::rss) == 8960 * static_cast<std::int64_t>(KiB));
  CHECK(copy.row(1).start == 0x7fcd80000000);
  CHECK(copy.growing_blocks().front() == &copy.row(0));
  CHECK(text_of(copy) == before);
}

TEST_CASE("a TrendReport copied, its original destroyed, reads the same (findings are indexes)") {
  auto series = load({"thread-leak"});
  std::optional<snap::Analysis> original = snap::analyze(series, {});
  REQUIRE(original->trend);
  const std::string before = text_of(*original->trend);
  const snap::Analysis copy = *original;
  original.reset();
  const snap::TrendReport& r = *copy.trend;
  REQUIRE(!r.rows.empty());
  // The thread stacks born one by one: a population, first.
  CHECK(r.population(r.rows[0]).key == "thread-stack 8192K+4K guard");
  CHECK(r.stats(r.rows[0]).values.size() == 8);
  for (std::size_t b : r.rows[0].members) CHECK(r.block(r.blocks[b]).category == snap::Category::thread_stack);
  CHECK(copy.growing_blocks().size() == r.growing_blocks().size());
  CHECK(text_of(r) == before);
}

TEST_CASE("load_series: times, --skip and its note, in the order snapdiff prints them") {
  auto s = load({"c-malloc-leak"}, 2);
  CHECK(s->trend());
  CHECK(s->snapshots.size() == 6);
  CHECK(s->timeline.paths.front().ends_with("smaps.03"));
  REQUIRE(!s->messages.empty());
  const snap::Message& m = s->messages.back();
  CHECK(m.kind == snap::Message::Kind::note);
  CHECK(m.text == "note: comparing 6 of 8 snapshots, from " + s->timeline.paths.front());
}

TEST_CASE("load_series: a single file is a usage error, after what expanding said") {
  snap::SeriesOptions o;
  o.inputs = {snap::test::path("c-malloc-leak/smaps.01")};
  CHECK_THROWS_AS(snap::load_series(o), snap::SeriesUsageError);
}

TEST_CASE("--min-growth travels from AnalyzeOptions to the ranking, in both modes") {
  auto two = load({"c-malloc-leak/smaps.01", "c-malloc-leak/smaps.08"});
  snap::AnalyzeOptions o;
  o.min_growth = 4 * 1024 * KiB;  // only the heap (+8960 KiB) passes
  auto d = snap::analyze(two, o);
  CHECK(d.diff->growing == 1);
  CHECK(d.diff->row(0).start == 0x55c69e02f000);
  CHECK(d.exit_status() == 1);

  auto trend = load({"c-malloc-leak"});
  auto t = snap::analyze(trend, o);
  REQUIRE(t.trend);
  CHECK(t.trend->growing == 1);
  CHECK(t.trend->block(t.trend->block_trend(t.trend->rows[0])).start == 0x55c69e02f000);

  o.min_growth = 64 * 1024 * KiB;  // nothing
  CHECK(snap::analyze(two, o).exit_status() == 0);
  CHECK(snap::analyze(trend, o).exit_status() == 0);
}

TEST_CASE("the gate decides the exit status when given") {
  auto two = load({"c-malloc-leak/smaps.01", "c-malloc-leak/smaps.08"});
  snap::AnalyzeOptions o;
  o.gate.above = 1024 * 1024 * KiB;  // 1 GiB: not reached
  auto a = snap::analyze(two, o);
  REQUIRE(a.gate);
  CHECK(!a.gate->tripped);
  CHECK(a.diff->exit_status() == 1);
  CHECK(a.exit_status() == 0);
  o.gate = {};
  o.gate.rate = 1.0;  // two snapshots have no rate
  CHECK_THROWS_AS(snap::analyze(two, o), snap::UsageError);
}
