// The oracle of tests/support/icl_oracle.h on its own: lookups on real
// captures, blocks on hand-made layers, and that block_mismatch reports a
// wrong answer (the check on testdata/ is only as good as that).
#include <doctest/doctest.h>

#include "icl_oracle.h"
#include "testdata.h"

using snap::test::IclOracle;

namespace {

snap::Snapshot snapshot_of(std::initializer_list<std::pair<std::uint64_t, std::uint64_t>> ranges) {
  snap::Snapshot s;
  std::vector<snap::Region> rows;
  for (auto [start, end] : ranges) {
    snap::Region r;
    r.start = start;
    r.end = end;
    rows.push_back(r);
  }
  s.regions = snap::RegionStore(rows);
  return s;
}

}  // namespace

TEST_CASE("c-malloc-leak smaps.08: every address finds its one region") {
  auto s = snap::test::load("c-malloc-leak/smaps.08");
  IclOracle map(s);
  for (std::uint32_t i = 0; i < s.regions.size(); ++i) {
    const auto& r = s.regions[i];
    for (std::uint64_t a : {r.start, r.start + (r.size() / 2), r.end - 1}) {
      auto found = map.at(a);
      REQUIRE(found.size() == 1);
      CHECK(found[0].region == i);
    }
  }
  // The gap below the heap, and beyond the last mapping.
  CHECK(map.at(0x55c69e02f000 - 1).empty());
  CHECK(map.at(0).empty());
  // worker1's last pointer logged before 08 (leak.log) is in its arena.
  auto hit = map.at(0x7fcd80280df0);
  REQUIRE(hit.size() == 1);
  CHECK(s.regions[hit[0].region].start == 0x7fcd80000000);
}

TEST_CASE("c-malloc-leak smaps.01 + smaps.08: overlaps stay visible, not summed") {
  std::vector<snap::Snapshot> snaps{snap::test::load("c-malloc-leak/smaps.01"),
                                    snap::test::load("c-malloc-leak/smaps.08")};
  IclOracle map(snaps);
  // 0x7fcd80100000 is in the reserve at 01 and in the rw-p heap at 08.
  auto both = map.at(0x7fcd80100000);
  REQUIRE(both.size() == 2);
  CHECK(both[0].snapshot == 0);
  CHECK(snaps[0].regions[both[0].region].perms.none());
  CHECK(both[1].snapshot == 1);
  CHECK(snaps[1].regions[both[1].region].perms.write);
  // The arena's whole 64 MiB overlaps two regions in each snapshot.
  CHECK(map.overlapping(0x7fcd80000000, 0x7fcd84000000).size() == 4);
  CHECK(map.overlapping(5, 5).empty());
  // The arena is one block of those four regions.
  bool found = false;
  for (const auto& b : map.blocks())
    if (b.start == 0x7fcd80000000) {
      found = true;
      CHECK(b.end == 0x7fcd84000000);
      CHECK(b.members.size() == 4);
    }
  CHECK(found);
}

TEST_CASE("oracle blocks: overlap joins, touching and gaps do not") {
  // Layer 0: [0,10) [10,20) [30,40)   layer 1: [5,15) [20,30) [50,60)
  // [0,10) and [10,20) only touch, but [5,15) overlaps both: one block
  // [0,20). [20,30) touches it and [30,40) on either side: blocks of their
  // own. [50,60) stands alone.
  std::vector<snap::Snapshot> snaps{snapshot_of({{0, 10}, {10, 20}, {30, 40}}),
                                    snapshot_of({{5, 15}, {20, 30}, {50, 60}})};
  const auto blocks = IclOracle(snaps).blocks();
  REQUIRE(blocks.size() == 4);
  CHECK(blocks[0].start == 0);
  CHECK(blocks[0].end == 20);
  CHECK(blocks[0].members == std::vector<snap::RegionRef>{{0, 0}, {0, 1}, {1, 0}});
  CHECK(blocks[1].start == 20);
  CHECK(blocks[1].end == 30);
  CHECK(blocks[1].members == std::vector<snap::RegionRef>{{1, 1}});
  CHECK(blocks[2].start == 30);
  CHECK(blocks[2].members == std::vector<snap::RegionRef>{{0, 2}});
  CHECK(blocks[3].start == 50);
  CHECK(blocks[3].end == 60);
}

TEST_CASE("block_mismatch catches a wrong boundary, a wrong member and a missing block") {
  std::vector<snap::Snapshot> snaps{snapshot_of({{0, 10}, {10, 20}, {30, 40}}),
                                    snapshot_of({{5, 15}, {20, 30}, {50, 60}})};
  const auto want = IclOracle(snaps).blocks();
  snap::Comparison c = snap::compare(snaps);
  REQUIRE(snap::test::block_mismatch(c.blocks, want) == "");

  SUBCASE("a block ending where the next starts, as if touching joined") {
    c.blocks[0].end = 30;
    CHECK(snap::test::block_mismatch(c.blocks, want) == "block 0: 0-1e, the oracle has 0-14");
  }
  SUBCASE("a start off by one") {
    c.blocks[3].start = 0x33;
    CHECK(snap::test::block_mismatch(c.blocks, want) == "block 3: 33-3c, the oracle has 32-3c");
  }
  SUBCASE("a member of another snapshot") {
    snap::BlockSide side;
    side.regions = 1;
    side.first = 1;
    const std::vector<std::pair<std::uint32_t, snap::BlockSide>> wrong = {{0, side}};
    c.blocks[1].sides = snap::Sides(2, wrong);
    CHECK(snap::test::block_mismatch(c.blocks, want) == "block 1 14-1e: members 0:1, the oracle has 1:1");
  }
  SUBCASE("a block left out") {
    c.blocks.pop_back();
    CHECK(snap::test::block_mismatch(c.blocks, want) == "3 blocks, the oracle has 4");
  }
}
