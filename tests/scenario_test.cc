// The real leaks of testdata/ (see GROUND_TRUTH.md), found whichever format
// is diffed. Growth is asserted to the KiB. Formats of one snapshot were read
// one after another (pmap, pmap -x, -X, -XX, smaps, rollup, maps) while the
// process kept leaking, so each format has its own exact answer; smaps is
// the reference the ground truth quotes.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "snap/analyze.h"
#include "testdata.h"

namespace {

using snap::Category;
using snap::Field;
using snap::test::KiB;

struct Leak {
  std::uint64_t start, end;
  Category category;
  std::int64_t growth_kib;  // of the ranking counter
};

struct Case {
  const char* before;
  const char* after;
  Field sort;  // what the report ranks by for this pair
  std::vector<Leak> top;  // the first rows, in order
};

using Keep = std::shared_ptr<const snap::Series>;

/// The two snapshots read and compared as snapdiff BEFORE AFTER does; the
/// report points into `keep`.
snap::DiffReport diff(const char* a, const char* b, Keep& keep, snap::AnalyzeOptions o = {}) {
  snap::SeriesOptions so;
  so.inputs = {snap::test::path(a), snap::test::path(b)};
  keep = std::make_shared<const snap::Series>(snap::load_series(so));
  snap::Analysis analysis = snap::analyze(keep, o);
  REQUIRE(analysis.diff);
  return std::move(*analysis.diff);
}

void check(const Case& c) {
  CAPTURE(c.before);
  CAPTURE(c.after);
  Keep keep;
  auto r = diff(c.before, c.after, keep);
  CHECK(r.sort == c.sort);
  REQUIRE(r.rows.size() >= c.top.size());
  for (std::size_t i = 0; i < c.top.size(); ++i) {
    CAPTURE(i);
    const snap::Block& b = r.row(i);
    CHECK(b.start == c.top[i].start);
    CHECK(b.end == c.top[i].end);
    CHECK(b.category == c.top[i].category);
    CHECK(b.delta(c.sort) == c.top[i].growth_kib * static_cast<std::int64_t>(KiB));
    CHECK(snap::is_growing(b, c.sort, 0));
  }
  CHECK(r.exit_status() == 1);
}

// c-malloc-leak: [heap] +8960 KiB (35 x 256 KiB), worker1's arena +2304,
// worker2's +2240 (smaps.01 -> smaps.08).
constexpr std::uint64_t kHeap = 0x55c69e02f000, kHeapEnd08 = 0x55c69ea91000;
constexpr std::uint64_t kWorker1 = 0x7fcd80000000, kWorker2 = 0x7fcd78000000;
constexpr std::uint64_t kArenaSpan = 64ull << 20;

}  // namespace

TEST_CASE("c-malloc-leak smaps.01 -> smaps.08: heap and both arenas on top, exact") {
  check({"c-malloc-leak/smaps.01", "c-malloc-leak/smaps.08", Field::rss,
         {{kHeap, kHeapEnd08, Category::heap, 8960},
          {kWorker1, kWorker1 + kArenaSpan, Category::arena, 2304},
          {kWorker2, kWorker2 + kArenaSpan, Category::arena, 2240}}});
}

TEST_CASE("c-malloc-leak pmap -x, -X, -XX, plain pmap: the same three blocks") {
  // Read before smaps.08: worker1 had one 64 KiB block fewer (2240, not 2304).
  for (const char* f : {"pmap-x", "pmap-x-ext", "pmap-XX"}) {
    std::string a = std::string("c-malloc-leak/") + f + ".01", b = std::string("c-malloc-leak/") + f + ".08";
    check({a.c_str(), b.c_str(), Field::rss,
           {{kHeap, kHeapEnd08, Category::heap, 8960},
            {kWorker2, kWorker2 + kArenaSpan, Category::arena, 2240},
            {kWorker1, kWorker1 + kArenaSpan, Category::arena, 2240}}});
  }
  // Plain pmap has no Rss: ranked by Size less ---p reserves, which is what
  // shows an arena eating its reserve. procps prints [heap] as "[ anon ]";
  // the heap is recognised by where it lies.
  check({"c-malloc-leak/pmap.01", "c-malloc-leak/pmap.08", Field::accessible,
         {{kHeap, kHeapEnd08, Category::heap, 8960},
          {kWorker2, kWorker2 + kArenaSpan, Category::arena, 2240},
          {kWorker1, kWorker1 + kArenaSpan, Category::arena, 2240}}});
}

TEST_CASE("c-malloc-leak maps.01 -> maps.08: read last, one 256 KiB and one 64 KiB block later") {
  check({"c-malloc-leak/maps.01", "c-malloc-leak/maps.08", Field::accessible,
         {{kHeap, 0x55c69ead1000, Category::heap, 9216},
          {kWorker2, kWorker2 + kArenaSpan, Category::arena, 2304},
          {kWorker1, kWorker1 + kArenaSpan, Category::arena, 2304}}});
}

