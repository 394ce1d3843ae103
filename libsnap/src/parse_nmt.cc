// jcmd VM.native_memory output. Sample lines (JDK 17; JDK 11 and 21 differ
// in what surrounds them, not in these):
//
//   5599:
//   Native Memory Tracking:
//   Total: reserved=1514600KB +4196KB, committed=145412KB +4220KB
//          malloc: 14120KB #69732
//   -                  Internal (reserved=4236KB +4003KB, committed=4236KB +4003KB)
//                               (malloc=4200KB +4003KB #2603 +21)
//                               (mmap: reserved=36KB, committed=36KB)
//   Virtual memory map:
//   [0x00000000fc000000 - 0x0000000100000000] reserved and committed 65536KB for Java Heap from
//       [0x00007f47ddf1a27c] ReservedSpace::reserve(...)+0xac
//   	[0x00000000fc000000 - 0x00000000ffe00000] committed 63488KB from
//
// Lines NMT adds over versions (classes #, arena=, peak=, call sites of the
// "Details:" section) are skipped; a line that looks like one of the above
// but does not parse is an error with its line number.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "snap/counters.h"
#include "snap/error.h"
#include "snap/nmt.h"
#include "snap/parse.h"

namespace snap {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool eat(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

class LineParser {
 public:
  LineParser(std::string_view source, std::size_t line) : source_(source), line_(line) {}

  [[noreturn]] void fail(const std::string& reason) const {
    throw ParseError(std::string(source_), line_, 0, reason);
  }

  /// "65536KB" (also B, MB, GB: jcmd's scale= option) -> bytes.
  std::uint64_t size(std::string_view& s) const {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p == s.data()) fail(fmt::format("expected a size such as 65536KB, got \"{}\"", s));
    s.remove_prefix(static_cast<std::size_t>(p - s.data()));
    unsigned shift = 0;
    if (eat(s, "KB")) shift = 10;
    else if (eat(s, "MB")) shift = 20;
    else if (eat(s, "GB")) shift = 30;
    else if (!eat(s, "B")) fail(fmt::format("expected a unit (B, KB, MB, GB) after {}, got \"{}\"", v, s));
    if (shift && v > (UINT64_MAX >> shift)) fail(fmt::format("size {} does not fit in 64 bits of bytes", v));
    return v << shift;
  }

  /// A size with summary.diff's change after it: "4200KB +4003KB".
  NmtAmount amount(std::string_view& s) const {
    NmtAmount a;
    a.bytes = size(s);
    if (s.size() > 2 && s[0] == ' ' && (s[1] == '+' || s[1] == '-') && s[2] >= '0' && s[2] <= '9') {
      const bool negative = s[1] == '-';
      s.remove_prefix(2);
      const std::uint64_t change = size(s);
      if (change > static_cast<std::uint64_t>(INT64_MAX)) fail("change does not fit in 63 bits of bytes");
      a.change = negative ? -static_cast<std::int64_t>(change) : static_cast<std::int64_t>(change);
      changes_seen = true;
    }
    return a;
  }

  /// "reserved=1514600KB +4196KB, committed=145412KB +4220KB"
  void reserved_committed(std::string_view s, NmtAmount& reserved, NmtAmount& committed) const {
    if (!eat(s, "reserved=")) fail(fmt::format("expected \"reserved=\", got \"{}\"", s));
    reserved = amount(s);
    if (!eat(s, ", committed=")) fail(fmt::format("expected \", committed=\", got \"{}\"", s));
    committed = amount(s);
  }

  std::uint64_t address(std::string_view& s) const {
    if (!eat(s, "0x")) fail(fmt::format("expected a 0x address, got \"{}\"", s));
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
    if (ec == std::errc::result_out_of_range) fail("address does not fit in 64 bits");
    if (ec != std::errc() || p == s.data()) fail(fmt::format("expected a hexadecimal address, got \"{}\"", s));
    s.remove_prefix(static_cast<std::size_t>(p - s.data()));
    return v;
  }

  /// "[0xSTART - 0xEND]"
  std::pair<std::uint64_t, std::uint64_t> range(std::string_view& s) const {
    if (!eat(s, "[")) fail("expected \"[0xSTART - 0xEND]\"");
    const std::uint64_t start = address(s);
    if (!eat(s, " - ")) fail(fmt::format("expected \" - \" between the addresses, got \"{}\"", s));
    const std::uint64_t end = address(s);
    if (!eat(s, "]")) fail(fmt::format("expected \"]\" after the range, got \"{}\"", s));
    if (start >= end) fail(fmt::format("range {:x}-{:x} is empty or reversed", start, end));
    return {start, end};
  }

  mutable bool changes_seen = false;

 private:
  std::string_view source_;
  std::size_t line_;
};

/// "[0x" then hex then " - ": a range line, not a call-stack frame.
bool is_range_line(std::string_view t) {
  if (!t.starts_with("[0x")) return false;
  std::size_t i = 3;
  while (i < t.size() && std::isxdigit(static_cast<unsigned char>(t[i]))) ++i;
  return t.substr(i).starts_with(" - ");
}

}  // namespace

std::string_view nmt_kind_name(NmtKind k) {
  switch (k) {
    case NmtKind::detail: return "detail";
    case NmtKind::summary: return "summary";
    case NmtKind::summary_diff: return "summary.diff";
  }
  return "";
}

const NmtCategory* Nmt::category(std::string_view name) const {
  for (const NmtCategory& c : categories)
    if (c.name == name) return &c;
  return nullptr;
}

