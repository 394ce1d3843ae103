// procps pmap -X and -XX: the columns are smaps keys, and which ones appear
// depends on the kernel, so the column header line is read, not assumed.
//
//        Address Perm   Offset Device    Inode   Size  Rss ... THPeligible    VmFlags Mapping
//   55c6672d3000 r--p 00000000  fe:00 10952798      4    4 ...           0 rd mr mw me c-malloc-leak
//                                              ====== ====
//                                              151484 3968 ... KB
//
// The first five columns and the last (Mapping) are fixed by position; their
// words are translated, the smaps keys between them are not. VmFlags holds
// blanks, so it and the name are cut at the column where the header ends it.
#include <vector>

#include <algorithm>
#include "pmap_frame.h"

#include "parsers.h"

namespace snap::detail {
namespace {

struct Column {
  std::optional<Field> field;  // nullopt: a key snap does not know, kept by name
  std::string key;
};

struct Layout {
  std::vector<Column> numbers;
  bool vm_flags = false;
  std::size_t vm_flags_end = 0;  // offset one past the header's "VmFlags"
  std::size_t mapping_at = 0;    // offset of the header's last word (Mapping)
};

Layout read_header(const Cursor& c, std::string_view line) {
  std::vector<std::string_view> toks;
  std::string_view rest = line;
  for (std::string_view t = next_token(rest); !t.empty(); t = next_token(rest)) toks.push_back(t);
  if (toks.size() < 7)
    c.fail(line,
           "expected a pmap -X column header (Address Perm Offset Device Inode Size ... Mapping), got {}",
           Cursor::quote(line));
  Layout layout;
  for (std::size_t i = 5; i + 1 < toks.size(); ++i) {
    if (toks[i] == "VmFlags") {
      if (i + 2 != toks.size()) c.fail(toks[i], "VmFlags must be the column before the mapping name");
      layout.vm_flags = true;
      layout.vm_flags_end = static_cast<std::size_t>(toks[i].data() + toks[i].size() - line.data());
      continue;
    }
    for (const Column& seen : layout.numbers)
      if (seen.key == toks[i])
        c.fail(toks[i], "column {} appears twice in the header", Cursor::quote(toks[i]));
    layout.numbers.push_back(Column{field_from_smaps_key(toks[i]), std::string(toks[i])});
  }
  layout.mapping_at = static_cast<std::size_t>(toks.back().data() - line.data());
  return layout;
}

/// A header that lacks a column the rows carry shifts every value after it
/// into the wrong column, and the last one into the name ("0 c-malloc-leak",
/// an anonymous mapping named "0"). Every column but Perm, Offset and Device
/// is a number; VmFlags and the name are not, so a number where they begin
/// is a column too many. procps starts the name under the header's
/// "Mapping": a name made of digits sits there, an extra column does not.
/// A realigned file (tabs, an editor) has no such columns to go by: there a
/// number is a column too many.
void check_column_count(const Cursor& c, const Layout& layout, std::string_view line, std::string_view rest) {
  std::string_view probe = rest;
  const std::string_view next = next_token(probe);
  if (next.empty() || !to_uint(next)) return;
  const auto at = static_cast<std::size_t>(next.data() - line.data());
  if (!layout.vm_flags && at == layout.mapping_at) return;
  c.fail(next, "{} after the {} column is a number, not {}: the row has more columns than the header names",
         Cursor::quote(next), layout.numbers.empty() ? "Inode" : layout.numbers.back().key,
         layout.vm_flags ? "VmFlags" : "the mapping name");
}

void parse_row(const Cursor& c, const Layout& layout, std::string_view line, Region& r) {
  std::string_view rest = line;
  r.start = c.hex(next_token(rest), "hexadecimal address");
  r.line = static_cast<std::uint32_t>(c.line);
  r.perms = parse_maps_perms(c, next_token(rest));
  r.offset = c.hex(next_token(rest), "hexadecimal offset");
  r.device = parse_device(c, next_token(rest));
  r.inode = c.dec(next_token(rest), "inode number");

  for (const Column& col : layout.numbers) {
    std::string_view tok = next_token(rest);
    if (!col.field) {
      r.extra.push_back(ExtraField{col.key, std::nullopt, std::string(tok)});
      continue;
    }
    std::uint64_t v = is_bytes(*col.field) ? c.kib(tok, col.key) : c.dec(tok, col.key);
    r.counters.set(*col.field, v);
  }
  if (!r.counters.known(Field::size)) c.fail(line, "the column header has no Size column");
  r.end = r.start + r.counters.value_or_zero(Field::size);
  if (r.end <= r.start) c.fail(line, "a mapping of size 0 or past the end of the address space");
  check_column_count(c, layout, line, rest);

  std::string_view tail = trim_left(rest);
  if (layout.vm_flags) {
    std::size_t at = static_cast<std::size_t>(tail.data() - line.data());
    std::size_t cut = layout.vm_flags_end;
    if (cut >= at && cut <= line.size() && (cut == line.size() || is_space(line[cut]))) {
      r.vm_flags = std::string(trim(line.substr(at, cut - at)));
      tail = line.substr(cut);
    } else {
      // Realigned by hand (a ticket, an editor): flags are two-letter words.
      std::string flags;
      std::string_view probe = tail;
      for (std::string_view t = next_token(probe); t.size() == 2 && t[0] >= 'a' && t[0] <= 'z';
           t = next_token(probe)) {
        if (!flags.empty()) flags += ' ';
        flags += t;
        tail = probe;
      }
      r.vm_flags = flags;
    }
  }
  r.name = std::string(trim(tail));
  derive_dirty(r.counters);
}

void parse_footer(const Cursor& c, const Layout& layout, std::string_view line, Snapshot& s) {
  std::string_view rest = line;
  Counters totals;
  for (const Column& col : layout.numbers) {
    std::string_view tok = next_token(rest);
    if (!col.field) continue;
    totals.set(*col.field, is_bytes(*col.field) ? c.kib(tok, "total") : c.dec(tok, "total"));
  }
  derive_dirty(totals);
  s.reported_totals = totals;
}

}  // namespace

namespace {

class PmapXParser final : public FramedLineParser {
 public:
  using FramedLineParser::FramedLineParser;

 private:
  void take(PmapFrame::Kind kind, const Cursor& c, std::string_view line) override {
    switch (kind) {
      case PmapFrame::Kind::column_header: layout_ = read_header(c, line); break;
      case PmapFrame::Kind::row:
        if (!layout_) c.fail(line, "pmap -X rows without the column header line that names them");
        parse_row(c, *layout_, line, add_region(c, rows_));
        break;
      case PmapFrame::Kind::footer:
        if (layout_) parse_footer(c, *layout_, line, s_);
        break;
    }
  }
  std::optional<Layout> layout_;
};

}  // namespace

std::unique_ptr<LineParser> pmap_X_parser(Snapshot& s, RegionStore::Builder& rows) {
  return std::make_unique<PmapXParser>(s, rows);
}

void parse_pmap_X(std::string_view text, Snapshot& s, RegionStore::Builder& rows) {
  PmapXParser p(s, rows);
  parse_lines(text, p, rows);
}

}  // namespace snap::detail
