// Test helpers: the real captures in testdata/, by their names.
#pragma once

#include <string>

#include "snap/parse.h"
#include "snap/snapshot.h"

namespace snap::test {

/// testdata/REL, e.g. "c-malloc-leak/smaps.01".
inline std::string path(const std::string& rel) { return std::string(SNAP_TESTDATA) + "/" + rel; }

inline Snapshot load(const std::string& rel) { return read_snapshot(path(rel)); }

/// The region of `s` that starts at `start`, or nullptr.
inline const Region* region_at(const Snapshot& s, std::uint64_t start) {
  for (const Region& r : s.regions)
    if (r.start == start) return &r;
  return nullptr;
}

inline constexpr std::uint64_t KiB = 1024;

}  // namespace snap::test
