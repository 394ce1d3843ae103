// snapinspect's library on memory built by the test: glibc chunk headers
// laid out by hand (in use, free, top, corrupt, unreadable), the ranges it
// parses, the strings and pages it counts.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "snap/inspect/census.h"
#include "snap/inspect/inspect.h"
#include "snap/inspect/malloc_walk.h"
#include "snap/inspect/memory.h"
#include "snap/inspect/symbols.h"

using namespace snap::inspect;

namespace {

/// Bytes at `base`, as the mappings say; pages in `holes` cannot be read.
class FakeMemory final : public Memory {
 public:
  FakeMemory(std::uint64_t base, std::size_t size, std::string path)
      : base_(base), bytes_(size, 0) {
    maps_.push_back(Mapping{base, base + size, "rw-p", 0, std::move(path)});
  }
  std::size_t read(std::uint64_t address, void* out, std::size_t len) override {
    std::size_t n = 0;
    while (n < len) {
      const std::uint64_t a = address + n;
      if (a < base_ || a >= base_ + bytes_.size() || hole(a)) break;
      static_cast<unsigned char*>(out)[n] = bytes_[a - base_];
      ++n;
    }
    return n;
  }
  const std::vector<Mapping>& mappings() const override { return maps_; }

  void put(std::uint64_t address, std::uint64_t word) { std::memcpy(&bytes_[address - base_], &word, 8); }
  void put_text(std::uint64_t address, const std::string& s) {
    std::memcpy(&bytes_[address - base_], s.data(), s.size());
  }
  void hole_at(std::uint64_t page) { holes_.push_back(page / kPage); }
  std::vector<unsigned char>& raw() { return bytes_; }

 private:
  bool hole(std::uint64_t a) const {
    for (auto h : holes_)
      if (a / kPage == h) return true;
    return false;
  }
  std::uint64_t base_;
  std::vector<unsigned char> bytes_;
  std::vector<Mapping> maps_;
  std::vector<std::uint64_t> holes_;
};

constexpr std::uint64_t kBase = 0x10000, kHeapSize = 0x10000;

/// A heap of chunks with the given sizes; `free` marks those not in use
/// (the next chunk's PREV_INUSE clear); the rest of the heap is the top.
/// Returns the chunks' addresses.
std::vector<std::uint64_t> lay_out(FakeMemory& m, const std::vector<std::uint64_t>& sizes,
                                   const std::vector<bool>& free) {
  std::vector<std::uint64_t> at;
  std::uint64_t p = kBase;
  bool prev_in_use = true;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    m.put(p + 8, sizes[i] | (prev_in_use ? 1 : 0));
    at.push_back(p);
    prev_in_use = !free[i];
    p += sizes[i];
  }
  m.put(p + 8, (kBase + kHeapSize - p) | (prev_in_use ? 1 : 0));  // top
  at.push_back(p);
  return at;
}

}  // namespace

TEST_CASE("a heap walked whole: sizes, free chunks, the top chunk") {
  FakeMemory m(kBase, kHeapSize, "[heap]");
  const auto at = lay_out(m, {0x290, 0x30, 0x30, 0x30, 0x100, 0x40, 0x40}, {false, false, false, false, true, false, false});
  const HeapLayout heap = heap_layout(m, m.mappings()[0]);
  REQUIRE(heap.kind == HeapKind::main_heap);
  CHECK(heap.first_chunk == kBase);
  std::vector<Chunk> seen;
  const ChunkCensus c = walk_chunks(m, heap, kBase, kBase + kHeapSize, 1 << 20, [&](const Chunk& k) { seen.push_back(k); });
  CHECK(c.complete);
  CHECK(c.stop.find("top chunk") != std::string::npos);
  CHECK(c.in_use_count == 6);
  CHECK(c.in_use_bytes == 0x290 + 3 * 0x30 + 2 * 0x40);
  CHECK(c.free_count == 1);
  CHECK(c.free_bytes == 0x100);
  CHECK(c.top_bytes == kBase + kHeapSize - at.back());
  REQUIRE(c.in_use.size() == 3);
  CHECK(c.in_use[0].size == 0x290);  // by bytes
  CHECK(c.in_use[1].size == 0x30);  // 3 x 0x30: 0x90 bytes
  CHECK(c.in_use[1].count == 3);
  CHECK(c.in_use[2].size == 0x40);
  CHECK(c.in_use[2].count == 2);
  REQUIRE(seen.size() == 8);  // 7 chunks and the top
  CHECK(seen[4].address == at[4]);
  CHECK_FALSE(seen[4].in_use);
}

