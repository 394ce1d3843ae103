// Copying a /proc file into a snapshot file on two threads.
#pragma once

#include <functional>
#include <string_view>

namespace snap::detail {

struct PipeCopy {
  int read_err = 0;   ///< errno of a failed read, or 0
  int write_err = 0;  ///< errno of a failed write, or 0
  double read_seconds = 0;  ///< time spent inside read(): the kernel's walk
};

/// Copies `in` to `out` until end of file. One thread only reads (for
/// /proc/PID/smaps that is the kernel's page-table walk, the part the
/// target pays for); a second writes, hands each chunk to `inspect`, and
/// starts the disk writeback of what it wrote, so the fsync that follows
/// has only the tail left. Serially, as cat does it, the writes and the
/// fsync come on top of the walk.
PipeCopy pipe_copy(int in, int out, const std::function<void(std::string_view)>& inspect);

}  // namespace snap::detail
