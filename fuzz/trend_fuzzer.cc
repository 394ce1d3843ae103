// The trend over 3 to 8 fuzzed snapshots, as snapdiff A B C ... does it:
// the input is split at every form feed (fewer than three parts: nothing
// to do; more than eight: the first eight), each part detected and parsed,
// then make_trend with the default options and with options taken from the
// input's last byte, every trend emitter, and the gates. The JSON must
// parse and list as many findings as the report has rows.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "check.h"
#include "snap/emit.h"
#include "snap/gate.h"
#include "snap/link.h"
#include "snap/parse.h"
#include "snap/report.h"
#include "snap/timeline.h"
#include "snap/trend.h"

namespace {

constexpr std::size_t kMinSnapshots = 3;
constexpr std::size_t kMaxSnapshots = 8;

bool grows(snap::Verdict v) {
  return snap::steadily_growing(v) || v == snap::Verdict::stepwise || v == snap::Verdict::noisy;
}

/// Steady and emerging rank together (trend.cc's ranking).
int rank(snap::Verdict v) {
  return v == snap::Verdict::emerging ? static_cast<int>(snap::Verdict::steady) : static_cast<int>(v);
}

/// The verdict rule's promises about one series judged against `floor`.
void check_series(const snap::SeriesStats& s, std::size_t n, double floor) {
  SNAP_FUZZ_CHECK(s.values.size() == n);
  SNAP_FUZZ_CHECK(s.growth == s.values.back() - s.values.front());
  if (snap::steadily_growing(s.verdict)) SNAP_FUZZ_CHECK(s.growth >= floor && s.growth > 0);
  if (s.verdict == snap::Verdict::shrinking) SNAP_FUZZ_CHECK(s.growth < 0 && s.growth <= -floor);
  if (s.verdict == snap::Verdict::emerging)
    SNAP_FUZZ_CHECK(s.since >= 3 && s.since < n);
  else
    SNAP_FUZZ_CHECK(s.since == 0);
}

/// Rises in Size from snapshot to snapshot (0 where the block is absent),
/// as link.h defines them.
std::vector<std::uint64_t> size_rises(const snap::Block& b) {
  auto size_at = [&](std::size_t i) {
    return b.sides[i].present() ? b.sides[i].counters.value_or_zero(snap::Field::size) : 0;
  };
  std::vector<std::uint64_t> rises;
  for (std::size_t i = 1; i < b.sides.size(); ++i)
    if (size_at(i) > size_at(i - 1)) rises.push_back(size_at(i) - size_at(i - 1));
  return rises;
}

void check_links(const snap::TrendReport& r, std::size_t n) {
  std::vector<bool> linked(r.blocks.size(), false);
  for (const snap::LinkTrend& lt : r.links) {
    const snap::Link& l = lt.link;
    check_series(lt.stats, n, r.floor);
    SNAP_FUZZ_CHECK(l.blocks.size() >= 2);
    SNAP_FUZZ_CHECK(l.quantum >= snap::kMinQuantum);
    SNAP_FUZZ_CHECK(std::adjacent_find(l.blocks.begin(), l.blocks.end(), std::greater_equal<>()) ==
                    l.blocks.end());
    for (std::size_t b : l.blocks) {
      SNAP_FUZZ_CHECK(b < r.blocks.size());
      // A block is in one link at most.
      SNAP_FUZZ_CHECK(!linked[b]);
      linked[b] = true;
      const snap::Block& block = r.block(r.blocks[b]);
      SNAP_FUZZ_CHECK(block.category == l.category);
      // A candidate grew by the ranking counter, and its Size rose at
      // least once by whole allocations (every rise of a block the
      // quantum was found from; two or more of a block that joined with
      // mixed rises).
      SNAP_FUZZ_CHECK(r.blocks[b].stats.growth > 0);
      const std::vector<std::uint64_t> rises = size_rises(block);
      SNAP_FUZZ_CHECK(std::any_of(rises.begin(), rises.end(),
                                  [&](std::uint64_t rise) { return rise % l.quantum == 0; }));
    }
  }
}

void check_rows(const snap::TrendReport& r, const snap::TrendOptions& o) {
  const std::size_t limit = o.top.value_or(o.all ? SIZE_MAX : snap::kDefaultTopCap);
  const std::size_t shown = std::min(limit, r.growing);
  SNAP_FUZZ_CHECK(r.hidden == r.growing - shown);
  if (o.all)
    SNAP_FUZZ_CHECK(r.rows.size() >= shown && r.rows.size() <= limit);
  else
    SNAP_FUZZ_CHECK(r.rows.size() == shown);
  // The growing findings first, ranked; with --all the others after them.
  double largest = 0;
  std::vector<bool> taken(r.blocks.size(), false);
  std::size_t gdb_blocks = 0;
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const snap::Finding& fd = r.rows[i];
    SNAP_FUZZ_CHECK((fd.block ? 1 : 0) + (fd.link ? 1 : 0) + (fd.population ? 1 : 0) == 1);
    const bool above = grows(fd.verdict) && fd.growth >= r.floor && fd.growth >= static_cast<double>(o.min_growth);
    if (i < shown) {
      SNAP_FUZZ_CHECK(grows(fd.verdict));
      // A population of threads may grow by count alone.
      if (!fd.population) SNAP_FUZZ_CHECK(above);
      if (o.order == snap::TrendOrder::steady && i > 0) SNAP_FUZZ_CHECK(rank(r.rows[i - 1].verdict) <= rank(fd.verdict));
      largest = std::max(largest, fd.growth);
    } else {
      if (!fd.population) SNAP_FUZZ_CHECK(!above);
      // Not a finding: its blocks are not folded under it.
      SNAP_FUZZ_CHECK(fd.members.empty());
    }
    if (fd.block) {
      const std::size_t b = *fd.block;
      SNAP_FUZZ_CHECK(b < r.blocks.size() && fd.verdict == r.blocks[b].stats.verdict);
      SNAP_FUZZ_CHECK(fd.members.empty());
      // A block is a row of its own, or a member of one finding, never both.
      SNAP_FUZZ_CHECK(!taken[b]);
      taken[b] = true;
      if (i < shown) ++gdb_blocks;
    }
    if (fd.link) {
      std::vector<std::size_t> members = fd.members;
      std::sort(members.begin(), members.end());
      if (i < shown) SNAP_FUZZ_CHECK(members == r.link_trend(fd).link.blocks);
    }
    if (fd.population && !fd.members.empty()) {
      const std::vector<std::size_t>& of = r.population(fd).blocks;
      for (std::size_t b : fd.members) SNAP_FUZZ_CHECK(std::find(of.begin(), of.end(), b) != of.end());
    }
    // Largest growth first.
    for (std::size_t k = 1; k < fd.members.size(); ++k)
      SNAP_FUZZ_CHECK(r.blocks[fd.members[k - 1]].stats.growth >= r.blocks[fd.members[k]].stats.growth);
    for (std::size_t b : fd.members) {
      SNAP_FUZZ_CHECK(b < r.blocks.size());
      SNAP_FUZZ_CHECK(!taken[b]);
      taken[b] = true;
      ++gdb_blocks;
    }
  }
  if (shown > 0) SNAP_FUZZ_CHECK(largest <= r.largest_growth);
  SNAP_FUZZ_CHECK(r.exit_status() == (r.growing > 0 ? 1 : 0));
  // gdb gets each block of the growing rows once.
  const std::vector<const snap::Block*> gdb = r.growing_blocks();
  SNAP_FUZZ_CHECK(gdb.size() == gdb_blocks);
  std::vector<const snap::Block*> sorted = gdb;
  std::sort(sorted.begin(), sorted.end());
  SNAP_FUZZ_CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
}

