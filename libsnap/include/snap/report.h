// What snapdiff shows: the ranked, filtered view of a Comparison.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "snap/category.h"
#include "snap/diff.h"
#include "snap/link.h"
#include "snap/nmt_join.h"
#include "snap/ranking.h"

namespace snap {

/// Two snapshots are ranked by the options both modes share.
struct DiffOptions : FindingOptions {};

inline constexpr std::size_t kNoLink = SIZE_MAX;

struct DiffReport {
  std::vector<const Snapshot*> snapshots;  // in order; first and last are compared
  Comparison comparison;
  Field sort = Field::rss;         // the counter actually ranked by
  std::string sort_note;           // why it differs from the one asked for, if it does
  /// What to print, ranked by finding: a block, or the members of a link
  /// one after the other (row_link says which), largest first. Indexes
  /// into comparison.blocks, so that a report can be copied and kept.
  std::vector<std::size_t> rows;
  std::vector<std::size_t> row_link;  // per row: index into links, or kNoLink
  std::size_t growing_rows = 0;       // rows [0, growing_rows) are growing; the rest only with --all
  std::vector<Link> links;            // growing blocks linked by allocation size (link.h)
  std::size_t growing = 0;            // blocks in growing findings (pre --top)
  std::size_t findings = 0;           // growing findings: a link counts once (pre --top)
  std::size_t hidden = 0;             // growing blocks cut by --top
  std::int64_t growth = 0;            // sum of the sort counter's delta over growing blocks
  std::int64_t largest_growth = 0;    // of the largest growing finding (a block, or a link's sum)
  std::uint64_t floor = 0;            // the noise floor applied
  std::size_t below_floor = 0;        // blocks that grew, but less than the floor, and not linked
  std::int64_t below_floor_growth = 0;
  /// New mappings of one shape in place of as many gone ones (a thread pool
  /// renewing its threads): churn, counted neither as growth nor below the floor.
  std::size_t churned = 0;
  DiffOptions options;
  std::optional<NmtJoin> nmt;         // when options.nmt was given

  /// diff(1) style: 0 nothing grew past the noise floor and --min-growth, 1 something did.
  int exit_status() const { return growing > 0 ? 1 : 0; }
  /// The block of row `i`.
  const Block& row(std::size_t i) const { return comparison.blocks[rows[i]]; }
  /// The growing blocks shown, members of links included: what --gdb dumps.
  /// Valid while this report is.
  std::vector<const Block*> growing_blocks() const {
    std::vector<const Block*> out;
    for (std::size_t i = 0; i < growing_rows; ++i) out.push_back(&row(i));
    return out;
  }
  /// Every block shown, growing or not (--all), in order; valid while this report is.
  std::vector<const Block*> row_blocks() const {
    std::vector<const Block*> out;
    for (std::size_t i = 0; i < rows.size(); ++i) out.push_back(&row(i));
    return out;
  }
};

/// Throws UsageError (snap/error.h) when the asked sort counter is unknown in
/// a snapshot (e.g. --sort pss on pmap -x), or when options.nmt holds no
/// NMT detail.
DiffReport make_report(std::span<const Snapshot> snapshots, const DiffOptions& options);

/// Whether a block grew under `sort`: new, grown or replaced, and its
/// `sort` delta at least `min_growth` and above 0.
bool is_growing(const Block& b, Field sort, std::uint64_t min_growth);

}  // namespace snap
