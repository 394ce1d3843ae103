// Address lookups over one or more snapshots, through a Boost.ICL interval map.
//
// Contract: ranges are half-open [start, end). The map holds identities, not
// sums: each address maps to the set of regions that cover it, so that
// overlapping regions (from different snapshots) stay visible instead of
// being added together. Within one snapshot regions never overlap, so a
// lookup there yields at most one region.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <vector>

#include <boost/icl/interval_map.hpp>

#include "snap/snapshot.h"

namespace snap {

/// Names one region: snapshot number (in the order given) and index in its
/// `regions`.
struct RegionRef {
  std::uint32_t snapshot = 0;
  std::uint32_t region = 0;
  auto operator<=>(const RegionRef&) const = default;
};

class AddressMap {
 public:
  using Map = boost::icl::interval_map<std::uint64_t, std::set<RegionRef>>;

  explicit AddressMap(const Snapshot& s);
  explicit AddressMap(std::span<const Snapshot> snapshots);

  /// The regions that contain `address`.
  std::vector<RegionRef> at(std::uint64_t address) const;
  /// The regions that overlap [start, end).
  std::vector<RegionRef> overlapping(std::uint64_t start, std::uint64_t end) const;

  const Map& map() const { return map_; }

 private:
  void add(const Snapshot& s, std::uint32_t n);
  Map map_;
};

}  // namespace snap
