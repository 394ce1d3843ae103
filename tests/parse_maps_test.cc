// /proc/PID/maps, read from the real captures in testdata/.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "snap/error.h"
#include "parse_error.h"
#include "testdata.h"


using snap::test::parse_error;

namespace {

using snap::Field;
using snap::Format;
using snap::test::KiB;

using snap::test::bit;

/// Every field of one maps line, as the kernel printed it.
void check_line(const snap::Region& r, std::uint64_t end, std::string_view perms,
                std::uint64_t offset, std::uint32_t major, std::uint32_t minor,
                std::uint64_t inode, std::string_view name, std::uint32_t line) {
  CHECK(r.end == end);
  CHECK(r.perms.str() == perms);
  CHECK(r.offset == offset);
  REQUIRE(r.device.has_value());
  CHECK(r.device->major == major);
  CHECK(r.device->minor == minor);
  CHECK(r.inode == inode);
  CHECK(r.name == name);
  CHECK(r.line == line);
  CHECK_FALSE(r.vm_flags.has_value());
  CHECK(r.extra.empty());
  // maps gives ranges only: Size, and Accessible derived from it.
  CHECK(r.counters.get(Field::size) == end - r.start);
  CHECK(r.counters.get(Field::accessible) == (r.perms.none() ? 0 : end - r.start));
  CHECK(r.counters.known_mask() == (bit(Field::size) | bit(Field::accessible)));
}

}  // namespace

TEST_CASE("c-malloc-leak maps.01: every field of chosen lines") {
  const snap::Snapshot s = snap::test::load("c-malloc-leak/maps.01");
  CHECK(s.format == Format::maps);
  CHECK(s.regions.size() == 32);
  CHECK(s.warnings.empty());
  CHECK_FALSE(s.pid.has_value());
  CHECK(s.command.empty());
  CHECK_FALSE(s.reported_totals.has_value());

  std::optional<snap::Region> r;
  SUBCASE("the executable's first page") {
    r = snap::test::region_at(s, 0x55c6672d3000);
    REQUIRE(r);
    check_line(*r, 0x55c6672d4000, "r--p", 0, 0xfe, 0, 10952798, "/tmp/c-malloc-leak", 1);
    CHECK(r->file_backed());
    CHECK(r->basename() == "c-malloc-leak");
  }
  SUBCASE("libc text: offset, device, inode") {
    r = snap::test::region_at(s, 0x7fcd85618000);
    REQUIRE(r);
    check_line(*r, 0x7fcd8576e000, "r-xp", 0x26000, 0xfe, 0, 332835,
               "/usr/lib/x86_64-linux-gnu/libc.so.6", 17);
    CHECK(r->counters.get(Field::size) == 1368 * KiB);
  }
  SUBCASE("[heap]") {
    r = snap::test::region_at(s, 0x55c69e02f000);
    REQUIRE(r);
    check_line(*r, 0x55c69e1d1000, "rw-p", 0, 0, 0, 0, "[heap]", 6);
    CHECK(r->counters.get(Field::size) == 1672 * KiB);
  }
  SUBCASE("anonymous: a worker's arena and its ---p reserve") {
    r = snap::test::region_at(s, 0x7fcd78000000);
    REQUIRE(r);
    check_line(*r, 0x7fcd78061000, "rw-p", 0, 0, 0, 0, "", 7);
    CHECK(r->anonymous());
    const std::optional<snap::Region> reserve = snap::test::region_at(s, 0x7fcd78061000);
    REQUIRE(reserve);
    check_line(*reserve, 0x7fcd7c000000, "---p", 0, 0, 0, 0, "", 8);
    CHECK(reserve->counters.get(Field::accessible) == 0u);
    CHECK(reserve->counters.get(Field::size) == 65148 * KiB);
  }
  SUBCASE("[vvar], [vdso]") {
    r = snap::test::region_at(s, 0x7fcd857e1000);
    REQUIRE(r);
    check_line(*r, 0x7fcd857e5000, "r--p", 0, 0, 0, 0, "[vvar]", 23);
    r = snap::test::region_at(s, 0x7fcd857e7000);
    REQUIRE(r);
    check_line(*r, 0x7fcd857e9000, "r-xp", 0, 0, 0, 0, "[vdso]", 25);
    CHECK_FALSE(r->file_backed());
  }
  SUBCASE("[stack]") {
    r = snap::test::region_at(s, 0x7ffea7d79000);
    REQUIRE(r);
    check_line(*r, 0x7ffea7d9a000, "rw-p", 0, 0, 0, 0, "[stack]", 31);
  }
  SUBCASE("[vsyscall] at the top of the address space") {
    r = snap::test::region_at(s, 0xffffffffff600000);
    REQUIRE(r);
    check_line(*r, 0xffffffffff601000, "--xp", 0, 0, 0, 0, "[vsyscall]", 32);
    CHECK(r->counters.get(Field::accessible) == 4 * KiB);  // --x is not PROT_NONE
  }
}

