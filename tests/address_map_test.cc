#include <doctest/doctest.h>

#include "snap/address_map.h"
#include "testdata.h"

TEST_CASE("c-malloc-leak smaps.08: every address finds its one region") {
  auto s = snap::test::load("c-malloc-leak/smaps.08");
  snap::AddressMap map(s);
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
  snap::AddressMap map(snaps);
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
}
