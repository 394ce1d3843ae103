// snapdiff --gdb on a real collection of a thread leak (tests/fixtures/
// threads.c, left running by snapcollect --keep-running): the gdb file, run
// by a real gdb, prints the backtrace of each thread started since the
// first snapshot, found by the tids the manifest recorded; on a terminal the
// report ends with the gdb command to run; and snapdiff warns when the pid
// has exited, or is another process than the snapshots' (another start
// time, another boot id in the manifest). Exits 77 (skipped) without gdb or
// where ptrace is not permitted.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "files.h"
#include "process.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using snap::test::slurp;
using snap::test::spit;
using snap::test::TempDir;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

[[noreturn]] void skip(const std::string& why) {
  MESSAGE("SKIPPED: " << why);
  std::fprintf(stderr, "gdb_threads_test: skipped: %s\n", why.c_str());
  std::fflush(nullptr);
  std::exit(77);
}

/// Kills the collected process (left running) at the end.
struct Reaper {
  pid_t pid = -1;
  ~Reaper() {
    if (pid > 0) ::kill(pid, SIGKILL);
  }
};

/// Waits until `pid` is gone from /proc (it is not our child: init reaps it).
void wait_gone(pid_t pid) {
  for (int i = 0; i < 500 && fs::exists(fmt::format("/proc/{}", pid)); ++i) ::usleep(10000);
  REQUIRE(!fs::exists(fmt::format("/proc/{}", pid)));
}

}  // namespace

