#include "live/proc_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "snap/live/proc_error.h"

namespace snap::detail {

std::string read_proc_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    throw ProcError(fmt::format("cannot read {}: {}", path, std::strerror(err)), err);
  }
  std::string out;
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw ProcError(fmt::format("cannot read {}: {}", path, std::strerror(err)), err);
    }
    out.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::optional<std::string> try_read_proc_file(const std::string& path) {
  try {
    return read_proc_file(path);
  } catch (const ProcError&) {
    return std::nullopt;
  }
}

}  // namespace snap::detail