TEST_CASE("c-malloc-leak maps.01: only Size and Accessible are known") {
  const snap::Snapshot s = snap::test::load("c-malloc-leak/maps.01");
  CHECK(s.knows(Field::size));
  CHECK(s.knows(Field::accessible));
  CHECK_FALSE(s.knows(Field::rss));
  CHECK_FALSE(s.knows(Field::pss));
  CHECK_FALSE(s.knows(Field::dirty));
  CHECK(s.totals.get(Field::rss) == std::nullopt);
  CHECK(s.totals.get(Field::size) == 151484 * KiB);  // pmap.01's " total 151484K"
  // Less the four ---p mappings: two arena reserves, two thread-stack guards.
  CHECK(s.totals.get(Field::accessible) == (151484 - 2 * 65148 - 2 * 4) * KiB);
}

TEST_CASE("jvm-inflater-leak maps.01: shared mappings") {
  const snap::Snapshot s = snap::test::load("jvm-inflater-leak/maps.01");
  CHECK(s.regions.size() == 210);
  const std::optional<snap::Region> perf = snap::test::region_at(s, 0x7f47de3fa000);
  REQUIRE(perf);
  CHECK(perf->end == 0x7f47de402000);
  CHECK(perf->perms == snap::Perms{true, true, false, true});
  CHECK(perf->perms.str() == "rw-s");
  CHECK(perf->inode == 10960897u);
  CHECK(perf->name == "/tmp/hsperfdata_root/5599");
  const std::optional<snap::Region> modules = snap::test::region_at(s, 0x7f47d0400000);
  REQUIRE(modules);
  CHECK(modules->perms.str() == "r--s");
  CHECK(modules->counters.get(Field::size) == 125640 * KiB);
  CHECK(modules->name == "/usr/lib/jvm/java-17-openjdk-amd64/lib/modules");
}

TEST_CASE("c-malloc-leak maps.08: the [heap] read last, 256 KiB past smaps.08") {
  // GROUND_TRUTH.md "Cross-format skew".
  const snap::Snapshot s = snap::test::load("c-malloc-leak/maps.08");
  const std::optional<snap::Region> heap = snap::test::region_at(s, 0x55c69e02f000);
  REQUIRE(heap);
  CHECK(heap->name == "[heap]");
  CHECK(heap->end == 0x55c69ead1000);
  const std::optional<snap::Region> arena = snap::test::region_at(s, 0x7fcd78000000);
  REQUIRE(arena);
  CHECK(arena->end == 0x7fcd782a1000);
}

TEST_CASE("idle-sleep maps.01 and maps.02: byte-identical files, identical snapshots") {
  const snap::Snapshot a = snap::test::load("idle-sleep/maps.01");
  const snap::Snapshot b = snap::test::load("idle-sleep/maps.02");
  CHECK(a.regions.size() == 37);
  CHECK(a.regions == b.regions);
  CHECK(a.totals == b.totals);
  CHECK(a.totals.get(Field::size) == 2924 * KiB);  // pmap -x total 2924
}