void check_trend(const snap::TrendReport& r, const snap::TrendOptions& o, std::size_t n) {
  if (o.floor)
    SNAP_FUZZ_CHECK(r.floor == static_cast<double>(*o.floor));
  else
    SNAP_FUZZ_CHECK(r.floor >= static_cast<double>(snap::kFloorMinimum) &&
                    r.floor <= static_cast<double>(snap::kFloorMaximum));
  SNAP_FUZZ_CHECK(r.snapshots.size() == n);
  SNAP_FUZZ_CHECK(r.blocks.size() == r.comparison.blocks.size());
  for (std::size_t b = 0; b < r.blocks.size(); ++b) {
    SNAP_FUZZ_CHECK(r.blocks[b].block == b);
    check_series(r.blocks[b].stats, n, r.floor);
  }
  for (const snap::Population& p : r.populations) {
    check_series(p.total, n, r.floor);
    SNAP_FUZZ_CHECK(p.count.values.size() == n);
    for (std::size_t b : p.blocks) SNAP_FUZZ_CHECK(b < r.blocks.size());
  }
  for (const auto& total : r.totals) check_series(total.second, n, r.floor);
  SNAP_FUZZ_CHECK(r.mappings.values.size() == n);
  check_links(r, n);
  check_rows(r, o);
}

