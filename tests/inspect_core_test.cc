// snapinspect CORE RANGE: a core of the LeakyWidget program, taken with
// gcore, says what the live process says: the class, the chunk size, the
// vtable symbol (found through the core's NT_FILE note by libdwfl). And a
// file that is no core is a clear error naming it. Exits 77 (CTest:
// skipped) where gcore is missing or ptrace is not permitted.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "files.h"
#include "leaking_child.h"
#include "process.h"
#include "run_tool.h"
#include "skip.h"
#include "testdata.h"

using nlohmann::json;

namespace {

[[noreturn]] void skip(const std::string& why) {
  snap::test::skip("inspect_core_test", why);
}

}  // namespace

TEST_CASE("a gcore core of leaked LeakyWidgets: class and chunk size as in the live process") {
  if (std::system("command -v gcore >/dev/null 2>&1") != 0) skip("gcore (gdb) is not installed");
  snap::test::TempDir tmp("snap_inspect_core");
  snap::test::LeakingChild child({SNAP_INSPECT_WIDGETS_EXE});
  const std::string said = child.line();
  REQUIRE_MESSAGE(said.starts_with("pid "), "the program said: " << said);
  const std::uint64_t n = snap::test::number(said, "widgets"), size = snap::test::number(said, "sizeof");
  const std::uint64_t first = snap::test::number(said, "first"), last = snap::test::number(said, "last");
  const std::uint64_t chunk = (size + 8 + 15) & ~std::uint64_t{15};  // glibc's request2size
  const auto prefix = tmp.path / "core";
  const snap::test::Exit g = snap::test::run_program({"gcore", "-o", prefix.string(), std::to_string(child.pid())},
                                                     tmp.path / "gcore.txt", std::chrono::seconds(120));
  if (g.output.find("not permitted") != std::string::npos) skip("ptrace is not permitted here: " + g.output);
  REQUIRE_MESSAGE(g.status == 0, g.output);
  const std::string core = prefix.string() + "." + std::to_string(child.pid());
  child.stop();  // the core alone from here on

  const auto r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("--json '{}' {:#x}-{:#x}", core, first - 16,
                                                                    last - 16 + chunk), "/");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const json j = json::parse(r.out);
  const json& range = j["ranges"][0];
  INFO(range.dump(1));
  CHECK(j["source"] == core);
  CHECK(j["symbols_trouble"].is_null());
  REQUIRE(range["malloc"].is_object());
  CHECK(range["malloc"]["heap"] == "main-heap");  // the heap found by its thread cache: a core names no [heap]
  CHECK(range["malloc"]["complete"] == true);
  REQUIRE(!range["malloc"]["sizes"].empty());
  CHECK(range["malloc"]["sizes"][0]["size"] == chunk);
  CHECK(range["malloc"]["sizes"][0]["count"] == n);
  REQUIRE(!range["classes"].empty());
  CHECK(range["classes"][0]["class"] == "LeakyWidget");
  CHECK(range["classes"][0]["chunks"] == n);
  REQUIRE(!range["pointers"]["targets"].empty());
  CHECK(range["pointers"]["targets"][0]["target"] == "vtable for LeakyWidget+0x10");
  CHECK(range["pointers"]["targets"][0]["count"] == n);
}

TEST_CASE("a file that is no core: status 2, the file named") {
  snap::test::TempDir tmp("snap_inspect_core");
  const std::string not_core = snap::test::spit(tmp.path / "not-a-core", "hello, I am text\n");
  const auto r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("'{}' 0x1000-0x2000", not_core), "/");
  CHECK(r.status == 2);
  CHECK(r.err.find("snapinspect: " + not_core) != std::string::npos);
  const auto missing = snap::test::run_tool(SNAPINSPECT_EXE, "/nonexistent/core 0x1000-0x2000", "/");
  CHECK(missing.status == 2);
  CHECK(missing.err.find("/nonexistent/core") != std::string::npos);
}

TEST_CASE("a core of another architecture: status 2, said; still a snapshot for snapshow and snapdiff") {
  snap::test::TempDir tmp("snap_inspect_core");
  std::string bytes = snap::test::slurp(snap::test::path("core/core.tiny"));
  REQUIRE(bytes.size() > 64);
  REQUIRE(static_cast<unsigned char>(bytes[18]) == 62);  // e_machine EM_X86_64, little-endian
  bytes[18] = static_cast<char>(183);                     // EM_AARCH64
  const std::string core = snap::test::spit(tmp.path / "core.aarch64", bytes);
  const auto r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("'{}' 0x1000-0x2000", core), "/");
  CHECK(r.status == 2);
  CHECK(r.err.find("snapinspect: " + core) != std::string::npos);
  CHECK(r.err.find("another architecture (ELF machine 183, 64-bit)") != std::string::npos);
  const snap::Snapshot s = snap::read_snapshot(core);
  CHECK(s.regions.size() == snap::test::load("core/core.tiny").regions.size());
}
