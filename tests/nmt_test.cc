// NMT: the parser on the real jcmd output of testdata/jvm-inflater-leak
// (JDK 17), and the join that tells growth inside the JVM's regions from
// growth outside them (the zlib leak).
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "snap/error.h"
#include "snap/nmt.h"
#include "snap/nmt_files.h"
#include "snap/nmt_join.h"
#include "snap/report.h"
#include "testdata.h"

using snap::test::KiB;

namespace {

snap::Nmt nmt(const std::string& rel) {
  return snap::read_nmt(snap::test::path(rel));
}

std::string parse_error(std::string_view text) {
  try {
    snap::parse_nmt(text, "nmt.txt");
  } catch (const snap::ParseError& e) {
    return e.what();
  }
  return "(parsed)";
}

const snap::Block* block_at(const snap::DiffReport& r, std::uint64_t start) {
  for (const snap::Block& b : r.comparison.blocks)
    if (b.start == start) return &b;
  return nullptr;
}

std::size_t index_of(const snap::DiffReport& r, const snap::Block* b) {
  return static_cast<std::size_t>(b - r.comparison.blocks.data());
}

}  // namespace

TEST_CASE("parse_nmt: the real detail of a JDK 17 JVM") {
  const snap::Nmt d = nmt("jvm-inflater-leak/nmt-detail.08");
  CHECK(d.kind == snap::NmtKind::detail);
  REQUIRE(d.pid);
  CHECK(*d.pid == 5599);
  CHECK(d.reserved.bytes == 1514600 * KiB);
  CHECK(d.committed.bytes == 145412 * KiB);
  CHECK(d.malloc.bytes == 14120 * KiB);  // the "malloc:" total line
  REQUIRE(d.category("Java Heap"));
  CHECK(d.category("Java Heap")->reserved.bytes == 65536 * KiB);
  CHECK_FALSE(d.category("Java Heap")->malloc);
  REQUIRE(d.category("Internal"));
  REQUIRE(d.category("Internal")->malloc);
  CHECK(d.category("Internal")->malloc->bytes == 4200 * KiB);
  REQUIRE(d.category("Native Memory Tracking"));
  CHECK(d.categories.size() == 19);
  // 39 "[0x... - 0x...] reserved" lines in the map (GROUND_TRUTH.md), by address.
  REQUIRE(d.regions.size() == 39);
  const snap::NmtRegion& heap = d.regions.front();
  CHECK(heap.start == 0xfc000000);
  CHECK(heap.end == 0x100000000);
  CHECK(heap.category == "Java Heap");
  CHECK(heap.committed == 65536 * KiB);  // "reserved and committed"
  CHECK(heap.line == 91);
  const snap::NmtRegion* stack = nullptr;
  for (const auto& r : d.regions)
    if (r.start == 0x7f47c0286000) stack = &r;
  REQUIRE(stack);
  CHECK(stack->category == "Thread Stack");
  CHECK(stack->end == 0x7f47c0386000);
  CHECK(stack->committed == (16 + 36) * KiB);  // its two committed lines
  for (std::size_t i = 1; i < d.regions.size(); ++i) CHECK(d.regions[i - 1].end <= d.regions[i].start);
}

TEST_CASE("parse_nmt: summary.diff carries the changes since the baseline") {
  const snap::Nmt s = nmt("jvm-inflater-leak/nmt-summary-diff.08");
  CHECK(s.kind == snap::NmtKind::summary_diff);
  CHECK(s.regions.empty());
  CHECK(s.reserved.bytes == 1514600 * KiB);
  CHECK(s.reserved.change == 4196 * static_cast<std::int64_t>(KiB));
  CHECK(s.committed.change == 4220 * static_cast<std::int64_t>(KiB));
  const snap::NmtCategory* internal = s.category("Internal");
  REQUIRE(internal);
  REQUIRE(internal->malloc);
  CHECK(internal->malloc->bytes == 4200 * KiB);
  CHECK(internal->malloc->change == 4003 * static_cast<std::int64_t>(KiB));
  CHECK(internal->committed.change == 4003 * static_cast<std::int64_t>(KiB));
  // No "malloc:" total line in summary.diff: the categories' sum, whose
  // only changes are Internal +4003KB and Native Memory Tracking +160KB.
  CHECK(s.malloc.change == (4003 + 160) * static_cast<std::int64_t>(KiB));
}

TEST_CASE("parse_nmt: JDK 11's summary layout (commas before the counts, no malloc total)") {
  // The layout JDK 8 and 11 print, as Java Performance (O'Reilly) shows it.
  const std::string jdk11 =
      "12345:\n\nNative Memory Tracking:\n\n"
      "Total: reserved=4787210KB, committed=1857677KB\n"
      "-                 Java Heap (reserved=4296704KB, committed=1470428KB)\n"
      "                            (mmap: reserved=4296704KB, committed=1470428KB)\n\n"
      "-                     Class (reserved=65817KB, committed=60065KB)\n"
      "                            (classes #19378)\n"
      "                            (malloc=6425KB, #14245)\n"
      "                            (mmap: reserved=59392KB, committed=53640KB)\n\n"
      "-                  Internal (reserved=586KB, committed=554KB)\n"
      "                            (malloc=554KB #1677)\n"
      "                            (mmap: reserved=32KB, committed=0KB)\n";
  const snap::Nmt s = snap::parse_nmt(jdk11, "jdk11.txt");
  CHECK(s.kind == snap::NmtKind::summary);
  CHECK(*s.pid == 12345);
  CHECK(s.categories.size() == 3);
  CHECK(s.category("Class")->malloc->bytes == 6425 * KiB);
  CHECK(s.malloc.bytes == (6425 + 554) * KiB);
}

