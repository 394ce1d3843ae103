// The snapcollect program as a user runs it, on real processes: the
// fixtures/threads.c child (named threads blocked in read(2), a leak into
// [heap]), started by snapcollect itself (-- COMMAND) or by the test (-p).
// Every process is bounded in time, killed and reaped whatever happens;
// every file goes to a temporary directory. The loop itself, on a fake /proc
// and a fake clock (schedules, discarded reads, --jcmd answers): live_test.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "files.h"
#include "snap/collect.h"
#include "snap/escape.h"
#include "snap/manifest.h"
#include "snap/parse.h"
#include "snap/summary.h"
#include "snap/timeline.h"
#include "snap/version.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTimeout = 15s;  // for any one run; a normal run takes ~1 s

using snap::test::slurp;
/// A scratch directory, removed with what is in it.
struct TempDir : snap::test::TempDir {
  TempDir() : snap::test::TempDir("snap_collect_test") {}
};

std::set<std::string> names(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.insert(e.path().filename().string());
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A process started with `argv`, in a process group of its own, stdin from
/// /dev/null, stdout and stderr into files; the constructor returns once it
/// has exec'd (before that, /proc shows this test's image). The destructor
/// kills the group (the process and whatever it started) unless it was
/// already reaped.
class Process {
 public:
  /// `env`: "NAME=VALUE" settings added to its environment.
  Process(const std::vector<std::string>& argv, const fs::path& logs,
          const std::vector<std::string>& env = {})
      : out_(logs / "out"), err_(logs / "err") {
    fs::create_directories(logs);
    int exec_done[2];
    REQUIRE(::pipe2(exec_done, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(exec_done[0]);
      ::setpgid(0, 0);
      // Whatever it leaves in its working directory (jcmd's .attach_pid
      // files) goes with the logs.
      if (::chdir(logs.c_str()) != 0) ::_exit(126);
      for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
      int in = ::open("/dev/null", O_RDONLY);
      int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in < 0 || out < 0 || err < 0) ::_exit(126);
      ::dup2(in, STDIN_FILENO);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);  // also here, so that the group exists before we return
    started_ = Clock::now();
    // The write end closes on exec (or on _exit): read returns 0 then.
    ::close(exec_done[1]);
    char c;
    while (::read(exec_done[0], &c, 1) < 0 && errno == EINTR) {
    }
    ::close(exec_done[0]);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { kill_and_reap(); }

  pid_t pid() const { return pid_; }

  /// The exit status (128+N for signal N) once it has ended, waiting at
  /// most `timeout`; nullopt while it runs.
  std::optional<int> wait(Clock::duration timeout = kTimeout) {
    const auto deadline = Clock::now() + timeout;
    while (!status_) {
      int ws = 0;
      pid_t r = ::waitpid(pid_, &ws, WNOHANG);
      if (r == pid_) {
        status_ = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        ended_ = Clock::now();
        break;
      }
      if (Clock::now() >= deadline) break;
      std::this_thread::sleep_for(5ms);
    }
    return status_;
  }

  void signal(int sig) {
    if (!status_) ::kill(pid_, sig);
  }

  /// SIGKILL to its group, then reaped.
  void kill_and_reap() {
    if (status_ || pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int ws = 0;
    while (::waitpid(pid_, &ws, 0) < 0 && errno == EINTR) {
    }
    status_ = 128 + SIGKILL;
    ended_ = Clock::now();
  }

  double seconds() const { return std::chrono::duration<double>(ended_ - started_).count(); }
  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

 private:
  pid_t pid_ = -1;
  fs::path out_, err_;
  std::optional<int> status_;
  Clock::time_point started_, ended_;
};

struct Run {
  std::optional<int> status;  // nullopt: killed after kTimeout
  std::string out, err;
  double seconds = 0;
};

/// Runs `argv` to its end (at most `timeout`, then killed).
Run run(const std::vector<std::string>& argv, const fs::path& logs, Clock::duration timeout = kTimeout,
        const std::vector<std::string>& env = {}) {
  Process p(argv, logs, env);
  Run r;
  r.status = p.wait(timeout);
  if (!r.status) p.kill_and_reap();
  r.seconds = p.seconds();
  r.out = p.out();
  r.err = p.err();
  return r;
}

std::vector<std::string> snapcollect(std::vector<std::string> args) {
  args.insert(args.begin(), SNAPCOLLECT_EXE);
  return args;
}

/// The threads fixture: `threads` workers, one every `interval_ms`, leaking
/// `leak_kib` KiB per step.
std::vector<std::string> threads_fixture(int threads, int interval_ms, int leak_kib = 0) {
  return {SNAP_THREADS_EXE, std::to_string(threads), std::to_string(interval_ms), std::to_string(leak_kib)};
}

/// The manifest in `dir` once it lists at least `n` snapshots (at most
/// `timeout`). Every read must parse: the file is only ever replaced whole.
std::optional<snap::Manifest> wait_for_snapshots(const fs::path& dir, std::size_t n,
                                                 Clock::duration timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto m = snap::read_manifest(dir.string()); m && m->snapshots.size() >= n) return m;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

/// Waits (at most 5 s) until process `pid` has `n` threads: a target whose
/// thread list no longer changes.
void wait_for_threads(pid_t pid, std::size_t n) {
  const fs::path task = "/proc/" + std::to_string(pid) + "/task";
  const auto deadline = Clock::now() + 5s;
  while (names(task).size() < n && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  REQUIRE(names(task).size() >= n);
}

/// What a collection that hung or took no snapshot says of itself.
std::string what_ended(const fs::path& dir, const std::string& err) {
  auto m = snap::read_manifest(dir.string());
  std::string out = m ? "the manifest lists " + std::to_string(m->snapshots.size()) + " snapshots, end \"" +
                            m->end_reason + "\", command \"" + m->command + "\""
                      : "no manifest";
  return out + "; snapcollect said: " + err;
}

/// True when no process `pid` exists any more (reaped by whoever started it).
bool gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

/// The process `pid`, if it still runs the threads fixture, is killed (it
/// was started, indirectly, by this test). Returns whether it had to be.
bool kill_leftover_fixture(pid_t pid) {
  if (gone(pid)) return false;
  if (!contains(slurp("/proc/" + std::to_string(pid) + "/cmdline"), "snap_threads")) return false;
  ::kill(pid, SIGKILL);
  return true;
}

/// Checks what every finished collection must hold: the files the manifest
/// lists are there and nothing else (no temporary file), each parses, and
/// the manifest's totals are those of the file.
void check_collection(const fs::path& dir, const snap::Manifest& m, snap::Format format) {
  std::set<std::string> listed{"manifest.json"};
  for (const auto& e : m.snapshots) listed.insert(e.file);
  CHECK(listed.size() == m.snapshots.size() + 1);  // no name listed twice
  std::set<std::string> there = names(dir);
  for (const auto& n : there) CHECK_MESSAGE(listed.count(n), "unlisted file in the collection: " << n);
  using ManifestThreads = std::vector<snap::ThreadInfo>;
  for (std::size_t i = 0; i < m.snapshots.size(); ++i) {
    const snap::ManifestEntry& e = m.snapshots[i];
    CAPTURE(e.file);
    REQUIRE(there.count(e.file));
    snap::Snapshot s = snap::read_snapshot((dir / e.file).string());
    CHECK(s.format == format);
    CHECK(s.warnings.empty());
    CHECK(e.mappings == s.regions.size());
    for (snap::Field f : {snap::Field::size, snap::Field::rss}) CHECK(e.totals.get(f) == s.totals.get(f));
    if (format == snap::Format::smaps)
      CHECK(e.totals.get(snap::Field::pss) == s.totals.get(snap::Field::pss));
    CHECK(e.read_seconds > 0);
    CHECK(e.read_seconds < 5);
    CHECK(e.wall >= m.start_wall);
    // Every stack pointer recorded lies in a mapping of the same snapshot,
    // for the threads that were there before the read began (threads are
    // listed after smaps is read: one started in between has its stack
    // mapped too late for this snapshot).
    const ManifestThreads* before = i ? &m.snapshots[i - 1].threads : nullptr;
    for (const auto& t : e.threads)
      if (t.sp && before &&
          std::any_of(before->begin(), before->end(), [&](const auto& b) { return b.tid == t.tid; }))
        CHECK_MESSAGE(std::any_of(s.regions.begin(), s.regions.end(),
                                  [&](const snap::Region& r) { return *t.sp >= r.start && *t.sp < r.end; }),
                      "tid " << t.tid << " sp outside every mapping");
  }
  for (std::size_t i = 1; i < m.snapshots.size(); ++i) {
    CHECK(m.snapshots[i].wall > m.snapshots[i - 1].wall);
    CHECK(m.snapshots[i].monotonic > m.snapshots[i - 1].monotonic);
  }
  if (!m.snapshots.empty() && !m.end_reason.empty()) CHECK(m.end_wall >= m.snapshots.back().wall);
}

/// A row of snapdiff's trend table: range, category, name.
struct Row {
  std::uint64_t start = 0, end = 0;
  std::string category, name, line;
};

std::vector<Row> rows(const std::string& report) {
  // A block folded under a population or link has "└ " before its range.
  static const std::regex kRow(R"(\s(\S+)\s+(?:└ )?([0-9a-f]+)-([0-9a-f]+)\s+\d+/\d+\s+(.*)$)");
  std::vector<Row> out;
  std::istringstream in(report);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, kRow)) continue;
    out.push_back({std::stoull(m[2].str(), nullptr, 16), std::stoull(m[3].str(), nullptr, 16), m[1].str(),
                   m[4].str(), line});
  }
  return out;
}

}  // namespace

