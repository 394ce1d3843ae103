// Dispatch to the format's parser, then the checks every snapshot gets:
// sorted, no overlap, totals summed from the regions.
#include <algorithm>
#include <bit>
#include <numeric>

#include "parsers.h"
#include "snap/parse.h"

namespace snap {
namespace {

struct FormatName {
  Format format;
  std::string_view name;
};
constexpr FormatName kFormatNames[] = {
    {Format::smaps, "smaps"},   {Format::smaps_rollup, "smaps_rollup"},
    {Format::maps, "maps"},     {Format::pmap, "pmap"},
    {Format::pmap_x, "pmap-x"}, {Format::pmap_X, "pmap-X"},
    {Format::pmap_d, "pmap-d"}, {Format::solaris_pmap_x, "solaris-pmap-x"},
    {Format::core, "core"},
};

std::size_t line_count(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) +
         (text.ends_with('\n') ? 0 : 1);
}

/// Whether row `k` is the kernel listing again, after a torn read, what the
/// rows before it listed. The kernel prints maps and smaps a page of text a
/// read() and lets the process run between reads; the next read resumes at
/// the first mapping that ends past the address it stopped at. A mapping that
/// grew or merged meanwhile is listed again: it starts inside what was listed
/// before and ends past all of it. The kernel prints whole pages; a row that
/// is not page-aligned was written by hand, and its overlap is an error.
bool lists_again(const RegionStore& rows, std::size_t k, std::size_t before) {
  constexpr std::uint64_t kPage = 4096;
  return rows.start(k) < rows.end(before) && rows.end(k) > rows.end(before) && rows.start(k) % kPage == 0 &&
         rows.end(k) % kPage == 0;
}

/// A torn read (see lists_again) is kept, not refused: `cat
/// /proc/PID/smaps` of a process that maps while it is read gives one, and
/// so does pmap. The later listing is the newer view of those addresses and
/// replaces the rows it overlaps, with a warning naming them. Returns the
/// replaced rows' counters summed: a pmap footer counted them.
Counters drop_torn_reads(Snapshot& s, RegionStore& rows) {
  // A hand-made file can tear at every row: a few are said one by one, the
  // rest in one line, so warnings stay small whatever the file.
  constexpr std::size_t kSaidOneByOne = 8;
  // The rows kept so far are ascending and disjoint while the file is in
  // the kernel's order; `last` is the newest. Until the first torn read
  // they are all the rows before k, so the stack of them is built then.
  std::vector<std::size_t> kept;
  std::vector<bool> dropped;
  std::vector<Warning> said;
  std::size_t torn = 0, first_unsaid_line = 0;
  Counters replaced;
  std::size_t last = 0;
  for (std::size_t k = 1; k < rows.size(); ++k) {
    if (rows.start(k) >= rows.end(last)) {
      last = k;
      if (torn) kept.push_back(k);
      continue;
    }
    if (!lists_again(rows, k, last)) return {};  // not the kernel's order: order_regions judges
    if (!torn++) {
      kept.resize(last + 1);
      std::iota(kept.begin(), kept.end(), std::size_t{0});
      dropped.resize(rows.size());
    }
    std::size_t first = last, count = 0;
    while (!kept.empty() && rows.end(kept.back()) > rows.start(k)) {
      first = kept.back();
      kept.pop_back();
      dropped[first] = true;
      rows.add_counters(first, replaced);
      ++count;
    }
    kept.push_back(k);
    if (torn > kSaidOneByOne) {
      if (!first_unsaid_line) first_unsaid_line = rows.line(k);
    } else {
      const std::string replaced_rows =
          count == 1 ? fmt::format("{:x}-{:x} (line {})", rows.start(first), rows.end(first), rows.line(first))
                     : fmt::format("the {} mappings of lines {}-{}", count, rows.line(first), rows.line(last));
      said.push_back({rows.line(k), fmt::format("mapping {:x}-{:x} (line {}) overlaps {}: a live process changed "
                                                "its mappings while the file was read; the later line is kept",
                                                rows.start(k), rows.end(k), rows.line(k), replaced_rows)});
    }
    last = k;
  }
  if (torn > kSaidOneByOne)
    said.push_back({first_unsaid_line, fmt::format("{} more mappings, from line {} on, overlap mappings listed "
                                                   "before them; the later lines are kept",
                                                   torn - kSaidOneByOne, first_unsaid_line)});
  if (said.empty()) return {};
  std::vector<Region> v = rows.to_vector();
  std::size_t out = 0;
  for (std::size_t k = 0; k < v.size(); ++k)
    if (!dropped[k]) v[out++] = std::move(v[k]);
  v.resize(out);
  rows = RegionStore(v);
  s.warnings.insert(s.warnings.end(), said.begin(), said.end());
  return replaced;
}

void order_regions(const Snapshot& s, RegionStore& rows) {
  bool sorted = true;
  for (std::size_t i = 1; i < rows.size() && sorted; ++i) sorted = rows.start(i - 1) <= rows.start(i);
  if (!sorted) {  // hand-edited or concatenated files only: the kernel lists in order
    std::vector<Region> v = rows.to_vector();
    std::stable_sort(v.begin(), v.end(), [](const Region& a, const Region& b) { return a.start < b.start; });
    rows = RegionStore(v);
  }
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows.start(i) >= rows.end(i - 1)) continue;
    throw ParseError(s.source, std::max(rows.line(i - 1), rows.line(i)), 0,
                     fmt::format("mapping {:x}-{:x} (line {}) overlaps {:x}-{:x} (line {})", rows.start(i),
                                 rows.end(i), rows.line(i), rows.start(i - 1), rows.end(i - 1), rows.line(i - 1)));
  }
}

