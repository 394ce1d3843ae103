// Directories for private files: creation modes, owners, planted symlinks.
#include "snap/live/safe_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace snap {
namespace {

/// The leading parts of `path`: "a", "a/b", "a/b/c" (or "/a", ...).
std::vector<std::string> prefixes(const std::string& path) {
  std::vector<std::string> out;
  std::string cur = path.starts_with('/') ? "/" : "";
  for (std::size_t i = 0; i < path.size();) {
    const std::size_t j = std::min(path.find('/', i), path.size());
    const std::string part = path.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (!cur.empty() && cur.back() != '/') cur += '/';
    cur += part;
    out.push_back(cur);
  }
  return out;
}

std::string parent_of(const std::string& prefix) {
  const auto slash = prefix.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : prefix.substr(0, slash);
}

}  // namespace

int create_private_dirs(const std::string& path, std::vector<std::string>* created) {
  for (const std::string& p : prefixes(path)) {
    if (::mkdir(p.c_str(), 0700) == 0) {
      if (created) created->push_back(p);
      continue;
    }
    if (errno == EEXIST) continue;
    const int err = errno;
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;  // e.g. EACCES on an existing "/home"
    return err;
  }
  return 0;
}

std::optional<std::string> planted_symlink(const std::string& path) {
  const uid_t me = ::geteuid();
  for (const std::string& p : prefixes(path)) {
    struct stat link {}, dir {};
    if (::lstat(p.c_str(), &link) != 0) return std::nullopt;  // the rest is to be created
    if (!S_ISLNK(link.st_mode)) continue;
    if (::stat(parent_of(p).c_str(), &dir) != 0) continue;
    // The rule of the kernel's protected_symlinks, whether or not it is on.
    if ((dir.st_mode & S_ISVTX) && link.st_uid != me && link.st_uid != dir.st_uid) return p;
  }
  return std::nullopt;
}

std::optional<uid_t> foreign_owner(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_uid == ::geteuid()) return std::nullopt;
  return st.st_uid;
}

}  // namespace snap
