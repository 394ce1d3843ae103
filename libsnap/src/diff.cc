#include "snap/diff.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <set>

#include "memory_hints.h"
#include "parallel.h"
#include "range_map.h"
#include "snap/error.h"

namespace snap {
namespace {

// When a block holds regions of several categories (a heap and the anon
// mapping that merged into it), the most telling one names it.
constexpr std::array<Category, 11> kPriority = {
    Category::heap,         Category::stack, Category::java_heap, Category::arena,
    Category::thread_stack, Category::shm,   Category::deleted,   Category::file,
    Category::special,      Category::anon,  Category::guard,
};

int rank_of(Category c) {
  return static_cast<int>(std::find(kPriority.begin(), kPriority.end(), c) - kPriority.begin());
}

/// The basenames of the block's files in snapshot `n`, into `names`
/// (reused from block to block: no allocation per block).
void file_identities(const Block& b, std::span<const Snapshot> snaps, std::uint32_t n,
                     std::vector<std::string_view>& names) {
  names.clear();
  const SideRows rows = b.sides.rows(n);
  const RegionStore& regions = snaps[n].regions;
  for (std::uint32_t i = rows.first; i < rows.first + rows.count; ++i)
    if (regions.file_backed(i)) names.push_back(regions.basename(i));
}

struct Scratch {
  std::vector<std::string_view> before, after;
};

Status status_of(const Block& b, std::span<const Snapshot> snaps, const Comparison& c, Scratch& scratch) {
  const bool first = b.sides.present(0), last = b.sides.present(b.sides.size() - 1);
  if (!first) return last ? Status::added : Status::gone;
  if (!last) return Status::gone;
  auto& before = scratch.before;
  auto& after = scratch.after;
  file_identities(b, snaps, 0, before);
  file_identities(b, snaps, static_cast<std::uint32_t>(snaps.size() - 1), after);
  if (after.size() > 16) std::sort(after.begin(), after.end());
  auto in_after = [&](std::string_view n) {
    return after.size() > 16 ? std::binary_search(after.begin(), after.end(), n)
                             : std::find(after.begin(), after.end(), n) != after.end();
  };
  if (!before.empty() && !after.empty() && std::none_of(before.begin(), before.end(), in_after))
    return Status::replaced;
  // Footprint: resident (plus swapped out, a leak paged out is still a
  // leak) where known, else the mapped size. Pss is left out on purpose:
  // it moves when *other* processes map the same file pages.
  std::int64_t footprint = 0;
  if (c.knows(Field::rss)) {
    footprint = b.delta(Field::rss);
    if (c.knows(Field::swap)) footprint = saturating_add(footprint, b.delta(Field::swap));
  }
  if (footprint == 0) footprint = b.delta(Field::accessible);
  if (footprint == 0) footprint = b.delta(Field::size);
  if (footprint > 0) return Status::grown;
  if (footprint < 0) return Status::shrunk;
  return Status::unchanged;
}

std::vector<ThreadGroup> thread_groups(std::span<const Snapshot> snaps) {
  auto pattern = [](const std::string& name) {
    std::string p;
    for (std::size_t i = 0; i < name.size();) {
      if (name[i] >= '0' && name[i] <= '9') {
        while (i < name.size() && name[i] >= '0' && name[i] <= '9') ++i;
        p += '*';
      } else {
        p += name[i++];
      }
    }
    return p;
  };
  std::map<std::string, std::vector<std::size_t>> counts;
  for (std::size_t k = 0; k < snaps.size(); ++k)
    for (const ThreadInfo& t : snaps[k].threads) {
      auto& c = counts[pattern(t.name)];
      c.resize(snaps.size());
      ++c[k];
    }
  std::vector<ThreadGroup> out;
  for (auto& [p, c] : counts) {
    c.resize(snaps.size());
    if (c.front() != c.back()) out.push_back({p, c});
  }
  std::sort(out.begin(), out.end(), [](const ThreadGroup& a, const ThreadGroup& b) {
    auto change = [](const ThreadGroup& g) {
      return std::abs(static_cast<long long>(g.counts.back()) - static_cast<long long>(g.counts.front()));
    };
    return change(a) != change(b) ? change(a) > change(b) : a.pattern < b.pattern;
  });
  return out;
}


// Below this many blocks a comparison runs on one thread: starting one
// costs more than it saves.
constexpr std::size_t kBlocksPerThread = 8192;
constexpr std::size_t kMaxThreads = 4;

/// Fills blocks [lo, hi) of `c` (their ranges set): their sides, category,
/// name, status and threads.
void fill_blocks(Comparison& c, std::span<const Snapshot> snaps, std::size_t lo, std::size_t hi) {
  if (lo >= hi) return;
  // Both the blocks and each snapshot's regions are sorted: block by block,
  // each snapshot's cursor hands over the regions that start before the
  // block's end. Block-major, so that each block's sides (one per snapshot:
  // 100 of them in a trend) are written while in cache, and members come
  // out sorted by snapshot, then region. Each cursor begins where the one
  // pass over all blocks would stand after block lo - 1: at the first
  // region that starts at or after that block's end.
  const std::uint64_t from = lo == 0 ? 0 : c.blocks[lo - 1].end;
  std::vector<std::uint32_t> cursor(snaps.size(), 0);
  for (std::size_t n = 0; n < snaps.size(); ++n)
    cursor[n] = static_cast<std::uint32_t>(snaps[n].regions.first_from(from));
  std::vector<std::pair<std::uint32_t, BlockSide>> present;
  SidesPool pool;
  for (std::size_t k = lo; k < hi; ++k) {
    Block& block = c.blocks[k];
    present.clear();
    for (std::uint32_t n = 0; n < snaps.size(); ++n) {
      const RegionStore& regions = snaps[n].regions;
      std::uint32_t& i = cursor[n];
      if (i >= regions.size() || regions.start(i) >= block.end) continue;
      BlockSide& side = present.emplace_back(n, BlockSide{}).second;
      side.first = i;
      for (; i < regions.size() && regions.start(i) < block.end; ++i) {
        regions.add_counters(i, side.counters);
        ++side.regions;
      }
    }
    block.sides = Sides(snaps.size(), present, pool);
  }

  Scratch scratch;
  for (std::size_t k = lo; k < hi; ++k) {
    Block& b = c.blocks[k];
    int best = static_cast<int>(kPriority.size());
    for (const RegionRef m : b.members()) best = std::min(best, rank_of(c.categories[m.snapshot][m.region]));
    b.category = kPriority[static_cast<std::size_t>(best)];

    // Named after the largest region in the newest snapshot that has it.
    const std::uint32_t newest = b.sides.present_snapshot(b.sides.present_count() - 1);
    const RegionStore& regions = snaps[newest].regions;
    const SideRows rows = b.sides.rows(newest);
    std::uint32_t largest = rows.first;
    for (std::uint32_t i = rows.first + 1; i < rows.first + rows.count; ++i)
      if (regions.bytes(i) > regions.bytes(largest)) largest = i;
    b.name = regions.shared_name(largest);
    b.status = status_of(b, snaps, c, scratch);
    for (std::uint32_t n = newest + 1; n-- > 0;) {
      if (!b.sides.present(n) || snaps[n].threads.empty()) continue;
      for (const ThreadInfo& t : snaps[n].threads)
        if (t.sp && *t.sp >= b.start && *t.sp < b.end) b.threads.push_back(t);
      break;
    }
  }
}

}  // namespace

std::string_view status_name(Status s) {
  static constexpr std::array<std::string_view, 6> kNames = {"new",    "gone",      "grown",
                                                             "shrunk", "unchanged", "replaced"};
  return kNames[static_cast<std::size_t>(s)];
}

std::int64_t Block::delta(Field f) const {
  return signed_delta(sides.value(0, f), sides.value(sides.size() - 1, f));
}

Comparison compare(std::span<const Snapshot> snaps) {
  Comparison c;
  if (snaps.empty()) return c;
  c.known_mask = ~0u;
  for (const Snapshot& s : snaps) {
    if (!s.has_ranges())
      throw ParseError(
          s.source, 0, 0,
          "smaps_rollup holds totals only, no address ranges: compare smaps, maps or pmap files");
    c.known_mask &= s.totals.known_mask();
    for (std::size_t i = 0; i < kFieldCount; ++i)
      if (!is_additive(static_cast<Field>(i))) c.known_mask &= ~(1u << i);
    c.totals.push_back(s.totals);
    c.mappings.push_back(s.regions.size());
  }

  // The join: the blocks are the connected components of overlap over all
  // snapshots' regions (range_map.h says why a sweep and not a map).
  // Its spans (two vectors, 48 bytes a block) go as soon as the blocks are
  // made: they are no part of the comparison's peak.
  {
    range::BlockJoin join;
    for (const Snapshot& s : snaps) join.add(s.regions);
    detail::reserve_huge(c.blocks, join.blocks().size());
    for (const range::Span& sp : join.blocks()) {
      Block& b = c.blocks.emplace_back();
      b.start = sp.start;
      b.end = sp.end;
    }
  }

  auto& categories = c.categories;
  for (const Snapshot& s : snaps) categories.push_back(classify(s));
  // The blocks are independent of each other: a big comparison splits them
  // among the cores, each part with its own pool and cursors (a comparison
  // of two 60,000-mapping files spent a third of its time here, alone).
  const std::size_t blocks = c.blocks.size();
  const std::size_t parts = detail::threads_for(blocks, kBlocksPerThread, kMaxThreads);
  detail::parallel_for(parts, [&](std::size_t k) {
    fill_blocks(c, snaps, blocks * k / parts, blocks * (k + 1) / parts);
  });
  c.threads = thread_groups(snaps);
  return c;
}

}  // namespace snap
