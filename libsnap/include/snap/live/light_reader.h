// A light snapshot: per mapping Size, Rss, Anonymous and Swap counted from
// the page tables through /proc/PID/pagemap, without holding the target's
// mmap lock for more than a few microseconds at a time.
//
// Reading smaps walks a whole mapping's page tables under the target's
// mmap lock (tens of ms for a process of several GiB): a thread of the
// target that maps or unmaps meanwhile waits that long. /proc/PID/maps
// walks no page table; pagemap (its PAGEMAP_SCAN ioctl, Linux 6.7+, or its
// read, older kernels) takes the lock per call. The reader bounds the work
// done per call and pauses between calls, so that a waiting writer is
// handed the lock instead of being overtaken by the next call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "snap/counters.h"
#include "snap/live/clock.h"

namespace snap {

/// How the pages were counted.
enum class LightMethod {
  automatic,     // PAGEMAP_SCAN where the kernel has it, else reading pagemap
  pagemap_scan,  // the ioctl: runs of present/swapped pages, the zero page told apart
  pagemap_read,  // one 64-bit entry per page: also tells exclusively mapped pages (Private, Shared)
};
/// "scan" or "entries" (as --light-method spells them) -> the method.
std::optional<LightMethod> light_method_from_name(std::string_view name);
std::string_view light_method_name(LightMethod m);

struct LightOptions {
  LightMethod method = LightMethod::automatic;
  /// PAGEMAP_SCAN: resident or swapped pages counted per call (2048 = 8 MiB
  /// of 4 KiB pages: measured ~0.2 ms of lock a call, and a quarter of the
  /// pauses 512 would take, which cost the reader more CPU than the walk);
  /// reading pagemap: entries read per call (2048 = 8 MiB of address).
  std::uint64_t pages_per_call = 2048;
  /// After every pages_per_call pages counted (or 64 calls, for processes
  /// of many small mappings): long enough for a writer woken by the unlock
  /// to take the lock (measured: 20 us keeps a victim's worst stall near
  /// 2 ms where sched_yield leaves it at 12 ms).
  double pause_seconds = 20e-6;
};

/// What one light read found.
struct LightRead {
  std::string text;         // smaps-shaped: each maps line, then only the keys counted
  double wall = 0;          // when the read began
  double monotonic = 0;
  double read_seconds = 0;  // the whole read, pauses included
  double longest_hold = 0;  // the longest single call: the longest the target's lock was held
  std::uint64_t calls = 0;
  LightMethod method = LightMethod::automatic;  // the one used
  Counters totals;
  std::size_t mappings = 0;
  /// The process exited during the read (after maps was read): no text,
  /// `mappings` is how many maps listed. Not a snapshot.
  bool cut = false;
  /// maps listed overlapping mappings in each of a few reads (it changed
  /// between the kernel's page-sized reads of it): no text, not a snapshot.
  bool torn = false;
  std::size_t vanished = 0;  // mappings unmapped (or another in their place) during the read: left out
};

/// The fields a light read knows, by method.
std::uint32_t light_known_mask(LightMethod m);

/// Reads ROOT/PID/maps, counts each mapping's pages through ROOT/PID/pagemap
/// and reads maps again: a mapping not there any more (nothing at its start,
/// or another mapping: other permissions, file or offset) is left out and
/// counted in `vanished`; one that grew or shrank is kept at the extent
/// counted. A process that exits during the read returns `cut`. Throws
/// ProcError: gone() when the process is gone before (no maps, or an empty
/// one), denied() for another user's process, and with ENOTTY when the
/// kernel has no pagemap (the caller reads smaps instead).
LightRead read_light(std::int64_t pid, const std::string& root = "/proc", const LightOptions& options = {},
                     const Clock& clock = Clock::system());

}  // namespace snap