TEST_CASE("a thread leak: gdb prints the new threads' backtraces; snapdiff warns when the pid is not the process") {
  if (std::system("command -v gdb >/dev/null 2>&1") != 0) skip("gdb is not installed (apt-get install gdb)");
  TempDir tmp;
  const fs::path hunt = tmp.path / "hunt";
  // 8 threads, one every 200 ms, four snapshots 300 ms apart; left running.
  auto collected = snap::test::run_program({SNAPCOLLECT_EXE, "-i", "300ms", "-n", "4", "-q", "-o", hunt.string(),
                                            "--keep-running", "--", SNAP_THREADS_EXE, "8", "200"},
                                           tmp.path / "collect.log", 60s);
  REQUIRE(collected.status == 0);
  const auto manifest = nlohmann::json::parse(slurp(hunt / "manifest.json"));
  const pid_t pid = manifest["pid"].get<pid_t>();
  Reaper reaper{pid};
  REQUIRE(contains(collected.output, fmt::format("snapcollect: pid {} (", pid)));
  const auto& snaps = manifest["snapshots"];
  REQUIRE(snaps.size() == 4);
  // The tids of the last snapshot that the first lacks: the new threads.
  std::vector<std::int64_t> old_tids, new_tids;
  for (const auto& t : snaps.front()["threads"]) old_tids.push_back(t["tid"].get<std::int64_t>());
  for (const auto& t : snaps.back()["threads"]) {
    const auto tid = t["tid"].get<std::int64_t>();
    if (std::find(old_tids.begin(), old_tids.end(), tid) == old_tids.end()) new_tids.push_back(tid);
  }
  REQUIRE(!new_tids.empty());

  // The process runs, the same one: no warning. Not a terminal: no "Next:".
  const fs::path gdb_file = tmp.path / "threads.gdb";
  // The dumps go to the scratch directory, not where the test runs.
  auto diff = snap::test::run_program({SNAPDIFF_EXE, "--gdb", gdb_file.string(), "--dump-dir",
                                       (tmp.path / "dumps").string(), hunt.string()},
                                      tmp.path / "diff.log", 60s);
  CHECK(diff.status == 1);
  CHECK(contains(diff.output, fmt::format("run: gdb -p {} -batch -x {}", pid, gdb_file.string())));
  CHECK(!contains(diff.output, "warning"));
  CHECK(!contains(diff.output, "Next:"));
  const std::string script = slurp(gdb_file);
  CHECK(contains(script, fmt::format("# Threads started since the first snapshot: {};", new_tids.size())));
  for (auto tid : new_tids) CHECK(contains(script, fmt::format("        ({}, 'worker-", tid)));

  // On a terminal (a pty), the report ends with the command to run next.
  const fs::path tty_log = tmp.path / "tty.log";
  const std::string on_tty = fmt::format(
      "python3 -c 'import pty, sys; pty.spawn(sys.argv[1:])' '{}' --gdb '{}' '{}' > '{}' 2>&1 </dev/null",
      SNAPDIFF_EXE, (tmp.path / "tty.gdb").string(), hunt.string(), tty_log.string());
  REQUIRE(std::system(on_tty.c_str()) == 0);
  {
    const std::string out = slurp(tty_log);
    CAPTURE(out);
    CHECK(out.ends_with(fmt::format("\r\nNext: gdb -p {} -batch -x {}\r\n", pid, (tmp.path / "tty.gdb").string())));
  }

  // gdb: the dumps, then a backtrace per new thread, through threads.c's worker.
  auto gdb = snap::test::run_program({"gdb", "-nx", "-p", std::to_string(pid), "-batch", "-x", gdb_file.string()},
                                     tmp.path / "gdb.log", 120s);
  if (contains(gdb.output, "ptrace: Operation not permitted") || contains(gdb.output, "Could not attach"))
    skip("gdb may not attach here (ptrace not permitted)");
  CAPTURE(gdb.output);
  CHECK(contains(gdb.output, fmt::format("snap: backtraces of the {} threads started since the first snapshot",
                                         new_tids.size())));
  for (auto tid : new_tids) {
    const std::string head = fmt::format("snap: thread {} (worker-", tid);
    REQUIRE(contains(gdb.output, head));
    const std::string after = gdb.output.substr(gdb.output.find(head));
    const std::string trace = after.substr(0, after.find("\nsnap: ", 1));
    CHECK(contains(trace, "#0 "));
    CHECK(contains(trace, "in worker ("));
    CHECK(contains(trace, "start_thread"));
  }
  CHECK(contains(gdb.output, fmt::format("snap: {} of those {} threads still run", new_tids.size(), new_tids.size())));

  // Another start time, another boot: the same pid is another process.
  const fs::path other = tmp.path / "other";
  fs::create_directories(other);
  for (const auto& e : fs::directory_iterator(hunt)) fs::copy(e.path(), other / e.path().filename());
  auto edited = manifest;
  edited["process_start"] = manifest["process_start"].get<double>() - 3600;
  spit(other / "manifest.json", edited.dump());
  auto restarted = snap::test::run_program({SNAPDIFF_EXE, "--gdb", (tmp.path / "r.gdb").string(), other.string()},
                                           tmp.path / "restarted.log", 60s);
  CHECK(restarted.status == 1);
  CHECK(contains(restarted.output, fmt::format("snapdiff: warning: pid {} is another process: it started at ", pid)));
  edited = manifest;
  edited["boot_id"] = "00000000-1111-2222-3333-444444444444";
  spit(other / "manifest.json", edited.dump());
  auto rebooted = snap::test::run_program({SNAPDIFF_EXE, "--gdb", (tmp.path / "b.gdb").string(), other.string()},
                                          tmp.path / "rebooted.log", 60s);
  CHECK(contains(rebooted.output, "snapdiff: warning: the snapshots were taken in another boot (boot id "
                                  "00000000-1111-2222-3333-444444444444, now "));
  CHECK(contains(rebooted.output, fmt::format("pid {} is not their process", pid)));

  // Gone: said, and the gdb file is still written.
  ::kill(pid, SIGKILL);
  wait_gone(pid);
  auto gone = snap::test::run_program({SNAPDIFF_EXE, "--gdb", (tmp.path / "gone.gdb").string(), hunt.string()},
                                      tmp.path / "gone.log", 60s);
  CHECK(gone.status == 1);
  CHECK(contains(gone.output, fmt::format("snapdiff: warning: pid {} no longer runs: gdb -p {} cannot dump what "
                                          "the snapshots show\n", pid, pid)));
  CHECK(fs::exists(tmp.path / "gone.gdb"));
}