TEST_CASE("-- COMMAND: 5 snapshots of a threads-and-heap leaker; snapdiff DIR names the thread stacks") {
  TempDir tmp;
  const fs::path dir = tmp.path / "hunt";
  auto cmd = snapcollect({"--interval", "200ms", "--count", "5", "--quiet", "--out", dir.string(), "--"});
  for (auto& a : threads_fixture(20, 150, 256)) cmd.push_back(a);
  Run r = run(cmd, tmp.path / "logs", 8s);
  if (!r.status) FAIL("snapcollect did not end in 8 s: " << what_ended(dir, r.err));
  CHECK(*r.status == 0);
  CHECK(r.out.empty());
  CHECK(r.seconds < 5);

  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  CHECK(names(dir) == std::set<std::string>{"manifest.json", "smaps.0001", "smaps.0002", "smaps.0003",
                                            "smaps.0004", "smaps.0005"});
  REQUIRE(m->snapshots.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) CHECK(m->snapshots[i].file == "smaps.000" + std::to_string(i + 1));
  check_collection(dir, *m, snap::Format::smaps);
  CHECK(m->format == "smaps");
  CHECK(m->end_reason == "count reached");
  CHECK(m->pid > 0);
  CHECK(m->boot_id == snap::read_boot_id());
  CHECK(m->max_map_count == snap::read_max_map_count());
  CHECK(r.err == "snapcollect: 5 snapshots of pid " + std::to_string(m->pid) + " in " + dir.string() +
                     ": count reached; the command was sent SIGTERM\n");
  // Scheduled from the start: 4 intervals of 200 ms between first and last.
  const double span = m->snapshots.back().monotonic - m->snapshots.front().monotonic;
  CHECK(span > 0.7);
  CHECK(span < 2.0);
  CHECK(m->snapshots.back().wall - m->snapshots.front().wall == doctest::Approx(span).epsilon(0.05));
  // The command was ended with the collection, and reaped.
  CHECK(gone(static_cast<pid_t>(m->pid)));
  CHECK(!kill_leftover_fixture(static_cast<pid_t>(m->pid)));

  // Threads: the main one throughout, named workers appearing, each blocked
  // in read(2) with a stack pointer once it has run for an interval.
  const auto& last = m->snapshots.back();
  std::size_t workers = 0;
  for (const auto& e : m->snapshots)
    CHECK(std::any_of(e.threads.begin(), e.threads.end(), [&](const auto& t) { return t.tid == m->pid; }));
  for (const auto& t : last.threads)
    if (t.name.starts_with("worker-")) {
      ++workers;
      const auto& before = m->snapshots[3].threads;
      if (std::any_of(before.begin(), before.end(), [&](const auto& b) { return b.tid == t.tid; }))
        CHECK_MESSAGE(t.sp, t.name << " tid " << t.tid << " has no stack pointer");
    }
  CHECK(workers >= 3);
  CHECK(workers <= 8);
  if (auto own = snap::read_cgroup_memory(::getpid())) {
    // The child lives in this test's cgroup.
    REQUIRE(last.cgroup);
    CHECK(last.cgroup->version == own->version);
    CHECK(last.cgroup->path == own->path);
    CHECK(last.cgroup->current.value_or(0) > 0);
  }

  // snapdiff DIR: a trend in the manifest's times, thread stacks named by
  // the thread whose stack pointer is in them, the thread count by name.
  Run d = run({SNAPDIFF_EXE, dir.string()}, tmp.path / "snapdiff");
  REQUIRE(d.status);
  CHECK(*d.status == 1);
  CAPTURE(d.out);
  CHECK(contains(d.out, "(times from the collection's manifest)"));
  CHECK(contains(d.err, dir.string() + ": 5 snapshots collected from pid " + std::to_string(m->pid)));

  std::size_t named = 0;
  for (const Row& row : rows(d.out)) {
    CAPTURE(row.line);
    if (!row.name.starts_with("[worker-")) continue;
    ++named;
    CHECK(row.category == "thread-stack");
    std::smatch label;
    const std::string name = row.name;
    REQUIRE(std::regex_match(name, label, std::regex(R"(\[(worker-\d+) tid (\d+)\])")));
    const std::int64_t tid = std::stoll(label[2].str());
    auto t =
        std::find_if(last.threads.begin(), last.threads.end(), [&](const auto& x) { return x.tid == tid; });
    REQUIRE(t != last.threads.end());
    CHECK(t->name == label[1].str());
    REQUIRE(t->sp);
    CHECK(*t->sp >= row.start);
    CHECK(*t->sp < row.end);
    // No other recorded thread's stack is in that block.
    for (const auto& other : last.threads)
      if (other.tid != tid && other.sp) CHECK(!(*other.sp >= row.start && *other.sp < row.end));
  }
  CHECK(named >= 2);
  // Every worker that ran for an interval or more has grown its stack by
  // 64 KiB, above the floor: the report lists its block, named after it.
  const auto& earlier = m->snapshots[3].threads;
  for (const auto& t : last.threads)
    if (t.name.starts_with("worker-") && t.sp &&
        std::any_of(earlier.begin(), earlier.end(), [&](const auto& e) { return e.tid == t.tid; })) {
      bool found = false;
      for (const Row& row : rows(d.out))
        if (*t.sp >= row.start && *t.sp < row.end)
          found = found || row.name == "[" + t.name + " tid " + std::to_string(t.tid) + "]";
      CHECK_MESSAGE(found, t.name << " tid " << t.tid << " is not the name of its stack's block");
    }

  std::smatch counts;
  REQUIRE(std::regex_search(d.out, counts, std::regex(R"(Threads by name: worker-\*: (\d+) -> (\d+))")));
  CHECK(std::stoul(counts[1].str()) < std::stoul(counts[2].str()));
  CHECK(std::stoul(counts[2].str()) == workers);

  // The leak: [heap], 256 KiB every 150 ms, growing steadily.
  bool heap = false;
  for (const Row& row : rows(d.out))
    if (row.category == "heap") {
      heap = true;
      std::smatch g;
      REQUIRE(std::regex_search(row.line, g, std::regex(R"(^(\w+)\s+\+(\d+)K)")));
      CHECK(g[1].str() == "steady");
      CHECK(std::stoul(g[2].str()) >= 512);
    }
  CHECK(heap);
}

TEST_CASE("-- COMMAND: the first snapshot and the command line are the command's, not snapcollect's") {
  // The fork's child is snapcollect until it execs: a snapshot taken before
  // the exec is snapcollect's own map, and its command line snapcollect's;
  // one taken during the exec reads empty, which ends the collection as
  // "target exited" while the command runs on. Racy by nature: 20 runs.
  TempDir tmp;
  int wrong_command = 0, wrong_map = 0, ended_early = 0, hung = 0;
  std::string seen;  // the first wrong command, quoted: "" is one read mid-exec
  constexpr int kRuns = 20;
  for (int i = 0; i < kRuns; ++i) {
    const fs::path dir = tmp.path / ("run" + std::to_string(i));
    auto cmd = snapcollect({"--interval", "10s", "--count", "1", "--quiet", "--out", dir.string(), "--"});
    for (auto& a : threads_fixture(0, 0)) cmd.push_back(a);
    Run r = run(cmd, tmp.path / "logs", 3s);
    auto m = snap::read_manifest(dir.string());
    if (!r.status) ++hung;  // snapcollect waiting on a command it never ends
    if (!m) {  // ended with no snapshot: nothing left behind
      CHECK(!fs::exists(dir));
      ++ended_early;
      continue;
    }
    CHECK(r.status == 0);
    if (m->command != std::string(SNAP_THREADS_EXE) + " 0 0 0" && wrong_command++ == 0)
      seen = '"' + m->command + '"';
    if (!contains(slurp(dir / m->snapshots[0].file), SNAP_THREADS_EXE)) ++wrong_map;
  }
  CHECK_MESSAGE(wrong_command == 0,
                wrong_command << " of " << kRuns << " manifests name another command than the one run: " << seen);
  CHECK_MESSAGE(wrong_map == 0, wrong_map << " of " << kRuns << " first snapshots are snapcollect's own map");
  CHECK_MESSAGE(ended_early == 0, ended_early << " of " << kRuns << " collections ended with no snapshot");
  CHECK_MESSAGE(hung == 0, hung << " of " << kRuns << " runs of snapcollect did not end (killed after 3 s)");
}

