// Internal: one parser per format family, and the pieces they share.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "scan.h"
#include "snap/parse.h"
#include "snap/snapshot.h"

namespace snap::detail {

// Each fills `rows` (unsorted is fine; parse() checks and sorts them into
// s.regions), `s.pid`/`s.command` where the format has a header,
// `s.reported_totals` from a footer, and warnings. `s.source` and
// `s.format` are set by the caller.
void parse_smaps(std::string_view text, Snapshot& s, RegionStore::Builder& rows);  // smaps and smaps_rollup
/// parse_smaps without its fast path: every line read by the general code.
/// The same result by contract; tests and snap_bench compare the two.
void parse_smaps_general(std::string_view text, Snapshot& s, RegionStore::Builder& rows);
/// parse_smaps over a text that comes in pieces, as read() brings it into
/// one reused buffer (read_streaming): the same rows, the same errors.
/// Every piece but the last ends in '\n'.
class SmapsFeed {
 public:
  /// `text_bytes`: the whole text's size, for the rows' reserve.
  SmapsFeed(Snapshot& s, RegionStore::Builder& rows, std::size_t text_bytes);
  SmapsFeed(const SmapsFeed&) = delete;
  SmapsFeed& operator=(const SmapsFeed&) = delete;
  ~SmapsFeed();
  void feed(std::string_view whole_lines);
  /// After the last piece: the last row completed.
  void finish();

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};
/// A parser that reads line by line (pmap's formats): the same object takes
/// a whole text (feed_lines) or one piece after another (read_streaming).
class LineParser {
 public:
  virtual ~LineParser() = default;
  /// Line `number` (from 1) of the file, without its line end.
  virtual void line(std::string_view line, std::size_t number) = 0;
  /// After the last line, `lines` of them.
  virtual void finish(std::size_t lines) = 0;
};
/// pmap, pmap -x, pmap -d, Solaris pmap -x (s.format says which), into `rows`.
std::unique_ptr<LineParser> pmap_parser(Snapshot& s, RegionStore::Builder& rows);
/// pmap -X and -XX, into `rows`.
std::unique_ptr<LineParser> pmap_X_parser(Snapshot& s, RegionStore::Builder& rows);
/// Every line of `text` to `p`, numbered on from `number` (the lines of the
/// pieces before), giving back a mapped text's pages behind (ReleaseBehind).
void feed_lines(std::string_view text, LineParser& p, std::size_t& number);
void parse_maps(std::string_view text, Snapshot& s, RegionStore::Builder& rows);
void parse_pmap(std::string_view text, Snapshot& s, RegionStore::Builder& rows);  // pmap, pmap -x, pmap -d, Solaris pmap -x
void parse_pmap_X(std::string_view text, Snapshot& s, RegionStore::Builder& rows);
/// An ELF core's bytes (parse_core.cc), or the core open on `fd`, which is
/// mapped by libelf rather than read: a core can be far larger than the
/// text formats' kMaxInputBytes.
void parse_core(std::string_view bytes, Snapshot& s, RegionStore::Builder& rows);
void parse_core_fd(int fd, Snapshot& s, RegionStore::Builder& rows);
/// `head` starts with the ELF magic number.
bool is_elf(std::string_view head);
/// What parse_snapshot does after a parser: sorted and checked regions in
/// s.regions, their totals, the footer compared.
void finish_snapshot(Snapshot& s, RegionStore::Builder& rows);

/// "55c6672d3000-55c6672d4000 r--p 00000000 fe:00 10952798   /path": fills
/// range, perms, offset, device, inode and name of `r`.
void parse_maps_line(const Cursor& c, std::string_view line, Region& r);
/// True when `line` has the shape of a maps line (no errors thrown).
bool looks_like_maps_line(std::string_view line);

/// "5094:   /tmp/c-malloc-leak leak.log" (any whitespace after the colon).
bool parse_pmap_header(std::string_view line, Snapshot& s);
/// A line of only '-', '=' and blanks, as under pmap's columns.
bool is_separator(std::string_view line);
/// The unseparated totals of pmap (" total 1880K") and pmap -d
/// ("mapped: NK writeable/private: NK shared: NK"), by shape.
bool looks_like_pmap_footer(Format f, std::string_view line);
/// pmap's mode column: "rw---", "r-xs-", "rwxsR", Solaris' 6th '*'.
bool is_pmap_mode(std::string_view tok);
Perms parse_pmap_mode(const Cursor& c, std::string_view tok);
/// maps' "rw-p".
bool is_maps_perms(std::string_view tok);
Perms parse_maps_perms(const Cursor& c, std::string_view tok);
/// "fe:00" (maps, pmap -X) or "0fe:00000" (pmap -d): hex major and minor.
Device parse_device(const Cursor& c, std::string_view tok);
/// pmap's names as the kernel writes them: "[ anon ]" -> "",
/// "[ heap ]" -> "[heap]", "[ stack ]" -> "[stack]". procps prints
/// [vsyscall] as "[ anon ]"; its fixed address gives it away.
std::string pmap_name(std::string_view raw, std::uint64_t start);
/// Sets Dirty = Shared_Dirty + Private_Dirty where both are known.
void derive_dirty(Counters& c);

/// Refuses at once what cannot be a snapshot, from `head`, the first bytes
/// read or inflated (kProbeBytes, or all there is when `whole`): its first
/// lines are not a snapshot's (detect_format's error, unless `format` is
/// forced), or, with too few lines to go by, binary data (a NUL byte, more
/// than 1/32 control bytes) or nothing but blanks. Returns when the rest
/// may be read.
void check_start(std::string_view head, bool whole, std::string_view source, std::optional<Format> format);

/// The error of the mapping at `c` past kMaxRegions (snap/parse.h).
[[noreturn]] inline void too_many_regions(const Cursor& c) {
  c.fail(
      c.text,
      "more than {} mappings: not one process's snapshot (the kernel allows {} by default, vm.max_map_count)",
      kMaxRegions, 65530);
}

/// regions.add(), bounded by kMaxRegions.
inline Region& add_region(const Cursor& c, RegionStore::Builder& regions) {
  if (regions.size() >= kMaxRegions) too_many_regions(c);
  return regions.add();
}

/// A read-only file mapping being parsed on this thread (read_snapshot).
struct MappedText {
  const char* base = nullptr;
  std::size_t size = 0;
  std::size_t released = 0;   // bytes from base already given back
  std::size_t populated = 0;  // bytes from base whose page tables are filled
};
/// How far ahead of the parser a mapped file's page tables are filled. A
/// file's resident part is this window and up to a step behind it: small
/// beside a 60,000-mapping pmap -x (3.5 MB), of which each parse thread
/// once held all.
inline constexpr std::size_t kPopulateAhead = std::size_t{1} << 20;
/// Parsers call release_behind each time they pass this many bytes
/// (ReleaseBehind): often enough that the window is filled before they
/// reach its end, and not a fault every 16 pages.
inline constexpr std::size_t kReleaseStep = kPopulateAhead / 4;
/// Gives back the whole pages of the mapped text before `p`, and fills the
/// page tables of the next kPopulateAhead bytes, when this thread parses a
/// mapped file (a no-op otherwise): nothing before the current line is
/// looked at again (and would re-fault from the file if it were).
void release_behind(const char* p);
/// Starts another pass over the mapped text (a no-op when none is mapped):
/// gives back every page of it still resident and fills the first window
/// again, as at the start.
void restart_mapped();

/// Calls release_behind each time a cursor moving forward through `text`
/// has passed another kReleaseStep bytes.
class ReleaseBehind {
 public:
  explicit ReleaseBehind(std::string_view text) : next_(text.data()), end_(text.data() + text.size()) { step(); }
  void at(const char* p) {
    if (p < next_) return;
    release_behind(p);
    next_ = p;
    step();
  }

