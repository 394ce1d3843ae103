#include "live/file_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace snap::detail {
namespace {

constexpr off_t kWritebackStep = 8 << 20;

}  // namespace

int write_all(int fd, std::string_view content) {
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : ENOSPC;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

int WritebackFile::write(std::string_view chunk) {
  if (int err = write_all(fd_, chunk)) return err;
  written_ += static_cast<off_t>(chunk.size());
  if (written_ - flushed_ >= kWritebackStep) {
    // SYNC_FILE_RANGE_WRITE alone queues the pages and returns; the WAIT
    // flags would stall every write on the disk (5x slower).
    ::sync_file_range(fd_, flushed_, written_ - flushed_, SYNC_FILE_RANGE_WRITE);
    flushed_ = written_;
  }
  return 0;
}

}  // namespace snap::detail