TEST_CASE("parse_nmt: scale=MB and a line without \" from\"") {
  const std::string text =
      "Native Memory Tracking:\n"
      "Total: reserved=2MB, committed=1MB\n"
      "Virtual memory map:\n"
      "[0x0000000000100000 - 0x0000000000300000] reserved 2MB for GC\n"
      "\t[0x0000000000100000 - 0x0000000000200000] committed 1MB\n";
  const snap::Nmt s = snap::parse_nmt(text, "mb.txt");
  CHECK(s.reserved.bytes == 2 << 20);
  REQUIRE(s.regions.size() == 1);
  CHECK(s.regions[0].category == "GC");
  CHECK(s.regions[0].committed == 1 << 20);
}

TEST_CASE("parse_nmt: bad input is an error with its line") {
  CHECK(parse_error("1234:\nNative memory tracking is not enabled\n") ==
        "nmt.txt:2: NMT is off in that JVM: start it with -XX:NativeMemoryTracking=detail");
  CHECK(parse_error("") == "nmt.txt: not jcmd VM.native_memory output (no \"Native Memory Tracking:\" line)");
  CHECK(parse_error("7f0000000000-7f0000001000 rw-p 00000000 00:00 0\n") ==
        "nmt.txt:1: not jcmd VM.native_memory output: expected \"Native Memory Tracking:\", got "
        "\"7f0000000000-7f0000001000 rw-p 00000000 00:00 0\"");
  CHECK(parse_error("Native Memory Tracking:\n") == "nmt.txt: NMT output without its \"Total:\" line");
  CHECK(parse_error("Native Memory Tracking:\nTotal: reserved=12XB, committed=1KB\n") ==
        "nmt.txt:2: expected a unit (B, KB, MB, GB) after 12, got \"XB, committed=1KB\"");
  const std::string head = "Native Memory Tracking:\nTotal: reserved=1KB, committed=1KB\nVirtual memory map:\n";
  CHECK(parse_error(head + "[0x1000 - 0xzz] reserved 4KB for GC from\n") ==
        "nmt.txt:4: expected a hexadecimal address, got \"zz] reserved 4KB for GC from\"");
  CHECK(parse_error(head + "[0x2000 - 0x1000] reserved 4KB for GC from\n") ==
        "nmt.txt:4: range 2000-1000 is empty or reversed");
  CHECK(parse_error(head + "[0x10000000000000000 - 0x1] reserved 4KB for GC from\n") ==
        "nmt.txt:4: address does not fit in 64 bits");
  CHECK(parse_error(head + "[0x1000 - 0x2000] reserved 4KB for GC from\n\t[0x3000 - 0x4000] committed 4KB\n") ==
        "nmt.txt:5: committed range 3000-4000 lies outside its reserved range 1000-2000 (line 4)");
  CHECK(parse_error(head + "\t[0x3000 - 0x4000] committed 4KB\n") ==
        "nmt.txt:4: a committed range before any reserved range");
  CHECK(parse_error(head + "[0x1000 - 0x3000] reserved 8KB for GC from\n[0x2000 - 0x4000] reserved 8KB for Code\n") ==
        "nmt.txt:5: reserved range 2000-4000 overlaps the one at line 4");
  CHECK(parse_error(head + "[0x1000 - 0x3000] mapped 8KB\n") ==
        "nmt.txt:4: expected \"reserved\" or \"committed\" after the range, got \" mapped 8KB\"");
}

TEST_CASE("nmt-committed-overlap") {
  // fuzz_nmt: two committed lines over the same addresses summed past the
  // reserved range (testdata/regress/).
  const snap::Nmt n = nmt("regress/nmt-committed-overlap");
  REQUIRE(n.regions.size() == 1);
  CHECK(n.regions[0].committed == 16 * KiB);
}

TEST_CASE("nmt_category: NMT's names to snap's categories") {
  CHECK(snap::nmt_category("Java Heap") == snap::Category::java_heap);
  CHECK(snap::nmt_category("Metaspace") == snap::Category::metaspace);
  CHECK(snap::nmt_category("Class") == snap::Category::class_space);
  CHECK(snap::nmt_category("Code") == snap::Category::code_cache);
  CHECK(snap::nmt_category("Thread Stack") == snap::Category::thread_stack);
  CHECK(snap::nmt_category("GC") == snap::Category::jvm);
  CHECK(snap::category_name(snap::Category::code_cache) == "code-cache");
  CHECK(snap::category_from_name("class-space") == snap::Category::class_space);
}

