// Test oracle: compare()'s join computed another way, with a Boost.ICL
// interval_map from addresses to the set of regions covering them. The
// library joins with a sweep (libsnap/src/range_map.h says why); this map
// shares no code with it, so agreement on every capture means something.
//
// Blocks from the map: its segments split at every region boundary and each
// holds the regions covering it. Two adjacent segments belong to one block
// exactly when some region covers both (a region crossing the boundary):
// a chain of overlaps from left to right must cross it, and regions that
// only end and start there merely touch. A gap between segments always
// separates.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <boost/icl/interval_map.hpp>
#include <boost/icl/right_open_interval.hpp>
#include <fmt/format.h>

#include "snap/diff.h"
#include "snap/region_ref.h"
#include "snap/snapshot.h"

namespace snap::test {

struct OracleBlock {
  std::uint64_t start = 0, end = 0;
  std::vector<RegionRef> members;  // by snapshot, then region
};

class IclOracle {
 public:
  // Static right-open intervals: lower() and upper() are [start, end).
  using Interval = boost::icl::right_open_interval<std::uint64_t, std::less>;
  using Map = boost::icl::interval_map<std::uint64_t, std::set<RegionRef>, boost::icl::partial_absorber,
                                       std::less, boost::icl::inplace_plus, boost::icl::inter_section,
                                       Interval>;

  explicit IclOracle(const Snapshot& s) { add(s, 0); }
  explicit IclOracle(std::span<const Snapshot> snaps) {
    for (std::uint32_t n = 0; n < snaps.size(); ++n) add(snaps[n], n);
  }

  /// The regions that contain `address`.
  std::vector<RegionRef> at(std::uint64_t address) const {
    auto it = map_.find(address);
    if (it == map_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }

  /// The regions that overlap [start, end).
  std::vector<RegionRef> overlapping(std::uint64_t start, std::uint64_t end) const {
    if (end <= start) return {};
    std::set<RegionRef> found;
    auto [first, last] = map_.equal_range(Interval(start, end));
    for (auto it = first; it != last; ++it) found.insert(it->second.begin(), it->second.end());
    return {found.begin(), found.end()};
  }

  std::vector<OracleBlock> blocks() const {
    std::vector<OracleBlock> out;
    const std::set<RegionRef>* previous = nullptr;
    std::set<RegionRef> members;
    for (const auto& [iv, refs] : map_) {
      const bool joins = previous && out.back().end == iv.lower() &&
                         std::any_of(refs.begin(), refs.end(), [&](const RegionRef& r) { return previous->count(r); });
      if (!joins) {
        if (!out.empty()) out.back().members.assign(members.begin(), members.end());
        members.clear();
        out.push_back({iv.lower(), iv.upper(), {}});
      }
      out.back().end = iv.upper();
      members.insert(refs.begin(), refs.end());
      previous = &refs;
    }
    if (!out.empty()) out.back().members.assign(members.begin(), members.end());
    return out;
  }

  const Map& map() const { return map_; }

 private:
  void add(const Snapshot& s, std::uint32_t n) {
    for (std::uint32_t i = 0; i < s.regions.size(); ++i)
      map_ += std::make_pair(Interval(s.regions.start(i), s.regions.end(i)), std::set<RegionRef>{{n, i}});
  }
  Map map_;
};

/// The first difference between compare()'s blocks and the oracle's
/// (count, start, end, members), or "" when they agree.
inline std::string block_mismatch(std::span<const Block> got, std::span<const OracleBlock> want) {
  auto refs = [](auto first, auto last) {
    std::string s;
    for (auto it = first; it != last; ++it) s += fmt::format(" {}:{}", (*it).snapshot, (*it).region);
    return s;
  };
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    const Block& g = got[i];
    const OracleBlock& w = want[i];
    if (g.start != w.start || g.end != w.end)
      return fmt::format("block {}: {:x}-{:x}, the oracle has {:x}-{:x}", i, g.start, g.end, w.start, w.end);
    const BlockMembers members = g.members();
    if (!std::equal(members.begin(), members.end(), w.members.begin(), w.members.end()))
      return fmt::format("block {} {:x}-{:x}: members{}, the oracle has{}", i, g.start, g.end,
                         refs(members.begin(), members.end()), refs(w.members.begin(), w.members.end()));
  }
  if (got.size() != want.size()) return fmt::format("{} blocks, the oracle has {}", got.size(), want.size());
  return "";
}

}  // namespace snap::test
