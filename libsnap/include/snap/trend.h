// Trends over N snapshots: which blocks (and which populations of regions)
// grow steadily, how fast, and when the process will hit a limit.
//
// Verdict rule, on a series v[0..N-1] with steps d[i] = v[i] - v[i-1] and
// growth G = v[N-1] - v[0], against a noise floor F (noise_floor() in
// ranking.h; the same floor decides what "grew" means with two snapshots):
//   shrinking  G <= -F
//   flat       |G| < F and the steps' sizes add up to less than 2F
//   noisy      |G| < F otherwise, or G >= F without a clear shape
//   stepwise   G >= F, and one step holds at least half of the gross gain
//              (the sum of the rising steps): a cache filling once, jcmd
//              attaching
//   steady     G >= F, R^2 of the least-squares line >= 0.8, no step
//              drops by F or more, no step holds half of the gross gain
//              or more (with two steps: 0.75), and, from five snapshots on,
//              the second half keeps at least half the pace of the first
//              (a warm-up curve or a leak that stopped is not steady). How
//              many steps rose does not matter: a leak sampled faster than
//              it touches pages shows flat steps between its rises, and its
//              verdict must not depend on the sampling rate.
//   emerging   flat (or absent) for at least two steps up to snapshot k,
//              then steady from k on over at least three steps, its pauses
//              after k all shorter than the flat start: a leak that started
//              during the capture, or moved to a new mapping (the kernel
//              merges each new anonymous mmap into a neighbour until its
//              gap of the address space is full). Its fit, rate and R^2 are
//              those of the snapshots since the first that held it grown
//              (`since`, 0-based).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "snap/diff.h"
#include "snap/link.h"
#include "snap/nmt.h"
#include "snap/nmt_join.h"
#include "snap/ranking.h"
#include "snap/samples.h"
#include "snap/timeline.h"

namespace snap {

enum class Verdict { steady, emerging, stepwise, noisy, flat, shrinking };
std::string_view verdict_name(Verdict v);

/// A least-squares line y = slope * x + intercept, and its R^2.
struct Fit {
  double slope = 0;
  double intercept = 0;
  double r2 = 0;
};
Fit fit_line(std::span<const double> x, std::span<const double> y);
inline Fit fit_line(std::span<const double> x, const Samples& y) {
  const std::vector<double> v = y.dense();
  return fit_line(x, v);
}

struct SeriesStats {
  Samples values;  // a block's are read from its sides
  double growth = 0;  // last - first
  double max_step = 0;      // the largest single increase
  double max_drop = 0;      // the largest single decrease, as a positive number
  Fit fit;                  // against seconds when known, else snapshot index (emerging: from since on)
  double per_snapshot = 0;  // growth / (N - 1)
  std::optional<double> per_second;  // growth / window, when times are known
  // 32-bit counts side by side: one SeriesStats per block of a trend.
  std::uint32_t steps_up = 0;
  Verdict verdict = Verdict::flat;
  std::uint32_t since = 0;  // emerging: the first snapshot in which it had grown

