// Trends over N snapshots: which blocks (and which populations of regions)
// grow steadily, how fast, and when the process will hit a limit.
//
// Verdict rule, on a series v[0..N-1] with steps d[i] = v[i] - v[i-1] and
// growth G = v[N-1] - v[0], against a floor F (see TrendReport::floor):
//   shrinking  G <= -F
//   flat       |G| < F and the steps' sizes add up to less than 2F
//   noisy      |G| < F otherwise, or G >= F without a clear shape
//   stepwise   G >= F, and one step holds at least half of the gross gain
//              (the sum of the rising steps), or at most a third of the
//              steps go up: a cache filling once, jcmd attaching
//   steady     G >= F, at least two thirds of the steps go up (by a quarter
//              of the mean step or more), R^2 of the least-squares line
//              >= 0.8, and no step holds more than half of the gross gain
//              (with fewer than three steps: 1.5 times an even share)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "snap/diff.h"
#include "snap/nmt_join.h"
#include "snap/report.h"
#include "snap/timeline.h"

namespace snap {

enum class Verdict { steady, stepwise, noisy, flat, shrinking };
std::string_view verdict_name(Verdict v);

/// A least-squares line y = slope * x + intercept, and its R^2.
struct Fit {
  double slope = 0;
  double intercept = 0;
  double r2 = 0;
};
Fit fit_line(std::span<const double> x, std::span<const double> y);

struct SeriesStats {
  std::vector<double> values;
  double growth = 0;  // last - first
  std::size_t steps_up = 0;
  double max_step = 0;      // the largest single increase
  Fit fit;                  // against seconds when known, else snapshot index
  double per_snapshot = 0;  // growth / (N - 1)
  std::optional<double> per_second;
  Verdict verdict = Verdict::flat;
};

/// The verdict rule above, on `y` against `x` (seconds or indexes).
SeriesStats analyze(std::vector<double> y, std::span<const double> x, bool x_is_seconds, double floor);

struct BlockTrend {
  const Block* block = nullptr;
  SeriesStats stats;  // of the ranking counter
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
};

enum class TrendOrder { steady, growth, rate };

struct TrendOptions {
  std::optional<Field> counter;  // rss by default, accessible where rss is unknown
  TrendOrder order = TrendOrder::steady;
  std::uint64_t min_growth = 0;
  std::optional<std::size_t> top;
  std::vector<Category> categories;
  bool all = false;
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

/// A row of the ranking: a block or a population.
struct Finding {
  const BlockTrend* block = nullptr;
  const Population* population = nullptr;
  Verdict verdict = Verdict::flat;
  double growth = 0;
  double rate = 0;  // per second when known, else per snapshot
};

struct TrendReport {
  std::vector<const Snapshot*> snapshots;  // in time order
  std::vector<double> seconds;             // since the first; empty when unknown
  std::vector<std::int64_t> epoch_ms;      // wall-clock capture times (Timeline::epoch_ms); may be empty
  TimeSource time_source = TimeSource::none;
  bool reordered = false;  // the snapshots were given out of time order
  Comparison comparison;
  Field counter = Field::rss;
  std::string counter_note;
  double floor = 0;                     // bytes: max(64 KiB, 1% of the blocks' summed growth)
  std::vector<BlockTrend> blocks;       // every block, in address order
  std::vector<Population> populations;  // those that changed
  std::vector<Finding> rows;            // ranked, filtered, cut to --top
  std::size_t growing = 0;              // findings that grew above the floor and --min-growth
  std::size_t hidden = 0;
  std::vector<std::pair<Field, SeriesStats>> totals;  // size, rss, pss, swap where known
  SeriesStats mappings;
  std::vector<Projection> projections;
  TrendOptions options;
  std::optional<NmtJoin> nmt;  // apply_and_join_nmt, when NMT was given

  bool times_known() const { return !seconds.empty(); }
  int exit_status() const { return growing > 0 ? 1 : 0; }
};

/// `snapshots` in the order of `timeline.paths` (see make_timeline). Throws
/// std::invalid_argument when the asked counter is unknown in a snapshot.
TrendReport make_trend(std::span<const Snapshot> snapshots, const Timeline& timeline,
                       const TrendOptions& options);

}  // namespace snap
