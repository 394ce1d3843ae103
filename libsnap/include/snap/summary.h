// One snapshot on its own: its totals, a breakdown by category, and the
// mappings that hold the most memory. What snapshow prints.
//
// Contract: every amount is in bytes. A total the format does not give is
// unknown (Counters::known false, Measure::get nullopt), never 0: pmap -x
// has no Pss, maps no Rss, smaps_rollup no Size. Category totals and
// mapping rows know exactly the counters the snapshot's totals know, so the
// categories always sum back to the totals. smaps_rollup has totals only:
// its breakdown and top list are empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "snap/category.h"
#include "snap/nmt_join.h"
#include "snap/counters.h"
#include "snap/region.h"
#include "snap/snapshot.h"

namespace snap {

/// What a summary sums and ranks by: a counter, or USS (Unique Set Size:
/// Private_Clean + Private_Dirty, the memory that would be freed if the
/// process exited), which smaps does not print as a line of its own.
class Measure {
 public:
  static constexpr Measure of(Field f) { return Measure(f, false); }
  static constexpr Measure uss() { return Measure(Field::private_clean, true); }
  /// "uss", "anon" (Anonymous), or a counter's snake_case name or smaps key
  /// ("rss", "Private_Dirty"), ignoring case.
  static std::optional<Measure> from_name(std::string_view name);

  bool is_uss() const { return uss_; }
  /// The counter; meaningless for USS.
  Field field() const { return field_; }
  /// snake_case, as in JSON and CSV: "rss", "swap_pss", "uss".
  std::string_view name() const;
  /// As a table heading: "Rss", "SwapPss", "USS".
  std::string_view label() const;
  /// The value in `c`; nullopt when `c` does not know it (USS: Private_Clean
  /// plus Private_Dirty, else the Private of a light snapshot).
  std::optional<std::uint64_t> get(const Counters& c) const;

  bool operator==(const Measure&) const = default;

 private:
  constexpr Measure(Field f, bool uss) : field_(f), uss_(uss) {}
  Field field_;
  bool uss_;
};

/// The totals every summary reports, known or not, in this order.
inline constexpr Measure kSummaryMeasures[] = {
    Measure::of(Field::size),  Measure::of(Field::rss),
    Measure::of(Field::pss),   Measure::uss(),
    Measure::of(Field::swap),  Measure::of(Field::swap_pss),
    Measure::of(Field::dirty), Measure::of(Field::anonymous),
};

struct SummaryOptions {
  /// Ranks categories and mappings. Default: Rss where the snapshot knows
  /// it, else Size.
  std::optional<Measure> sort;
  /// How many mappings to list; 0 lists none.
  std::size_t top = 10;
  /// NMT output of the same moment: with a detail, categories from NMT and
  /// Rss split into inside and outside NMT's ranges; with a summary, split
  /// by its figures (Summary::nmt, nmt_share).
  const Nmt* nmt = nullptr;
};

/// The mappings of one category, summed.
struct CategorySummary {
  Category category = Category::anon;
  std::size_t mappings = 0;
  Counters totals;
};

/// One mapping as the top list shows it.
struct MappingSummary {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  Perms perms;
  Category category = Category::anon;
  std::string name;  // as the kernel wrote it; print through printable()
  Counters counters;
  std::uint32_t line = 0;  // where it starts in the file
};

struct Summary {
  std::string source;  // the path given, "-" for stdin
  Format format = Format::smaps;
  std::optional<std::int64_t> pid;
  std::string command;
  /// False for smaps_rollup: no mappings, so no breakdown and no top list.
  bool has_ranges = true;
  std::size_t mappings = 0;
  /// Sums over the mappings (saturating); for smaps_rollup the file's own.
  Counters totals;
  Measure sort = Measure::of(Field::rss);  // what categories and mappings are ranked by
  std::string sort_note;                   // why it is not Rss, when the default fell back
  /// Every category that has a mapping, ranked by `sort` (largest first;
  /// ties: more mappings first, then category order).
  std::vector<CategorySummary> categories;
  /// At most SummaryOptions::top mappings, ranked by `sort` (largest first;
  /// ties: lower address first).
  std::vector<MappingSummary> top;
  std::size_t top_limit = 10;  // the top asked for
  /// With SummaryOptions::nmt: `nmt_counter` (Rss, or Size where unknown)
  /// inside and outside NMT's reserved ranges, from `nmt_source`.
  std::optional<NmtShare> nmt;
  Field nmt_counter = Field::rss;
  std::string nmt_source;

  bool knows(Measure m) const { return m.get(totals).has_value(); }
  /// The measures to show: kSummaryMeasures, then `sort` if it is not one.
  std::vector<Measure> measures() const;
};

/// Sums `s`. Throws UsageError (snap/error.h) when `o.sort` was asked for and
/// the snapshot does not know it (--sort pss on pmap -x), or when it is not
/// an amount (KernelPageSize, THPeligible); a rollup ranks nothing and
/// accepts any. Also when `o.nmt` is given and `s` is a rollup (nothing
/// to join).
Summary summarize(const Snapshot& s, const SummaryOptions& o = {});

}  // namespace snap
