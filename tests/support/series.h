// Test helper: a numbered series of real captures in testdata/, loaded and
// made into a trend by the library's pipeline (snap/analyze.h), as
// snapdiff FILE... would.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "snap/analyze.h"
#include "testdata.h"

namespace snap::test {

struct Series {
  std::shared_ptr<const snap::Series> series;  // what the report's snapshots point into
  const std::vector<Snapshot>& snaps;
  const Timeline& timeline;
  TrendReport report;  // a value, moved out of the analysis
};

/// DIR/FAMILY.01 .. DIR/FAMILY.NN (three digits from 100 on), each name
/// ending in `suffix` (".gz"); at least three, so a trend.
inline Series load_series(const std::string& dir, const std::string& family, std::size_t n = 8,
                          const std::string& suffix = "", const AnalyzeOptions& o = {}) {
  SeriesOptions so;
  const int width = n >= 100 ? 3 : 2;
  for (std::size_t i = 1; i <= n; ++i)
    so.inputs.push_back(path(fmt::format("{}/{}.{:0{}}{}", dir, family, i, width, suffix)));
  auto series = std::make_shared<const snap::Series>(snap::load_series(so));
  Analysis a = analyze(series, o);
  REQUIRE(a.trend);
  return {series, series->snapshots, series->timeline, std::move(*a.trend)};
}

}  // namespace snap::test