namespace {

/// The leak's snapshots with both NMT details, as snapdiff --nmt joins them.
struct JvmJoin {
  std::vector<snap::Snapshot> snaps{snap::test::load("jvm-inflater-leak/smaps.01"),
                                    snap::test::load("jvm-inflater-leak/smaps.08")};
  std::vector<snap::Nmt> nmts{nmt("jvm-inflater-leak/nmt-detail.01"), nmt("jvm-inflater-leak/nmt-detail.08")};
  snap::DiffReport report;
  JvmJoin() {
    snap::DiffOptions o;
    o.nmt = nmts;
    report = snap::make_report(snaps, o);
  }
};

/// Independently of nmt_join.cc: Rss of `s` inside `d`'s ranges, a region's
/// uncovered bytes resident first.
std::int64_t rss_inside(const snap::Snapshot& s, const snap::Nmt& d) {
  std::int64_t inside = 0;
  for (const snap::Region& r : s.regions) {
    std::uint64_t covered = 0;
    for (const snap::NmtRegion& n : d.regions)
      if (n.start < r.end && r.start < n.end) covered += std::min(r.end, n.end) - std::max(r.start, n.start);
    const std::uint64_t rss = *r.counters.get(snap::Field::rss);
    const std::uint64_t uncovered = r.size() - covered;
    inside += static_cast<std::int64_t>(rss > uncovered ? rss - uncovered : 0);
  }
  return inside;
}

}  // namespace

TEST_CASE("join: the zlib leak grows outside every NMT range, and NMT's malloc does not follow it") {
  JvmJoin j;
  REQUIRE(j.report.nmt);
  const snap::NmtJoin& n = *j.report.nmt;
  CHECK(n.counter == snap::Field::rss);

  // GROUND_TRUTH.md: the Java main thread's arena, +33460 KiB, no NMT range.
  const snap::Block* arena = block_at(j.report, 0x7f47d8000000);
  REQUIRE(arena);
  const snap::BlockNmt& a = n.blocks[index_of(j.report, arena)];
  CHECK(a.categories.empty());
  CHECK(a.outside == 33460 * static_cast<std::int64_t>(KiB));
  CHECK(a.inside == 0);
  CHECK(arena->category == snap::Category::arena);

  // The G1 mark stack (NMT GC, Rss 0) with a 2612 KiB malloc chunk merged
  // below it: one VMA, its growth all outside.
  const snap::Block* gc = block_at(j.report, 0x7f47b1d73000);
  REQUIRE(gc);
  const snap::BlockNmt& g = n.blocks[index_of(j.report, gc)];
  CHECK(g.categories == std::vector<std::string>{"GC"});
  CHECK(g.outside == 2612 * static_cast<std::int64_t>(KiB));
  CHECK(g.inside == 0);
  CHECK(gc->category == snap::Category::jvm);

  // A JVM thread stack (NMT Thread Stack): +24 KiB, all inside.
  const snap::Block* stack = block_at(j.report, 0x7f47c028a000);  // above its guard
  REQUIRE(stack);
  const snap::BlockNmt& s = n.blocks[index_of(j.report, stack)];
  CHECK(s.categories == std::vector<std::string>{"Thread Stack"});
  CHECK(s.inside == 24 * static_cast<std::int64_t>(KiB));
  CHECK(s.outside == 0);
  CHECK(stack->category == snap::Category::thread_stack);

  // The Java heap is labelled from NMT, not guessed (it would be anon).
  const snap::Block* heap = block_at(j.report, 0xfc000000);
  REQUIRE(heap);
  CHECK(heap->category == snap::Category::java_heap);
  CHECK(n.blocks[index_of(j.report, heap)].categories == std::vector<std::string>{"Java Heap"});

  // The split of the whole Rss growth, against an independent sum.
  const std::int64_t growth = static_cast<std::int64_t>(*j.snaps[1].totals.get(snap::Field::rss)) -
                              static_cast<std::int64_t>(*j.snaps[0].totals.get(snap::Field::rss));
  CHECK(growth == 37968 * static_cast<std::int64_t>(KiB));
  const std::int64_t inside = rss_inside(j.snaps[1], j.nmts[1]) - rss_inside(j.snaps[0], j.nmts[0]);
  CHECK(n.inside == inside);
  CHECK(n.inside == (24 + 4) * static_cast<std::int64_t>(KiB));  // the thread stack and the code cache
  CHECK(n.outside == growth - inside);
  CHECK(n.outside_anon == n.outside - 64 * static_cast<std::int64_t>(KiB));  // less libstdc++'s text

  // NMT's malloc grew 10115 -> 14120 KiB: nowhere near the 37 MiB outside.
  REQUIRE(n.malloc_growth);
  CHECK(*n.malloc_growth == (14120 - 10115) * static_cast<std::int64_t>(KiB));
  CHECK(n.verdict == snap::NmtVerdict::untracked_native);
  REQUIRE(n.suspects.size() == 3);
  CHECK(n.suspects[0] == index_of(j.report, arena));
  CHECK(n.suspects[1] == index_of(j.report, gc));
  CHECK(j.report.comparison.blocks[n.suspects[2]].start == 0x7f4748000000);  // jcmd's own arena
}

