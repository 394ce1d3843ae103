// glibc malloc's chunks, walked from the start of the heap that holds a
// range: which allocation sizes fill the range, which chunks are free, and
// where the walk had to stop.
//
// The layout is glibc 2.36's on x86-64 (malloc/malloc.c): a chunk is
//
//   chunk -> | prev_size (8)                          |
//            | size (8): chunk bytes | A | M | P       |  A NON_MAIN_ARENA,
//   mem   -> | user data ...                          |  M IS_MMAPPED,
//   next  -> | prev_size | size of next | ... P=1 if  |  P PREV_INUSE
//            |             this chunk is in use       |
//
// chunk sizes are multiples of MALLOC_ALIGNMENT (16), at least MINSIZE
// (32); a chunk is in use when the next chunk's PREV_INUSE bit says so.
// Chunks cached in tcache and the fastbins keep that bit set: they count
// as in use, as glibc itself treats them. The walk starts at a heap's
// first chunk, never in the middle (sizes are only known from the start):
//
//   [heap]            the main arena: the first chunk at the start of the
//                     mapping (the program break's start is page aligned);
//                     the heap ends with the top chunk at its end. Where
//                     no name says [heap] (a core), an anonymous mapping
//                     whose first chunk is malloc's first, the thread
//                     cache (a 0x290 chunk), is taken for it.
//   arena heap        a non-main arena's heap: an anonymous mapping aligned
//                     to HEAP_MAX_SIZE (64 MiB) starting with heap_info
//                     {ar_ptr, prev, size, mprotect_size, pagesize} (48
//                     bytes); the arena's first heap holds its malloc_state
//                     (2200 bytes) after it, so ar_ptr == heap + 48 there.
//                     The heap's chunks end at heap + heap_info.size.
//   mmapped chunk     an allocation above the mmap threshold: a mapping of
//                     its own holding one chunk with IS_MMAPPED set.
//
//   found chunks      where no heap's start can be reached (the bytes
//                     before the range are not there: a dump file of the
//                     part of [heap] that grew, a heap whose start cannot
//                     be read), the first 16-aligned address of the range
//                     from which a run of valid headers reaches the range's
//                     end; chunks before it are not known.
//
// A header that breaks the rules (size below MINSIZE or not a multiple of
// 16, a chunk running past the heap's end, IS_MMAPPED inside a heap, an
// unreadable page) ends the walk: it stops there and says why; the bytes
// after it are not attributed to chunks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "snap/inspect/memory.h"

namespace snap::inspect {

enum class HeapKind { none, main_heap, arena_heap, mmapped_chunk, found_chunks };
const char* heap_kind_name(HeapKind kind);

/// Where a heap's chunks start and end.
struct HeapLayout {
  HeapKind kind = HeapKind::none;
  std::uint64_t first_chunk = 0;
  std::uint64_t end = 0;  // where the last chunk (the top chunk) ends
};

/// What kind of malloc memory `m` is, from its name and its first bytes
/// (read through `memory`); kind none when it is not malloc's.
HeapLayout heap_layout(Memory& memory, const Mapping& m);

/// A run of chunk headers in `bytes` that starts in their first 64 KiB and
/// reaches their end (at least 8 valid headers, each the next one's
/// predecessor): kind found_chunks from its first header, ending at `end`
/// (the end of the mapping, where it is known); kind none when the bytes
/// hold no such run. The bytes alone decide: what malloc memory looks
/// like, not where it is.
HeapLayout find_chunks(const Bytes& bytes, std::uint64_t end);

struct SizeRow {
  std::uint64_t size = 0;   // chunk size, header included
  std::uint64_t count = 0;  // chunks starting in the range
  std::uint64_t bytes = 0;  // of the range they hold (a chunk past its end is cut there)
};

struct Chunk {
  std::uint64_t address = 0;  // of the header; the user's pointer is address + 16
  std::uint64_t size = 0;
  bool in_use = false;
};

/// The chunks that start in [range_start, range_end).
struct ChunkCensus {
  HeapLayout heap;
  std::vector<SizeRow> in_use;  // by bytes, then count, largest first
  std::uint64_t in_use_count = 0, in_use_bytes = 0;
  std::uint64_t free_count = 0, free_bytes = 0;
  std::uint64_t top_bytes = 0;         // the top chunk's part of the range
  std::uint64_t chunks_before = 0;     // walked from the heap's start to the range
  std::uint64_t bytes_read = 0;        // headers read on the way (from the heap's start)
  std::uint64_t stopped_at = 0;        // the address the walk ended at
  std::string stop;                    // why, in words
  bool complete = false;               // every chunk of the range was walked
};

/// Walks `heap` from its first chunk to `range_end` (or its end), reading
/// at most `max_read` bytes of headers; `visit` sees each chunk of the
/// range. Never throws for what it finds in memory: a broken header is a
/// stop, said in `stop`. Headers inside `known` (the range's bytes, when
/// they were read already) are taken from it, not read again.
ChunkCensus walk_chunks(Memory& memory, const HeapLayout& heap, std::uint64_t range_start,
                        std::uint64_t range_end, std::uint64_t max_read,
                        const std::function<void(const Chunk&)>& visit = {}, const Bytes* known = nullptr);

}  // namespace snap::inspect