namespace {

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// One clock tick: /proc/PID/stat's start time is the tick it fell in.
double tick() {
  return 1.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

TEST_CASE("-- COMMAND: the manifest records when the command started; --delay puts the first snapshot after it") {
  TempDir tmp;
  for (const char* delay : {"", "1s", "1500ms"}) {
    CAPTURE(delay);
    const double seconds = *delay ? *snap::parse_duration(delay) : 0;
    const fs::path dir = tmp.path / ("run" + std::string(delay));
    auto cmd = snapcollect({"--interval", "200ms", "--duration", "500ms", "--quiet", "--out", dir.string()});
    if (*delay) {
      cmd.push_back("--delay");
      cmd.push_back(delay);
    }
    cmd.push_back("--");
    for (auto& a : threads_fixture(0, 0)) cmd.push_back(a);
    const double before = wall_now();
    Run r = run(cmd, tmp.path / "logs", 8s);
    if (!r.status) FAIL("snapcollect did not end in 8 s: " << what_ended(dir, r.err));
    CHECK(*r.status == 0);
    auto m = snap::read_manifest(dir.string());
    REQUIRE(m);
    check_collection(dir, *m, snap::Format::smaps);
    REQUIRE(m->process_start);
    // snapcollect forked it after this test started snapcollect, and before
    // the collection began.
    CHECK(*m->process_start >= before - tick());
    CHECK(*m->process_start <= m->start_wall + tick());
    CHECK(*m->process_start - before < 1.0);
    // --duration counts from the first snapshot: 0, 200 and 400 ms.
    REQUIRE(m->snapshots.size() == 3);
    CHECK(m->end_reason == "duration reached");
    const double first = m->snapshots.front().wall;
    CHECK(first >= *m->process_start + seconds);
    CHECK(first >= m->start_wall + seconds);
    CHECK(first - *m->process_start < seconds + 1.0);
    CHECK(m->snapshots[1].monotonic - m->snapshots[0].monotonic == doctest::Approx(0.2).epsilon(0.25));
  }
}

TEST_CASE("-p: the manifest records when the process started, long before; --delay counts from now") {
  TempDir tmp;
  const double before = wall_now();
  Process target(threads_fixture(0, 0), tmp.path / "target");
  const double after = wall_now();
  std::this_thread::sleep_for(1s);
  const fs::path dir = tmp.path / "hunt";
  Run r = run(snapcollect({"-p", std::to_string(target.pid()), "--delay", "500ms", "--interval", "100ms",
                           "--count", "2", "--quiet", "--out", dir.string()}),
              tmp.path / "logs");
  REQUIRE(r.status);
  CHECK(*r.status == 0);
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  REQUIRE(m->process_start);
  CHECK(*m->process_start >= before - tick());
  CHECK(*m->process_start <= after + tick());
  REQUIRE(m->snapshots.size() == 2);
  CHECK(m->snapshots[0].wall >= m->start_wall + 0.5);
  CHECK(m->snapshots[0].wall < m->start_wall + 2.0);
  CHECK(m->snapshots[0].wall - *m->process_start >= 1.5);
}

TEST_CASE("--delay: a process that exits meanwhile ends the wait at once") {
  TempDir tmp;
  SUBCASE("-- COMMAND: its exit status, no snapshot") {
    const fs::path dir = tmp.path / "a";
    Run r = run(snapcollect({"--delay", "30s", "--quiet", "--out", dir.string(), "--", "/bin/sh", "-c",
                             "sleep 0.3; exit 7"}),
                tmp.path / "logs", 10s);
    REQUIRE_MESSAGE(r.status, "snapcollect waited out --delay 30s after the command exited");
    CHECK(*r.status == 7);
    CHECK(r.seconds < 5);
    // Nothing collected, nothing left: no manifest, and the --out it created
    // is gone, so that a retry into it works.
    CAPTURE(r.err);
    CHECK(contains(r.err, "exited before the first snapshot"));
    CHECK(contains(r.err, "snapcollect: nothing kept: " + dir.string() + " removed\n"));
    CHECK(!fs::exists(dir));
    CHECK(fs::exists(tmp.path));
    Run again = run(snapcollect({"--count", "1", "--quiet", "--out", dir.string(), "--", "sleep", "5"}),
                    tmp.path / "logs2");
    REQUIRE(again.status);
    CAPTURE(again.err);
    CHECK(*again.status == 0);
    auto m = snap::read_manifest(dir.string());
    REQUIRE(m);
    CHECK(m->snapshots.size() == 1);
  }
  SUBCASE("-- COMMAND into an --out that was there: it stays, empty") {
    const fs::path dir = tmp.path / "mine";
    fs::create_directory(dir);
    Run r = run(snapcollect({"--delay", "30s", "--quiet", "--out", dir.string(), "--", "/bin/sh", "-c",
                             "sleep 0.3; exit 7"}),
                tmp.path / "logs", 10s);
    REQUIRE(r.status);
    CAPTURE(r.err);
    CHECK(*r.status == 7);
    CHECK(contains(r.err, "snapcollect: nothing kept: no manifest written in " + dir.string() + "\n"));
    CHECK(fs::is_directory(dir));
    CHECK(names(dir).empty());
  }
  SUBCASE("-p: exit 3 with --count, said; not \"no process\"") {
    const fs::path dir = tmp.path / "b";
    Process target({"/bin/sh", "-c", "sleep 0.5"}, tmp.path / "target");
    Process collector(snapcollect({"-p", std::to_string(target.pid()), "--delay", "30s", "--count", "3",
                                   "--quiet", "--out", dir.string()}),
                      tmp.path / "collector");
    CHECK(target.wait(5s) == 0);  // reaped by this test: gone from /proc
    auto status = collector.wait(5s);
    REQUIRE_MESSAGE(status, "snapcollect waited out --delay 30s after the process exited");
    CHECK(*status == 3);
    CHECK(contains(collector.err(), "exited before the first snapshot"));
    CHECK(!contains(collector.err(), "no process"));
  }
}

TEST_CASE("-- COMMAND: the command's own exit status when it ends first") {
  TempDir tmp;
  SUBCASE("exit 7") {
    Run r = run(snapcollect({"--interval", "100ms", "--quiet", "--out", (tmp.path / "a").string(), "--",
                             "/bin/sh", "-c", "sleep 0.35; exit 7"}),
                tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 7);
    auto m = snap::read_manifest((tmp.path / "a").string());
    REQUIRE(m);
    CHECK(m->end_reason == "target exited");
    CHECK(m->snapshots.size() >= 2);
    check_collection(tmp.path / "a", *m, snap::Format::smaps);
  }
  SUBCASE("killed by SIGKILL: 128+9") {
    Run r = run(snapcollect({"--interval", "100ms", "--count", "50", "--quiet", "--out",
                             (tmp.path / "b").string(), "--", "/bin/sh", "-c", "sleep 0.35; kill -9 $$"}),
                tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 137);
    auto m = snap::read_manifest((tmp.path / "b").string());
    REQUIRE(m);
    CHECK(m->end_reason == "target exited");
  }
}

TEST_CASE("-p: the target exits mid-collection; every completed snapshot stays") {
  TempDir tmp;
  SUBCASE("no --count or --duration: the collection ended as asked, exit 0") {
    Process target(threads_fixture(4, 100, 64), tmp.path / "target");
    const fs::path dir = tmp.path / "hunt";
    Process collector(snapcollect({"-p", std::to_string(target.pid()), "--interval", "200ms", "--quiet",
                                   "--out", dir.string()}),
                      tmp.path / "collector");
    REQUIRE(wait_for_snapshots(dir, 4));
    std::this_thread::sleep_for(50ms);
    target.kill_and_reap();
    auto status = collector.wait(5s);
    REQUIRE(status);
    CHECK(*status == 0);
    CHECK(contains(collector.err(), ": target exited\n"));
    auto m = snap::read_manifest(dir.string());
    REQUIRE(m);
    CHECK(m->end_reason == "target exited");
    CHECK(m->pid == target.pid());
    CHECK(m->snapshots.size() >= 4);
    check_collection(dir, *m, snap::Format::smaps);
  }
  SUBCASE("--count 50 not reached: exit 3") {
    Process target(threads_fixture(4, 100), tmp.path / "target");
    const fs::path dir = tmp.path / "hunt";
    Process collector(snapcollect({"-p", std::to_string(target.pid()), "--interval", "200ms", "--count", "50",
                                   "--quiet", "--out", dir.string()}),
                      tmp.path / "collector");
    REQUIRE(wait_for_snapshots(dir, 3));
    target.kill_and_reap();
    auto status = collector.wait(5s);
    REQUIRE(status);
    CHECK(*status == 3);
    auto m = snap::read_manifest(dir.string());
    REQUIRE(m);
    CHECK(m->end_reason == "target exited");
    CHECK(m->snapshots.size() >= 3);
    CHECK(m->snapshots.size() < 50);
    check_collection(dir, *m, snap::Format::smaps);
  }
  SUBCASE("--duration not reached: exit 3") {
    Process target(threads_fixture(4, 100), tmp.path / "target");
    const fs::path dir = tmp.path / "hunt";
    Process collector(snapcollect({"-p", std::to_string(target.pid()), "--interval", "200ms", "--duration",
                                   "1h", "--quiet", "--out", dir.string()}),
                      tmp.path / "collector");
    REQUIRE(wait_for_snapshots(dir, 2));
    target.kill_and_reap();
    auto status = collector.wait(5s);
    REQUIRE(status);
    CHECK(*status == 3);
  }
}

TEST_CASE("SIGTERM and SIGINT: exit 0 at once, the manifest closed, the snapshots intact") {
  TempDir tmp;
  Process target(threads_fixture(2, 20), tmp.path / "target");
  wait_for_threads(target.pid(), 3);
  for (int sig : {SIGTERM, SIGINT}) {
    CAPTURE(sig);
    const fs::path dir = tmp.path / ("hunt-" + std::to_string(sig));
    Process collector(snapcollect({"-p", std::to_string(target.pid()), "--interval", "10s", "--quiet",
                                   "--out", dir.string()}),
                      tmp.path / ("collector-" + std::to_string(sig)));
    auto first = wait_for_snapshots(dir, 1);
    REQUIRE(first);
    const std::string snapshot = slurp(dir / first->snapshots[0].file);
    const auto sent = Clock::now();
    collector.signal(sig);
    auto status = collector.wait(5s);
    const double took = std::chrono::duration<double>(Clock::now() - sent).count();
    REQUIRE(status);
    CHECK(*status == 0);
    CHECK(took < 2.0);
    auto m = snap::read_manifest(dir.string());
    REQUIRE(m);
    CHECK(m->end_reason == "interrupted");
    REQUIRE(m->snapshots.size() == 1);
    CHECK(slurp(dir / m->snapshots[0].file) == snapshot);
    check_collection(dir, *m, snap::Format::smaps);
    CHECK(contains(collector.err(), ": interrupted\n"));
    CHECK(!gone(target.pid()));  // -p: the target is not ours to end
  }
}

TEST_CASE("-- COMMAND and SIGTERM: the command is ended too, exit 0") {
  TempDir tmp;
  const fs::path dir = tmp.path / "hunt";
  auto cmd = snapcollect({"--interval", "10s", "--quiet", "--out", dir.string(), "--"});
  for (auto& a : threads_fixture(2, 50)) cmd.push_back(a);
  Process collector(cmd, tmp.path / "collector");
  if (!wait_for_snapshots(dir, 1)) FAIL("no snapshot in 5 s: " << what_ended(dir, collector.err()));
  collector.signal(SIGTERM);
  auto status = collector.wait(5s);
  REQUIRE(status);
  CHECK(*status == 0);
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  CHECK(m->end_reason == "interrupted");
  CHECK(gone(static_cast<pid_t>(m->pid)));
  CHECK(!kill_leftover_fixture(static_cast<pid_t>(m->pid)));
}

TEST_CASE("existing files: a collection is refused, a stray file kept, a planted symlink not followed") {
  TempDir tmp;
  Process target(threads_fixture(1, 10), tmp.path / "target");
  const std::string pid = std::to_string(target.pid());

  SUBCASE("--out holds a manifest.json: exit 2, nothing written") {
    const fs::path dir = tmp.path / "old";
    fs::create_directories(dir);
    std::ofstream(dir / "manifest.json") << "{\"schema\": \"snap.manifest/1\"}\n";
    std::ofstream(dir / "smaps.0001") << "old\n";
    Run r =
        run(snapcollect({"-p", pid, "--interval", "100ms", "--count", "2", "--quiet", "--out", dir.string()}),
            tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 2);
    CHECK(contains(r.err, "already holds a collection"));
    CHECK(names(dir) == std::set<std::string>{"manifest.json", "smaps.0001"});
    CHECK(slurp(dir / "manifest.json") == "{\"schema\": \"snap.manifest/1\"}\n");
    CHECK(slurp(dir / "smaps.0001") == "old\n");
  }
  SUBCASE("a stray smaps.0001 and a symlink smaps.0002 -> a file outside") {
    const fs::path dir = tmp.path / "hunt", outside = tmp.path / "outside-file";
    fs::create_directories(dir);
    const std::string stray = "stray bytes\n\x01\x02 not a snapshot, kept as they are\n";
    std::ofstream(dir / "smaps.0001", std::ios::binary) << stray;
    std::ofstream(outside) << "outside\n";
    fs::create_symlink(outside, dir / "smaps.0002");
    Run r =
        run(snapcollect({"-p", pid, "--interval", "100ms", "--count", "2", "--quiet", "--out", dir.string()}),
            tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 0);
    CHECK(slurp(dir / "smaps.0001") == stray);
    CHECK(fs::is_symlink(dir / "smaps.0002"));
    CHECK(fs::read_symlink(dir / "smaps.0002") == outside);
    CHECK(slurp(outside) == "outside\n");
    auto m = snap::read_manifest(dir.string());
    REQUIRE(m);
    REQUIRE(m->snapshots.size() == 2);
    CHECK(m->snapshots[0].file == "smaps.0003");
    CHECK(m->snapshots[1].file == "smaps.0004");
    CHECK(names(dir) ==
          std::set<std::string>{"manifest.json", "smaps.0001", "smaps.0002", "smaps.0003", "smaps.0004"});
    // snapdiff DIR takes the manifest's files, not the stray one.
    Run d = run({SNAPDIFF_EXE, dir.string()}, tmp.path / "snapdiff");
    REQUIRE(d.status);
    CHECK(*d.status != 2);
    CHECK(contains(d.out, "smaps.0003"));
    CHECK(!contains(d.out, "smaps.0001"));
  }
  SUBCASE("--out is a symlink to a directory: refused") {
    fs::create_directories(tmp.path / "real");
    fs::create_directory_symlink(tmp.path / "real", tmp.path / "link");
    Run r = run(snapcollect({"-p", pid, "--interval", "100ms", "--count", "1", "--quiet", "--out",
                             (tmp.path / "link").string()}),
                tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 2);
    CHECK(names(tmp.path / "real").empty());
  }
}

namespace {

/// A program in PATH, or "".
std::string which(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin:/usr/sbin:/sbin");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && ::access((fs::path(d) / name).c_str(), X_OK) == 0) return (fs::path(d) / name).string();
  for (const char* d : {"/usr/bin", "/bin", "/usr/sbin", "/sbin"})
    if (::access((fs::path(d) / name).c_str(), X_OK) == 0) return (fs::path(d) / name).string();
  return "";
}

}  // namespace

TEST_CASE("another user's process: exit 2, Permission denied; no such process: exit 2, no process") {
  TempDir tmp;
  SUBCASE("permission denied") {
    Process target(threads_fixture(1, 10), tmp.path / "target");
    std::vector<std::string> as_nobody;
    std::string pid = std::to_string(target.pid());
    if (::getuid() == 0) {
      if (auto setpriv = which("setpriv"); !setpriv.empty())
        as_nobody = {setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"};
      else if (auto runuser = which("runuser"); !runuser.empty())
        as_nobody = {runuser, "-u", "nobody", "--"};
      else {
        MESSAGE("SKIPPED: neither setpriv nor runuser to run snapcollect as another user");
        return;
      }
    } else {
      // Not root: pid 1 is another user's when it is root's.
      struct stat st {};
      if (::stat("/proc/1", &st) != 0 || st.st_uid == ::getuid()) {
        MESSAGE("SKIPPED: no process of another user to watch");
        return;
      }
      pid = "1";
    }
    // A directory that user can write in.
    REQUIRE(::chmod(tmp.path.c_str(), 0755) == 0);
    const fs::path open = tmp.path / "open";
    fs::create_directories(open);
    REQUIRE(::chmod(open.c_str(), 0777) == 0);
    for (const std::string mode : {"full", "light"}) {
      CAPTURE(mode);
      auto cmd = as_nobody;
      for (auto& a : snapcollect({"-p", pid, "--interval", "100ms", "--count", "2", "--quiet", "--mode", mode,
                                  "--out", (open / ("hunt-" + mode)).string()}))
        cmd.push_back(a);
      Run r = run(cmd, tmp.path / ("logs-" + mode));
      REQUIRE(r.status);
      CAPTURE(r.err);
      if (contains(r.err, "cannot create") || contains(r.err, "cannot open directory")) {
        MESSAGE("SKIPPED: the other user cannot write the output directory here");
        return;
      }
      CHECK(*r.status == 2);
      CHECK(contains(r.err, "Permission denied"));
      CHECK(contains(r.err, "another user's process"));
      CHECK(!fs::exists(open / ("hunt-" + mode) / "smaps.0001"));
      // Refused at its first read: the directory it made is gone too, and
      // said so, so that a retry into the same --out works.
      CHECK(!fs::exists(open / ("hunt-" + mode)));
      CHECK(contains(r.err, "snapcollect: nothing kept: " + (open / ("hunt-" + mode)).string() + " removed\n"));
    }
    // An --out that was there before is left there, empty as it was.
    const fs::path before = open / "made-before";
    fs::create_directories(before);
    REQUIRE(::chmod(before.c_str(), 0777) == 0);
    auto cmd = as_nobody;
    for (auto& a : snapcollect({"-p", pid, "--interval", "100ms", "--count", "2", "--quiet", "--out", before.string()}))
      cmd.push_back(a);
    Run again = run(cmd, tmp.path / "logs-before");
    REQUIRE(again.status);
    CHECK(*again.status == 2);
    CHECK(fs::is_directory(before));
    CHECK(fs::is_empty(before));
    CHECK(!contains(again.err, "nothing kept"));
  }
  SUBCASE("no such process") {
    Run r = run(snapcollect({"-p", "999999999", "--interval", "100ms", "--quiet", "--out",
                             (tmp.path / "none").string()}),
                tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 2);
    CHECK(contains(r.err, "no process 999999999"));
    CHECK(!fs::exists(tmp.path / "none"));
  }
}

TEST_CASE("--format pmap-x: what pmap -x prints, its totals those of the same read") {
  TempDir tmp;
  Process target(threads_fixture(3, 50, 64), tmp.path / "target");
  const fs::path dir = tmp.path / "hunt";
  // An interval that a read of pmap -x on a loaded machine (ASan, CI)
  // does not overrun: an overrun is said on stderr, which is checked whole.
  Run r = run(snapcollect({"-p", std::to_string(target.pid()), "--interval", "1s", "--count", "3",
                           "--format", "pmap-x", "--quiet", "--out", dir.string()}),
              tmp.path / "logs");
  REQUIRE(r.status);
  CHECK(*r.status == 0);
  CHECK(r.err == "snapcollect: 3 snapshots of pid " + std::to_string(target.pid()) + " in " + dir.string() +
                     ": count reached\n");
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  CHECK(m->format == "pmap-x");
  REQUIRE(m->snapshots.size() == 3);
  CHECK(names(dir) == std::set<std::string>{"manifest.json", "pmap-x.0001", "pmap-x.0002", "pmap-x.0003"});
  check_collection(dir, *m, snap::Format::pmap_x);
  for (const auto& e : m->snapshots) {
    CAPTURE(e.file);
    const std::string text = slurp(dir / e.file);
    CHECK(snap::detect_format(text, e.file) == snap::Format::pmap_x);
    snap::Snapshot s = snap::read_snapshot((dir / e.file).string());
    CHECK(s.pid == target.pid());
    CHECK(contains(s.command, "snap_threads"));
    REQUIRE(s.reported_totals);
    CHECK(s.reported_totals->get(snap::Field::rss) == e.totals.get(snap::Field::rss));
    CHECK(s.reported_totals->get(snap::Field::size) == e.totals.get(snap::Field::size));
    CHECK(s.totals.get(snap::Field::rss) == e.totals.get(snap::Field::rss));
    CHECK(!s.totals.known(snap::Field::pss));
  }
  Run d = run({SNAPDIFF_EXE, dir.string()}, tmp.path / "snapdiff");
  REQUIRE(d.status);
  CHECK(*d.status != 2);
  CHECK(contains(d.out, "(times from the collection's manifest)"));
}

TEST_CASE("--help documents the exit status; --version; usage errors exit 2") {
  TempDir tmp;
  Run help = run(snapcollect({"--help"}), tmp.path / "logs");
  REQUIRE(help.status);
  CHECK(*help.status == 0);
  CHECK(help.out.starts_with("Usage: snapcollect -p PID [OPTION]..."));
  CHECK(contains(help.out, "Exit status"));
  CHECK(contains(help.out, "\n  -i, --interval=DURATION  "));
  CHECK(contains(help.out, "\n  -f, --format=FORMAT  "));
  CHECK(contains(help.out, "\n      --delay=DURATION  "));

  Run version = run(snapcollect({"--version"}), tmp.path / "logs");
  REQUIRE(version.status);
  CHECK(*version.status == 0);
  CHECK(version.out == "snapcollect (snap) " + std::string(snap::version()) +
                           "\nCopyright (C) 2026 the snap authors.\n"
                           "License MIT: <https://opensource.org/licenses/MIT>.\n"
                           "This is free software: you are free to change and redistribute it.\n"
                           "There is NO WARRANTY, to the extent permitted by law.\n");

  const fs::path out = tmp.path / "never";
  for (std::vector<std::string> args : {std::vector<std::string>{},
                                        {"-p", "1", "--", "true"},
                                        {"-p", "0"},
                                        {"-p", "x"},
                                        {"-p", "1", "--count", "0"},
                                        {"-p", "1", "--interval", "0s"},
                                        {"-p", "1", "--interval", "soon"},
                                        {"-p", "1", "--duration", "later"},
                                        {"-p", "1", "--delay", "soon"},
                                        {"-p", "1", "--delay", "-1s"},
                                        {"-p", "1", "--format", "pmap"},
                                        {"-p", "1", "--frobnicate"}}) {
    args.push_back("--out");
    args.push_back(out.string());
    CAPTURE(args.size());
    Run r = run(snapcollect(args), tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 2);
    CHECK(r.err.starts_with("snapcollect: "));
  }
  CHECK(!fs::exists(out));
}

namespace {

/// Runs `argv` with its stdout and stderr on a pseudo-terminal; returns
/// what it wrote there (at most `timeout`, then killed) and its status.
Run run_on_tty(const std::vector<std::string>& argv, Clock::duration timeout = 8s) {
  int master = -1, slave = -1;
  REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(master);
    ::setsid();
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, STDIN_FILENO);
    ::dup2(slave, STDOUT_FILENO);
    ::dup2(slave, STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(slave);
  Run r;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) {
      char chunk[4096];
      ssize_t n = ::read(master, chunk, sizeof chunk);
      if (n > 0) {
        r.out.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      break;  // EIO: every holder of the terminal has closed it
    }
    if (Clock::now() >= deadline) break;
  }
  int ws = 0;
  if (::waitpid(pid, &ws, WNOHANG) != pid) {
    // Poll once more for a clean exit, then kill.
    std::this_thread::sleep_for(50ms);
    if (::waitpid(pid, &ws, WNOHANG) != pid) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &ws, 0);
      ws = -1;
    }
  }
  ::close(master);
  if (ws != -1) r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  return r;
}

}  // namespace

