// snap_stall: how long a thread of a big process waits in mmap/munmap while
// something reads the process's memory map.
//
// Reading /proc/PID/smaps or smaps_rollup walks the target's page tables
// under its mmap lock; a thread of the target that maps or unmaps meanwhile
// waits for the walk. /proc/PID/pagemap takes the lock per 2 MiB and drops
// it in between; the PAGEMAP_SCAN ioctl holds it until its buffer of 512
// regions fills, which over one big mapping of one kind of page is the whole
// walk (docs/stall.md). This program forks a target holding
// --gib GiB of anonymous memory as resident 4 KiB pages with a victim thread
// that maps and unmaps one page in a loop (stall_target.h), then runs each
// reader against it for --seconds, "none" first, and prints a markdown table
// of the victim's stalls next to each reader's cost. docs/stall.md has the
// figures of a run and what they mean.
//
//   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DSNAP_BENCH=ON
//   cmake --build build-rel --target snap_stall
//   build-rel/bench/snap_stall                      # 4 GiB, 5 s per reader, 200ms and 1s
//   build-rel/bench/snap_stall --gib 12 --only smaps,pagemap-scan --interval 0
//   build-rel/bench/snap_stall --reader 'c200=build-rel/tools/snapcollect -p {pid} -i 200ms -q -o {dir}'
//
// Needs --gib GiB of free memory, and to be allowed to read the target's
// smaps and pagemap (its own child: any user may). The target dies with this
// program, however it ends (PR_SET_PDEATHSIG); an external reader's process
// group gets SIGTERM, unless this program is killed by SIGKILL.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "cli.h"
#include "snap/live/light_reader.h"
#include "snap/timeline.h"
#include "stall_target.h"

// PAGEMAP_SCAN (Linux 6.7) as include/uapi/linux/fs.h has it; the C library
// headers of Debian 12 predate it.
#ifndef PAGEMAP_SCAN
#define PAGE_IS_WPALLOWED (1 << 0)
#define PAGE_IS_WRITTEN (1 << 1)
#define PAGE_IS_FILE (1 << 2)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_SWAPPED (1 << 4)
#define PAGE_IS_PFNZERO (1 << 5)
#define PAGE_IS_HUGE (1 << 6)
#define PAGE_IS_SOFT_DIRTY (1 << 7)
#define PAGE_IS_GUARD (1 << 8)  // Linux 6.15

struct page_region {
  std::uint64_t start;
  std::uint64_t end;  // exclusive
  std::uint64_t categories;
};

#define PM_SCAN_WP_MATCHING (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)

struct pm_scan_arg {
  std::uint64_t size;
  std::uint64_t flags;
  std::uint64_t start;
  std::uint64_t end;
  std::uint64_t walk_end;  // written by the kernel: where the scan stopped
  std::uint64_t vec;
  std::uint64_t vec_len;
  std::uint64_t max_pages;
  std::uint64_t category_inverted;
  std::uint64_t category_mask;
  std::uint64_t category_anyof_mask;
  std::uint64_t return_mask;
};

#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif

