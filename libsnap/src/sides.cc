#include "snap/sides.h"

#include <algorithm>
#include <bit>
#include <tuple>

#include "memory_hints.h"

namespace snap {

namespace {

using Present = std::span<const std::pair<std::uint32_t, BlockSide>>;

// Counts, not amounts: stored as they are, not in kB.
constexpr std::uint32_t kRawFields =
    1u << static_cast<unsigned>(Field::thp_eligible) | 1u << static_cast<unsigned>(Field::protection_key);

constexpr auto kSize = 1u << static_cast<unsigned>(Field::size);
constexpr auto kAccessible = 1u << static_cast<unsigned>(Field::accessible);

/// What the sides hold, into `l`: the counters known, those not 0
/// somewhere, whether every side knows the same and whether every value
/// fits a word in kB.
void layout_of(Present present, detail::SidesLayout& l) {
  for (const auto& p : present) l.mask |= p.second.counters.known_mask();
  for (const auto& p : present) {
    const Counters& c = p.second.counters;
    if (c.known_mask() != l.mask) l.uniform = false;
    for (std::uint32_t m = c.known_mask(); m; m &= m - 1) {
      const auto bit = static_cast<unsigned>(std::countr_zero(m));
      const std::uint64_t v = c.value_or_zero(static_cast<Field>(bit));
      if (v == 0) continue;
      l.stored |= 1u << bit;
      if ((kRawFields >> bit) & 1u ? v > 0xffffffffu : (v & 1023u) != 0 || (v >> 10) > 0xffffffffu) l.wide = true;
    }
  }
  // Accessible is Size but for PROT_NONE regions: in a block without any
  // (nearly all), it is read from Size, not stored twice.
  l.accessible_is_size = !present.empty() && std::all_of(present.begin(), present.end(), [](const auto& p) {
    const Counters& c = p.second.counters;
    return (c.known_mask() & (kSize | kAccessible)) == (kSize | kAccessible) &&
           c.value_or_zero(Field::size) == c.value_or_zero(Field::accessible);
  });
  if (l.accessible_is_size) l.stored &= ~kAccessible;
}

}  // namespace

SidesPool::~SidesPool() { detail::release(chunk_); }

std::size_t SidesPool::LayoutHash::operator()(const detail::SidesLayout& l) const {
  std::uint64_t h = (std::uint64_t{l.n} << 32 | l.present) * 0x9e3779b97f4a7c15ull;
  h ^= (std::uint64_t{l.mask} << 32 | l.stored) + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
  h ^= std::uint64_t{l.stride} | std::uint64_t{l.uniform} << 8 | std::uint64_t{l.wide} << 9 |
       std::uint64_t{l.narrow} << 10 | std::uint64_t{l.dense} << 11 | std::uint64_t{l.accessible_is_size} << 12;
  return static_cast<std::size_t>(h * 0x9e3779b97f4a7c15ull);
}

namespace {

detail::SidesChunk* new_chunk(std::size_t words) {
  auto* c = new detail::SidesChunk;
  c->words.reset(new std::uint32_t[words]);
  return c;
}

}  // namespace

std::pair<detail::SidesChunk*, std::uint32_t> SidesPool::take(std::size_t words, const detail::SidesLayout& layout) {
  if (words > kChunkWords / 4) {
    detail::SidesChunk* own = new_chunk(words);
    own->layouts.push_back(layout);
    own->words[0] = 0;
    return {own, 0};
  }
  // A chunk is filled front to back: its page tables a step ahead of the
  // writes, in one call a step (populate_write, memory_hints.h), and never
  // much past what it holds.
  constexpr std::size_t kStepWords = std::size_t{1} << 14;
  if (used_ + words > kChunkWords) {
    detail::release(chunk_);
    chunk_ = new_chunk(kChunkWords);
    used_ = 0;
    index_.clear();
    detail::populate_write(chunk_->words.get(), kStepWords * sizeof(std::uint32_t));
  }
  if (const std::size_t next = (used_ / kStepWords + 1) * kStepWords; used_ + words > next && next < kChunkWords)
    detail::populate_write(chunk_->words.get() + next, kStepWords * sizeof(std::uint32_t));
  auto [it, added] = index_.try_emplace(layout, static_cast<std::uint32_t>(chunk_->layouts.size()));
  if (added) chunk_->layouts.push_back(layout);
  const auto at = static_cast<std::uint32_t>(used_);
  chunk_->words[at] = it->second;
  used_ += words;
  chunk_->refs.fetch_add(1, std::memory_order_relaxed);
  return {chunk_, at};
}

Sides::Sides(std::size_t n, Present present) {
  const auto [l, words] = plan(n, present);
  chunk_ = new_chunk(words);
  chunk_->layouts.push_back(l);
  chunk_->words[0] = 0;
  store(l, present);
}

Sides::Sides(std::size_t n, Present present, SidesPool& pool) {
  const auto [l, words] = plan(n, present);
  std::tie(chunk_, at_) = pool.take(words, l);
  store(l, present);
}

std::size_t Sides::encode(const detail::SidesLayout& l, const BlockSide& side, std::uint32_t* out) {
  std::uint32_t* w = out;
  for (std::uint32_t m = l.stored; m; m &= m - 1) {
    const auto bit = static_cast<unsigned>(std::countr_zero(m));
    const std::uint64_t v = side.counters.value_or_zero(static_cast<Field>(bit));
    if (l.wide) {
      *w++ = static_cast<std::uint32_t>(v);
      *w++ = static_cast<std::uint32_t>(v >> 32);
    } else {
      *w++ = static_cast<std::uint32_t>((kRawFields >> bit) & 1u ? v : v >> 10);
    }
  }
  return static_cast<std::size_t>(w - out);
}

std::pair<detail::SidesLayout, std::size_t> Sides::plan(std::size_t n, Present present) {
  detail::SidesLayout l;
  layout_of(present, l);
  l.n = static_cast<std::uint32_t>(n);
  l.present = static_cast<std::uint32_t>(present.size());
  l.dense = present.size() == n;
  l.stride = static_cast<std::uint8_t>((l.uniform ? 4 : 5) - (l.dense ? 1 : 0));
  // A side whose values are the previous side's shares them: a block that
  // did not change between two snapshots (most of them, in a diff and in a
  // trend) stores its values once.
  std::uint32_t a[2 * kFieldCount], b[2 * kFieldCount];
  std::uint32_t* prev = a;
  std::uint32_t* cur = b;
  std::size_t runs = 0, width = 0;
  bool small = l.uniform;  // a known mask takes 29 bits
  for (std::size_t k = 0; k < present.size(); ++k) {
    const auto& [snapshot, side] = present[k];
    small = small && snapshot <= 0xffffu && side.regions <= 0xffffu && side.first <= 0xffffu;
    width = encode(l, side, cur);
    if (k == 0 || !std::equal(cur, cur + width, prev)) ++runs;
    std::swap(prev, cur);
  }
  const std::size_t narrow_words = (present.size() * l.stride + 1) / 2;
  // Every run's start must fit a field too.
  l.narrow = small && narrow_words + runs * width <= 0xffffu;
  // The layout's index first.
  return {l, 1 + (l.narrow ? narrow_words : present.size() * l.stride) + runs * width};
}

void Sides::store(const detail::SidesLayout& l, Present present) {
  std::uint32_t* const base = chunk_->words.get() + at_ + 1;
  const std::size_t fields = present.size() * l.stride;
  const std::size_t header_words = l.narrow ? (fields + 1) / 2 : fields;
  std::fill(base, base + header_words, 0u);
  auto put = [&](std::size_t i, std::uint32_t v) {
    if (l.narrow)
      base[i >> 1] |= v << ((i & 1) * 16);
    else
      base[i] = v;
  };
  std::uint32_t* run = base + header_words;  // the value runs follow the headers
  std::uint32_t* last = nullptr;             // the newest run written
  std::uint32_t values[2 * kFieldCount];
  std::size_t field = 0;
  for (const auto& [snapshot, side] : present) {
    const std::size_t width = encode(l, side, values);
    if (!last || !std::equal(values, values + width, last)) {
      std::copy(values, values + width, run);
      last = run;
      run += width;
    }
    // Fields after the snapshot's move up one where it is not stored.
    const std::size_t at = field - (l.dense ? 1 : 0);
    if (!l.dense) put(at + kSnapshot, snapshot);
    put(at + kRegions, side.regions);
    put(at + kFirst, side.first);
    put(at + kValues, static_cast<std::uint32_t>(last - base));
    if (!l.uniform) put(at + kKnown, side.counters.known_mask());
    field += l.stride;
  }
}

std::uint64_t Sides::value(const detail::SidesLayout& l, std::size_t k, std::size_t j, unsigned bit) const {
  const std::uint32_t* v = base() + head(l, k, kValues);
  if (l.wide) return v[2 * j] | std::uint64_t{v[2 * j + 1]} << 32;
  return (kRawFields >> bit) & 1u ? v[j] : std::uint64_t{v[j]} << 10;
}

BlockSide Sides::present_side(std::size_t k) const {
  const detail::SidesLayout& l = layout();
  BlockSide side;
  side.regions = head(l, k, kRegions);
  side.first = head(l, k, kFirst);
  const std::uint32_t known = l.uniform ? l.mask : head(l, k, kKnown);
  std::size_t stored = 0;
  for (std::uint32_t m = l.mask; m; m &= m - 1) {
    const auto bit = static_cast<unsigned>(std::countr_zero(m));
    const bool has_value = (l.stored >> bit) & 1u;
    if ((known >> bit) & 1u) {
      const bool from_size = l.accessible_is_size && bit == static_cast<unsigned>(Field::accessible);
      side.counters.set(static_cast<Field>(bit), from_size   ? side.counters.value_or_zero(Field::size)
                                                 : has_value ? value(l, k, stored, bit)
                                                             : 0);
    }
    if (has_value) ++stored;
  }
  return side;
}

std::size_t Sides::find(const detail::SidesLayout& l, std::size_t i) const {
  if (l.dense) return i < l.present ? i : kAbsent;
  // Binary search over the sides present, by snapshot.
  std::size_t lo = 0, hi = l.present;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    const std::uint32_t s = head(l, mid, kSnapshot);
    if (s == i) return mid;
    if (s < i)
      lo = mid + 1;
    else
      hi = mid;
  }
  return kAbsent;
}

