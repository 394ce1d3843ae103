#include "snap/sides.h"

#include <algorithm>
#include <bit>

namespace snap {

namespace {

using Present = std::span<const std::pair<std::uint32_t, BlockSide>>;

// Counts, not amounts: stored as they are, not in kB.
constexpr std::uint32_t kRawFields =
    1u << static_cast<unsigned>(Field::thp_eligible) | 1u << static_cast<unsigned>(Field::protection_key);

/// What the sides hold: the counters known, those not 0 somewhere, whether
/// every side knows the same and whether every value fits a word in kB.
struct Layout {
  std::uint32_t mask = 0, stored = 0;
  bool uniform = true, wide = false;
};

Layout layout_of(Present present) {
  Layout l;
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
  return l;
}

}  // namespace

std::shared_ptr<std::uint32_t[]> SidesPool::take(std::size_t words) {
  if (words > kChunkWords / 4) return std::shared_ptr<std::uint32_t[]>(new std::uint32_t[words]);
  if (used_ + words > kChunkWords) {
    chunk_ = std::shared_ptr<std::uint32_t[]>(new std::uint32_t[kChunkWords]);
    used_ = 0;
  }
  std::shared_ptr<std::uint32_t[]> out(chunk_, chunk_.get() + used_);
  used_ += words;
  return out;
}

Sides::Sides(std::size_t n, Present present) : n_(static_cast<std::uint32_t>(n)) {
  const std::size_t words = plan(present);
  store(present, std::shared_ptr<std::uint32_t[]>(new std::uint32_t[words]));
}

Sides::Sides(std::size_t n, Present present, SidesPool& pool) : n_(static_cast<std::uint32_t>(n)) {
  store(present, pool.take(plan(present)));
}

std::size_t Sides::encode(const BlockSide& side, std::uint32_t* out) const {
  std::uint32_t* w = out;
  for (std::uint32_t m = stored_; m; m &= m - 1) {
    const auto bit = static_cast<unsigned>(std::countr_zero(m));
    const std::uint64_t v = side.counters.value_or_zero(static_cast<Field>(bit));
    if (wide_) {
      *w++ = static_cast<std::uint32_t>(v);
      *w++ = static_cast<std::uint32_t>(v >> 32);
    } else {
      *w++ = static_cast<std::uint32_t>((kRawFields >> bit) & 1u ? v : v >> 10);
    }
  }
  return static_cast<std::size_t>(w - out);
}

std::size_t Sides::plan(Present present) {
  const Layout l = layout_of(present);
  mask_ = l.mask;
  stored_ = l.stored;
  uniform_ = l.uniform;
  wide_ = l.wide;
  stride_ = static_cast<std::uint8_t>(uniform_ ? 4 : 5);
  // A side whose values are the previous side's shares them: a block that
  // did not change between two snapshots (most of them, in a diff and in a
  // trend) stores its values once.
  std::uint32_t a[2 * kFieldCount], b[2 * kFieldCount];
  std::uint32_t* prev = a;
  std::uint32_t* cur = b;
  std::size_t runs = 0, width = 0;
  bool small = uniform_;  // a known mask takes 29 bits
  for (std::size_t k = 0; k < present.size(); ++k) {
    const auto& [snapshot, side] = present[k];
    small = small && snapshot <= 0xffffu && side.regions <= 0xffffu && side.first <= 0xffffu;
    width = encode(side, cur);
    if (k == 0 || !std::equal(cur, cur + width, prev)) ++runs;
    std::swap(prev, cur);
  }
  const std::size_t narrow_words = (present.size() * stride_ + 1) / 2;
  // Every run's start must fit a field too.
  narrow_ = small && narrow_words + runs * width <= 0xffffu;
  return (narrow_ ? narrow_words : present.size() * stride_) + runs * width;
}

void Sides::store(Present present, std::shared_ptr<std::uint32_t[]> words) {
  present_ = static_cast<std::uint32_t>(present.size());
  std::uint32_t* const base = words.get();
  const std::size_t fields = present.size() * stride_;
  const std::size_t header_words = narrow_ ? (fields + 1) / 2 : fields;
  std::fill(base, base + header_words, 0u);
  auto put = [&](std::size_t i, std::uint32_t v) {
    if (narrow_)
      base[i >> 1] |= v << ((i & 1) * 16);
    else
      base[i] = v;
  };
  std::uint32_t* run = base + header_words;  // the value runs follow the headers
  std::uint32_t* last = nullptr;             // the newest run written
  std::uint32_t values[2 * kFieldCount];
  std::size_t field = 0;
  for (const auto& [snapshot, side] : present) {
    const std::size_t width = encode(side, values);
    if (!last || !std::equal(values, values + width, last)) {
      std::copy(values, values + width, run);
      last = run;
      run += width;
    }
    put(field + kSnapshot, snapshot);
    put(field + kRegions, side.regions);
    put(field + kFirst, side.first);
    put(field + kValues, static_cast<std::uint32_t>(last - base));
    if (!uniform_) put(field + kKnown, side.counters.known_mask());
    field += stride_;
  }
  words_ = std::move(words);
}

std::uint64_t Sides::value(std::size_t k, std::size_t j, unsigned bit) const {
  const std::uint32_t* v = words_.get() + head(k, kValues);
  if (wide_) return v[2 * j] | std::uint64_t{v[2 * j + 1]} << 32;
  return (kRawFields >> bit) & 1u ? v[j] : std::uint64_t{v[j]} << 10;
}

BlockSide Sides::present_side(std::size_t k) const {
  BlockSide side;
  side.regions = head(k, kRegions);
  side.first = head(k, kFirst);
  const std::uint32_t known = uniform_ ? mask_ : head(k, kKnown);
  std::size_t stored = 0;
  for (std::uint32_t m = mask_; m; m &= m - 1) {
    const auto bit = static_cast<unsigned>(std::countr_zero(m));
    const bool has_value = (stored_ >> bit) & 1u;
    if ((known >> bit) & 1u) side.counters.set(static_cast<Field>(bit), has_value ? value(k, stored, bit) : 0);
    if (has_value) ++stored;
  }
  return side;
}

std::size_t Sides::find(std::size_t i) const {
  // Binary search over the sides present, by snapshot.
  std::size_t lo = 0, hi = present_count();
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    const std::uint32_t s = present_snapshot(mid);
    if (s == i) return mid;
    if (s < i)
      lo = mid + 1;
    else
      hi = mid;
  }
  return kAbsent;
}

