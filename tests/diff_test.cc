// The join's rules on small made-up snapshots, one rule a case. The real
// captures are in scenario_test.cc.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "snap/diff.h"
#include "snap/error.h"
#include "snap/parse.h"
#include "testdata.h"

namespace {

using snap::Field;
using snap::Status;

// A maps line plus the smaps Rss, so that blocks have a resident size.
snap::Snapshot smaps(const std::string& text) { return snap::parse_snapshot(text, "mem", snap::Format::smaps); }

std::string region(const char* range, const char* perms, unsigned rss_kib, const char* name = "") {
  return fmt::format("{} {} 00000000 00:00 0 {}\nRss: {} kB\n", range, perms, name, rss_kib);
}

snap::Comparison join(std::vector<snap::Snapshot> snaps) { return snap::compare(snaps); }

constexpr std::int64_t K = 1024;

}  // namespace

TEST_CASE("touching regions stay separate blocks; overlapping ones join") {
  auto c = join({smaps(region("1000-2000", "rw-p", 4) + region("2000-3000", "rw-p", 4)),
                 smaps(region("1000-2000", "rw-p", 4) + region("2000-3000", "rw-p", 4))});
  CHECK(c.blocks.size() == 2);
}

TEST_CASE("brk growth: one block, grown") {
  auto c = join({smaps(region("1000-3000", "rw-p", 8, "[heap]")), smaps(region("1000-9000", "rw-p", 32, "[heap]"))});
  REQUIRE(c.blocks.size() == 1);
  CHECK(c.blocks[0].status == Status::grown);
  CHECK(c.blocks[0].delta(Field::size) == 0x6000);
  CHECK(c.blocks[0].delta(Field::rss) == 24 * K);
  CHECK(c.blocks[0].category == snap::Category::heap);
}

TEST_CASE("mprotect split: one block of two regions after, same counters") {
  auto c = join({smaps(region("10000-20000", "rw-p", 64)),
                 smaps(region("10000-18000", "rw-p", 32) + region("18000-20000", "r--p", 32))});
  REQUIRE(c.blocks.size() == 1);
  CHECK(c.blocks[0].sides[0].regions == 1);
  CHECK(c.blocks[0].sides[1].regions == 2);
  CHECK(c.blocks[0].status == Status::unchanged);
}

TEST_CASE("two regions merged, and a region that moved its start down") {
  auto c = join({smaps(region("10000-12000", "rw-p", 8) + region("14000-18000", "rw-p", 16)),
                 smaps(region("f000-18000", "rw-p", 36))});
  REQUIRE(c.blocks.size() == 1);
  CHECK(c.blocks[0].start == 0xf000);
  CHECK(c.blocks[0].end == 0x18000);
  CHECK(c.blocks[0].delta(Field::rss) == 12 * K);
  CHECK(c.blocks[0].status == Status::grown);
}

TEST_CASE("new, gone, shrunk") {
  auto c = join({smaps(region("1000-2000", "rw-p", 4) + region("5000-9000", "rw-p", 16)),
                 smaps(region("3000-4000", "rw-p", 4) + region("5000-9000", "rw-p", 8))});
  REQUIRE(c.blocks.size() == 3);
  CHECK(c.blocks[0].status == Status::gone);
  CHECK(c.blocks[0].delta(Field::rss) == -4 * K);
  CHECK(c.blocks[1].status == Status::added);
  CHECK(snap::status_name(c.blocks[1].status) == "new");
  CHECK(c.blocks[2].status == Status::shrunk);
}

TEST_CASE("replaced: the same addresses now hold a different file") {
  auto c = join({smaps(region("1000-2000", "r--p", 4, "/usr/lib/libold.so")),
                 smaps(region("1000-2000", "r--p", 4, "/usr/lib/libnew.so"))});
  REQUIRE(c.blocks.size() == 1);
  CHECK(c.blocks[0].status == Status::replaced);
  CHECK(c.blocks[0].name == "/usr/lib/libnew.so");
}

TEST_CASE("pmap basenames and smaps paths name the same file") {
  std::vector<snap::Snapshot> snaps{
      snap::parse_snapshot("1:   x\n0000000000001000      4K r---- libc.so.6\n total        4K\n", "p"),
      smaps(region("1000-2000", "r--p", 4, "/usr/lib/x86_64-linux-gnu/libc.so.6"))};
  auto c = snap::compare(snaps);
  REQUIRE(c.blocks.size() == 1);
  CHECK(c.blocks[0].status == Status::unchanged);
}

