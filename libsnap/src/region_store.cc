#include "snap/region_store.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "memory_hints.h"

namespace snap {

std::uint32_t RegionStore::intern_combo(const Combo& c) {
  // Neighbours share most: the last row's first.
  if (!rows_.empty() && !(rows_.back().bits & kComboInValues) && combos_[rows_.back().combo] == c)
    return rows_.back().combo;
  auto slot_of = [](const Combo& k, std::size_t slots) {
    const std::uint64_t h = (std::uint64_t{k.known} << 32 | k.nonzero) * 0x9e3779b97f4a7c15u;
    return static_cast<std::size_t>(h >> (64 - std::countr_zero(slots)));
  };
  if (combo_slots_.size() < 2 * (combos_.size() + 1)) {
    // Grown, or given back by finish(): rebuilt from combos_.
    std::size_t slots = 16;
    while (slots < 4 * (combos_.size() + 1)) slots *= 2;
    combo_slots_.assign(slots, 0);
    for (std::size_t i = 0; i < combos_.size(); ++i) {
      std::size_t at = slot_of(combos_[i], slots);
      while (combo_slots_[at] != 0) at = (at + 1) & (slots - 1);
      combo_slots_[at] = static_cast<std::uint32_t>(i + 1);
    }
  }
  const std::size_t mask = combo_slots_.size() - 1;
  std::size_t at = slot_of(c, combo_slots_.size());
  for (; combo_slots_[at] != 0; at = (at + 1) & mask)
    if (combos_[combo_slots_[at] - 1] == c) return combo_slots_[at] - 1;
  if (combos_.size() == kMaxCombos) return kMaxCombos;
  combos_.push_back(c);
  combo_slots_[at] = static_cast<std::uint32_t>(combos_.size());
  return static_cast<std::uint32_t>(combos_.size() - 1);
}

void RegionStore::release_combo_slots() {
  combo_slots_.clear();
  combo_slots_.shrink_to_fit();
}

template <typename Intern>
void RegionStore::append(const Region& r, Intern&& intern) {
  // values_ is indexed by 32 bits: kMaxRegions (parse.h) x 29 counters fits
  // many times over, but a store is also built by hand.
  if (values_.size() + kMaxRowWords > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("RegionStore: too many counters");
  const std::uint32_t known = r.counters.known_mask();
  // Rows of one snapshot know the same counters: room for as many values
  // as the rows reserved will need, at the first (about half are 0, and
  // Accessible is mostly the size, not stored).
  if (values_.empty()) {
    const auto per_row = static_cast<std::size_t>(std::popcount(known & ~kAccessibleBit) + 2);
    values_.reserve(rows_.capacity() * per_row / 2);
    detail::advise_huge(values_.data(), values_.capacity() * sizeof(std::uint32_t));
  }
  Row row;
  row.start_low = static_cast<std::uint32_t>(r.start);
  row.start_high = static_cast<std::uint32_t>(r.start >> 32);
  row.name = intern(r.name, 0);
  std::uint16_t bits = pack_perms(r.perms);
  row.line = r.line;

  // Modulo 2^64, so that start + size is the end whatever the two are.
  const std::uint64_t size = r.end - r.start;
  // Accessible read from the size (kAccessibleIsSize): not stored, and
  // not a reason to store the others wide. Perms need no test: a PROT_NONE
  // row's Accessible is 0, which takes no word anyway, and one that is the
  // size (by hand) reads back as the size all the same.
  const bool accessible_is_size =
      (known & kAccessibleBit) && size != 0 && r.counters.value_or_zero(Field::accessible) == size;
  const std::uint32_t unstored = accessible_is_size ? kAccessibleBit : 0;

  // The known counters that are not 0, each as the word it is stored as:
  // in kB but for the counts, which lie together (kRawFields).
  std::uint32_t nonzero = unstored;
  std::uint32_t words[kFieldCount];
  std::size_t n = 0;
  std::uint64_t in_kb = 0, counts = 0;  // every value stored, or-ed: whether one does not fit
  auto take = [&](std::uint32_t fields, unsigned shift, std::uint64_t& all) {
    for (std::uint32_t m = known & fields; m != 0; m &= m - 1) {
      const auto bit = static_cast<unsigned>(std::countr_zero(m));
      const std::uint64_t x = r.counters.value_or_zero(static_cast<Field>(bit));
      if (x == 0) continue;
      nonzero |= 1u << bit;
      all |= x;
      words[n++] = static_cast<std::uint32_t>(x >> shift);
    }
  };
  take(kBeforeRaw, 10, in_kb);
  take(kRawFields, 0, counts);
  take(~(kBeforeRaw | kRawFields | unstored), 10, in_kb);

  // Before the counters: the combo, when the table is full, then the end,
  // when the size is wide (end() finds it at values - 2 either way).
  const Combo combo{known, nonzero};
  const std::uint32_t index = intern_combo(combo);
  if (index < kMaxCombos) {
    row.combo = static_cast<std::uint16_t>(index);
  } else {
    bits |= kComboInValues;
    values_.push_back(combo.known);
    values_.push_back(combo.nonzero);
  }
  if (size >> 32 == 0) {
    row.size = static_cast<std::uint32_t>(size);
  } else {
    bits |= kWideSize;
    values_.push_back(static_cast<std::uint32_t>(r.end));
    values_.push_back(static_cast<std::uint32_t>(r.end >> 32));
  }
  row.values = static_cast<std::uint32_t>(values_.size());

  const bool misfit = (in_kb & 1023u) != 0 || in_kb >> 42 != 0 || counts >> 32 != 0;
  if (!misfit) {
    values_.insert(values_.end(), words, words + n);
  } else {
    bits |= kHasWide;
    for (std::uint32_t m = nonzero & ~unstored; m != 0; m &= m - 1) {
      const std::uint64_t x = r.counters.value_or_zero(static_cast<Field>(std::countr_zero(m)));
      values_.push_back(static_cast<std::uint32_t>(x));
      values_.push_back(static_cast<std::uint32_t>(x >> 32));
    }
  }

  // Offset, inode, device, VmFlags, in that order, after the counters.
  auto code_of = [](const std::optional<std::uint64_t>& v) -> std::uint16_t {
    if (!v) return kAbsent;
    if (*v == 0) return kZero;
    return *v >> 32 ? kTwoWords : kOneWord;
  };
  const std::uint16_t offset = code_of(r.offset), inode = code_of(r.inode);
  bits |= static_cast<std::uint16_t>(offset << kOffsetShift | inode << kInodeShift);
  auto put = [&](std::uint16_t code, const std::optional<std::uint64_t>& value) {
    if (code >= kOneWord) values_.push_back(static_cast<std::uint32_t>(*value));
    if (code == kTwoWords) values_.push_back(static_cast<std::uint32_t>(*value >> 32));
  };
  put(offset, r.offset);
  put(inode, r.inode);
  if (r.device) {
    const Device d = *r.device;
    if ((d.major | d.minor) == 0) {
      bits |= kZero << kDeviceShift;
    } else if (d.major < (1u << 12) && d.minor < (1u << 20)) {
      bits |= kOneWord << kDeviceShift;
      values_.push_back(d.major << 20 | d.minor);
    } else {
      bits |= kTwoWords << kDeviceShift;
      values_.push_back(d.major);
      values_.push_back(d.minor);
    }
  }
  if (r.vm_flags) {
    bits |= kHasVmFlags;
    values_.push_back(intern(*r.vm_flags, 1));
  }

  if (accessible_is_size) bits |= kAccessibleIsSize;
  if (!r.extra.empty()) {
    bits |= kHasExtra;
    for (const ExtraField& e : r.extra) extras_.emplace_back(static_cast<std::uint32_t>(rows_.size()), e);
  }
  row.bits = bits;
  rows_.push_back(row);
}

RegionStore::RegionStore(std::span<const Region> rows) {
  rows_.reserve(rows.size());
  std::size_t values = 0;
  for (const Region& r : rows) values += static_cast<std::size_t>(std::popcount(r.counters.known_mask()));
  values_.reserve(values / 2);
  // Views into `rows`, which outlive the constructor.
  std::unordered_map<std::string_view, std::uint32_t> index{{std::string_view(), 0}};
  // A library's mappings come one after another under one name, and so do
  // the VmFlags of neighbours: the last two strings of each kind seen are
  // tried first.
  std::uint32_t recent[2][2] = {{0, 0}, {0, 0}};
  auto intern = [&](const std::string& s, int kind) {
    std::uint32_t* last = recent[kind];
    if (strings_[last[0]] == s) return last[0];
    if (strings_[last[1]] == s) return std::swap(last[0], last[1]), last[0];
    auto [it, fresh] = index.try_emplace(s, static_cast<std::uint32_t>(strings_.size()));
    if (fresh) strings_.emplace_back(s);
    last[1] = last[0], last[0] = it->second;
    return it->second;
  };
  for (const Region& r : rows) append(r, intern);
  release_combo_slots();
  values_.shrink_to_fit();
  strings_.shrink_to_fit();
}

void RegionStore::push_back(const Region& r) {
  append(r, [&](const std::string& s, int) {
    auto it = std::find(strings_.begin(), strings_.end(), s);
    if (it != strings_.end()) return static_cast<std::uint32_t>(it - strings_.begin());
    strings_.emplace_back(s);
    return static_cast<std::uint32_t>(strings_.size() - 1);
  });
}

Counters RegionStore::counters(std::size_t i) const {
  Counters c;
  add_counters(i, c);
  return c;
}

void RegionStore::add_counters(std::size_t i, Counters& sum) const {
  // Only the row's non-zero values are added, in place of a whole
  // Counters; its zeros add nothing but that they are known, and only where
  // `sum` does not know them yet (x + 0 and max(x, 0) are x).
  const Row& row = rows_[i];
  const auto [known, nonzero] = combo_of(row);
  std::uint64_t v[kFieldCount];
  std::size_t k = 0;
  const std::uint32_t* w = values_.data() + row.values;
  const std::uint32_t stored = stored_of(row, nonzero);
  if (row.bits & kHasWide) {
    for (std::uint32_t m = stored; m != 0; m &= m - 1, ++k, w += 2) v[k] = w[0] | std::uint64_t{w[1]} << 32;
  } else {
    for (unsigned n = ones(stored); k < n; ++k) v[k] = std::uint64_t{w[k]} << 10;
    // The counts, stored as they are.
    for (std::uint32_t m = nonzero & kRawFields; m != 0; m &= m - 1) {
      const unsigned at = ones(nonzero & ((1u << std::countr_zero(m)) - 1u));
      v[at] = w[at];
    }
  }
  // Accessible, the last field, after the stored ones.
  if (stored != nonzero) v[k] = bytes(i);
  sum.add_packed(nonzero, v);
  // Made known as they are: what `sum` holds of a field it does not know.
  for (std::uint32_t m = known & ~nonzero & ~sum.known_mask(); m != 0; m &= m - 1) {
    const auto f = static_cast<Field>(std::countr_zero(m));
    sum.set(f, sum.value_or_zero(f));
  }
}

const Region RegionStore::operator[](std::size_t i) const {
  const Row& row = rows_[i];
  Region r;
  r.start = start(i);
  r.end = end(i);
  r.perms = unpack_perms(row.bits);
  // Offset, inode, device and VmFlags follow the counters.
  const std::uint32_t* w = values_.data() + row.values +
                           ones(stored_of(row, combo_of(row).nonzero)) * (row.bits & kHasWide ? 2 : 1);
  auto take = [&](unsigned shift) -> std::optional<std::uint64_t> {
    switch ((row.bits >> shift) & 3u) {
      case kAbsent: return std::nullopt;
      case kZero: return 0;
      case kOneWord: return *w++;
      default: w += 2; return w[-2] | std::uint64_t{w[-1]} << 32;
    }
  };
  r.offset = take(kOffsetShift);
  r.inode = take(kInodeShift);
  switch ((row.bits >> kDeviceShift) & 3u) {
    case kAbsent: break;
    case kZero: r.device = Device{0, 0}; break;
    case kOneWord: r.device = Device{*w >> 20, *w & 0xfffffu}, ++w; break;
    default: r.device = Device{w[0], w[1]}, w += 2; break;
  }
  if (row.bits & kHasVmFlags) r.vm_flags = strings_[*w].str();
  r.name = strings_[row.name].str();
  r.counters = counters(i);
  if (row.bits & kHasExtra) {
    auto first = std::lower_bound(extras_.begin(), extras_.end(), i,
                                  [](const auto& e, std::size_t k) { return e.first < k; });
    for (; first != extras_.end() && first->first == i; ++first) r.extra.push_back(first->second);
  }
  r.line = row.line;
  return r;
}

const Region RegionStore::at(std::size_t i) const {
  if (i >= size()) throw std::out_of_range("RegionStore::at");
  return (*this)[i];
}

std::vector<Region> RegionStore::to_vector() const {
  return {begin(), end()};
}

bool RegionStore::operator==(const RegionStore& o) const {
  if (size() != o.size()) return false;
  for (std::size_t i = 0; i < size(); ++i)
    if ((*this)[i] != o[i]) return false;
  return true;
}

void RegionStore::Builder::reserve(std::size_t rows) {
  store_.rows_.reserve(rows);
  detail::advise_huge(store_.rows_.data(), store_.rows_.capacity() * sizeof(Row));
}

void RegionStore::Builder::reserve_counted(std::size_t rows) {
  reserve(rows);
  detail::populate_write(store_.rows_.data(), rows * sizeof(Row));
}

void RegionStore::Builder::store_current() {
  if (!open_) return;
  current_.counters.set(Field::accessible, current_.perms.none() ? 0 : current_.size());
  store_.append(current_, [&](const std::string& s, int kind) {
    std::uint32_t* last = recent_[kind];
    if (store_.strings_[last[0]] == s) return last[0];
    if (store_.strings_[last[1]] == s) return std::swap(last[0], last[1]), last[0];
    if (auto it = index_.find(s); it != index_.end()) {
      last[1] = last[0], last[0] = it->second;
      return it->second;
    }
    const auto id = static_cast<std::uint32_t>(store_.strings_.size());
    index_.emplace(store_.strings_.emplace_back(s).str(), id);
    last[1] = last[0], last[0] = id;
    return id;
  });
  open_ = false;
}

Region& RegionStore::Builder::add() {
  store_current();
  current_.clear();
  open_ = true;
  return current_;
}

RegionStore RegionStore::Builder::finish() {
  store_current();
  // shrink_to_fit copies the whole vector, the old one alive until the
  // copy is done, and the pages of a reserve never written are not
  // resident anyway: for the slack of an estimate (rows by counting lines
  // or by a typical mapping's bytes, values by the first row's counters)
  // the copy costs time and a doubled peak for nothing. Only a reserve
  // that was far off, more than half unused, is given back.
  auto trim = [](auto& v) {
    if (v.capacity() - v.size() > v.capacity() / 2) v.shrink_to_fit();
  };
  trim(store_.rows_);
  trim(store_.values_);
  trim(store_.combos_);
  store_.release_combo_slots();
  trim(store_.strings_);
  RegionStore out = std::move(store_);
  *this = Builder();
  return out;
}

std::size_t RegionStore::footprint() const {
  std::size_t bytes = rows_.capacity() * sizeof(Row) +
                      (values_.capacity() + combo_slots_.capacity()) * sizeof(std::uint32_t) +
                      combos_.capacity() * sizeof(Combo) + strings_.capacity() * sizeof(SharedName) +
                      extras_.capacity() * sizeof(extras_[0]);
  // A name's text (counted wherever it is shared: an upper bound).
  for (const SharedName& s : strings_)
    bytes += s.empty() ? 0 : sizeof(std::string) + 8 + (s.size() > 15 ? s.size() + 1 : 0);
  return bytes;
}

void RegionStore::share_names(NamePool& pool) {
  for (SharedName& s : strings_) s = pool.intern(s.str());
}

std::size_t RegionStore::first_from(std::uint64_t address) const {
  const auto it = std::partition_point(rows_.begin(), rows_.end(), [&](const Row& r) { return start_of(r) < address; });
  return static_cast<std::size_t>(it - rows_.begin());
}

}  // namespace snap
