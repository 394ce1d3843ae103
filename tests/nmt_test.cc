// NMT: the parser on the real jcmd output of testdata/jvm-inflater-leak
// (JDK 17), and the join that tells growth inside the JVM's regions from
// growth outside them (the zlib leak).
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "snap/error.h"
#include "snap/nmt.h"
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
  snap::NmtCategory other{"Other", {}, {}, snap::NmtAmount{36 << 20, 0}};
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

TEST_CASE("join: summaries alone carry no addresses") {
  std::vector<snap::Snapshot> snaps{snap::test::load("jvm-inflater-leak/smaps.01"),
                                    snap::test::load("jvm-inflater-leak/smaps.08")};
  std::vector<snap::Nmt> nmts{nmt("jvm-inflater-leak/nmt-summary-diff.08")};
  snap::DiffOptions o;
  o.nmt = nmts;
  CHECK_THROWS_AS(snap::make_report(snaps, o), std::invalid_argument);
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