Nmt parse_nmt(std::string_view text, std::string_view source) {
  Nmt nmt;
  nmt.source = std::string(source);
  enum class Section { summary, map, details } section = Section::summary;
  bool seen_header = false, seen_total = false, seen_malloc_total = false, seen_map = false, changes = false;
  NmtCategory* category = nullptr;
  NmtRegion* region = nullptr;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    const std::string_view t = trim(raw);
    LineParser p(source, number);

    if (!seen_header) {
      if (t.starts_with("Native memory tracking is not enabled"))
        p.fail("NMT is off in that JVM: start it with -XX:NativeMemoryTracking=detail");
      if (t == "Native Memory Tracking:") {
        seen_header = true;
      } else if (number == 1 && t.size() > 1 && t.back() == ':') {
        std::int64_t pid = 0;
        auto [q, ec] = std::from_chars(t.data(), t.data() + t.size() - 1, pid);
        if (ec == std::errc() && q == t.data() + t.size() - 1 && pid > 0) nmt.pid = pid;
      } else if (!t.empty()) {
        p.fail(fmt::format("not jcmd VM.native_memory output: expected \"Native Memory Tracking:\", got \"{}\"",
                           t.substr(0, 60)));
      }
      continue;
    }
    if (t == "Virtual memory map:") {
      section = Section::map;
      seen_map = true;
      continue;
    }
    if (t == "Details:") {
      section = Section::details;
      continue;
    }

    if (section == Section::summary) {
      std::string_view s = t;
      if (eat(s, "Total: ")) {
        p.reserved_committed(s, nmt.reserved, nmt.committed);
        seen_total = true;
      } else if (!category && eat(s, "malloc: ")) {
        nmt.malloc = p.amount(s);
        seen_malloc_total = true;
      } else if (raw.starts_with("-") && t.ends_with(")") && t.find("(reserved=") != std::string_view::npos) {
        const std::size_t open = t.find("(reserved=");
        NmtCategory& c = nmt.categories.emplace_back();
        c.name = std::string(trim(t.substr(1, open - 1)));
        if (c.name.empty()) p.fail("category without a name");
        p.reserved_committed(t.substr(open + 1, t.size() - open - 2), c.reserved, c.committed);
        category = &c;
      } else if (category && eat(s, "(malloc=")) {
        category->malloc = p.amount(s);
      } else if (category && (eat(s, "(mmap: ") || eat(s, "(stack: "))) {
        NmtAmount reserved, committed;
        p.reserved_committed(s, reserved, committed);  // then ")", or ", at peak)" (JDK 21)
        category->mapped = committed;
      }
      changes = changes || p.changes_seen;
      continue;
    }

    if (section == Section::map && is_range_line(t)) {
      std::string_view s = t;
      auto [start, end] = p.range(s);
      if (eat(s, " reserved ")) {
        const bool whole = eat(s, "and committed ");
        p.size(s);  // the range says it exactly
        if (!eat(s, " for ")) p.fail(fmt::format("expected \" for CATEGORY\", got \"{}\"", s));
        if (s.ends_with(" from")) s.remove_suffix(5);
        if (s.empty()) p.fail("reserved range without a category");
        region = &nmt.regions.emplace_back();
        region->start = start;
        region->end = end;
        region->category = std::string(s);
        region->committed = whole ? end - start : 0;
        region->line = number;
      } else if (eat(s, " committed ")) {
        if (!region) p.fail("a committed range before any reserved range");
        if (start < region->start || end > region->end)
          p.fail(fmt::format("committed range {:x}-{:x} lies outside its reserved range {:x}-{:x} (line {})",
                             start, end, region->start, region->end, region->line));
        // "reserved and committed" ranges list their parts again, and a
        // hand-edited file may overlap them: never more than the range.
        region->committed = std::min(region->end - region->start, region->committed + (end - start));
      } else {
        p.fail(fmt::format("expected \"reserved\" or \"committed\" after the range, got \"{}\"", s));
      }
    }
  }
  if (!seen_header)
    throw ParseError(std::string(source), 0, 0,
                     "not jcmd VM.native_memory output (no \"Native Memory Tracking:\" line)");
  if (!seen_total) throw ParseError(std::string(source), 0, 0, "NMT output without its \"Total:\" line");
  if (!seen_malloc_total) {
    for (const NmtCategory& c : nmt.categories)
      if (c.malloc) {
        nmt.malloc.bytes = c.malloc->bytes > UINT64_MAX - nmt.malloc.bytes ? UINT64_MAX : nmt.malloc.bytes + c.malloc->bytes;
        nmt.malloc.change = saturating_add(nmt.malloc.change, c.malloc->change);
      }
  }
  std::sort(nmt.regions.begin(), nmt.regions.end(),
            [](const NmtRegion& a, const NmtRegion& b) { return a.start < b.start; });
  for (std::size_t i = 1; i < nmt.regions.size(); ++i)
    if (nmt.regions[i].start < nmt.regions[i - 1].end)
      throw ParseError(std::string(source), nmt.regions[i].line, 0,
                       fmt::format("reserved range {:x}-{:x} overlaps the one at line {}", nmt.regions[i].start,
                                   nmt.regions[i].end, nmt.regions[i - 1].line));
  nmt.kind = seen_map ? NmtKind::detail : changes ? NmtKind::summary_diff : NmtKind::summary;
  return nmt;
}

Nmt read_nmt(const std::string& path) {
  return parse_nmt(read_input(path), path);
}

}  // namespace snap
