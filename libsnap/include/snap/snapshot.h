// The regions of one process at one moment, and what the file says about it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "snap/counters.h"
#include "snap/region.h"
#include "snap/region_store.h"

namespace snap {

/// Every input format snap reads. Detected from structure, never from words
/// (procps translates its headers).
enum class Format {
  smaps,           // /proc/PID/smaps
  smaps_rollup,    // /proc/PID/smaps_rollup: totals only, no ranges
  maps,            // /proc/PID/maps: ranges, no counters but Size
  pmap,            // pmap PID (procps and Solaris): ADDR SIZEK MODE NAME
  pmap_x,          // procps pmap -x: Address Kbytes RSS Dirty Mode Mapping
  pmap_X,          // procps pmap -X and -XX: columns named by the header
  pmap_d,          // procps pmap -d: Address Kbytes Mode Offset Device Mapping
  solaris_pmap_x,  // Solaris/illumos pmap -x: Address Kbytes RSS Anon Locked Mode Mapped File
  core,            // an ELF core file (gcore, the kernel's): segments and mapped files, Size only
};

/// "smaps", "pmap-x", "pmap-X", "solaris-pmap-x", ...
std::string_view format_name(Format f);
std::optional<Format> format_from_name(std::string_view name);

/// A problem that did not stop parsing but must not go unsaid (a missing
/// footer, a truncated last line). Tools print them to stderr.
struct Warning {
  std::size_t line = 0;
  std::string message;
};

/// A thread of the process at capture time (snapcollect records them):
/// its stack pointer names the anonymous mapping that is its stack.
struct ThreadInfo {
  std::int64_t tid = 0;
  std::string name;                 // /proc/PID/task/TID/comm
  std::optional<std::uint64_t> sp;  // from /proc/PID/task/TID/syscall, when blocked in one
  bool operator==(const ThreadInfo&) const = default;
};

/// The largest process id Linux hands out (PID_MAX_LIMIT on 64 bits): what
/// snapdiff --pid (for gdb -p) accepts.
inline constexpr std::int64_t kMaxPid = std::int64_t{1} << 22;

struct CollectionRecord;  // snap/collection.h

struct Snapshot {
  std::string source;  // the path given, "-" for stdin
  Format format = Format::smaps;
  std::optional<std::int64_t> pid;  // from a pmap header
  std::string command;              // from a pmap header
  /// Sorted by start, never overlapping. Empty for smaps_rollup.
  RegionStore regions;
  /// The sum over regions; for smaps_rollup, the file's own totals.
  Counters totals;
  /// The totals line the file printed itself (pmap's footers), if any;
  /// tests check it against `totals`.
  std::optional<Counters> reported_totals;
  std::vector<Warning> warnings;
  /// The threads at capture time, when a collection recorded them.
  std::vector<ThreadInfo> threads;
  /// When it was captured and when the process started (seconds since the
  /// epoch), when a collection recorded them.
  std::optional<double> captured;
  std::optional<double> process_start;
  /// What snapcollect's manifest said about the collection, shared by the
  /// snapshots of one directory; null for snapshots from elsewhere.
  std::shared_ptr<const CollectionRecord> collection;

  /// False for smaps_rollup, which can serve totals but not ranges.
  bool has_ranges() const { return format != Format::smaps_rollup; }
  /// Which counters every region of this snapshot carries.
  bool knows(Field f) const { return totals.known(f); }
};

}  // namespace snap