namespace {

constexpr const char* kTool = "snap_stall";
constexpr std::int64_t kNs = 1'000'000'000;
constexpr std::size_t kBuffer = std::size_t{1} << 20;  // per read(2): cat's order of magnitude
constexpr std::uint64_t kPmd = std::uint64_t{2} << 20;
constexpr long kChunkSleepNs = 20'000;

volatile sig_atomic_t g_target = 0;       // the target's pid, once forked
volatile sig_atomic_t g_reader_group = 0;  // an external reader's process group, while it runs

void on_signal(int sig) {
  if (g_reader_group > 0) kill(-g_reader_group, SIGTERM);
  if (g_target > 0) kill(g_target, SIGKILL);
  signal(sig, SIG_DFL);
  raise(sig);
}

void kill_target() {
  if (g_target <= 0) return;
  const pid_t pid = g_target;
  g_target = 0;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

std::int64_t now_ns() { return stall::clock_ns(CLOCK_MONOTONIC); }

void sleep_until(std::int64_t t) {
  const timespec ts{static_cast<time_t>(t / kNs), static_cast<long>(t % kNs)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

void sleep_ns(long ns) {
  const timespec ts{0, ns};
  nanosleep(&ts, nullptr);
}

double cpu_seconds(const rusage& r) {
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string loadavg() {
  std::istringstream in(slurp("/proc/loadavg"));
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

/// A field of /proc/meminfo or smaps_rollup, in kB; nullopt when absent.
std::optional<std::uint64_t> kb_field(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + ":", 0) == 0) return std::strtoull(line.c_str() + name.size() + 1, nullptr, 10);
  return std::nullopt;
}

// ---------------------------------------------------------------- readers

enum class Kind { none, smaps, smaps_rollup, pagemap_big, pagemap_2m, scan, scan_2m, external };

struct Reader {
  std::string name;
  Kind kind;
  std::string command;  // external only
};

const std::vector<Reader>& builtins() {
  static const std::vector<Reader> r = {
      {"none", Kind::none, {}},
      {"smaps", Kind::smaps, {}},
      {"smaps_rollup", Kind::smaps_rollup, {}},
      {"pagemap-big", Kind::pagemap_big, {}},
      {"pagemap-2m-sleep", Kind::pagemap_2m, {}},
      {"pagemap-scan", Kind::scan, {}},
      {"pagemap-scan-2m", Kind::scan_2m, {}},
  };
  return r;
}

struct Range {
  std::uint64_t start, end;
};

/// Buffers and scratch a reader keeps from one read to the next, as a
/// collector that reads every interval would.
struct ReadState {
  ReadState(pid_t p, std::uint64_t pg) : pid(p), page(pg) {}
  pid_t pid;
  std::uint64_t page;
  std::vector<char> buf = std::vector<char>(kBuffer);
  std::vector<page_region> regions = std::vector<page_region>(65536);
  std::string error;
};

bool fail(ReadState& s, const std::string& what) {
  s.error = fmt::format("{}: {}", what, std::strerror(errno));
  return false;
}

bool read_whole(ReadState& s, const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(s, path);
  ssize_t n;
  while ((n = read(fd, s.buf.data(), s.buf.size())) > 0) {
  }
  const int err = errno;
  close(fd);
  errno = err;
  return n == 0 || fail(s, path);
}

/// The mappings of /proc/PID/maps below the kernel half ([vsyscall] has no
/// page tables of the process to walk).
bool read_maps(ReadState& s, std::vector<Range>& out) {
  out.clear();
  const std::string path = fmt::format("/proc/{}/maps", s.pid);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(s, path);
  std::string text;
  ssize_t n;
  while ((n = read(fd, s.buf.data(), s.buf.size())) > 0) text.append(s.buf.data(), static_cast<std::size_t>(n));
  const int err = errno;
  close(fd);
  errno = err;
  if (n < 0) return fail(s, path);
  for (std::size_t at = 0; at < text.size();) {
    char* end = nullptr;
    const std::uint64_t lo = std::strtoull(text.c_str() + at, &end, 16);
    const std::uint64_t hi = std::strtoull(end + 1, nullptr, 16);
    if (lo < (std::uint64_t{1} << 63) && hi > lo) out.push_back({lo, hi});
    const auto nl = text.find('\n', at);
    at = nl == std::string::npos ? text.size() : nl + 1;
  }
  return true;
}

bool read_pagemap(ReadState& s, bool chunked) {
  std::vector<Range> maps;
  if (!read_maps(s, maps)) return false;
  const std::string path = fmt::format("/proc/{}/pagemap", s.pid);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(s, path);
  bool ok = true;
  bool first = true;
  for (const Range& r : maps) {
    for (std::uint64_t a = r.start; a < r.end && ok;) {
      const std::uint64_t stop = chunked ? std::min(r.end, (a + kPmd) & ~(kPmd - 1)) : r.end;
      const std::uint64_t want = std::min<std::uint64_t>((stop - a) / s.page * 8, s.buf.size());
      if (chunked && !first) sleep_ns(kChunkSleepNs);
      first = false;
      const ssize_t n = pread(fd, s.buf.data(), want, static_cast<off_t>(a / s.page * 8));
      if (n < 0) ok = fail(s, path);
      if (n <= 0) break;
      a += static_cast<std::uint64_t>(n) / 8 * s.page;
    }
  }
  close(fd);
  return ok;
}

pm_scan_arg scan_arg(ReadState& s, std::uint64_t start, std::uint64_t end) {
  pm_scan_arg a{};
  a.size = sizeof a;
  a.start = start;
  a.end = end;
  a.vec = reinterpret_cast<std::uint64_t>(s.regions.data());
  a.vec_len = s.regions.size();
  a.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE | PAGE_IS_PFNZERO;
  return a;
}

bool read_scan(ReadState& s, bool chunked) {
  std::vector<Range> maps;
  if (!read_maps(s, maps)) return false;
  const std::string path = fmt::format("/proc/{}/pagemap", s.pid);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(s, path);
  bool ok = true;
  bool first = true;
  for (const Range& r : maps) {
    // walk_end < end when vec filled up: go on from there.
    for (std::uint64_t a = r.start; a < r.end && ok;) {
      const std::uint64_t stop = chunked ? std::min(r.end, (a + kPmd) & ~(kPmd - 1)) : r.end;
      if (chunked && !first) sleep_ns(kChunkSleepNs);
      first = false;
      pm_scan_arg arg = scan_arg(s, a, stop);
      if (ioctl(fd, PAGEMAP_SCAN, &arg) < 0) {
        ok = fail(s, "ioctl(PAGEMAP_SCAN)");
        break;
      }
      if (arg.walk_end <= a) break;
      a = arg.walk_end;
    }
  }
  close(fd);
  return ok;
}

bool read_once(ReadState& s, Kind kind) {
  switch (kind) {
    case Kind::smaps: return read_whole(s, fmt::format("/proc/{}/smaps", s.pid));
    case Kind::smaps_rollup: return read_whole(s, fmt::format("/proc/{}/smaps_rollup", s.pid));
    case Kind::pagemap_big: return read_pagemap(s, false);
    case Kind::pagemap_2m: return read_pagemap(s, true);
    case Kind::scan: return read_scan(s, false);
    case Kind::scan_2m: return read_scan(s, true);
    case Kind::none:
    case Kind::external: break;
  }
  return true;
}

/// The errno of one PAGEMAP_SCAN on the target's first page; 0 when the
/// kernel has it.
int scan_errno(pid_t pid, std::uint64_t page) {
  ReadState s{pid, page};
  std::vector<Range> maps;
  if (!read_maps(s, maps) || maps.empty()) return errno ? errno : EINVAL;
  const int fd = open(fmt::format("/proc/{}/pagemap", pid).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  pm_scan_arg arg = scan_arg(s, maps[0].start, maps[0].start + page);
  const int rc = ioctl(fd, PAGEMAP_SCAN, &arg);
  const int err = rc < 0 ? errno : 0;
  close(fd);
  return err;
}

// ---------------------------------------------------------------- phases

struct Phase {
  Phase(const Reader* r, std::string i, double s) : reader(r), interval(std::move(i)), interval_s(s) {}
  const Reader* reader;
  std::string interval;  // as given; "" for none and external readers
  double interval_s = 0;
  std::string load;
  std::uint64_t reads = 0;
  bool reads_known = true;
  double read_wall_s = 0;
  double cpu_s = 0;
  std::string note;
};

void run_builtin(Phase& ph, ReadState& s, double seconds) {
  rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  const std::int64_t t0 = now_ns();
  const std::int64_t end = t0 + static_cast<std::int64_t>(seconds * kNs);
  const auto step = static_cast<std::int64_t>(ph.interval_s * kNs);
  if (ph.reader->kind != Kind::none) {
    for (std::int64_t next = t0; next < end;) {
      sleep_until(next);
      const std::int64_t a = now_ns();
      const bool ok = read_once(s, ph.reader->kind);
      const std::int64_t b = now_ns();
      ++ph.reads;
      ph.read_wall_s += static_cast<double>(b - a) / kNs;
      if (!ok) {
        ph.note = s.error;
        break;
      }
      // A read longer than the interval starts the next at once, never a burst.
      next = std::max(next + step, b);
    }
  }
  sleep_until(end);
  getrusage(RUSAGE_SELF, &r1);
  ph.cpu_s = cpu_seconds(r1) - cpu_seconds(r0);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

/// Runs the command in its own process group for `seconds`, then SIGTERM to
/// the group (SIGKILL 10 s later), and reaps the whole group: this process is
/// a child subreaper, so what the shell started and left behind comes back
/// here, and its CPU time into RUSAGE_CHILDREN.
void run_external(Phase& ph, pid_t target, double seconds) {
  std::string dir = (std::filesystem::temp_directory_path() / "snap_stall.XXXXXX").string();
  if (!mkdtemp(dir.data())) {
    ph.note = fmt::format("mkdtemp {}: {}", dir, std::strerror(errno));
    return;
  }
  const std::string command =
      replace_all(replace_all(ph.reader->command, "{pid}", std::to_string(target)), "{dir}", dir);
  rusage r0, r1;
  getrusage(RUSAGE_CHILDREN, &r0);
  const std::int64_t end = now_ns() + static_cast<std::int64_t>(seconds * kNs);
  const pid_t pid = fork();
  if (pid < 0) {
    ph.note = fmt::format("fork: {}", std::strerror(errno));
    return;
  }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);
  g_reader_group = pid;
  int status = 0;
  bool exited = false;
  while (now_ns() < end && !exited) {
    sleep_ns(20'000'000);
    exited = waitpid(pid, &status, WNOHANG) == pid;
  }
  if (exited)
    ph.note = fmt::format("exited {} before the {} s were up",
                          WIFEXITED(status) ? fmt::format("with status {}", WEXITSTATUS(status))
                                            : fmt::format("on signal {}", WTERMSIG(status)),
                          seconds);
  kill(-pid, SIGTERM);
  const std::int64_t deadline = now_ns() + 10 * kNs;
  for (;;) {
    const pid_t got = waitpid(-pid, &status, WNOHANG);
    if (got < 0) break;  // ECHILD: the group is reaped
    if (got == 0) {
      if (now_ns() > deadline) kill(-pid, SIGKILL);
      sleep_ns(10'000'000);
    }
  }
  g_reader_group = 0;
  getrusage(RUSAGE_CHILDREN, &r1);
  ph.cpu_s = cpu_seconds(r1) - cpu_seconds(r0);
  // Its reads: the snapshots it left (a manifest or index *.json is not one).
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() != ".json") ++ph.reads;
  ph.reads_known = ph.reads > 0;
  std::filesystem::remove_all(dir, ec);
}

// ---------------------------------------------------------------- figures

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/// Three significant figures, never an exponent.
std::string num(double v) {
  if (v >= 100) return fmt::format("{:.0f}", v);
  if (v >= 10) return fmt::format("{:.1f}", v);
  if (v >= 1) return fmt::format("{:.2f}", v);
  return fmt::format("{:.3f}", v);
}

struct Victim {
  std::size_t windows = 0;
  double worst_med = 0, worst_max = 0, p999_med = 0;  // ms
  double blocked_med = 0, blocked_max = 0;            // ms, turns that slept
  double off_cpu = 0, runq = 0, asleep = 0;           // ms per s, medians
  bool runq_known = true;
};

Victim victim_figures(const stall::Shared& sh, std::uint32_t published, std::int32_t phase) {
  std::vector<const stall::Window*> all, full;
  for (std::uint32_t i = 0; i < published; ++i)
    if (sh.windows[i].phase == phase) {
      all.push_back(&sh.windows[i]);
      // The last window of a phase is cut short; it counts for the max only.
      if (sh.windows[i].end_ns - sh.windows[i].start_ns >= kNs / 2) full.push_back(&sh.windows[i]);
    }
  if (full.empty()) full = all;
  Victim v;
  v.windows = full.size();
  std::vector<double> worst, blocked, p999, off, runq, asleep;
  for (const auto* w : all) {
    v.worst_max = std::max(v.worst_max, static_cast<double>(w->worst_ns) / 1e6);
    v.blocked_max = std::max(v.blocked_max, static_cast<double>(w->worst_blocked_ns) / 1e6);
  }
  for (const auto* w : full) {
    const auto wall = static_cast<double>(w->end_ns - w->start_ns);
    const double off_ns = std::max(0.0, wall - static_cast<double>(w->cpu_ns));
    worst.push_back(static_cast<double>(w->worst_ns) / 1e6);
    blocked.push_back(static_cast<double>(w->worst_blocked_ns) / 1e6);
    p999.push_back(static_cast<double>(w->p999_ns) / 1e6);
    off.push_back(off_ns / wall * 1e3);
    if (w->runq_ns < 0) {
      v.runq_known = false;
    } else {
      runq.push_back(static_cast<double>(w->runq_ns) / wall * 1e3);
      asleep.push_back(std::max(0.0, off_ns - static_cast<double>(w->runq_ns)) / wall * 1e3);
    }
  }
  v.worst_med = median(worst);
  v.blocked_med = median(blocked);
  v.p999_med = median(p999);
  v.off_cpu = median(off);
  v.runq = median(runq);
  v.asleep = median(asleep);
  return v;
}

// ---------------------------------------------------------------- setup

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

struct Target {
  pid_t pid;
  stall::Shared* shared;
  double populate_s;
};

Target start_target(std::size_t gib) {
  void* mem = mmap(nullptr, sizeof(stall::Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    std::cerr << kTool << ": mmap of the shared windows: " << std::strerror(errno) << '\n';
    std::exit(1);
  }
  auto* shared = new (mem) stall::Shared{};
  shared->phase.store(stall::kGap);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    std::cerr << kTool << ": pipe: " << std::strerror(errno) << '\n';
    std::exit(1);
  }
  const pid_t parent = getpid();
  const std::int64_t t0 = now_ns();
  const pid_t pid = fork();
  if (pid < 0) {
    std::cerr << kTool << ": fork: " << std::strerror(errno) << '\n';
    std::exit(1);
  }
  if (pid == 0) {
    close(fds[0]);
    stall::run_target(shared, gib, fds[1], parent);
  }
  g_target = pid;
  std::atexit(kill_target);
  close(fds[1]);
  std::string line;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') line += c;
  close(fds[0]);
  if (line != "ready") {
    std::cerr << kTool << ": the target (pid " << pid << ") "
              << (line.empty() ? "died before it was ready (out of memory?)" : line) << '\n';
    std::exit(1);
  }
  return {pid, shared, static_cast<double>(now_ns() - t0) / kNs};
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string gib_text = "4", seconds_text = "5", interval_text = "200ms,1s", only_text;
  std::vector<std::string> external;
  po::options_description shown("Options");
  shown.add_options()
      ("gib", po::value(&gib_text), "GiB of anonymous memory the target holds (default 4)")
      ("seconds", po::value(&seconds_text), "how long each reader runs (default 5)")
      ("interval", po::value(&interval_text),
       "time between reads of the built-in periodic readers, a comma-separated list (default "
       "200ms,1s); 0 reads back to back")
      ("reader", po::value(&external),
       "NAME=COMMAND: a reader of your own, run by sh for --seconds, then sent SIGTERM; {pid} in "
       "COMMAND is the target's pid, {dir} a fresh temporary directory (repeatable)")
      ("only", po::value(&only_text), "run only these readers (comma-separated names); none always runs")
      ("help", "show this help and exit")
      ("version", "show the version and exit");
  const snap::cli::Help help{
      "Usage: snap_stall [OPTION]...\n",
      "How long a thread of a process holding --gib GiB of 4 KiB pages waits in mmap/munmap while\n"
      "a reader reads the process's smaps, smaps_rollup or pagemap. Readers: none, smaps,\n"
      "smaps_rollup, pagemap-big, pagemap-2m-sleep, pagemap-scan, pagemap-scan-2m (the PAGEMAP_SCAN\n"
      "ioctl, Linux 6.7), and those of --reader. Prints a markdown table.\n",
      "\nExit status: 0, 1 on a failure of the system, 2 on a bad option.\n"};
  const auto vm = snap::cli::parse(argc, argv, kTool, shown, help);
  (void)vm;

  const std::size_t gib = snap::cli::count(kTool, "gib", gib_text);
  const std::size_t seconds = snap::cli::count(kTool, "seconds", seconds_text);
  if (gib == 0 || gib > (std::size_t{1} << 20)) snap::cli::usage_error(kTool, "--gib must be from 1 to 1048576");
  if (seconds == 0) snap::cli::usage_error(kTool, "--seconds must be at least 1");
  std::vector<std::pair<std::string, double>> intervals;
  for (const auto& t : split(interval_text, ',')) {
    const auto d = snap::parse_duration(t);
    if (t.empty() || !d) snap::cli::usage_error(kTool, fmt::format("--interval: '{}' is not a duration (200ms, 1s, 0)", t));
    intervals.emplace_back(t, *d);
  }
  if (intervals.empty()) snap::cli::usage_error(kTool, "--interval: no interval given");

  std::vector<Reader> readers = builtins();
  for (const auto& r : external) {
    const auto eq = r.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == r.size())
      snap::cli::usage_error(kTool, fmt::format("--reader '{}' is not NAME=COMMAND", r));
    const std::string name = r.substr(0, eq);
    for (const auto& known : readers)
      if (known.name == name) snap::cli::usage_error(kTool, fmt::format("--reader: there is already a reader named '{}'", name));
    readers.push_back({name, Kind::external, r.substr(eq + 1)});
  }
  if (!only_text.empty()) {
    std::vector<std::string> only = split(only_text, ',');
    for (const auto& n : only)
      if (std::none_of(readers.begin(), readers.end(), [&](const Reader& r) { return r.name == n; }))
        snap::cli::usage_error(kTool, fmt::format("--only: no reader named '{}'", n));
    std::erase_if(readers, [&](const Reader& r) {
      return r.kind != Kind::none && std::find(only.begin(), only.end(), r.name) == only.end();
    });
  }

  const auto avail_kb = kb_field(slurp("/proc/meminfo"), "MemAvailable").value_or(0);
  if ((gib << 20) + (std::size_t{512} << 10) > avail_kb) {
    std::cerr << fmt::format("{}: --gib {} needs {} GiB and some room; MemAvailable is {:.1f} GiB\n", kTool, gib,
                             gib, static_cast<double>(avail_kb) / (1 << 20));
    return 1;
  }

  prctl(PR_SET_CHILD_SUBREAPER, 1);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) signal(sig, on_signal);
  signal(SIGPIPE, SIG_IGN);

  utsname u{};
  uname(&u);
  const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  const std::string started_load = loadavg();
  std::cerr << fmt::format("{}: populating {} GiB in the target...\n", kTool, gib);
  const Target target = start_target(gib);
  stall::Shared& sh = *target.shared;

  const std::string rollup = slurp(fmt::format("/proc/{}/smaps_rollup", target.pid));
  const int scan_err = scan_errno(target.pid, page);
  if (scan_err != 0) {
    std::cerr << fmt::format("{}: PAGEMAP_SCAN is not supported here ({}): pagemap-scan and pagemap-scan-2m are skipped\n",
                             kTool, std::strerror(scan_err));
    std::erase_if(readers, [](const Reader& r) { return r.kind == Kind::scan || r.kind == Kind::scan_2m; });
  }

  std::vector<Phase> phases;
  for (const auto& r : readers) {
    if (r.kind == Kind::none || r.kind == Kind::external)
      phases.emplace_back(&r, "", 0);
    else
      for (const auto& [text, s] : intervals) phases.emplace_back(&r, text, s);
  }

  // Let the machine settle after populating, then one phase per row.
  sleep_until(now_ns() + kNs);
  ReadState state{target.pid, page};
  for (std::size_t i = 0; i < phases.size(); ++i) {
    Phase& ph = phases[i];
    std::cerr << fmt::format("{}: [{}/{}] {} {}\n", kTool, i + 1, phases.size(), ph.reader->name, ph.interval);
    ph.load = loadavg();
    sh.phase.store(static_cast<std::int32_t>(i), std::memory_order_release);
    if (ph.reader->kind == Kind::external)
      run_external(ph, target.pid, static_cast<double>(seconds));
    else
      run_builtin(ph, state, static_cast<double>(seconds));
    sh.phase.store(stall::kGap, std::memory_order_release);
    if (!ph.note.empty()) std::cerr << fmt::format("{}: {}: {}\n", kTool, ph.reader->name, ph.note);
    sleep_until(now_ns() + kNs / 4);
  }
  const std::uint32_t published = sh.published.load(std::memory_order_acquire);
  // Light snapshot vs smaps_rollup taken right after it: the Rss totals
  // (the target is static apart from the victim's single page).
  std::vector<std::string> agreement;
  for (int i = 0; i < 3; ++i) {
    try {
      const snap::LightRead light = snap::read_light(target.pid);
      const auto after = kb_field(slurp(fmt::format("/proc/{}/smaps_rollup", target.pid)), "Rss");
      const double l = static_cast<double>(light.totals.value_or_zero(snap::Field::rss) >> 10);
      const double r = static_cast<double>(after.value_or(0));
      agreement.push_back(fmt::format("light ({}) {} kB, smaps_rollup {} kB: {:+.3f}%", snap::light_method_name(light.method),
                                      l, r, r > 0 ? (l - r) / r * 100 : 0.0));
    } catch (const snap::Error& e) {
      agreement.push_back(fmt::format("light read failed: {}", e.what()));
    }
  }
  kill_target();

  fmt::print("kernel {} ({}), page size {} B, {} CPUs online, THP: {}\n", u.release, u.machine, page,
             sysconf(_SC_NPROCESSORS_ONLN), trim(slurp("/sys/kernel/mm/transparent_hugepage/enabled")));
  fmt::print("load average at start: {}\n", started_load);
  fmt::print("target: {} GiB anonymous, MADV_NOHUGEPAGE, every page touched ({:.1f} s); its smaps_rollup: Rss {} kB, "
             "AnonHugePages {} kB\n",
             gib, target.populate_s, kb_field(rollup, "Rss").value_or(0), kb_field(rollup, "AnonHugePages").value_or(0));
  for (const auto& a : agreement) fmt::print("Rss total, {}\n", a);
  fmt::print("PAGEMAP_SCAN: {}\n", scan_err ? fmt::format("not supported ({})", std::strerror(scan_err)) : "supported");
  fmt::print("each reader: {} s; victim: mmap+munmap of one page in a loop, figures per 1 s window\n\n", seconds);

  fmt::print("| reader | interval | load 1/5/15 | reads | read wall ms (mean) | reader CPU ms/read | "
             "stall ms (median of 1 s worst) | stall ms (max) | blocked stall ms (median) | blocked stall ms "
             "(max) | p99.9 ms (median) | off-CPU ms/s | runq wait ms/s | asleep ms/s |\n");
  fmt::print("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const Phase& ph = phases[i];
    const Victim v = victim_figures(sh, published, static_cast<std::int32_t>(i));
    const bool ext = ph.reader->kind == Kind::external;
    const bool none = ph.reader->kind == Kind::none;
    const std::string interval = ext ? "(its own)" : none ? "" : ph.interval == "0" ? "0 (back to back)" : ph.interval;
    const std::string reads = none ? "" : ph.reads_known ? std::to_string(ph.reads) : "?";
    const std::string wall = none || ext || ph.reads == 0 ? "" : num(ph.read_wall_s / static_cast<double>(ph.reads) * 1e3);
    const std::string cpu =
        none ? "" : ph.reads_known && ph.reads > 0 ? num(ph.cpu_s / static_cast<double>(ph.reads) * 1e3)
                                                   : fmt::format("{} total", num(ph.cpu_s * 1e3));
    const std::string runq = v.runq_known ? num(v.runq) : "n/a";
    const std::string asleep = v.runq_known ? num(v.asleep) : "n/a";
    fmt::print("| {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", ph.reader->name,
               ph.note.empty() ? "" : " (!)", interval, ph.load, reads, wall, cpu, num(v.worst_med), num(v.worst_max),
               num(v.blocked_med), num(v.blocked_max), num(v.p999_med), num(v.off_cpu), runq, asleep);
  }
  fmt::print(
      "\nstall: the victim's longest mmap+munmap turn per 1 s window (median over the reader's windows, and the "
      "max); blocked stall: the same of the turns in which it slept (a voluntary context switch: the mmap lock), "
      "not only waited for a CPU; p99.9: the 99.9th percentile of its turns per window. off-CPU: wall minus the victim's CPU time "
      "(CLOCK_THREAD_CPUTIME_ID); runq wait: schedstat's \"time spent waiting on a runqueue\"; asleep: off-CPU "
      "minus runq wait, the time blocked (the mmap lock's rwsem sleeps there), all per second of wall. reader "
      "CPU: user+sys of this process (built-in readers) or of the command's process group (external ones, whose "
      "reads are the files other than *.json they left in {{dir}}), per read.\n");
  for (const auto& ph : phases)
    if (!ph.note.empty()) fmt::print("(!) {} {}: {}\n", ph.reader->name, ph.interval, ph.note);
  return 0;
}
