// The target of snap_stall (stall.cc): a process holding GIB GiB of anonymous
// memory resident as 4 KiB pages, and a victim thread that maps and unmaps
// one page in a loop, timing each turn. mmap and munmap take the target's
// mmap lock for writing, so a reader that holds it for reading (a page-table
// walk of /proc/PID/smaps) shows up as a long turn.
//
// The victim publishes one Window per second, or sooner when the parent
// changes the phase (starts or stops a reader), into memory shared with the
// parent; the parent reads them after the run.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace stall {

inline constexpr std::uint32_t kMaxWindows = 8192;  // over two hours of windows
inline constexpr std::int32_t kGap = -1;            // between readers: not counted
inline constexpr std::int64_t kWindowNs = 1'000'000'000;
// Turns kept per window for the percentile: a turn takes 1-5 us unstalled.
inline constexpr std::size_t kMaxTurns = std::size_t{4} << 20;

struct Window {
  std::int32_t phase;
  std::uint32_t turns;      // turns kept for p999 (at most kMaxTurns)
  std::int64_t start_ns;    // CLOCK_MONOTONIC: the same clock in both processes
  std::int64_t end_ns;
  std::int64_t worst_ns;    // of all turns, kept or not
  std::int64_t worst_blocked_ns;  // of the turns in which the victim went to sleep
  std::int64_t p999_ns;
  std::int64_t cpu_ns;      // CLOCK_THREAD_CPUTIME_ID of the victim
  std::int64_t runq_ns;     // schedstat's run-queue wait; -1 without schedstat
};

struct Shared {
  std::atomic<std::int32_t> phase;
  std::atomic<std::uint32_t> published;
  Window windows[kMaxWindows];
};
// They cross a fork in MAP_SHARED memory: only lock-free atomics work there.
static_assert(std::atomic<std::int32_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

inline std::int64_t clock_ns(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

/// The second field of /proc/self/task/TID/schedstat: "time spent waiting on
/// a runqueue" (Documentation/scheduler/sched-stats.rst). Sleeping on the
/// mmap lock's rwsem is not in it; that is wall minus CPU minus this.
inline std::int64_t runq_wait_ns(int fd) {
  if (fd < 0) return -1;
  char buf[128];
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  buf[n] = '\0';
  char* end = nullptr;
  std::strtoull(buf, &end, 10);
  return static_cast<std::int64_t>(std::strtoull(end, nullptr, 10));
}

/// Voluntary context switches of the calling thread: one more after a turn
/// means the turn slept (on the mmap lock, whose rwsem sleeps once its
/// owner is a reader); a turn only preempted has an involuntary one instead,
/// so the run queue's delays on a busy machine do not count as blocking.
inline long voluntary_switches() {
  rusage r;
  getrusage(RUSAGE_THREAD, &r);
  return r.ru_nvcsw;
}

[[noreturn]] inline void victim_loop(Shared* shared) {
  const std::string path = "/proc/self/task/" + std::to_string(gettid()) + "/schedstat";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  // Faulted in now, so that no page fault of our own lands in a turn.
  std::vector<std::int64_t> turns(kMaxTurns, 0);
  const long page = sysconf(_SC_PAGESIZE);

  Window w{};
  std::size_t n = 0;
  std::int64_t cpu0 = 0, runq0 = 0;
  auto open_window = [&] {
    w = Window{};
    w.phase = shared->phase.load(std::memory_order_acquire);
    n = 0;
    runq0 = runq_wait_ns(fd);
    cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    w.start_ns = clock_ns(CLOCK_MONOTONIC);
  };
  auto close_window = [&](std::int64_t now) {
    w.end_ns = now;
    w.cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    const std::int64_t runq1 = runq_wait_ns(fd);
    w.runq_ns = runq0 < 0 || runq1 < 0 ? -1 : runq1 - runq0;
    const std::size_t kept = std::min(n, kMaxTurns);
    w.turns = static_cast<std::uint32_t>(kept);
    if (kept > 0) {
      const std::size_t k = (kept * 999 + 999) / 1000 - 1;  // ceil(0.999 n) - 1
      std::nth_element(turns.begin(), turns.begin() + static_cast<std::ptrdiff_t>(k),
                       turns.begin() + static_cast<std::ptrdiff_t>(kept));
      w.p999_ns = turns[k];
    }
    const std::uint32_t i = shared->published.load(std::memory_order_relaxed);
    if (i < kMaxWindows) {
      shared->windows[i] = w;
      shared->published.store(i + 1, std::memory_order_release);
    }
  };

  open_window();
  long switches = voluntary_switches();
  for (;;) {
    std::int64_t t0 = clock_ns(CLOCK_MONOTONIC);
    if (t0 - w.start_ns >= kWindowNs || shared->phase.load(std::memory_order_relaxed) != w.phase) {
      close_window(t0);
      open_window();
      switches = voluntary_switches();
      t0 = clock_ns(CLOCK_MONOTONIC);
    }
    void* p = mmap(nullptr, static_cast<std::size_t>(page), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) munmap(p, static_cast<std::size_t>(page));
    const std::int64_t d = clock_ns(CLOCK_MONOTONIC) - t0;
    if (n < kMaxTurns) turns[n] = d;
    ++n;
    w.worst_ns = std::max(w.worst_ns, d);
    const long after = voluntary_switches();
    if (after != switches) w.worst_blocked_ns = std::max(w.worst_blocked_ns, d);
    switches = after;
  }
}

/// Runs in the forked child; never returns. Writes "ready\n" to `ready_fd`
/// once the memory is resident and the victim runs, or "error: ...\n" and
/// exits 1. Dies with the parent (PR_SET_PDEATHSIG), even when the parent
/// is killed by a signal it cannot catch.
[[noreturn]] inline void run_target(Shared* shared, std::size_t gib, int ready_fd, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);  // the parent died before prctl
  auto fail = [&](const char* what) {
    const std::string line = std::string("error: ") + what + ": " + std::strerror(errno) + "\n";
    if (write(ready_fd, line.data(), line.size()) < 0) _exit(1);
    _exit(1);
  };
  const std::size_t bytes = gib << 30;
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) fail("mmap of the target's memory");
  // With THP a 2 MiB extent is one PMD entry and the walks skip its 512
  // PTEs; the cost under study is the walk of 4 KiB pages.
  if (madvise(mem, bytes, MADV_NOHUGEPAGE) != 0) fail("madvise(MADV_NOHUGEPAGE)");
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  auto* bytes_p = static_cast<volatile char*>(mem);
  for (std::size_t off = 0; off < bytes; off += page) bytes_p[off] = 1;

  std::thread(victim_loop, shared).detach();
  if (write(ready_fd, "ready\n", 6) != 6) _exit(1);
  close(ready_fd);
  for (;;) pause();
}

}  // namespace stall
