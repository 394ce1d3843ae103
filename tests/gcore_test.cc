// Cores of a live process as snapshots: fixtures/heap_leaker.c leaks a known
// number of 4 KiB blocks into its brk heap between two `gcore`s. Each core
// must list the mappings /proc/PID/maps had just before it was taken, and
// snapdiff of the two must find the heap grown by what the leaker's own
// program break says. Exits 77 (CTest: skipped) where gdb is missing or
// ptrace is not permitted.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "files.h"
#include "leaking_child.h"
#include "process.h"
#include "run_tool.h"
#include "snap/diff.h"
#include "snap/parse.h"

namespace fs = std::filesystem;

namespace {

constexpr auto kTimeout = std::chrono::seconds(60);
constexpr std::uint64_t kPage = 4096;

/// The heap leaker (leaking_child.h: stdin and stdout on pipes, killed and reaped at the end).
struct HeapLeaker : snap::test::LeakingChild {
  HeapLeaker() : LeakingChild({SNAP_HEAP_LEAKER_EXE}) {}
};

/// The program break in a leaker line ("... brk 0x55d1c2a3b000").
std::uint64_t brk_of(const std::string& line) {
  const auto at = line.rfind("brk 0x");
  REQUIRE_MESSAGE(at != std::string::npos, "leaker said: " << line);
  return std::stoull(line.substr(at + 6), nullptr, 16);
}

std::uint64_t page_up(std::uint64_t a) {
  return (a + kPage - 1) / kPage * kPage;
}

[[noreturn]] void skip(HeapLeaker& child, const std::string& why) {
  child.stop();
  MESSAGE("SKIPPED: " << why);
  std::fprintf(stderr, "gcore_test: skipped: %s\n", why.c_str());
  std::fflush(nullptr);
  std::exit(77);
}

/// /proc/PID/maps read right before `gcore -o PREFIX PID`; the core's path.
struct Capture {
  snap::Snapshot maps;
  fs::path core;
};

Capture capture(HeapLeaker& child, const fs::path& dir, const std::string& name) {
  Capture c;
  c.maps = snap::read_snapshot("/proc/" + std::to_string(child.pid()) + "/maps");
  const fs::path prefix = dir / name;
  const snap::test::Exit r =
      snap::test::run_program({"gcore", "-o", prefix.string(), std::to_string(child.pid())}, dir / ("gcore-" + name + ".txt"),
                              kTimeout);
  if (r.status == 127) skip(child, "gcore (gdb) is not installed");
  if (r.output.find("ptrace: Operation not permitted") != std::string::npos ||
      r.output.find("not permitted") != std::string::npos)
    skip(child, "ptrace is not permitted here (gcore says: " + r.output + ")");
  REQUIRE_MESSAGE(r.status == 0, "gcore failed: " << r.output);
  c.core = prefix.string() + "." + std::to_string(child.pid());
  REQUIRE(fs::exists(c.core));
  return c;
}

/// Every segment of the core is a mapping of maps with the same range; and
/// every writable mapping of maps (what a leak grows) is in the core.
void check_core_lists_maps(const snap::Snapshot& core, const snap::Snapshot& maps) {
  REQUIRE(core.format == snap::Format::core);
  REQUIRE(!core.regions.empty());
  for (const snap::Region& r : core.regions) {
    bool found = false;
    for (const snap::Region& m : maps.regions)
      if (m.start == r.start) {
        found = true;
        CHECK(m.end == r.end);
        CHECK(m.perms.write == r.perms.write);
        if (!r.name.empty()) CHECK(m.name == r.name);
      }
    CHECK_MESSAGE(found, "core segment " << std::hex << r.start << "-" << r.end << " is not in maps");
  }
  for (const snap::Region& m : maps.regions) {
    if (!m.perms.write) continue;
    bool found = false;
    for (const snap::Region& r : core.regions) found = found || (r.start == m.start && r.end == m.end);
    CHECK_MESSAGE(found, "writable mapping " << std::hex << m.start << "-" << m.end << " " << m.name
                                              << " is not in the core");
  }
}

}  // namespace

TEST_CASE("gcore twice: the cores list the maps, snapdiff finds the heap growth") {
  if (std::system("gcore --help >/dev/null 2>&1") != 0 && std::system("command -v gcore >/dev/null 2>&1") != 0) {
    MESSAGE("SKIPPED: gcore (gdb) is not installed");
    std::exit(77);
  }
  snap::test::TempDir tmp("snap_gcore");
  HeapLeaker child;
  const std::string hello = child.line();
  REQUIRE_MESSAGE(hello.starts_with("pid "), "leaker said: " << hello);
  const std::uint64_t brk0 = brk_of(hello);
  (void)brk0;

  constexpr int kBlocks = 512;  // 2 MiB of 4 KiB blocks: the heap grows past its 132 KiB start
  const std::uint64_t brk1 = brk_of(child.ask("leak 8"));
  const Capture first = capture(child, tmp.path, "core1");
  const std::uint64_t brk2 = brk_of(child.ask("leak " + std::to_string(kBlocks)));
  const Capture second = capture(child, tmp.path, "core2");
  // The leak is in the heap: its break moved by the blocks less the room
  // its first 132 KiB still had.
  REQUIRE(brk2 + 132 * 1024 >= brk1 + kBlocks * kPage);

  const snap::Snapshot core1 = snap::read_snapshot(first.core.string());
  const snap::Snapshot core2 = snap::read_snapshot(second.core.string());
  check_core_lists_maps(core1, first.maps);
  check_core_lists_maps(core2, second.maps);
  CHECK(core1.pid == child.pid());

  // The heap: the mapping that ends at the page-rounded program break.
  const std::array<snap::Snapshot, 2> both{core1, core2};
  const snap::Comparison c = snap::compare(std::span<const snap::Snapshot>(both));
  const snap::Block* heap = nullptr;
  for (const snap::Block& b : c.blocks)
    if (b.end == page_up(brk2)) heap = &b;
  REQUIRE(heap != nullptr);
  CHECK(heap->delta(snap::Field::size) == static_cast<std::int64_t>(page_up(brk2) - page_up(brk1)));

  // The tool reads them the same way: the heap's range among its findings.
  const snap::test::Run r = snap::test::run_tool(SNAPDIFF_EXE, "core1.* core2.*", tmp.path.string());
  INFO(r.out.substr(0, 3000));
  INFO(r.err);
  CHECK(r.status == 1);  // like diff(1): something grew
  CHECK(r.out.find(fmt::format("{:x}-{:x}", heap->start, heap->end)) != std::string::npos);
  CHECK(r.out.find("1 block grew") != std::string::npos);
}
