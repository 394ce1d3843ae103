// Torn reads: the kernel prints maps and smaps a page of text a read() and
// lets the process run between reads, so a mapping that grows meanwhile is
// listed twice. The captures in testdata/torn-read/ are real ones (see its
// GROUND_TRUTH.md); the later listing replaces the earlier, with a warning
// that names both lines, and the files parse as the process's mappings.
#include <doctest/doctest.h>

#include <string>

#include <fmt/format.h>

#include "parse_error.h"
#include "run_tool.h"
#include "snap/parse.h"
#include "testdata.h"

using snap::Field;
using snap::test::KiB;

namespace {

/// Sorted and disjoint, as every snapshot promises.
void check_disjoint(const snap::Snapshot& s) {
  for (std::size_t i = 1; i < s.regions.size(); ++i) {
    CAPTURE(i);
    REQUIRE(s.regions.end(i - 1) <= s.regions.start(i));
  }
}

std::string warning_of(const snap::Snapshot& s) {
  REQUIRE(s.warnings.size() == 1);
  return fmt::format("{}: {}", s.warnings[0].line, s.warnings[0].message);
}

snap::Snapshot parse_text(const std::string& text) {
  return snap::parse_snapshot(text, "torn");
}

}  // namespace

TEST_CASE("a JVM's smaps read while its thread grew a malloc arena: the later listing is kept") {
  const snap::Snapshot s = snap::test::load("torn-read/jvm-startup.smaps");
  CHECK(s.format == snap::Format::smaps);
  CHECK(warning_of(s) ==
        "1251: mapping 7f2454000000-7f24541b9000 (line 1251) overlaps 7f2454000000-7f24541b8000 (line 1226): a live "
        "process changed its mappings while the file was read; the later line is kept");
  check_disjoint(s);
  // 180 listings, one of them the arena's first.
  CHECK(s.regions.size() == 179);
  const auto arena = snap::test::region_at(s, 0x7f2454000000);
  REQUIRE(arena);
  CHECK(arena->end == 0x7f24541b9000);
  CHECK(arena->line == 1251);
  CHECK(arena->counters.get(Field::rss) == 1760 * KiB);
  // The reservation the arena grows into follows it, as the later read saw it.
  CHECK(snap::test::region_at(s, 0x7f24541b9000));
  // The file's Rss and Pss lines sum to 49992 and 46896 kB; the replaced
  // listing had 1756 of each.
  CHECK(s.totals.get(Field::rss) == (49992 - 1756) * KiB);
  CHECK(s.totals.get(Field::pss) == (46896 - 1756) * KiB);
}

TEST_CASE("maps read 4096 bytes a read() while the first page of a reservation grew") {
  const snap::Snapshot s = snap::test::load("torn-read/grow.maps");
  CHECK(s.format == snap::Format::maps);
  CHECK(warning_of(s) ==
        "10: mapping 7f7c72400000-7f7c7242d000 (line 10) overlaps 7f7c72400000-7f7c72401000 (line 9): a live "
        "process changed its mappings while the file was read; the later line is kept");
  check_disjoint(s);
  CHECK(s.regions.size() == 43);  // 44 lines
  const auto grown = snap::test::region_at(s, 0x7f7c72400000);
  REQUIRE(grown);
  CHECK(grown->end == 0x7f7c7242d000);
  CHECK(snap::test::region_at(s, 0x7f7c7242d000));  // the PROT_NONE rest, which the later read listed
}

TEST_CASE("pmap -x of the same: the footer, which counted both rows, is no mismatch") {
  const snap::Snapshot s = snap::test::load("torn-read/grow.pmap-x");
  CHECK(s.format == snap::Format::pmap_x);
  CHECK(warning_of(s) ==
        "12: mapping 7f9793000000-7f9793024000 (line 12) overlaps 7f9793000000-7f9793001000 (line 11): a live "
        "process changed its mappings while the file was read; the later line is kept");
  check_disjoint(s);
  CHECK(s.regions.size() == 28);  // 29 rows
  // "total kB 76216 1800 368", less the replaced row's 4 4 4.
  CHECK(s.totals.get(Field::size) == (76216 - 4) * KiB);
  CHECK(s.totals.get(Field::rss) == (1800 - 4) * KiB);
  CHECK(s.totals.get(Field::dirty) == (368 - 4) * KiB);
}

TEST_CASE("a listing that merged several above it replaces them all") {
  // The kernel listed 1000-2000 and 2000-3000, then the process made them
  // and the next one one mapping, which the next read listed from its start.
  const snap::Snapshot s = parse_text(
      "00001000-00002000 r--p 00000000 00:00 0\n"
      "00002000-00003000 rw-p 00000000 00:00 0\n"
      "00001000-00005000 rw-p 00000000 00:00 0\n"
      "00006000-00007000 rw-p 00000000 00:00 0\n");
  CHECK(warning_of(s) ==
        "3: mapping 1000-5000 (line 3) overlaps the 2 mappings of lines 1-2: a live process changed its mappings "
        "while the file was read; the later line is kept");
  REQUIRE(s.regions.size() == 2);
  CHECK(s.regions.start(0) == 0x1000);
  CHECK(s.regions.end(0) == 0x5000);
  CHECK(s.totals.get(Field::size) == 0x5000);
}