TEST_CASE("join: with a summary.diff, NMT's malloc growth is the one it reports") {
  std::vector<snap::Snapshot> snaps{snap::test::load("jvm-inflater-leak/smaps.01"),
                                    snap::test::load("jvm-inflater-leak/smaps.08")};
  std::vector<snap::Nmt> nmts{nmt("jvm-inflater-leak/nmt-detail.08"), nmt("jvm-inflater-leak/nmt-summary-diff.08")};
  snap::DiffOptions o;
  o.nmt = nmts;
  const snap::DiffReport r = snap::make_report(snaps, o);
  REQUIRE(r.nmt);
  REQUIRE(r.nmt->malloc_growth);
  CHECK(*r.nmt->malloc_growth == (4003 + 160) * static_cast<std::int64_t>(KiB));
  REQUIRE(!r.nmt->malloc_by_category.empty());
  CHECK(r.nmt->malloc_by_category[0].first == "Internal");
  CHECK(r.nmt->verdict == snap::NmtVerdict::untracked_native);
}

TEST_CASE("join: growth NMT's malloc accounts for is JVM-tracked malloc") {
  // The same snapshots, with NMT saying its Other malloc grew by 36 MiB
  // (what direct ByteBuffers would do): the verdict turns.
  std::vector<snap::Snapshot> snaps{snap::test::load("jvm-inflater-leak/smaps.01"),
                                    snap::test::load("jvm-inflater-leak/smaps.08")};
  std::vector<snap::Nmt> nmts{nmt("jvm-inflater-leak/nmt-detail.01"), nmt("jvm-inflater-leak/nmt-detail.08")};
  snap::NmtCategory other{"Other", {}, {}, snap::NmtAmount{36 << 20, 0}, std::nullopt};
  nmts[1].categories.push_back(other);
  nmts[1].malloc.bytes += 36 << 20;
  snap::DiffOptions o;
  o.nmt = nmts;
  const snap::DiffReport r = snap::make_report(snaps, o);
  REQUIRE(r.nmt);
  CHECK(r.nmt->verdict == snap::NmtVerdict::jvm_tracked_malloc);
  REQUIRE(!r.nmt->malloc_by_category.empty());
  CHECK(r.nmt->malloc_by_category[0].first == "Other");
}

TEST_CASE("join: a summary.diff alone, no addresses: the zlib leak is still untracked native memory") {
  std::vector<snap::Snapshot> snaps{snap::test::load("jvm-inflater-leak/smaps.01"),
                                    snap::test::load("jvm-inflater-leak/smaps.08")};
  std::vector<snap::Nmt> nmts{nmt("jvm-inflater-leak/nmt-summary-diff.08")};
  snap::DiffOptions o;
  o.nmt = nmts;
  const snap::DiffReport r = snap::make_report(snaps, o);
  REQUIRE(r.nmt);
  const snap::NmtJoin& n = *r.nmt;
  CHECK_FALSE(n.by_address);
  CHECK(n.blocks.empty());
  CHECK(n.suspects.empty());
  // The anonymous blocks' Rss growth: all of it but libstdc++'s text (+64K).
  CHECK(n.anon_growth == (37968 - 64) * static_cast<std::int64_t>(KiB));
  // What the summary.diff's committed figures of the JVM's mappings say
  // grew: Thread stacks +24KB; nothing else mapped changed.
  REQUIRE(n.mapped_growth);
  CHECK(*n.mapped_growth == 24 * static_cast<std::int64_t>(KiB));
  CHECK(n.mapped_by_category == std::vector<std::pair<std::string, std::int64_t>>{{"Thread", 24 * 1024}});
  CHECK(n.outside_anon == n.anon_growth - 24 * static_cast<std::int64_t>(KiB));
  CHECK(n.outside_anon_max == n.anon_growth);
  CHECK(n.inside + n.outside == 37968 * static_cast<std::int64_t>(KiB));
  REQUIRE(n.malloc_growth);
  CHECK(*n.malloc_growth == (4003 + 160) * static_cast<std::int64_t>(KiB));
  CHECK(n.verdict == snap::NmtVerdict::untracked_native);
  CHECK(n.first_map == &nmts[0]);
}

TEST_CASE("join: nothing to join") {
  std::vector<snap::Snapshot> snaps{snap::test::load("jvm-inflater-leak/smaps.01"),
                                    snap::test::load("jvm-inflater-leak/smaps.08")};
  const snap::Comparison c = snap::compare(snaps);
  CHECK_THROWS_AS(snap::join_nmt(c, snaps, snap::Field::rss, {}), snap::UsageError);
  // One plain summary: no growth to compare, no verdict.
  std::vector<snap::Nmt> one{nmt("jvm-direct-buffers/summary/nmt-summary.08")};
  const snap::NmtJoin j = snap::join_nmt(c, snaps, snap::Field::rss, one);
  CHECK_FALSE(j.by_address);
  CHECK_FALSE(j.malloc_growth);
  CHECK_FALSE(j.mapped_growth);
  CHECK(j.verdict == snap::NmtVerdict::unknown);
}

TEST_CASE("nmt_share: one snapshot's Rss inside and outside NMT (snapshow --nmt)") {
  const snap::Snapshot s = snap::test::load("jvm-inflater-leak/smaps.08");
  const snap::Nmt d = nmt("jvm-inflater-leak/nmt-detail.08");
  const snap::NmtShare share = snap::nmt_share(s, snap::Field::rss, d);
  CHECK(share.inside + share.outside == *s.totals.get(snap::Field::rss));
  CHECK(static_cast<std::int64_t>(share.inside) == rss_inside(s, d));
  REQUIRE(!share.by_category.empty());
  CHECK(share.by_category[0].first == "Java Heap");
  std::uint64_t sum = 0;
  for (const auto& [name, v] : share.by_category) sum += v;
  CHECK(sum <= share.inside);
  CHECK(sum + share.by_category.size() >= share.inside);  // rounding down, one byte a category at most
}

