// JVM Native Memory Tracking: what `jcmd PID VM.native_memory detail`,
// `summary` and `summary.diff` print (JDK 11 to 21).
//
// NMT has two views. Its virtual memory map names address *regions* the JVM
// reserved (Java Heap, Class, Metaspace, Code, Thread Stack, GC, ...). Its
// malloc accounting counts bytes per category with no addresses: a direct
// ByteBuffer or an Unsafe.allocateMemory lands in a glibc arena outside
// every NMT region, yet NMT's "Other" malloc grows with it. nmt_join.h
// joins both with the snapshots.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace snap {

enum class NmtKind {
  detail,        // has a "Virtual memory map:" section
  summary,       // totals per category only
  summary_diff,  // totals with their change since the baseline ("+4003KB")
};

/// A figure NMT prints, in bytes, and in summary.diff its change.
struct NmtAmount {
  std::uint64_t bytes = 0;
  std::int64_t change = 0;
};

struct NmtCategory {
  std::string name;  // as NMT prints it: "Java Heap", "Class", "Internal", ...
  NmtAmount reserved, committed;
  std::optional<NmtAmount> malloc;  // "(malloc=4200KB #2603)"
  /// What the category maps itself, committed: "(mmap: reserved=65536KB,
  /// committed=65536KB)", for Thread "(stack: reserved=21504KB,
  /// committed=900KB)". Memory NMT names by address in a detail's map.
  std::optional<NmtAmount> mapped;
};

/// One reserved range of the virtual memory map.
struct NmtRegion {
  std::uint64_t start = 0, end = 0;
  std::string category;         // "Java Heap", "Thread Stack", "GC", ...
  std::uint64_t committed = 0;  // bytes of it committed
  std::size_t line = 0;         // where the file says so
};

struct Nmt {
  std::string source;
  NmtKind kind = NmtKind::summary;
  std::optional<std::int64_t> pid;  // jcmd's "5599:" first line
  NmtAmount reserved, committed;    // "Total:"
  /// All malloc'd bytes NMT tracks: the "malloc:" total line (JDK 17+), or
  /// the sum of the categories' malloc figures (JDK 11).
  NmtAmount malloc;
  std::vector<NmtCategory> categories;  // in NMT's order
  std::vector<NmtRegion> regions;       // detail only; by address

  const NmtCategory* category(std::string_view name) const;
};

std::string_view nmt_kind_name(NmtKind k);

/// Parses jcmd VM.native_memory output; throws ParseError("SOURCE:LINE:
/// reason") for a line it cannot read, and for text that is not NMT
/// output or says NMT is off.
Nmt parse_nmt(std::string_view text, std::string_view source);
/// read_input (gzip, "-", bounded) + parse_nmt.
Nmt read_nmt(const std::string& path);

}  // namespace snap
