// snapshow PID (and -p PID): a live process's /proc/PID/smaps, read as
// pmap PID reads it, on processes the test starts; and what it says when
// the process is not there, is a zombie or a kernel thread, or is another
// user's.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "files.h"
#include "run_tool.h"
#include "testdata.h"

namespace fs = std::filesystem;

namespace {

using snap::test::Run;

Run snapshow(const std::string& args, const std::string& env = "", const std::string& dir = SNAP_TESTDATA) {
  return snap::test::run_tool(SNAPSHOW_EXE, args, dir, env);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

constexpr std::size_t kBlock = std::size_t{48} << 20;

/// A child that maps kBlock of anonymous memory, writes every page, tells
/// the parent where, and waits to be killed.
struct Holder {
  pid_t pid = -1;
  std::uint64_t start = 0;

  Holder() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      // Between two PROT_NONE pages, so that the kernel cannot merge it
      // with a neighbouring anonymous mapping: one mapping of exactly kBlock.
      constexpr std::size_t kPage = 4096;
      char* reserve = static_cast<char*>(
          ::mmap(nullptr, kBlock + 2 * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
      if (reserve == MAP_FAILED) ::_exit(1);
      void* p = reserve + kPage;
      if (::mprotect(p, kBlock, PROT_READ | PROT_WRITE) != 0) ::_exit(1);
      std::memset(p, 0x5a, kBlock);
      const std::uint64_t at = reinterpret_cast<std::uintptr_t>(p);
      if (::write(fds[1], &at, sizeof at) != sizeof at) ::_exit(1);
      for (;;) ::pause();
    }
    ::close(fds[1]);
    REQUIRE(::read(fds[0], &start, sizeof start) == sizeof start);
    ::close(fds[0]);
  }
  ~Holder() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

std::string own_command() {
  std::string raw = snap::test::slurp("/proc/self/cmdline");
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  for (char& c : raw)
    if (c == '\0') c = ' ';
  return raw;
}

}  // namespace

TEST_CASE("snapshow PID reads the live process's smaps: its largest mapping, the pid and the command") {
  Holder h;
  const std::string start = fmt::format("0x{:x}", h.start);
  for (const std::string& args :
       {fmt::format("--json --top 1000000 {}", h.pid), fmt::format("--json --top 1000000 -p {}", h.pid)}) {
    CAPTURE(args);
    Run r = snapshow(args);
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["snapshot"]["source"] == fmt::format("/proc/{}/smaps", h.pid));
    CHECK(doc["snapshot"]["format"] == "smaps");
    CHECK(doc["snapshot"]["pid"] == h.pid);
    // The child is a fork of this test: the same command line.
    CHECK(doc["snapshot"]["command"] == own_command());
    // Its 48 MiB, every page written: one mapping, all of it resident.
    const nlohmann::json* block = nullptr;
    for (const auto& m : doc["top"])
      if (m["start"] == start) block = &m;
    REQUIRE(block != nullptr);
    CHECK((*block)["end"] == fmt::format("0x{:x}", h.start + kBlock));
    CHECK((*block)["perms"] == "rw-p");
    CHECK((*block)["counters"]["size"] == kBlock);
    CHECK((*block)["counters"]["rss"] == kBlock);
    CHECK(doc["totals"]["rss"].get<std::uint64_t>() >= kBlock);
  }
  Run text = snapshow(std::to_string(h.pid));
  CHECK(text.status == 0);
  CHECK(text.out.find(fmt::format("snapshot: /proc/{}/smaps  (smaps, pid {}: ", h.pid, h.pid)) == 0);
}

TEST_CASE("snapshow N: a file named N is read as a file, not as process N") {
  Holder h;
  const fs::path dir = fs::temp_directory_path() / fmt::format("snapshow_pid_test.{}", ::getpid());
  fs::create_directories(dir);
  const std::string name = std::to_string(h.pid);
  fs::copy_file(snap::test::path("jvm-inflater-leak/smaps.08"), dir / name, fs::copy_options::overwrite_existing);
  Run r = snapshow(name, "", dir.string());
  CHECK(r.status == 0);
  CHECK(r.out.find(fmt::format("snapshot: {}  (smaps, 210 mappings)\n", name)) == 0);
  // -p says which is meant.
  Run p = snapshow("-p " + name, "", dir.string());
  CHECK(p.status == 0);
  CHECK(p.out.find(fmt::format("snapshot: /proc/{}/smaps  (smaps, pid {}", h.pid, h.pid)) == 0);
  fs::remove_all(dir);
}

TEST_CASE("snapshow PID: no such process, a zombie, a kernel thread: exit 2, said so") {
  // A pid that was a process a moment ago and is reaped: none now.
  pid_t gone = ::fork();
  REQUIRE(gone >= 0);
  if (gone == 0) ::_exit(0);
  REQUIRE(::waitpid(gone, nullptr, 0) == gone);
  Run r = snapshow(std::to_string(gone));
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == fmt::format("snapshow: no process {}\n", gone));

  // Exited, not yet reaped.
  pid_t zombie = ::fork();
  REQUIRE(zombie >= 0);
  if (zombie == 0) ::_exit(0);
  for (int i = 0; i < 500; ++i) {
    if (has(snap::test::slurp(fmt::format("/proc/{}/stat", zombie)), ") Z ")) break;
    ::usleep(10000);
  }
  Run z = snapshow(fmt::format("-p {}", zombie));
  CHECK(z.status == 2);
  CHECK(z.err == fmt::format("snapshow: process {} has exited (a zombie): it has no memory map\n", zombie));
  ::waitpid(zombie, nullptr, 0);

  // kthreadd is pid 2 outside a pid namespace.
  if (snap::test::slurp("/proc/2/comm") == "kthreadd\n") {
    Run k = snapshow("2");
    CHECK(k.status == 2);
    CHECK(k.err == "snapshow: process 2 has no memory map (a kernel thread?)\n");
  } else {
    MESSAGE("no kthreadd at pid 2 (a pid namespace): the kernel-thread case is not checked");
  }

  Run bad = snapshow("-p 0");
  CHECK(bad.status == 2);
  CHECK(has(bad.err, "snapshow: --pid: '0' is not a process id\n"));
  Run both = snapshow("-p 1 jvm-inflater-leak/smaps.08");
  CHECK(both.status == 2);
  CHECK(has(both.err, "snapshow: give a FILE or -p PID, not both\n"));
}

TEST_CASE("snapshow PID: another user's process is permission denied, exit 2, with what to do") {
  Holder h;
  std::string as_other;
  pid_t target = h.pid;
  if (::geteuid() == 0) {
    // As root, the test's own child read as nobody (setpriv, util-linux).
    if (std::system("command -v setpriv >/dev/null 2>&1") != 0) {
      MESSAGE("skipped: running as root and setpriv is not installed to read as another user");
      return;
    }
    as_other = "setpriv --reuid=65534 --regid=65534 --clear-groups";
  } else {
    // Not root: init is another user's.
    target = 1;
  }
  Run r = snapshow(std::to_string(target), as_other);
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == fmt::format("snapshow: cannot read /proc/{}/smaps: Permission denied (another user's process: "
                             "run as that user or root, or with CAP_SYS_PTRACE)\n",
                             target));
}
