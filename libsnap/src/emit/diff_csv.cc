#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "snap/emit.h"
#include "snap/escape.h"

namespace snap {

std::string csv_escape(std::string_view field) {
  // A spreadsheet runs a cell that starts with = + - @ (or a tab or CR
  // before one) as a formula: a leading ' makes it text.
  const bool formula =
      !field.empty() && std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos;
  // Quoted when it holds a separator, a quote, any control byte or bytes
  // that are not UTF-8: inside quotes every byte is data (RFC 4180).
  const bool quote = formula || !valid_utf8(field) || std::any_of(field.begin(), field.end(), [](char ch) {
                       const auto u = static_cast<unsigned char>(ch);
                       return u < 0x20 || u == 0x7f || ch == ',' || ch == '"';
                     });
  if (!quote) return std::string(field);
  std::string out = formula ? "\"'" : "\"";
  for (char ch : field) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

void emit_csv(std::string& out, const DiffReport& r) {
  const Comparison& c = r.comparison;
  std::vector<Field> fields;
  for (std::size_t i = 0; i < kFieldCount; ++i)
    if (c.knows(static_cast<Field>(i))) fields.push_back(static_cast<Field>(i));

  auto it = std::back_inserter(out);
  out += "start,end,status,category,name,regions_before,regions_after";
  for (Field f : fields) fmt::format_to(it, ",{0}_before,{0}_after,{0}_delta", field_name(f));
  if (r.nmt && r.nmt->by_address) out += ",nmt_categories,nmt_inside,nmt_outside";
  out += "\r\n";
  for (std::size_t row = 0; row < r.rows.size(); ++row) {
    const Block* b = &r.row(row);
    fmt::format_to(it, "0x{:x},0x{:x},{},{},{},{},{}", b->start, b->end, status_name(b->status),
                   category_name(b->category), csv_escape(b->name), b->sides.front().regions,
                   b->sides.back().regions);
    for (Field f : fields)
      fmt::format_to(it, ",{},{},{}", b->sides.front().counters.value_or_zero(f),
                     b->sides.back().counters.value_or_zero(f), b->delta(f));
    if (r.nmt && r.nmt->by_address) {
      // Categories joined by ';', as the text's NMT column does by ", ".
      const BlockNmt& n = r.nmt->blocks[static_cast<std::size_t>(b - c.blocks.data())];
      std::string cats;
      for (const std::string& name : n.categories) cats += (cats.empty() ? "" : ";") + name;
      fmt::format_to(it, ",{},{},{}", csv_escape(cats), n.inside, n.outside);
    }
    out += "\r\n";
  }
}

}  // namespace snap