TEST_CASE("nmt_share: the zlib leak's outside is untracked, less what NMT's malloc accounts for") {
  const snap::Snapshot s = snap::test::load("jvm-inflater-leak/smaps.08");
  const snap::NmtShare share = snap::nmt_share(s, snap::Field::rss, nmt("jvm-inflater-leak/nmt-detail.08"));
  CHECK(share.by_address);
  CHECK(share.outside_file + share.outside_anon == share.outside);
  // GROUND_TRUTH.md: the leaking arena alone holds 62476 KiB at 08.
  CHECK(share.outside_anon >= 62476 * KiB);
  CHECK(share.malloc == 14120 * KiB);
  CHECK(share.malloc_accounted == 14120 * KiB);
  CHECK(share.untracked == share.outside_anon - 14120 * KiB);
  REQUIRE(!share.malloc_by_category.empty());
  CHECK(share.malloc_by_category[0] == std::pair<std::string, std::uint64_t>{"GC", 4406 * KiB});
  CHECK(share.verdict == snap::NmtVerdict::untracked_native);
}

// testdata/jvm-direct-buffers: 1 MiB direct ByteBuffers, each its own 1028
// KiB mmap outside every NMT range, tracked by NMT as malloc (Other).

TEST_CASE("parse_nmt: a summary's mapped parts (mmap:, stack:)") {
  const snap::Nmt s = nmt("jvm-direct-buffers/summary/nmt-summary.08");
  CHECK(s.kind == snap::NmtKind::summary);
  CHECK(s.malloc.bytes == 177691 * KiB);
  REQUIRE(s.category("Java Heap"));
  REQUIRE(s.category("Java Heap")->mapped);
  CHECK(s.category("Java Heap")->mapped->bytes == 65536 * KiB);
  REQUIRE(s.category("Thread")->mapped);
  CHECK(s.category("Thread")->mapped->bytes == 880 * KiB);  // "(stack: reserved=21504KB, committed=880KB)"
  CHECK_FALSE(s.category("Other")->mapped);
  CHECK(s.category("Other")->malloc->bytes == 167946 * KiB);
  // The CDS archive is a file mapping: left out of what the JVM maps.
  const auto mapped = snap::nmt_mapped(s);
  std::uint64_t sum = 0;
  for (const auto& m : mapped) {  // no structured binding: CHECK may wrap it in a lambda
    CHECK(m.first != "Shared class space");
    sum += m.second.bytes;
  }
  // Java Heap 65536, Class 1280, Thread 880, Code 7548, GC 35212,
  // Internal 36, Safepoint 8, Metaspace 8640.
  CHECK(sum == (65536 + 1280 + 880 + 7548 + 35212 + 36 + 8 + 8640) * KiB);
  const snap::Nmt d = nmt("jvm-direct-buffers/summary/nmt-summary-diff.08");
  CHECK(d.kind == snap::NmtKind::summary_diff);
  CHECK(d.category("Metaspace")->mapped->change == 64 * static_cast<std::int64_t>(KiB));
  CHECK(d.category("Other")->malloc->change == 147456 * static_cast<std::int64_t>(KiB));  // 144 buffers since the baseline
}

TEST_CASE("nmt_share: direct buffers outside NMT's ranges are JVM-tracked malloc (Other), not untracked") {
  const snap::Snapshot s = snap::test::load("jvm-direct-buffers/detail/smaps.08");
  const snap::Nmt d = nmt("jvm-direct-buffers/detail/nmt-detail.08");
  const snap::NmtShare share = snap::nmt_share(s, snap::Field::rss, d);
  CHECK(share.by_address);
  CHECK(share.inside + share.outside == *s.totals.get(snap::Field::rss));
  CHECK(static_cast<std::int64_t>(share.inside) == rss_inside(s, d));
  CHECK(share.outside_file + share.outside_anon == share.outside);
  // GROUND_TRUTH.md: 158 buffers of 1028 KiB resident at 08, all outside.
  CHECK(share.outside_anon >= 158 * 1028 * KiB);
  CHECK(share.malloc == 180981 * KiB);
  REQUIRE(!share.malloc_by_category.empty());
  CHECK(share.malloc_by_category[0] == std::pair<std::string, std::uint64_t>{"Other", 166922 * KiB});
  CHECK(share.malloc_accounted == std::min(share.outside_anon, share.malloc));
  CHECK(share.untracked == share.outside_anon - share.malloc_accounted);
  CHECK(share.untracked < 4096 * KiB);
  CHECK(share.verdict == snap::NmtVerdict::jvm_tracked_malloc);
}