TEST_CASE("a status line on a terminal, none with --quiet") {
  TempDir tmp;
  Process target(threads_fixture(0, 0), tmp.path / "target");
  const std::string pid = std::to_string(target.pid());
  Run live = run_on_tty(
      snapcollect({"-p", pid, "--interval", "100ms", "--count", "3", "--out", (tmp.path / "a").string()}));
  REQUIRE(live.status);
  CHECK(*live.status == 0);
  CAPTURE(live.out);
  // Rewritten in place: "\r" and erase-line before each, the count, Rss and
  // Pss with their change since the first, the read's cost.
  CHECK(contains(live.out, "\r\x1b[K1 snapshot "));
  CHECK(contains(live.out, "\r\x1b[K3 snapshots "));
  CHECK(std::regex_search(
      live.out,
      std::regex(
          R"(3 snapshots  Rss [\d.]+[BKMGTPE] \([+-][\d.]+[BKMGTPE]\)  Pss [\d.]+[BKMGTPE] \([+-][\d.]+[BKMGTPE]\)  \d+ mappings  full read \d+\.\d ms)")));
  CHECK(contains(live.out, "snapcollect: 3 snapshots of pid " + pid));
  // Time since the first snapshot, and until the last that --count asks for.
  CHECK(std::regex_search(live.out, std::regex(R"(\r\x1b\[K1 snapshot .* read \d+\.\d ms  0s elapsed, 0s left)")));
  CHECK(contains(live.out, " elapsed, 0s left"));

  Run quiet = run_on_tty(snapcollect(
      {"-p", pid, "--interval", "100ms", "--count", "2", "--quiet", "--out", (tmp.path / "b").string()}));
  REQUIRE(quiet.status);
  CHECK(*quiet.status == 0);
  CHECK(!contains(quiet.out, "\x1b[K"));
  CHECK(contains(quiet.out, "snapcollect: 2 snapshots of pid " + pid));
}

TEST_CASE("--keep-running: the command is left running, its pid said; without, the final line says its end") {
  TempDir tmp;
  const fs::path dir = tmp.path / "kept";
  auto cmd = snapcollect({"--interval", "100ms", "--count", "2", "--quiet", "--keep-running", "--out", dir.string(), "--"});
  for (auto& a : threads_fixture(0, 0)) cmd.push_back(a);
  Run r = run(cmd, tmp.path / "logs", 8s);
  REQUIRE(r.status);
  CHECK(*r.status == 0);
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  const pid_t pid = static_cast<pid_t>(m->pid);
  const bool running = !gone(pid);
  const bool killed = kill_leftover_fixture(pid);  // whatever the checks say, it does not outlive the test
  CHECK(running);
  CHECK(killed);
  CHECK(r.err == "snapcollect: 2 snapshots of pid " + std::to_string(pid) + " in " + dir.string() +
                     ": count reached\nsnapcollect: pid " + std::to_string(pid) + " (" + SNAP_THREADS_EXE +
                     " 0 0 0) left running\n");

  // The command exits first: its status, said in the final line. It lives
  // 2 s: under a sanitizer on a loaded machine, half a second has ended
  // before the first snapshot (then "exited before the first snapshot").
  auto exits = snapcollect({"--interval", "100ms", "--quiet", "--out", (tmp.path / "exits").string(), "--", "sh",
                            "-c", "sleep 2; exit 7"});
  Run e = run(exits, tmp.path / "logs2", 12s);
  REQUIRE(e.status);
  CAPTURE(e.err);
  CHECK(*e.status == 7);
  // The exit can fall within a read (more likely on a loaded machine): the
  // final line then says the read was discarded.
  CHECK((e.err.ends_with(": target exited; the command exited with status 7\n") ||
         e.err.ends_with(": target exited (1 read discarded: the process exited or exec'd during it); the command "
                         "exited with status 7\n")));

  CHECK(run(snapcollect({"-p", "1", "--keep-running"}), tmp.path / "logs3").status == 2);
}

TEST_CASE("stderr not a terminal: a plain status line per snapshot, none with --quiet") {
  TempDir tmp;
  Process target(threads_fixture(0, 0), tmp.path / "target");
  const std::string pid = std::to_string(target.pid());
  const fs::path dir = tmp.path / "a";
  Run r = run(snapcollect({"-p", pid, "--interval", "100ms", "--count", "3", "--out", dir.string()}),
              tmp.path / "logs");
  REQUIRE(r.status);
  CHECK(*r.status == 0);
  CAPTURE(r.err);
  CHECK(!contains(r.err, "\x1b"));
  CHECK(!contains(r.err, "\r"));
  static const std::regex kLine(
      R"(snapcollect: (\d) snapshots?  Rss [\d.]+[BKMGTPE] \([+-][\d.]+[BKMGTPE]\)  Pss [\d.]+[BKMGTPE] \([+-][\d.]+[BKMGTPE]\)  \d+ mappings  full read \d+\.\d ms)");
  std::istringstream lines(r.err);
  std::vector<std::string> got;
  for (std::string line; std::getline(lines, line);) got.push_back(line);
  REQUIRE(got.size() == 4);
  for (int i = 0; i < 3; ++i) {
    std::smatch m;
    REQUIRE(std::regex_match(got[i], m, kLine));
    CHECK(m[1].str() == std::to_string(i + 1));
  }
  CHECK(got[3] == "snapcollect: 3 snapshots of pid " + pid + " in " + dir.string() + ": count reached");

  Run quiet = run(snapcollect({"-p", pid, "--interval", "100ms", "--count", "2", "--quiet", "--out",
                               (tmp.path / "b").string()}),
                  tmp.path / "logs");
  REQUIRE(quiet.status);
  CHECK(quiet.err == "snapcollect: 2 snapshots of pid " + pid + " in " + (tmp.path / "b").string() +
                         ": count reached\n");
}

namespace {

/// A directory holding an executable `jcmd` that runs `script` (sh), to be
/// put first in PATH: what snapcollect does with each answer jcmd can give,
/// with no JVM needed.
fs::path fake_jcmd(const fs::path& dir, const std::string& script) {
  fs::create_directories(dir);
  std::ofstream(dir / "jcmd") << "#!/bin/sh\n" << script;
  fs::permissions(dir / "jcmd", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  return dir;
}

std::string path_with(const fs::path& dir) {
  const char* path = std::getenv("PATH");
  return "PATH=" + dir.string() + ":" + (path ? path : "/usr/bin:/bin");
}

}  // namespace

TEST_CASE("--jcmd: the NMT report saved beside each snapshot, named in the manifest") {
  TempDir tmp;
  const fs::path bin = fake_jcmd(tmp.path / "bin",
                                 "echo \"$1:\"\n"
                                 "echo \"args: $2 $3\"\n"
                                 "echo\n"
                                 "echo 'Native Memory Tracking:'\n"
                                 "echo 'Total: reserved=1048576KB, committed=65536KB'\n");
  Process target(threads_fixture(0, 0), tmp.path / "target");
  const fs::path dir = tmp.path / "hunt";
  Run r = run(snapcollect({"-p", std::to_string(target.pid()), "--interval", "100ms", "--count", "2",
                           "--jcmd", "--quiet", "--out", dir.string()}),
              tmp.path / "logs", 8s, {path_with(bin)});
  REQUIRE(r.status);
  CHECK(*r.status == 0);
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  REQUIRE(m->snapshots.size() == 2);
  CHECK(m->snapshots[0].nmt == "nmt.0001");
  CHECK(m->snapshots[1].nmt == "nmt.0002");
  CHECK(slurp(dir / "nmt.0002") == std::to_string(target.pid()) +
                                       ":\nargs: VM.native_memory detail\n\nNative Memory Tracking:\n"
                                       "Total: reserved=1048576KB, committed=65536KB\n");
  CHECK(names(dir) ==
        std::set<std::string>{"manifest.json", "nmt.0001", "nmt.0002", "smaps.0001", "smaps.0002"});
  // snapdiff DIR takes the snapshots, not the NMT reports; NMT it found
  // but cannot read (this fake jcmd's "args:" line) is said and left out.
  Run d = run({SNAPDIFF_EXE, dir.string()}, tmp.path / "snapdiff");
  REQUIRE(d.status);
  CHECK(*d.status != 2);
  CHECK(contains(d.err, "/nmt.0001:2: not jcmd VM.native_memory output: expected \"Native Memory Tracking:\", "
                       "got \"args: VM.native_memory detail\"; NMT not joined\n"));
  CHECK(!contains(d.out, "NMT ("));
}

namespace {

/// A tmpfs of `size` on `dir`, unmounted on destruction; ok() false where
/// mounting is not permitted.
class SmallDisk {
 public:
  SmallDisk(const fs::path& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir);
    ok_ = ::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, ("size=" + size).c_str()) == 0;
    if (!ok_) why_ = std::strerror(errno);
  }
  ~SmallDisk() {
    if (ok_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }

 private:
  fs::path dir_;
  bool ok_ = false;
  std::string why_;
};

}  // namespace

