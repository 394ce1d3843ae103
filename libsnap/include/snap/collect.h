// Reading a live process from /proc, as snapcollect does: smaps (timed, for
// the target pays for it: the kernel holds its mmap lock during the walk),
// its threads, its cgroup's memory bounds and vm.max_map_count.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "snap/manifest.h"
#include "snap/process_watch.h"
#include "snap/snapshot.h"

namespace snap {

/// Reading /proc failed. `gone()`: the process no longer exists;
/// `denied()`: another user's process without ptrace rights.
class ProcError : public std::runtime_error {
 public:
  ProcError(std::string what, int err) : std::runtime_error(std::move(what)), errno_(err) {}
  int error() const { return errno_; }
  bool gone() const;
  bool denied() const;

 private:
  int errno_;
};

/// Trouble with the output directory, not with the process.
class OutputError : public ProcError {
 public:
  using ProcError::ProcError;
};

struct SmapsRead {
  std::string text;
  double wall = 0;          // when the read began, seconds since the epoch
  double monotonic = 0;     // the same, CLOCK_MONOTONIC
  double read_seconds = 0;  // how long it took
};

/// `root` is "/proc" except in tests; `size_hint`, the size of the last
/// read, lets the buffer be allocated once.
SmapsRead read_smaps(std::int64_t pid, const std::string& root = "/proc", std::size_t size_hint = 0);

/// The totals of smaps text that the manifest records (Size, Rss, Pss, Swap,
/// summed as `grep Rss | awk` would) and its number of mappings, in one
/// pass without building regions: the collection loop's cost stays close to
/// `cat`. nullopt when the text does not end in a newline (a cut read).
/// `chunk`: fed that many bytes at a time, as snapcollect feeds its reads.
std::optional<std::pair<Counters, std::size_t>> smaps_totals(std::string_view text,
                                                             std::size_t chunk = SIZE_MAX);
std::vector<ThreadInfo> read_threads(std::int64_t pid, const std::string& root = "/proc");
/// The process's command line, arguments joined by spaces.
std::string read_command(std::int64_t pid, const std::string& root = "/proc");
std::optional<std::uint64_t> read_max_map_count(const std::string& root = "/proc");
/// When the process started, in seconds since the epoch: /proc/PID/stat's
/// starttime (clock ticks since boot) placed on the wall clock through
/// CLOCK_BOOTTIME, to the tick (/proc/stat's btime is whole seconds).
/// nullopt when unreadable.
std::optional<double> read_process_start(std::int64_t pid, const std::string& root = "/proc");
/// The same from a /proc/PID/stat text, given the boot and wall clocks now
/// (seconds) and the clock tick rate; nullopt when malformed.
std::optional<double> process_start_from_stat(std::string_view stat, double boottime_now, double wall_now,
                                              long ticks_per_second);
/// False once the process has exited: gone from /proc, or a zombie not yet
/// reaped. True when /proc/PID/stat cannot be read for another reason: the
/// snapshot's own read then says what is wrong.
bool process_running(std::int64_t pid, const std::string& root = "/proc");
std::string read_boot_id(const std::string& root = "/proc");
/// cgroup v2 memory.current/memory.max, else v1 memory.usage_in_bytes and
/// memory.limit_in_bytes, found through /proc/PID/cgroup and the mount
/// table (/proc/PID/mountinfo). nullopt when neither is readable.
std::optional<CgroupMemory> read_cgroup_memory(std::int64_t pid, const std::string& root = "/proc");

/// What `pmap -x PID` (procps 4) prints for this snapshot: 16-digit
/// addresses, KiB, modes without p, basenames, "[ anon ]", "[ stack ]".
std::string render_pmap_x(const Snapshot& s);

/// An output directory that never loses what it holds: each file is written
/// to a temporary name, synced, then linked to its final name, which fails
/// rather than replace anything (a planted symlink included); a taken
/// number is skipped. The directory itself is opened without following a
/// symlink. It is private (directories 0700, files 0600) and locked
/// (flock) while it is open: one collection at a time.
class OutputDir {
 public:
  /// Creates `path` (and parents, 0700) if needed. Throws OutputError when
  /// it cannot; when it is another user's, reached through another user's
  /// symlink in a sticky directory, locked by another collection, or
  /// already holds a collection's manifest.
  explicit OutputDir(const std::string& path);
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  /// Writes `content` as "STEM.NNNN", NNNN the first free number from
  /// `number` on (updated). Returns the name. On failure (a full disk) the
  /// partial file is removed and ProcError thrown.
  std::string write_numbered(const std::string& stem, std::uint32_t& number, std::string_view content);
  /// The steps of write_numbered, for writing as data arrives: a new
  /// temporary file (fd, name); its end (fsync and close, or remove it and
  /// throw when `err`, an errno, is not 0); its final numbered name. The
  /// name is durable once the next write_manifest has synced the directory.
  std::pair<int, std::string> open_temp(const std::string& base);
  void finish_temp(int fd, const std::string& temp, int err);
  std::string link_numbered(const std::string& temp, const std::string& stem, std::uint32_t& number);
  /// Replaces manifest.json atomically (rename over the old one).
  void write_manifest(const Manifest& m);
  /// Removes a file this directory wrote (taking a snapshot back).
  void remove(const std::string& name);
  /// After a collection that kept nothing: unlocks the directory and removes
  /// the directories the constructor created, deepest first, as long as
  /// they are empty. True when `path` itself is gone.
  bool remove_unused();
  const std::string& path() const { return path_; }

 private:
  /// Writes and syncs a new temporary file; returns its name.
  std::string write_temp(const std::string& base, std::string_view content);
  std::string path_;
  std::vector<std::string> created_;  // the directories the constructor made, outermost first
  int fd_ = -1;
};

struct CollectOptions {
  std::int64_t pid = 0;
  double interval = 30;              // seconds between snapshot starts
  std::optional<std::size_t> count;  // stop after this many
  std::optional<double> duration;    // stop after this long (seconds), counted from the first snapshot
  double delay = 0;                  // seconds before the first snapshot (past the target's start-up)
  std::string format = "smaps";      // or "pmap-x"
  bool jcmd = false;                 // also save jcmd VM.native_memory detail
  std::string root = "/proc";
};

/// Hooks the collection loop calls; all optional.
struct CollectHooks {
  std::function<bool()> stop_requested;  // polled often; true ends the collection after the current snapshot
  std::function<void(const Manifest&)> on_snapshot;   // after each snapshot is safely written
  std::function<void(const std::string&)> on_notice;  // one-time remarks (NMT is off, ...)
};

/// Why a collection ended.
enum class CollectEnd { count_reached, duration_reached, target_exited, interrupted };
std::string_view collect_end_name(CollectEnd e);

/// The loop: a snapshot every `interval` (scheduled from the start, so reads
/// do not add drift; a read longer than the interval skips the slots it
/// overran) until `count`, `duration` (elapsed), the exit of `target` (the
/// process options.pid named when it was found: a new process given the
/// pid is not followed) or a stop request. A read the process did not
/// live through, or exec'd during, is discarded (manifest "discarded"),
/// never kept. Every completed snapshot stays; the manifest is valid after
/// each. A process that exits before the first snapshot leaves no manifest
/// (nothing was collected; see OutputDir::remove_unused). Throws ProcError
/// for permission denied or a full disk (after removing the partial file).
CollectEnd collect(OutputDir& dir, const ProcessWatch& target, const CollectOptions& options,
                   const CollectHooks& hooks, Manifest& manifest);

}  // namespace snap