TEST_CASE("nmt_share: from a summary, the outside is a range; a verdict only where both ends agree") {
  const snap::Snapshot s = snap::test::load("jvm-direct-buffers/summary/smaps.08");
  const snap::NmtShare share = snap::nmt_share(s, snap::Field::rss, nmt("jvm-direct-buffers/summary/nmt-summary.08"));
  CHECK_FALSE(share.by_address);
  // Inside: the committed mapped figures (see the parse test above).
  CHECK(share.inside == (65536 + 1280 + 880 + 7548 + 35212 + 36 + 8 + 8640) * KiB);
  CHECK(share.outside_anon_max == share.outside_anon + share.inside);
  CHECK(share.inside + share.outside == *s.totals.get(snap::Field::rss));
  CHECK(share.malloc == 177691 * KiB);
  // Even if every committed page were resident, NMT's malloc covers over 80%.
  CHECK(share.verdict == snap::NmtVerdict::jvm_tracked_malloc);

  // The zlib leak at one moment: committed but untouched memory (the G1
  // mark stack, the heap) could hide it, or not: no verdict.
  const snap::Snapshot z = snap::test::load("jvm-inflater-leak/smaps.08");
  const snap::NmtShare zs = snap::nmt_share(z, snap::Field::rss, nmt("jvm-inflater-leak/nmt-summary-diff.08"));
  CHECK_FALSE(zs.by_address);
  CHECK(zs.outside_anon < zs.malloc);
  CHECK(zs.outside_anon_max > 62476 * KiB);
  CHECK(zs.verdict == snap::NmtVerdict::unknown);
}

TEST_CASE("join: direct buffers by address: outside NMT, NMT's Other malloc follows them") {
  std::vector<snap::Snapshot> snaps{snap::test::load("jvm-direct-buffers/detail/smaps.01"),
                                    snap::test::load("jvm-direct-buffers/detail/smaps.08")};
  std::vector<snap::Nmt> nmts{nmt("jvm-direct-buffers/detail/nmt-detail.01"),
                              nmt("jvm-direct-buffers/detail/nmt-detail.08")};
  snap::DiffOptions o;
  o.nmt = nmts;
  const snap::DiffReport r = snap::make_report(snaps, o);
  REQUIRE(r.nmt);
  const snap::NmtJoin& n = *r.nmt;
  CHECK(n.by_address);
  // GROUND_TRUTH.md: the buffers' ranges at 08, grown since 01.
  struct Grown {
    std::uint64_t start;
    std::int64_t outside_kib, inside_kib;
  };
  // Below Metaspace: 43 buffers and a 3972 KiB chunk jcmd's detail report
  // malloc'd at 01; Metaspace's own part touched 3 more pages.
  for (Grown g : {Grown{0x7fec600c1000, 63 * 1028, 0}, Grown{0x7fec5a9ea000, 22 * 1028, 0},
                  Grown{0x7fec800f4000, 43 * 1028 + 3972, 12}, Grown{0x7fecd40e2000, 4 * 1028, 0}}) {
    CAPTURE(g.start);
    const snap::Block* b = block_at(r, g.start);
    REQUIRE(b);
    const snap::BlockNmt& bn = n.blocks[index_of(r, b)];
    CHECK(bn.outside == g.outside_kib * static_cast<std::int64_t>(KiB));
    CHECK(bn.inside == g.inside_kib * static_cast<std::int64_t>(KiB));
    CHECK(std::find(n.suspects.begin(), n.suspects.end(), index_of(r, b)) != n.suspects.end());
  }
  // The buffers merged below Metaspace's committed part: that VMA is one
  // block, its Metaspace part flat.
  CHECK(n.blocks[index_of(r, block_at(r, 0x7fec800f4000))].categories == std::vector<std::string>{"Metaspace"});
  // 132 buffers between 01 and 08; NMT's malloc grew by 130 of them (its
  // figures are taken while jcmd runs) and 3.9 MiB of its own.
  REQUIRE(n.malloc_growth);
  CHECK(*n.malloc_growth == (180981 - 43850) * static_cast<std::int64_t>(KiB));
  REQUIRE(!n.malloc_by_category.empty());
  CHECK(n.malloc_by_category[0] == std::pair<std::string, std::int64_t>{"Other", 130 * 1024 * 1024});
  CHECK(n.outside_anon >= 132 * 1028 * static_cast<std::int64_t>(KiB));
  CHECK(n.verdict == snap::NmtVerdict::jvm_tracked_malloc);
}

TEST_CASE("join: direct buffers from NMT summaries alone: JVM-tracked malloc, the same verdict") {
  std::vector<snap::Snapshot> snaps{snap::test::load("jvm-direct-buffers/summary/smaps.01"),
                                    snap::test::load("jvm-direct-buffers/summary/smaps.08")};
  std::int64_t anon = 0;  // independently: the Rss growth of every region not a file
  for (int i : {0, 1})
    for (const snap::Region& reg : snaps[static_cast<std::size_t>(i)].regions)
      if (reg.name.empty() || reg.name.front() == '[')
        anon += (i ? 1 : -1) * static_cast<std::int64_t>(*reg.counters.get(snap::Field::rss));
  for (const char* second : {"nmt-summary.08", "nmt-summary-diff.08"}) {
    CAPTURE(second);
    std::vector<snap::Nmt> nmts{nmt("jvm-direct-buffers/summary/nmt-summary.01"),
                                nmt(std::string("jvm-direct-buffers/summary/") + second)};
    snap::DiffOptions o;
    o.nmt = nmts;
    const snap::DiffReport r = snap::make_report(snaps, o);
    REQUIRE(r.nmt);
    const snap::NmtJoin& n = *r.nmt;
    CHECK_FALSE(n.by_address);
    CHECK(n.suspects.empty());
    CHECK(n.anon_growth == anon);
    // GROUND_TRUTH.md: 133 buffers of 1028 KiB between 01 and 08.
    CHECK(n.anon_growth >= 133 * 1028 * static_cast<std::int64_t>(KiB));
    REQUIRE(n.mapped_growth);
    CHECK(*n.mapped_growth == (64 + 4) * static_cast<std::int64_t>(KiB));  // Metaspace, a thread stack
    REQUIRE(!n.malloc_by_category.empty());
    CHECK(n.malloc_by_category[0].first == "Other");
    CHECK(n.verdict == snap::NmtVerdict::jvm_tracked_malloc);
  }
}

