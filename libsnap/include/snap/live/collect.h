// The collection loop: snapshots of a live process into an output
// directory, on a schedule, until a count, a duration, the process's exit
// or a stop request.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "snap/live/clock.h"
#include "snap/live/light_reader.h"
#include "snap/live/output_dir.h"
#include "snap/live/proc_error.h"
#include "snap/live/process_watch.h"
#include "snap/manifest.h"

namespace snap {

/// How each snapshot is read.
enum class CollectMode {
  automatic,  // adaptive for a large target (kLargeRss resident or kLargeMappings), else full
  full,       // smaps: every counter; holds the target's mmap lock for a whole mapping's walk
  light,      // maps + pagemap: Size, Rss, Anonymous, Swap; the lock for microseconds at a time
  adaptive,   // light, but full for the first and the last snapshot and every --full-every
};
std::string_view collect_mode_name(CollectMode m);
inline constexpr std::uint64_t kLargeRss = 1ull << 30;
inline constexpr std::size_t kLargeMappings = 10000;

struct CollectOptions {
  std::int64_t pid = 0;
  double interval = 30;              // seconds between snapshot starts
  std::optional<std::size_t> count;  // stop after this many
  std::optional<double> duration;    // stop after this long (seconds), counted from the first snapshot
  double delay = 0;                  // seconds before the first snapshot (past the target's start-up)
  std::string format = "smaps";      // or "pmap-x"
  CollectMode mode = CollectMode::automatic;  // pmap-x: full only
  std::optional<std::size_t> full_every;      // adaptive: also a full snapshot every N
  LightOptions light;
  bool jcmd = false;                 // also save jcmd VM.native_memory detail
  std::string jcmd_program = "jcmd";  // looked up in PATH
  double jcmd_timeout = 60;           // seconds; past it jcmd is killed and --jcmd is off
  std::string root = "/proc";
};

/// Hooks the collection loop calls; all optional but the clock.
struct CollectHooks {
  std::function<bool()> stop_requested;  // polled often; true ends the collection after the current snapshot
  std::function<void(const Manifest&)> on_snapshot;   // after each snapshot is safely written
  std::function<void(const std::string&)> on_notice;  // one-time remarks (NMT is off, ...)
  Clock clock = Clock::system();                      // every time the loop and its reads take or wait
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
