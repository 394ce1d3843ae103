// The analysis of a loaded series (series.h): two snapshots compared, or
// three and more as a trend, ranked, cut to --top, and judged by the gate.
// What snapdiff computes between reading its inputs and printing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "snap/category.h"
#include "snap/counters.h"
#include "snap/gate.h"
#include "snap/report.h"
#include "snap/series.h"
#include "snap/trend.h"

namespace snap {

/// What the command line asked for, in both modes.
struct AnalyzeOptions {
  std::optional<Field> counter;                // --sort COUNTER: rss by default
  TrendOrder order = TrendOrder::steady;       // --sort steady|growth|rate (trends)
  std::uint64_t min_growth = 0;                // --min-growth: bytes, per finding
  std::optional<std::uint64_t> floor;          // --noise-floor; none: noise_floor()
  std::optional<std::size_t> top;              // --top
  std::vector<Category> categories;            // --category; empty: all
  bool all = false;                            // --all
  std::optional<std::uint64_t> limit;          // --limit; none: the recorded cgroup limit
  std::optional<std::uint64_t> max_map_count;  // none: recorded, else the kernel's default
  Gate gate;                                   // --fail-above, --fail-rate
};

/// The options of each mode, as analyze() hands them on: NMT and the
/// limits a collection recorded come from `series`, and refer to it.
DiffOptions diff_options(const AnalyzeOptions& o, const Series& series);
TrendOptions trend_options(const AnalyzeOptions& o, const Series& series);

struct Analysis {
  /// What the reports were made of: their snapshot pointers point into it,
  /// and it lives as long as the analysis or any copy of it.
  std::shared_ptr<const Series> series;
  std::optional<DiffReport> diff;    // two snapshots
  std::optional<TrendReport> trend;  // three or more
  std::optional<GateResult> gate;    // when AnalyzeOptions::gate is active

  /// The blocks the growing findings shown are made of: what --gdb dumps.
  std::vector<const Block*> growing_blocks() const;
  /// diff(1) style (report.h, trend.h), unless the gate decides.
  int exit_status() const;
};

/// Compares or trends `series` (not null). Throws UsageError (snap/error.h)
/// when the asked counter is unknown in a snapshot, NMT holds no detail,
/// or the gate cannot be applied (a rate on two snapshots, or without times).
Analysis analyze(std::shared_ptr<const Series> series, const AnalyzeOptions& o);

}  // namespace snap
