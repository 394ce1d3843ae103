// What snapdiff shows: the ranked, filtered view of a Comparison.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "snap/category.h"
#include "snap/diff.h"
#include "snap/nmt_join.h"

namespace snap {

struct DiffOptions {
  /// Ranking counter. Rss by default; falls back to Accessible (Size less
  /// ---p reserves) when a snapshot lacks Rss (maps, plain pmap).
  std::optional<Field> sort;
  std::uint64_t min_growth = 0;      // bytes; a block must grow by more
  std::optional<std::size_t> top;    // rows; default: every grower, capped at 20
  std::vector<Category> categories;  // empty: all
  bool all = false;                  // also list blocks that did not grow
  /// NMT output in capture order (at least one detail): categories from
  /// NMT's regions, and the inside/outside join (DiffReport::nmt).
  std::span<const Nmt> nmt;
};

inline constexpr std::size_t kDefaultTopCap = 20;

struct DiffReport {
  std::vector<const Snapshot*> snapshots;  // in order; first and last are compared
  Comparison comparison;
  Field sort = Field::rss;         // the counter actually ranked by
  std::string sort_note;           // why it differs from the one asked for, if it does
  std::vector<const Block*> rows;  // what to print, ranked
  std::size_t growing = 0;         // blocks that grew above the threshold (pre --top)
  std::size_t hidden = 0;          // growing blocks cut by --top
  std::int64_t growth = 0;         // sum of the sort counter's delta over growing blocks
  DiffOptions options;
  std::optional<NmtJoin> nmt;      // when options.nmt was given

  /// diff(1) style: 0 no block grew above the threshold, 1 some did.
  int exit_status() const { return growing > 0 ? 1 : 0; }
};

/// The counter to rank by: `asked` (Rss when not given) if every snapshot
/// knows it. An unknown default falls back to Accessible and says why in
/// `note`; an unknown `asked` throws std::invalid_argument.
Field pick_counter(const Comparison& c, std::span<const Snapshot> snapshots, std::optional<Field> asked,
                   std::string& note);

/// Throws std::invalid_argument when the asked sort counter is unknown in
/// a snapshot (e.g. --sort pss on pmap -x), or when options.nmt holds no
/// NMT detail.
DiffReport make_report(std::span<const Snapshot> snapshots, const DiffOptions& options);

/// Whether a block counts as growing under `sort`: new, grown or replaced,
/// and its `sort` delta above `min_growth`.
bool is_growing(const Block& b, Field sort, std::uint64_t min_growth);

}  // namespace snap
