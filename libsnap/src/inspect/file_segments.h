// Address ranges whose bytes lie in files: a core's PT_LOAD segments, the
// dump files of snapdiff's gdb file. Both read the same way.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace snap::inspect {

struct FileSegment {
  std::uint64_t start = 0, end = 0;  // the addresses the file holds, [start, end)
  int fd = -1;
  std::uint64_t offset = 0;  // of `start` in the file
};

/// Copies up to `len` bytes at `address` from `segments` (sorted by start)
/// into `out`; stops at the first byte no segment holds, or that a file
/// does not (a truncated file). Returns how many were copied.
inline std::size_t read_segments(const std::vector<FileSegment>& segments, std::uint64_t address, void* out,
                                 std::size_t len) {
  std::size_t done = 0;
  while (done < len) {
    const std::uint64_t a = address + done;
    auto it = std::upper_bound(segments.begin(), segments.end(), a,
                               [](std::uint64_t x, const FileSegment& s) { return x < s.start; });
    if (it == segments.begin()) break;
    --it;
    if (a >= it->end) break;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(len - done, it->end - a));
    const ssize_t got =
        ::pread(it->fd, static_cast<char*>(out) + done, n, static_cast<off_t>(it->offset + (a - it->start)));
    if (got <= 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace snap::inspect