TEST_CASE("a full disk: exit 2, no partial file, the snapshots before it intact") {
  TempDir tmp;
  SmallDisk disk(tmp.path / "small", "64k");
  if (!disk.ok()) {
    MESSAGE("SKIPPED: cannot mount a 64 KiB tmpfs here (" << disk.why() << ")");
    return;
  }
  Process target(threads_fixture(0, 0), tmp.path / "target");
  const fs::path dir = tmp.path / "small" / "hunt";
  Run r = run(snapcollect({"-p", std::to_string(target.pid()), "--interval", "50ms", "--quiet", "--out",
                           dir.string()}),
              tmp.path / "logs", 8s);
  REQUIRE(r.status);
  CHECK(*r.status == 2);
  CHECK(contains(r.err, "No space left on device"));
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  CHECK(!m->snapshots.empty());
  for (const auto& n : names(dir)) {
    CAPTURE(n);
    CHECK(!n.starts_with("."));  // no temporary file left
    if (n == "manifest.json") continue;
    // Every file there is a whole snapshot: a cut one would miss counters.
    snap::Snapshot s = snap::read_snapshot((dir / n).string());
    CHECK(s.warnings.empty());
    CHECK(!s.regions.empty());
  }
  for (const auto& e : m->snapshots) {
    CAPTURE(e.file);
    snap::Snapshot s = snap::read_snapshot((dir / e.file).string());
    CHECK(s.totals.get(snap::Field::rss) == e.totals.get(snap::Field::rss));
  }
}

TEST_CASE("a real JVM leaking zlib memory: snapcollect --jcmd, then snapdiff DIR finds it outside NMT") {
  // OpenJDK is a build dependency (scripts/setup.sh installs it): missing, this fails.
  REQUIRE_MESSAGE(std::system("command -v java >/dev/null && command -v jcmd >/dev/null") == 0,
                  "java and jcmd are needed: apt-get install openjdk-17-jdk-headless (scripts/setup.sh does)");
  TempDir tmp;
  Process jvm({"java", "-Xmx64m", "-XX:NativeMemoryTracking=detail", SNAP_FIXTURES "/ZlibLeak.java"},
              tmp.path / "jvm");
  std::string pid;
  for (auto deadline = Clock::now() + 60s; pid.empty() && Clock::now() < deadline;) {
    std::smatch m;
    const std::string out = jvm.out();
    if (std::regex_search(out, m, std::regex("ready ([0-9]+)"))) pid = m[1];
    REQUIRE_MESSAGE(!jvm.wait(50ms), "java ended early: " << jvm.err());
  }
  REQUIRE_MESSAGE(!pid.empty(), "java did not get ready in 60 s: " << jvm.err());

  // Collect until the JVM's own log says it has leaked kGrowth more
  // Deflaters than it held at the first snapshot, and one snapshot past
  // that: the amount is the program's, not what the machine's load allowed.
  constexpr long kGrowth = 300;  // 300 x 192 KiB: 56 MiB written
  const fs::path dir = tmp.path / "hunt";
  Process collector(snapcollect({"-p", pid, "--jcmd", "--interval", "1s", "--quiet", "--out", dir.string()}),
                    tmp.path / "collect");
  auto first_listed = wait_for_snapshots(dir, 1, 60s);
  REQUIRE_MESSAGE(first_listed, "no first snapshot in 60 s: " << collector.err());
  const double first_wall = first_listed->snapshots.front().wall;
  // "leaked N at EPOCH_MS": N Deflaters held then.
  struct Logged {
    long n;
    double wall;
  };
  auto logged = [&] {
    std::vector<Logged> out;
    const std::string text = jvm.out();
    static const std::regex line("leaked ([0-9]+) at ([0-9]+)\n");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator(); ++it)
      out.push_back({std::stol((*it)[1]), std::stod((*it)[2]) / 1000});
    return out;
  };
  // At most this many at the first snapshot: the first count logged after it.
  auto held_at_most = [&](double wall) -> std::optional<long> {
    for (const Logged& l : logged())
      if (l.wall >= wall) return l.n;
    return std::nullopt;
  };
  // At least this many at a snapshot: the last count logged before it.
  auto held_at_least = [&](double wall) {
    long n = 0;
    for (const Logged& l : logged())
      if (l.wall <= wall) n = l.n;
    return n;
  };
  std::optional<long> at_first;
  for (auto deadline = Clock::now() + 90s; !at_first && Clock::now() < deadline;
       std::this_thread::sleep_for(50ms))
    at_first = held_at_most(first_wall);
  REQUIRE_MESSAGE(at_first, "the JVM logged nothing after the first snapshot");
  for (auto deadline = Clock::now() + 90s;
       !(!logged().empty() && logged().back().n >= *at_first + kGrowth) && Clock::now() < deadline;
       std::this_thread::sleep_for(50ms))
    REQUIRE_MESSAGE(!jvm.wait(1ms), "java ended early: " << jvm.err());
  REQUIRE_MESSAGE((!logged().empty() && logged().back().n >= *at_first + kGrowth), "the JVM did not leak " << kGrowth << " Deflaters in 90 s");
  // A snapshot begun after the log line that says so (one in progress
  // meanwhile began before it).
  double reached = 0;
  for (const Logged& l : logged())
    if (l.n >= *at_first + kGrowth) {
      reached = l.wall;
      break;
    }
  bool past = false;
  for (auto deadline = Clock::now() + 60s; !past && Clock::now() < deadline; std::this_thread::sleep_for(50ms))
    if (auto listed = snap::read_manifest(dir.string())) past = listed->snapshots.back().wall > reached;
  REQUIRE_MESSAGE(past, "no snapshot after the leak in 60 s: " << collector.err());
  collector.signal(SIGTERM);
  auto status = collector.wait(60s);
  REQUIRE(status);
  CHECK_MESSAGE(*status == 0, collector.err());
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  REQUIRE(m->snapshots.size() >= 2);
  for (const auto& e : m->snapshots) REQUIRE_MESSAGE(e.nmt, "no NMT saved beside " << e.file);
  // What the JVM's log says it leaked between the first and last snapshot.
  const long grown = held_at_least(m->snapshots.back().wall) - *at_first;
  REQUIRE(grown >= kGrowth);
  const std::int64_t written = std::int64_t{grown} * (192 << 10);  // per Deflater, see ZlibLeak.java

  // snapdiff DIR joins the NMT files the manifest names, by itself.
  Run d = run({SNAPDIFF_EXE, "--json", dir.string()}, tmp.path / "snapdiff", 60s);
  REQUIRE(d.status);
  REQUIRE_MESSAGE(*d.status == 1, d.err);
  CHECK(contains(d.err, "joining the NMT files the collection saved"));
  const auto j = nlohmann::json::parse(d.out);
  const auto& nmt = j.at("nmt");
  CAPTURE(nmt.dump(2));
  CAPTURE(grown);
  CHECK(nmt.at("verdict") == "untracked_native");
  // At least what the log says was written, outside NMT: zlib's malloc.
  const std::int64_t outside = nmt.at("outside_not_file");
  CHECK(outside >= written);
  CHECK(outside >= std::int64_t{32} << 20);
  CHECK(nmt.at("inside").get<std::int64_t>() < outside / 4);
  CHECK(nmt.at("malloc_growth").get<std::int64_t>() < outside / 2);
  REQUIRE(!nmt.at("suspects").empty());
  CHECK(nmt.at("suspects")[0].at("outside").get<std::int64_t>() >= std::int64_t{16} << 20);

  // First against last, every block: the Java heap is named from NMT.
  const auto& first = m->snapshots.front();
  const auto& last = m->snapshots.back();
  Run two = run({SNAPDIFF_EXE, "--json", "--all", "--top", "100000", "--nmt", (dir / *first.nmt).string(), "--nmt",
                 (dir / *last.nmt).string(), (dir / first.file).string(), (dir / last.file).string()},
                tmp.path / "two", 60s);
  REQUIRE(two.status);
  CHECK(*two.status == 1);
  const auto t = nlohmann::json::parse(two.out);
  bool heap = false;
  for (const auto& b : t.at("blocks"))
    if (b.at("category") == "java-heap") {
      heap = true;
      CHECK(b.at("nmt").at("categories") == nlohmann::json::array({"Java Heap"}));
    }
  CHECK(heap);
  CHECK(t.at("nmt").at("verdict") == "untracked_native");
}

// ---------------------------------------------------------------------------
// Collections that must not lie: a read cut short by the target's death, a
// pid taken over by another process, two collectors in one directory, a
// duration overrun, files others can read, a hangup, a pid with no memory
// map.

namespace {

/// The manifest as JSON, for the fields the library need not know.
nlohmann::json manifest_json_of(const fs::path& dir) {
  return nlohmann::json::parse(slurp(dir / "manifest.json"));
}

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// The cgroup /proc/PID/cgroup names for `version`: "N:memory:/path" (v1)
/// or "0::/path" (v2); "" when none.
std::string cgroup_of(pid_t pid, int version) {
  std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/cgroup"));
  for (std::string line; std::getline(in, line);) {
    if (version == 2 && line.starts_with("0::")) return line.substr(3);
    const auto at = line.find(":memory:");
    if (version == 1 && at != std::string::npos) return line.substr(at + 8);
  }
  return "";
}

/// many_maps with `n` mappings; returns once it is ready.
std::unique_ptr<Process> many_maps(long n, const fs::path& logs) {
  auto p = std::make_unique<Process>(std::vector<std::string>{SNAP_MANY_MAPS_EXE, std::to_string(n)}, logs);
  const auto deadline = Clock::now() + 10s;
  while (!contains(p->out(), "ready") && Clock::now() < deadline) {
    REQUIRE_MESSAGE(!p->wait(5ms), "many_maps ended early: " << p->err());
  }
  REQUIRE(contains(p->out(), "ready"));
  return p;
}

}  // namespace

TEST_CASE("a target killed during a read: the cut read is discarded and said, never kept as a snapshot") {
  for (const std::string format : {"smaps", "pmap-x", "light"}) {
    CAPTURE(format);
    // A light read (maps + pagemap) written as smaps with fewer keys.
    const std::vector<std::string> how =
        format == "light" ? std::vector<std::string>{"--mode", "light"} : std::vector<std::string>{"--format", format};
    TempDir tmp;
    int discards = 0, attempts = 0;
    // Reads follow each other 1 ms apart: SIGKILL half a read after a
    // snapshot is listed lands during the next read nearly always; until
    // one did, at most 12 runs.
    for (; attempts < 12 && discards == 0; ++attempts) {
      CAPTURE(attempts);
      const fs::path logs = tmp.path / std::to_string(attempts);
      auto target = many_maps(30000, logs / "target");
      const pid_t pid = target->pid();
      const std::size_t mappings = line_count(slurp("/proc/" + std::to_string(pid) + "/maps"));
      REQUIRE(mappings > 30000);
      const std::string cgroup_v1 = cgroup_of(pid, 1), cgroup_v2 = cgroup_of(pid, 2);
      const fs::path dir = logs / "hunt";
      Process collector(snapcollect({"-p", std::to_string(pid), "--interval", "1ms", "--quiet", how[0], how[1],
                                     "--out", dir.string()}),
                        logs / "collector");
      auto listed = wait_for_snapshots(dir, 2, 30s);
      REQUIRE_MESSAGE(listed, "no 2 snapshots in 30 s: " << collector.err());
      std::this_thread::sleep_for(std::chrono::duration<double>(listed->snapshots.back().read_seconds / 2));
      target->kill_and_reap();  // as the OOM killer would
      Run r;
      r.status = collector.wait(20s);
      r.err = collector.err();
      REQUIRE(r.status);
      CAPTURE(r.err);
      CHECK(*r.status == 0);  // neither --count nor --duration: the end asked for
      auto m = snap::read_manifest(dir.string());
      REQUIRE(m);
      CHECK(m->end_reason == "target exited");
      REQUIRE(!m->snapshots.empty());
      // Every snapshot kept is whole: the target had that many mappings
      // from before the first read to its death.
      for (const auto& e : m->snapshots) {
        CAPTURE(e.file);
        CHECK(e.mappings == mappings);
        // The cgroup is the target's, never the root's a dead process shows.
        REQUIRE(e.cgroup);
        CHECK(e.cgroup->path == (e.cgroup->version == 1 ? cgroup_v1 : cgroup_v2));
      }
      check_collection(dir, *m, format == "pmap-x" ? snap::Format::pmap_x : snap::Format::smaps);
      const auto j = manifest_json_of(dir);
      if (contains(r.err, "discarded")) {
        ++discards;
        CHECK(contains(r.err, "pid " + std::to_string(pid) + " exited during the read"));
        CHECK(contains(r.err, ": target exited (1 read discarded: the process exited or exec'd during it)"));
        REQUIRE(j.contains("discarded"));
        REQUIRE(j["discarded"].size() == 1);
        const auto& d = j["discarded"][0];
        CHECK(d.at("reason") == "the process exited during the read");
        CHECK(d.at("wall").get<double>() > m->snapshots.back().wall);
        // Cut short, or whole and followed by the death (the threads and
        // cgroup read after it were then a dying process's): never more.
        CHECK(d.at("mappings").get<std::size_t>() <= mappings);
        // snapdiff DIR says it (and that what it compares is whole).
        if (m->snapshots.size() >= 2) {
          Run sd = run({SNAPDIFF_EXE, dir.string()}, logs / "snapdiff", 60s);
          REQUIRE(sd.status);
          CHECK(contains(sd.out, "note: 1 read was discarded: the process died during it (the last snapshot kept "
                                 "is complete)\n"));
          Run sj = run({SNAPDIFF_EXE, "--json", dir.string()}, logs / "snapdiff-json", 60s);
          REQUIRE(sj.status);
          CHECK(nlohmann::json::parse(sj.out).at("collection").at("collections").at(0).at("discarded_died") == 1);
        }
      } else {
        CHECK((!j.contains("discarded") || j["discarded"].empty()));
      }
    }
    CHECK_MESSAGE(discards > 0, "no run of " << attempts << " saw the target die during a read");
  }
}