BlockSide Sides::operator[](std::size_t i) const {
  const std::size_t k = find(layout(), i);
  return k == kAbsent ? BlockSide{} : present_side(k);
}

void Sides::values(Field f, std::vector<double>& out) const {
  const detail::SidesLayout& l = layout();
  out.assign(l.n, 0.0);
  if (f == Field::accessible && l.accessible_is_size) f = Field::size;
  const auto bit = static_cast<unsigned>(f);
  // Unknown everywhere, or 0 everywhere.
  if (!((l.stored >> bit) & 1u)) return;
  // The value's place among the stored counters.
  const auto j = static_cast<std::size_t>(std::popcount(l.stored & ((1u << bit) - 1)));
  for (std::size_t p = 0; p < l.present; ++p) out[head(l, p, kSnapshot)] = static_cast<double>(value(l, p, j, bit));
}

std::size_t Sides::footprint() const {
  if (!chunk_) return 0;
  const detail::SidesLayout& l = layout();
  // Runs are written in order of side, each after the last.
  std::size_t runs = 0;
  for (std::size_t k = 0; k < l.present; ++k)
    if (k == 0 || head(l, k, kValues) != head(l, k - 1, kValues)) ++runs;
  const auto width = static_cast<std::size_t>(std::popcount(l.stored)) * (l.wide ? 2 : 1);
  const std::size_t fields = l.present * l.stride;
  return (1 + (l.narrow ? (fields + 1) / 2 : fields) + runs * width) * sizeof(std::uint32_t);
}

}  // namespace snap