TEST_CASE("a mapping that shrank from below is listed from its new start") {
  // 1000-4000 listed; it split at 2000 and its upper part merged with the
  // next: the next read lists 2000-6000, which starts inside 1000-4000.
  const snap::Snapshot s = parse_text(
      "00001000-00004000 rw-p 00000000 00:00 0\n"
      "00002000-00006000 ---p 00000000 00:00 0\n");
  CHECK(warning_of(s).starts_with("2: mapping 2000-6000 (line 2) overlaps 1000-4000 (line 1): "));
  REQUIRE(s.regions.size() == 1);
  CHECK(s.regions.start(0) == 0x2000);
}

TEST_CASE("a file that tears at every row: a few warnings, then one for the rest; linear in its rows") {
  // Row i is pages i+1 to i+3: each overlaps the one above and ends past it.
  // 100,000 rows: walking back over the rows dropped before would take
  // 5e9 steps here.
  constexpr std::size_t kRows = 100'000;
  std::string text;
  for (std::size_t i = 0; i < kRows; ++i)
    text += fmt::format("{:08x}-{:08x} rw-p 00000000 00:00 0\n", (i + 1) * 0x1000, (i + 3) * 0x1000);
  const snap::Snapshot s = parse_text(text);
  REQUIRE(s.regions.size() == 1);
  CHECK(s.regions.start(0) == kRows * 0x1000);
  CHECK(s.regions.line(0) == kRows);
  REQUIRE(s.warnings.size() == 9);
  CHECK(s.warnings[0].message.starts_with("mapping 2000-4000 (line 2) overlaps 1000-3000 (line 1): "));
  CHECK(s.warnings[7].line == 9);
  CHECK(s.warnings[8].line == 10);
  CHECK(s.warnings[8].message ==
        fmt::format("{} more mappings, from line 10 on, overlap mappings listed before them; the later lines are kept",
                    kRows - 1 - 8));
}

TEST_CASE("overlaps the kernel cannot print stay errors") {
  // A row that ends within the one above: a resumed read always lists past
  // what it listed before.
  auto e = snap::test::parse_error([] {
    parse_text("00001000-00004000 rw-p 00000000 00:00 0\n00002000-00003000 rw-p 00000000 00:00 0\n");
  });
  CHECK(e.line() == 2);
  CHECK(e.reason() == "mapping 2000-3000 (line 2) overlaps 1000-4000 (line 1)");
  // The same row twice.
  e = snap::test::parse_error([] {
    parse_text("00001000-00004000 rw-p 00000000 00:00 0\n00001000-00004000 rw-p 00000000 00:00 0\n");
  });
  CHECK(e.reason() == "mapping 1000-4000 (line 2) overlaps 1000-4000 (line 1)");
  // Not whole pages: written by hand.
  e = snap::test::parse_error([] {
    parse_text("00001000-00004000 rw-p 00000000 00:00 0\n00003800-00006000 rw-p 00000000 00:00 0\n");
  });
  CHECK(e.reason() == "mapping 3800-6000 (line 2) overlaps 1000-4000 (line 1)");
  // Two files one after the other: the second starts below the first's
  // last row, without reaching past it.
  e = snap::test::parse_error([] {
    parse_text("00001000-00002000 rw-p 00000000 00:00 0\n00008000-00009000 rw-p 00000000 00:00 0\n"
               "00001000-00002000 rw-p 00000000 00:00 0\n00008000-00009000 rw-p 00000000 00:00 0\n");
  });
  CHECK(e.reason() == "mapping 1000-2000 (line 3) overlaps 1000-2000 (line 1)");
}

TEST_CASE("snapdiff on a torn read: the warning on stderr, the diff's own exit status") {
  const std::string torn = snap::test::path("torn-read/jvm-startup.smaps");
  const auto d = snap::test::run_tool(SNAPDIFF_EXE, fmt::format("'{}' '{}'", torn, torn), "/", "NO_COLOR=1");
  CHECK(d.status == 0);  // the same file twice: no difference
  const std::string warning =
      fmt::format("snapdiff: {}:1251: warning: mapping 7f2454000000-7f24541b9000 (line 1251) overlaps "
                  "7f2454000000-7f24541b8000 (line 1226): a live process changed its mappings while the "
                  "file was read; the later line is kept\n",
                  torn);
  CHECK(d.err == warning + warning);  // once for each file given
}
