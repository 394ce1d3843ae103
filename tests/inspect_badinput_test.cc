// snapinspect on bad input: a range outside every mapping, a process that
// is gone, garbage where a range belongs, bad options. Never a crash,
// never silence: a message naming what is wrong and a documented status.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "files.h"
#include "leaking_child.h"
#include "run_tool.h"
#include "snap/inspect/inspect.h"
#include "snap/inspect/memory.h"
#include "snap/live/proc_error.h"
#include "snap/error.h"
#include "testdata.h"

using snap::test::run_tool;

namespace {

void no_crash(const snap::test::Run& r) {
  CHECK(r.status != -1);
  CHECK(r.err.find("terminate") == std::string::npos);
  CHECK(r.err.find("Assertion") == std::string::npos);
}

}  // namespace

TEST_CASE("a range outside every mapping: said, status 1, the others inspected") {
  snap::test::LeakingChild child({SNAP_INSPECT_WIDGETS_EXE});
  const std::string said = child.line();
  REQUIRE(said.starts_with("pid "));
  const std::uint64_t first = snap::test::number(said, "first");
  const auto r = run_tool(SNAPINSPECT_EXE, fmt::format("-p {} 0x1000-0x2000 {:#x}-{:#x}", child.pid(), first, first + 4096), "/");
  no_crash(r);
  CHECK(r.status == 1);
  CHECK(r.err.find("snapinspect: 0x1000-0x2000: outside every mapping of the process") != std::string::npos);
  CHECK(r.out.find("not inspected: outside every mapping") != std::string::npos);
  CHECK(r.out.find("malloc chunks (main-heap") != std::string::npos);
}

TEST_CASE("a process that is gone: status 2, said") {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  const auto r = run_tool(SNAPINSPECT_EXE, fmt::format("-p {} 0x1000-0x2000", pid), "/");
  no_crash(r);
  CHECK(r.status == 2);
  CHECK(r.err.find(fmt::format("snapinspect: cannot read /proc/{}/maps", pid)) != std::string::npos);
}

TEST_CASE("garbage where a range belongs: status 2, the text quoted and escaped") {
  for (const char* bad : {"banana", "0x2000-0x1000", "0x10-", "0x1-0x2-0x3", "'0x1\x1b[31m-0x2'"}) {
    CAPTURE(bad);
    const auto r = run_tool(SNAPINSPECT_EXE, fmt::format("-p 1 {}", bad), "/");
    no_crash(r);
    CHECK(r.status == 2);
    CHECK(r.err.find("is not a RANGE") != std::string::npos);
    CHECK(r.err.find('\x1b') == std::string::npos);
  }
  snap::test::TempDir tmp("snap_inspect_bad");
  const std::string input = snap::test::spit(tmp.path / "ranges", "0x1000 0x2000\nnot a range\xff\n");
  const auto r = run_tool(SNAPINSPECT_EXE, "-p 1 -", "/", "", input);
  no_crash(r);
  CHECK(r.status == 2);
  CHECK(r.err.find("snapinspect: -:2: 'not a range\\xff' is not a range") != std::string::npos);
  const std::string empty = snap::test::spit(tmp.path / "empty", "\n");
  CHECK(run_tool(SNAPINSPECT_EXE, "-p 1 -", "/", "", empty).status == 2);
}

TEST_CASE("bad options: status 2 and the --help hint") {
  for (const char* args : {"0x1000-0x2000", "-p 1", "-p -5 0x1000-0x2000", "-p 1 --max-read lots 0x1000-0x2000",
                           "-p 1 --top -1 0x1000-0x2000", "-p 1 --min-string 0 0x1000-0x2000", "-p x 0x1-0x2"}) {
    CAPTURE(args);
    const auto r = run_tool(SNAPINSPECT_EXE, args, "/");
    no_crash(r);
    CHECK(r.status == 2);
    CHECK(r.err.find("Try 'snapinspect --help'") != std::string::npos);
  }
}

TEST_CASE("--max-read cuts a range and says so") {
  snap::test::LeakingChild child({SNAP_INSPECT_WIDGETS_EXE});
  const std::string said = child.line();
  REQUIRE(said.starts_with("pid "));
  const std::uint64_t first = snap::test::number(said, "first");
  const auto r = run_tool(SNAPINSPECT_EXE, fmt::format("--max-read 8K -p {} {:#x}-{:#x}", child.pid(), first - 16,
                                                       first - 16 + 0x10000), "/");
  no_crash(r);
  CHECK(r.status == 0);
  CHECK(r.out.find(fmt::format("cut at {:#x} by --max-read", first - 16 + 8192)) != std::string::npos);
}

TEST_CASE("a process that exits after its maps were read: ProcError gone(), no crash") {
  auto child = std::make_unique<snap::test::LeakingChild>(std::vector<std::string>{SNAP_INSPECT_WIDGETS_EXE});
  const std::string said = child->line();
  REQUIRE(said.starts_with("pid "));
  const std::uint64_t first = snap::test::number(said, "first");
  const pid_t pid = child->pid();
  std::unique_ptr<snap::inspect::Memory> memory = snap::inspect::open_process(pid);
  REQUIRE(!memory->mappings().empty());
  unsigned char byte = 0;
  CHECK(memory->read(first, &byte, 1) == 1);
  child.reset();  // killed and reaped: the pid is gone
  try {
    memory->read(first, &byte, 1);
    FAIL("a read of a process that is gone succeeded");
  } catch (const snap::ProcError& e) {
    CHECK(e.gone());
    CHECK(std::string(e.what()).find(fmt::format("process {} exited", pid)) != std::string::npos);
  }
  // The whole inspection says the same, and throws rather than reporting.
  CHECK_THROWS_AS(snap::inspect::inspect(*memory, nullptr, {snap::inspect::Range{first, first + 4096}}, {}),
                  snap::ProcError);
}

TEST_CASE("a refused core is not kept open") {
  // open_core throws after it has opened the file (the architecture is
  // checked in its ELF header): the descriptor goes with the error.
  snap::test::TempDir tmp("snap_inspect_core");
  std::string bytes = snap::test::slurp(snap::test::path("core/core.tiny"));
  REQUIRE(bytes.size() > 64);
  bytes[18] = static_cast<char>(183);  // EM_AARCH64
  const std::string core = snap::test::spit(tmp.path / "core.aarch64", bytes);
  auto open_fds = [] {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
  };
  const std::size_t before = open_fds();
  for (int i = 0; i < 5; ++i) CHECK_THROWS_AS(snap::inspect::open_core(core), snap::ParseError);
  CHECK(open_fds() == before);
}
