// What the bytes of a range hold, counted without knowing their types:
// the page-level picture, printable strings, and pointers into the
// process's mappings. Each census reads a snap::inspect::Bytes and skips
// the pages that could not be read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "snap/inspect/memory.h"
#include "snap/inspect/symbols.h"

namespace snap::inspect {

/// Pages of the range (a partial page at either end counts as a page).
struct PagePicture {
  std::uint64_t pages = 0, unreadable = 0;
  std::uint64_t zero = 0;          // every byte 0
  std::uint64_t filled = 0;        // one 8-byte word repeated, not 0 (memset, a fill pattern)
  std::uint64_t fill_word = 0;     // the most frequent such word
  std::uint64_t fill_word_pages = 0;
  std::uint64_t high_entropy = 0;  // >= 7 bits a byte: compressed, encrypted or random data
  double mean_entropy = 0;         // bits a byte, over the readable pages
};
PagePicture page_picture(const Bytes& bytes);

struct StringRow {
  std::string text;  // the bytes as found (printable ASCII), cut at kMaxStringKept
  std::uint64_t count = 0;
  bool cut = false;  // the run was longer than what is kept
};
inline constexpr std::size_t kMaxStringKept = 200;
struct StringCensus {
  std::uint64_t runs = 0, bytes = 0;  // printable runs of at least the minimum length
  std::uint64_t distinct = 0;
  std::vector<StringRow> top;         // most repeated first, then longest
};
/// Runs of printable ASCII (and tab) of at least `min_length` bytes.
StringCensus string_census(const Bytes& bytes, std::size_t min_length, std::size_t top);

struct TargetRow {
  std::string label;   // symbol (+offset) or module+offset
  std::string module;
  std::uint64_t count = 0;
};
struct ModuleRow {
  std::string module;
  std::uint64_t count = 0;
};
struct PointerCensus {
  std::uint64_t words = 0;       // aligned 8-byte words read
  std::uint64_t into_heap = 0;   // [heap] and malloc's arenas: counted, not resolved
  std::uint64_t into_anon = 0;   // other anonymous mappings
  std::uint64_t into_stack = 0;  // [stack]
  std::uint64_t into_files = 0;  // file mappings: resolved below
  std::uint64_t into_other = 0;  // [vdso], [vvar], ...
  std::vector<TargetRow> targets;  // most pointed to first
  std::vector<ModuleRow> modules;
};
/// Every aligned word that points into a mapping of `maps`; `heaps` are
/// the mappings that hold malloc memory (their pointers are counted with
/// into_heap). `symbols` may be null: then module+offset from the maps.
PointerCensus pointer_census(const Bytes& bytes, const std::vector<Mapping>& maps,
                             const std::vector<const Mapping*>& heaps, Symbolizer* symbols, std::size_t top);

}  // namespace snap::inspect
