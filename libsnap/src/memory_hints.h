// Hints to the kernel about fresh buffers the engine is about to fill:
// how they are backed and when their pages are faulted in.
#pragma once

#include <cstddef>

namespace snap::detail {

/// Asks for transparent huge pages under a big, still untouched buffer (a
/// reserved Region vector): one fault per 2 MiB instead of one per 4 KiB,
/// which was a quarter of snapdiff's time. A hint; ignored where THP is off.
void advise_huge(const void* p, std::size_t bytes);

/// Fills the page tables of a fresh buffer that is about to be written
/// whole, in one call: a fault per 4 KiB page costs about twice as much
/// (15 against 7 microseconds on a virtual machine, where the faults of a
/// diff of two pmap -x files were most of its time). Only for a buffer
/// sized to what it will hold: the pages become resident at once.
void populate_write(const void* p, std::size_t bytes);

/// reserve(n) on a vector that will hold n elements, then advise_huge and
/// populate_write on its storage.
template <typename Vector>
void reserve_huge(Vector& v, std::size_t n) {
  v.reserve(n);
  advise_huge(v.data(), v.capacity() * sizeof(typename Vector::value_type));
  populate_write(v.data(), n * sizeof(typename Vector::value_type));
}

}  // namespace snap::detail
