// procps pmap, pmap -x, pmap -d, and Solaris/illumos pmap -x.
//
//   5094:   /tmp/c-malloc-leak leak.log                      header (optional)
//   Address           Kbytes     RSS   Dirty Mode  Mapping   column header (not in plain pmap)
//   000055c6672d3000       4       4       4 r---- c-malloc-leak
//   ---------------- ------- ------- -------                 separator
//   total kB          151484    3968    2440                 footer
//
// Header and footer words are translated by procps, so lines are told apart
// by position and shape, never by their words.
#include <algorithm>

#include "parsers.h"
#include "pmap_frame.h"

namespace snap::detail {
namespace {

/// A numeric column: a KiB count, or "-". procps prints "-" for a value it
/// could not read (unknown); Solaris prints "-" for zero.
std::optional<std::uint64_t> column(const Cursor& c, std::string_view tok, std::string_view what,
                                    bool dash_is_zero) {
  if (tok == "-") return dash_is_zero ? std::optional<std::uint64_t>(0) : std::nullopt;
  return c.kib(tok, what);
}

void set_if(Counters& k, Field f, std::optional<std::uint64_t> v) {
  if (v) k.set(f, *v);
}

void parse_row(const Cursor& c, Format format, std::string_view line, Region& r) {
  std::string_view rest = line;
  std::string_view addr = next_token(rest);
  r.start = c.hex(addr, "hexadecimal address");
  r.line = static_cast<std::uint32_t>(c.line);
  std::string_view size_tok = next_token(rest);
  std::uint64_t size = 0;
  if (format == Format::pmap) {
    if (size_tok.empty() || size_tok.back() != 'K')
      c.fail(size_tok, "expected a size like \"56K\", got {}", Cursor::quote(size_tok));
    size = c.kib(size_tok.substr(0, size_tok.size() - 1), "size in KiB");
  } else {
    size = c.kib(size_tok, "size in KiB");
  }
  if (size == 0) c.fail(size_tok, "a mapping of size 0");
  if (r.start > UINT64_MAX - size) c.fail(size_tok, "mapping runs past the end of the address space");
  r.end = r.start + size;
  r.counters.set(Field::size, size);

  switch (format) {
    case Format::pmap_x: {
      set_if(r.counters, Field::rss, column(c, next_token(rest), "RSS in KiB", false));
      set_if(r.counters, Field::dirty, column(c, next_token(rest), "Dirty in KiB", false));
      break;
    }
    case Format::solaris_pmap_x: {
      set_if(r.counters, Field::rss, column(c, next_token(rest), "RSS in KiB", true));
      set_if(r.counters, Field::anonymous, column(c, next_token(rest), "Anon in KiB", true));
      set_if(r.counters, Field::locked, column(c, next_token(rest), "Locked in KiB", true));
      break;
    }
    default: break;
  }

  std::string_view mode = next_token(rest);
  r.perms = parse_pmap_mode(c, mode);

  if (format == Format::pmap_d) {
    r.offset = c.hex(next_token(rest), "hexadecimal offset");
    r.device = parse_device(c, next_token(rest));
  }
  r.name = pmap_name(trim(rest), r.start);
}

/// The numbers of a footer, right to left: "total kB 151484 3968 2440",
/// " total 151484K", "mapped: 5008K writeable/private: 1080K shared: 28K".
std::vector<std::string_view> footer_numbers(std::string_view line) {
  std::vector<std::string_view> out;
  std::string_view rest = line;
  for (std::string_view tok = next_token(rest); !tok.empty(); tok = next_token(rest)) {
    std::string_view t = tok;
    if (t.size() > 1 && t.back() == 'K') t.remove_suffix(1);
    if (t == "-" || to_uint(t, 10)) out.push_back(t);
  }
  return out;
}

void parse_footer(const Cursor& c, Format format, std::string_view line, Snapshot& s) {
  auto nums = footer_numbers(line);
  auto kib = [&](std::string_view t) -> std::optional<std::uint64_t> {
    if (t == "-") return format == Format::solaris_pmap_x ? std::optional<std::uint64_t>(0) : std::nullopt;
    return c.kib(t, "total");
  };
  std::vector<Field> fields;
  switch (format) {
    case Format::pmap: fields = {Field::size}; break;
    case Format::pmap_x: fields = {Field::size, Field::rss, Field::dirty}; break;
    case Format::solaris_pmap_x: fields = {Field::size, Field::rss, Field::anonymous, Field::locked}; break;
    // "mapped: NK writeable/private: NK shared: NK": only mapped is a counter.
    case Format::pmap_d: fields = {Field::size}; break;
    default: break;
  }
  if (nums.size() < fields.size())
    c.fail(line, "expected a total line with {} numbers, got {}", fields.size(), Cursor::quote(line));
  Counters totals;
  std::size_t first = format == Format::pmap_d ? 0 : nums.size() - fields.size();
  for (std::size_t i = 0; i < fields.size(); ++i) set_if(totals, fields[i], kib(nums[first + i]));
  s.reported_totals = totals;
}

bool is_kib_token(std::string_view t) {
  return t.size() > 1 && t.back() == 'K' && to_uint(t.substr(0, t.size() - 1)).has_value();
}

}  // namespace

bool looks_like_pmap_footer(Format f, std::string_view line) {
  std::vector<std::string_view> toks;
  std::string_view rest = line;
  for (std::string_view t = next_token(rest); !t.empty(); t = next_token(rest)) toks.push_back(t);
  if (f == Format::pmap) return toks.size() == 2 && is_kib_token(toks[1]) && !to_uint(toks[0], 16);
  if (f == Format::pmap_d)
    return toks.size() == 6 && is_kib_token(toks[1]) && is_kib_token(toks[3]) && is_kib_token(toks[5]);
  return false;
}

bool parse_pmap_header(std::string_view line, Snapshot& s) {
  std::string_view t = trim_left(line);
  std::size_t i = 0;
  while (i < t.size() && is_digit(t[i])) ++i;
  if (i == 0 || i >= t.size() || t[i] != ':') return false;
  if (i + 1 < t.size() && !is_space(t[i + 1])) return false;
  auto pid = to_uint(t.substr(0, i));
  // Not a pid: a number that no kernel hands out is no header either.
  if (!pid || *pid > static_cast<std::uint64_t>(INT64_MAX)) return false;
  s.pid = static_cast<std::int64_t>(*pid);
  s.command = std::string(trim(t.substr(i + 1)));
  return true;
}

bool is_separator(std::string_view line) {
  bool any = false;
  for (char ch : line) {
    if (ch == '-' || ch == '=')
      any = true;
    else if (!is_space(ch))
      return false;
  }
  return any;
}

bool is_pmap_mode(std::string_view t) {
  static constexpr std::string_view kAllowed[] = {"r", "w", "x", "s", "R", "*"};
  if (t.size() < 4 || t.size() > 6) return false;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t[i] != '-' && t[i] != kAllowed[i][0]) return false;
  return true;
}