TEST_CASE("-p: a new process given the same pid is not collected; exit 3 with --count") {
  if (::getuid() != 0) {
    MESSAGE("SKIPPED: forcing a pid (ns_last_pid in a new pid namespace) needs root");
    return;
  }
  TempDir tmp;
  const fs::path dir = tmp.path / "hunt";
  // In a pid namespace of its own, where ns_last_pid can be set: the target
  // is killed while snapcollect is stopped, and a new `sleep` given its pid
  // before snapcollect runs again.
  const std::string script = R"(
    sleep 60 & T=$!
    ")" + std::string(SNAPCOLLECT_EXE) + R"(" -p $T --interval 100ms --count 30 --quiet --out "$1" & C=$!
    sleep 0.6
    kill -STOP $C
    date +%s.%N > "$2/killed"
    kill -9 $T; wait $T
    echo $((T - 1)) > /proc/sys/kernel/ns_last_pid
    sleep 60 & N=$!
    echo "target=$T new=$N"
    kill -CONT $C
    wait $C; echo "snapcollect=$?"
    kill $N
  )";
  Run r = run({"unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", script, "sh", dir.string(),
               tmp.path.string()},
              tmp.path / "logs", 20s);
  REQUIRE(r.status);
  CAPTURE(r.out);
  CAPTURE(r.err);
  if (*r.status != 0 && !contains(r.out, "target=")) {
    MESSAGE("SKIPPED: no pid namespace here");
    return;
  }
  std::smatch pids;
  REQUIRE(std::regex_search(r.out, pids, std::regex("target=([0-9]+) new=([0-9]+)")));
  REQUIRE_MESSAGE(pids[1] == pids[2], "the pid was not reused");
  CHECK(contains(r.out, "snapcollect=3\n"));
  CHECK(contains(r.err, "pid " + pids[1].str() + " ended"));
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  CHECK(m->end_reason == "target exited");
  CHECK(!m->snapshots.empty());
  CHECK(m->snapshots.size() < 30);
  const double killed = std::stod(slurp(tmp.path / "killed"));
  for (const auto& e : m->snapshots) {
    CAPTURE(e.file);
    CHECK(e.wall < killed);  // none of the new process
  }
  check_collection(dir, *m, snap::Format::smaps);
}

TEST_CASE("-p: an exec in place is noted in the manifest, the collection goes on") {
  TempDir tmp;
  Process target({"sh", "-c", "sleep 1; exec sleep 5"}, tmp.path / "target");
  const fs::path dir = tmp.path / "hunt";
  Run r = run(snapcollect({"-p", std::to_string(target.pid()), "--interval", "200ms", "--duration", "2s",
                           "--quiet", "--out", dir.string()}),
              tmp.path / "logs");
  REQUIRE(r.status);
  CAPTURE(r.err);
  CHECK(*r.status == 0);
  CHECK(contains(r.err, "pid " + std::to_string(target.pid()) + " exec'd: its command is now \"sleep 5\""));
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  CHECK(m->end_reason == "duration reached");
  CHECK(m->command == "sh -c sleep 1; exec sleep 5");
  const auto j = manifest_json_of(dir);
  // The first snapshot after the exec names the new command; the others null.
  int noted = 0;
  bool after = false;
  for (const auto& s : j.at("snapshots")) {
    CAPTURE(s.at("file"));
    REQUIRE(s.contains("command"));
    if (!s["command"].is_null()) {
      CHECK(s["command"] == "sleep 5");
      CHECK(!after);
      ++noted;
      after = true;
    }
  }
  CHECK(noted == 1);
  CHECK(j.at("snapshots")[0].at("command").is_null());
  CHECK(m->snapshots.size() >= 8);  // it went on past the exec
  check_collection(dir, *m, snap::Format::smaps);
  // snapdiff DIR notes the exec between the two snapshots the manifest says.
  std::string file_before, file_after;
  for (std::size_t i = 1; i < m->snapshots.size(); ++i)
    if (m->snapshots[i].command) {
      file_before = m->snapshots[i - 1].file;
      file_after = m->snapshots[i].file;
    }
  REQUIRE(!file_after.empty());
  Run d = run({SNAPDIFF_EXE, dir.string()}, tmp.path / "snapdiff");
  REQUIRE(d.status);
  CAPTURE(d.err);
  CHECK(*d.status <= 1);
  CHECK(contains(d.out, "note: the process exec'd between " + file_before + " and " + file_after +
                            ": \"sleep 5\" (was \"sh -c sleep 1; exec sleep 5\")\n"));
  // The exec may land during a read (reads every 200 ms, on a busy
  // machine): that read is discarded, said, and snapdiff says so too.
  const bool exec_during_read = contains(r.err, "exec'd during the read");
  CHECK(contains(d.out, "discarded") == exec_during_read);
  CHECK(!contains(d.out, "skipped"));
  Run dj = run({SNAPDIFF_EXE, "--json", dir.string()}, tmp.path / "snapdiff-json");
  REQUIRE(dj.status);
  const auto c = nlohmann::json::parse(dj.out).at("collection");
  REQUIRE(c.at("collections").size() == 1);
  const auto& execs = c["collections"][0].at("execs");
  REQUIRE(execs.size() == 1);
  CHECK(execs[0].at("before") == file_before);
  CHECK(execs[0].at("after") == file_after);
  CHECK(execs[0].at("command") == "sleep 5");
  CHECK(execs[0].at("was") == "sh -c sleep 1; exec sleep 5");
  CHECK(c["collections"][0].at("slots_skipped") == 0);
}

namespace {

std::string to_hex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

// ESC [ 2 J, the one-byte C1 CSI (U+009B) and a byte that is not UTF-8, as
// the hostile-names fixture names its thread: 10 bytes, so that all of it is
// the comm (15 bytes at most) of a program of that name.
const std::string kHostileName = "\x1b[2J\xc2\x9bthr\xff";

/// A copy of the threads fixture at DIR/bin/kHostileName: its argv[0] and
/// its comm carry the hostile bytes.
fs::path hostile_threads_exe(const fs::path& dir) {
  fs::create_directories(dir / "bin");
  const fs::path exe = dir / "bin" / kHostileName;
  fs::copy_file(SNAP_THREADS_EXE, exe);
  fs::permissions(exe, fs::perms::owner_all);
  return exe;
}

}  // namespace

TEST_CASE("a command line and thread name that are not UTF-8: manifest.json keeps the bytes (KEY_hex), never U+FFFD") {
  TempDir tmp;
  const fs::path exe = hostile_threads_exe(tmp.path);
  const fs::path dir = tmp.path / "hunt";
  Run r = run(snapcollect({"--count", "2", "--interval", "100ms", "--quiet", "--out", dir.string(), "--",
                           exe.string(), "0", "0", "0"}),
              tmp.path / "logs");
  REQUIRE(r.status);
  CAPTURE(r.err);
  CHECK(*r.status == 0);
  const std::string command = exe.string() + " 0 0 0";
  const std::string raw = slurp(dir / "manifest.json");
  CHECK(!contains(raw, "\xef\xbf\xbd"));  // U+FFFD: the bytes would be lost
  const auto j = nlohmann::json::parse(raw);
  CHECK(j.at("command") == snap::printable(command));
  CHECK(j.at("command_hex") == to_hex(command));
  REQUIRE(j.at("snapshots").size() == 2);
  for (const auto& s : j.at("snapshots")) {
    const auto& threads = s.at("threads");
    REQUIRE(threads.size() == 1);  // the fixture with 0 workers: its main thread
    CHECK(threads[0].at("name") == snap::printable(kHostileName));
    CHECK(threads[0].at("name_hex") == to_hex(kHostileName));
  }
  // Read back: the original bytes, not the escaped form.
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  CHECK(m->command == command);
  CHECK(m->snapshots.at(0).threads.at(0).name == kHostileName);
  // snapdiff DIR gets the real bytes from the manifest and writes them in
  // its own JSON the same way.
  Run d = run({SNAPDIFF_EXE, "--json", dir.string()}, tmp.path / "snapdiff");
  REQUIRE(d.status);
  CAPTURE(d.err);
  CHECK(*d.status <= 1);
  const auto dj = nlohmann::json::parse(d.out);
  for (const auto& s : dj.at("snapshots")) CHECK(s.at("command_hex") == to_hex(command));
}

namespace {

/// Every byte of `text` that could act on a terminal: C0 controls but \n
/// and \t, DEL, a C1 control (U+0080..U+009F as two bytes), or any byte of
/// text that is not UTF-8. "" when there is none, else where the first is.
std::string raw_control(const std::string& text) {
  if (!snap::valid_utf8(text)) return "not UTF-8";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool c1 = c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9f;
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || c1)
      return fmt::format("byte {:#04x} at {}: {}", c, i, snap::printable(text.substr(i > 40 ? i - 40 : 0, 80)));
  }
  return "";
}

}  // namespace

TEST_CASE("snapcollect's own messages: a hostile --out and command reach stderr only escaped") {
  TempDir tmp;
  const fs::path exe = hostile_threads_exe(tmp.path);
  const fs::path dir = tmp.path / ("out\x1b]0;pwned\x07" + std::string("\xc2\x9b") + "2J\xff");
  const std::string command = exe.string() + " 0 0 0";
  // An exec in place: snapcollect names the new command.
  Process target({"sh", "-c", "sleep 0.5; exec \"$0\" 0 0 0", exe.string()}, tmp.path / "target");
  Run r = run(snapcollect({"-p", std::to_string(target.pid()), "--interval", "200ms", "--duration", "1.5s",
                           "--out", dir.string()}),
              tmp.path / "logs");
  REQUIRE(r.status);
  CAPTURE(snap::printable(r.err));
  CHECK(*r.status == 0);
  CHECK(raw_control(r.err) == "");
  CHECK(contains(r.err, "its command is now \"" + snap::printable(command) + "\""));
  CHECK(contains(r.err, " in " + snap::printable(dir.string()) + ": "));
  // The manifest is there: a second collection into it is refused, naming it.
  Run again = run(snapcollect({"-p", std::to_string(target.pid()), "--count", "1", "--out", dir.string()}),
                  tmp.path / "logs2");
  REQUIRE(again.status);
  CAPTURE(snap::printable(again.err));
  CHECK(*again.status == 2);
  CHECK(raw_control(again.err) == "");
  CHECK(contains(again.err, snap::printable(dir.string()) + " already holds a collection"));
  // A command that cannot run, named as given.
  const std::string missing = (tmp.path / "no\x1b[2Jsuch\xff").string();
  Run cannot = run(snapcollect({"--count", "1", "--out", (tmp.path / "c").string(), "--", missing}),
                   tmp.path / "logs3");
  REQUIRE(cannot.status);
  CAPTURE(snap::printable(cannot.err));
  CHECK(*cannot.status == 127);
  CHECK(raw_control(cannot.err) == "");
  CHECK(contains(cannot.err, "cannot run " + snap::printable(missing)));
}