/// Dirty is derived as Shared_Dirty + Private_Dirty: a sum past 2^64 would
/// wrap to a small number.
void check_dirty(const Snapshot& s, const Counters& c, std::size_t line) {
  if (!c.known(Field::shared_dirty) || !c.known(Field::private_dirty)) return;
  const std::uint64_t a = c.value_or_zero(Field::shared_dirty), b = c.value_or_zero(Field::private_dirty);
  std::uint64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum))
    throw ParseError(s.source, line, 0,
                     fmt::format("Shared_Dirty {} kB + Private_Dirty {} kB is past 2^64 bytes", a >> 10, b >> 10));
}

/// No counter of a mapping's pages (Rss, Pss, Swap, Private_Dirty, ...) can
/// exceed the mapping's size: a larger one is a corrupt or hand-edited line,
/// and summed into the totals it would wrap them past 2^64.
void check_counters(const Snapshot& s, const RegionStore& rows) {
  if (!s.has_ranges()) check_dirty(s, s.totals, 0);
  // Read from the packed values: a Counters per row costs more than the checks.
  constexpr std::uint32_t kAmounts = [] {
    std::uint32_t m = 0;
    for (std::size_t i = 0; i < kFieldCount; ++i) {
      const auto f = static_cast<Field>(i);
      if (is_additive(f) && f != Field::size && f != Field::accessible) m |= 1u << i;
    }
    return m;
  }();
  constexpr std::uint32_t kDirty =
      1u << static_cast<unsigned>(Field::shared_dirty) | 1u << static_cast<unsigned>(Field::private_dirty);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const std::uint32_t known = rows.known_mask(k);
    if ((known & kDirty) == kDirty) {
      Counters dirty;
      dirty.set(Field::shared_dirty, rows.counter(k, Field::shared_dirty));
      dirty.set(Field::private_dirty, rows.counter(k, Field::private_dirty));
      check_dirty(s, dirty, rows.line(k));
    }
    // Only non-zero values can exceed the mapping.
    for (std::uint32_t m = rows.nonzero_mask(k) & kAmounts; m != 0; m &= m - 1) {
      const auto i = static_cast<unsigned>(std::countr_zero(m));
      const std::uint64_t v = rows.counter(k, static_cast<Field>(i));
      if (v <= rows.bytes(k)) continue;
      throw ParseError(s.source, rows.line(k), 0,
                       fmt::format("mapping {:x}-{:x} is {} kB, but its {} is {} kB: more than the mapping",
                                   rows.start(k), rows.end(k), rows.bytes(k) >> 10,
                                   smaps_key(static_cast<Field>(i)), v >> 10));
    }
  }
}

/// Totals know a counter only when every region does: a truncated last
/// block must not make the sum look complete.
void sum_totals(Snapshot& s, const RegionStore& rows) {
  if (rows.empty()) return;
  std::uint32_t common = ~0u, any = 0;
  Counters sum;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    common &= rows.known_mask(k);
    any |= rows.known_mask(k);
    rows.add_counters(k, sum);
  }
  for (std::size_t i = 0; i < kFieldCount; ++i)
    if (!((common >> i) & 1u)) sum.forget(static_cast<Field>(i));
  s.totals = sum;
  if (common != any) {
    for (const Region& r : rows) {  // one row is made whole: the first that lacks some
      if (r.counters.known_mask() == any) continue;
      std::string missing;
      for (std::size_t i = 0; i < kFieldCount; ++i)
        if (((any & ~r.counters.known_mask()) >> i) & 1u)
          missing += (missing.empty() ? "" : ", ") + std::string(smaps_key(static_cast<Field>(i)));
      s.warnings.push_back({r.line, fmt::format("mapping {:x}-{:x} lacks {} (truncated?); those "
                                                "counters are unknown for the whole snapshot",
                                                r.start, r.end, missing)});
      break;
    }
  }
}

