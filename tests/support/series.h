// Test helper: a numbered series of real captures in testdata/, read and
// made into a trend as snapdiff DIR would.
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>

#include "snap/trend.h"
#include "testdata.h"

namespace snap::test {

struct Series {
  std::vector<Snapshot> snaps;
  Timeline timeline;
  TrendReport report;  // points into snaps: keep the Series
};

/// DIR/FAMILY.01 .. DIR/FAMILY.NN (three digits from 100 on), each name
/// ending in `suffix` (".gz").
inline Series load_series(const std::string& dir, const std::string& family, std::size_t n = 8,
                          const std::string& suffix = "", TrendOptions o = {}) {
  Series s;
  std::vector<std::string> paths;
  const int width = n >= 100 ? 3 : 2;
  for (std::size_t i = 1; i <= n; ++i)
    paths.push_back(path(fmt::format("{}/{}.{:0{}}{}", dir, family, i, width, suffix)));
  s.timeline = make_timeline(paths, std::nullopt);
  for (const auto& p : s.timeline.paths) s.snaps.push_back(read_snapshot(p));
  s.report = make_trend(s.snaps, s.timeline, o);
  return s;
}

}  // namespace snap::test