TEST_CASE("c-malloc-leak mixed formats: pmap -x vs smaps, smaps vs pmap -x") {
  check({"c-malloc-leak/pmap-x.01", "c-malloc-leak/smaps.08", Field::rss,
         {{kHeap, kHeapEnd08, Category::heap, 8960},
          {kWorker1, kWorker1 + kArenaSpan, Category::arena, 2304},
          {kWorker2, kWorker2 + kArenaSpan, Category::arena, 2240}}});
  check({"c-malloc-leak/smaps.01", "c-malloc-leak/pmap-x.08", Field::rss,
         {{kHeap, kHeapEnd08, Category::heap, 8960},
          {kWorker2, kWorker2 + kArenaSpan, Category::arena, 2240},
          {kWorker1, kWorker1 + kArenaSpan, Category::arena, 2240}}});
  // -XX and maps know Size; maps alone sets the ranking to Accessible.
  check({"c-malloc-leak/pmap-XX.01", "c-malloc-leak/maps.08", Field::accessible,
         {{kHeap, 0x55c69ead1000, Category::heap, 9216},
          {kWorker2, kWorker2 + kArenaSpan, Category::arena, 2304},
          {kWorker1, kWorker1 + kArenaSpan, Category::arena, 2304}}});
}

TEST_CASE("c-malloc-leak smaps.01 -> smaps.08: nothing else grew, totals add up") {
  Keep keep;
  auto r = diff("c-malloc-leak/smaps.01", "c-malloc-leak/smaps.08", keep);
  CHECK(r.growing == 3);
  CHECK(r.growth == (8960 + 2304 + 2240) * static_cast<std::int64_t>(KiB));
  // Every other block: same Size and Rss in 01 and 08.
  std::size_t unchanged = 0;
  for (const auto& b : r.comparison.blocks)
    if (b.status == snap::Status::unchanged) {
      ++unchanged;
      CHECK(b.delta(Field::size) == 0);
      CHECK(b.delta(Field::rss) == 0);
    }
  CHECK(unchanged + 3 == r.comparison.blocks.size());
  // The arena pair keeps its 64 MiB; the reserve shrank as the heap grew.
  const snap::Block* w1 = &r.row(1);
  CHECK(w1->delta(Field::size) == 0);
  CHECK(w1->sides.front().regions == 2);
  CHECK(w1->sides.back().regions == 2);
  // before + delta = after, for every known counter and block.
  for (const auto& b : r.comparison.blocks)
    for (std::size_t i = 0; i < snap::kFieldCount; ++i) {
      auto f = static_cast<Field>(i);
      if (!r.comparison.knows(f)) continue;
      CHECK(static_cast<std::int64_t>(b.sides.front().counters.value_or_zero(f)) + b.delta(f) ==
            static_cast<std::int64_t>(b.sides.back().counters.value_or_zero(f)));
    }
  CHECK(r.comparison.totals.back().value_or_zero(Field::rss) -
            r.comparison.totals.front().value_or_zero(Field::rss) ==
        static_cast<std::uint64_t>(r.growth));
}

// jvm-inflater-leak: the main thread's glibc arena holds the leaked zlib
// state, +33460 KiB; the GC VMA that an anon mmap merged into (+2612) and the
// Attach Listener's arena (+1804 Rss, +2040 Size) are one-time steps of jcmd.
constexpr std::uint64_t kZlibArena = 0x7f47d8000000;
constexpr std::uint64_t kGcMerged = 0x7f47b1d73000, kGcEnd = 0x7f47b4000000;
constexpr std::uint64_t kAttachArena = 0x7f4748000000;

TEST_CASE("jvm-inflater-leak smaps.01 -> smaps.08: the zlib arena on top, exact") {
  check({"jvm-inflater-leak/smaps.01", "jvm-inflater-leak/smaps.08", Field::rss,
         {{kZlibArena, kZlibArena + kArenaSpan, Category::arena, 33460},
          {kGcMerged, kGcEnd, Category::anon, 2612},
          {kAttachArena, kAttachArena + kArenaSpan, Category::arena, 1804}}});
}