/// A total line that disagrees with the rows above it: a hand-edited or
/// spliced file. Said, not fatal; the rows are what is compared. `replaced`:
/// the rows a torn read listed twice, which the footer counted too.
void check_footer(Snapshot& s, const Counters& replaced) {
  if (!s.reported_totals) return;
  Counters counted = s.totals;
  counted += replaced;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    const auto f = static_cast<Field>(i);
    if (!is_additive(f) || !s.reported_totals->known(f) || !s.totals.known(f)) continue;
    const std::uint64_t said = s.reported_totals->value_or_zero(f), sum = counted.value_or_zero(f);
    if (said != sum) {
      s.warnings.push_back({0, fmt::format("the total line says {} {} kB, the rows add up to {} kB", smaps_key(f),
                                           said >> 10, sum >> 10)});
      return;
    }
  }
}

}  // namespace

std::string_view format_name(Format f) {
  for (const auto& n : kFormatNames)
    if (n.format == f) return n.name;
  return "unknown";
}

std::optional<Format> format_from_name(std::string_view name) {
  for (const auto& n : kFormatNames)
    if (n.name == name) return n.format;
  return std::nullopt;
}

namespace {

Snapshot parse_whole(std::string_view text, std::string_view source, std::optional<Format> format) {
  Snapshot s;
  s.source = std::string(source);
  s.format = format ? *format : detect_format(text, source);
  RegionStore::Builder rows;
  switch (s.format) {
    case Format::core: detail::parse_core(text, s, rows); break;
    case Format::smaps:
    case Format::smaps_rollup: detail::parse_smaps(text, s, rows); break;
    case Format::maps: detail::parse_maps(text, s, rows); break;
    case Format::pmap_X: detail::parse_pmap_X(text, s, rows); break;
    case Format::pmap:
    case Format::pmap_x:
    case Format::pmap_d:
    case Format::solaris_pmap_x: detail::parse_pmap(text, s, rows); break;
  }
  detail::finish_snapshot(s, rows);
  return s;
}

}  // namespace

void detail::finish_snapshot(Snapshot& s, RegionStore::Builder& rows) {
  RegionStore store = rows.finish();
  check_counters(s, store);
  if (s.format != Format::smaps_rollup) {
    if (store.empty()) throw ParseError(s.source, 0, 0, "no mappings in it");
    const Counters replaced = drop_torn_reads(s, store);
    order_regions(s, store);
    sum_totals(s, store);
    check_footer(s, replaced);
    s.regions = std::move(store);
  }
}

namespace {

/// A file cut short (a full disk, an interrupted copy) ends in half a line.
/// That line alone is dropped, with a warning; an error anywhere else, or in
/// a complete last line, stands.
Snapshot parse_tolerating_cut(std::string_view text, std::string_view source, std::optional<Format> format) {
  try {
    return parse_whole(text, source, format);
  } catch (const ParseError& e) {
    auto last_nl = text.rfind('\n');
    if (text.empty() || text.back() == '\n' || last_nl == std::string_view::npos) throw;
    if (e.line() != line_count(text)) throw;
    Snapshot s = parse_whole(text.substr(0, last_nl + 1), source, format);
    s.warnings.insert(
        s.warnings.begin(),
        Warning{line_count(text), fmt::format("last line cut short (no newline), ignored: {}", e.reason())});
    return s;
  }
}

/// Line ends of a lone '\r' (classic Mac OS, some editors and ticket
/// systems): the first line end within the first 64 KiB is a '\r' not
/// followed by '\n'. Read as one line, such a file would be a single
/// mapping with a name of everything after the first address.
bool cr_line_ends(std::string_view text) {
  const std::string_view head = text.substr(0, kProbeBytes);
  const std::size_t cr = head.find('\r');
  if (cr == std::string_view::npos || cr + 1 >= text.size() || text[cr + 1] == '\n') return false;
  return head.substr(0, cr).find('\n') == std::string_view::npos;
}

/// The text with every lone '\r' made a '\n' ("\r\n" stays, Lines reads it).
std::string lf_line_ends(std::string_view text) {
  std::string out(text);
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i] == '\r' && (i + 1 == out.size() || out[i + 1] != '\n')) out[i] = '\n';
  return out;
}

}  // namespace

Snapshot parse_snapshot(std::string_view text, std::string_view source, std::optional<Format> format) {
  // Binary: no lines, so neither line ends nor a cut last line apply.
  if (format ? *format == Format::core : detail::is_elf(text)) return parse_whole(text, source, Format::core);
  if (cr_line_ends(text)) return parse_snapshot(lf_line_ends(text), source, format);
  Snapshot s = parse_tolerating_cut(text, source, format);
  bool cut_reported = !s.warnings.empty() && s.warnings.front().message.starts_with("last line cut short");
  if (!text.empty() && text.back() != '\n' && !cut_reported)
    s.warnings.insert(s.warnings.begin(),
                      Warning{line_count(text), "last line has no newline: the file may be truncated"});
  return s;
}

}  // namespace snap
