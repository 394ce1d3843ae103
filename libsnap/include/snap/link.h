// Blocks that grow by one allocation size, taken as one leak.
//
// The kernel merges each new anonymous mmap into an adjacent mapping with
// the same flags, so a leak of 1 MiB blocks (JVM direct buffers, large
// mallocs: 1028K mmaps each) fills one free gap of the address space,
// growing a mapping downward, then starts over in another gap as a new
// mapping. Each mapping is its own block; every rise of each is a whole
// number of allocations. Linking them by that quantum makes them one finding.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "snap/diff.h"

namespace snap {

/// The smallest allocation size linked: below it, rises of a few pages
/// share a divisor by chance, and 64K is a granule many allocators commit
/// in. glibc mmaps requests from 128K up (its default threshold): 132K.
inline constexpr std::uint64_t kMinQuantum = 128 * 1024;

struct Link {
  Category category = Category::anon;
  std::uint64_t quantum = 0;        // bytes of Size one allocation adds
  std::uint64_t steps = 0;          // allocations: the members' whole-quantum rises in Size over the quantum
  bool all_new = false;             // every member is born of one size: new mappings of one shape
  std::vector<std::size_t> blocks;  // indexes into Comparison::blocks, in address order
};

/// "anon blocks growing in 1028K steps: 3 blocks, 67 steps", or for new
/// mappings of one shape "14 new thread-stack blocks of 8192K".
std::string describe(const Link& link);

/// Links among `candidates` (indexes into c.blocks, of blocks that grew):
/// blocks of one category whose every rise in Size, snapshot to snapshot
/// (from 0 where a block is absent), is a multiple of one quantum of at
/// least kMinQuantum, found as the greatest common divisor of the rises
/// (33 and 37 blocks of 1028K between two snapshots: 1028K). In a series,
/// a block whose rises are mostly whole quanta (at least two rises and
/// half of its growth) joins too: a mapping the leak merges into
/// that also took one unrelated chunk. A quantum of a power-of-two number
/// of pages (a common granule) links only blocks that grew by the same
/// amount. A link has two blocks or more.
std::vector<Link> link_blocks(const Comparison& c, std::span<const std::size_t> candidates);

}  // namespace snap
