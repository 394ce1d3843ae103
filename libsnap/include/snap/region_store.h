// The regions of one snapshot, held compactly: what the file said and no
// more. A Region is 416 bytes (a slot for every counter, strings of its
// own); a snapshot's regions share names ("" for every anonymous mapping,
// one path for a library's five mappings) and know the same few counters
// (pmap -x: four). Held as Regions, 200 snapshots of 2,000 mappings took
// 167 MB; here a mapping costs a 28-byte row and its non-zero counters, 4
// bytes each, and a file-backed mapping's offset, inode and device a word
// or two each (and VmFlags, in smaps, a word). Accessible, which the
// parsers set to the mapping's size (0 for PROT_NONE), costs nothing where
// it is that: it is read from the row's range (snap_gen's 60k pmap -x:
// 2.4 words of counters a mapping, not 3.3).
//
// Rows are read either whole, as a Region value (operator[], iteration),
// or column by column (start(), name(), counter(), ...), which copies
// nothing: the engine's sweeps use the columns.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "snap/counters.h"
#include "snap/region.h"
#include "snap/shared_name.h"

namespace snap {

class RegionStore {
 public:
  class Builder;

  /// Random access by value: each step makes the Region it points at.
  class iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = Region;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Region;
    iterator() = default;
    iterator(const RegionStore* s, std::size_t i) : s_(s), i_(i) {}
    Region operator*() const { return (*s_)[i_]; }
    Region operator[](difference_type k) const { return (*s_)[static_cast<std::size_t>(i_ + k)]; }
    iterator& operator++() { return ++i_, *this; }
    iterator operator++(int) { return {s_, i_++}; }
    iterator& operator--() { return --i_, *this; }
    iterator operator--(int) { return {s_, i_--}; }
    iterator& operator+=(difference_type k) { return i_ += static_cast<std::size_t>(k), *this; }
    iterator& operator-=(difference_type k) { return i_ -= static_cast<std::size_t>(k), *this; }
    iterator operator+(difference_type k) const { return {s_, i_ + static_cast<std::size_t>(k)}; }
    friend iterator operator+(difference_type k, iterator it) { return it + k; }
    iterator operator-(difference_type k) const { return {s_, i_ - static_cast<std::size_t>(k)}; }
    difference_type operator-(const iterator& o) const {
      return static_cast<difference_type>(i_) - static_cast<difference_type>(o.i_);
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }
    auto operator<=>(const iterator& o) const { return i_ <=> o.i_; }
    /// The row this iterator stands at.
    std::size_t index() const { return i_; }

   private:
    const RegionStore* s_ = nullptr;
    std::size_t i_ = 0;
  };

