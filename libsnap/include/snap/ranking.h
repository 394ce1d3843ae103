// The ranking both modes share: which findings count as grown (the noise
// floor and --min-growth), their order, and the --top cut. Two snapshots
// rank blocks and links by growth; a trend ranks blocks, links and
// populations by verdict, rate or growth (TrendOrder); the rule around
// the order is this one.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "snap/category.h"
#include "snap/counters.h"
#include "snap/diff.h"
#include "snap/nmt.h"
#include "snap/snapshot.h"

namespace snap {

inline constexpr std::size_t kDefaultTopCap = 20;

/// What both modes rank by and keep: the options a two-snapshot report
/// (DiffOptions) and a trend (TrendOptions) share.
struct FindingOptions {
  /// Ranking counter. Rss by default; falls back to Accessible (Size less
  /// ---p reserves) when a snapshot lacks Rss (maps, plain pmap).
  std::optional<Field> counter;
  std::uint64_t min_growth = 0;  // bytes; a finding must grow by at least this
  /// The noise floor; by default noise_floor() of the comparison. 0 turns
  /// it off: every page counts.
  std::optional<std::uint64_t> floor;
  std::optional<std::size_t> top;    // findings; default: every grower, capped at 20
  std::vector<Category> categories;  // empty: all
  bool all = false;                  // also list findings that did not grow
  /// NMT output in capture order (at least one detail): NMT's categories
  /// replace the shape categories before anything is grouped, filtered or
  /// ranked, and the inside/outside join is made.
  std::span<const Nmt> nmt;
};

/// The counter to rank by: `asked` (Rss when not given) if every snapshot
/// knows it. An unknown default falls back to Accessible and says why in
/// `note`; an unknown `asked` throws UsageError (snap/error.h).
Field pick_counter(const Comparison& c, std::span<const Snapshot> snapshots, std::optional<Field> asked,
                   std::string& note);

/// The noise floor: growth below it is a page touched now and then, not a
/// leak. 1% of the summed growth of every block that grew in `f` (first to
/// last), at least 64 KiB, and at most 1 MiB: a heap committing 2 GiB once
/// must not hide a 2 MiB-a-step leak beside it. One rule for two snapshots
/// and for trends.
std::uint64_t noise_floor(const Comparison& c, Field f);
inline constexpr std::uint64_t kFloorMinimum = 64 * 1024;
inline constexpr std::uint64_t kFloorMaximum = 1024 * 1024;


/// What a finding must grow by to be one: at least the noise floor and
/// at least --min-growth (a finding is a block, or blocks linked by one
/// allocation size, or a population).
struct GrowthBar {
  std::uint64_t floor = 0;       // bytes (noise_floor() unless given)
  std::uint64_t min_growth = 0;  // bytes (--min-growth)

  std::uint64_t threshold() const { return std::max(floor, min_growth); }
  bool passes(double growth) const {
    return growth >= static_cast<double>(floor) && growth >= static_cast<double>(min_growth);
  }
};

/// How many findings are shown: --top N; else every one with --all, else
/// at most kDefaultTopCap.
inline std::size_t top_limit(std::optional<std::size_t> top, bool all) {
  return top.value_or(all ? SIZE_MAX : kDefaultTopCap);
}

/// How many of each list rank_findings leaves shown, from their fronts.
struct TopCut {
  std::size_t growing = 0;
  std::size_t others = 0;  // only with --all: after every growing one shown
};

/// Orders `growing` and `others` by `before` (stably: equal findings keep
/// the order they were found in) and cuts them to --top: growing findings
/// first, then, with --all, the others, up to one limit for both.
template <class Finding, class Before>
TopCut rank_findings(std::vector<Finding>& growing, std::vector<Finding>& others, Before before,
                     std::optional<std::size_t> top, bool all) {
  std::stable_sort(growing.begin(), growing.end(), before);
  std::stable_sort(others.begin(), others.end(), before);
  const std::size_t limit = top_limit(top, all);
  TopCut cut;
  cut.growing = std::min(limit, growing.size());
  if (all) cut.others = std::min(limit - cut.growing, others.size());
  return cut;
}

}  // namespace snap
