// Joining NMT with the snapshots: is the growth inside memory the JVM
// tracks, or outside it (zlib, JNI, third-party native code)?
//
// Address by address. The kernel merges a malloc'd chunk mmapped next to a
// JVM reservation of the same protection into one VMA (a G1 mark stack
// with 2.6 MiB of malloc below it), so a whole-VMA verdict is wrong. Each
// region's counter is split at the boundaries of NMT's reserved ranges.
// smaps gives one Rss per VMA, not per page, so where a region is only
// partly covered the uncovered part is taken as resident first, up to its
// size: JVM reservations (mark stacks, metaspace, class space) are mostly
// untouched, while memory malloc hands out is written as soon as it is
// used. For Size (and any counter equal to the region's length) the split
// is exact.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "snap/category.h"
#include "snap/counters.h"
#include "snap/diff.h"
#include "snap/nmt.h"
#include "snap/snapshot.h"

namespace snap {

/// The snap category an NMT category's regions get, replacing shape
/// guesses: "Java Heap" -> java-heap, "Metaspace" -> metaspace, "Class"
/// -> class-space, "Code" -> code-cache, "Thread Stack" -> thread-stack,
/// any other (GC, Internal, Shared class space, ...) -> jvm.
Category nmt_category(std::string_view nmt_name);

/// A counter of one region or snapshot, split by NMT's reserved ranges.
struct NmtShare {
  std::uint64_t inside = 0;
  std::uint64_t outside = 0;
  /// inside, per NMT category, largest first
  std::vector<std::pair<std::string, std::uint64_t>> by_category;
};

/// The split of `counter` of every region of `s` by `detail`'s ranges.
NmtShare nmt_share(const Snapshot& s, Field counter, const Nmt& detail);

/// What NMT's malloc accounting says of growth outside its regions.
enum class NmtVerdict {
  no_growth_outside,   // nothing anonymous grew outside NMT's regions
  jvm_tracked_malloc,  // NMT's malloc grew by at least 80% of it
  mixed,               // by 50-80%: part JVM-tracked malloc, part not
  untracked_native,    // by less than half: JNI, zlib, third-party code
  unknown,             // no two NMT files to compare malloc totals
};
/// The words of the text report ("untracked native memory (JNI, zlib,
/// third-party)"), and the JSON's stable key ("untracked_native").
std::string_view nmt_verdict_name(NmtVerdict v);
std::string_view nmt_verdict_key(NmtVerdict v);

struct BlockNmt {
  std::vector<std::string> categories;  // NMT categories whose ranges overlap the block
  std::int64_t inside = 0;              // growth of the counter inside NMT's ranges
  std::int64_t outside = 0;             // and outside them
};

struct NmtJoin {
  Field counter = Field::rss;
  const Nmt* first_map = nullptr;  // the detail whose ranges split the first snapshot
  const Nmt* last_map = nullptr;   // and the last
  std::vector<BlockNmt> blocks;    // one per Comparison::blocks
  std::int64_t inside = 0;         // growth inside NMT ranges, all blocks
  std::int64_t outside = 0;        // growth outside, all blocks
  std::int64_t outside_anon = 0;   // of which not in file-backed or special blocks
  /// NMT's malloc growth between the first and last NMT files (or the
  /// change a summary.diff reports), per category largest first.
  std::optional<std::int64_t> malloc_growth;
  std::vector<std::pair<std::string, std::int64_t>> malloc_by_category;
  std::string malloc_from;  // "nmt.0001 -> nmt.0008", or "nmt-summary-diff.08 (since its baseline)"
  NmtVerdict verdict = NmtVerdict::unknown;
  /// Anonymous blocks that grew outside NMT's ranges, most first: the
  /// native-leak suspects.
  std::vector<std::size_t> suspects;
};

/// `nmts` in capture order: the first detail splits the first snapshot,
/// the last detail the last one. Throws std::invalid_argument when none
/// of them is a detail (summaries carry no addresses).
NmtJoin join_nmt(const Comparison& c, std::span<const Snapshot> snaps, Field counter, std::span<const Nmt> nmts);

/// apply_nmt_categories then join_nmt: for a report made without NMT (a
/// trend); its populations keep the shape categories.
NmtJoin apply_and_join_nmt(Comparison& c, std::span<const Snapshot> snaps, Field counter,
                           std::span<const Nmt> nmts);

/// Gives each region of `s` lying mostly (over half) inside `detail`'s
/// ranges of one category, and not a file, that category in `cats`.
void apply_nmt_categories(const Snapshot& s, const Nmt& detail, std::vector<Category>& cats);

/// Gives regions lying mostly (over half) inside NMT ranges of one
/// category the category nmt_category names, and their blocks too.
void apply_nmt_categories(Comparison& c, std::span<const Snapshot> snaps, std::span<const Nmt> nmts);

}  // namespace snap
