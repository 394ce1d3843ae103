// Matching regions across snapshots by address overlap.
//
// A block is a connected component of the "overlaps" relation over the
// regions of *all* snapshots. Regions of one snapshot never overlap, so the
// components are the intervals of the union of all regions, where touching
// (end == start) does not join. Example, a glibc arena whose rw-p part grew
// into its ---p reserve:
//
//   snapshot 1:  [rw-p       )[---p                              )
//   snapshot 2:  [rw-p                    )[---p                 )
//   block:       [                                               )
//
// One sweep serves two snapshots and N; the two-snapshot diff is N = 2.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "snap/category.h"
#include "snap/counters.h"
#include "snap/block_members.h"
#include "snap/block_threads.h"
#include "snap/shared_name.h"
#include "snap/sides.h"
#include "snap/snapshot.h"

namespace snap {

enum class Status : std::uint8_t {
  added,  // "new": only in the last snapshot
  gone,   // only in the first
  grown,
  shrunk,
  unchanged,
  replaced,  // the same addresses now hold a different file
};

/// "new", "gone", "grown", ...
std::string_view status_name(Status s);

/// One per run of address space: 48 bytes, and a few words a snapshot
/// holding it (its side); a comparison holds one for every mapping.
struct Block {
  std::uint64_t start = 0;  // union of every member region, all snapshots
  std::uint64_t end = 0;
  SharedName name;  // the name of its largest region in the newest snapshot holding it
  // One per snapshot, stored where it exists. The two enums after it sit
  // in its tail padding (no_unique_address lets them): 8 bytes a block.
  [[no_unique_address]] Sides sides;
  Category category = Category::anon;
  Status status = Status::unchanged;  // first vs last snapshot
  /// The threads whose stack pointer lies in the block, in the newest
  /// snapshot holding it that recorded threads: "worker-7 tid 5460".
  BlockThreads threads;

  /// Every region in it, by snapshot then address (read from the sides).
  BlockMembers members() const { return BlockMembers(sides); }

  /// last - first for `f`, where an absent side counts as 0. Only
  /// meaningful when both snapshots know `f` (Comparison::knows).
  std::int64_t delta(Field f) const;
};
static_assert(sizeof(Block) <= 48, "a block per mapping: 60,000 of them in a diff of two pmap -x files");

/// Thread names with their numbers made wildcards ("worker-7" ->
/// "worker-*"), counted in each snapshot: a thread leak by name.
struct ThreadGroup {
  std::string pattern;
  std::vector<std::size_t> counts;  // one per snapshot
};

struct Comparison {
  std::vector<Block> blocks;          // by address
  std::vector<Counters> totals;       // per snapshot
  std::vector<std::size_t> mappings;  // region count per snapshot
  std::uint32_t known_mask = 0;       // additive fields every snapshot knows
  /// classify() of each snapshot: categories[snapshot][region].
  std::vector<std::vector<Category>> categories;
  /// Thread groups whose count changed (snapshots that carry threads),
  /// largest change first.
  std::vector<ThreadGroup> threads;

  bool knows(Field f) const { return (known_mask >> static_cast<unsigned>(f)) & 1u; }
};

/// Joins `snapshots` (at least one; all must have ranges) into blocks.
/// Throws ParseError for a snapshot without ranges (smaps_rollup).
Comparison compare(std::span<const Snapshot> snapshots);

}  // namespace snap
