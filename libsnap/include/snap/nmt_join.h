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
//
// Without a detail (NMT in summary mode, what production JVMs run with)
// there are no addresses: what the JVM maps is then what the summary's
// committed figures for its mapped parts say ("mmap:" and Thread's
// "stack:" lines; the CDS archive, a file mapping, left out), and
// "outside" is the anonymous memory (or its growth) less that. Committed
// is at least resident (a G1 mark stack is committed and untouched), so
// this outside is a lower bound: it leans to "JVM-tracked", never to a
// false native leak. Which blocks lie outside needs the detail.
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

/// What NMT's malloc accounting says of anonymous memory outside the
/// JVM's mapped regions: of its growth between two snapshots, or of what
/// one snapshot holds.
enum class NmtVerdict {
  no_growth_outside,   // nothing anonymous (under 64 KiB) outside NMT's regions
  jvm_tracked_malloc,  // NMT's malloc is at least 80% of it
  mixed,               // 50-80%: part JVM-tracked malloc, part not
  untracked_native,    // less than half: JNI, zlib, third-party code
  unknown,             // no malloc figure to compare (one NMT file for two snapshots)
};
/// The words of the text report ("untracked native memory (JNI, zlib,
/// third-party)"), and the JSON's stable key ("untracked_native").
std::string_view nmt_verdict_name(NmtVerdict v);
std::string_view nmt_verdict_key(NmtVerdict v);
/// The rule both snapdiff and snapshow apply: `outside_anon` (anonymous
/// bytes outside NMT's regions, or their growth) against `malloc` (NMT's
/// malloc total, or its growth; nullopt: unknown).
NmtVerdict nmt_verdict(std::int64_t outside_anon, std::optional<std::int64_t> malloc);
/// Without addresses the outside is only known to lie between `low`
/// (all of the JVM's committed resident) and `high` (none of it): the
/// verdict both ends give, else unknown.
NmtVerdict nmt_verdict(std::int64_t low, std::int64_t high, std::optional<std::int64_t> malloc);

/// The mapped part (see nmt_join.h's head) of `nmt`'s committed memory,
/// bytes and change, per category in NMT's order; the CDS archive left
/// out. Empty for NMT output without "mmap:" lines.
std::vector<std::pair<std::string, NmtAmount>> nmt_mapped(const Nmt& nmt);

/// A counter of one snapshot, split by NMT: inside and outside its
/// reserved ranges (a detail), or inside and outside what its summary
/// says the JVM maps; then the anonymous outside set against NMT's malloc
/// total of the same moment.
struct NmtShare {
  bool by_address = true;  // false: from a summary, no addresses
  std::uint64_t inside = 0;
  std::uint64_t outside = 0;
  /// inside, per NMT category, largest first (by_address false: the
  /// categories' mapped committed bytes)
  std::vector<std::pair<std::string, std::uint64_t>> by_category;
  std::uint64_t outside_file = 0;  // of outside: in file-backed and special mappings
  std::uint64_t outside_anon = 0;  // and in anonymous ones
  /// by_address false: outside_anon is a lower bound (committed is at
  /// least resident); this the upper one (none of the committed resident)
  std::uint64_t outside_anon_max = 0;
  std::uint64_t malloc = 0;        // NMT's malloc total
  /// NMT's malloc per category, largest first (zeros left out)
  std::vector<std::pair<std::string, std::uint64_t>> malloc_by_category;
  std::uint64_t malloc_accounted = 0;  // of outside_anon: what NMT's malloc covers, at most all
  std::uint64_t untracked = 0;         // outside_anon less malloc_accounted
  NmtVerdict verdict = NmtVerdict::unknown;
};

/// The split of `counter` of every region of `s` by `nmt` (a detail by its
/// ranges, a summary or summary.diff by its figures); `cats`, one per
/// region (classify), tells anonymous from file-backed.
NmtShare nmt_share(const Snapshot& s, std::span<const Category> cats, Field counter, const Nmt& nmt);
/// The same, classifying `s` itself.
NmtShare nmt_share(const Snapshot& s, Field counter, const Nmt& nmt);

struct BlockNmt {
  std::vector<std::string> categories;  // NMT categories whose ranges overlap the block
  std::int64_t inside = 0;              // growth of the counter inside NMT's ranges
  std::int64_t outside = 0;             // and outside them
};

struct NmtJoin {
  Field counter = Field::rss;
  /// True with a detail. False with summaries only: no addresses, `blocks`
  /// and `suspects` are empty, and inside is the mapped committed growth
  /// (nmt_join.h's head).
  bool by_address = true;
  const Nmt* first_map =
      nullptr;  // the detail whose ranges split the first snapshot (no detail: the first NMT file)
  const Nmt* last_map = nullptr;  // and the last
  std::vector<BlockNmt> blocks;   // one per Comparison::blocks
  std::int64_t inside = 0;        // growth inside NMT ranges, all blocks
  std::int64_t outside = 0;       // growth outside, all blocks
  std::int64_t outside_anon = 0;  // of which not in file-backed or special blocks
  /// Without addresses: the anonymous blocks' growth, and what of it the
  /// mapped committed figures explain, per category largest first
  /// (outside_anon = anon_growth - mapped_growth).
  std::int64_t anon_growth = 0;
  std::optional<std::int64_t> mapped_growth;
  std::int64_t outside_anon_max = 0;  // by_address false: outside_anon is the low end, this the high one
  std::vector<std::pair<std::string, std::int64_t>> mapped_by_category;
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
/// the last detail the last one. Without a detail, the summaries' figures
/// (by_address false): the first and last NMT files, or a summary.diff,
/// give the mapped and malloc growth. Throws UsageError (snap/error.h) when
/// `nmts` is empty.
NmtJoin join_nmt(const Comparison& c, std::span<const Snapshot> snaps, Field counter,
                 std::span<const Nmt> nmts);

/// apply_nmt_categories then join_nmt: for a report made without NMT (a
/// trend); its populations keep the shape categories. Summaries alone
/// change no category.
NmtJoin apply_and_join_nmt(Comparison& c, std::span<const Snapshot> snaps, Field counter,
                           std::span<const Nmt> nmts);

/// Gives each region of `s` lying mostly (over half) inside `detail`'s
/// ranges of one category, and not a file, that category in `cats`.
void apply_nmt_categories(const Snapshot& s, const Nmt& detail, std::vector<Category>& cats);

/// Gives regions lying mostly (over half) inside NMT ranges of one
/// category the category nmt_category names, and their blocks too.
void apply_nmt_categories(Comparison& c, std::span<const Snapshot> snaps, std::span<const Nmt> nmts);

}  // namespace snap