TEST_CASE("a block with Rss moved to swap did not shrink") {
  auto c = join({smaps(region("1000-9000", "rw-p", 32) + "Swap: 0 kB\n"),
                 smaps(region("1000-9000", "rw-p", 16) + "Swap: 16 kB\n")});
  CHECK(c.blocks[0].status == Status::unchanged);
}

TEST_CASE("N snapshots: one sweep, a block exists only where its regions do") {
  auto c = join({smaps(region("1000-2000", "rw-p", 4)), smaps(region("1000-3000", "rw-p", 8) + region("8000-9000", "rw-p", 4)),
                 smaps(region("1000-4000", "rw-p", 12))});
  REQUIRE(c.blocks.size() == 2);
  CHECK(c.blocks[0].sides.size() == 3);
  CHECK(c.blocks[0].delta(Field::rss) == 8 * K);
  CHECK(c.blocks[1].sides[1].present());
  CHECK(!c.blocks[1].sides[0].present());
  CHECK(!c.blocks[1].sides[2].present());
  CHECK(c.blocks[1].status == Status::gone);
}

TEST_CASE("known counters: only those both snapshots have") {
  auto c = join({snap::test::load("c-malloc-leak/pmap-x.01"), snap::test::load("c-malloc-leak/smaps.08")});
  CHECK(c.knows(Field::size));
  CHECK(c.knows(Field::rss));
  CHECK(c.knows(Field::dirty));
  CHECK(!c.knows(Field::pss));
  CHECK(!c.knows(Field::swap));
}

TEST_CASE("smaps_rollup has no ranges: compare refuses it, naming the file") {
  std::vector<snap::Snapshot> snaps{snap::test::load("c-malloc-leak/smaps_rollup.01"),
                                    snap::test::load("c-malloc-leak/smaps.08")};
  CHECK_THROWS_WITH_AS(snap::compare(snaps), doctest::Contains("smaps_rollup.01: smaps_rollup holds totals only"),
                       snap::ParseError);
}

TEST_CASE("a comparison split among threads gives each block its own regions") {
  // 40,000 blocks: more than one thread's share (diff.cc), so that blocks
  // are filled in parts, each part's cursors found by search. Block i holds
  // what was made for it, whichever part it fell in.
  constexpr std::uint64_t kBlocks = 40'000;
  std::string before, after;
  auto base = [](std::uint64_t i) { return 0x10000000 + i * 0x10000; };
  auto range = [](std::uint64_t from, std::uint64_t to) { return fmt::format("{:x}-{:x}", from, to); };
  for (std::uint64_t i = 0; i < kBlocks; ++i) {
    const std::uint64_t b = base(i);
    if (i % 7 != 3) before += region(range(b, b + 0x2000).c_str(), "rw-p", 8);
    if (i % 11 == 5 && i % 7 != 3) continue;  // gone (a block is in one snapshot at least)
    if (i % 5 == 0 && i % 7 != 3) {
      // Two regions over the one before: one block.
      after += region(range(b, b + 0x1000).c_str(), "rw-p", 4);
      after += region(range(b + 0x1000, b + 0x4000).c_str(), "rw-p", 12);
    } else {
      after += region(range(b, b + 0x4000).c_str(), "rw-p", 8 + 4 * (i % 3));
    }
  }
  const auto c = join({smaps(before), smaps(after)});
  REQUIRE(c.blocks.size() == kBlocks);
  std::uint64_t wrong = 0, first_wrong = kBlocks;
  for (std::uint64_t i = 0; i < kBlocks; ++i) {
    const snap::Block& blk = c.blocks[i];
    const bool in_before = i % 7 != 3, in_after = i % 11 != 5 || !in_before;
    const std::int64_t rss_before = in_before ? 8 * K : 0;
    const std::int64_t rss_after = !in_after ? 0 : i % 5 == 0 && in_before ? 16 * K : static_cast<std::int64_t>(8 + 4 * (i % 3)) * K;
    const std::uint64_t end = base(i) + (in_after ? 0x4000 : 0x2000);
    // In both, a block grew: in Rss, or else in its size (diff.cc, status_of).
    const Status status = !in_before ? Status::added : !in_after ? Status::gone : Status::grown;
    const std::size_t members = (in_before ? 1u : 0u) + (in_after ? (i % 5 == 0 && in_before ? 2u : 1u) : 0u);
    const bool ok = blk.start == base(i) && blk.end == end && blk.delta(Field::rss) == rss_after - rss_before &&
                    blk.status == status && blk.members().size() == members;
    if (!ok && wrong++ == 0) first_wrong = i;
  }
  CAPTURE(first_wrong);
  CHECK(wrong == 0);
}
