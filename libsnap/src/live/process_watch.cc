// A watched process's identity: pidfd and /proc/PID/stat.
#include "snap/live/process_watch.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "live/proc_file.h"
#include "proc_text.h"
#include "snap/escape.h"
#include "snap/live/proc_error.h"

namespace snap {
namespace {

constexpr std::uint64_t kPfKthread = 0x00200000;

}  // namespace

std::optional<ProcessStat> parse_process_stat(std::string_view stat) {
  // "PID (COMM) S PPID ...": the name may hold spaces and ')'.
  const auto open = stat.find('('), close = stat.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  ProcessStat s;
  s.comm = std::string(stat.substr(open + 1, close - open - 1));
  const std::vector<std::string_view> f = detail::stat_fields(stat);  // f[0] is field 3, the state
  auto field = [&](std::size_t n) { return n - 3 < f.size() ? detail::proc_number(f[n - 3]) : std::nullopt; };
  if (f.empty() || f[0].size() != 1) return std::nullopt;
  s.state = f[0][0];
  auto flags = field(9), start = field(22);
  if (!flags || !start) return std::nullopt;
  s.flags = *flags;
  s.start_ticks = *start;
  s.vsize = field(23).value_or(0);
  s.start_code = field(26).value_or(0);
  s.start_stack = field(28).value_or(0);
  s.arg_start = field(48).value_or(0);
  s.env_end = field(51).value_or(0);
  return s;
}

bool image_complete(const ProcessStat& s) {
  return s.start_code == 1 || (s.env_end != 0 && s.start_stack != s.arg_start);
}

ProcessWatch::ProcessWatch(std::int64_t pid, const std::string& root, bool own_child) : pid_(pid), root_(root) {
  // The pidfd first, then the stat it is checked against: a pid reused in
  // between makes the pidfd say "exited" at the first look.
#if defined(SYS_pidfd_open)
  // Where the kernel has none (ENOSYS) or a seccomp filter forbids it, the
  // start time alone tells the process from a successor.
  if (root_ == "/proc") {
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
    if (pidfd_ < 0 && errno == ESRCH) throw ProcError(fmt::format("no process {}", pid), ESRCH);
    if (pidfd_ >= 0) ::fcntl(pidfd_, F_SETFD, FD_CLOEXEC);
  }
#endif
  auto s = stat();
  if (!s) throw ProcError(fmt::format("no process {}", pid), ESRCH);
  if ((s->state == 'Z' || s->state == 'X') && !own_child)
    throw ProcError(
        fmt::format("pid {} is a zombie: it has exited, its parent has not reaped it; it has no memory map", pid),
        ESRCH);
  if (s->flags & kPfKthread)
    throw ProcError(fmt::format("pid {} ({}) is a kernel thread: it has no memory map", pid, printable(s->comm)), ESRCH);
  start_ticks_ = s->start_ticks;
}

ProcessWatch::~ProcessWatch() {
  if (pidfd_ >= 0) ::close(pidfd_);
}

std::optional<ProcessStat> ProcessWatch::stat() const {
  auto text = detail::try_read_proc_file(fmt::format("{}/{}/stat", root_, pid_));
  if (!text) return std::nullopt;
  return parse_process_stat(*text);
}

bool ProcessWatch::alive() const {
  if (pidfd_ >= 0) {
    pollfd p{pidfd_, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP))) return false;
  }
  // An exiting process drops its memory map (vsize 0: what cuts a read of
  // smaps short) before it becomes a zombie and its pidfd readable.
  auto s = stat();
  return s && s->start_ticks == start_ticks_ && s->state != 'Z' && s->state != 'X' && s->vsize > 0;
}

bool ProcessWatch::replaced() const {
  auto s = stat();
  return s && s->start_ticks != start_ticks_;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> ProcessWatch::image() const {
  auto s = stat();
  if (!s || s->start_ticks != start_ticks_) return std::nullopt;
  return std::pair{s->start_stack, s->arg_start};
}

}  // namespace snap
