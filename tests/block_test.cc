// A comparison holds a Block for every mapping, so a Block is kept small:
// its members are read from its sides, its name is shared with every block
// of that name, its threads are a null pointer when there are none. Each
// must still read as the plain values it replaced.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "snap/diff.h"
#include "snap/parse.h"
#include "support/testdata.h"

namespace {

using Present = std::vector<std::pair<std::uint32_t, snap::BlockSide>>;

snap::BlockSide side(std::uint32_t first, std::uint32_t regions) {
  snap::BlockSide s;
  s.first = first;
  s.regions = regions;
  s.counters.set(snap::Field::size, 4096 * regions);
  return s;
}

std::vector<snap::RegionRef> listed(const snap::BlockMembers& m) { return {m.begin(), m.end()}; }

}  // namespace

TEST_CASE("Block: 48 bytes, whatever it holds") {
  CHECK(sizeof(snap::Sides) <= 16);
  CHECK(sizeof(snap::Block) <= 48);
}

TEST_CASE("Block: copies and assignments keep the sides, the category and the status, after the pool is gone") {
  // The enums live in the tail padding of Sides: an assignment of the
  // sides must not write over them, nor a copy lose them.
  std::vector<snap::Block> blocks(3);
  {
    snap::SidesPool pool;
    for (std::uint32_t k = 0; k < 3; ++k) {
      blocks[k].start = 0x1000 * (k + 1);
      blocks[k].end = blocks[k].start + 0x1000;
      blocks[k].category = k == 1 ? snap::Category::heap : snap::Category::arena;
      blocks[k].status = k == 1 ? snap::Status::grown : snap::Status::gone;
      blocks[k].sides = snap::Sides(2, Present{{0, side(k, 1)}, {1, side(k + 5, k + 1)}}, pool);
      CHECK(blocks[k].category == (k == 1 ? snap::Category::heap : snap::Category::arena));
      CHECK(blocks[k].status == (k == 1 ? snap::Status::grown : snap::Status::gone));
    }
  }
  snap::Block copy = blocks[1];
  blocks[0].sides = blocks[2].sides;
  blocks[2] = blocks[1];
  for (const snap::Block* b : {&copy, &blocks[2]}) {
    CHECK(b->category == snap::Category::heap);
    CHECK(b->status == snap::Status::grown);
    CHECK(b->sides.size() == 2);
    CHECK(b->sides.rows(1).first == 6);
    CHECK(b->sides.rows(1).count == 2);
    CHECK(b->delta(snap::Field::size) == 4096);
  }
  CHECK(blocks[0].category == snap::Category::arena);
  CHECK(blocks[0].status == snap::Status::gone);
  CHECK(blocks[0].sides.rows(1).first == 7);
  CHECK(blocks[0].sides.value(1, snap::Field::size) == 3 * 4096);
  // A default block reads as no sides.
  const snap::Block none;
  CHECK(none.sides.size() == 0);
  CHECK(none.sides.present_count() == 0);
  CHECK(none.sides.footprint() == 0);
}

TEST_CASE("Sides: many blocks of two layouts in one pool read back each its own") {
  snap::SidesPool pool;
  std::vector<snap::Sides> same, other;
  for (std::uint32_t k = 0; k < 1000; ++k) {
    same.emplace_back(2, Present{{0, side(k, 1)}, {1, side(k, 1)}}, pool);
    if (k == 999) same.emplace_back(2, Present{{0, side(70000, 1)}, {1, side(70001, 2)}}, pool);
    other.emplace_back(3, Present{{2, side(k, 2)}}, pool);
  }
  for (std::uint32_t k = 0; k < 1000; ++k) {
    CAPTURE(k);
    CHECK(same[k].size() == 2);
    CHECK(same[k].present_count() == 2);
    CHECK(same[k].rows(0).first == k);
    CHECK(same[k].value(1, snap::Field::size) == 4096);
    // The layout's index, 2 narrow headers without the snapshot (the
    // block is in both), the values once.
    CHECK(same[k].footprint() == (1 + 3 + 1) * 4);
    CHECK(other[k].size() == 3);
    CHECK(other[k].present_count() == 1);
    CHECK_FALSE(other[k].present(0));
    CHECK(other[k].rows(2).first == k);
    CHECK(other[k].value(2, snap::Field::size) == 2 * 4096);
  }
  // In both snapshots, but a region index past 16 bits: headers of words.
  const snap::Sides& far = same.back();
  CHECK(far.rows(0).first == 70000);
  CHECK(far.rows(1).first == 70001);
  CHECK(far.rows(1).count == 2);
  CHECK(far.present_snapshot(1) == 1);
  CHECK(far[1].counters.value_or_zero(snap::Field::size) == 2 * 4096);
  CHECK_FALSE(far.present(2));
  CHECK(far.footprint() == (1 + 2 * 3 + 2) * 4);
}

