// Handing growing blocks to gdb: which address ranges to dump, and the gdb
// command file (or plain range list) that dumps them.
//
// A dump covers only *readable* mappings of a block in the newest snapshot:
// never ---p, [vvar], [vvar_vclock] or [vsyscall]. In `grown` mode it covers
// the addresses readable now that were not readable in the oldest snapshot
// (brk moving up, an arena's rw-p part eating its reserve, anonymous mmaps
// merging below), falling back to the whole readable block when the growth
// happened inside unchanged bounds (pages touched, not mapped).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "snap/category.h"
#include "snap/diff.h"
#include "snap/snapshot.h"

namespace snap {

enum class DumpMode { grown, whole };

struct DumpOptions {
  DumpMode mode = DumpMode::grown;
  std::uint64_t max_total = 256ull << 20;  // bytes; the rest is left out, and said
  std::string dir = ".";                   // where gdb writes the .bin files
  std::optional<std::int64_t> pid;         // overrides the snapshots' own pid
};

struct DumpRange {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  Category category = Category::anon;
  std::string name;        // the mapping's name, for comments only (never trusted)
  std::string file;        // DIR/snap-PID-START-END-CATEGORY.bin
  bool truncated = false;  // cut short by max_total
};

struct DumpPlan {
  std::optional<std::int64_t> pid;
  std::vector<std::string> sources;  // the snapshot files, oldest first
  std::vector<DumpRange> ranges;     // in the blocks' order
  std::vector<std::string> notes;    // what was left out, and why
  /// The threads of the newest snapshot that the oldest did not have (by
  /// tid), when a collection recorded both and the count grew: a thread
  /// leak, whose new threads' backtraces say who started them. At most
  /// kMaxBacktraces of them; `new_threads_total` counts them all.
  std::vector<ThreadInfo> new_threads;
  std::size_t new_threads_total = 0;
};

inline constexpr std::size_t kMaxBacktraces = 32;

/// The ranges to dump for `blocks` (members of a Comparison of `snapshots`).
DumpPlan plan_dumps(std::span<const Snapshot> snapshots, std::span<const Block* const> blocks,
                    const DumpOptions& options);

}  // namespace snap
