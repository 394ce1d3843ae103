#include "snap/analyze.h"

#include <utility>

namespace snap {

namespace {

FindingOptions finding_options(const AnalyzeOptions& o, const Series& series) {
  FindingOptions f;
  f.counter = o.counter;
  f.min_growth = o.min_growth;
  f.floor = o.floor;
  f.top = o.top;
  f.categories = o.categories;
  f.all = o.all;
  f.nmt = series.nmt;
  return f;
}

}  // namespace

DiffOptions diff_options(const AnalyzeOptions& o, const Series& series) {
  DiffOptions d;
  static_cast<FindingOptions&>(d) = finding_options(o, series);
  return d;
}

TrendOptions trend_options(const AnalyzeOptions& o, const Series& series) {
  TrendOptions t;
  static_cast<FindingOptions&>(t) = finding_options(o, series);
  t.order = o.order;
  // Limits given win over those the collection recorded.
  if (o.limit) {
    t.limit = o.limit;
  } else if (series.recorded.memory_limit) {
    t.limit = series.recorded.memory_limit;
    t.limit_name = series.recorded.memory_limit_name;
  }
  if (o.max_map_count)
    t.max_map_count = *o.max_map_count;
  else if (series.recorded.max_map_count)
    t.max_map_count = *series.recorded.max_map_count;
  return t;
}

Analysis analyze(std::shared_ptr<const Series> series, const AnalyzeOptions& o) {
  Analysis a;
  a.series = std::move(series);
  const Series& s = *a.series;
  if (s.trend())
    a.trend = make_trend(s.snapshots, s.timeline, trend_options(o, s));
  else
    a.diff = make_report(s.snapshots, diff_options(o, s));
  // Judged before anything is written: a gate that cannot be applied is trouble.
  if (o.gate.active()) a.gate = a.trend ? check_gate(*a.trend, o.gate) : check_gate(*a.diff, o.gate);
  return a;
}

std::vector<const Block*> Analysis::growing_blocks() const {
  return trend ? trend->growing_blocks() : diff->growing_blocks();
}

int Analysis::exit_status() const {
  if (gate) return gate->tripped ? 1 : 0;
  return trend ? trend->exit_status() : diff->exit_status();
}

}  // namespace snap
