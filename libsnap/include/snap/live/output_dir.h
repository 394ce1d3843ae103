// snapcollect's output directory: private, locked, never losing a file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "snap/live/proc_error.h"
#include "snap/manifest.h"

namespace snap {

/// An output directory that never loses what it holds: each file is written
/// to a temporary name, synced, then linked to its final name, which fails
/// rather than replace anything (a planted symlink included); a taken
/// number is skipped. The directory itself is opened without following a
/// symlink. It is private (directories 0700, files 0600) and locked
/// (flock) while it is open: one collection at a time.
class OutputDir {
 public:
  /// Creates `path` (and parents, 0700) if needed. Throws OutputError when
  /// it cannot; when it is another user's, reached through another user's
  /// symlink in a sticky directory, locked by another collection, or
  /// already holds a collection's manifest.
  explicit OutputDir(const std::string& path);
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  /// Writes `content` as "STEM.NNNN", NNNN the first free number from
  /// `number` on (updated). Returns the name. On failure (a full disk) the
  /// partial file is removed and ProcError thrown.
  std::string write_numbered(const std::string& stem, std::uint32_t& number, std::string_view content);
  /// The steps of write_numbered, for writing as data arrives: a new
  /// temporary file (fd, name); its end (fsync and close, or remove it and
  /// throw when `err`, an errno, is not 0); its final numbered name. The
  /// name is durable once the next write_manifest has synced the directory.
  std::pair<int, std::string> open_temp(const std::string& base);
  void finish_temp(int fd, const std::string& temp, int err);
  std::string link_numbered(const std::string& temp, const std::string& stem, std::uint32_t& number);
  /// Replaces manifest.json atomically (rename over the old one).
  void write_manifest(const Manifest& m);
  /// Removes a file this directory wrote (taking a snapshot back).
  void remove(const std::string& name);
  /// After a collection that kept nothing: unlocks the directory and removes
  /// the directories the constructor created, deepest first, as long as
  /// they are empty. True when `path` itself is gone.
  bool remove_unused();
  const std::string& path() const { return path_; }

 private:
  /// Writes and syncs a new temporary file; returns its name.
  std::string write_temp(const std::string& base, std::string_view content);
  std::string path_;
  std::vector<std::string> created_;  // the directories the constructor made, outermost first
  int fd_ = -1;
};

}  // namespace snap