TEST_CASE("a range in the middle: chunks before it are walked, not counted") {
  FakeMemory m(kBase, kHeapSize, "[heap]");
  const auto at = lay_out(m, {0x290, 0x30, 0x30, 0x30, 0x100, 0x40, 0x40}, {false, false, false, false, true, false, false});
  const ChunkCensus c = walk_chunks(m, heap_layout(m, m.mappings()[0]), at[2], at[5], 1 << 20);
  CHECK(c.complete);
  CHECK(c.stop == "end of the range");
  CHECK(c.chunks_before == 2);
  CHECK(c.in_use_count == 2);
  CHECK(c.free_count == 1);
  CHECK(c.stopped_at == at[5]);
}

TEST_CASE("a corrupt header stops the walk there, and says so") {
  for (std::uint64_t bad : {0x13ULL, 0x0ULL, 0x18ULL, 0x38ULL, 0x1000000ULL, 0x32ULL /* IS_MMAPPED */}) {
    FakeMemory m(kBase, kHeapSize, "[heap]");
    const auto at = lay_out(m, {0x290, 0x30, 0x30, 0x30}, {false, false, false, false});
    m.put(at[2] + 8, bad);
    const ChunkCensus c = walk_chunks(m, heap_layout(m, m.mappings()[0]), kBase, kBase + kHeapSize, 1 << 20);
    CAPTURE(bad);
    CHECK_FALSE(c.complete);
    CHECK(c.stopped_at == at[2]);
    CHECK(c.stop.find("corrupt chunk header") != std::string::npos);
    // 0x290 and the 0x30 before the bad one (in use or free as the bad
    // word's low bit says); nothing after it.
    CHECK(c.in_use_count + c.free_count == 2);
  }
}

TEST_CASE("an unreadable page stops the walk, and the read cap does too") {
  FakeMemory m(kBase, kHeapSize, "[heap]");
  std::vector<std::uint64_t> sizes(40, 0x400);
  const auto at = lay_out(m, sizes, std::vector<bool>(40, false));
  m.hole_at(kBase + 0x8000);
  const ChunkCensus c = walk_chunks(m, heap_layout(m, m.mappings()[0]), kBase, kBase + kHeapSize, 1 << 20);
  CHECK_FALSE(c.complete);
  CHECK(c.stop.find("cannot be read") != std::string::npos);
  CHECK(c.stopped_at == kBase + 0x8000);
  CHECK(c.in_use_count == 0x8000 / 0x400 - 1);

  FakeMemory m2(kBase, kHeapSize, "[heap]");
  lay_out(m2, sizes, std::vector<bool>(40, false));
  const ChunkCensus capped = walk_chunks(m2, heap_layout(m2, m2.mappings()[0]), kBase + 0x9000, kBase + kHeapSize, 0x1000);
  CHECK_FALSE(capped.complete);
  CHECK(capped.stop.find("read cap") != std::string::npos);
}

TEST_CASE("random words as a heap: the walk ends, inside the heap, without a crash") {
  std::mt19937_64 rng(17);
  for (int round = 0; round < 300; ++round) {
    FakeMemory m(kBase, kHeapSize, "[heap]");
    for (std::size_t i = 0; i < kHeapSize; i += 8) {
      // Mostly small plausible sizes, so that walks go some way.
      const std::uint64_t w = rng() % 4 == 0 ? rng() : (rng() % 64) * 16 + (rng() % 8);
      m.put(kBase + i, w);
    }
    const ChunkCensus c = walk_chunks(m, heap_layout(m, m.mappings()[0]), kBase, kBase + kHeapSize, 1 << 20);
    CHECK(c.stopped_at >= kBase);
    CHECK(c.stopped_at <= kBase + kHeapSize);
    CHECK(!c.stop.empty());
    CHECK(c.in_use_bytes + c.free_bytes + c.top_bytes <= kHeapSize);
  }
}

