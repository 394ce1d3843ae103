#include "snap/inspect/findings.h"

#include <memory>

#include "snap/analyze.h"
#include "snap/dump.h"
#include "snap/series.h"

namespace snap::inspect {

FindingRanges finding_ranges(const std::vector<std::string>& inputs, std::uint64_t max_total) {
  SeriesOptions so;
  so.inputs = inputs;
  auto series = std::make_shared<const Series>(load_series(so));
  const Analysis analysis = analyze(series, AnalyzeOptions{});
  DumpOptions dump;
  dump.max_total = max_total;
  const DumpPlan plan = plan_dumps(series->snapshots, analysis.growing_blocks(), dump);
  FindingRanges f;
  f.pid = plan.pid;
  f.notes = plan.notes;
  for (const Message& m : series->messages) f.notes.push_back(m.text);
  for (const DumpRange& r : plan.ranges) f.ranges.push_back(Range{r.start, r.end});
  return f;
}

}  // namespace snap::inspect
