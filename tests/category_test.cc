#include <doctest/doctest.h>

#include <ios>

#include "snap/category.h"
#include "testdata.h"

namespace {
snap::Category category_at(const snap::Snapshot& s, std::uint64_t start) {
  auto cats = snap::classify(s);
  for (std::size_t i = 0; i < s.regions.size(); ++i)
    if (s.regions[i].start == start) return cats[i];
  FAIL("no region at " << std::hex << start);
  return snap::Category::anon;
}
}  // namespace

TEST_CASE("category names round-trip") {
  for (int i = 0; i <= static_cast<int>(snap::Category::guard); ++i) {
    auto c = static_cast<snap::Category>(i);
    CHECK(snap::category_from_name(snap::category_name(c)) == c);
  }
  CHECK(snap::category_name(snap::Category::thread_stack) == "thread-stack");
  CHECK(!snap::category_from_name("heap2"));
}

TEST_CASE("c-malloc-leak smaps.01: heap, arenas, thread stacks, guards, stack, special, file") {
  auto s = snap::test::load("c-malloc-leak/smaps.01");
  using C = snap::Category;
  CHECK(category_at(s, 0x55c69e02f000) == C::heap);
  CHECK(category_at(s, 0x7fcd78000000) == C::arena);  // rw-p part
  CHECK(category_at(s, 0x7fcd78061000) == C::arena);  // its ---p reserve
  CHECK(category_at(s, 0x7fcd80000000) == C::arena);
  CHECK(category_at(s, 0x7fcd845ed000) == C::guard);  // 4K ---p
  CHECK(category_at(s, 0x7fcd845ee000) == C::thread_stack);  // 8 MiB above it
  CHECK(category_at(s, 0x7fcd84def000) == C::thread_stack);
  CHECK(category_at(s, 0x7fcd855ef000) == C::anon);
  CHECK(category_at(s, 0x7ffea7d79000) == C::stack);
  CHECK(category_at(s, 0xffffffffff600000) == C::special);
  CHECK(category_at(s, 0x55c6672d3000) == C::file);
}

TEST_CASE("c-malloc-leak pmap-x.01: [heap] printed as [ anon ] is still the heap") {
  auto s = snap::test::load("c-malloc-leak/pmap-x.01");
  CHECK(s.regions[5].name.empty());
  CHECK(category_at(s, 0x55c69e02f000) == snap::Category::heap);
  CHECK(category_at(s, 0xffffffffff600000) == snap::Category::special);  // [vsyscall] by address
  CHECK(category_at(s, 0x7fcd845ee000) == snap::Category::thread_stack);
  // Without the header naming the executable, it is only anonymous memory.
  s.command.clear();
  CHECK(category_at(s, 0x55c69e02f000) == snap::Category::anon);
}

TEST_CASE("jvm-inflater-leak smaps.08: JVM thread stacks (16K guard), arenas, the Java heap is anon") {
  auto s = snap::test::load("jvm-inflater-leak/smaps.08");
  CHECK(category_at(s, 0x7f47c028a000) == snap::Category::thread_stack);
  CHECK(category_at(s, 0x7f47d8000000) == snap::Category::arena);
  CHECK(category_at(s, 0x7f47dbd0a000) == snap::Category::arena);
  // fc000000 is 64 MiB-aligned but holds the Java heap, no arena shape.
  CHECK(category_at(s, 0xfc000000) == snap::Category::anon);
}

TEST_CASE("shape rules on made-up snapshots") {
  auto parse = [](const char* text) { return snap::parse_snapshot(text, "mem"); };
  SUBCASE("a full arena (no reserve left) is told by MAP_NORESERVE") {
    auto s = parse(
        "7f0000000000-7f0004000000 rw-p 00000000 00:00 0 \nSize: 65536 kB\nVmFlags: rd wr mr mw me nr \n"
        "7f0008000000-7f000c000000 rw-p 00000000 00:00 0 \nSize: 65536 kB\nVmFlags: rd wr mr mw me \n");
    CHECK(snap::classify(s) == std::vector{snap::Category::arena, snap::Category::anon});
  }
  SUBCASE("64 MiB-aligned rw-p whose run does not fill the window is not an arena") {
    auto s = parse("7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n"
                   "7f0000100000-7f0002000000 ---p 00000000 00:00 0 \n");
    CHECK(snap::classify(s) == std::vector{snap::Category::anon, snap::Category::guard});
  }
  SUBCASE("names") {
    auto s = parse("1000-2000 rw-s 00000000 00:01 5 /dev/shm/ring\n"
                   "2000-3000 r--p 00000000 08:01 9 /usr/lib/libgone.so (deleted)\n"
                   "3000-4000 rw-s 00000000 00:01 7 /SYSV00000000 (deleted)\n"
                   "4000-5000 rw-s 00000000 00:01 8 \n"
                   "5000-6000 r--p 00000000 00:00 0 [vvar]\n"
                   "6000-7000 r-xp 00000000 00:00 0 [vdso]\n"
                   "7000-8000 rw-p 00000000 00:00 0 [anon:java heap]\n"
                   "8000-9000 r--p 00000000 08:01 10 /opt/my app/data file.bin\n");
    using C = snap::Category;
    CHECK(snap::classify(s) ==
          std::vector{C::shm, C::deleted, C::shm, C::shm, C::special, C::special, C::java_heap, C::file});
  }
}
