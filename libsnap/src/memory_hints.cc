#include "memory_hints.h"

#include <sys/mman.h>

#include <cstdint>

namespace snap::detail {
namespace {

/// madvise(advice) over the part of [p, p + bytes) made of whole `align`
/// units, if there is any.
void advise_inner(const void* p, std::size_t bytes, std::uintptr_t align, int advice) {
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t first = (begin + align - 1) & ~(align - 1);
  const std::uintptr_t last = (begin + bytes) & ~(align - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, advice);
}

}  // namespace

void advise_huge(const void* p, std::size_t bytes) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  if (bytes >= 2 * kHuge) advise_inner(p, bytes, kHuge, MADV_HUGEPAGE);
}

void populate_write(const void* p, std::size_t bytes) {
  // Ignored where unsupported (before Linux 5.14): the faults come as before.
  advise_inner(p, bytes, 4096, MADV_POPULATE_WRITE);
}

}  // namespace snap::detail
