// snapinspect on real leaking programs, each of which says in its first
// line what it leaked (tests/fixtures/inspect_*): the C++ class and its
// chunk size, libz's pointers, libpython's PyLong_Type must come out as
// the program says. Exits 77 (CTest: skipped) where the process cannot be
// read (ptrace rights) or, for the Python case, where python3 is missing
// or does not export PyLong_Type.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "files.h"
#include "leaking_child.h"
#include "run_tool.h"
#include "skip.h"

using nlohmann::json;
using snap::test::LeakingChild;
using snap::test::number;

namespace {

[[noreturn]] void skip(const std::string& why) {
  snap::test::skip("inspect_programs_test", why);
}

json inspect(pid_t pid, std::uint64_t start, std::uint64_t end) {
  const auto r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("--json -n 20 -p {} {:#x}-{:#x}", pid, start, end), "/");
  if (r.status == 2 && r.err.find("ptrace") != std::string::npos) skip("cannot read another process here: " + r.err);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const json j = json::parse(r.out);
  REQUIRE(j.at("schema") == "snap.inspect/1");
  REQUIRE(j.at("ranges").size() == 1);
  return j["ranges"][0];
}

/// glibc's request2size on x86-64: the size field's chunk for `n` bytes.
std::uint64_t chunk_size(std::uint64_t n) {
  return std::max<std::uint64_t>(32, (n + 8 + 15) & ~std::uint64_t{15});
}

/// The [heap] mapping of `pid`.
std::pair<std::uint64_t, std::uint64_t> heap_of(pid_t pid) {
  std::ifstream maps(fmt::format("/proc/{}/maps", pid));
  for (std::string line; std::getline(maps, line);)
    if (line.ends_with("[heap]")) {
      const auto dash = line.find('-'), space = line.find(' ');
      return {std::stoull(line.substr(0, dash), nullptr, 16),
              std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16)};
    }
  FAIL("no [heap] in the maps of " << pid);
  return {0, 0};
}

/// "libz.so.1.2.13+0x2a30" for `address`: the file mapped there, and the
/// offset from the start of its first mapping (the load bias of a shared
/// library, whose first segment is at address 0).
std::string file_offset_label(pid_t pid, std::uint64_t address) {
  std::ifstream maps(fmt::format("/proc/{}/maps", pid));
  std::string path;
  std::uint64_t base = 0;
  std::vector<std::string> lines;
  for (std::string line; std::getline(maps, line);) lines.push_back(line);
  for (const std::string& line : lines) {
    const auto dash = line.find('-'), space = line.find(' ');
    const std::uint64_t s = std::stoull(line.substr(0, dash), nullptr, 16);
    const std::uint64_t e = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
    if (address >= s && address < e) path = line.substr(line.find('/'));
  }
  REQUIRE_MESSAGE(!path.empty(), "no file mapped at " << std::hex << address);
  for (const std::string& line : lines)
    if (line.ends_with(path)) {
      base = std::stoull(line.substr(0, line.find('-')), nullptr, 16);
      break;
    }
  return fmt::format("{}+{:#x}", path.substr(path.rfind('/') + 1), address - base);
}

}  // namespace

