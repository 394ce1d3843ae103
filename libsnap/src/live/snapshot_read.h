// One read of a live process for the collection loop: not yet a snapshot,
// kept (named in the output directory) only once the process is known to
// have lived through it. Internal to libsnap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "snap/live/collect.h"
#include "snap/manifest.h"

namespace snap::detail {

class SnapshotRead {
 public:
  /// Reads smaps (--format smaps: straight into a temporary file of `dir`,
  /// no whole-file copy in memory; pmap-x: into memory, rendered), or with
  /// `light` maps + pagemap (into memory: a few lines a mapping), then the
  /// threads and cgroup. nullopt when the process was gone before anything
  /// was read (nothing, or a cut line). `size_hint`: the last read's size.
  /// Throws ProcError: for a light read with ENOTTY when the kernel has no
  /// pagemap.
  static std::optional<SnapshotRead> take(OutputDir& dir, const CollectOptions& o, const std::string& command,
                                          std::size_t& size_hint, const Clock& clock, bool light);
  SnapshotRead(SnapshotRead&& other) noexcept;
  SnapshotRead& operator=(SnapshotRead&&) = delete;
  /// Dropped unless kept: the temporary file goes.
  ~SnapshotRead();

  /// Names it in the directory ("smaps.NNNN" or "pmap-x.NNNN"; a light snapshot is an smaps file with fewer keys), syncing it
  /// first; sets entry().file.
  void keep(std::uint32_t& number);
  ManifestEntry& entry() { return entry_; }
  /// A light read the process exited during: nothing to keep.
  bool cut() const { return cut_; }
  /// The mappings changed between the kernel's page-sized reads of smaps
  /// (or maps): records overlap; no snapshot of one moment.
  bool torn() const { return torn_; }

 private:
  explicit SnapshotRead(OutputDir& dir) : dir_(&dir) {}
  OutputDir* dir_;
  ManifestEntry entry_;
  std::string stem_;  // the file's name before its number
  int fd_ = -1;        // --format smaps: the temporary file, written, not yet synced
  std::string temp_;
  std::string text_;  // pmap-x, or a light snapshot: the text to write
  bool cut_ = false;
  bool torn_ = false;
};

}  // namespace snap::detail
