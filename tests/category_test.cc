#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ios>
#include <string>
#include <utility>
#include <vector>

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
  CHECK(category_at(s, 0x7fcd845ed000) == C::guard);         // 4K ---p
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
  // [vvar], [vvar_vclock], [vdso] (smaps.01 names them) by shape.
  for (std::uint64_t vdso : {0x7fcd857e1000, 0x7fcd857e5000, 0x7fcd857e7000})
    CHECK(category_at(s, vdso) == snap::Category::special);
  CHECK(category_at(s, 0x7fcd857df000) == snap::Category::anon);  // rw-p just below them
  CHECK(category_at(s, 0x7fcd845ee000) == snap::Category::thread_stack);
  // Without the header naming the executable, the executable is the first
  // file with an r-x mapping, and the heap is still found after it.
  s.command.clear();
  CHECK(category_at(s, 0x55c69e02f000) == snap::Category::heap);
  // With no executable file at all, nothing tells the heap from other anon.
  std::vector<snap::Region> rows = s.regions.to_vector();
  std::erase_if(rows, [](const snap::Region& r) { return r.file_backed(); });
  s.regions = snap::RegionStore(rows);
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
    auto s = parse(
        "7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n"
        "7f0000100000-7f0002000000 ---p 00000000 00:00 0 \n");
    CHECK(snap::classify(s) == std::vector{snap::Category::anon, snap::Category::guard});
  }
  SUBCASE("names") {
    auto s = parse(
        "1000-2000 rw-s 00000000 00:01 5 /dev/shm/ring\n"
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
  SUBCASE("shared memory names with and without their path; a real file so named is not shm") {
    // [anon_shmem:NAME] needs CONFIG_ANON_VMA_NAME, which the capture machine lacks.
    auto s = parse(
        "1000-2000 rw-s 00000000 00:01 5 [anon_shmem:ring]\n"
        "2000-3000 rw-s 00000000 00:01 6 /dev/zero (deleted)\n"
        "3000-4000 rw-s 00000000 08:01 7 /home/me/zero (deleted)\n"
        "4000-5000 rw-s 00000000 08:01 8 /home/me/memfd:x (deleted)\n"
        "5000-6000 rw-s 00000000 08:01 9 /home/me/SYSV00000000 (deleted)\n"
        "6000-7000 r--p 00000000 00:01 10 /memfd:rodata (deleted)\n");
    using C = snap::Category;
    CHECK(snap::classify(s) == std::vector{C::shm, C::shm, C::deleted, C::deleted, C::deleted, C::shm});
    // pmap and pmap -x drop the directory: "zero (deleted)" is only
    // /dev/zero's when shared, the bare SYSV and memfd: names only when deleted.
    auto x = parse(
        "0000000000001000       4       4       4 rw-s- zero (deleted)\n"
        "0000000000002000       4       4       4 rw--- zero (deleted)\n"
        "0000000000003000       4       4       4 rw-s- memfd:x (deleted)\n"
        "0000000000004000       4       4       4 rw-s- memfd:x\n"
        "0000000000005000       4       4       4 rw-s- SYSV00000000 (deleted)\n");
    CHECK(snap::classify(x) == std::vector{C::shm, C::deleted, C::shm, C::file, C::shm});
  }
  SUBCASE("pmap -x: [vvar] and [vdso] by shape, only where there is one such place") {
    const std::string vdso =
        "00007f0000010000      16       0       0 r----   [ anon ]\n"
        "00007f0000014000       8       0       0 r----   [ anon ]\n"
        "00007f0000016000       8       4       0 r-x--   [ anon ]\n";
    using C = snap::Category;
    CHECK(snap::classify(parse(vdso.c_str())) == std::vector{C::special, C::special, C::special});
    // r-x anonymous memory alone (JIT code) is not the vDSO.
    CHECK(snap::classify(parse("00007f0000016000       8       4       0 r-x--   [ anon ]\n")) ==
          std::vector{C::anon});
    // Too large for one.
    CHECK(snap::classify(parse("00007f0000000000    2048       0       0 r----   [ anon ]\n"
                               "00007f0000200000       8       4       0 r-x--   [ anon ]\n")) ==
          std::vector{C::anon, C::anon});
    // Two places of that shape: neither is known to be the vDSO.
    const std::string twice =
        "00007e0000010000      16       0       0 r----   [ anon ]\n"
        "00007e0000014000       8       4       0 r-x--   [ anon ]\n" +
        vdso;
    CHECK(snap::classify(parse(twice.c_str())) == std::vector(5, C::anon));
  }
  SUBCASE("a pmap that names the heap (Solaris) gets no second one by position") {
    auto s = parse(
        "0000000000010000    192K r-x--  /usr/bin/ksh\n"
        "0000000000040000      8K rwx--  /usr/bin/ksh\n"
        "0000000000050000     40K rwx--    [ anon ]\n"
        "0000000000060000     40K rwx--    [ heap ]\n");
    using C = snap::Category;
    CHECK(snap::classify(s) == std::vector{C::file, C::file, C::anon, C::heap});
  }
  SUBCASE("pmap -x: brk is randomised over the 1 GiB past the BSS tail's end") {
    // A 64 MiB .bss; the heap 1 GiB - 4 KiB past its end is the heap, 4 KiB further it is not.
    auto at = [&](const char* heap_row) {
      return snap::classify(
                 parse((std::string("0000555555554000       4       4       4 r-x-- prog\n"
                                    "0000555555555000       4       4       4 rw--- prog\n"
                                    "0000555555556000   65536       4       4 rw---   [ anon ]\n") +
                        heap_row)
                           .c_str()))
          .back();
    };
    CHECK(at("0000555599555000     132       8       8 rw---   [ anon ]\n") == snap::Category::heap);
    CHECK(at("0000555599557000     132       8       8 rw---   [ anon ]\n") == snap::Category::anon);
  }
  SUBCASE("pmap -x without brk randomisation: a heap touching the executable is taken for its BSS tail") {
    // The one case the position rule gets wrong (setarch -R, gdb): a program
    // with no BSS tail whose heap starts right at the executable's end.
    auto s = parse(
        "0000555555554000       4       4       4 r---- prog\n"
        "0000555555555000       4       4       4 r-x-- prog\n"
        "0000555555556000       4       4       4 rw--- prog\n"
        "0000555555557000     132       8       8 rw---   [ anon ]\n");
    using C = snap::Category;
    CHECK(snap::classify(s) == std::vector{C::file, C::file, C::file, C::anon});
  }
}

namespace {
using Range = std::pair<std::uint64_t, std::uint64_t>;

/// The ranges classify() puts in `c`.
std::vector<Range> ranges_of(const snap::Snapshot& s, snap::Category c) {
  auto cats = snap::classify(s);
  std::vector<Range> out;
  for (std::size_t i = 0; i < s.regions.size(); ++i)
    if (cats[i] == c) out.emplace_back(s.regions[i].start, s.regions[i].end);
  return out;
}

/// The ranges the kernel itself gives `name` (smaps and maps keep it).
std::vector<Range> named(const snap::Snapshot& s, std::string_view name) {
  std::vector<Range> out;
  for (const snap::Region& r : s.regions)
    if (r.name == name) out.emplace_back(r.start, r.end);
  return out;
}

constexpr const char* kFormats[] = {"pmap", "pmap-x", "pmap-d", "pmap-x-ext", "maps", "smaps"};
}  // namespace

TEST_CASE("categories/ captures: every format gives each region the category smaps gives it") {
  for (const char* proc :
       {"python3", "python3-pie", "bash", "bash-norandom", "malloc_hold", "no_heap", "shm_kinds"}) {
    const auto smaps = snap::test::load(std::string("categories/") + proc + ".smaps");
    const auto want = snap::classify(smaps);
    for (const char* fmt : kFormats) {
      const auto s = snap::test::load(std::string("categories/") + proc + "." + fmt);
      CAPTURE(proc);
      CAPTURE(fmt);
      REQUIRE(s.regions.size() == smaps.regions.size());  // the same sleeping process
      const auto got = snap::classify(s);
      for (std::size_t i = 0; i < s.regions.size(); ++i) {
        CAPTURE(smaps.regions[i].name);
        CHECK(s.regions[i].start == smaps.regions[i].start);
        CHECK(snap::category_name(got[i]) == snap::category_name(want[i]));
      }
    }
  }
}

TEST_CASE("categories/ captures: the heap is exactly smaps' [heap] in every format, and none without one") {
  // In pmap, pmap -x and pmap -d the heap prints as "[ anon ]" and is found
  // by position; the kernel's own [heap] in smaps is the truth.
  const std::pair<const char*, bool> procs[] = {
      {"python3", true},     {"python3-pie", true}, {"bash", true},     {"bash-norandom", true},
      {"malloc_hold", true}, {"no_heap", false},    {"shm_kinds", true}};
  for (const auto& p : procs) {  // no structured binding: CAPTURE is a lambda (clang 14)
    const char* proc = p.first;
    const bool has_heap = p.second;
    CAPTURE(proc);
    const auto truth = named(snap::test::load(std::string("categories/") + proc + ".smaps"), "[heap]");
    CHECK(truth.size() == (has_heap ? 1u : 0u));
    for (const char* fmt : kFormats) {
      CAPTURE(fmt);
      CHECK(ranges_of(snap::test::load(std::string("categories/") + proc + "." + fmt),
                      snap::Category::heap) == truth);
    }
  }
}

TEST_CASE(
    "categories/ pmap -x: the executable by argv[0] or by its r-x mapping, the heap past its BSS tail") {
  using C = snap::Category;
  SUBCASE("python3 runs a non-PIE python3.11; its BSS tail touches it, the heap is 463 MiB above") {
    auto s = snap::test::load("categories/python3.pmap-x");
    CHECK(s.command.starts_with("/usr/bin/python3 -c"));
    CHECK(s.regions[4].name == "python3.11");
    CHECK(s.regions[4].end == 0xa85000);
    CHECK(category_at(s, 0xa85000) == C::anon);  // BSS tail
    CHECK(category_at(s, 0x1da35000) == C::heap);
  }
  SUBCASE("bash: the BSS tail right after bash's data is anon, the heap after the brk gap") {
    auto s = snap::test::load("categories/bash.pmap-x");
    CHECK(category_at(s, 0x55f925bfc000) == C::anon);
    CHECK(category_at(s, 0x55f962ffc000) == C::heap);
  }
  SUBCASE("bash without address randomisation: the heap directly follows the BSS tail") {
    auto s = snap::test::load("categories/bash-norandom.pmap-x");
    CHECK(category_at(s, 0x555555689000) == C::anon);
    CHECK(s.regions[5].end == 0x555555694000);
    CHECK(category_at(s, 0x555555694000) == C::heap);
  }
  SUBCASE("a program that never called brk has only its BSS tail") {
    auto s = snap::test::load("categories/no_heap.pmap-x");
    CHECK(category_at(s, 0x5623f6e24000) == C::anon);
    CHECK(s.regions[5].size() == 64 * snap::test::KiB);
  }
}

TEST_CASE("categories/shm_kinds: each kind of shared memory is shm and the vDSO special, in every format") {
  // The program's log names the range of each mapping it made.
  std::ifstream log(snap::test::path("categories/shm_kinds.log"));
  std::vector<Range> shm;
  for (std::string what, range; log >> what >> range;) {
    if (what.ends_with(":") || what == "sysv-shmid") {
      std::getline(log, range);
      continue;
    }
    const auto dash = range.find('-');
    shm.emplace_back(std::stoull(range.substr(0, dash), nullptr, 16),
                     std::stoull(range.substr(dash + 1), nullptr, 16));
  }
  std::sort(shm.begin(), shm.end());
  REQUIRE(shm.size() == 5);  // shared anon, shared anon again, /dev/zero shared, memfd, SysV
  const auto smaps = snap::test::load("categories/shm_kinds.smaps");
  std::vector<Range> special;
  for (const char* name : {"[vvar]", "[vvar_vclock]", "[vdso]", "[vsyscall]"})
    for (const Range& r : named(smaps, name)) special.push_back(r);
  std::sort(special.begin(), special.end());
  CHECK(special.size() == 4);
  for (const char* fmt : kFormats) {
    CAPTURE(fmt);
    const auto s = snap::test::load(std::string("categories/shm_kinds.") + fmt);
    CHECK(ranges_of(s, snap::Category::shm) == shm);
    CHECK(ranges_of(s, snap::Category::special) == special);
    CHECK(ranges_of(s, snap::Category::deleted).empty());
  }
  // What each format calls them: the rules must hold for all these spellings.
  auto names = [](const std::string& rel) {
    std::vector<std::string> out;
    for (const snap::Region& r : snap::test::load(rel).regions)
      if (r.perms.shared) out.push_back(r.name);
    return out;
  };
  CHECK(names("categories/shm_kinds.smaps") ==
        std::vector<std::string>{"/SYSV00000000 (deleted)", "/memfd:snapbuf (deleted)", "/dev/zero (deleted)",
                                 "/dev/zero (deleted)", "/dev/zero (deleted)"});
  CHECK(names("categories/shm_kinds.pmap-x") ==
        std::vector<std::string>{"[shmid=0x10020]", "memfd:snapbuf (deleted)", "zero (deleted)",
                                 "zero (deleted)", "zero (deleted)"});
  CHECK(names("categories/shm_kinds.pmap-x-ext") ==
        std::vector<std::string>{"SYSV00000000 (deleted)", "memfd:snapbuf (deleted)", "zero (deleted)",
                                 "zero (deleted)", "zero (deleted)"});
  // pmap -x prints [vvar], [vvar_vclock] and [vdso] as "[ anon ]".
  const auto px = snap::test::load("categories/shm_kinds.pmap-x");
  for (const Range& r : special)
    if (r.first != 0xffffffffff600000) CHECK(snap::test::region_at(px, r.first)->name.empty());
}

TEST_CASE("every pmap, pmap -x and pmap -d capture finds the heap its smaps names") {
  // One snapshot's files were read one after the other from a leaking
  // process: the heap's end may have moved between them, its start not.
  int pairs = 0;
  for (const char* dir :
       {"c-malloc-leak", "c-malloc-leak-pmap-d", "idle-sleep", "jvm-inflater-leak", "thread-leak"})
    for (int n = 1; n <= 8; ++n) {
      const std::string nn = fmt::format("{:02}", n);
      const std::string smaps_rel = fmt::format("{}/smaps.{}", dir, nn);
      if (!std::filesystem::exists(snap::test::path(smaps_rel))) continue;
      const auto truth = named(snap::test::load(smaps_rel), "[heap]");
      REQUIRE(truth.size() == 1);
      for (const char* fmt : {"pmap", "pmap-x", "pmap-d"}) {
        const std::string rel = fmt::format("{}/{}.{}", dir, fmt, nn);
        if (!std::filesystem::exists(snap::test::path(rel))) continue;
        CAPTURE(rel);
        const auto heap = ranges_of(snap::test::load(rel), snap::Category::heap);
        REQUIRE(heap.size() == 1);
        CHECK(heap[0].first == truth[0].first);
        ++pairs;
      }
    }
  CHECK(pairs == 8 * 2 + 4 * 2 + 2 * 2 + 8 * 2 + 8);
}
