// A series read leaving out the files that cannot be read (snapdiff
// --skip-bad): one corrupt snapshot of a long collection loses that point
// of the trend, not the whole series.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "snap/error.h"
#include "snap/parse.h"
#include "snap/snapshot.h"
#include "snap/timeline.h"

namespace snap {

struct GoodSeries {
  std::vector<Snapshot> snapshots;  // those that could be read, in time order
  Timeline timeline;                // of those alone: times kept, from the first of them
};

/// read_snapshots of `t.paths` with every failure given to `bad` (in time
/// order, among `each`'s calls) and left out. Throws UsageError (snap/error.h)
/// when fewer than 2 snapshots could be read.
GoodSeries read_good_snapshots(const Timeline& t, std::optional<Format> format,
                               const std::function<void(const Snapshot&)>& each,
                               const std::function<void(const ParseError&)>& bad);

}  // namespace snap
