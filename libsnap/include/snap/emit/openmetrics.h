// One snapshot, and a collection so far, as OpenMetrics text (the
// Prometheus text exposition that node_exporter's textfile collector reads).
//
// Labels are bounded: a category, a verdict, a rank, a resource; never an
// address, a path, a pid or a command line. There is no label naming the
// process either: one exposition describes one process (snapcollect writes
// one file per collection), and Prometheus tells hosts apart by `instance`.
// A value the snapshot does not know (Pss of a light snapshot or of pmap -x)
// is left out, never written as 0. No sample carries a timestamp: the
// textfile collector refuses them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "snap/manifest.h"
#include "snap/summary.h"
#include "snap/trend.h"

namespace snap {

/// What goes into one exposition; only `summary` is required.
struct OpenMetricsInput {
  const Summary* summary = nullptr;
  /// What snapcollect's manifest recorded of the snapshot: capture time,
  /// read time, threads, the cgroup's memory.
  const ManifestEntry* recorded = nullptr;
  std::optional<std::uint64_t> max_map_count;  // vm.max_map_count, as recorded
  std::size_t collection_snapshots = 0;        // snapshots in the collection so far; 0: not a collection
  /// The trend of the collection's last snapshots: its growing findings
  /// (at most `findings`) and its projections to the limits.
  const TrendReport* trend = nullptr;
  std::size_t findings = 5;
};

/// Appends the metric families `in` knows, each with # TYPE, # UNIT (where
/// it has one) and # HELP, then "# EOF".
void emit_openmetrics(std::string& out, const OpenMetricsInput& in);

/// snapshow --openmetrics: `summary` of `snapshot`, with what the manifest
/// beside the snapshot's file recorded of it, when it is one a collection
/// lists (a manifest that cannot be read is ignored, as snapdiff does).
std::string snapshot_openmetrics(const Snapshot& snapshot, const Summary& summary);

/// How much of a collection snapcollect --openmetrics analyses after each
/// snapshot: the last kOpenMetricsWindow snapshots (reparsed from `dir`:
/// the cost stays that of reading this many files, however long the
/// collection runs), trended from three on; its kOpenMetricsFindings
/// fastest growing findings.
inline constexpr std::size_t kOpenMetricsWindow = 10;
inline constexpr std::size_t kOpenMetricsFindings = 5;

/// The collection in `dir` as `manifest` has it now (at least one
/// snapshot): its last snapshot summarized, and the trend of its last
/// kOpenMetricsWindow snapshots. Throws Error (ParseError) when the last
/// snapshot cannot be read; a trend that cannot be made is left out.
std::string collection_openmetrics(const std::string& dir, const Manifest& manifest);

}  // namespace snap
