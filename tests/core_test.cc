// ELF cores read as snapshots: testdata/core/core.tiny (gcore of tiny.c,
// described in testdata/GROUND_TRUTH.md) parsed exactly, and the same core
// cut short or damaged byte by byte: an error naming the file, never a crash.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "parse_error.h"
#include "snap/parse.h"
#include "testdata.h"

using snap::Field;
using snap::Format;
using snap::test::region_at;

namespace {

std::string core_bytes() {
  std::ifstream in(snap::test::path("core/core.tiny"), std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("core.tiny: gcore's segments, names from NT_FILE, Size only") {
  const snap::Snapshot s = snap::test::load("core/core.tiny");
  CHECK(s.format == Format::core);
  CHECK(snap::format_name(s.format) == "core");
  CHECK(s.pid == 7786);
  CHECK(s.command == "snap-core-tiny");
  CHECK(s.warnings.empty());
  // 24 mappings in maps.txt; gcore leaves out the 8 it does not dump: the
  // file mappings never written (text, read-only data), [vvar] and
  // [vvar_vclock].
  REQUIRE(s.regions.size() == 16);

  const auto heap = region_at(s, 0x555667690000);
  REQUIRE(heap);
  CHECK(heap->end == 0x5556676b1000);
  CHECK(heap->name.empty());  // [heap] is not a name a core holds
  CHECK(heap->perms.read);
  CHECK(heap->perms.write);
  CHECK(!heap->perms.exec);
  CHECK(heap->counters.get(Field::size) == 0x21000);
  CHECK(!heap->counters.known(Field::rss));

  const auto pages = region_at(s, 0x7ffbdddd2000);  // tiny.c's 3-page mmap, merged with 2 more pages
  REQUIRE(pages);
  CHECK(pages->end == 0x7ffbdddd7000);

  const auto libc_data = region_at(s, 0x7ffbdddbb000);
  REQUIRE(libc_data);
  CHECK(libc_data->end == 0x7ffbdddbd000);
  CHECK(libc_data->name == "/usr/lib/x86_64-linux-gnu/libc.so.6");
  CHECK(libc_data->offset == 0x1d3000);

  const auto exe_data = region_at(s, 0x55564283a000);
  REQUIRE(exe_data);
  CHECK(exe_data->name == "/tmp/snap-core-tiny");
  CHECK(exe_data->offset == 0x3000);

  CHECK(!region_at(s, 0x7ffbddc0e000));  // libc's text: not dumped, not listed

  const auto stack = region_at(s, 0x7ffff59de000);
  REQUIRE(stack);
  CHECK(stack->end == 0x7ffff59ff000);
  CHECK(stack->name.empty());
  // NT_PRSTATUS: the one thread, its stack pointer in that stack.
  REQUIRE(s.threads.size() == 1);
  CHECK(s.threads[0].tid == 7786);
  REQUIRE(s.threads[0].sp);
  CHECK(*s.threads[0].sp >= stack->start);
  CHECK(*s.threads[0].sp < stack->end);

  CHECK(s.totals.get(Field::size) == 568u << 10);
  CHECK(!s.totals.known(Field::rss));
  CHECK(!s.totals.known(Field::pss));
  CHECK(!s.totals.known(Field::swap));
}

TEST_CASE("core.tiny from memory (stdin, gzip) reads as from the file") {
  const std::string bytes = core_bytes();
  const snap::Snapshot a = snap::test::load("core/core.tiny");
  const snap::Snapshot b = snap::parse_snapshot(bytes, "core.tiny");
  CHECK(b.format == Format::core);
  CHECK(a.regions == b.regions);
  CHECK(snap::detect_format(bytes, "core.tiny") == Format::core);
  // Named as --input-format spells it (snapdiff -f core, snapshow -f core).
  CHECK(snap::format_from_name("core") == Format::core);
}

TEST_CASE("core.tiny cut short: a truncated ELF core, named") {
  const std::string bytes = core_bytes();
  for (std::size_t cut : {std::size_t{0}, std::size_t{3}, std::size_t{4}, std::size_t{40}, std::size_t{63},
                          std::size_t{64}, std::size_t{100}, std::size_t{1000}, bytes.size() / 2,
                          bytes.size() - 1}) {
    CAPTURE(cut);
    const snap::ParseError e =
        snap::test::parse_error([&] { snap::parse_snapshot(bytes.substr(0, cut), "core.1", Format::core); });
    CHECK(e.path() == "core.1");
    if (cut >= 4) CHECK(e.reason().find("truncated ELF core") != std::string::npos);
  }
}

TEST_CASE("core.tiny cut at many offsets and damaged byte by byte: never a crash") {
  const std::string bytes = core_bytes();
  std::size_t errors = 0, parsed = 0;
  auto attempt = [&](const std::string& data) {
    try {
      const snap::Snapshot s = snap::parse_snapshot(data, "core.x");
      ++parsed;
      CHECK(!s.regions.empty());
    } catch (const snap::ParseError& e) {
      ++errors;
      CHECK(e.path() == "core.x");
    }
  };
  // The headers and notes are where a parser can go wrong: every offset
  // there, then a stride through the segments' contents.
  for (std::size_t cut = 0; cut < bytes.size(); cut += cut < 0x1000 ? 7 : 4099) attempt(bytes.substr(0, cut));
  const std::size_t notes = 0x8e3f8;  // the PT_NOTE segment (readelf -l)
  // Damaged in place and restored: a copy of the whole core per attempt
  // made this test take minutes under ASan.
  std::string damaged = bytes;
  for (std::size_t at = 0; at < bytes.size(); at += at < 0x400 ? 3 : at >= notes && at < notes + 0x4980 ? 11 : 997)
    for (unsigned char flip : {0xffu, 0x80u, 0x01u}) {
      damaged[at] = static_cast<char>(static_cast<unsigned char>(bytes[at]) ^ flip);
      attempt(damaged);
      damaged[at] = bytes[at];
    }
  CHECK(errors > 0);
  CHECK(parsed > 0);
}

TEST_CASE("an ELF file that is not a core") {
  std::string bytes = core_bytes();
  bytes[16] = 2;  // e_type ET_EXEC
  const snap::ParseError e = snap::test::parse_error([&] { snap::parse_snapshot(bytes, "a.out"); });
  CHECK(e.reason().find("not a core") != std::string::npos);
}
