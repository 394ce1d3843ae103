// The manifest snapcollect keeps in its output directory: what was
// collected, when, and what bounds the process. `snapdiff DIR` reads it.
//
// manifest.json, schema "snap.manifest/1", rewritten atomically after every
// snapshot so that it is valid JSON whenever the collection stops:
//   {"schema", "pid", "command", "boot_id", "start_wall", "process_start", "format",
//    "max_map_count", "interval", "snapshots": [{"file", "wall", "monotonic",
//    "read_seconds", "mappings", "totals": {"size", "rss", "pss", "swap"},
//    "threads": [{"tid", "name", "sp"}], "cgroup": {"version", "path",
//    "current", "max"}, "nmt", "command"}], "discarded": [{"wall", "reason",
//    "mappings"}], "slots_skipped", "end": {"reason", "wall"}}
// A snapshot's "command" is null unless the process exec'd since the one
// before (then its new command line). "discarded" lists reads not kept: the
// process exited (the kernel cut the read short) or exec'd during them, or
// the mappings changed during them (one listed twice: read again).
// "slots_skipped": interval slots skipped because reads overran them;
// "interval": seconds between snapshot starts (absent in older manifests).
// "start_wall" is when the collection began, "process_start" when the
// process did (null when unknown; manifests before it lack the field).
// Times are seconds (wall: since the epoch; monotonic: CLOCK_MONOTONIC),
// sizes bytes, "sp" a "0x..." string, "max": null when unlimited.
// "command" (both), thread "name" and cgroup "path" are the process's bytes:
// when not UTF-8, KEY holds printable() and KEY_hex the bytes in hex
// (json_text.h); parse_manifest takes KEY_hex when present.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "snap/snapshot.h"

namespace snap {

inline constexpr const char* kManifestSchema = "snap.manifest/1";
inline constexpr const char* kManifestName = "manifest.json";

struct CgroupMemory {
  int version = 2;                       // 1 or 2
  std::string path;                      // the cgroup, as /proc/PID/cgroup names it
  std::optional<std::uint64_t> current;  // memory.current / memory.usage_in_bytes
  std::optional<std::uint64_t> max;      // memory.max / memory.limit_in_bytes; nullopt: unlimited
  bool operator==(const CgroupMemory&) const = default;
};

struct ManifestEntry {
  std::string file;  // name within the directory
  double wall = 0;
  double monotonic = 0;
  double read_seconds = 0;  // how long the read took, from its start to its end
  /// "full": smaps, every counter; "light": maps + pagemap, Size, Rss,
  /// Anonymous and Swap only (Pss and the dirty counters unknown).
  std::string mode = "full";
  std::string method = "smaps";  // "smaps", "pagemap_scan" or "pagemap_read"
  /// The longest the target's mmap lock was held for this read: smaps holds
  /// it for a whole mapping's walk (recorded as the whole read, its upper
  /// bound); pagemap for the longest single call.
  double longest_hold = 0;
  std::size_t vanished = 0;  // light: mappings unmapped during the read, left out
  std::size_t mappings = 0;
  Counters totals;
  std::vector<ThreadInfo> threads;
  std::optional<CgroupMemory> cgroup;
  std::optional<std::string> nmt;  // jcmd VM.native_memory detail, saved beside it
  std::optional<std::string> command;  // set when the process exec'd since the snapshot before
};

/// A read that is not a snapshot: the process did not live through it.
struct DiscardedRead {
  double wall = 0;  // when the read began
  std::string reason;
  std::size_t mappings = 0;  // how many the cut read held
};

struct Manifest {
  std::int64_t pid = 0;
  std::string command;
  std::string boot_id;
  double start_wall = 0;
  std::optional<double> process_start;  // seconds since the epoch
  std::string format = "smaps";
  std::string mode = "full";  // "full", "light" or "adaptive" (light, full at the ends)
  std::optional<std::uint64_t> max_map_count;
  std::vector<ManifestEntry> snapshots;
  std::vector<DiscardedRead> discarded;
  std::uint64_t slots_skipped = 0;
  std::optional<double> interval;  // seconds between snapshot starts
  std::string end_reason;  // empty while collecting
  double end_wall = 0;
};

std::string manifest_json(const Manifest& m);
/// Parses manifest text; throws ParseError naming `path`.
Manifest parse_manifest(std::string_view text, const std::string& path);
/// What a collection recorded about the process's bounds.
struct RecordedLimits {
  std::optional<std::uint64_t> memory_limit;  // the tightest cgroup limit, bytes
  std::string memory_limit_name;              // "memory.max" (v2) or "memory.limit_in_bytes" (v1)
  std::optional<std::uint64_t> max_map_count;
  /// The NMT detail files snapcollect --jcmd saved beside the snapshots, in
  /// snapshot order (paths as the snapshots' are given).
  std::vector<std::string> nmt_files;
};

/// Gives each snapshot read from a manifest's directory what the manifest
/// recorded of it (pid, command line, threads, capture time, the process's
/// start; snapshots from elsewhere are
/// left as they are), and returns the limits and NMT files recorded. Each directory's
/// manifest is read once.
RecordedLimits attach_manifests(std::vector<Snapshot>& snapshots);

/// DIR/manifest.json, or nullopt when there is none.
std::optional<Manifest> read_manifest(const std::string& dir);

}  // namespace snap