Perms parse_pmap_mode(const Cursor& c, std::string_view tok) {
  if (!is_pmap_mode(tok)) c.fail(tok, "expected a mode like \"rw---\", got {}", Cursor::quote(tok));
  return Perms{tok[0] == 'r', tok[1] == 'w', tok[2] == 'x', tok[3] == 's'};
}

std::string pmap_name(std::string_view raw, std::uint64_t start) {
  if (raw.size() >= 4 && raw.front() == '[' && raw.back() == ']' && raw[1] == ' ') {
    std::string_view inner = trim(raw.substr(1, raw.size() - 2));
    if (inner == "anon") return start == kVsyscallAddress ? "[vsyscall]" : "";
    return "[" + std::string(inner) + "]";
  }
  return std::string(raw);
}

namespace {

class PmapParser final : public FramedLineParser {
 public:
  using FramedLineParser::FramedLineParser;

 private:
  void take(PmapFrame::Kind kind, const Cursor& c, std::string_view line) override {
    switch (kind) {
      case PmapFrame::Kind::row: parse_row(c, s_.format, line, add_region(c, rows_)); break;
      case PmapFrame::Kind::footer: parse_footer(c, s_.format, line, s_); break;
      case PmapFrame::Kind::column_header: break;
    }
  }
};

}  // namespace

std::unique_ptr<LineParser> pmap_parser(Snapshot& s, RegionStore::Builder& rows) {
  return std::make_unique<PmapParser>(s, rows);
}

void parse_pmap(std::string_view text, Snapshot& s, RegionStore::Builder& rows) {
  PmapParser p(s, rows);
  parse_lines(text, p, rows);
}

}  // namespace snap::detail
