#include "snap/inspect/malloc_walk.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>

namespace snap::inspect {

namespace {

constexpr std::uint64_t kAlign = 16, kMinSize = 32, kHeaderSize = 16;
constexpr std::uint64_t kPrevInUse = 1, kIsMmapped = 2, kFlags = 7;
constexpr std::uint64_t kHeapMax = 64ULL << 20;  // HEAP_MAX_SIZE on 64-bit
constexpr std::uint64_t kHeapInfoSize = 48, kMallocStateSize = 2200;
constexpr std::uint64_t kTcacheChunk = 0x290;

/// Sequential reads of 8-byte words through a window of a megabyte: the
/// walk hops from header to header, and one system call a hop would cost
/// more than the walk.
class WordReader {
 public:
  WordReader(Memory& memory, std::uint64_t limit, std::uint64_t window, const Bytes* known)
      : memory_(memory), limit_(limit), window_size_(window), known_(known) {}

  std::optional<std::uint64_t> word(std::uint64_t address) {
    // The range itself was read already: its headers are not read twice.
    if (known_ && address >= known_->start && address + 8 <= known_->end() && known_->ok_at(address) &&
        known_->ok_at(address + 7)) {
      std::uint64_t w;
      std::memcpy(&w, known_->data.data() + (address - known_->start), 8);
      return w;
    }
    if (address < start_ || address + 8 > start_ + have_) {
      if (!fill(address)) return std::nullopt;
    }
    std::uint64_t w;
    std::memcpy(&w, window_.data() + (address - start_), 8);
    return w;
  }
  std::uint64_t bytes_read() const { return read_; }

 private:
  bool fill(std::uint64_t address) {
    start_ = address / kPage * kPage;
    const std::uint64_t end = std::max(std::min(limit_, start_ + window_size_), address + 8);
    window_.resize(end - start_);
    have_ = memory_.read(start_, window_.data(), window_.size());
    read_ += have_;
    return address + 8 <= start_ + have_;
  }

