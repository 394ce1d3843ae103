// snapcollect's output directory: private, locked, never losing a file.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "snap/live/output_dir.h"

#include "live/file_write.h"
#include "snap/escape.h"
#include "snap/live/safe_dir.h"

namespace snap {
namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  throw OutputError(fmt::format("{}: {}", what, std::strerror(err)), err);
}

}  // namespace

OutputDir::OutputDir(const std::string& path) : path_(path) {
  // Messages name the directory as printable() shows it: the path is
  // whatever the user (or a script) gave.
  const std::string shown = printable(path);
  if (auto link = planted_symlink(path))
    throw OutputError(fmt::format("{} is another user's symlink in a sticky directory: refused, as anyone "
                                  "could have planted it there",
                                  printable(*link)),
                      EPERM);
  if (int err = create_private_dirs(path, &created_)) fail(fmt::format("cannot create {}", shown), err);
  fd_ = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd_ < 0) fail(fmt::format("cannot open directory {}", shown), errno);
  auto refuse = [&](const std::string& why, int err) {
    ::close(fd_);
    fd_ = -1;
    throw OutputError(why, err);
  };
  if (auto owner = foreign_owner(fd_))
    refuse(fmt::format("{} belongs to another user (uid {}): refused, as they could read or replace what "
                       "is written there; choose a directory of your own",
                       shown, *owner),
           EPERM);
  // Held until snapcollect ends (the kernel drops it with the descriptor,
  // however it ends): a second collection would interleave its files with
  // ours and replace our manifest with its own.
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) refuse(fmt::format("{} is in use by another snapcollect; choose another --out", shown), err);
    refuse(fmt::format("cannot lock {}: {}", shown, std::strerror(err)), err);
  }
  struct stat st {};
  if (::fstatat(fd_, kManifestName, &st, AT_SYMLINK_NOFOLLOW) == 0)
    refuse(fmt::format("{} already holds a collection ({}); choose another --out", shown, kManifestName), EEXIST);
}

OutputDir::~OutputDir() {
  if (fd_ >= 0) ::close(fd_);
}

bool OutputDir::remove_unused() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  // Deepest first; rmdir refuses a directory that holds anything (a file
  // someone else put there stays, and so does every directory above it).
  bool gone = false;  // the deepest one created is `path` itself
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    if (::rmdir(it->c_str()) != 0) break;
    if (it == created_.rbegin()) gone = true;
  }
  created_.clear();
  return gone;
}

std::pair<int, std::string> OutputDir::open_temp(const std::string& base) {
  // A name left by a killed run (or planted) is skipped, never opened.
  // 0600: a snapshot shows where the process keeps its heap, libraries and
  // stacks; the umask can only take more away.
  std::string temp;
  int fd = -1;
  for (int n = 0; fd < 0 && n < 1000; ++n) {
    temp = fmt::format(".{}.tmp.{}.{}", base, ::getpid(), n);
    fd = ::openat(fd_, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) fail(fmt::format("cannot create {}/{}", printable(path_), temp), errno);
  return {fd, temp};
}

void OutputDir::finish_temp(int fd, const std::string& temp, int err) {
  if (!err && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  if (err) {
    ::unlinkat(fd_, temp.c_str(), 0);
    fail(fmt::format("cannot write {}/{}", printable(path_), temp), err);
  }
}

std::string OutputDir::write_temp(const std::string& base, std::string_view content) {
  auto [fd, temp] = open_temp(base);
  finish_temp(fd, temp, detail::write_all(fd, content));
  return temp;
}

void OutputDir::remove(const std::string& name) {
  ::unlinkat(fd_, name.c_str(), 0);
}

std::string OutputDir::write_numbered(const std::string& stem, std::uint32_t& number,
                                      std::string_view content) {
  return link_numbered(write_temp(stem, content), stem, number);
}

std::string OutputDir::link_numbered(const std::string& temp, const std::string& stem,
                                     std::uint32_t& number) {
  for (;; ++number) {
    std::string name = fmt::format("{}.{:04}", stem, number);
    // linkat never replaces: an existing file or planted symlink is EEXIST.
    // No directory fsync here: the manifest that lists this name follows,
    // and its rename's fsync of the directory makes both durable.
    if (::linkat(fd_, temp.c_str(), fd_, name.c_str(), 0) == 0) {
      ::unlinkat(fd_, temp.c_str(), 0);
      ++number;
      return name;
    }
    if (errno != EEXIST) {
      int err = errno;
      ::unlinkat(fd_, temp.c_str(), 0);
      fail(fmt::format("cannot name {}/{}", printable(path_), name), err);
    }
  }
}

void OutputDir::write_manifest(const Manifest& m) {
  const std::string temp = write_temp(kManifestName, manifest_json(m));
  if (::renameat(fd_, temp.c_str(), fd_, kManifestName) != 0) {
    int err = errno;
    ::unlinkat(fd_, temp.c_str(), 0);
    fail(fmt::format("cannot write {}/{}", printable(path_), kManifestName), err);
  }
  ::fsync(fd_);
}

}  // namespace snap
