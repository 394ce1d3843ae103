#include "snap/counters.h"

#include <algorithm>
#include <cctype>

namespace snap {
namespace {

struct FieldInfo {
  std::string_view key;   // smaps spelling
  std::string_view name;  // snake_case
};

constexpr std::array<FieldInfo, kFieldCount> kFields = {{
    {"Size", "size"},
    {"KernelPageSize", "kernel_page_size"},
    {"MMUPageSize", "mmu_page_size"},
    {"Rss", "rss"},
    {"Pss", "pss"},
    {"Pss_Dirty", "pss_dirty"},
    {"Pss_Anon", "pss_anon"},
    {"Pss_File", "pss_file"},
    {"Pss_Shmem", "pss_shmem"},
    {"Shared_Clean", "shared_clean"},
    {"Shared_Dirty", "shared_dirty"},
    {"Private_Clean", "private_clean"},
    {"Private_Dirty", "private_dirty"},
    {"Referenced", "referenced"},
    {"Anonymous", "anonymous"},
    {"KSM", "ksm"},
    {"LazyFree", "lazy_free"},
    {"AnonHugePages", "anon_huge_pages"},
    {"ShmemPmdMapped", "shmem_pmd_mapped"},
    {"FilePmdMapped", "file_pmd_mapped"},
    {"Shared_Hugetlb", "shared_hugetlb"},
    {"Private_Hugetlb", "private_hugetlb"},
    {"Swap", "swap"},
    {"SwapPss", "swap_pss"},
    {"Locked", "locked"},
    {"THPeligible", "thp_eligible"},
    {"ProtectionKey", "protection_key"},
    {"Dirty", "dirty"},
    {"Private", "private"},
    {"Shared", "shared"},
    {"Accessible", "accessible"},
}};

bool iequal(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

std::string_view smaps_key(Field f) {
  return kFields[static_cast<std::size_t>(f)].key;
}
std::string_view field_name(Field f) {
  return kFields[static_cast<std::size_t>(f)].name;
}

std::optional<Field> field_from_smaps_key(std::string_view key) {
  for (std::size_t i = 0; i < kFieldCount; ++i)
    if (kFields[i].key == key) return static_cast<Field>(i);
  return std::nullopt;
}

std::optional<Field> field_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kFieldCount; ++i)
    if (iequal(kFields[i].name, name) || iequal(kFields[i].key, name)) return static_cast<Field>(i);
  return std::nullopt;
}

std::int64_t signed_delta(std::uint64_t before, std::uint64_t after) {
  if (after >= before) {
    std::uint64_t d = after - before;
    return d > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(d);
  }
  std::uint64_t d = before - after;
  return d > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MIN : -static_cast<std::int64_t>(d);
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return a > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

}  // namespace snap
