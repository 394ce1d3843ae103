// Per-mapping memory counters, as /proc/PID/smaps and pmap report them.
//
// Contract: every value is in bytes, except THPeligible and ProtectionKey,
// which are plain numbers. A counter the source did not give is *unknown*,
// which is not the same as zero: pmap -x has no Pss, maps has no Rss.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <string_view>

namespace snap {

/// The counters snap knows by name. Order is the kernel's smaps order, so
/// that emitters list them the way /proc shows them. `dirty` is pmap -x's
/// "Dirty" column (Shared_Dirty + Private_Dirty); parsers of smaps derive it
/// so that a pmap -x and a smaps snapshot can be compared. `accessible` is
/// Size less PROT_NONE (---p) mappings: where Rss is unknown (maps, plain
/// pmap) it is what shows a glibc arena turning its reserve into heap.
/// `private_total` and `shared_total` ("Private", "Shared") are resident
/// bytes mapped by this process alone or also by others, clean and dirty
/// together: what a light snapshot counts from pagemap's "exclusively
/// mapped" bit, which has no dirty bit to split them by.
enum class Field : std::uint8_t {
  size,
  kernel_page_size,
  mmu_page_size,
  rss,
  pss,
  pss_dirty,
  pss_anon,
  pss_file,
  pss_shmem,
  shared_clean,
  shared_dirty,
  private_clean,
  private_dirty,
  referenced,
  anonymous,
  ksm,
  lazy_free,
  anon_huge_pages,
  shmem_pmd_mapped,
  file_pmd_mapped,
  shared_hugetlb,
  private_hugetlb,
  swap,
  swap_pss,
  locked,
  thp_eligible,
  protection_key,
  dirty,
  private_total,
  shared_total,
  accessible,
};

inline constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::accessible) + 1;

/// The key as the kernel spells it in smaps ("Pss_Dirty"); "Dirty" and
/// "Accessible" for the two derived counters.
std::string_view smaps_key(Field f);
/// The snake_case name used in JSON, CSV and on the command line ("pss_dirty").
std::string_view field_name(Field f);
/// Looks a field up by its smaps key (case-sensitive, as the kernel writes it).
std::optional<Field> field_from_smaps_key(std::string_view key);
/// Looks a field up by its snake_case name or its smaps key, ignoring case.
std::optional<Field> field_from_name(std::string_view name);
/// False for THPeligible and ProtectionKey, which are not sizes.
constexpr bool is_bytes(Field f) {
  return f != Field::thp_eligible && f != Field::protection_key;
}
/// False for KernelPageSize, MMUPageSize, THPeligible and ProtectionKey:
/// properties of a mapping, not amounts; a sum of them means nothing.
constexpr bool is_additive(Field f) {
  return f != Field::kernel_page_size && f != Field::mmu_page_size && f != Field::thp_eligible &&
         f != Field::protection_key;
}

/// after - before as a signed number, saturating at the int64 limits rather
/// than overflowing: fuzzed and hand-edited inputs hold 2^64-sized values.
std::int64_t signed_delta(std::uint64_t before, std::uint64_t after);
/// a + b, saturating at the int64 limits.
std::int64_t saturating_add(std::int64_t a, std::int64_t b);

/// A fixed set of counters, each known or unknown.
class Counters {
 public:
  bool known(Field f) const { return (known_ >> index(f)) & 1u; }
  std::optional<std::uint64_t> get(Field f) const {
    if (!known(f)) return std::nullopt;
    return values_[index(f)];
  }
  /// The value, or 0 when unknown: only for sums where the caller has
  /// already checked that the field is known.
  std::uint64_t value_or_zero(Field f) const { return values_[index(f)]; }
  void set(Field f, std::uint64_t v) {
    values_[index(f)] = v;
    known_ |= 1u << index(f);
  }
  void forget(Field f) {
    values_[index(f)] = 0;
    known_ &= ~(1u << index(f));
  }
  /// Bit i set when field i is known.
  std::uint32_t known_mask() const { return known_; }
  bool empty() const { return known_ == 0; }

  /// Adds every field known in `other`; a field becomes known when either
  /// side knows it. Sums of regions from one snapshot share one known set.
  /// Non-additive fields (is_additive) take the larger value instead. The
  /// one sum rule of snap: amounts saturate at 2^64-1 rather than wrap, so
  /// a file of absurd mappings never sums to a small number.
  Counters& operator+=(const Counters& other) {
    // Every field added (a loop the compiler vectorises), then the four
    // that are not amounts set to the larger value: the sum every diff and
    // total does per region.
    constexpr auto kKernelPage = static_cast<unsigned>(Field::kernel_page_size),
                   kMmuPage = static_cast<unsigned>(Field::mmu_page_size),
                   kThp = static_cast<unsigned>(Field::thp_eligible),
                   kPkey = static_cast<unsigned>(Field::protection_key);
    static_assert(!is_additive(Field::kernel_page_size) && !is_additive(Field::mmu_page_size) &&
                  !is_additive(Field::thp_eligible) && !is_additive(Field::protection_key));
    const std::uint64_t kernel_page = values_[kKernelPage], mmu_page = values_[kMmuPage], thp = values_[kThp],
                        pkey = values_[kPkey];
    for (std::size_t i = 0; i < kFieldCount; ++i) values_[i] = add_saturating(values_[i], other.values_[i]);
    values_[kKernelPage] = std::max(kernel_page, other.values_[kKernelPage]);
    values_[kMmuPage] = std::max(mmu_page, other.values_[kMmuPage]);
    values_[kThp] = std::max(thp, other.values_[kThp]);
    values_[kPkey] = std::max(pkey, other.values_[kPkey]);
    known_ |= other.known_;
    return *this;
  }

  /// operator+= for the fields of `mask` only, each made known (as 0 where
  /// `other` does not know it).
  void add(const Counters& other, std::uint32_t mask) {
    for (std::uint32_t m = mask; m != 0; m &= m - 1) {
      const auto i = static_cast<unsigned>(std::countr_zero(m));
      values_[i] = combine(i, values_[i], other.values_[i]);
    }
    known_ |= mask;
  }

  /// Adds, as operator+= does, the fields of `mask` whose values are
  /// `packed`, one per set bit in field order (RegionStore's rows).
  void add_packed(std::uint32_t mask, const std::uint64_t* packed) {
    for (std::uint32_t m = mask; m != 0; m &= m - 1) {
      const auto i = static_cast<unsigned>(std::countr_zero(m));
      values_[i] = combine(i, values_[i], *packed++);
    }
    known_ |= mask;
  }

  bool operator==(const Counters&) const = default;

 private:
  static constexpr unsigned index(Field f) { return static_cast<unsigned>(f); }
  static constexpr std::uint64_t add_saturating(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t sum = a + b;
    return sum | (0 - static_cast<std::uint64_t>(sum < a));
  }
  // Without branches: called per known value of every region summed.
  static constexpr std::uint64_t combine(unsigned i, std::uint64_t a, std::uint64_t b) {
    const std::uint64_t sum = add_saturating(a, b), larger = a < b ? b : a;
    return ((kAdditiveMask >> i) & 1u) ? sum : larger;
  }
  static constexpr std::uint32_t kAdditiveMask = [] {
    std::uint32_t m = 0;
    for (std::size_t i = 0; i < kFieldCount; ++i)
      if (is_additive(static_cast<Field>(i))) m |= 1u << i;
    return m;
  }();
  std::array<std::uint64_t, kFieldCount> values_{};
  std::uint32_t known_ = 0;
};

static_assert(kFieldCount <= 32, "Counters::known_ holds one bit per field");

}  // namespace snap
