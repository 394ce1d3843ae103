// libsnap/src/range_map.h, the range engine, on hand-made layers whose
// answers are worked out in the comments.
#include <doctest/doctest.h>

#include <vector>

#include "range_map.h"

using snap::range::Span;

namespace {

/// A layer as BlockJoin reads one.
struct Layer {
  std::vector<Span> spans;
  std::size_t size() const { return spans.size(); }
  std::uint64_t start(std::size_t i) const { return spans[i].start; }
  std::uint64_t end(std::size_t i) const { return spans[i].end; }
};

}  // namespace

TEST_CASE("BlockJoin: overlap joins across layers, touching does not") {
  snap::range::BlockJoin join;
  join.add(Layer{{{0, 10}, {10, 20}, {30, 40}}});
  // One layer alone: its ranges, touching or not.
  CHECK(join.blocks() == std::vector<Span>{{0, 10}, {10, 20}, {30, 40}});
  // [5,15) bridges [0,10) and [10,20); [20,30) touches both neighbours;
  // [35,50) extends [30,40); [60,70) is new.
  join.add(Layer{{{5, 15}, {20, 30}, {35, 50}, {60, 70}}});
  CHECK(join.blocks() == std::vector<Span>{{0, 20}, {20, 30}, {30, 50}, {60, 70}});
  // A layer inside an existing block changes nothing; one spanning a gap
  // joins the blocks on either side.
  join.add(Layer{{{1, 2}, {45, 65}}});
  CHECK(join.blocks() == std::vector<Span>{{0, 20}, {20, 30}, {30, 70}});
  join.add(Layer{});
  CHECK(join.blocks().size() == 3);
}

TEST_CASE("BlockJoin: a range reaching the top of the address space") {
  snap::range::BlockJoin join;
  join.add(Layer{{{0xffffffffff600000, UINT64_MAX}}});
  join.add(Layer{{{0x1000, 0x2000}, {0xffffffffff600000, 0xffffffffff601000}}});
  CHECK(join.blocks() == std::vector<Span>{{0x1000, 0x2000}, {0xffffffffff600000, UINT64_MAX}});
}

TEST_CASE("for_each_overlap: the ranges met and the bytes shared") {
  const std::vector<Span> layer{{0, 10}, {10, 20}, {30, 40}};
  std::vector<std::pair<Span, std::uint64_t>> met;
  auto collect = [&](const Span& s, std::uint64_t n) { met.emplace_back(s, n); };
  snap::range::for_each_overlap(std::span<const Span>(layer), 5, 35, collect);
  CHECK(met == std::vector<std::pair<Span, std::uint64_t>>{{{0, 10}, 5}, {{10, 20}, 10}, {{30, 40}, 5}});
  // Touching is not overlapping, and the gap meets nothing.
  met.clear();
  snap::range::for_each_overlap(std::span<const Span>(layer), 20, 30, collect);
  snap::range::for_each_overlap(std::span<const Span>(layer), 40, 50, collect);
  snap::range::for_each_overlap(std::span<const Span>(layer), 7, 7, collect);
  CHECK(met.empty());
  snap::range::for_each_overlap(std::span<const Span>(layer), 19, 31, collect);
  CHECK(met == std::vector<std::pair<Span, std::uint64_t>>{{{10, 20}, 1}, {{30, 40}, 1}});
}

TEST_CASE("RangeSet::missing: what the set leaves out of a range") {
  snap::range::RangeSet set;
  CHECK(set.missing(0, 100) == std::vector<Span>{{0, 100}});
  set.add(10, 20);
  set.add(20, 30);  // touching: one covered run [10,30)
  set.add(50, 60);
  set.add(70, 70);  // empty: adds nothing
  CHECK(set.missing(0, 100) == std::vector<Span>{{0, 10}, {30, 50}, {60, 100}});
  CHECK(set.missing(12, 28).empty());
  CHECK(set.missing(25, 55) == std::vector<Span>{{30, 50}});
  CHECK(set.missing(65, 75) == std::vector<Span>{{65, 75}});
  CHECK(set.missing(5, 5).empty());
}