BlockSide Sides::operator[](std::size_t i) const {
  const std::size_t k = find(i);
  return k == kAbsent ? BlockSide{} : present_side(k);
}

void Sides::values(Field f, std::vector<double>& out) const {
  out.assign(n_, 0.0);
  const auto bit = static_cast<unsigned>(f);
  // Unknown everywhere, or 0 everywhere.
  if (!((stored_ >> bit) & 1u)) return;
  // The value's place among the stored counters.
  const auto j = static_cast<std::size_t>(std::popcount(stored_ & ((1u << bit) - 1)));
  for (std::size_t p = 0; p < present_count(); ++p) out[present_snapshot(p)] = static_cast<double>(value(p, j, bit));
}

std::size_t Sides::footprint() const {
  // Runs are written in order of side, each after the last.
  std::size_t runs = 0;
  for (std::size_t k = 0; k < present_count(); ++k)
    if (k == 0 || head(k, kValues) != head(k - 1, kValues)) ++runs;
  const auto width = static_cast<std::size_t>(std::popcount(stored_)) * (wide_ ? 2 : 1);
  const std::size_t fields = present_count() * stride_;
  return ((narrow_ ? (fields + 1) / 2 : fields) + runs * width) * sizeof(std::uint32_t);
}

}  // namespace snap
