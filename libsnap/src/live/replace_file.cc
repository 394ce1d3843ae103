#include "snap/live/replace_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "live/file_write.h"
#include "snap/escape.h"

namespace snap {

void replace_file(const std::string& path, std::string_view content) {
  const std::filesystem::path p(path);
  const std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
  auto fail = [&](const char* what, int err) {
    throw OutputError(fmt::format("{}: {}: {}", printable(path), what, std::strerror(err)), err);
  };
  if (p.filename().empty()) fail("not a file name", EISDIR);
  std::string temp = (std::filesystem::path(dir) / ("." + p.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) fail("cannot create a temporary file beside it", errno);
  int err = ::fchmod(fd, 0644) == 0 ? 0 : errno;
  if (!err) err = detail::write_all(fd, content);
  if (!err && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  if (!err && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
  if (err) {
    ::unlink(temp.c_str());
    fail("cannot write", err);
  }
  // The rename is durable once the directory is.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace snap