TEST_CASE("BlockMembers: each present side's run of regions, by snapshot then region") {
  const Present present = {{0, side(7, 2)}, {2, side(3, 1)}, {3, side(0, 3)}};
  const snap::Sides sides(5, present);
  const snap::BlockMembers m(sides);
  CHECK(listed(m) == std::vector<snap::RegionRef>{{0, 7}, {0, 8}, {2, 3}, {3, 0}, {3, 1}, {3, 2}});
  CHECK(m.size() == 6);
  CHECK(m.front() == snap::RegionRef{0, 7});
  CHECK(m.back() == snap::RegionRef{3, 2});
  CHECK(sides.rows(2).first == 3);
  CHECK(sides.rows(2).count == 1);
  CHECK(sides.rows(1).count == 0);

  // A side listed as present with no regions (only a hand-built one can
  // be) lists nothing, wherever it stands.
  const Present hollow = {{0, side(5, 0)}, {1, side(9, 1)}, {2, side(4, 0)}};
  const snap::Sides h(3, hollow);
  CHECK(listed(snap::BlockMembers(h)) == std::vector<snap::RegionRef>{{1, 9}});
  CHECK(snap::BlockMembers(h).back() == snap::RegionRef{1, 9});
  CHECK(snap::BlockMembers(snap::Sides()).empty());
}

TEST_CASE("compare: members are the regions each block covers, in every snapshot of a real series") {
  std::vector<snap::Snapshot> snaps;
  for (const char* f : {"c-malloc-leak/smaps.01", "c-malloc-leak/smaps.04", "c-malloc-leak/smaps.08"})
    snaps.push_back(snap::test::load(f));
  const snap::Comparison c = snap::compare(snaps);
  REQUIRE(c.blocks.size() > 10);
  // Every region of every snapshot is a member of exactly the block that
  // covers it, once.
  std::map<snap::RegionRef, int> seen;
  for (const snap::Block& b : c.blocks)
    for (const snap::RegionRef m : b.members()) {
      const snap::RegionStore& regions = snaps[m.snapshot].regions;
      CHECK(regions.start(m.region) >= b.start);
      CHECK(regions.end(m.region) <= b.end);
      ++seen[m];
    }
  std::size_t total = 0;
  for (const snap::Snapshot& s : snaps) total += s.regions.size();
  CHECK(seen.size() == total);
  CHECK(std::all_of(seen.begin(), seen.end(), [](const auto& e) { return e.second == 1; }));
}

TEST_CASE("compare: a name held by many blocks is one shared text") {
  std::vector<snap::Snapshot> snaps;
  for (const char* f : {"c-malloc-leak/smaps.01", "c-malloc-leak/smaps.08"}) snaps.push_back(snap::test::load(f));
  const snap::Comparison c = snap::compare(snaps);
  std::map<std::string, std::vector<const snap::Block*>> by_name;
  for (const snap::Block& b : c.blocks) by_name[b.name.str()].push_back(&b);
  // A library's segments are blocks of one name (libc: r--p, r-xp, r--p, rw-p).
  const auto libc = std::find_if(by_name.begin(), by_name.end(), [](const auto& e) {
    return e.first.find("libc.so") != std::string::npos && e.second.size() >= 3;
  });
  REQUIRE(libc != by_name.end());
  for (const snap::Block* b : libc->second) CHECK(b->name.c_str() == libc->second.front()->name.c_str());
  CHECK(by_name.count("") == 1);
  CHECK(by_name[""].front()->name.empty());
}

