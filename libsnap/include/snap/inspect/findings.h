// snapinspect DIR: the ranges to inspect are those snapdiff DIR would hand
// to gdb (snap/dump.h, grown mode): the readable parts of the growing
// findings' blocks that were not readable in the oldest snapshot, or the
// whole block where it grew inside unchanged bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "snap/inspect/inspect.h"

namespace snap::inspect {

struct FindingRanges {
  std::vector<Range> ranges;         // in the findings' order
  std::optional<std::int64_t> pid;   // the process the snapshots are of, when they say
  std::vector<std::string> notes;    // what was left out, and why
};

/// The grown ranges of the top findings of the snapshots in `dir` (or of
/// the files and folders in `inputs`, as snapdiff takes them). Throws
/// snap::Error as snapdiff would (unreadable snapshots, fewer than two).
FindingRanges finding_ranges(const std::vector<std::string>& inputs, std::uint64_t max_total);

}  // namespace snap::inspect
