// Test helpers: scratch directories and whole files.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

namespace snap::test {

/// A file's bytes, "" when it cannot be read.
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Writes `data` to `p`, replacing it; returns `p` as a string.
inline std::string spit(const std::filesystem::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  REQUIRE(out.good());
  return p.string();
}

/// A fresh directory under the system temp dir (PREFIX.XXXXXX), removed
/// with everything in it when the object goes, even what a test made
/// unreadable.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "snap_test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_directory(ec)) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// PATH/NAME.
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  /// Writes PATH/NAME; returns its path.
  std::string write(const std::string& name, const std::string& data) const { return spit(path / name, data); }

  std::filesystem::path path;
};

}  // namespace snap::test