TEST_CASE("chunks found by their headers where the heap's start is not there") {
  // The heap from kBase, of which only the part from kBase + 0x1234 rounded
  // up is readable (a dump of the part that grew): chunks of 0x50 and 0x90
  // in turn, then the top chunk.
  FakeMemory m(kBase, kHeapSize, "[heap]");
  std::vector<std::uint64_t> sizes;
  for (int i = 0; i < 200; ++i) sizes.push_back(i % 2 ? 0x90 : 0x50);
  const std::vector<std::uint64_t> at = lay_out(m, sizes, std::vector<bool>(sizes.size(), false));
  const std::uint64_t cut = kBase + 0x2000;  // inside a chunk: 0x2000 is no multiple of 0xe0
  Bytes bytes = read_bytes(m, cut, kBase + kHeapSize);
  const HeapLayout found = find_chunks(bytes, kBase + kHeapSize);
  REQUIRE(found.kind == HeapKind::found_chunks);
  // The first chunk that starts at or after the cut.
  const std::uint64_t first = *std::lower_bound(at.begin(), at.end(), cut);
  CHECK(found.first_chunk == first);
  const ChunkCensus c = walk_chunks(m, found, cut, kBase + kHeapSize, 1 << 20, {}, &bytes);
  CHECK(c.complete);
  CHECK(c.in_use_count == static_cast<std::uint64_t>(at.end() - 1 - std::lower_bound(at.begin(), at.end(), cut)));
  CHECK(c.top_bytes == kBase + kHeapSize - at.back());
  REQUIRE(c.in_use.size() == 2);

  // A header broken near the end: no run through it reaches the end; the
  // chunks after it are found, from the next header on.
  m.put(at[190] + 8, 0x13);
  bytes = read_bytes(m, cut, kBase + kHeapSize);
  const HeapLayout after = find_chunks(bytes, kBase + kHeapSize);
  REQUIRE(after.kind == HeapKind::found_chunks);
  CHECK(after.first_chunk == at[191]);
  const ChunkCensus tail = walk_chunks(m, after, cut, kBase + kHeapSize, 1 << 20, {}, &bytes);
  CHECK(tail.complete);
  CHECK(tail.in_use_count == 9);  // 191 to 199, then the top

  // Broken there and at the last chunk before the top: nothing runs to the
  // end from the first 64 KiB, and nothing is claimed.
  m.put(at[199] + 8, 0x13);
  bytes = read_bytes(m, cut, kBase + kHeapSize);
  const HeapLayout none = find_chunks(bytes, kBase + kHeapSize);
  CHECK(none.kind == HeapKind::none);
}

TEST_CASE("no chunks are found in zeros, text or random words") {
  std::mt19937_64 rng(23);
  FakeMemory zeros(kBase, kHeapSize, "");
  CHECK(find_chunks(read_bytes(zeros, kBase, kBase + kHeapSize), kBase + kHeapSize).kind == HeapKind::none);
  FakeMemory text(kBase, kHeapSize, "");
  for (std::uint64_t i = 0; i + 16 <= kHeapSize; i += 16) text.put_text(kBase + i, "leaky widget pay");
  CHECK(find_chunks(read_bytes(text, kBase, kBase + kHeapSize), kBase + kHeapSize).kind == HeapKind::none);
  for (int round = 0; round < 100; ++round) {
    FakeMemory m(kBase, kHeapSize, "");
    for (std::size_t i = 0; i < kHeapSize; i += 8) m.put(kBase + i, rng());
    CHECK(find_chunks(read_bytes(m, kBase, kBase + kHeapSize), kBase + kHeapSize).kind == HeapKind::none);
  }
}

TEST_CASE("an arena heap: heap_info, malloc_state, then chunks") {
  constexpr std::uint64_t kArena = 64ULL << 20;  // aligned to HEAP_MAX_SIZE
  FakeMemory m(kArena, 0x21000, "");
  m.put(kArena, kArena + 48);  // ar_ptr: the malloc_state right after heap_info
  m.put(kArena + 8, 0);        // prev
  m.put(kArena + 16, 0x21000); // size
  m.put(kArena + 24, 0x21000); // mprotect_size
  const HeapLayout heap = heap_layout(m, m.mappings()[0]);
  REQUIRE(heap.kind == HeapKind::arena_heap);
  CHECK(heap.first_chunk == kArena + 0x8d0);  // 48 + 2200, aligned so that the user pointer is
  CHECK(heap.end == kArena + 0x21000);
  const std::uint64_t p = heap.first_chunk;
  m.put(p + 8, 0x50 | 5);  // NON_MAIN_ARENA | PREV_INUSE
  m.put(p + 0x50 + 8, (kArena + 0x21000 - p - 0x50) | 1);
  const ChunkCensus c = walk_chunks(m, heap, kArena, kArena + 0x21000, 1 << 20);
  CHECK(c.complete);
  CHECK(c.in_use_count == 1);
  REQUIRE(c.in_use.size() == 1);
  CHECK(c.in_use[0].size == 0x50);
}

TEST_CASE("an mmapped chunk is one in-use chunk; other anonymous memory is not malloc's") {
  FakeMemory m(0x7f0000000000, 0x21000, "");
  m.put(0x7f0000000000 + 8, 0x21000 | 2);
  const HeapLayout heap = heap_layout(m, m.mappings()[0]);
  REQUIRE(heap.kind == HeapKind::mmapped_chunk);
  const ChunkCensus c = walk_chunks(m, heap, 0x7f0000000000, 0x7f0000021000, 1 << 20);
  CHECK(c.in_use_count == 1);
  CHECK(c.in_use_bytes == 0x21000);

  FakeMemory plain(0x7f0000000000, 0x4000, "");
  CHECK(heap_layout(plain, plain.mappings()[0]).kind == HeapKind::none);
}