TEST_CASE("nmt_verdict: the thresholds, and a range's verdict") {
  constexpr std::int64_t M = 1 << 20;
  CHECK(snap::nmt_verdict(63 << 10, 0) == snap::NmtVerdict::no_growth_outside);
  CHECK(snap::nmt_verdict(10 * M, std::nullopt) == snap::NmtVerdict::unknown);
  CHECK(snap::nmt_verdict(10 * M, 8 * M) == snap::NmtVerdict::jvm_tracked_malloc);
  CHECK(snap::nmt_verdict(10 * M, 8 * M - 1) == snap::NmtVerdict::mixed);
  CHECK(snap::nmt_verdict(10 * M, 5 * M) == snap::NmtVerdict::mixed);
  CHECK(snap::nmt_verdict(10 * M, 5 * M - 1) == snap::NmtVerdict::untracked_native);
  CHECK(snap::nmt_verdict(10 * M, 12 * M, 10 * M) == snap::NmtVerdict::jvm_tracked_malloc);
  CHECK(snap::nmt_verdict(12 * M, 10 * M, 10 * M) == snap::NmtVerdict::jvm_tracked_malloc);  // either order
  CHECK(snap::nmt_verdict(1 * M, 100 * M, 10 * M) == snap::NmtVerdict::unknown);
  CHECK(snap::nmt_verdict(30 * M, 100 * M, 10 * M) == snap::NmtVerdict::untracked_native);
}

TEST_CASE("NMT files beside the snapshots, matched by number") {
  auto p = [](const std::string& rel) { return snap::test::path(rel); };
  std::vector<std::string> inflater;
  for (int i = 1; i <= 8; ++i) inflater.push_back(p("jvm-inflater-leak/smaps.0" + std::to_string(i)));
  // nmt-detail.08 before nmt-summary-diff.08: a detail has addresses.
  CHECK(snap::find_nmt_beside(inflater) ==
        std::vector<std::string>{p("jvm-inflater-leak/nmt-detail.01"), p("jvm-inflater-leak/nmt-detail.08")});
  std::vector<std::string> notes;
  auto nmts = snap::read_found_nmt(inflater, {}, notes);
  REQUIRE(nmts.size() == 2);
  CHECK(nmts[0].kind == snap::NmtKind::detail);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] == "joining the NMT files beside the snapshots (" + p("jvm-inflater-leak/nmt-detail.01") + " -> " +
                        p("jvm-inflater-leak/nmt-detail.08") + ")");

  const std::vector<std::string> summary{p("jvm-direct-buffers/summary/smaps.01"),
                                         p("jvm-direct-buffers/summary/smaps.08")};
  CHECK(snap::find_nmt_beside(summary) == std::vector<std::string>{p("jvm-direct-buffers/summary/nmt-summary.01"),
                                                                   p("jvm-direct-buffers/summary/nmt-summary.08")});

  // NMT's growth must span the snapshots': none at 05, so not joined.
  const std::vector<std::string> part{p("jvm-inflater-leak/smaps.01"), p("jvm-inflater-leak/smaps.05")};
  notes.clear();
  CHECK(snap::read_found_nmt(part, {}, notes).empty());
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("are not the first and last snapshots'") != std::string::npos);
  // Nothing numbered alike: nothing said.
  notes.clear();
  CHECK(snap::read_found_nmt({p("jvm-inflater-leak/smaps.03"), p("jvm-inflater-leak/smaps.05")}, {}, notes).empty());
  CHECK(notes.empty());
  // A summary.diff at the last snapshot spans from its baseline.
  CHECK(snap::find_nmt_beside({p("jvm-direct-buffers/summary/smaps.04"), p("jvm-direct-buffers/summary/smaps.08")})
            .size() == 1);
  // What a manifest recorded wins; unreadable: said, not joined.
  notes.clear();
  CHECK(snap::read_found_nmt(inflater, {p("jvm-inflater-leak/smaps.01")}, notes).empty());
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("NMT not joined") != std::string::npos);
}

