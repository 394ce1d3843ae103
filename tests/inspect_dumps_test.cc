// snapinspect DUMPDIR: the LeakyWidget program leaks after a first smaps
// snapshot, snapdiff --gdb writes the gdb file, a real gdb runs it, and
// snapinspect reads the .bin file it left. The dump holds the part of
// [heap] that grew, so no heap start is in it: the chunks must be found by
// their headers, exactly those the program says it made there, and with
// --maps the class. Exits 77 (CTest: skipped) where gdb is missing or may
// not attach.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "files.h"
#include "leaking_child.h"
#include "process.h"
#include "run_tool.h"
#include "skip.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

[[noreturn]] void skip(const std::string& why) {
  snap::test::skip("inspect_dumps_test", why);
}

}  // namespace

TEST_CASE("LeakyWidgets dumped by snapdiff's gdb file: chunk size, count and class from the dump alone") {
  if (std::system("gdb --version >/dev/null 2>&1") != 0) skip("gdb is not installed");
  snap::test::TempDir tmp("snap_inspect_dumps");
  constexpr std::uint64_t kWidgets = 5000;
  snap::test::LeakingChild child({SNAP_INSPECT_WIDGETS_EXE, std::to_string(kWidgets), "wait"});
  REQUIRE(child.line().ends_with(" ready"));
  const std::string smaps = fmt::format("/proc/{}/smaps", child.pid());
  const std::string before = tmp.write("smaps.1", snap::test::slurp(smaps));
  const std::string said = child.ask("");
  REQUIRE_MESSAGE(said.starts_with("pid "), "the program said: " << said);
  const std::string after = tmp.write("smaps.2", snap::test::slurp(smaps));
  REQUIRE(snap::test::number(said, "widgets") == kWidgets);
  const std::uint64_t size = snap::test::number(said, "sizeof");
  const std::uint64_t chunk = (size + 8 + 15) & ~std::uint64_t{15};  // glibc's request2size
  const std::uint64_t first = snap::test::number(said, "first") - 16, last = snap::test::number(said, "last") - 16;
  REQUIRE(last - first == (kWidgets - 1) * chunk);  // one after the other, as the heap grew

  const std::string dumps = tmp / "dumps", script = tmp / "dump.gdb";
  const auto d = snap::test::run_tool(SNAPDIFF_EXE, fmt::format("--gdb '{}' --dump-dir '{}' '{}' '{}'", script, dumps,
                                                                before, after), "/");
  REQUIRE_MESSAGE(d.status == 1, d.err);
  const snap::test::Exit g = snap::test::run_program(
      {"gdb", "-nx", "-iex", "set debuginfod enabled off", "-p", std::to_string(child.pid()), "-batch", "-x", script},
      tmp.path / "gdb.log", std::chrono::seconds(120));
  if (g.output.find("ptrace: Operation not permitted") != std::string::npos)
    skip("ptrace is not permitted here: " + g.output);
  REQUIRE_MESSAGE(g.output.find("snap: dumped 1 of 1 ranges") != std::string::npos, g.output);
  child.stop();  // the dump alone from here on

  // The dump: the part of [heap] that grew, named snap-START-END-heap.bin.
  std::uint64_t start = 0, end = 0;
  for (const auto& e : fs::directory_iterator(dumps)) {
    const std::string name = e.path().filename().string();
    REQUIRE_MESSAGE(std::sscanf(name.c_str(), "snap-%lx-%lx-heap.bin", &start, &end) == 2, name);
  }
  REQUIRE(start > first);
  REQUIRE(end > last + chunk);
  // The widgets whose chunks start in the dump, and the first of them.
  const std::uint64_t skipped = (start - first + chunk - 1) / chunk;
  const std::uint64_t in_dump = kWidgets - skipped;
  CAPTURE(said);

  SUBCASE("without --maps: the chunks, the strings; no names") {
    const auto r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("--json '{}'", dumps), "/");
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const json j = json::parse(r.out);
    CHECK(j["source"] == "dump files in " + dumps);
    CHECK(j["symbols_trouble"].get<std::string>().find("--maps") != std::string::npos);
    REQUIRE(j["ranges"].size() == 1);
    const json& range = j["ranges"][0];
    INFO(range.dump(1));
    CHECK(range["start"] == fmt::format("{:#x}", start));
    CHECK(range["end"] == fmt::format("{:#x}", end));
    const json& m = range["malloc"];
    REQUIRE(m.is_object());
    CHECK(m["heap"] == "found-chunks");
    CHECK(m["first_chunk"] == fmt::format("{:#x}", first + skipped * chunk));
    CHECK(m["complete"] == true);
    CHECK(m["top_bytes"].get<std::uint64_t>() > 0);  // the dump ends with the heap's top chunk
    REQUIRE(!m["sizes"].empty());
    CHECK(m["sizes"][0]["size"] == chunk);
    CHECK(m["sizes"][0]["count"] == in_dump);
    CHECK(range["classes"].empty());
    REQUIRE(!range["strings"]["top"].empty());
    CHECK(range["strings"]["top"][0]["text"] == "leaky widget payload");
    CHECK(range["strings"]["top"][0]["count"] == in_dump);
  }

  SUBCASE("with --maps: [heap] by name and the class from the vtable pointers") {
    const auto r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("--json --maps '{}' '{}'", after, dumps), "/");
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const json j = json::parse(r.out);
    CHECK(j["symbols_trouble"].is_null());
    const json& range = j["ranges"][0];
    INFO(range.dump(1));
    CHECK(range["mapping"] == "[heap]");
    CHECK(range["malloc"]["heap"] == "found-chunks");
    CHECK(range["malloc"]["sizes"][0]["count"] == in_dump);
    REQUIRE(!range["classes"].empty());
    CHECK(range["classes"][0]["class"] == "LeakyWidget");
    CHECK(range["classes"][0]["chunks"] == in_dump);
    CHECK(range["classes"][0]["bytes"] == in_dump * chunk);
    CHECK(range["pointers"]["targets"][0]["target"] == "vtable for LeakyWidget+0x10");
  }

  SUBCASE("a RANGE inside the dump; one outside every dump") {
    const std::uint64_t from = first + (skipped + 10) * chunk, to = from + 100 * chunk;
    auto r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("--json '{}' {:#x}-{:#x}", dumps, from, to), "/");
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const json j = json::parse(r.out);
    const json& m = j["ranges"][0]["malloc"];
    INFO(m.dump(1));
    CHECK(m["heap"] == "found-chunks");
    CHECK(m["first_chunk"] == fmt::format("{:#x}", from));
    CHECK(m["sizes"][0]["count"] == 100);

    r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("'{}' {:#x}-{:#x}", dumps, end + 0x1000, end + 0x2000), "/");
    CHECK(r.status == 1);
    CHECK(r.err.find("outside every mapping") != std::string::npos);
  }

  SUBCASE("bad input: a dump longer than its name says, --maps without dumps, an unreadable --maps") {
    const std::string bad = tmp / "bad";
    fs::create_directories(bad);
    snap::test::spit(fs::path(bad) / "snap-1000-2000-heap.bin", std::string(0x1001, 'x'));
    auto r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("'{}'", bad), "/");
    CHECK(r.status == 2);
    CHECK(r.err.find("snap-1000-2000-heap.bin") != std::string::npos);
    CHECK(r.err.find("more than the 4096") != std::string::npos);

    r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("--maps '{}' -p 1 0x1000-0x2000", after), "/");
    CHECK(r.status == 2);
    CHECK(r.err.find("--maps goes with a folder of dump files") != std::string::npos);

    r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("--maps '{}' '{}'", tmp / "no-such-snapshot", dumps), "/");
    CHECK(r.status == 2);
    CHECK(r.err.find("no-such-snapshot") != std::string::npos);
  }
}