  RegionStore() = default;
  /// The rows in the given order (parse() hands them over sorted).
  explicit RegionStore(std::span<const Region> rows);
  RegionStore(std::initializer_list<Region> rows) : RegionStore(std::span<const Region>(rows.begin(), rows.size())) {}

  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  /// Row `i` as a Region (a copy: writing to it changes nothing here).
  const Region operator[](std::size_t i) const;
  /// operator[], after checking `i` (std::out_of_range).
  const Region at(std::size_t i) const;
  const Region front() const { return (*this)[0]; }
  const Region back() const { return (*this)[size() - 1]; }
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size()}; }
  std::vector<Region> to_vector() const;

  /// Appends one row. Names are looked up among those held: for snapshots
  /// built by hand; parsers hand a whole vector to the constructor.
  void push_back(const Region& r);
  void clear() { *this = RegionStore(); }

  // Columns: row `i`'s fields without building a Region.
  std::uint64_t start(std::size_t i) const { return start_of(rows_[i]); }
  std::uint64_t end(std::size_t i) const {
    const Row& r = rows_[i];
    return r.bits & kWideSize ? wide_end(r) : start_of(r) + r.size;
  }
  std::uint64_t bytes(std::size_t i) const { return end(i) - start(i); }
  /// The first row that starts at or after `address`, size() if none; for
  /// rows in address order (a snapshot's are).
  std::size_t first_from(std::uint64_t address) const;
  Perms perms(std::size_t i) const { return unpack_perms(rows_[i].bits); }
  std::string_view name(std::size_t i) const { return strings_[rows_[i].name].str(); }
  /// The same name, to keep (a block's): shared, not copied.
  const SharedName& shared_name(std::size_t i) const { return strings_[rows_[i].name]; }
  std::uint32_t line(std::size_t i) const { return rows_[i].line; }
  std::uint32_t known_mask(std::size_t i) const { return combo_of(rows_[i]).known; }
  bool known(std::size_t i, Field f) const { return (known_mask(i) >> static_cast<unsigned>(f)) & 1u; }
  /// Counter `f` of row `i`, 0 when unknown (Counters::value_or_zero).
  std::uint64_t counter(std::size_t i, Field f) const {
    const Row& r = rows_[i];
    const std::uint32_t nonzero = combo_of(r).nonzero;
    const unsigned bit = static_cast<unsigned>(f);
    if (!((nonzero >> bit) & 1u)) return 0;
    if (f == Field::accessible && (r.bits & kAccessibleIsSize)) return bytes(i);
    const auto k = static_cast<std::size_t>(ones(nonzero & ((1u << bit) - 1u)));
    return value(r, k, bit);
  }
  Counters counters(std::size_t i) const;
  /// Row i's counters that are known and not 0, one bit per field.
  std::uint32_t nonzero_mask(std::size_t i) const { return combo_of(rows_[i]).nonzero; }
  /// counters(i) added to `sum` (Counters::operator+=), without the copy.
  void add_counters(std::size_t i, Counters& sum) const;

  /// Region's predicates, by row.
  bool anonymous(std::size_t i) const { return anonymous_name(name(i)); }
  bool file_backed(std::size_t i) const { return file_backed_name(name(i)); }
  std::string_view basename(std::size_t i) const { return basename_of(name(i)); }

  /// Takes its names (paths, VmFlags) from `pool`, giving up its own
  /// copies: the snapshots of a series share one copy of each.
  void share_names(NamePool& pool);

  /// Equal rows in the same order.
  bool operator==(const RegionStore& o) const;

  /// Bytes held, for benchmarks and the memory tests' explanations.
  std::size_t footprint() const;

 private:
  // One mapping, 28 bytes: the counters live in values_, the strings in
  // strings_ (index 0 is ""), which counters the row knows and which of
  // them are not 0 in combos_. What most rows lack or have as 0 (an
  // offset, an inode, a device: pmap -x has none, smaps none but 00:00 for
  // anonymous memory; VmFlags: only smaps has them) follows the row's
  // counters in values_ only when it is neither absent nor 0: a code of two
  // bits each, or a flag, in `bits` says which. Fields of 32 bits, so that
  // a row aligns to 4, not 8.
  struct Row {
    std::uint32_t start_low = 0, start_high = 0;
    std::uint32_t size = 0;  // end - start (modulo 2^64); kWideSize: the end is in values_
    std::uint32_t name = 0;
    std::uint32_t line = 0;
    std::uint32_t values = 0;  // the first word of the row's counters in values_, by field
    std::uint16_t bits = 0;    // perms (r, w, x, s as bits 0..3), the codes and flags below
    std::uint16_t combo = 0;   // its known and non-zero counters: combos_[combo]; kComboInValues: in values_
  };
  static_assert(sizeof(Row) <= 28 && alignof(Row) <= 4, "a row per mapping: 60,000 smaps mappings, 1.7 MB");
  // Which counters a row knows, and which of those are not 0 (only they
  // are stored). A snapshot's rows have a few dozen of these pairs (pmap
  // -x: a handful): each distinct pair once, in combos_.
  struct Combo {
    std::uint32_t known = 0, nonzero = 0;
    bool operator==(const Combo&) const = default;
  };
  // Offset, inode and device, each a code at its shift in Row::bits:
  // absent, present as 0 (Device{0, 0}), one word after the counters (a
  // device as major << 20 | minor), or two (low, high; major, minor).
  enum : std::uint16_t { kAbsent = 0, kZero = 1, kOneWord = 2, kTwoWords = 3 };
  static constexpr unsigned kOffsetShift = 4, kInodeShift = 6, kDeviceShift = 8;
  // kHasVmFlags: the VmFlags string's index is a word after the device's.
  // kWideSize: the size does not fit 32 bits (a JVM's heap reservation, a
  // range built by hand): the end is the two words (low, high) just before
  // the counters. kComboInValues: past 65,536 distinct combos, a row's
  // known and non-zero masks are the two words before those (or before the
  // counters).
  // kAccessibleIsSize: Accessible is known, not 0, and the row's size,
  // read from the range rather than stored: what the parsers give every
  // mapping that is not PROT_NONE. It stays in the combo's masks, so that
  // what a row knows and holds reads as before.
  static constexpr std::uint16_t kHasVmFlags = 1u << 10, kHasExtra = 1u << 11, kHasWide = 1u << 12,
                                 kWideSize = 1u << 13, kComboInValues = 1u << 14,
                                 kAccessibleIsSize = 1u << 15;
  static constexpr std::uint32_t kAccessibleBit = 1u << static_cast<unsigned>(Field::accessible);
  // The last field, so that leaving its word out moves no other counter's.
  static_assert(static_cast<std::size_t>(Field::accessible) == kFieldCount - 1);
  static constexpr std::size_t kMaxCombos = std::size_t{1} << 16;
  // Words a row may add to values_: a combo, an end, two a counter, two
  // each for offset, inode and device, a VmFlags index.
  static constexpr std::size_t kMaxRowWords = 2 + 2 + 2 * kFieldCount + 6 + 1;
  // A smaps mapping knows 25 counters, of which most are 0, and the others
  // whole kB: a row stores its non-zero values as one 32-bit word each, in
  // kB (counts as they are: THPeligible, ProtectionKey). A row with a
  // value that does not fit (not whole kB, 4 TiB or more) is kHasWide: two
  // words a value, low then high.
  static constexpr std::uint32_t kRawFields =
      1u << static_cast<unsigned>(Field::thp_eligible) | 1u << static_cast<unsigned>(Field::protection_key);
  // The fields before the counts, which are next to each other.
  static constexpr std::uint32_t kBeforeRaw = (1u << std::countr_zero(kRawFields)) - 1u;
  static_assert(std::has_single_bit((kRawFields >> std::countr_zero(kRawFields)) + 1),
                "the counts are one run of fields");
  static std::uint64_t start_of(const Row& r) { return r.start_low | std::uint64_t{r.start_high} << 32; }
  std::uint64_t wide_end(const Row& r) const {
    return values_[r.values - 2] | std::uint64_t{values_[r.values - 1]} << 32;
  }
  // The row's counters that have a value in values_.
  static std::uint32_t stored_of(const Row& r, std::uint32_t nonzero) {
    return r.bits & kAccessibleIsSize ? nonzero & ~kAccessibleBit : nonzero;
  }
  Combo combo_of(const Row& r) const {
    if (!(r.bits & kComboInValues)) [[likely]]
      return combos_[r.combo];
    const std::size_t at = r.values - (r.bits & kWideSize ? 4 : 2);
    return {values_[at], values_[at + 1]};
  }
  std::uint64_t value(const Row& r, std::size_t k, unsigned bit) const {
    if (r.bits & kHasWide) return values_[r.values + 2 * k] | std::uint64_t{values_[r.values + 2 * k + 1]} << 32;
    const std::uint64_t v = values_[r.values + k];
    return (kRawFields >> bit) & 1u ? v : v << 10;
  }
  // std::popcount, inline: without the popcnt instruction (baseline
  // x86-64) it is a call into libgcc, per counter read.
  static unsigned ones(std::uint32_t x) {
#if defined(__POPCNT__) || !(defined(__x86_64__) || defined(__i386__))
    return static_cast<unsigned>(std::popcount(x));
#else
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    return (((x + (x >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24;
#endif
  }

  static std::uint16_t pack_perms(const Perms& p) {
    return static_cast<std::uint16_t>(p.read | p.write << 1 | p.exec << 2 | p.shared << 3);
  }
  static Perms unpack_perms(std::uint16_t b) { return {(b & 1) != 0, (b & 2) != 0, (b & 4) != 0, (b & 8) != 0}; }
  template <typename Intern>
  void append(const Region& r, Intern&& intern);
  // combos_' index of `c`, added if new; kMaxCombos when the table is full.
  std::uint32_t intern_combo(const Combo& c);
  // The lookup table is for building: a finished store gives it back
  // (intern_combo() rebuilds it if a row is pushed after).
  void release_combo_slots();

  std::vector<Row> rows_;
  std::vector<std::uint32_t> values_;
  std::vector<Combo> combos_;
  // combos_' indexes by a hash of the combo, open addressing (0: empty,
  // else index + 1), sized a power of 2 at least twice combos_: for push_back
  // and the builders, which look each row's combo up.
  std::vector<std::uint32_t> combo_slots_;
  std::vector<SharedName> strings_{SharedName()};
  // Unknown smaps keys (newer kernels' lines), by row, in row order.
  std::vector<std::pair<std::uint32_t, ExtraField>> extras_;
};

/// Builds a store row by row, as the parsers read: only the row being
/// filled is a whole Region; add() stores it and begins the next, so a
/// file of 262,144 mappings never needs 262,144 Regions at once. Each row
/// is given Accessible (counters.h): Size, or 0 for a PROT_NONE mapping
/// (neither takes a word).
class RegionStore::Builder {
 public:
  /// Room for `rows` rows: an estimate (smaps: its size over a typical
  /// mapping's bytes), of which only what is used becomes resident.
  void reserve(std::size_t rows);
  /// Room for `rows` rows, counted (pmap and maps lines, a core's
  /// segments): nearly all will be used, so their pages are made resident
  /// at once, cheaper than a fault each (detail::populate_write).
  void reserve_counted(std::size_t rows);
  /// Rows reserved.
  std::size_t capacity() const { return store_.rows_.capacity(); }
  /// Stores the current row, if any, and begins an empty one.
  Region& add();
  /// The row being filled (after add()).
  Region& current() { return current_; }
  /// Rows so far, the current one included.
  std::size_t size() const { return store_.size() + (open_ ? 1 : 0); }
  bool empty() const { return size() == 0; }
  /// Forgets every row: smaps_rollup's one block holds totals, not a row.
  void clear() { *this = Builder(); }
  /// Stores the current row and hands the store over.
  RegionStore finish();

 private:
  void store_current();
  RegionStore store_;
  Region current_;
  bool open_ = false;
  // Views of strings_' texts, which never move.
  std::unordered_map<std::string_view, std::uint32_t> index_{{std::string_view(), 0}};
  // The strings last interned, names in [0], VmFlags in [1], newest first:
  // a library's mappings come one after another under one name, and
  // neighbours share VmFlags, so most rows need no hash.
  std::uint32_t recent_[2][2] = {{0, 0}, {0, 0}};
};

}  // namespace snap
