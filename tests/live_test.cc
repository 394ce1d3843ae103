// The live layer (snap/live/) without a live process: the collection loop
// (snap::collect) driven against a fake /proc folder written by the test,
// on a fake clock (the snapshots and manifest it writes, a process that
// ends mid-run, reads it discards, --jcmd through a fake jcmd); the smaps
// reader; the child-process helper. The same loop on real processes:
// snapcollect_test.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "files.h"
#include "snap/live/child_process.h"
#include "snap/live/collect.h"
#include "snap/live/proc_reader.h"
#include "snap/live/process_watch.h"
#include "snap/live/smaps_reader.h"
#include "snap/parse.h"

namespace fs = std::filesystem;

namespace {

using snap::test::slurp;
/// A scratch directory, removed with what is in it.
struct TempDir : snap::test::TempDir {
  TempDir() : snap::test::TempDir("snap_live_test") {}
};

/// Replaces `p` at once (a rename), as the kernel's files change under a
/// reader: never half written.
void put(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  const fs::path temp = p.string() + ".new";
  {
    std::ofstream out(temp, std::ios::binary);
    out << content;
  }
  fs::rename(temp, p);
}

/// Equal to within a microsecond: the fake clock moves in 50 ms sleeps,
/// rounding on the way.
bool near(double a, double b) {
  return std::fabs(a - b) < 1e-6;
}

std::set<std::string> names(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

constexpr std::int64_t kPid = 4242;
constexpr std::uint64_t kStartTicks = 123400;  // 1234 s after boot at 100 ticks a second

const std::string kSmaps =
    "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]\n"
    "Size:                132 kB\n"
    "Rss:                   8 kB\n"
    "Pss:                   6 kB\n"
    "Swap:                  0 kB\n"
    "7ffd12300000-7ffd12321000 rw-p 00000000 00:00 0                          [stack]\n"
    "Size:                132 kB\n"
    "Rss:                  16 kB\n"
    "Pss:                  16 kB\n"
    "Swap:                  4 kB\n";

/// /proc/PID/stat with the fields ProcessWatch reads: state (3), flags (9),
/// start time (22), vsize (23), start of stack (28), start of argv (48).
std::string stat_line(char state, std::uint64_t vsize = 1 << 20, std::uint64_t arg_start = 0x7ffd12320000) {
  std::vector<std::string> f(53, "0");
  f[1] = std::to_string(kPid);
  f[2] = "(fake leaker)";
  f[3] = std::string(1, state);
  f[9] = "4194560";
  f[22] = std::to_string(kStartTicks);
  f[23] = std::to_string(vsize);
  f[28] = "140725910388736";
  f[48] = std::to_string(arg_start);
  std::string out;
  for (std::size_t i = 1; i < f.size(); ++i) out += f[i] + (i + 1 < f.size() ? " " : "\n");
  return out;
}

/// A fake /proc holding one process (kPid, two threads, a cgroup v2) and a
/// clock that moves only when the loop sleeps.
struct FakeProc {
  TempDir tmp;
  fs::path root = tmp.path / "proc", pid_dir = root / std::to_string(kPid), out = tmp.path / "out";
  std::atomic<double> t{1000};  // monotonic seconds; a FIFO writer may move it during a read
  static constexpr double kWallOffset = 1.7e9 - 1000;
  static constexpr double kBootOffset = 5000;  // boottime = monotonic + this
  std::function<void(double)> on_sleep;         // called after each sleep with the time then
  std::vector<std::string> notices;
  snap::CollectOptions options;
  snap::CollectHooks hooks;

  FakeProc() {
    put(pid_dir / "stat", stat_line('S'));
    put(pid_dir / "smaps", kSmaps);
    put(pid_dir / "cmdline", std::string("leaker\0--rate\0" "5\0", 15));
    put(pid_dir / "task" / "4242" / "comm", "leaker\n");
    put(pid_dir / "task" / "4242" / "syscall", "0 0x3 0x7ffd1231f000 0x1000 0x0 0x0 0x0 0x7ffd1231e9e0 0x7f3a1c2b3c4d\n");
    put(pid_dir / "task" / "4243" / "comm", "worker 1\n");
    put(pid_dir / "task" / "4243" / "syscall", "running\n");
    const fs::path cg = tmp.path / "cgroup";
    put(pid_dir / "cgroup", "0::/app\n");
    put(pid_dir / "mountinfo", "30 22 0:26 / " + cg.string() + " rw,nosuid - cgroup2 cgroup2 rw\n");
    put(cg / "app" / "memory.current", "1048576\n");
    put(cg / "app" / "memory.max", "max\n");
    put(root / "sys" / "vm" / "max_map_count", "65530\n");
    put(root / "sys" / "kernel" / "random" / "boot_id", "6f1c3a7e-2b44-4d5a-9c1e-0123456789ab\n");

    options.pid = kPid;
    options.root = root.string();
    options.interval = 10;
    hooks.on_notice = [this](const std::string& s) { notices.push_back(s); };
    hooks.clock.monotonic = [this] { return t.load(); };
    hooks.clock.wall = [this] { return t.load() + kWallOffset; };
    hooks.clock.boottime = [this] { return t.load() + kBootOffset; };
    hooks.clock.sleep = [this](double s) {
      REQUIRE(s > 0);
      t += s;
      if (on_sleep) on_sleep(t.load());
    };
  }

  snap::CollectEnd run(snap::Manifest& m) {
    snap::ProcessWatch target(kPid, root.string());
    snap::OutputDir dir(out.string());
    return snap::collect(dir, target, options, hooks, m);
  }
};

/// Serves the next read of `path` through a FIFO: its reader gets `text`,
/// and `meanwhile` runs before the reader sees the end, so that what it
/// changes happened during the read. Gives up after 10 s with no reader.
class ReadDuring {
 public:
  ReadDuring(const fs::path& path, std::string text, std::function<void()> meanwhile) {
    fs::remove(path);
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    thread_ = std::thread([path, text = std::move(text), meanwhile = std::move(meanwhile), this] {
      int fd = -1;
      for (int i = 0; i < 1000 && fd < 0; ++i) {
        fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (fd < 0) return;
      ::fcntl(fd, F_SETFL, 0);
      served_ = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      meanwhile();
      ::close(fd);
    });
  }
  ~ReadDuring() {
    if (thread_.joinable()) thread_.join();
  }
  ReadDuring(const ReadDuring&) = delete;
  ReadDuring& operator=(const ReadDuring&) = delete;
  bool served() {
    if (thread_.joinable()) thread_.join();
    return served_;
  }

 private:
  std::atomic<bool> served_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("image_complete: an exec is done only once argv and envp are in place and the stack is final") {
  // The stages of an exec, as /proc/PID/stat shows them: start of code
  // (26), stack (28), start of argv (48), end of envp (51).
  auto stage = [](std::uint64_t code, std::uint64_t stack, std::uint64_t args, std::uint64_t env_end) {
    std::vector<std::string> f(53, "0");
    f[1] = "4242";
    f[2] = "(snap threads)";
    f[3] = "R";
    f[22] = "100";
    f[26] = std::to_string(code);
    f[28] = std::to_string(stack);
    f[48] = std::to_string(args);
    f[51] = std::to_string(env_end);
    std::string line;
    for (std::size_t i = 1; i < f.size(); ++i) line += f[i] + (i + 1 < f.size() ? " " : "\n");
    auto s = snap::parse_process_stat(line);
    REQUIRE(s);
    CHECK(s->start_code == code);
    CHECK(s->start_stack == stack);
    CHECK(s->arg_start == args);
    CHECK(s->env_end == env_end);
    return snap::image_complete(*s);
  };
  constexpr std::uint64_t kArgs = 0x7ffd12320a00, kCode = 0x55d0c8a00000;
  CHECK_FALSE(stage(0, 0, 0, 0));                       // the new, empty map
  CHECK_FALSE(stage(0, kArgs, kArgs, 0));               // arguments placed, program not mapped
  CHECK_FALSE(stage(0, kArgs, kArgs, kArgs + 0x400));   // envp being written
  CHECK(stage(kCode, kArgs - 0x1f0, kArgs, kArgs + 0x400));  // done: the stack below argv
  CHECK(stage(1, 0, 0, 0));                             // hidden (another user's set-user-ID program)
  // This process is long past its exec.
  auto self = snap::parse_process_stat(slurp("/proc/self/stat"));
  REQUIRE(self);
  CHECK(snap::image_complete(*self));
  CHECK(self->start_code > 1);
}

TEST_CASE("collect: --count snapshots on schedule; the files and manifest hold what the fake /proc does") {
  FakeProc p;
  p.options.count = 3;
  snap::Manifest m;
  int seen = 0;
  p.hooks.on_snapshot = [&](const snap::Manifest& now) { CHECK(now.snapshots.size() == static_cast<std::size_t>(++seen)); };
  CHECK(p.run(m) == snap::CollectEnd::count_reached);
  CHECK(seen == 3);
  CHECK(p.notices.empty());

  CHECK(names(p.out) == std::set<std::string>{"manifest.json", "smaps.0001", "smaps.0002", "smaps.0003"});
  for (const char* f : {"smaps.0001", "smaps.0002", "smaps.0003"}) CHECK(slurp(p.out / f) == kSmaps);

  // What the loop returned is what it wrote, byte for byte.
  CHECK(slurp(p.out / "manifest.json") == snap::manifest_json(m));
  const auto read = snap::read_manifest(p.out.string());
  REQUIRE(read);
  CHECK(read->pid == kPid);
  CHECK(read->command == "leaker --rate 5");
  CHECK(read->boot_id == "6f1c3a7e-2b44-4d5a-9c1e-0123456789ab");
  CHECK(read->format == "smaps");
  CHECK(read->max_map_count == 65530u);
  CHECK(read->interval == 10);
  CHECK(near(read->start_wall, 1.7e9));
  // Started 1234 s after boot; boot was 1000 + 5000 s before the wall clock's 1.7e9.
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  REQUIRE(read->process_start);
  CHECK(near(*read->process_start, 1.7e9 - 6000 + static_cast<double>(kStartTicks) / ticks));
  CHECK(read->end_reason == "count reached");
  CHECK(near(read->end_wall, 1.7e9 + 20));
  CHECK(read->discarded.empty());
  CHECK(read->slots_skipped == 0);
  REQUIRE(read->snapshots.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    const snap::ManifestEntry& e = read->snapshots[i];
    CHECK(e.file == fmt::format("smaps.{:04}", i + 1));
    CHECK(near(e.monotonic, 1000 + 10.0 * static_cast<double>(i)));
    CHECK(near(e.wall, 1.7e9 + 10.0 * static_cast<double>(i)));
    CHECK(e.read_seconds == 0);
    CHECK(e.mappings == 2);
    CHECK(e.totals.get(snap::Field::size) == 264u << 10);
    CHECK(e.totals.get(snap::Field::rss) == 24u << 10);
    CHECK(e.totals.get(snap::Field::pss) == 22u << 10);
    CHECK(e.totals.get(snap::Field::swap) == 4u << 10);
    REQUIRE(e.threads.size() == 2);
    CHECK(e.threads[0] == snap::ThreadInfo{4242, "leaker", 0x7ffd1231e9e0ull});
    CHECK(e.threads[1] == snap::ThreadInfo{4243, "worker 1", std::nullopt});
    CHECK(e.cgroup == snap::CgroupMemory{2, "/app", 1048576, std::nullopt});
    CHECK(!e.nmt);
    CHECK(!e.command);
  }
}

TEST_CASE("collect: the process ends mid-run; every snapshot before stays, the manifest closed") {
  FakeProc p;
  p.options.count = 5;
  p.on_sleep = [&](double t) {
    if (t >= 1015) put(p.pid_dir / "stat", stat_line('Z', 0));
  };
  snap::Manifest m;
  CHECK(p.run(m) == snap::CollectEnd::target_exited);
  CHECK(names(p.out) == std::set<std::string>{"manifest.json", "smaps.0001", "smaps.0002"});
  const auto read = snap::read_manifest(p.out.string());
  REQUIRE(read);
  REQUIRE(read->snapshots.size() == 2);
  CHECK(near(read->snapshots[1].monotonic, 1010));
  CHECK(read->end_reason == "target exited");
  // Seen at the first look past 1015: the wait polls every 50 ms.
  CHECK(read->end_wall >= 1.7e9 + 15);
  CHECK(read->end_wall < 1.7e9 + 15.06);
  CHECK(p.notices.empty());
}

TEST_CASE("collect: the process ends during --delay: no manifest, nothing kept") {
  FakeProc p;
  p.options.delay = 30;
  p.on_sleep = [&](double t) {
    if (t >= 1001) fs::remove_all(p.pid_dir);
  };
  snap::Manifest m;
  CHECK(p.run(m) == snap::CollectEnd::target_exited);
  CHECK(m.snapshots.empty());
  CHECK(names(p.out).empty());
  CHECK(p.t < 1001.1);  // the wait ended at once
}

TEST_CASE("collect: a read the process exited during is discarded, said, never kept") {
  FakeProc p;
  p.options.count = 5;
  std::optional<ReadDuring> cut;
  p.on_sleep = [&](double t) {
    if (t >= 1010 && !cut)
      cut.emplace(p.pid_dir / "smaps", kSmaps.substr(0, kSmaps.find("7ffd")),
                  [&] { put(p.pid_dir / "stat", stat_line('S', 0)); });  // its memory map torn down
  };
  snap::Manifest m;
  CHECK(p.run(m) == snap::CollectEnd::target_exited);
  REQUIRE(cut);
  CHECK(cut->served());
  // No temporary file left behind.
  CHECK(names(p.out) == std::set<std::string>{"manifest.json", "smaps.0001"});
  const auto read = snap::read_manifest(p.out.string());
  REQUIRE(read);
  CHECK(read->snapshots.size() == 1);
  REQUIRE(read->discarded.size() == 1);
  CHECK(near(read->discarded[0].wall, 1.7e9 + 10));
  CHECK(read->discarded[0].reason == "the process exited during the read");
  CHECK(read->discarded[0].mappings == 1);
  CHECK(read->end_reason == "target exited");
  REQUIRE(p.notices.size() == 1);
  CHECK(p.notices[0].starts_with("pid 4242 exited during the read begun at "));
  CHECK(p.notices[0].ends_with(": the read (1 mappings) may be cut short; discarded, not a snapshot"));
}

TEST_CASE("collect: a read the process exec'd during is discarded; the next snapshot, at once, notes the exec") {
  FakeProc p;
  p.options.count = 2;
  std::optional<ReadDuring> exec;
  p.on_sleep = [&](double t) {
    if (t >= 1010 && !exec)
      exec.emplace(p.pid_dir / "smaps", kSmaps, [&] {
        put(p.pid_dir / "stat", stat_line('S', 1 << 20, 0x7ffe00000000));
        put(p.pid_dir / "cmdline", std::string("newprog\0", 8));
        put(p.pid_dir / "smaps", kSmaps);  // in place of the FIFO, for the next read
      });
  };
  snap::Manifest m;
  CHECK(p.run(m) == snap::CollectEnd::count_reached);
  REQUIRE(exec);
  CHECK(exec->served());
  CHECK(names(p.out) == std::set<std::string>{"manifest.json", "smaps.0001", "smaps.0002"});
  const auto read = snap::read_manifest(p.out.string());
  REQUIRE(read);
  REQUIRE(read->snapshots.size() == 2);
  CHECK(!read->snapshots[0].command);
  CHECK(read->snapshots[1].command == "newprog");
  CHECK(near(read->snapshots[1].monotonic, 1010));  // no new slot waited for
  REQUIRE(read->discarded.size() == 1);
  CHECK(read->discarded[0].reason == "the process exec'd during the read");
  CHECK(read->discarded[0].mappings == 2);
  CHECK(read->command == "leaker --rate 5");
  REQUIRE(p.notices.size() == 2);
  CHECK(p.notices[0].starts_with("pid 4242 exec'd during the read begun at "));
  CHECK(p.notices[0].ends_with(": the read is discarded"));
  CHECK(p.notices[1] == "pid 4242 exec'd: its command is now \"newprog\"");
}

TEST_CASE("collect: a read that lists a mapping twice (mapped during the read) is read again; 3 in a row skip the slot") {
  // What the kernel's page-at-a-time smaps gives when [stack] grows down
  // between two of its read()s: the old extent, then the new one.
  const std::string torn = kSmaps +
                           "7ffd122f0000-7ffd12321000 rw-p 00000000 00:00 0                          [stack]\n"
                           "Size:                196 kB\n"
                           "Rss:                  24 kB\n"
                           "Pss:                  24 kB\n"
                           "Swap:                  4 kB\n";
  {
    // Once: the next read, at once, is the snapshot of this slot.
    FakeProc p;
    p.options.count = 2;
    std::optional<ReadDuring> tear;
    p.on_sleep = [&](double t) {
      if (t >= 1010 && !tear) tear.emplace(p.pid_dir / "smaps", torn, [&] { put(p.pid_dir / "smaps", kSmaps); });
    };
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    REQUIRE(tear);
    CHECK(tear->served());
    CHECK(names(p.out) == std::set<std::string>{"manifest.json", "smaps.0001", "smaps.0002"});
    const auto read = snap::read_manifest(p.out.string());
    REQUIRE(read);
    REQUIRE(read->snapshots.size() == 2);
    CHECK(near(read->snapshots[1].monotonic, 1010));
    CHECK(read->snapshots[1].mappings == 2);
    REQUIRE(read->discarded.size() == 1);
    CHECK(read->discarded[0].reason == "the mappings changed during the read");
    CHECK(read->discarded[0].mappings == 3);
    CHECK(read->slots_skipped == 0);
    REQUIRE(p.notices.size() == 1);
    CHECK(p.notices[0].starts_with("the read begun at "));
    CHECK(p.notices[0].ends_with(" listed a mapping twice (pid 4242 mapped or unmapped during it): discarded, read again"));
    // What was kept parses: no overlap reached a snapshot.
    CHECK(snap::parse_snapshot(slurp(p.out / "smaps.0002"), "smaps.0002", snap::Format::smaps).regions.size() == 2);
  }
  {
    // Torn three times in a row: that slot is given up, the next one taken.
    FakeProc p;
    p.options.count = 3;
    bool torn_put = false, mended = false;
    p.on_sleep = [&](double t) {
      if (t >= 1010 && !torn_put) {
        torn_put = true;
        put(p.pid_dir / "smaps", torn);
      }
      if (t >= 1015 && !mended) {
        mended = true;
        put(p.pid_dir / "smaps", kSmaps);
      }
    };
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    const auto read = snap::read_manifest(p.out.string());
    REQUIRE(read);
    REQUIRE(read->snapshots.size() == 3);
    CHECK(near(read->snapshots[1].monotonic, 1020));
    CHECK(near(read->snapshots[2].monotonic, 1030));
    CHECK(read->discarded.size() == 3);
    CHECK(read->slots_skipped == 0);  // not a read that took longer than the interval
    REQUIRE(p.notices.size() == 3);
    CHECK(p.notices[1].ends_with("discarded, read again"));
    CHECK(p.notices[2].ends_with("discarded, this slot is skipped"));
  }
}

TEST_CASE("collect: --duration, a stop request, slots a slow read overran") {
  FakeProc p;
  SUBCASE("--duration 25s: snapshots at 0, 10, 20") {
    p.options.duration = 25;
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::duration_reached);
    CHECK(m.snapshots.size() == 3);
    CHECK(snap::read_manifest(p.out.string())->end_reason == "duration reached");
  }
  SUBCASE("a stop request: the snapshot in progress finished, the manifest closed") {
    snap::Manifest m;
    p.hooks.on_snapshot = [&](const snap::Manifest& now) {
      if (now.snapshots.size() == 2) p.hooks.stop_requested = [] { return true; };
    };
    CHECK(p.run(m) == snap::CollectEnd::interrupted);
    const auto read = snap::read_manifest(p.out.string());
    REQUIRE(read);
    CHECK(read->snapshots.size() == 2);
    CHECK(read->end_reason == "interrupted");
  }
  SUBCASE("a read of 25 s at the second slot: two slots skipped, said once") {
    p.options.count = 3;
    std::optional<ReadDuring> slow;
    p.on_sleep = [&](double t) {
      if (t >= 1010 && !slow)
        slow.emplace(p.pid_dir / "smaps", kSmaps, [&] {
          p.t += 25;  // the loop is blocked in the read meanwhile
          put(p.pid_dir / "smaps", kSmaps);
        });
    };
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    REQUIRE(m.snapshots.size() == 3);
    CHECK(near(m.snapshots[2].monotonic, 1040));  // 1035 is past the slots at 1020 and 1030
    CHECK(m.slots_skipped == 2);
    // The read's own time counts only what was spent inside read(): the
    // fake clock's 25 s land inside one or between two, as the threads go.
    // When inside, the read is also said to be slow, once.
    std::vector<std::string> slots;
    for (const std::string& n : p.notices)
      if (n.starts_with("a full read took"))
        CHECK(n == "a full read took 25000 ms, more than a quarter of the 10s interval: --mode light counts pages "
                   "without holding the process's mmap lock for long, or take a longer --interval");
      else
        slots.push_back(n);
    REQUIRE(slots.size() == 1);
    CHECK(slots[0] == "a snapshot took 25000 ms, longer than the 10s interval: the slots it overran are "
                      "skipped, not caught up");
  }
}

TEST_CASE("collect --format pmap-x: what pmap -x prints, from the same reader") {
  FakeProc p;
  p.options.count = 1;
  p.options.format = "pmap-x";
  snap::Manifest m;
  CHECK(p.run(m) == snap::CollectEnd::count_reached);
  CHECK(names(p.out) == std::set<std::string>{"manifest.json", "pmap-x.0001"});
  CHECK(slurp(p.out / "pmap-x.0001") ==
        "4242:   leaker --rate 5\n"
        "Address           Kbytes     RSS   Dirty Mode  Mapping\n"
        "000055d0c0a00000     132       8       0 rw---   [ anon ]\n"
        "00007ffd12300000     132      16       0 rw---   [ stack ]\n"
        "---------------- ------- ------- ------- \n"
        "total kB              264      24       0\n");
  REQUIRE(m.snapshots.size() == 1);
  CHECK(m.snapshots[0].mappings == 2);
  CHECK(m.snapshots[0].totals.get(snap::Field::rss) == 24u << 10);
}

/// The light reader's files beside FakeProc's smaps: one mapping, three of
/// its eight pages present (a regular file has no PAGEMAP_SCAN: pagemap's
/// entries are read).
void light_files(FakeProc& p) {
  put(p.pid_dir / "maps", "00010000-00018000 rw-p 00000000 00:00 0                          [heap]\n");
  std::string pagemap(0x18 * 8, '\0');
  const std::uint64_t present = 1ull << 63;
  for (std::size_t page : {0x10, 0x11, 0x15}) std::memcpy(pagemap.data() + page * 8, &present, 8);
  put(p.pid_dir / "pagemap", pagemap);
}

std::vector<std::string> modes(const snap::Manifest& m) {
  std::vector<std::string> out;
  for (const auto& e : m.snapshots) out.push_back(e.mode);
  return out;
}

TEST_CASE("collect --mode adaptive: full at the first, the last and every --full-every; light between") {
  FakeProc p;
  light_files(p);
  p.options.mode = snap::CollectMode::adaptive;
  SUBCASE("--count 6 --full-every 3") {
    p.options.count = 6;
    p.options.full_every = 3;
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    CHECK(modes(m) == std::vector<std::string>{"full", "light", "light", "full", "light", "full"});
    CHECK(p.notices.empty());
    const auto read = snap::read_manifest(p.out.string());
    REQUIRE(read);
    CHECK(read->mode == "adaptive");
    CHECK(modes(*read) == modes(m));
    for (std::size_t i = 0; i < 6; ++i) {
      CAPTURE(i);
      const snap::ManifestEntry& e = read->snapshots[i];
      CHECK(e.file == fmt::format("smaps.{:04}", i + 1));
      const snap::Snapshot s = snap::read_snapshot((p.out / e.file).string());
      if (e.mode == "full") {
        CHECK(e.method == "smaps");
        CHECK(slurp(p.out / e.file) == kSmaps);
        CHECK(e.totals.get(snap::Field::pss) == 22u << 10);
      } else {
        CHECK(e.method == "pagemap_read");
        CHECK(e.mappings == 1);
        CHECK(e.vanished == 0);
        CHECK(e.totals.get(snap::Field::rss) == 12u << 10);
        CHECK(!e.totals.known(snap::Field::pss));
        // The file says the same, with Pss unknown, not 0.
        CHECK(s.totals.get(snap::Field::rss) == 12u << 10);
        CHECK(s.totals.get(snap::Field::anonymous) == 12u << 10);
        CHECK(!s.knows(snap::Field::pss));
      }
    }
    // Where each light counter comes from, for readers of the manifest.
    const std::string json = slurp(p.out / "manifest.json");
    CHECK(json.find("\"sources\"") != std::string::npos);
    CHECK(json.find("pagemap entries: present pages (bit 63)") != std::string::npos);
  }
  SUBCASE("--duration 25s: the slot at 20 s is the last, so it is full; none more") {
    p.options.duration = 25;
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::duration_reached);
    CHECK(modes(m) == std::vector<std::string>{"full", "light", "full"});
  }
  SUBCASE("a stop request after a light snapshot: one more, full, so the hunt ends with Pss") {
    p.hooks.on_snapshot = [&](const snap::Manifest& now) {
      if (now.snapshots.size() == 2) p.hooks.stop_requested = [] { return true; };
    };
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::interrupted);
    CHECK(modes(m) == std::vector<std::string>{"full", "light", "full"});
    CHECK(snap::read_manifest(p.out.string())->snapshots.size() == 3);
    REQUIRE(p.notices.size() == 1);
    CHECK(p.notices[0] == "taking a closing full snapshot (adaptive mode ends with Pss)");
  }
}

TEST_CASE("collect --mode light: every snapshot light; without pagemap, said once and read in full") {
  FakeProc p;
  p.options.mode = snap::CollectMode::light;
  p.options.count = 2;
  snap::Manifest m;
  SUBCASE("pagemap there") {
    light_files(p);
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    CHECK(modes(m) == std::vector<std::string>{"light", "light"});
    CHECK(m.mode == "light");
    CHECK(p.notices.empty());
  }
  SUBCASE("a kernel without pagemap") {
    put(p.pid_dir / "maps", "00010000-00018000 rw-p 00000000 00:00 0\n");
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    CHECK(modes(m) == std::vector<std::string>{"full", "full"});
    CHECK(m.mode == "full");
    REQUIRE(p.notices.size() == 1);
    CHECK(p.notices[0] == "this kernel has no usable pagemap; every snapshot reads smaps (--mode full)");
  }
  SUBCASE("a read longer than a quarter of the interval: said once") {
    light_files(p);
    p.options.count = 3;
    std::optional<ReadDuring> slow;
    p.on_sleep = [&](double t) {
      if (t >= 1010 && !slow)
        slow.emplace(p.pid_dir / "maps", slurp(p.pid_dir / "maps"), [&] {
          p.t += 3;  // the loop is blocked in the read meanwhile
          light_files(p);
        });
    };
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    REQUIRE(p.notices.size() == 1);
    CHECK(p.notices[0] == "a light read took 3000 ms, more than a quarter of the 10s interval: take a longer "
                          "--interval");
  }
}

TEST_CASE("collect: by default, adaptive for a process over 1 GiB resident (or 10000 mappings), else full") {
  FakeProc p;
  light_files(p);
  p.options.count = 2;
  snap::Manifest m;
  SUBCASE("small") {
    put(p.pid_dir / "status", "Name:\tleaker\nVmRSS:\t   24576 kB\n");
    p.run(m);
    CHECK(m.mode == "full");
    CHECK(modes(m) == std::vector<std::string>{"full", "full"});
  }
  SUBCASE("large") {
    put(p.pid_dir / "status", "Name:\tleaker\nVmRSS:\t 2097152 kB\n");
    p.options.count = 3;
    p.run(m);
    CHECK(m.mode == "adaptive");
    CHECK(modes(m) == std::vector<std::string>{"full", "light", "full"});
    REQUIRE(!p.notices.empty());
    CHECK(p.notices[0].starts_with("pid 4242 is large (over 1.0G resident or 10000 mappings): adaptive mode"));
  }
  SUBCASE("--format pmap-x: always full") {
    put(p.pid_dir / "status", "Name:\tleaker\nVmRSS:\t 2097152 kB\n");
    p.options.format = "pmap-x";
    p.run(m);
    CHECK(m.mode == "full");
  }
}

TEST_CASE("read_smaps_to: chunks to the sink, totals on the way; a cut text, a failing sink") {
  TempDir tmp;
  const fs::path path = tmp.path / "smaps";
  put(path, kSmaps);
  std::string got;
  snap::SmapsScan scan = snap::read_smaps_to(path.string(), [&](std::string_view chunk) {
    got.append(chunk);
    return 0;
  });
  CHECK(got == kSmaps);
  CHECK(scan.bytes == kSmaps.size());
  CHECK(scan.read_err == 0);
  CHECK(scan.write_err == 0);
  REQUIRE(scan.totals);
  CHECK(scan.totals->second == 2);
  CHECK(scan.totals->first.get(snap::Field::pss) == 22u << 10);

  // The kernel ends a read at a record boundary; a text that does not end
  // in a newline is no snapshot.
  put(path, kSmaps.substr(0, kSmaps.size() - 1));
  CHECK(!snap::read_smaps_to(path.string(), [](std::string_view) { return 0; }).totals);
  put(path, "");
  CHECK(!snap::read_smaps_to(path.string(), [](std::string_view) { return 0; }).totals);

  // A sink that fails (a full disk) ends the read: its errno, no totals.
  put(path, kSmaps);
  scan = snap::read_smaps_to(path.string(), [](std::string_view) { return ENOSPC; });
  CHECK(scan.write_err == ENOSPC);
  CHECK(!scan.totals);

  try {
    snap::read_smaps_to((tmp.path / "none").string(), [](std::string_view) { return 0; });
    FAIL("read a file that is not there");
  } catch (const snap::ProcError& e) {
    CHECK(e.gone());
    CHECK(std::string(e.what()) == "cannot read " + (tmp.path / "none").string() + ": No such file or directory");
  }
}

namespace {

fs::path script(const fs::path& path, const std::string& body) {
  put(path, "#!/bin/sh\n" + body);
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

bool exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

}  // namespace

TEST_CASE("collect --jcmd: run without a shell, its report saved beside each snapshot; a failure said once") {
  FakeProc p;
  p.options.count = 2;
  p.options.jcmd = true;
  SUBCASE("a report") {
    // The arguments arrive as given: one "$1" however it is spelled.
    p.options.jcmd_program = script(p.tmp.path / "bin" / "my jcmd", "printf '%s|' \"$@\"; echo; echo oops >&2\n").string();
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    REQUIRE(m.snapshots.size() == 2);
    CHECK(m.snapshots[0].nmt == "nmt.0001");
    CHECK(m.snapshots[1].nmt == "nmt.0002");
    CHECK(slurp(p.out / "nmt.0002") == "4242|VM.native_memory|detail|\noops\n");
    CHECK(p.notices.empty());
  }
  SUBCASE("NMT off") {
    p.options.jcmd_program = script(p.tmp.path / "jcmd", "echo \"$1:\"; echo 'Native memory tracking is not enabled'\n").string();
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    CHECK(p.notices ==
          std::vector<std::string>{"NMT is off in the target: start it with -XX:NativeMemoryTracking=detail for --jcmd"});
    CHECK(names(p.out) == std::set<std::string>{"manifest.json", "smaps.0001", "smaps.0002"});
  }
  SUBCASE("no answer within the timeout: killed, said once, --jcmd off") {
    p.options.jcmd_program = script(p.tmp.path / "jcmd", "exec sleep 30\n").string();
    p.options.jcmd_timeout = 0.3;
    const auto begun = std::chrono::steady_clock::now();
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    CHECK(std::chrono::steady_clock::now() - begun < std::chrono::seconds(5));
    CHECK(p.notices == std::vector<std::string>{"jcmd could not run or failed (not installed, not a JVM, or no "
                                                "answer); --jcmd is off"});
    for (const auto& e : m.snapshots) CHECK(!e.nmt);
  }
  SUBCASE("a failure (not a JVM: exit 1): said once, its error not saved as NMT") {
    p.options.count = 3;
    p.options.jcmd_program =
        script(p.tmp.path / "jcmd", "echo \"$1:\"; echo 'AttachNotSupportedException: Unable to open socket file'; exit 1\n")
            .string();
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    CHECK(p.notices == std::vector<std::string>{"jcmd could not run or failed (not installed, not a JVM, or no "
                                                "answer); --jcmd is off"});
    CHECK(names(p.out) == std::set<std::string>{"manifest.json", "smaps.0001", "smaps.0002", "smaps.0003"});
  }
  SUBCASE("a stop request while jcmd runs: the snapshot keeps its report, then the collection ends") {
    // SIGTERM or Ctrl-C during the last snapshot of a hunt: that snapshot
    // is the one that counts, NMT included.
    const fs::path asked = p.tmp.path / "asked";
    p.options.jcmd_program =
        script(p.tmp.path / "jcmd", "touch '" + asked.string() + "'; sleep 0.3; echo \"$1:\"; echo report\n").string();
    p.hooks.stop_requested = [&] { return fs::exists(asked); };
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::interrupted);
    REQUIRE(m.snapshots.size() == 1);
    CHECK(m.snapshots[0].nmt == "nmt.0001");
    CHECK(slurp(p.out / "nmt.0001") == "4242:\nreport\n");
    CHECK(p.notices.empty());
  }
  SUBCASE("no such program") {
    p.options.jcmd_program = (p.tmp.path / "none").string();
    snap::Manifest m;
    CHECK(p.run(m) == snap::CollectEnd::count_reached);
    CHECK(p.notices == std::vector<std::string>{"jcmd could not run or failed (not installed, not a JVM, or no "
                                                "answer); --jcmd is off"});
    for (const auto& e : m.snapshots) CHECK(!e.nmt);
  }
}

TEST_CASE("ChildProcess: exit codes, captured output within bounds, never left running or unreaped") {
  TempDir tmp;
  SUBCASE("exit 7; killed by a signal: 128+N") {
    snap::ChildProcess seven({"sh", "-c", "exit 7"}, snap::ChildProcess::Output::inherit);
    CHECK(seven.wait() == 7);
    snap::ChildProcess killed({"sleep", "30"}, snap::ChildProcess::Output::inherit);
    CHECK(killed.terminate(SIGTERM, 5) == 128 + SIGTERM);
    CHECK(!exists(killed.pid()));
  }
  SUBCASE("a command that ignores SIGTERM: SIGKILL after the grace") {
    const fs::path trapped = tmp.path / "trapped";
    snap::ChildProcess stubborn({"sh", "-c", "trap '' TERM; : > " + trapped.string() + "; exec sleep 30"},
                                snap::ChildProcess::Output::inherit);
    for (int i = 0; i < 500 && !fs::exists(trapped); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(fs::exists(trapped));
    CHECK(stubborn.terminate(SIGTERM, 0.3) == 128 + SIGKILL);
  }
  SUBCASE("cannot run: ProcError naming it, with the errno") {
    try {
      snap::ChildProcess none({(tmp.path / "none").string()}, snap::ChildProcess::Output::inherit);
      FAIL("ran a program that is not there");
    } catch (const snap::ProcError& e) {
      CHECK(e.error() == ENOENT);
      CHECK(std::string(e.what()) == "cannot run " + (tmp.path / "none").string() + ": No such file or directory");
    }
  }
  SUBCASE("captured: stdout and stderr together, the exit code") {
    snap::ChildProcess c({"sh", "-c", "echo out; echo err >&2; exit 3"}, snap::ChildProcess::Output::capture);
    const auto got = c.capture(1 << 20, 10);
    CHECK(got.end == snap::ChildProcess::Captured::End::exited);
    CHECK(got.code == 3);
    CHECK(got.output == "out\nerr\n");
  }
  SUBCASE("too much output, a timeout, a stop request: killed with what it started, and reaped") {
    const fs::path pidfile = tmp.path / "grandchild";
    snap::ChildProcess loud({"sh", "-c", "yes"}, snap::ChildProcess::Output::capture);
    CHECK(loud.capture(4096, 10).end == snap::ChildProcess::Captured::End::too_long);
    CHECK(!exists(loud.pid()));

    // The grandchild holds the output open: the group is killed, not only the child.
    snap::ChildProcess slow({"sh", "-c", "sleep 30 & echo $! > " + pidfile.string() + "; wait"},
                            snap::ChildProcess::Output::capture);
    const auto got = slow.capture(4096, 0.5);
    CHECK(got.end == snap::ChildProcess::Captured::End::timed_out);
    CHECK(!exists(slow.pid()));
    const pid_t grandchild = static_cast<pid_t>(std::stol(slurp(pidfile)));
    // Killed: a zombie until whatever adopted it reaps it.
    for (int i = 0; i < 100 && snap::process_running(grandchild); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(!snap::process_running(grandchild));

    int polls = 0;
    snap::ChildProcess stopped({"sleep", "30"}, snap::ChildProcess::Output::capture);
    CHECK(stopped.capture(4096, 30, [&] { return ++polls > 3; }).end ==
          snap::ChildProcess::Captured::End::stopped);
    CHECK(!exists(stopped.pid()));
  }
  SUBCASE("one never waited for is killed and reaped when it goes") {
    pid_t pid = 0;
    {
      snap::ChildProcess forgotten({"sleep", "30"}, snap::ChildProcess::Output::inherit);
      pid = forgotten.pid();
      CHECK(exists(pid));
    }
    CHECK(!exists(pid));
  }
}