  Memory& memory_;
  std::uint64_t limit_, window_size_;
  const Bytes* known_;
  std::uint64_t start_ = 0, have_ = 0, read_ = 0;
  std::vector<unsigned char> window_;
};

std::optional<std::uint64_t> word_at(Memory& memory, std::uint64_t address) {
  std::uint64_t w;
  if (memory.read(address, &w, 8) != 8) return std::nullopt;
  return w;
}

}  // namespace

const char* heap_kind_name(HeapKind kind) {
  switch (kind) {
    case HeapKind::none: return "none";
    case HeapKind::main_heap: return "main-heap";
    case HeapKind::arena_heap: return "arena-heap";
    case HeapKind::mmapped_chunk: return "mmapped-chunk";
    case HeapKind::found_chunks: return "found-chunks";
  }
  return "none";
}

HeapLayout heap_layout(Memory& memory, const Mapping& m) {
  HeapLayout h;
  if (!m.readable()) return h;
  if (m.path == "[heap]") {
    h.kind = HeapKind::main_heap;
    h.first_chunk = (m.start + kHeaderSize + kAlign - 1) / kAlign * kAlign - kHeaderSize;
    h.end = m.end;
    return h;
  }
  if (!m.anonymous() || m.perms.size() < 2 || m.perms[1] != 'w') return h;
  const auto w0 = word_at(memory, m.start), w1 = word_at(memory, m.start + 8);
  if (!w0 || !w1) return h;
  const std::uint64_t length = m.end - m.start;
  // The main arena's heap where nothing names it (a core): its first chunk
  // is the one malloc's first call makes, the thread cache
  // (tcache_perthread_struct: 640 bytes, a 0x290 chunk, PREV_INUSE).
  if (*w0 == 0 && *w1 == (kTcacheChunk | kPrevInUse) && m.start % kAlign == 0) {
    h.kind = HeapKind::main_heap;
    h.first_chunk = m.start;
    h.end = m.end;
    return h;
  }
  // One allocation above the mmap threshold: prev_size 0, IS_MMAPPED, the
  // chunk within the mapping and a whole number of pages.
  const std::uint64_t msize = *w1 & ~kFlags;
  if (*w0 == 0 && (*w1 & kIsMmapped) && msize >= kPage && msize <= length && msize % kPage == 0) {
    h.kind = HeapKind::mmapped_chunk;
    h.first_chunk = m.start;
    h.end = m.start + msize;
    return h;
  }
  if (m.start % kHeapMax == 0) {
    const auto size = word_at(memory, m.start + 16), mprotect_size = word_at(memory, m.start + 24);
    const std::uint64_t ar_ptr = *w0, prev = *w1;
    if (!size || !mprotect_size || ar_ptr == 0 || ar_ptr % 8 || prev % kHeapMax) return h;
    if (*size < kHeapInfoSize + kMinSize || *size > length || *size > *mprotect_size) return h;
    std::uint64_t first = m.start + kHeapInfoSize;
    if (ar_ptr == first) first += kMallocStateSize;  // the arena's first heap
    first = (first + kHeaderSize + kAlign - 1) / kAlign * kAlign - kHeaderSize;
    h.kind = HeapKind::arena_heap;
    h.first_chunk = first;
    h.end = m.start + *size;
  }
  return h;
}

HeapLayout find_chunks(const Bytes& bytes, std::uint64_t end) {
  // A run must reach the end of the bytes: a few headers in a row happen by
  // chance in data (small integers), headers chained through a whole range
  // do not. The earliest start wins, as it loses the fewest chunks.
  constexpr std::uint64_t kSearch = 64 << 10, kMinRun = 8;
  HeapLayout h;
  const std::uint64_t first = (bytes.start + kAlign - 1) / kAlign * kAlign;
  auto size_at = [&](std::uint64_t p) -> std::optional<std::uint64_t> {
    if (p + kHeaderSize > bytes.end() || !bytes.ok_at(p + 8) || !bytes.ok_at(p + 15)) return std::nullopt;
    std::uint64_t w;
    std::memcpy(&w, bytes.data.data() + (p + 8 - bytes.start), 8);
    return w;
  };
  // Headers on a run that failed: another start that lands on one fails
  // the same way, so each header is followed once (a bit per 16 bytes).
  std::vector<bool> failed((bytes.end() - first) / kAlign + 1);
  auto slot = [&](std::uint64_t p) { return static_cast<std::size_t>((p - first) / kAlign); };
  for (std::uint64_t start = first; start < bytes.start + kSearch && start + kHeaderSize <= bytes.end();
       start += kAlign) {
    if (failed[slot(start)]) continue;
    std::uint64_t p = start, run = 0;
    std::vector<std::uint64_t> path;
    bool doomed = false;
    while (const auto field = size_at(p)) {
      const std::uint64_t size = *field & ~kFlags;
      if ((*field & kIsMmapped) || size < kMinSize || size % kAlign || p + size < p) break;
      path.push_back(p);
      ++run;
      p += size;
      if (p + kHeaderSize <= bytes.end() && failed[slot(p)]) {
        doomed = true;
        break;
      }
    }
    const bool reached_end = !doomed && p + kHeaderSize > bytes.end();
    if (!reached_end) {
      for (std::uint64_t q : path) failed[slot(q)] = true;
      failed[slot(start)] = true;
      continue;
    }
    if (run < kMinRun) continue;  // too short to tell, but a longer run may end the same way
    // The last chunk's header was read and it runs to (or past) the end.
    h.kind = HeapKind::found_chunks;
    h.first_chunk = start;
    h.end = std::max(end, bytes.end());
    return h;
  }
  return h;
}

ChunkCensus walk_chunks(Memory& memory, const HeapLayout& heap, std::uint64_t range_start,
                        std::uint64_t range_end, std::uint64_t max_read,
                        const std::function<void(const Chunk&)>& visit, const Bytes* known) {
  ChunkCensus c;
  c.heap = heap;
  if (heap.kind == HeapKind::none) {
    c.stop = "not malloc memory";
    return c;
  }
  std::map<std::uint64_t, SizeRow> rows;
  // A megabyte a read, less under a small --max-read so that it is kept.
  WordReader reader(memory, heap.end, std::clamp<std::uint64_t>(max_read, kPage, 1 << 20), known);
  auto in_range_bytes = [&](std::uint64_t p, std::uint64_t size) {
    return std::min(p + size, range_end) - p;
  };
  std::uint64_t p = heap.first_chunk;
  std::optional<std::uint64_t> size_field = reader.word(p + 8);
  for (;;) {
    if (p >= range_end) {
      c.stop = "end of the range";
      c.complete = true;
      break;
    }
    if (reader.bytes_read() > max_read) {
      c.stop = fmt::format("the read cap (--max-read) was reached walking from the heap's start at {:#x}",
                           heap.first_chunk);
      break;
    }
    if (!size_field) {
      c.stop = fmt::format("the chunk header at {:#x} cannot be read", p);
      break;
    }
    const std::uint64_t size = *size_field & ~kFlags;
    if (heap.kind == HeapKind::mmapped_chunk) {
      // One chunk; no next header: in use by construction.
      const Chunk chunk{p, size, true};
      if (p >= range_start) {
        rows[size].size = size;
        ++rows[size].count;
        rows[size].bytes += in_range_bytes(p, size);
        ++c.in_use_count;
        c.in_use_bytes += in_range_bytes(p, size);
        if (visit) visit(chunk);
      }
      p += size;
      c.stop = "end of the mmapped chunk";
      c.complete = p >= range_end;
      break;
    }
    if (*size_field & kIsMmapped) {
      c.stop = fmt::format("corrupt chunk header at {:#x}: IS_MMAPPED set inside a heap (size field {:#x})",
                           p, *size_field);
      break;
    }
    if (size < kMinSize || size % kAlign) {
      if (heap.kind == HeapKind::arena_heap && size == kHeaderSize)
        c.stop = fmt::format("the fencepost at {:#x} that ends a shrunk arena heap", p);
      else
        c.stop = fmt::format("corrupt chunk header at {:#x}: size field {:#x} is not a chunk size", p, *size_field);
      break;
    }
    if (p + size > heap.end || p + size < p) {
      c.stop = fmt::format("corrupt chunk header at {:#x}: size {:#x} runs past the heap's end {:#x}", p, size,
                           heap.end);
      break;
    }
    if (p + size == heap.end) {  // the top chunk: malloc's unused end of the heap
      if (p >= range_start) c.top_bytes += in_range_bytes(p, size);
      if (p >= range_start && visit) visit(Chunk{p, size, false});
      p += size;
      c.stop = "the top chunk (the heap's unused end)";
      c.complete = true;
      break;
    }
    const std::optional<std::uint64_t> next = reader.word(p + size + 8);
    const bool in_use = next && (*next & kPrevInUse);
    if (p >= range_start) {
      if (next) {
        const std::uint64_t b = in_range_bytes(p, size);
        if (in_use) {
          SizeRow& r = rows[size];
          r.size = size;
          ++r.count;
          r.bytes += b;
          ++c.in_use_count;
          c.in_use_bytes += b;
        } else {
          ++c.free_count;
          c.free_bytes += b;
        }
        if (visit) visit(Chunk{p, size, in_use});
      }
    } else {
      ++c.chunks_before;
    }
    if (!next) {
      p += size;
      c.stop = fmt::format("the chunk header at {:#x} cannot be read", p);
      break;
    }
    p += size;
    size_field = next;
  }
  c.stopped_at = p;
  c.bytes_read = reader.bytes_read();
  c.in_use.reserve(rows.size());
  for (auto& [size, row] : rows) c.in_use.push_back(row);
  std::sort(c.in_use.begin(), c.in_use.end(), [](const SizeRow& a, const SizeRow& b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    if (a.count != b.count) return a.count > b.count;
    return a.size < b.size;
  });
  return c;
}

}  // namespace snap::inspect
