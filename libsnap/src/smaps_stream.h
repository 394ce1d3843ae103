// Reading /proc/PID/smaps straight into a snapshot file, its totals
// scanned on the way (snapcollect's --format smaps).
#pragma once

#include <optional>
#include <string>

#include "snap/collect.h"

namespace snap::detail {

struct Streamed {
  int fd = -1;        // the temporary file, written, not yet synced
  std::string temp;
  Counters totals;
  std::size_t mappings = 0;
  double wall = 0, monotonic = 0, read_seconds = 0;
};

/// /proc/PID/smaps copied into a temporary file of the directory as it is
/// read (no whole-file copy in memory), its totals scanned on the way; see
/// pipe_copy for why on two threads. nullopt when the process is gone
/// (nothing or a cut line read): the temporary file is removed. The caller
/// keeps it (finish_temp, link_numbered) or not, once it knows the process
/// lived through the read.
std::optional<Streamed> stream_smaps(OutputDir& dir, const CollectOptions& o);

}  // namespace snap::detail