TEST_CASE("SharedName and BlockThreads read as the values they hold") {
  snap::SharedName a("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13");
  const snap::SharedName b = a;
  CHECK(b == "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13");
  CHECK(b.c_str() == a.c_str());  // shared, not copied
  a = "[heap]";
  CHECK(a == "[heap]");
  CHECK(b == "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13");  // the copy keeps its text
  CHECK(snap::SharedName().empty());
  CHECK(snap::SharedName("").empty());
  CHECK(snap::SharedName().str().empty());

  snap::BlockThreads t;
  CHECK(t.empty());
  CHECK(t.list().empty());
  CHECK_THROWS_AS(t.at(0), std::out_of_range);  // no list at all: checked like an empty one
  t.push_back({5460, "worker-7", 0x7f00});
  snap::BlockThreads copy = t;
  t.clear();
  REQUIRE(copy.size() == 1);
  CHECK(copy[0].name == "worker-7");
  CHECK(&copy.at(0) == &copy[0]);
  CHECK_THROWS_AS(copy.at(1), std::out_of_range);
  CHECK(t.empty());
  CHECK_THROWS_AS(t.at(0), std::out_of_range);
}

TEST_CASE("read_snapshots: the files of a series hold one copy of each name between them") {
  const std::vector<std::string> paths = {snap::test::path("c-malloc-leak/smaps.01"),
                                          snap::test::path("c-malloc-leak/smaps.04"),
                                          snap::test::path("c-malloc-leak/smaps.08")};
  const std::vector<snap::Snapshot> snaps = snap::read_snapshots(paths);
  REQUIRE(snaps.size() == 3);
  std::map<std::string, const char*> text_of;
  std::size_t named = 0;
  for (const snap::Snapshot& s : snaps)
    for (std::size_t i = 0; i < s.regions.size(); ++i) {
      const snap::SharedName& n = s.regions.shared_name(i);
      CHECK(n.str() == s.regions.name(i));
      if (n.empty()) continue;
      ++named;
      auto [it, fresh] = text_of.try_emplace(n.str(), n.c_str());
      if (!fresh) CHECK(it->second == n.c_str());
    }
  CHECK(named > 3 * text_of.size());  // each name in several rows and files, one text

  snap::NamePool pool;
  const snap::SharedName a = pool.intern("/usr/lib/libfoo.so.1");
  const snap::SharedName b = pool.intern(std::string("/usr/lib/libfoo.so.1"));
  CHECK(a.c_str() == b.c_str());
  CHECK(pool.intern("").empty());
  CHECK(pool.size() == 1);
}

TEST_CASE("Sides: Accessible equal to Size in every side is read from Size; otherwise stored") {
  auto with = [](std::uint64_t size, std::optional<std::uint64_t> accessible, std::uint64_t rss) {
    snap::BlockSide s;
    s.regions = 1;
    s.counters.set(snap::Field::size, size);
    if (accessible) s.counters.set(snap::Field::accessible, *accessible);
    s.counters.set(snap::Field::rss, rss);
    return s;
  };
  const std::uint64_t M = 1 << 20;
  // Unchanged Size, grown Rss: one run of 2 values each side, not 3.
  const snap::Sides same(2, Present{{0, with(8 * M, 8 * M, M)}, {1, with(8 * M, 8 * M, 2 * M)}});
  // A PROT_NONE reserve in the newer side: Accessible is less than Size.
  const snap::Sides reserve(2, Present{{0, with(8 * M, 8 * M, M)}, {1, with(16 * M, 8 * M, 2 * M)}});
  // Accessible unknown in one side (hand-built): known where it was set only.
  const snap::Sides unknown(2, Present{{0, with(8 * M, std::nullopt, M)}, {1, with(8 * M, 8 * M, M)}});
  CHECK(same.footprint() == (1 + 3 + 2 * 2) * 4);
  CHECK(reserve.footprint() == (1 + 3 + 2 * 3) * 4);
  for (std::uint32_t n = 0; n < 2; ++n) {
    CAPTURE(n);
    CHECK(same.value(n, snap::Field::accessible) == 8 * M);
    CHECK(same[n].counters.known(snap::Field::accessible));
    CHECK(same[n].counters.value_or_zero(snap::Field::accessible) == 8 * M);
    CHECK(same[n].counters.value_or_zero(snap::Field::rss) == (n + 1) * M);
    CHECK(reserve.value(n, snap::Field::accessible) == 8 * M);
    CHECK(reserve[n].counters.value_or_zero(snap::Field::size) == (n + 1) * 8 * M);
  }
  std::vector<double> y;
  same.values(snap::Field::accessible, y);
  CHECK(y == std::vector<double>{8.0 * M, 8.0 * M});
  CHECK_FALSE(unknown[0].counters.known(snap::Field::accessible));
  CHECK(unknown.value(0, snap::Field::accessible) == 0);
  CHECK(unknown[1].counters.value_or_zero(snap::Field::accessible) == 8 * M);
}
