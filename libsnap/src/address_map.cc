#include "snap/address_map.h"

namespace snap {

using Interval = boost::icl::interval<std::uint64_t>;

AddressMap::AddressMap(const Snapshot& s) {
  add(s, 0);
}

AddressMap::AddressMap(std::span<const Snapshot> snapshots) {
  for (std::uint32_t n = 0; n < snapshots.size(); ++n) add(snapshots[n], n);
}

void AddressMap::add(const Snapshot& s, std::uint32_t n) {
  for (std::uint32_t i = 0; i < s.regions.size(); ++i)
    map_ += std::make_pair(Interval::right_open(s.regions[i].start, s.regions[i].end),
                           std::set<RegionRef>{{n, i}});
}

std::vector<RegionRef> AddressMap::at(std::uint64_t address) const {
  auto it = map_.find(address);
  if (it == map_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<RegionRef> AddressMap::overlapping(std::uint64_t start, std::uint64_t end) const {
  std::set<RegionRef> found;
  if (end <= start) return {};
  auto range = map_.equal_range(Interval::right_open(start, end));
  for (auto it = range.first; it != range.second; ++it) found.insert(it->second.begin(), it->second.end());
  return {found.begin(), found.end()};
}

}  // namespace snap
