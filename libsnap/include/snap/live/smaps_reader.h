// The one reader of /proc/PID/smaps: every smaps snapcollect takes goes
// through read_smaps_to, whether into a snapshot file or into memory.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "snap/counters.h"
#include "snap/live/clock.h"

namespace snap {

/// What one read of smaps found, whatever its text was handed to.
struct SmapsScan {
  double wall = 0;          // when the read began, seconds since the epoch
  double monotonic = 0;     // the same, on the monotonic clock
  double read_seconds = 0;  // time spent inside read(): the kernel's walk, under the target's mmap lock
  std::uint64_t bytes = 0;
  /// The totals the manifest records and the number of mappings; nullopt
  /// when the text was empty, held no mapping or did not end in a newline
  /// (a process gone during the read).
  std::optional<std::pair<Counters, std::size_t>> totals;
  /// Records that began below the end of the record before: the mappings
  /// changed between two of the kernel's page-sized reads (a torn read).
  std::size_t overlaps = 0;
  int read_err = 0;   // errno of a failed read, or 0
  int write_err = 0;  // what `sink` returned when it failed, or 0
};

/// Reads `path` (an smaps file) to its end through one 1 MiB buffer,
/// handing each chunk to `sink` (which returns 0, or an errno that ends the
/// read) and scanning the totals on the way: the cost stays close to `cat`.
/// Throws ProcError when `path` cannot be opened.
SmapsScan read_smaps_to(const std::string& path, const std::function<int(std::string_view)>& sink,
                        const Clock& clock = Clock::system());

struct SmapsRead {
  std::string text;
  double wall = 0;          // when the read began, seconds since the epoch
  double monotonic = 0;     // the same, CLOCK_MONOTONIC
  double read_seconds = 0;  // how long it took
  std::size_t overlaps = 0;  // as SmapsScan's: a torn read when not 0
};

/// ROOT/PID/smaps in memory. `size_hint`, the size of the last read, lets
/// the buffer be allocated once. Throws ProcError, gone() when the process
/// is (no file, or the empty file of a process that has exited).
SmapsRead read_smaps(std::int64_t pid, const std::string& root = "/proc", std::size_t size_hint = 0,
                     const Clock& clock = Clock::system());

/// The totals of smaps text that the manifest records (Size, Rss, Pss, Swap,
/// summed as `grep Rss | awk` would) and its number of mappings, in one
/// pass without building regions. nullopt when the text does not end in a
/// newline (a cut read). `chunk`: fed that many bytes at a time, as the
/// reader feeds its reads.
std::optional<std::pair<Counters, std::size_t>> smaps_totals(std::string_view text,
                                                             std::size_t chunk = SIZE_MAX);

}  // namespace snap
