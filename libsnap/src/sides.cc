#include "snap/sides.h"

#include <algorithm>
#include <bit>

namespace snap {

namespace {

std::uint32_t mask_of(std::span<const std::pair<std::uint32_t, BlockSide>> present) {
  std::uint32_t mask = 0;
  for (const auto& p : present) mask |= p.second.counters.known_mask();
  return mask;
}

/// Whether every side knows the same counters: then their known mask is
/// the block's, not stored per side.
bool uniform(std::span<const std::pair<std::uint32_t, BlockSide>> present, std::uint32_t mask) {
  return std::all_of(present.begin(), present.end(),
                     [mask](const auto& p) { return p.second.counters.known_mask() == mask; });
}

std::uint32_t stride_of(std::span<const std::pair<std::uint32_t, BlockSide>> present) {
  const std::uint32_t mask = mask_of(present);
  return (uniform(present, mask) ? 1 : 2) + static_cast<std::uint32_t>(std::popcount(mask));
}

std::size_t words_of(std::span<const std::pair<std::uint32_t, BlockSide>> present) {
  return present.size() * stride_of(present);
}

}  // namespace

std::shared_ptr<std::uint64_t[]> SidesPool::take(std::size_t words) {
  if (words > kChunkWords / 4) return std::shared_ptr<std::uint64_t[]>(new std::uint64_t[words]);
  if (used_ + words > kChunkWords) {
    chunk_ = std::shared_ptr<std::uint64_t[]>(new std::uint64_t[kChunkWords]);
    used_ = 0;
  }
  std::shared_ptr<std::uint64_t[]> out(chunk_, chunk_.get() + used_);
  used_ += words;
  return out;
}

Sides::Sides(std::size_t n, std::span<const std::pair<std::uint32_t, BlockSide>> present)
    : n_(static_cast<std::uint32_t>(n)) {
  store(present, std::shared_ptr<std::uint64_t[]>(new std::uint64_t[words_of(present)]));
}

Sides::Sides(std::size_t n, std::span<const std::pair<std::uint32_t, BlockSide>> present, SidesPool& pool)
    : n_(static_cast<std::uint32_t>(n)) {
  store(present, pool.take(words_of(present)));
}

void Sides::store(std::span<const std::pair<std::uint32_t, BlockSide>> present,
                  std::shared_ptr<std::uint64_t[]> words) {
  mask_ = mask_of(present);
  stride_ = stride_of(present);
  const bool own_masks = !knowns_uniform();
  present_ = static_cast<std::uint32_t>(present.size());
  std::uint64_t* w = words.get();
  for (const auto& [snapshot, side] : present) {
    *w++ = std::uint64_t{snapshot} << 32 | side.regions;
    if (own_masks) *w++ = side.counters.known_mask();
    for (std::uint32_t m = mask_; m; m &= m - 1)
      *w++ = side.counters.value_or_zero(static_cast<Field>(std::countr_zero(m)));
  }
  words_ = std::move(words);
}

BlockSide Sides::present_side(std::size_t k) const {
  const std::uint64_t* w = words_.get() + k * stride_;
  BlockSide side;
  side.regions = static_cast<std::uint32_t>(w[0]);
  const bool uniform = knowns_uniform();
  const auto known = uniform ? mask_ : static_cast<std::uint32_t>(w[1]);
  std::size_t v = uniform ? 1 : 2;
  for (std::uint32_t m = mask_; m; m &= m - 1, ++v) {
    const auto f = static_cast<Field>(std::countr_zero(m));
    if ((known >> static_cast<unsigned>(f)) & 1u) side.counters.set(f, w[v]);
  }
  return side;
}

BlockSide Sides::operator[](std::size_t i) const {
  // Binary search over the sides present, by snapshot.
  std::size_t lo = 0, hi = present_count();
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    const std::uint32_t s = present_snapshot(mid);
    if (s == i) return present_side(mid);
    if (s < i)
      lo = mid + 1;
    else
      hi = mid;
  }
  return {};
}

void Sides::values(Field f, std::vector<double>& out) const {
  out.assign(n_, 0.0);
  const auto bit = static_cast<unsigned>(f);
  if (!((mask_ >> bit) & 1u)) return;
  // The value's place among the stored counters.
  const std::size_t v =
      (knowns_uniform() ? 1 : 2) + static_cast<std::size_t>(std::popcount(mask_ & ((1u << bit) - 1)));
  for (std::size_t k = 0; k < present_count(); ++k) {
    const std::uint64_t* w = words_.get() + k * stride_;
    out[w[0] >> 32] = static_cast<double>(w[v]);
  }
}

}  // namespace snap