TEST_CASE("ranges as given on the command line and by snapdiff --ranges") {
  Range r;
  REQUIRE(parse_range("0x1000-0x2000", r));
  CHECK(r.start == 0x1000);
  CHECK(r.end == 0x2000);
  REQUIRE(parse_range("0x7f00 0x8000\r", r));
  CHECK(r.end == 0x8000);
  REQUIRE(parse_range("  55d0c0a00000-55d0c0a21000", r));
  CHECK(r.start == 0x55d0c0a00000);
  for (const char* bad : {"", "0x1000", "0x2000-0x1000", "0x1000-0x1000", "zz-0x10", "0x10-", "-0x10",
                          "0x1000-0x2000-0x3000", "0x10000000000000000-0x2", "0x1 0x2 0x3", "ten-twenty"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_range(bad, r));
  }
}

TEST_CASE("strings most repeated first, pages by kind") {
  FakeMemory m(kBase, 4 * kPage, "");
  for (int i = 0; i < 5; ++i) m.put_text(kBase + 100 + 40 * static_cast<std::uint64_t>(i), "repeated text");
  m.put_text(kBase + 400, "once only here");
  m.put_text(kBase + 500, "short");
  m.put_text(kBase + 600, std::string("ctl\x01\x02" "abc", 8));
  for (std::uint64_t a = kBase + 2 * kPage; a < kBase + 3 * kPage; a += 8) m.put(a, 0xdeadbeefdeadbeef);
  std::mt19937_64 rng(3);
  for (std::uint64_t a = kBase + 3 * kPage; a < kBase + 4 * kPage; a += 8) m.put(a, rng());
  const Bytes b = read_bytes(m, kBase, kBase + 4 * kPage);
  CHECK(b.unreadable_pages == 0);
  // Strings of the first two pages: random bytes hold printable runs too.
  const StringCensus s = string_census(read_bytes(m, kBase, kBase + 2 * kPage), 8, 10);
  REQUIRE(s.top.size() == 2);
  CHECK(s.top[0].text == "repeated text");
  CHECK(s.top[0].count == 5);
  CHECK(s.top[1].text == "once only here");
  CHECK(s.runs == 6);
  const PagePicture p = page_picture(b);
  CHECK(p.pages == 4);
  CHECK(p.zero == 1);
  CHECK(p.filled == 1);
  CHECK(p.fill_word == 0xdeadbeefdeadbeef);
  CHECK(p.high_entropy == 1);
}

TEST_CASE("unreadable pages are skipped and counted, their bytes never counted") {
  FakeMemory m(kBase, 4 * kPage, "");
  for (std::uint64_t a = kBase; a < kBase + 4 * kPage; a += 64) m.put_text(a, "abcdefghijkl");
  m.hole_at(kBase + kPage);
  const Bytes b = read_bytes(m, kBase + 8, kBase + 4 * kPage + 0x10000);  // past the mapping, too
  CHECK(b.unreadable_pages == 1 + 16);
  const StringCensus s = string_census(b, 8, 10);
  REQUIRE(s.top.size() == 1);
  CHECK(s.top[0].count == 3 * kPage / 64 - 1);  // the first one cut by the start
}

TEST_CASE("symbol labels: demangled names, vtables name their class, FILE+OFFSET without a symbol") {
  CHECK(demangle("_ZTV11LeakyWidget") == "vtable for LeakyWidget");
  CHECK(demangle("_ZN2ns3Foo3barEv") == "ns::Foo::bar()");
  CHECK(demangle("PyLong_Type") == "PyLong_Type");
  CHECK(demangle("_Znot a name") == "_Znot a name");
  Symbol vtable{"prog", 0x3d48, "vtable for ns::Widget<int>", 0x10};
  CHECK(vtable.label() == "vtable for ns::Widget<int>+0x10");
  CHECK(vtable.vtable_class() == "ns::Widget<int>");
  Symbol type{"libpython3.11.so.1.0", 0x558cc0, "PyLong_Type", 0};
  CHECK(type.label() == "PyLong_Type");
  CHECK(type.vtable_class().empty());
  Symbol hidden{"libz.so.1.2.13", 0x12560, "", 0};
  CHECK(hidden.label() == "libz.so.1.2.13+0x12560");
}
