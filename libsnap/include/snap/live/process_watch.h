// The process a collection watches, held by identity rather than by pid: a
// pid is reused once its process has exited, and a collection that follows
// the number ends up reading a stranger and calling the difference a leak.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace snap {

/// What /proc/PID/stat says of a process that tells it apart: from another
/// process given the same pid later (its start time), and from itself
/// before an exec (where its stack and arguments begin: a new image puts
/// them elsewhere; zero where the kernel hides them from us).
struct ProcessStat {
  std::string comm;
  char state = '?';
  std::uint64_t flags = 0;        // PF_*: PF_KTHREAD marks a kernel thread
  std::uint64_t start_ticks = 0;  // clock ticks after boot
  std::uint64_t vsize = 0;        // 0 once the memory map is gone (exiting)
  std::uint64_t start_code = 0;   // 1 where the kernel hides the addresses below
  std::uint64_t start_stack = 0;
  std::uint64_t arg_start = 0;
  std::uint64_t env_end = 0;
};

/// nullopt when `stat` is not a /proc/PID/stat line.
std::optional<ProcessStat> parse_process_stat(std::string_view stat);

/// False while an exec is still building the new image: the kernel sets
/// the start of the arguments (and the stack, at the same address) before
/// it maps the program, and the end of the environment and the final
/// stack only once argv and envp are in place; /proc/PID/cmdline reads
/// empty until then. True where the kernel hides these fields: then its
/// memory map is unreadable too, and waiting would tell nothing.
bool image_complete(const ProcessStat& s);

/// One process, from when it is found until it exits. Holds a pidfd where
/// the kernel has them (5.3 on): it becomes readable when that process
/// exits, whatever has the pid since; the start time is compared too.
class ProcessWatch {
 public:
  /// Throws ProcError (ESRCH) saying why `pid` has no memory map to
  /// collect: no such process, a zombie, a kernel thread. `own_child`: the
  /// caller started it (-- COMMAND), so a zombie is one that has already
  /// exited: watched, not alive, rather than refused.
  explicit ProcessWatch(std::int64_t pid, const std::string& root = "/proc", bool own_child = false);
  ~ProcessWatch();
  ProcessWatch(const ProcessWatch&) = delete;
  ProcessWatch& operator=(const ProcessWatch&) = delete;

  std::int64_t pid() const { return pid_; }
  /// False once the process has exited (a zombie included, and one whose
  /// memory map is already torn down), even when another process has its
  /// pid by now.
  bool alive() const;
  /// True when another process has the pid by now.
  bool replaced() const;
  /// A token of the program the process runs: it changes on an exec in
  /// place. nullopt once the process is gone.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> image() const;

 private:
  std::optional<ProcessStat> stat() const;
  std::int64_t pid_;
  std::string root_;
  int pidfd_ = -1;
  std::uint64_t start_ticks_ = 0;
};

}  // namespace snap
