#include "snap/skip_bad.h"

#include <stdexcept>

#include <fmt/format.h>

#include "snap/error.h"

namespace snap {

GoodSeries read_good_snapshots(const Timeline& t, std::optional<Format> format,
                               const std::function<void(const Snapshot&)>& each,
                               const std::function<void(const ParseError&)>& bad) {
  const std::size_t n = t.paths.size();
  std::vector<bool> failed(n, false);
  std::size_t at = 0;  // read_snapshots calls one or the other for each path, in order
  GoodSeries out;
  out.snapshots = read_snapshots(
      t.paths, format,
      [&](const Snapshot& s) {
        ++at;
        if (each) each(s);
      },
      [&](const ParseError& e) {
        failed[at++] = true;
        if (bad) bad(e);
      });
  if (out.snapshots.size() < 2)
    throw UsageError(fmt::format(
        "--skip-bad: {} of the {} snapshots could be read; at least 2 are needed", out.snapshots.size(), n));
  Timeline& kept = out.timeline;
  kept.source = t.source;
  kept.reordered = t.reordered;
  std::optional<double> base;
  for (std::size_t i = 0; i < n; ++i) {
    if (failed[i]) continue;
    kept.paths.push_back(t.paths[i]);
    if (i < t.epoch_ms.size()) kept.epoch_ms.push_back(t.epoch_ms[i]);
    if (!t.known()) continue;
    if (!base) base = t.seconds[i];
    kept.seconds.push_back(t.seconds[i] - *base);
  }
  if (t.first_epoch && base) kept.first_epoch = *t.first_epoch + *base;
  // As drop_start: what is left taken at one moment has no usable times.
  if (kept.known() && kept.seconds.back() <= 0) {
    kept.seconds.clear();
    kept.epoch_ms.clear();
    kept.source = TimeSource::none;
    kept.first_epoch.reset();
  }
  return out;
}

}  // namespace snap