  /// The rate findings are ranked and shown by, and projections use: the
  /// least-squares slope (per second when times are known, else per
  /// snapshot); when emerging, of the snapshots since it appeared.
  double rate() const { return fit.slope; }
};

/// Steady and emerging growers rank together, before the others.
bool steadily_growing(Verdict v);

/// The verdict rule above, on `y` against `x` (seconds or indexes).
SeriesStats analyze(std::vector<double> y, std::span<const double> x, bool x_is_seconds, double floor);
/// The same on `y`, whose values the result reads from `values` (a block's
/// sides: y is `values` made whole, in a buffer the caller reuses).
SeriesStats analyze(std::span<const double> y, Samples values, std::span<const double> x, bool x_is_seconds,
                    double floor);

struct BlockTrend {
  std::size_t block = 0;  // index into TrendReport::comparison.blocks
  SeriesStats stats;      // of the ranking counter
};

/// Regions grouped by shape ("anon 2052K", "thread-stack 8192K+4K guard")
/// or by category alone, leaving out the regions of steady blocks (those
/// are reported as blocks): leaks that never grow one region, where each
/// leaked allocation or thread is a new region born once and flat after.
struct Population {
  std::string key;
  bool by_shape = false;
  SeriesStats count;                // regions in each snapshot
  SeriesStats total;                // the ranking counter summed over them
  Verdict verdict = Verdict::flat;  // total's verdict, or count's when total is below the floor
  /// The blocks whose regions in it were born, died or changed: what the
  /// population is made of (indexes into TrendReport::blocks).
  std::vector<std::size_t> blocks;
};

/// Blocks linked by their allocation size (link.h), with the trend of the
/// members' summed ranking counter: one leak spread over mappings.
struct LinkTrend {
  Link link;
  SeriesStats stats;
};

enum class TrendOrder { steady, growth, rate };

struct TrendOptions : FindingOptions {
  TrendOrder order = TrendOrder::steady;
  std::optional<std::uint64_t> limit;  // bytes of Rss (--limit, or the cgroup's)
  std::string limit_name = "--limit";
  std::uint64_t max_map_count = 65530;  // vm.max_map_count: the kernel's default
};

struct Projection {
  std::string what;        // "Rss", "mappings"
  std::string limit_name;  // "--limit", "vm.max_map_count"
  double limit = 0;
  double rate = 0;  // per second, or per snapshot when times are unknown
  double eta = 0;   // seconds (or snapshots) until the limit
};

/// A row of the ranking: a block, a population or a link, by its index
/// into TrendReport::blocks, populations or links (exactly one is set), so
/// that a report can be copied and kept.
struct Finding {
  std::optional<std::size_t> block;
  std::optional<std::size_t> population;
  std::optional<std::size_t> link;
  Verdict verdict = Verdict::flat;
  double growth = 0;
  double rate = 0;  // the fit's slope: per second when known, else per snapshot
  /// A population's or link's blocks, folded under it rather than ranked
  /// on their own (indexes into TrendReport::blocks), largest growth first.
  std::vector<std::size_t> members;
};

/// The data of a TrendReport; see there.
struct TrendData {
  std::vector<const Snapshot*> snapshots;  // in time order
  std::vector<double> seconds;             // since the first; empty when unknown
  std::vector<std::int64_t> epoch_ms;      // wall-clock capture times (Timeline::epoch_ms); may be empty
  TimeSource time_source = TimeSource::none;
  bool reordered = false;  // the snapshots were given out of time order
  /// Why times found were set aside (Timeline::warnings), when unknown.
  std::string time_note;
  Comparison comparison;
  Field counter = Field::rss;
  std::string counter_note;
  double floor = 0;                     // bytes: max(64 KiB, 1% of the blocks' summed growth)
  std::vector<BlockTrend> blocks;       // every block, in address order
  std::vector<Population> populations;  // those that changed
  std::vector<LinkTrend> links;         // blocks linked by allocation size
  std::vector<Finding> rows;            // ranked, filtered, cut to --top
  std::size_t growing = 0;              // findings that grew above the floor and --min-growth
  std::size_t hidden = 0;
  double largest_growth = 0;  // of the growing findings (before --top), for --fail-above
  double largest_rate = 0;    // and the fastest, for --fail-rate
  std::vector<std::pair<Field, SeriesStats>> totals;  // size, rss, pss, swap where known
  SeriesStats mappings;
  std::vector<Projection> projections;
  TrendOptions options;
  std::optional<NmtJoin> nmt;  // apply_and_join_nmt, when NMT was given
};

/// A trend: a value (copied, moved and kept without its origin; its
/// snapshot pointers point to snapshots the caller keeps, Analysis::series).
/// A block's series is read from the block's sides in `comparison`: a copy
/// reads its own.
struct TrendReport : TrendData {
  TrendReport() = default;
  TrendReport(const TrendReport& o) : TrendData(o) { rebind_series(); }
  TrendReport(TrendReport&&) noexcept = default;  // the blocks stay where they are
  TrendReport& operator=(const TrendReport& o) {
    TrendData::operator=(o);
    rebind_series();
    return *this;
  }
  TrendReport& operator=(TrendReport&&) noexcept = default;
  ~TrendReport() = default;

  bool times_known() const { return !seconds.empty(); }
  const Block& block(const BlockTrend& bt) const { return comparison.blocks[bt.block]; }
  /// What a finding is about; each asks for the kind the finding is.
  const BlockTrend& block_trend(const Finding& fd) const { return blocks.at(fd.block.value()); }
  const LinkTrend& link_trend(const Finding& fd) const { return links.at(fd.link.value()); }
  const Population& population(const Finding& fd) const { return populations.at(fd.population.value()); }
  /// The series a finding is ranked by: a population's total.
  const SeriesStats& stats(const Finding& fd) const;
  int exit_status() const { return growing > 0 ? 1 : 0; }
  /// The findings' blocks to hand to gdb: each block row, and the members
  /// of each population and link row, growing rows only.
  std::vector<const Block*> growing_blocks() const;

 private:
  void rebind_series() {
    for (BlockTrend& bt : blocks) bt.stats.values.rebind(comparison.blocks[bt.block].sides);
  }
};

/// `snapshots` in the order of `timeline.paths` (see make_timeline). Throws
/// UsageError (snap/error.h) when the asked counter is unknown in a snapshot.
TrendReport make_trend(std::span<const Snapshot> snapshots, const Timeline& timeline,
                       const TrendOptions& options);

}  // namespace snap