 private:
  void step() { next_ += std::min<std::size_t>(kReleaseStep, static_cast<std::size_t>(end_ - next_)); }
  const char* next_;
  const char* end_;
};

/// The bytes read() brings at a time when a file is streamed.
inline constexpr std::size_t kStreamChunk = std::size_t{256} << 10;
/// A regular smaps or pmap file (pmap, -x, -d, -X, Solaris -x) of `size`
/// bytes open on `fd`, read through one buffer of `chunk` bytes (more only
/// for a longer line) and parsed as it comes: no mapping of the file, so no
/// page faults on it and no page-table work to give it back, no counting
/// pass, and nothing of it resident but the buffer. The same Snapshot as
/// parse_snapshot() of the whole text, or nullopt where that one must
/// decide: another format (detected or `format`), compressed, an ELF core,
/// a '\r' or a line longer than the head in its first kProbeBytes, no
/// newline at its end, or any ParseError of the parser (its message needs
/// the whole text: a cut last line is forgiven there). Errors of the read
/// itself, of the size limit and of check_start are thrown as
/// read_snapshot throws them.
std::optional<Snapshot> read_streaming(int fd, const std::string& path, std::size_t size,
                                       std::optional<Format> format, std::size_t chunk = kStreamChunk);

inline constexpr std::uint64_t kVsyscallAddress = 0xffffffffff600000ULL;

}  // namespace snap::detail
