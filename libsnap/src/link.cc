#include "snap/link.h"

#include <algorithm>
#include <bit>
#include <map>
#include <utility>
#include <numeric>

#include <fmt/format.h>

#include "snap/size.h"

namespace snap {
namespace {

/// Shapes whose growth is an allocation's: files, the one heap and the
/// one stack, specials and guards never are.
/// How many links of a category a block is tried against, beyond the one
/// its exact rise finds.
constexpr std::size_t kMaxTried = 32;
constexpr std::uint64_t kPage = 4096;

bool linkable(Category c) {
  switch (c) {
    case Category::file:
    case Category::heap:
    case Category::stack:
    case Category::special:
    case Category::guard: return false;
    default: return true;
  }
}

struct Rises {
  std::uint64_t first = 0, last = 0;  // Size in the first and last snapshot (0: absent)
  std::vector<std::uint64_t> each;    // every rise, in order
  std::uint64_t gcd = 0;
  std::uint64_t total = 0;
  bool born_once = true;  // absent at first, then one size: no rise after birth
};

/// Rises in Size within the window: from the first snapshot's size (0
/// where the block is absent), snapshot to snapshot.
Rises rises_of(const Block& b) {
  Rises r;
  auto size_at = [&](std::size_t i) { return b.sides.value(i, Field::size); };
  bool born = !b.sides.present(0);
  std::uint64_t prev = size_at(0);
  for (std::size_t i = 1; i < b.sides.size(); ++i) {
    const std::uint64_t size = size_at(i);
    if (size > prev) {
      r.each.push_back(size - prev);
      r.gcd = std::gcd(r.gcd, size - prev);
      r.total += size - prev;
      if (prev != 0) r.born_once = false;
    }
    prev = size;
  }
  r.first = size_at(0);
  r.last = prev;
  if (!born) r.born_once = false;
  return r;
}

}  // namespace

std::string describe(const Link& link) {
  const std::string_view cat = category_name(link.category);
  const std::string q = format_size(link.quantum, SizeStyle::kib);
  if (link.all_new) return fmt::format("{} new {} blocks of {}", link.blocks.size(), cat, q);
  return fmt::format("{} blocks growing in {} steps: {} blocks, {} steps", cat, q, link.blocks.size(), link.steps);
}

std::vector<Link> link_blocks(const Comparison& c, std::span<const std::size_t> candidates) {
  struct Open {
    Link link;
    std::uint64_t total = 0;
    bool all_born_once = true;
    std::uint64_t first_size = 0;
    bool one_size = true;
  };
  std::vector<Open> open;
  std::map<std::pair<Category, std::uint64_t>, std::size_t> by_rise;  // a block's rises' gcd -> its link
  std::vector<std::size_t> mixed;  // candidates whose rises share no quantum
  for (std::size_t b : candidates) {
    const Block& block = c.blocks[b];
    if (!linkable(block.category)) continue;
    const Rises r = rises_of(block);
    // A mapping whose Size fell back to where it was holds no allocation more.
    if (r.last <= r.first) continue;
    if (r.gcd < kMinQuantum) {
      mixed.push_back(b);
      continue;
    }
    // A rise seen before finds its link at once; otherwise the most recent
    // links of the category are tried, a bounded number, so that 262k new
    // mappings of as many sizes stay linear.
    Open* home = nullptr;
    const auto key = std::make_pair(block.category, r.gcd);
    if (auto it = by_rise.find(key); it != by_rise.end()) home = &open[it->second];
    std::size_t tried = 0;
    for (std::size_t i = open.size(); !home && i-- > 0 && tried < kMaxTried;) {
      Open& o = open[i];
      if (o.link.category != block.category) continue;
      ++tried;
      if (std::gcd(o.link.quantum, r.gcd) >= kMinQuantum) home = &o;
    }
    if (!home) {
      open.push_back({});
      home = &open.back();
      home->link.category = block.category;
      home->first_size = r.total;
    }
    by_rise.emplace(key, static_cast<std::size_t>(home - open.data()));
    home->link.quantum = std::gcd(home->link.quantum, r.gcd);
    home->link.blocks.push_back(b);
    home->total += r.total;
    home->all_born_once = home->all_born_once && r.born_once;
    home->one_size = home->one_size && r.total == home->first_size;
  }
  for (Open& o : open) o.total /= o.link.quantum;  // now in allocations
  // A mapping the leak merges into may also take one unrelated chunk (a
  // malloc'd 3972K beside 43 buffers of 1028K): it joins a link when at
  // least two of its rises, and half of its growth, are whole allocations
  // of a quantum that is no power-of-two granule (below). Only a series
  // shows that; two snapshots have one rise. Its mixed rises do not count
  // as steps.
  for (std::size_t b : mixed) {
    const Block& block = c.blocks[b];
    const Rises r = rises_of(block);
    std::size_t tried = 0;
    for (Open& o : open) {
      if (o.link.category != block.category) continue;
      if (++tried > kMaxTried) break;
      std::uint64_t whole = 0;
      std::size_t count = 0;
      for (std::uint64_t rise : r.each)
        if (rise % o.link.quantum == 0) whole += rise, ++count;
      if (count < 2 || whole < r.total - whole) continue;
      o.link.blocks.insert(std::upper_bound(o.link.blocks.begin(), o.link.blocks.end(), b), b);
      o.total += whole / o.link.quantum;
      o.all_born_once = false;
      o.one_size = false;
      break;
    }
  }
  std::vector<Link> links;
  for (Open& o : open) {
    if (o.link.blocks.size() < 2) continue;
    // A power-of-two number of pages (128K, 2M, 64M) is the granule many
    // allocators and commits work in, shared by unrelated blocks; it links
    // only blocks that each grew by the same amount: mappings of one shape.
    if (std::has_single_bit(o.link.quantum / kPage) && !o.one_size) continue;
    o.link.steps = o.total;
    o.link.all_new = o.all_born_once && o.one_size;
    links.push_back(std::move(o.link));
  }
  return links;
}

}  // namespace snap
