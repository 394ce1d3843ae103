// One region of one snapshot, by position: what a block lists as its
// members. Two integers, so that a block of a 100-snapshot trend costs
// 8 bytes a member, not a copy of the region.
#pragma once

#include <compare>
#include <cstdint>

namespace snap {

/// Names one region: snapshot number (in the order given) and index in its
/// `regions`. Ordered by snapshot, then region.
struct RegionRef {
  std::uint32_t snapshot = 0;
  std::uint32_t region = 0;
  auto operator<=>(const RegionRef&) const = default;
};

}  // namespace snap