TEST_CASE("C++: leaked LeakyWidget objects, their class and chunk size on top") {
  LeakingChild child({SNAP_INSPECT_WIDGETS_EXE});
  const std::string said = child.line();
  REQUIRE_MESSAGE(said.starts_with("pid "), "the program said: " << said);
  const std::uint64_t n = number(said, "widgets"), size = number(said, "sizeof");
  const std::uint64_t first = number(said, "first"), last = number(said, "last");
  const std::uint64_t chunk = chunk_size(size);
  // From the first widget's chunk header to the end of the last one's chunk.
  const json r = inspect(child.pid(), first - 16, last - 16 + chunk);
  INFO(r.dump(1));
  CHECK(r["mapping"] == "[heap]");
  const json& m = r.at("malloc");
  REQUIRE(m.is_object());
  CHECK(m["heap"] == "main-heap");
  CHECK(m["complete"] == true);
  CHECK(m["free_count"] == 0);
  REQUIRE(!m["sizes"].empty());
  CHECK(m["sizes"][0]["size"] == chunk);
  CHECK(m["sizes"][0]["count"] == n);
  CHECK(m["sizes"][0]["bytes"] == n * chunk);
  REQUIRE(!r["classes"].empty());
  CHECK(r["classes"][0]["class"] == "LeakyWidget");
  CHECK(r["classes"][0]["chunks"] == n);
  CHECK(r["classes"][0]["bytes"] == n * chunk);
  REQUIRE(!r["pointers"]["targets"].empty());
  CHECK(r["pointers"]["targets"][0]["target"] == "vtable for LeakyWidget+0x10");
  CHECK(r["pointers"]["targets"][0]["count"] == n);
  REQUIRE(!r["strings"]["top"].empty());
  CHECK(r["strings"]["top"][0]["text"] == "leaky widget payload");
  CHECK(r["strings"]["top"][0]["count"] == n);

  // The text report says the same.
  const auto t = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("-p {} {:#x}-{:#x}", child.pid(), first - 16,
                                                                    last - 16 + chunk), "/");
  REQUIRE(t.status == 0);
  CHECK(t.out.find(fmt::format("{:>10} {:>10}", chunk, n)) != std::string::npos);
  CHECK(t.out.find(fmt::format("{:>10} {:>14}  LeakyWidget\n", n, n * chunk)) != std::string::npos);
  CHECK(t.out.find("\"leaky widget payload\"") != std::string::npos);
}

TEST_CASE("C: blocks leaked by a thread, in a non-main arena's heap") {
  LeakingChild child({SNAP_INSPECT_ARENA_EXE});
  const std::string said = child.line();
  REQUIRE_MESSAGE(said.starts_with("pid "), "the program said: " << said);
  const std::uint64_t n = number(said, "blocks"), size = number(said, "size");
  const std::uint64_t first = number(said, "first"), last = number(said, "last");
  const std::uint64_t chunk = chunk_size(size);
  const json r = inspect(child.pid(), first - 16, last - 16 + chunk);
  INFO(r.dump(1));
  const json& m = r.at("malloc");
  REQUIRE(m.is_object());
  CHECK(m["heap"] == "arena-heap");
  // The heap's start is aligned to 64 MiB; its first chunk after heap_info
  // and the arena's malloc_state.
  const std::uint64_t heap_start = first & ~((std::uint64_t{1} << 26) - 1);
  CHECK(m["first_chunk"] == fmt::format("{:#x}", heap_start + 0x8d0));
  CHECK(m["complete"] == true);
  REQUIRE(m["sizes"].size() == 1);
  CHECK(m["sizes"][0]["size"] == chunk);
  CHECK(m["sizes"][0]["count"] == n);
  CHECK(m["in_use_count"] == n);
  // The blocks' bytes: 'a' to 'z' repeated.
  REQUIRE(!r["strings"]["top"].empty());
  CHECK(r["strings"]["top"][0]["text"].get<std::string>().size() >= size);
}

TEST_CASE("C: leaked zlib deflate streams, their pointers into libz") {
  LeakingChild child({SNAP_INSPECT_ZLIB_EXE});
  const std::string said = child.line();
  REQUIRE_MESSAGE(said.starts_with("pid "), "the program said: " << said);
  const std::uint64_t n = number(said, "streams");
  const std::uint64_t zalloc = number(said, "zalloc"), zfree = number(said, "zfree");
  const auto [heap_start, heap_end] = heap_of(child.pid());
  const json r = inspect(child.pid(), heap_start, heap_end);
  INFO(r.dump(1));
  CHECK(r["malloc"]["heap"] == "main-heap");
  CHECK(r["malloc"]["complete"] == true);
  // Each z_stream holds zalloc and zfree (zlib's zcalloc and zcfree,
  // hidden symbols: FILE+OFFSET), exactly once each.
  const std::string zalloc_label = file_offset_label(child.pid(), zalloc);
  const std::string zfree_label = file_offset_label(child.pid(), zfree);
  REQUIRE(zalloc_label.starts_with("libz.so"));
  std::uint64_t zalloc_count = 0, zfree_count = 0;
  for (const json& t : r["pointers"]["targets"]) {
    CHECK(t["module"].get<std::string>().size() > 0);
    if (t["target"] == zalloc_label) zalloc_count = t["count"];
    if (t["target"] == zfree_label) zfree_count = t["count"];
  }
  CHECK(zalloc_count == n);
  CHECK(zfree_count == n);
  // libz is the file the heap points into most.
  REQUIRE(!r["pointers"]["modules"].empty());
  CHECK(r["pointers"]["modules"][0]["module"].get<std::string>().starts_with("libz.so"));
  CHECK(r["pointers"]["modules"][0]["count"] >= 2 * n);
}