TEST_CASE("jvm-inflater-leak: same leak from pmap -x, -X, -XX, pmap, maps and mixed pairs") {
  for (const char* f : {"pmap-x", "pmap-x-ext", "pmap-XX"}) {
    std::string a = std::string("jvm-inflater-leak/") + f + ".01",
                b = std::string("jvm-inflater-leak/") + f + ".08";
    check({a.c_str(), b.c_str(), Field::rss,
           {{kZlibArena, kZlibArena + kArenaSpan, Category::arena, 33460},
            {kGcMerged, kGcEnd, Category::anon, 2612},
            {kAttachArena, kAttachArena + kArenaSpan, Category::arena, 1804}}});
  }
  for (const char* f : {"pmap", "maps"}) {
    std::string a = std::string("jvm-inflater-leak/") + f + ".01",
                b = std::string("jvm-inflater-leak/") + f + ".08";
    check({a.c_str(), b.c_str(), Field::accessible,
           {{kZlibArena, kZlibArena + kArenaSpan, Category::arena, 33460},
            {kGcMerged, kGcEnd, Category::anon, 2612},
            {kAttachArena, kAttachArena + kArenaSpan, Category::arena, 2040}}});
  }
  check({"jvm-inflater-leak/pmap-x.01", "jvm-inflater-leak/smaps.08", Field::rss,
         {{kZlibArena, kZlibArena + kArenaSpan, Category::arena, 33460}}});
  check({"jvm-inflater-leak/smaps.01", "jvm-inflater-leak/pmap-x.08", Field::rss,
         {{kZlibArena, kZlibArena + kArenaSpan, Category::arena, 33460}}});
}

TEST_CASE("jvm-inflater-leak smaps.01 -> smaps.08: the merged GC VMA is one grown block") {
  Keep keep;
  auto r = diff("jvm-inflater-leak/smaps.01", "jvm-inflater-leak/smaps.08", keep);
  const snap::Block* gc = &r.row(1);
  CHECK(gc->start == kGcMerged);
  CHECK(gc->status == snap::Status::grown);
  CHECK(gc->delta(Field::size) == 2612 * static_cast<std::int64_t>(KiB));
  CHECK(gc->sides.front().counters.value_or_zero(Field::size) == 32768 * KiB);
  // smaps_rollup: Rss 126524 -> 164492, the sum of the per-region deltas:
  // the growers past the noise floor, and those below it (+92K).
  CHECK(r.growth == (164492 - 126524 - 92) * static_cast<std::int64_t>(KiB));
  CHECK(r.below_floor_growth == 92 * static_cast<std::int64_t>(KiB));
}

TEST_CASE("idle-sleep: no block grows, in any format, by any counter") {
  for (const char* f : {"smaps", "pmap-x", "pmap-x-ext", "pmap-XX", "pmap", "maps"}) {
    CAPTURE(f);
    Keep keep;
    std::string a = std::string("idle-sleep/") + f + ".01", b = std::string("idle-sleep/") + f + ".02";
    snap::AnalyzeOptions o;
    o.min_growth = 64 * KiB;
    auto r = diff(a.c_str(), b.c_str(), keep, o);
    CHECK(r.growing == 0);
    CHECK(r.rows.empty());
    CHECK(r.exit_status() == 0);
    // Not even a page, with no threshold at all.
    r = diff(a.c_str(), b.c_str(), keep);
    CHECK(r.growing == 0);
    for (const auto& blk : r.comparison.blocks) CHECK(blk.status == snap::Status::unchanged);
  }
}

TEST_CASE("idle-sleep smaps: libc's Pss moved (other processes), and that is not growth") {
  Keep keep;
  snap::AnalyzeOptions o;
  o.counter = Field::pss;
  auto r = diff("idle-sleep/smaps.01", "idle-sleep/smaps.02", keep, o);
  CHECK(r.sort == Field::pss);
  CHECK(r.growing == 0);
  bool libc_pss_moved = false;
  for (const auto& b : r.comparison.blocks)
    if (b.start == 0x7ff7ae270000) libc_pss_moved = b.delta(Field::pss) == 4 * static_cast<std::int64_t>(KiB);
  CHECK(libc_pss_moved);
}

TEST_CASE("c-malloc-leak-pmap-d: pmap -d, smaps and pmap -x agree on the leak") {
  // A second run (pid 2765): [heap] +3840, each arena +960 between 01 and 04.
  constexpr std::uint64_t heap = 0x562b01bfb000, heap_end = 0x562b0229d000;
  constexpr std::uint64_t w2 = 0x7f7ba0000000, w1 = 0x7f7ba8000000;
  const std::vector<Leak> leaks = {{heap, heap_end, Category::heap, 3840},
                                   {w2, w2 + kArenaSpan, Category::arena, 960},
                                   {w1, w1 + kArenaSpan, Category::arena, 960}};
  check({"c-malloc-leak-pmap-d/pmap-d.01", "c-malloc-leak-pmap-d/pmap-d.04", Field::accessible, leaks});
  check({"c-malloc-leak-pmap-d/smaps.01", "c-malloc-leak-pmap-d/smaps.04", Field::rss, leaks});
  check({"c-malloc-leak-pmap-d/pmap-x.01", "c-malloc-leak-pmap-d/pmap-x.04", Field::rss, leaks});
  check({"c-malloc-leak-pmap-d/pmap-d.01", "c-malloc-leak-pmap-d/smaps.04", Field::accessible, leaks});
}
