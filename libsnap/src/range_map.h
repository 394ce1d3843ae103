// snap's one range engine: every question about address ranges that the
// library asks goes through here, so that "overlap", "touch" and "inside"
// mean one thing everywhere.
//
// Contract (all of it):
//
// - A range is half-open, [start, end): `end` is the first address past it.
//   Two ranges overlap when they share an address (a.start < b.end and
//   b.start < a.end); ranges that only touch (a.end == b.start) do not.
//   An empty range (start >= end) overlaps nothing.
// - A *layer* is what a snapshot's regions or an NMT detail report are:
//   non-empty ranges sorted by start and disjoint. The engine does not sort
//   or check a layer: the parsers guarantee all three (they reject empty
//   and overlapping rows, and sort).
//
// What it stores and what each part guarantees:
//
// - BlockJoin holds the union of the layers added so far as its
//   *blocks*: the connected components of the overlap relation over every
//   range of every layer, sorted by start, pairwise disjoint and not
//   touching-merged (a block ending at x and one starting at x stay two).
//   This is what Boost.ICL's separate_interval_set of all the ranges holds,
//   and what an interval_map<address, set<region>> yields when adjacent
//   segments that share a region are joined (tests/support/icl_oracle.h
//   checks exactly that on every capture in testdata/).
//   add(): O(B + R) for B blocks so far and R ranges in the layer, one
//   sequential pass over both, no allocation beyond the output vector.
//   N layers: O(N * (B + R)) time, O(B + R) memory.
//
// - for_each_overlap(layer, start, end, f) calls f(range, bytes) for each
//   range of `layer` that overlaps [start, end), in order of address, with
//   the bytes they share (> 0). O(log R + k) for k ranges reported.
//
// - RangeSet is address-set arithmetic (which parts of [start, end) a set
//   of ranges leaves out). Few ranges per set (one block's regions), so it
//   is a Boost.ICL interval_set, kept inside range_map.cc: no header of the
//   library shows Boost. add(): O(log n) amortised; missing(): O(log n + k).
//
// Why compare() joins with the sweep and not with an ICL interval_map (the
// engine's other natural form, kept as the tests' oracle): on the bench
// inputs (bench/snap_gen; Release; bench/range_join times both on the same
// parsed snapshots, best of runs on a loaded 2-core machine), the
// interval_map<uint64_t, set<RegionRef>> and the walk into blocks take
//   2 x 60k mappings    0.39 s   against the sweep's 0.021 s
//   2 x 262k mappings   0.75 s   against 0.13 s
//   100 x 4k mappings   0.38 s   against 0.008 s
// while the whole `snapdiff` takes 0.8 s, 3.8 s and 4.2 s there: the map
// would add a tenth to a half to each run. It allocates a tree node and a
// std::set per segment; the sweep reads sorted arrays once per layer.

#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace snap::range {

struct Span {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  bool operator==(const Span&) const = default;
};

/// The blocks of the layers added so far (see the contract above).
class BlockJoin {
 public:
  /// Adds one layer: `layer.size()`, `layer.start(i)`, `layer.end(i)`
  /// (RegionStore has them), sorted by start and disjoint.
  template <class Layer>
  void add(const Layer& layer) {
    // The blocks so far and the layer's ranges, merged in order of start:
    // a range starting before the open block's end extends it. A block is
    // covered by its ranges without a gap, so whatever overlaps the block
    // overlaps one of them: merging layer by layer finds the same blocks as
    // one sweep over all ranges.
    next_.clear();
    next_.reserve(blocks_.size() + layer.size());
    auto b = blocks_.begin();
    std::size_t r = 0;
    bool open = false;
    Span cur;
    auto take = [&](std::uint64_t start, std::uint64_t end) {
      if (open && start < cur.end) {
        cur.end = std::max(cur.end, end);
      } else {
        if (open) next_.push_back(cur);
        open = true;
        cur = {start, end};
      }
    };
    const std::size_t n = layer.size();
    while (b != blocks_.end() || r != n) {
      if (r == n || (b != blocks_.end() && b->start <= layer.start(r))) {
        take(b->start, b->end);
        ++b;
      } else {
        take(layer.start(r), layer.end(r));
        ++r;
      }
    }
    if (open) next_.push_back(cur);
    blocks_.swap(next_);
  }

  /// Sorted by start, disjoint.
  const std::vector<Span>& blocks() const { return blocks_; }

 private:
  std::vector<Span> blocks_, next_;
};

/// Calls f(range, shared bytes) for each range of the sorted, disjoint
/// `layer` (elements with .start and .end) that overlaps [start, end).
template <class Range, class F>
void for_each_overlap(std::span<const Range> layer, std::uint64_t start, std::uint64_t end, F&& f) {
  // The first range ending after `start`: every one before it ends at or
  // before `start` (disjoint and sorted, so ends are sorted too).
  auto it = std::upper_bound(layer.begin(), layer.end(), start,
                             [](std::uint64_t a, const Range& r) { return a < r.end; });
  for (; it != layer.end() && it->start < end; ++it) {
    const std::uint64_t lo = std::max(start, it->start), hi = std::min(end, it->end);
    if (lo < hi) f(*it, hi - lo);
  }
}

/// A set of addresses, as the union of the ranges added.
class RangeSet {
 public:
  RangeSet();
  ~RangeSet();
  RangeSet(RangeSet&&) noexcept;
  RangeSet& operator=(RangeSet&&) noexcept;

  /// Adds [start, end); an empty range adds nothing.
  void add(std::uint64_t start, std::uint64_t end);
  /// The parts of [start, end) not in the set, by address, each maximal.
  std::vector<Span> missing(std::uint64_t start, std::uint64_t end) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace snap::range