TEST_CASE("two snapcollects into one --out: the second is refused, exit 2; the first's collection whole") {
  TempDir tmp;
  Process target(threads_fixture(0, 0), tmp.path / "target");
  const fs::path dir = tmp.path / "hunt";
  auto args = snapcollect({"-p", std::to_string(target.pid()), "--delay", "700ms", "--interval", "100ms",
                           "--count", "3", "--quiet", "--out", dir.string()});
  Process first(args, tmp.path / "first");
  std::this_thread::sleep_for(200ms);  // the first holds the directory, no manifest yet
  REQUIRE(!fs::exists(dir / "manifest.json"));
  Run second = run(args, tmp.path / "second");
  auto status = first.wait();
  REQUIRE(status);
  CHECK(*status == 0);
  REQUIRE(second.status);
  CAPTURE(second.err);
  CHECK(*second.status == 2);
  CHECK(contains(second.err, dir.string() + " is in use by another snapcollect"));
  CHECK(second.seconds < 0.6);  // refused at once, not after its delay
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  CHECK(m->snapshots.size() == 3);
  check_collection(dir, *m, snap::Format::smaps);
}

TEST_CASE("--duration with reads longer than the interval: stops on time, slots skipped and said") {
  TempDir tmp;
  // 5,000 mappings: reads of tens of ms (past a second on a loaded machine),
  // 2,000 slots of 1 ms in the 2 s: caught up on, they would take minutes.
  auto target = many_maps(5000, tmp.path / "target");
  const fs::path dir = tmp.path / "hunt";
  Run r = run(snapcollect({"-p", std::to_string(target->pid()), "--interval", "1ms", "--duration", "2s",
                           "--format", "pmap-x", "--quiet", "--out", dir.string()}),
              tmp.path / "logs", 15s);
  REQUIRE(r.status);
  CAPTURE(r.err);
  CHECK(*r.status == 0);
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  CHECK(m->end_reason == "duration reached");
  REQUIRE(m->snapshots.size() >= 2);
  double slowest = 0;
  for (const auto& e : m->snapshots) slowest = std::max(slowest, e.read_seconds);
  REQUIRE(slowest > 0.002);  // reads longer than the interval
  // No snapshot begins past the duration; the run ends within one snapshot of it.
  // A snapshot is more than its read (writing, and under ASan formatting, can
  // take ten times as long): the longest is the longest gap between two
  // snapshots' starts, every slot between them having been overrun.
  CHECK(m->snapshots.back().monotonic - m->snapshots.front().monotonic <= 2.05);
  double longest = slowest;
  for (std::size_t i = 1; i < m->snapshots.size(); ++i)
    longest = std::max(longest, m->snapshots[i].monotonic - m->snapshots[i - 1].monotonic);
  CAPTURE(longest);
  CHECK(r.seconds < 2.0 + 0.5 + 2 * longest);
  CHECK(contains(r.err, "longer than the 1ms interval"));
  const auto j = manifest_json_of(dir);
  REQUIRE(j.contains("slots_skipped"));
  CHECK(j["slots_skipped"].get<std::uint64_t>() > 0);
  CHECK(contains(r.err, fmt::format("{} interval slots skipped", j["slots_skipped"].get<std::uint64_t>())));
  // snapdiff DIR says so, in the text and in the JSON.
  const auto skipped = j["slots_skipped"].get<std::uint64_t>();
  Run d = run({SNAPDIFF_EXE, dir.string()}, tmp.path / "snapdiff", 60s);
  REQUIRE(d.status);
  CAPTURE(d.err);
  CHECK(*d.status <= 1);
  CHECK(contains(d.out, fmt::format("note: {} slot{} skipped: reads took longer than the 1ms interval\n", skipped,
                                    skipped == 1 ? " was" : "s were")));
  Run dj = run({SNAPDIFF_EXE, "--json", dir.string()}, tmp.path / "snapdiff-json", 60s);
  REQUIRE(dj.status);
  const auto c = nlohmann::json::parse(dj.out).at("collection");
  REQUIRE(c.at("collections").size() == 1);
  CHECK(c["collections"][0].at("slots_skipped") == skipped);
  CHECK(c["collections"][0].at("interval").get<double>() == doctest::Approx(0.001));
  CHECK(c["collections"][0].at("discarded_died") == 0);
  CHECK(c["collections"][0].at("execs").empty());
}

TEST_CASE("files are private: directories 0700, files 0600; an unsafe --out is refused") {
  TempDir tmp;
  Process target(threads_fixture(1, 10), tmp.path / "target");
  const std::string pid = std::to_string(target.pid());
  SUBCASE("new directories 0700, files 0600, even under umask 000") {
    const fs::path dir = tmp.path / "a" / "b" / "hunt";
    Run r = run({"sh", "-c", "umask 000; exec \"$@\"", "sh", SNAPCOLLECT_EXE, "-p", pid, "--interval", "100ms",
                 "--count", "2", "--quiet", "--out", dir.string()},
                tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 0);
    for (const fs::path& d : {tmp.path / "a", tmp.path / "a" / "b", dir}) {
      struct stat st {};
      REQUIRE(::stat(d.c_str(), &st) == 0);
      CAPTURE(d);
      CHECK((st.st_mode & 07777) == 0700);
    }
    REQUIRE(names(dir).size() == 3);
    for (const auto& n : names(dir)) {
      struct stat st {};
      REQUIRE(::stat((dir / n).c_str(), &st) == 0);
      CAPTURE(n);
      CHECK((st.st_mode & 07777) == 0600);
    }
  }
  SUBCASE("a stricter umask is obeyed (0277: files 0400), a looser one (027) cannot open them up") {
    for (const auto& umask_mode : {std::pair{"0277", 0400}, std::pair{"027", 0600}}) {
      // Not a structured binding: CAPTURE's lambda cannot take one in clang 14.
      const std::string umask = umask_mode.first;
      const int mode = umask_mode.second;
      CAPTURE(umask);
      const fs::path dir = tmp.path / (std::string("hunt-") + umask);
      fs::create_directories(dir);  // 0277 would leave a new directory unusable (0500)
      Run r = run({"sh", "-c", std::string("umask ") + umask + "; exec \"$@\"", "sh", SNAPCOLLECT_EXE, "-p", pid,
                   "--interval", "100ms", "--count", "1", "--quiet", "--out", dir.string()},
                  tmp.path / "logs");
      REQUIRE(r.status);
      CAPTURE(r.err);
      CHECK(*r.status == 0);
      for (const char* name : {"smaps.0001", "manifest.json"}) {
        struct stat st {};
        REQUIRE(::stat((dir / name).c_str(), &st) == 0);
        CAPTURE(name);
        CHECK(static_cast<int>(st.st_mode & 07777) == mode);
      }
    }
  }
  if (::getuid() != 0) return;  // the cases below need another user's files
  SUBCASE("--out owned by another user: refused, exit 2, nothing written") {
    const fs::path dir = tmp.path / "theirs";
    fs::create_directories(dir);
    REQUIRE(::chown(dir.c_str(), 65534, 65534) == 0);
    Run r = run(snapcollect({"-p", pid, "--interval", "100ms", "--count", "1", "--quiet", "--out", dir.string()}),
                tmp.path / "logs");
    REQUIRE(r.status);
    CAPTURE(r.err);
    CHECK(*r.status == 2);
    CHECK(contains(r.err, dir.string() + " belongs to another user (uid 65534)"));
    CHECK(names(dir).empty());
  }
  SUBCASE("--out through another user's symlink in a sticky directory: refused") {
    const fs::path sticky = tmp.path / "sticky", real = tmp.path / "real";
    fs::create_directories(sticky);
    fs::create_directories(real);
    REQUIRE(::chmod(sticky.c_str(), 01777) == 0);
    fs::create_directory_symlink(real, sticky / "link");
    REQUIRE(::lchown((sticky / "link").c_str(), 65534, 65534) == 0);
    Run r = run(snapcollect({"-p", pid, "--interval", "100ms", "--count", "1", "--quiet", "--out",
                             (sticky / "link" / "hunt").string()}),
                tmp.path / "logs");
    REQUIRE(r.status);
    CAPTURE(r.err);
    CHECK(*r.status == 2);
    CHECK(contains(r.err, (sticky / "link").string() + " is another user's symlink in a sticky directory"));
    CHECK(names(real).empty());
  }
}

TEST_CASE("SIGHUP (the terminal closed): handled like SIGTERM; under nohup ignored") {
  TempDir tmp;
  Process target(threads_fixture(1, 20), tmp.path / "target");
  SUBCASE("SIGHUP: exit 0, the manifest closed, no temporary file") {
    const fs::path dir = tmp.path / "hunt";
    Process collector(snapcollect({"-p", std::to_string(target.pid()), "--interval", "50ms", "--quiet", "--out",
                                   dir.string()}),
                      tmp.path / "collector");
    REQUIRE(wait_for_snapshots(dir, 3));
    collector.signal(SIGHUP);
    auto status = collector.wait(5s);
    REQUIRE(status);
    CHECK(*status == 0);
    auto m = snap::read_manifest(dir.string());
    REQUIRE(m);
    CHECK(m->end_reason == "interrupted");
    check_collection(dir, *m, snap::Format::smaps);
    CHECK(contains(collector.err(), ": interrupted\n"));
  }
  SUBCASE("SIGHUP ignored when started (nohup): the collection goes on") {
    const fs::path dir = tmp.path / "hunt";
    Process collector({"sh", "-c", "trap '' HUP; exec \"$@\"", "sh", SNAPCOLLECT_EXE, "-p",
                       std::to_string(target.pid()), "--interval", "50ms", "--count", "8", "--quiet", "--out",
                       dir.string()},
                      tmp.path / "collector");
    REQUIRE(wait_for_snapshots(dir, 2));
    collector.signal(SIGHUP);
    auto status = collector.wait(5s);
    REQUIRE(status);
    CHECK(*status == 0);
    auto m = snap::read_manifest(dir.string());
    REQUIRE(m);
    CHECK(m->end_reason == "count reached");
    CHECK(m->snapshots.size() == 8);
  }
}

