#include "snap/analyze.h"

#include <utility>

namespace snap {

DiffOptions diff_options(const AnalyzeOptions& o, const Series& series) {
  DiffOptions d;
  d.sort = o.counter;
  d.min_growth = o.min_growth;
  d.floor = o.floor;
  d.top = o.top;
  d.categories = o.categories;
  d.all = o.all;
  d.nmt = series.nmt;
  return d;
}

TrendOptions trend_options(const AnalyzeOptions& o, const Series& series) {
  TrendOptions t;
  t.counter = o.counter;
  t.order = o.order;
  t.min_growth = o.min_growth;
  t.floor = o.floor;
  t.top = o.top;
  t.categories = o.categories;
  t.all = o.all;
  t.nmt = series.nmt;
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
