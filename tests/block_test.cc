// A comparison holds a Block for every mapping, so a Block is kept small:
// its members are read from its sides, its name is shared with every block
// of that name, its threads are a null pointer when there are none. Each
// must still read as the plain values it replaced.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
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

TEST_CASE("Block: 72 bytes, whatever it holds") { CHECK(sizeof(snap::Block) <= 72); }

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