TEST_CASE("-p: a zombie, a kernel thread, a missing pid: said what it is, exit 2, nothing left behind") {
  TempDir tmp;
  SUBCASE("a zombie") {
    Process z({"true"}, tmp.path / "zombie");
    const std::string stat = "/proc/" + std::to_string(z.pid()) + "/stat";
    const auto deadline = Clock::now() + 5s;
    while (!contains(slurp(stat), ") Z ") && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    REQUIRE(contains(slurp(stat), ") Z "));
    const fs::path out = tmp.path / "hunt";
    Run r = run(snapcollect({"-p", std::to_string(z.pid()), "--quiet", "--out", out.string()}), tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 2);
    CHECK(r.err == fmt::format("snapcollect: pid {} is a zombie: it has exited, its parent has not reaped it; "
                               "it has no memory map\n",
                               z.pid()));
    CHECK(!fs::exists(out));
  }
  SUBCASE("a kernel thread") {
    // kthreadd is pid 2 where the kernel's threads are visible (not in a container's pid namespace).
    if (!contains(slurp("/proc/2/stat"), "(kthreadd)")) {
      MESSAGE("SKIPPED: no kthreadd at pid 2 here");
      return;
    }
    const fs::path out = tmp.path / "hunt";
    Run r = run(snapcollect({"-p", "2", "--quiet", "--out", out.string()}), tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 2);
    CHECK(r.err == "snapcollect: pid 2 (kthreadd) is a kernel thread: it has no memory map\n");
    CHECK(!fs::exists(out));
  }
  SUBCASE("a missing pid; then a retry into the same --out works") {
    const fs::path out = tmp.path / "hunt";
    Run r = run(snapcollect({"-p", "4194304", "--quiet", "--out", out.string()}), tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 2);
    CHECK(r.err == "snapcollect: no process 4194304\n");
    CHECK(!fs::exists(out));
    Process target(threads_fixture(0, 0), tmp.path / "target");
    Run retry = run(snapcollect({"-p", std::to_string(target.pid()), "--count", "1", "--quiet", "--out",
                                 out.string()}),
                    tmp.path / "logs2");
    REQUIRE(retry.status);
    CHECK(*retry.status == 0);
  }
}

TEST_CASE("--out that cannot be created: said, without a hint about another user's process") {
  if (::getuid() != 0 || which("setpriv").empty()) {
    MESSAGE("SKIPPED: needs root and setpriv, to be a user who cannot write a directory");
    return;
  }
  TempDir tmp;
  REQUIRE(::chmod(tmp.path.c_str(), 0755) == 0);  // root's: nobody cannot create in it
  const fs::path out = tmp.path / "hunt";
  std::vector<std::string> cmd = {which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups"};
  for (auto& a : snapcollect({"--count", "1", "--quiet", "--out", out.string(), "--", "sleep", "5"}))
    cmd.push_back(a);
  Run r = run(cmd, tmp.path / "logs");
  REQUIRE(r.status);
  CAPTURE(r.err);
  CHECK(*r.status == 2);
  CHECK(contains(r.err, "cannot create " + out.string() + ": Permission denied"));
  CHECK(!contains(r.err, "another user's process"));
  CHECK(!fs::exists(out));
}

TEST_CASE("-p with a negative or zero pid: refused, exit 2, a clear error") {
  TempDir tmp;
  const fs::path out = tmp.path / "never";
  for (std::vector<std::string> args : {std::vector<std::string>{"-p", "-1"},
                                        {"-p", "-4242"},
                                        {"--pid=-7"},
                                        {"-p", "0"},
                                        {"--pid", "0"}}) {
    CAPTURE(args[0]);
    CAPTURE(args.back());
    args.push_back("--out");
    args.push_back(out.string());
    Run r = run(snapcollect(args), tmp.path / "logs");
    REQUIRE(r.status);
    CHECK(*r.status == 2);
    CHECK(contains(r.err, "snapcollect: -p: a pid is a positive number"));
  }
  // Past pid_t, it would be cut down to another process's pid (2^32 + 1: pid 1).
  Run r = run(snapcollect({"-p", "4294967297", "--count", "1", "--out", out.string()}), tmp.path / "logs");
  REQUIRE(r.status);
  CHECK(*r.status == 2);
  CHECK(r.err.starts_with("snapcollect: -p: a pid is a positive number; 4294967297 is past the largest, 2147483647\n"));
  CHECK(!fs::exists(out));
}

TEST_CASE("-p: a process whose name holds \") Z (\" is not taken for a zombie") {
  // /proc/PID/stat puts the name in parentheses; the state follows the last ')'.
  TempDir tmp;
  const fs::path exe = tmp.path / "a) Z 1 (b";
  fs::copy_file(SNAP_THREADS_EXE, exe);
  fs::permissions(exe, fs::perms::owner_all);
  Process target({exe.string(), "0", "0", "0"}, tmp.path / "target");
  REQUIRE(contains(slurp("/proc/" + std::to_string(target.pid()) + "/stat"), "(a) Z 1 (b)"));
  const fs::path dir = tmp.path / "hunt";
  Run r = run(snapcollect({"-p", std::to_string(target.pid()), "--count", "2", "--interval", "100ms", "--quiet",
                           "--out", dir.string()}),
              tmp.path / "logs");
  REQUIRE(r.status);
  CAPTURE(r.err);
  CHECK(*r.status == 0);
  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  CHECK(m->snapshots.size() == 2);
}

TEST_CASE("-- COMMAND that exits at once: its own exit status, not refused as a zombie") {
  TempDir tmp;
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    const fs::path dir = tmp.path / std::to_string(i);
    // --delay: it has exited (often before snapcollect even looks at it)
    // by the first snapshot.
    Run r = run(snapcollect({"--count", "1", "--delay", "2s", "--quiet", "--out", dir.string(), "--", "sh", "-c",
                             "exit 5"}),
                tmp.path / "logs");
    REQUIRE(r.status);
    CAPTURE(r.err);
    CHECK(*r.status == 5);
    CHECK(r.seconds < 1.5);
    CHECK(contains(r.err, "exited before the first snapshot"));
    CHECK(!contains(r.err, "zombie"));
  }
}

namespace {

/// The grower's own log: (wall, bytes leaked by then), one per step.
std::vector<std::pair<double, std::uint64_t>> grower_log(const std::string& out) {
  std::vector<std::pair<double, std::uint64_t>> steps;
  static const std::regex kStep(R"(leaked (\d+) at ([0-9.]+))");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), kStep); it != std::sregex_iterator(); ++it)
    steps.emplace_back(std::stod((*it)[2].str()), std::stoull((*it)[1].str()));
  return steps;
}

/// Bytes leaked by `wall`, by the log.
std::uint64_t leaked_by(const std::vector<std::pair<double, std::uint64_t>>& log, double wall) {
  std::uint64_t bytes = 0;
  for (auto [w, b] : log)
    if (w <= wall) bytes = b;
  return bytes;
}

/// The [heap] row's growth in K, from a snapdiff report (two snapshots or a trend).
std::optional<std::uint64_t> heap_growth_k(const std::string& report) {
  std::istringstream in(report);
  static const std::regex kHeap(R"(\+(\d+)K\s.*\[heap\])");
  for (std::string line; std::getline(in, line);) {
    std::smatch g;
    if (std::regex_search(line, g, kHeap)) return std::stoull(g[1].str());
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("--mode adaptive on a real leaker: full at the ends, light between; snapdiff finds the leak its log says") {
  TempDir tmp;
  constexpr std::uint64_t kStep = 256 << 10;  // leaked every 100 ms
  Process grower({SNAP_GROWER_EXE, "64", "256", "100"}, tmp.path / "grower");
  const auto deadline = Clock::now() + 20s;
  while (!contains(grower.out(), "ready") && Clock::now() < deadline)
    REQUIRE_MESSAGE(!grower.wait(5ms), "the grower ended early: " << grower.err());
  REQUIRE(contains(grower.out(), "ready"));
  const fs::path dir = tmp.path / "hunt";
  Run r = run(snapcollect({"-p", std::to_string(grower.pid()), "--interval", "300ms", "--count", "6", "--mode",
                           "adaptive", "--quiet", "--out", dir.string()}),
              tmp.path / "logs", 15s);
  REQUIRE(r.status);
  CHECK(*r.status == 0);
  std::this_thread::sleep_for(200ms);  // the step after the last snapshot is logged
  const auto log = grower_log(grower.out());
  grower.kill_and_reap();

  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  CHECK(m->mode == "adaptive");
  REQUIRE(m->snapshots.size() == 6);
  check_collection(dir, *m, snap::Format::smaps);
  for (std::size_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    const auto& e = m->snapshots[i];
    const bool end = i == 0 || i == 5;
    CHECK(e.mode == (end ? "full" : "light"));
    if (end) {
      CHECK(e.method == "smaps");
      CHECK(e.totals.known(snap::Field::pss));
    } else {
      CHECK((e.method == "pagemap_scan" || e.method == "pagemap_read"));
      CHECK(!e.totals.known(snap::Field::pss));
      // The lock was held per call, each far shorter than the read.
      CHECK(e.longest_hold < e.read_seconds);
    }
  }

  // Truth from the grower's log: what it leaked between two snapshots'
  // reads, to a step (a read and a step may overlap).
  auto truth_k = [&](std::size_t a, std::size_t b) {
    return (leaked_by(log, m->snapshots[b].wall) - leaked_by(log, m->snapshots[a].wall)) >> 10;
  };
  auto check_heap = [&](const std::vector<std::string>& files, std::size_t a, std::size_t b) {
    std::vector<std::string> argv{SNAPDIFF_EXE};
    for (const auto& f : files) argv.push_back(f);
    Run d = run(argv, tmp.path / ("snapdiff" + std::to_string(a) + std::to_string(b) + std::to_string(files.size())));
    REQUIRE(d.status);
    CHECK(*d.status == 1);
    CAPTURE(d.out);
    const auto grew = heap_growth_k(d.out);
    REQUIRE(grew);
    const std::uint64_t want = truth_k(a, b);
    CHECK(want >= 3 * (kStep >> 10));
    CHECK(*grew + (kStep >> 10) + 64 >= want);
    CHECK(*grew <= want + (kStep >> 10) + 64);
  };
  // The whole series (a trend over what every snapshot has: Rss), the two
  // full ends (with Pss), and two light snapshots against each other.
  check_heap({dir.string()}, 0, 5);
  check_heap({(dir / m->snapshots[0].file).string(), (dir / m->snapshots[5].file).string()}, 0, 5);
  check_heap({(dir / m->snapshots[1].file).string(), (dir / m->snapshots[4].file).string()}, 1, 4);
}

TEST_CASE("--light-method entries: light snapshots with Private and Shared; snapdiff finds the leak in them") {
  TempDir tmp;
  constexpr std::uint64_t kStep = 256 << 10;
  Process grower({SNAP_GROWER_EXE, "64", "256", "100"}, tmp.path / "grower");
  const auto deadline = Clock::now() + 20s;
  while (!contains(grower.out(), "ready") && Clock::now() < deadline)
    REQUIRE_MESSAGE(!grower.wait(5ms), "the grower ended early: " << grower.err());
  REQUIRE(contains(grower.out(), "ready"));
  const fs::path dir = tmp.path / "hunt";
  Run r = run(snapcollect({"-p", std::to_string(grower.pid()), "--interval", "300ms", "--count", "4", "--mode",
                           "light", "--light-method", "entries", "--quiet", "--out", dir.string()}),
              tmp.path / "logs", 15s);
  REQUIRE(r.status);
  CAPTURE(r.err);
  CHECK(*r.status == 0);
  std::this_thread::sleep_for(200ms);
  const auto log = grower_log(grower.out());
  grower.kill_and_reap();

  auto m = snap::read_manifest(dir.string());
  REQUIRE(m);
  REQUIRE(m->snapshots.size() == 4);
  for (const auto& e : m->snapshots) {
    CHECK(e.mode == "light");
    CHECK(e.method == "pagemap_read");
    // Every resident page is the process's alone or not: the two add up.
    REQUIRE(e.totals.known(snap::Field::private_total));
    CHECK(e.totals.value_or_zero(snap::Field::private_total) + e.totals.value_or_zero(snap::Field::shared_total) ==
          e.totals.get(snap::Field::rss));
    CHECK(e.totals.value_or_zero(snap::Field::private_total) >= 64u << 20);  // the grower's ballast, written
  }
  const std::string manifest = slurp(dir / "manifest.json");
  CHECK(contains(manifest, R"x("Private": "pagemap entries: present pages mapped by this process alone (bit 56)")x"));
  const snap::Snapshot first =
      snap::parse_snapshot(slurp(dir / m->snapshots[0].file), m->snapshots[0].file, snap::Format::smaps);
  CHECK(first.totals.get(snap::Field::private_total) == m->snapshots[0].totals.get(snap::Field::private_total));
  // USS is the private pages: Private here, where clean and dirty are not told apart.
  CHECK(snap::Measure::uss().get(first.totals) == first.totals.get(snap::Field::private_total));
  snap::SummaryOptions by_uss;
  by_uss.sort = snap::Measure::uss();
  const snap::Summary summary = snap::summarize(first, by_uss);
  REQUIRE(!summary.top.empty());
  CHECK(snap::Measure::uss().get(summary.top[0].counters) == summary.top[0].counters.get(snap::Field::private_total));
  CHECK(summary.top[0].counters.value_or_zero(snap::Field::private_total) >= 64u << 20);  // the ballast on top

  // What the grower leaked between the first and the last read (its log),
  // found by snapdiff in the light snapshots; in JSON, Private grew with it.
  const std::uint64_t want =
      (leaked_by(log, m->snapshots[3].wall) - leaked_by(log, m->snapshots[0].wall)) >> 10;
  Run d = run({SNAPDIFF_EXE, (dir / m->snapshots[0].file).string(), (dir / m->snapshots[3].file).string()},
              tmp.path / "diff");
  REQUIRE(d.status);
  CHECK(*d.status == 1);
  CAPTURE(d.out);
  const auto grew = heap_growth_k(d.out);
  REQUIRE(grew);
  CHECK(want >= 2 * (kStep >> 10));
  CHECK(*grew + (kStep >> 10) + 64 >= want);
  CHECK(*grew <= want + (kStep >> 10) + 64);
  Run j = run({SNAPDIFF_EXE, "--json", (dir / m->snapshots[0].file).string(), (dir / m->snapshots[3].file).string()},
              tmp.path / "json");
  REQUIRE(j.status);
  CHECK(*j.status == 1);
  CHECK(contains(j.out, "\"private\""));
  CHECK(contains(j.out, "\"shared\""));
}

TEST_CASE("--mode and --full-every: bad values refused, exit 2") {
  TempDir tmp;
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--mode", "fast"}, {"--mode", "light", "--format", "pmap-x"},
        {"--full-every", "0"}, {"--mode", "full", "--full-every", "3"}, {"--light-method", "fast"},
        {"--mode", "full", "--light-method", "entries"}}) {
    std::vector<std::string> argv = snapcollect({"-p", std::to_string(::getpid()), "--out", (tmp.path / "x").string()});
    argv.insert(argv.end(), bad.begin(), bad.end());
    Run r = run(argv, tmp.path / "logs");
    CAPTURE(r.err);
    REQUIRE(r.status);
    CHECK(*r.status == 2);
    CHECK(r.err.starts_with("snapcollect: "));
    CHECK(!fs::exists(tmp.path / "x"));
  }
}