TEST_CASE("every maps capture: sorted, no overlap, totals are the sum") {
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(SNAP_TESTDATA)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || !name.starts_with("maps.")) continue;
    ++files;
    const std::string rel = std::filesystem::relative(e.path(), SNAP_TESTDATA).string();
    CAPTURE(rel);
    const snap::Snapshot s = snap::test::load(rel);
    CHECK(s.format == Format::maps);
    CHECK(s.warnings.empty());
    std::uint64_t size = 0, accessible = 0;
    for (std::size_t i = 0; i < s.regions.size(); ++i) {
      const snap::Region& r = s.regions[i];
      CHECK(r.start < r.end);
      if (i > 0) CHECK(s.regions[i - 1].end <= r.start);
      CHECK(r.line == i + 1);  // maps has one line per mapping, in address order
      size += r.end - r.start;
      accessible += r.perms.none() ? 0 : r.end - r.start;
    }
    CHECK(s.totals.get(Field::size) == size);
    CHECK(s.totals.get(Field::accessible) == accessible);
    CHECK_FALSE(s.totals.known(Field::rss));
  }
  CHECK(files == 19);  // the 18 captures, and core/maps.txt (the maps beside core.tiny)
}

TEST_CASE("maps: a bad start address is an error that quotes it") {
  const std::string text =
      "55c6672d3000-55c6672d4000 r--p 00000000 fe:00 10952798                   /tmp/c-malloc-leak\n"
      "55c6672d4000-55c6672d5000 r-xp 00001000 fe:00 10952798                   /tmp/c-malloc-leak\n"
      "zz12-55c6672d6000 r--p 00002000 fe:00 10952798                   /tmp/c-malloc-leak\n";
  const snap::ParseError e = parse_error([&] { snap::parse_snapshot(text, "maps.bad"); });
  CHECK(e.path() == "maps.bad");
  CHECK(e.line() == 3);
  CHECK(e.column() == 1);
  CHECK(std::string(e.what()) == "maps.bad:3: expected hexadecimal start address, got \"zz12\"");
}

TEST_CASE("maps: bad end address, perms, device and an inverted range") {
  const std::string good =
      "55c6672d3000-55c6672d4000 r--p 00000000 fe:00 10952798                   /tmp/c-malloc-leak\n";
  auto error_on_line_2 = [&](const std::string& line) {
    return parse_error([&] { snap::parse_snapshot(good + line + "\n", "mem"); });
  };
  SUBCASE("end") {
    auto e = error_on_line_2("55c6672d4000-55c6672dXY00 r-xp 00001000 fe:00 10952798 /x");
    CHECK(e.line() == 2);
    CHECK(std::string(e.what()) == "mem:2: expected hexadecimal end address, got \"55c6672dXY00\"");
  }
  SUBCASE("perms") {
    auto e = error_on_line_2("55c6672d4000-55c6672d5000 rwxq 00001000 fe:00 10952798 /x");
    CHECK(e.line() == 2);
    CHECK(e.column() == 27);
    CHECK(std::string(e.what()).find("\"rwxq\"") != std::string::npos);
  }
  SUBCASE("device") {
    auto e = error_on_line_2("55c6672d4000-55c6672d5000 r-xp 00001000 fe00 10952798 /x");
    CHECK(e.line() == 2);
    CHECK(std::string(e.what()).find("\"fe00\"") != std::string::npos);
  }
  SUBCASE("inverted range") {
    auto e = error_on_line_2("55c6672d5000-55c6672d4000 r-xp 00001000 fe:00 10952798 /x");
    CHECK(e.line() == 2);
    CHECK(std::string(e.what()).find("\"55c6672d5000-55c6672d4000\"") != std::string::npos);
  }
  SUBCASE("overlap with the line before") {
    auto e = error_on_line_2("55c6672d3800-55c6672d5000 r-xp 00001000 fe:00 10952798 /x");
    CHECK(e.line() == 2);
    CHECK(std::string(e.what()).find("overlaps") != std::string::npos);
  }
}
