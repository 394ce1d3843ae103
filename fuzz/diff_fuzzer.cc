// The diff of two fuzzed snapshots, as snapdiff BEFORE AFTER does it: the
// input is split at its first form feed (none: the input against itself),
// each half detected and parsed, then compare + make_report and every
// emitter. The JSON must parse.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "check.h"
#include "snap/diff.h"
#include "snap/emit.h"
#include "snap/parse.h"
#include "snap/report.h"

namespace {

// Nothing is lost or counted twice: every region of every snapshot is a
// member of exactly one block, inside its bounds, and a block's side is
// the sum of its members, so the sides of a snapshot add up to its totals.
void check_conservation(const std::vector<snap::Snapshot>& snaps, const snap::Comparison& c) {
  std::vector<std::size_t> seen(snaps.size(), 0);
  std::vector<snap::Counters> side_sum(snaps.size());
  for (const snap::Block& b : c.blocks) {
    SNAP_FUZZ_CHECK(b.sides.size() == snaps.size());
    std::uint64_t lo = UINT64_MAX, hi = 0;
    std::vector<snap::Counters> member_sum(snaps.size());
    std::vector<std::uint32_t> member_count(snaps.size(), 0);
    for (const snap::RegionRef& m : b.members()) {
      SNAP_FUZZ_CHECK(m.snapshot < snaps.size() && m.region < snaps[m.snapshot].regions.size());
      const snap::Region& r = snaps[m.snapshot].regions[m.region];
      SNAP_FUZZ_CHECK(b.start <= r.start && r.end <= b.end);
      lo = std::min(lo, r.start);
      hi = std::max(hi, r.end);
      member_sum[m.snapshot] += r.counters;
      ++member_count[m.snapshot];
      ++seen[m.snapshot];
    }
    // A block is the union of its members, no wider.
    SNAP_FUZZ_CHECK(lo == b.start && hi == b.end);
    for (std::size_t k = 0; k < snaps.size(); ++k) {
      SNAP_FUZZ_CHECK(b.sides[k].regions == member_count[k]);
      SNAP_FUZZ_CHECK(b.sides[k].counters == member_sum[k]);
      side_sum[k] += b.sides[k].counters;
    }
  }
  for (std::size_t k = 0; k < snaps.size(); ++k) {
    SNAP_FUZZ_CHECK(seen[k] == snaps[k].regions.size());
    SNAP_FUZZ_CHECK(c.mappings[k] == snaps[k].regions.size());
    for (std::size_t f = 0; f < snap::kFieldCount; ++f) {
      const auto field = static_cast<snap::Field>(f);
      if (snap::is_additive(field) && c.knows(field))
        SNAP_FUZZ_CHECK(side_sum[k].value_or_zero(field) == snaps[k].totals.value_or_zero(field));
    }
  }
}

// The headline: every block that grew is counted once, past the noise
// floor (alone or in a link) or below it, and the growth adds up to theirs;
// the exit status says whether anything grew past the floor.
void check_report(const snap::DiffReport& r) {
  std::size_t grew = 0;
  std::int64_t growth = 0;
  for (const snap::Block& b : r.comparison.blocks)
    if (snap::is_growing(b, r.sort, 0)) {
      ++grew;
      growth = snap::saturating_add(growth, b.delta(r.sort));
    }
  SNAP_FUZZ_CHECK(r.floor >= snap::kFloorMinimum && r.floor <= snap::kFloorMaximum);
  SNAP_FUZZ_CHECK(r.growing + r.below_floor + r.churned == grew);
  if (growth < INT64_MAX && r.churned == 0)
    SNAP_FUZZ_CHECK(snap::saturating_add(r.growth, r.below_floor_growth) == growth);
  SNAP_FUZZ_CHECK(r.exit_status() == (r.growing > 0 ? 1 : 0));
  SNAP_FUZZ_CHECK(r.findings <= r.growing);
  SNAP_FUZZ_CHECK(r.rows.size() + r.hidden <= r.comparison.blocks.size());
  SNAP_FUZZ_CHECK(r.row_link.size() == r.rows.size());
  std::size_t linked = 0;
  for (const snap::Link& l : r.links) {
    SNAP_FUZZ_CHECK(l.blocks.size() >= 2);
    SNAP_FUZZ_CHECK(l.quantum >= snap::kMinQuantum);
    linked += l.blocks.size();
    for (std::size_t b : l.blocks) {
      const snap::Block& block = r.comparison.blocks[b];
      // Unsigned: a rise past 2^63 saturates the signed delta.
      auto size_at = [&](std::size_t i) {
        return block.sides[i].present() ? block.sides[i].counters.value_or_zero(snap::Field::size) : 0;
      };
      const std::uint64_t before = size_at(0), after = size_at(block.sides.size() - 1);
      SNAP_FUZZ_CHECK(snap::is_growing(block, r.sort, 0));
      SNAP_FUZZ_CHECK(after > before && (after - before) % l.quantum == 0);
    }
  }
  SNAP_FUZZ_CHECK(linked <= r.growing);
}

void run(const std::vector<snap::Snapshot>& snaps, bool all) {
  // Blocks are disjoint and in address order.
  const snap::Comparison c = snap::compare(snaps);
  for (std::size_t i = 0; i < c.blocks.size(); ++i) {
    SNAP_FUZZ_CHECK(c.blocks[i].start < c.blocks[i].end);
    if (i > 0) SNAP_FUZZ_CHECK(c.blocks[i - 1].end <= c.blocks[i].start);
  }
  check_conservation(snaps, c);
  snap::DiffOptions o;
  o.all = all;
  const snap::DiffReport r = snap::make_report(snaps, o);
  check_report(r);
  std::string kib, human, json, csv;
  snap::emit_text(kib, r, {snap::SizeStyle::kib, false});
  snap::emit_text(human, r, {snap::SizeStyle::human, true});
  snap::emit_json(json, r);
  snap::emit_csv(csv, r);
  SNAP_FUZZ_CHECK(nlohmann::json::parse(json, nullptr, false).is_object());
#ifdef SNAP_CHECK_NO_CONTROL
  snap::fuzz::check_no_control(kib);
  snap::fuzz::check_no_control(human, snap::fuzz::Text::colour);
  snap::fuzz::check_no_control(csv, snap::fuzz::Text::csv);
#endif
#ifdef SNAP_CHECK_JSON_NAMES
  const auto doc = nlohmann::json::parse(json);
  for (std::size_t row = 0; row < r.rows.size(); ++row) {
    const auto& j = doc["blocks"][row];
    snap::fuzz::check_json_name(j, "name", r.row(row).name);
    for (std::size_t t = 0; t < r.row(row).threads.size(); ++t)
      snap::fuzz::check_json_name(j["threads"][t], "name", r.row(row).threads[t].name);
  }
#endif
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const std::size_t ff = all.find('\f');
  const std::string_view before = ff == std::string_view::npos ? all : all.substr(0, ff);
  const std::string_view after = ff == std::string_view::npos ? all : all.substr(ff + 1);
  std::vector<snap::Snapshot> snaps;
  try {
    snaps.push_back(snap::parse_snapshot(before, "before"));
    snaps.push_back(snap::parse_snapshot(after, "after"));
    for (const auto& s : snaps) snap::fuzz::check_snapshot(s);
    run(snaps, size % 2 == 0);
  } catch (const snap::ParseError& e) {
    // A parse error, or compare() refusing a snapshot without ranges.
    const std::string_view what = e.what();
    SNAP_FUZZ_CHECK(what.starts_with("before") || what.starts_with("after"));
  }
  return 0;
}
