#include "snap/region_store.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "parsers.h"

namespace snap {

template <typename Intern>
void RegionStore::append(const Region& r, Intern&& intern) {
  // values_ is indexed by 32 bits: kMaxRegions (parse.h) x 29 counters fits
  // many times over, but a store is also built by hand.
  if (values_.size() + 2 * kFieldCount > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("RegionStore: too many counters");
  Row row;
  row.start = r.start;
  row.end = r.end;
  row.perms = pack_perms(r.perms);
  if (r.offset) row.offset = *r.offset, row.has |= kHasOffset;
  if (r.device) row.major = r.device->major, row.minor = r.device->minor, row.has |= kHasDevice;
  if (r.inode) row.inode = *r.inode, row.has |= kHasInode;
  row.name = intern(r.name);
  if (r.vm_flags) row.vm_flags = intern(*r.vm_flags), row.has |= kHasVmFlags;
  row.line = r.line;
  row.known = r.counters.known_mask();
  row.values = static_cast<std::uint32_t>(values_.size());
  // Rows of one snapshot know the same counters: room for as many values
  // as the rows reserved will need, at the first (about half are 0).
  if (values_.empty()) {
    values_.reserve(rows_.capacity() * static_cast<std::size_t>(std::popcount(row.known) / 2 + 1));
    detail::advise_huge(values_.data(), values_.capacity() * sizeof(std::uint32_t));
  }
  bool narrow = true;
  for (std::uint32_t m = row.known; m != 0; m &= m - 1) {
    const auto bit = static_cast<unsigned>(std::countr_zero(m));
    const std::uint64_t v = r.counters.value_or_zero(static_cast<Field>(bit));
    if (v == 0) continue;
    row.nonzero |= 1u << bit;
    if ((kRawFields >> bit) & 1u ? v > 0xffffffffu : (v & 1023u) != 0 || (v >> 10) > 0xffffffffu) narrow = false;
  }
  if (!narrow) row.has |= kHasWide;
  for (std::uint32_t m = row.nonzero; m != 0; m &= m - 1) {
    const auto bit = static_cast<unsigned>(std::countr_zero(m));
    const std::uint64_t v = r.counters.value_or_zero(static_cast<Field>(bit));
    if (!narrow) {
      values_.push_back(static_cast<std::uint32_t>(v));
      values_.push_back(static_cast<std::uint32_t>(v >> 32));
    } else {
      values_.push_back(static_cast<std::uint32_t>((kRawFields >> bit) & 1u ? v : v >> 10));
    }
  }
  if (!r.extra.empty()) {
    row.has |= kHasExtra;
    for (const ExtraField& e : r.extra) extras_.emplace_back(static_cast<std::uint32_t>(rows_.size()), e);
  }
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
  // the VmFlags of neighbours: the last two strings seen are tried first.
  std::string_view last[2];
  std::uint32_t last_id[2] = {0, 0};
  auto intern = [&](const std::string& s) {
    for (int k = 0; k < 2; ++k)
      if (s == last[k]) return last_id[k];
    auto [it, fresh] = index.try_emplace(s, static_cast<std::uint32_t>(strings_.size()));
    if (fresh) strings_.emplace_back(s);
    last[1] = last[0], last_id[1] = last_id[0];
    last[0] = it->first, last_id[0] = it->second;
    return it->second;
  };
  for (const Region& r : rows) append(r, intern);
  values_.shrink_to_fit();
  strings_.shrink_to_fit();
}

void RegionStore::push_back(const Region& r) {
  append(r, [&](const std::string& s) {
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
  // Only the row's known values are added, in place of a whole Counters of
  // 29; its zeros add nothing but that they are known.
  static constexpr std::uint64_t kZeros[kFieldCount] = {};
  const Row& row = rows_[i];
  std::uint64_t v[kFieldCount];
  std::size_t k = 0;
  for (std::uint32_t m = row.nonzero; m != 0; m &= m - 1, ++k)
    v[k] = value(row, k, static_cast<unsigned>(std::countr_zero(m)));
  sum.add_packed(row.nonzero, v);
  sum.add_packed(row.known & ~row.nonzero, kZeros);
}

const Region RegionStore::operator[](std::size_t i) const {
  const Row& row = rows_[i];
  Region r;
  r.start = row.start;
  r.end = row.end;
  r.perms = unpack_perms(row.perms);
  if (row.has & kHasOffset) r.offset = row.offset;
  if (row.has & kHasDevice) r.device = Device{row.major, row.minor};
  if (row.has & kHasInode) r.inode = row.inode;
  r.name = strings_[row.name].str();
  r.counters = counters(i);
  if (row.has & kHasVmFlags) r.vm_flags = strings_[row.vm_flags].str();
  if (row.has & kHasExtra) {
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

void RegionStore::Builder::store_current() {
  if (!open_) return;
  current_.counters.set(Field::accessible, current_.perms.none() ? 0 : current_.size());
  store_.append(current_, [&](const std::string& s) {
    if (auto it = index_.find(s); it != index_.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(store_.strings_.size());
    index_.emplace(store_.strings_.emplace_back(s).str(), id);
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
  // copy is done: for a few rows' slack (the parsers reserve by counting
  // lines) that doubles the parse's peak for nothing. Only a reserve that
  // was far off is given back.
  auto trim = [](auto& v) {
    if (v.capacity() - v.size() > v.capacity() / 8) v.shrink_to_fit();
  };
  trim(store_.rows_);
  trim(store_.values_);
  trim(store_.strings_);
  RegionStore out = std::move(store_);
  *this = Builder();
  return out;
}

std::size_t RegionStore::footprint() const {
  std::size_t bytes = rows_.capacity() * sizeof(Row) + values_.capacity() * sizeof(std::uint32_t) +
                      strings_.capacity() * sizeof(SharedName) + extras_.capacity() * sizeof(extras_[0]);
  // A name's text (counted wherever it is shared: an upper bound).
  for (const SharedName& s : strings_) bytes += s.empty() ? 0 : sizeof(std::string) + 8 + (s.size() > 15 ? s.size() + 1 : 0);
  return bytes;
}

void RegionStore::share_names(NamePool& pool) {
  for (SharedName& s : strings_) s = pool.intern(s.str());
}

}  // namespace snap