void emit_and_gate(const snap::TrendReport& r) {
  std::string unicode, ascii, json, csv;
  snap::emit_trend_text(unicode, r, {snap::SizeStyle::kib, false, true});
  snap::emit_trend_text(ascii, r, {snap::SizeStyle::human, true, false});
  snap::emit_trend_json(json, r);
  snap::emit_trend_csv(csv, r);
  SNAP_FUZZ_CHECK(!unicode.empty() && !ascii.empty() && !csv.empty());
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  SNAP_FUZZ_CHECK(doc.is_object());
  SNAP_FUZZ_CHECK(doc.contains("findings") && doc["findings"].is_array());
  SNAP_FUZZ_CHECK(doc["findings"].size() == r.rows.size());
  SNAP_FUZZ_CHECK(doc["growing"] == r.growing && doc["hidden"] == r.hidden);
#ifdef SNAP_CHECK_NO_CONTROL
  snap::fuzz::check_no_control(unicode);
  snap::fuzz::check_no_control(ascii, snap::fuzz::Text::colour);
  snap::fuzz::check_no_control(csv, snap::fuzz::Text::csv);
#endif
#ifdef SNAP_CHECK_JSON_NAMES
  for (std::size_t row = 0; row < r.rows.size(); ++row)
    if (r.rows[row].block) snap::fuzz::check_json_name(doc["findings"][row], "name", r.block(r.block_trend(r.rows[row])).name);
#endif

  // --fail-above 1: any finding that grew a byte trips it.
  const snap::GateResult above = snap::check_gate(r, snap::Gate{1, std::nullopt});
  SNAP_FUZZ_CHECK(!above.reason.empty());
  if (r.largest_growth >= 1) SNAP_FUZZ_CHECK(above.tripped);
  try {
    const snap::GateResult both = snap::check_gate(r, snap::Gate{1, 1.0});
    SNAP_FUZZ_CHECK(r.times_known());
    SNAP_FUZZ_CHECK(!both.reason.empty());
    if (above.tripped) SNAP_FUZZ_CHECK(both.tripped);
  } catch (const snap::UsageError&) {
    // A rate needs capture times.
    SNAP_FUZZ_CHECK(!r.times_known());
  }
}

/// Options from one byte: the noise floor (default, 0, or 4K), --all,
/// --top 1, the order.
snap::TrendOptions options_from(std::uint8_t byte) {
  snap::TrendOptions o;
  switch (byte & 3) {
    case 1: o.floor = 0; break;
    case 2: o.floor = 4096; break;
    default: break;
  }
  o.all = (byte & 4) != 0;
  if (byte & 8) o.top = 1;
  switch ((byte >> 4) & 3) {
    case 1: o.order = snap::TrendOrder::growth; break;
    case 2: o.order = snap::TrendOrder::rate; break;
    default: break;
  }
  return o;
}

void run(const std::vector<snap::Snapshot>& snaps, const snap::Timeline& timeline, std::uint8_t byte) {
  const std::size_t n = snaps.size();
  const snap::TrendOptions defaults;
  const snap::TrendReport r = snap::make_trend(snaps, timeline, defaults);
  SNAP_FUZZ_CHECK(r.times_known() == !timeline.seconds.empty());
  check_trend(r, defaults, n);
  emit_and_gate(r);
  const snap::TrendOptions o = options_from(byte);
  const snap::TrendReport f = snap::make_trend(snaps, timeline, o);
  check_trend(f, o, n);
  emit_and_gate(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  for (std::size_t from = 0; parts.size() < kMaxSnapshots;) {
    const std::size_t ff = input.find('\f', from);
    parts.push_back(input.substr(from, ff == std::string_view::npos ? std::string_view::npos : ff - from));
    if (ff == std::string_view::npos) break;
    from = ff + 1;
  }
  if (parts.size() < kMinSnapshots) return 0;
  snap::Timeline timeline;
  std::vector<snap::Snapshot> snaps;
  try {
    for (std::size_t i = 0; i < parts.size(); ++i) {
      timeline.paths.push_back(fmt::format("snap.{:02}", i + 1));
      snaps.push_back(snap::parse_snapshot(parts[i], timeline.paths.back()));
      snap::fuzz::check_snapshot(snaps.back());
    }
    if (size % 2 == 1) {
      for (std::size_t i = 0; i < parts.size(); ++i) timeline.seconds.push_back(static_cast<double>(i));
      timeline.source = snap::TimeSource::interval;
    }
    run(snaps, timeline, data[size - 1]);
  } catch (const snap::ParseError& e) {
    // A parse error, or compare() refusing a snapshot without ranges.
    SNAP_FUZZ_CHECK(std::string_view(e.what()).starts_with("snap."));
  }
  return 0;
}