namespace {

/// Independently of nmt_join.cc: what of a region's Rss lies inside `d`'s
/// ranges (its uncovered bytes resident first); the categories of the
/// ranges it meets into `met`, each once.
std::int64_t region_inside(const snap::Region& r, const snap::Nmt& d, std::vector<std::string>& met) {
  std::uint64_t covered = 0;
  for (const snap::NmtRegion& n : d.regions)
    if (n.start < r.end && r.start < n.end) {
      covered += std::min(r.end, n.end) - std::max(r.start, n.start);
      if (std::find(met.begin(), met.end(), n.category) == met.end()) met.push_back(n.category);
    }
  const std::uint64_t rss = *r.counters.get(snap::Field::rss);
  const std::uint64_t uncovered = r.size() - covered;
  return static_cast<std::int64_t>(rss > uncovered ? rss - uncovered : 0);
}

struct TrendJoin {
  snap::Comparison comparison;
  snap::NmtJoin join;
  std::size_t added = 0, gone = 0;  // blocks absent from the first, the last snapshot
};

/// apply_and_join_nmt on `snaps` with the first and last details, each
/// block checked against a join written here: its growth inside NMT is
/// the last snapshot's regions against the last detail less the first's
/// against the first (those between count for nothing), and its category
/// is NMT's covering over half of it in the newest snapshot holding it.
TrendJoin check_trend_join(const std::vector<snap::Snapshot>& snaps, const std::vector<snap::Nmt>& nmts) {
  TrendJoin t;
  t.comparison = snap::compare(snaps);
  const snap::Comparison plain = t.comparison;
  t.join = snap::apply_and_join_nmt(t.comparison, snaps, snap::Field::rss, nmts);
  REQUIRE(t.join.blocks.size() == plain.blocks.size());
  const std::size_t last = snaps.size() - 1;
  std::int64_t inside = 0;
  for (std::size_t i = 0; i < plain.blocks.size(); ++i) {
    const snap::Block& b = t.comparison.blocks[i];
    CAPTURE(b.start);
    auto in_block = [&](std::size_t n) {
      std::vector<snap::Region> out;
      for (const snap::Region& r : snaps[n].regions)
        if (r.start >= b.start && r.start < b.end) out.push_back(r);
      return out;
    };
    std::vector<std::string> met;
    std::int64_t before = 0, after = 0;
    for (const snap::Region& r : in_block(0)) before += region_inside(r, nmts.front(), met);
    for (const snap::Region& r : in_block(last)) after += region_inside(r, nmts.back(), met);
    CHECK(t.join.blocks[i].inside == after - before);
    CHECK(t.join.blocks[i].categories == met);
    inside += after - before;
    t.added += in_block(0).empty();
    t.gone += in_block(last).empty();

    // Read against the detail nearer its newest snapshot.
    std::size_t newest = last;
    while (in_block(newest).empty()) --newest;
    const snap::Nmt& d = 2 * newest < snaps.size() ? nmts.front() : nmts.back();
    std::map<snap::Category, std::uint64_t> by;
    std::uint64_t extent = 0;
    for (const snap::Region& r : in_block(newest)) {
      extent += r.size();
      if (r.file_backed()) continue;
      for (const snap::NmtRegion& n : d.regions)
        if (n.start < r.end && r.start < n.end)
          by[snap::nmt_category(n.category)] += std::min(r.end, n.end) - std::max(r.start, n.start);
    }
    snap::Category want = plain.blocks[i].category;
    for (const auto& [cat, len] : by)
      if (2 * len > extent) want = cat;
    CHECK(b.category == want);
  }
  CHECK(t.join.inside == inside);
  return t;
}

}  // namespace

TEST_CASE("join over a trend, jvm-direct-buffers detail smaps.01..08: the first and last snapshots count") {
  std::vector<snap::Snapshot> snaps;
  for (int i = 1; i <= 8; ++i)
    snaps.push_back(snap::test::load("jvm-direct-buffers/detail/smaps.0" + std::to_string(i)));
  const std::vector<snap::Nmt> nmts{nmt("jvm-direct-buffers/detail/nmt-detail.01"),
                                    nmt("jvm-direct-buffers/detail/nmt-detail.08")};
  const TrendJoin t = check_trend_join(snaps, nmts);
  CHECK(t.added == 2);  // mapped at 04 and 07: nothing in the first snapshot
  CHECK(t.gone == 0);
  CHECK(t.join.inside == 72 * static_cast<std::int64_t>(KiB));

  // The same with a JVM thread that ended after 04: its stack and guard
  // taken out of 05..08. Their blocks' newest snapshot is 04, read against
  // the first detail; the guard is the thread's stack to NMT.
  constexpr std::uint64_t kGuard = 0x7fecd45e7000, kStack = 0x7fecd45eb000;
  for (std::size_t n = 4; n < snaps.size(); ++n) {
    std::vector<snap::Region> kept;
    for (const snap::Region& r : snaps[n].regions)
      if (r.start != kGuard && r.start != kStack) kept.push_back(r);
    REQUIRE(kept.size() + 2 == snaps[n].regions.size());
    snaps[n].regions = snap::RegionStore(kept);
  }
  const TrendJoin ended = check_trend_join(snaps, nmts);
  CHECK(ended.gone == 2);
  auto at = [&](std::uint64_t start) {
    const auto& blocks = ended.comparison.blocks;
    const auto it =
        std::find_if(blocks.begin(), blocks.end(), [&](const snap::Block& b) { return b.start == start; });
    REQUIRE(it != blocks.end());
    return static_cast<std::size_t>(it - blocks.begin());
  };
  CHECK(ended.comparison.blocks[at(kGuard)].category == snap::Category::thread_stack);  // guard without NMT
  CHECK(ended.comparison.blocks[at(kStack)].category == snap::Category::thread_stack);
  const snap::BlockNmt& s = ended.join.blocks[at(kStack)];
  CHECK(s.categories == std::vector<std::string>{"Thread Stack"});
  CHECK(s.inside < 0);  // all it held inside NMT at 01 is gone
}
