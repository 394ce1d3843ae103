// Writing snapshot files: all of a buffer, and big files without a long
// fsync at their end. Internal to libsnap.
#pragma once

#include <sys/types.h>

#include <string_view>

namespace snap::detail {

/// 0, or the errno of a failed write (ENOSPC for a write of nothing).
int write_all(int fd, std::string_view content);

/// Appends to `fd`, a file being written as data arrives. Every 8 MiB it
/// starts the disk writeback of what it wrote, without waiting for it, so
/// that the fsync an atomic write needs finds only the tail left: for 44
/// MB on this machine's disk, 3 ms instead of 25-36.
class WritebackFile {
 public:
  explicit WritebackFile(int fd) : fd_(fd) {}
  /// 0, or the errno of a failed write.
  int write(std::string_view chunk);

 private:
  int fd_;
  off_t written_ = 0, flushed_ = 0;
};

}  // namespace snap::detail