TEST_CASE("Python: a leaked list of ints, PyLong_Type") {
  if (std::system("python3 -c '' >/dev/null 2>&1") != 0) skip("python3 is not installed");
  LeakingChild child({"python3", SNAP_INSPECT_INTS_PY});
  const std::string said = child.line();
  REQUIRE_MESSAGE(said.starts_with("pid "), "the program said: " << said);
  if (snap::test::field(said, "symbols") != "yes") skip("this python3 does not export PyLong_Type");
  const std::uint64_t n = number(said, "ints");
  const std::uint64_t from = number(said, "from"), to = number(said, "to");
  const json r = inspect(child.pid(), from, to);
  INFO(r.dump(1));
  REQUIRE(!r["pointers"]["targets"].empty());
  CHECK(r["pointers"]["targets"][0]["target"] == "PyLong_Type");
  // Every leaked int lies in the range; other ints may too.
  CHECK(r["pointers"]["targets"][0]["count"] >= n);
  CHECK(r["pointers"]["targets"][0]["count"] < n + n / 10);
}

TEST_CASE("DIR: the grown part of the heap between two snapshots, read from the live process") {
  snap::test::TempDir dir("snap_inspect_dir");
  LeakingChild child({SNAP_HEAP_LEAKER_EXE});
  const std::string hello = child.line();
  REQUIRE_MESSAGE(hello.starts_with("pid "), "the program said: " << hello);
  const std::string smaps = fmt::format("/proc/{}/smaps", child.pid());
  snap::test::spit(dir.path / "smaps.01", snap::test::slurp(smaps));
  const std::string ok = child.ask("leak 512");  // 2 MiB of 4 KiB blocks filled with 'Z'
  REQUIRE_MESSAGE(ok.starts_with("ok brk "), ok);
  snap::test::spit(dir.path / "smaps.02", snap::test::slurp(smaps));
  const auto [heap_start, heap_end] = heap_of(child.pid());

  const auto r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("--json -p {} '{}'", child.pid(), dir.path.string()), "/");
  if (r.status == 2 && r.err.find("ptrace") != std::string::npos) skip("cannot read another process here: " + r.err);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const json j = json::parse(r.out);
  const json* heap = nullptr;
  for (const json& range : j["ranges"])
    if (range["mapping"] == "[heap]") heap = &range;
  REQUIRE_MESSAGE(heap, r.out);
  INFO(heap->dump(1));
  // The grown part: from where the heap ended in the first snapshot.
  const std::uint64_t start = std::stoull((*heap)["start"].get<std::string>(), nullptr, 16);
  const std::uint64_t end = std::stoull((*heap)["end"].get<std::string>(), nullptr, 16);
  CHECK(start > heap_start);
  CHECK(end == heap_end);
  const json& m = (*heap)["malloc"];
  REQUIRE(m.is_object());
  CHECK(m["complete"] == true);
  CHECK(m["chunks_before"] > 0);
  REQUIRE(!m["sizes"].empty());
  CHECK(m["sizes"][0]["size"] == chunk_size(4096));
  // Every chunk of the grown part before the top chunk is a block (the one
  // cut by its start aside).
  const std::uint64_t blocks_room = end - start - m["top_bytes"].get<std::uint64_t>();
  CHECK(m["sizes"][0]["count"].get<std::uint64_t>() + 1 >= blocks_room / chunk_size(4096));
  CHECK(m["sizes"][0]["count"].get<std::uint64_t>() <= blocks_room / chunk_size(4096) + 1);
  REQUIRE(!(*heap)["strings"]["top"].empty());
  CHECK((*heap)["strings"]["top"][0]["text"] == std::string(200, 'Z'));
  CHECK((*heap)["strings"]["top"][0]["cut"] == true);
}
