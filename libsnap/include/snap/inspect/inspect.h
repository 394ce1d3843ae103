// What the bytes of address ranges of a process are: the allocation
// census of malloc memory (malloc_walk.h), the classes of the C++ objects
// in it, the pointers, strings and pages of the range (census.h). One
// report per range; the text and JSON emitters are below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "snap/inspect/census.h"
#include "snap/inspect/malloc_walk.h"
#include "snap/inspect/memory.h"
#include "snap/inspect/symbols.h"

namespace snap::inspect {

struct Range {
  std::uint64_t start = 0, end = 0;
};

/// "0xSTART-0xEND" (or "START-END", hexadecimal); nullopt-like false on
/// anything else, start >= end included.
bool parse_range(std::string_view text, Range& range);

struct InspectOptions {
  std::uint64_t max_read = 256ULL << 20;  // bytes of a range read (and of heap headers walked)
  std::size_t top = 10;                   // rows of each list
  std::size_t min_string = 8;             // shortest string counted
};

/// C++ objects: in-use chunks whose first word is a vtable pointer.
struct ClassRow {
  std::string name;
  std::uint64_t chunks = 0, bytes = 0;
};

struct RangeReport {
  Range range;
  std::string problem;  // not empty: the range was not inspected, and why
  std::string mapping;  // the mapping holding the start: its name, or "anonymous"
  std::string perms;
  std::uint64_t inspected_end = 0;  // range.end, or less when --max-read cut the range
  std::uint64_t bytes_read = 0;
  std::uint64_t unreadable_pages = 0;
  ChunkCensus chunks;  // heap.kind none: not malloc memory
  std::vector<ClassRow> classes;
  PointerCensus pointers;
  PagePicture pages;
  StringCensus strings;
};

struct Inspection {
  std::string source;  // "process 4242"
  std::string symbols_trouble;
  std::vector<RangeReport> ranges;
};

/// Inspects each range; a range outside every mapping, or with nothing
/// readable, has its `problem` said. Throws snap::ProcError when the
/// process is lost or refuses (permission).
Inspection inspect(Memory& memory, Symbolizer* symbols, const std::vector<Range>& ranges,
                   const InspectOptions& options);

/// With a `width`, the names in its lists (classes, pointer targets,
/// strings) are shortened from the left to fit it (snap/emit/fit.h);
/// `unicode` picks the ellipsis. 0: whole names.
void emit_inspect_text(std::string& out, const Inspection& inspection, std::size_t width = 0, bool unicode = true);
/// Schema snap.inspect/1 (docs/inspect.md).
void emit_inspect_json(std::string& out, const Inspection& inspection);

}  // namespace snap::inspect
