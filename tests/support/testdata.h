// Test helpers: the real captures in testdata/, by their names.
#pragma once

#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "snap/parse.h"
#include "snap/snapshot.h"

namespace snap::test {

/// testdata/REL, e.g. "c-malloc-leak/smaps.01".
inline std::string path(const std::string& rel) {
  return std::string(SNAP_TESTDATA) + "/" + rel;
}

inline Snapshot load(const std::string& rel) {
  return read_snapshot(path(rel));
}

/// The region of `s` that starts at `start` (a copy: the store holds no
/// Region objects to point at), or nothing.
inline std::optional<Region> region_at(const Snapshot& s, std::uint64_t start) {
  for (std::size_t i = 0; i < s.regions.size(); ++i)
    if (s.regions.start(i) == start) return s.regions[i];
  return std::nullopt;
}

inline constexpr std::uint64_t KiB = 1024;

/// A counter's bit in Counters::known_mask().
constexpr std::uint32_t bit(Field f) {
  return 1u << static_cast<unsigned>(f);
}

}  // namespace snap::test

namespace doctest {
/// Counters print as their value, or "unknown".
template <>
struct StringMaker<std::optional<std::uint64_t>> {
  static String convert(const std::optional<std::uint64_t>& v) {
    return v ? String(std::to_string(*v).c_str()) : String("unknown");
  }
};
}  // namespace doctest
