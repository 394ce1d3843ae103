// A Summary as text, JSON (snap.show/1) or CSV. Formatting only: the sums
// and the ranking are summarize()'s.
#include <algorithm>
#include <array>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "json_text.h"
#include "snap/emit/cells.h"
#include "snap/emit/fit.h"
#include "snap/emit/summary.h"
#include "snap/escape.h"
#include "snap/version.h"

namespace snap {
namespace {

using nlohmann::ordered_json;

constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kReset = "\x1b[0m";

constexpr std::string_view kRollupNote =
    "smaps_rollup holds totals only: no mappings to break down by category or to rank";

std::string hex(std::uint64_t v) {
  return fmt::format("0x{:x}", v);
}

std::string amount(Measure m, const Counters& c, SizeStyle style) {
  auto v = m.get(c);
  if (!v) return "unknown";
  if (!m.is_uss() && !is_bytes(m.field())) return fmt::format("{}", *v);
  return format_size(*v, style);
}

/// The columns of the top list: the totals the snapshot knows but SwapPss
/// and Anonymous (they stay in the totals and the category table, so that a
/// row with a long path stays readable), unless one of them is the sort.
std::vector<Measure> row_measures(const Summary& s) {
  std::vector<Measure> out;
  for (Measure m : s.measures()) {
    bool wide = m == Measure::of(Field::swap_pss) || m == Measure::of(Field::anonymous);
    if (s.knows(m) && (!wide || m == s.sort)) out.push_back(m);
  }
  return out;
}

/// Columns padded to their widest cell, left-aligned or right-aligned as
/// `columns` say, fitted to o.width (snap/emit/fit.h); the first row is the
/// heading. A left-aligned last column is not padded, and a name may end in a
/// blank: lines are not trimmed.
void table(std::string& out, const std::vector<std::vector<std::string>>& rows,
           const std::vector<FitColumn>& columns, const TextOptions& o) {
  if (rows.empty()) return;
  std::vector<FitRow> fit;
  fit.reserve(rows.size());
  for (const auto& row : rows) fit.push_back({row, 0, false});
  const std::vector<std::string> lines = fit_table(columns, fit, {o.width, o.unicode, false});
  for (std::size_t k = 0; k < lines.size(); ++k) {
    out += k == 0 && o.color ? fmt::format("{}{}{}", kBold, lines[k], kReset) : lines[k];
    out += '\n';
  }
}

ordered_json amounts_json(const Summary& s, const Counters& c) {
  ordered_json j = ordered_json::object();
  for (Measure m : s.measures()) {
    auto v = m.get(c);
    j[std::string(m.name())] = v ? ordered_json(*v) : ordered_json(nullptr);
  }
  return j;
}

}  // namespace

void emit_summary_text(std::string& out, const Summary& s, const TextOptions& o) {
  auto it = std::back_inserter(out);
  auto bold = [&](std::string_view text) {
    return o.color ? fmt::format("{}{}{}", kBold, text, kReset) : std::string(text);
  };

  const std::size_t top = out.size();
  fmt::format_to(it, "snapshot: {}  ({}", printable(s.source), format_name(s.format));
  if (s.pid) fmt::format_to(it, ", pid {}", *s.pid);
  if (!s.command.empty()) fmt::format_to(it, ": {}", printable(s.command));
  if (s.has_ranges)
    fmt::format_to(it, ", {} mapping{})\n", s.mappings, s.mappings == 1 ? "" : "s");
  else
    out += ", totals only)\n";
  if (!s.sort_note.empty()) fmt::format_to(it, "note: {}\n", printable(s.sort_note));
  out += '\n';
  wrap_lines(out, top, o.width);

  // Totals: every measure, "unknown" where the format does not give it.
  std::vector<std::vector<std::string>> totals;
  for (Measure m : s.measures()) totals.push_back({std::string(m.label()), amount(m, s.totals, o.sizes)});
  if (s.has_ranges) totals.push_back({"Mappings", fmt::format("{}", s.mappings)});
  std::size_t w0 = 6, w1 = 0;
  for (const auto& t : totals) {
    w0 = std::max(w0, t[0].size());
    w1 = std::max(w1, t[1].size());
  }
  out += bold("TOTALS");
  out += '\n';
  for (const auto& t : totals) fmt::format_to(it, "{:<{}}  {:>{}}\n", t[0], w0, t[1], w1);

  if (!s.has_ranges) {
    const std::size_t note = out.size();
    fmt::format_to(it, "\n{}.\n", kRollupNote);
    wrap_lines(out, note, o.width);
    return;
  }
  const std::size_t nmt = out.size();
  if (s.nmt) {
    const NmtShare& n = *s.nmt;
    const std::string key(smaps_key(s.nmt_counter));
    auto size = [&](std::uint64_t v) { return format_size(v, o.sizes); };
    auto joined = [&](const std::vector<std::pair<std::string, std::uint64_t>>& v, std::size_t most) {
      std::string by;
      for (std::size_t i = 0; i < v.size() && i < most; ++i)
        by += fmt::format("{}{} {}", i ? ", " : "", printable(v[i].first), size(v[i].second));
      return by;
    };
    fmt::format_to(it, "\nNMT ({}{}):\n", printable(s.nmt_source),
                   n.by_address ? "" : "; summary, no addresses");
    const std::string inside_by = joined(n.by_category, 5), malloc_by = joined(n.malloc_by_category, 4);
    const std::vector<std::array<std::string, 3>> lines = {
        {fmt::format("{} {}:", key,
                     n.by_address ? "inside NMT's reserved ranges" : "the JVM maps (NMT committed)"),
         size(n.inside), inside_by.empty() ? "" : "  (" + inside_by + ")"},
        {fmt::format("{} outside them:", key), size(n.outside), ""},
        {"  file-backed and special:", size(n.outside_file), ""},
        {"  anonymous:", size(n.outside_anon), ""},
        {"    accounted for by NMT malloc:", size(n.malloc_accounted),
         malloc_by.empty() ? "" : fmt::format("  (of NMT's malloc {}: {})", size(n.malloc), malloc_by)},
        {"    untracked:", size(n.untracked), ""},
    };
    std::size_t w0 = 0, w1 = 0;
    for (const auto& l : lines) w0 = std::max(w0, l[0].size()), w1 = std::max(w1, l[1].size());
    for (const auto& l : lines) fmt::format_to(it, "  {:<{}}  {:>{}}{}\n", l[0], w0, l[1], w1, l[2]);
    std::string verdict(nmt_verdict_name(n.verdict));
    if (n.verdict == NmtVerdict::unknown) verdict = "unknown";  // not "one NMT file": that is snapdiff's case
    if ((n.verdict == NmtVerdict::jvm_tracked_malloc || n.verdict == NmtVerdict::mixed) &&
        !n.malloc_by_category.empty())
      verdict += fmt::format(" (mostly {})", printable(n.malloc_by_category.front().first));
    // Without addresses the outside is a range: committed need not be resident.
    const std::string outside = n.by_address
                                    ? size(n.outside_anon)
                                    : fmt::format("{} to {}", size(n.outside_anon), size(n.outside_anon_max));
    if (n.verdict == NmtVerdict::no_growth_outside)
      fmt::format_to(it, "  Verdict: nothing anonymous outside NMT\n");
    else
      fmt::format_to(it, "  Verdict: {}: {} anonymous outside {}, NMT's malloc {}\n", verdict, outside,
                     n.by_address ? "NMT's ranges" : "the JVM's mappings (committed need not be resident)",
                     size(n.malloc));
    if (!n.by_address)
      out += "  Which mappings lie outside NMT needs its detail (jcmd PID VM.native_memory detail).\n";
  }

  wrap_lines(out, nmt, o.width);

  // By category.
  std::vector<Measure> known;
  for (Measure m : s.measures())
    if (s.knows(m)) known.push_back(m);
  fmt::format_to(it, "\n{} mapping{} in {} categor{}, by {}:\n", s.mappings, s.mappings == 1 ? "" : "s",
                 s.categories.size(), s.categories.size() == 1 ? "y" : "ies", s.sort.label());
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"CATEGORY", "MAPPINGS"});
  for (Measure m : known) rows.front().emplace_back(m.label());
  for (const CategorySummary& c : s.categories) {
    rows.push_back({std::string(category_name(c.category)), fmt::format("{}", c.mappings)});
    for (Measure m : known) rows.back().push_back(amount(m, c.totals, o.sizes));
  }
  // Too wide, the measures go from the right, the ranking one last.
  std::vector<FitColumn> columns(rows.front().size(), FitColumn{true, 0});
  columns[0].right = false;
  for (std::size_t i = 0; i < known.size(); ++i)
    columns[2 + i].drop = known[i] == s.sort ? 0 : static_cast<unsigned>(known.size() - i);
  table(out, rows, columns, o);

  // The top mappings.
  if (s.top.empty()) return;
  const std::vector<Measure> cols = row_measures(s);
  fmt::format_to(it, "\n{} {} of {} mapping{} by {}:\n", s.top.size() == s.mappings ? "All" : "Top",
                 s.top.size(), s.mappings, s.mappings == 1 ? "" : "s", s.sort.label());
  rows.clear();
  rows.emplace_back();
  for (Measure m : cols) rows.front().emplace_back(m.label());
  for (const char* h : {"PERMS", "CATEGORY", "RANGE", "NAME"}) rows.front().emplace_back(h);
  for (const MappingSummary& r : s.top) {
    rows.emplace_back();
    for (Measure m : cols) rows.back().push_back(amount(m, r.counters, o.sizes));
    rows.back().push_back(r.perms.str());
    rows.back().emplace_back(category_name(r.category));
    rows.back().push_back(fmt::format("{:x}-{:x}", r.start, r.end));
    rows.back().push_back(r.name.empty() ? "[anon]" : printable(r.name));
  }
  // Too wide: PERMS first, then the measures from the right, the ranking one
  // kept, then CATEGORY, then RANGE.
  const auto n = static_cast<unsigned>(cols.size());
  columns.assign(rows.front().size(), FitColumn{false, 0});
  for (std::size_t i = 0; i < cols.size(); ++i)
    columns[i] = {true, cols[i] == s.sort ? 0 : static_cast<unsigned>(1 + n - i)};
  columns[cols.size()].drop = 1;          // PERMS
  columns[cols.size() + 1].drop = n + 2;  // CATEGORY
  columns[cols.size() + 2].drop = n + 3;  // RANGE
  table(out, rows, columns, o);
  if (s.top.size() < s.mappings)
    fmt::format_to(it, "... and {} more (--top {} to see them all)\n", s.mappings - s.top.size(), s.mappings);
}

void emit_summary_json(std::string& out, const Summary& s) {
  ordered_json doc;
  doc["schema"] = kSummaryJsonSchema;
  doc["generator"] = {{"name", "snapshow"}, {"version", std::string(version())}};
  doc["snapshot"] = {{"source", s.source},
                     {"format", std::string(format_name(s.format))},
                     {"pid", s.pid ? ordered_json(*s.pid) : ordered_json(nullptr)},
                     {"command", s.command.empty() ? ordered_json(nullptr) : ordered_json(s.command)},
                     {"has_ranges", s.has_ranges},
                     {"mappings", s.has_ranges ? ordered_json(s.mappings) : ordered_json(nullptr)}};
  detail::put_text(doc["snapshot"], "source", s.source);
  detail::put_text_or_null(doc["snapshot"], "command", s.command);
  doc["sort"] = std::string(s.sort.name());
  doc["note"] = !s.has_ranges         ? ordered_json(std::string(kRollupNote))
                : s.sort_note.empty() ? ordered_json(nullptr)
                                      : ordered_json(s.sort_note);
  ordered_json names = ordered_json::array();
  for (Measure m : s.measures()) names.push_back(std::string(m.name()));
  doc["measures"] = std::move(names);
  doc["totals"] = amounts_json(s, s.totals);
  if (s.nmt) {
    ordered_json by = ordered_json::array();
    for (const auto& [name, v] : s.nmt->by_category) by.push_back({{"category", name}, {"bytes", v}});
    ordered_json malloc_by = ordered_json::array();
    for (const auto& [name, v] : s.nmt->malloc_by_category)
      malloc_by.push_back({{"category", name}, {"bytes", v}});
    doc["nmt"] = {{"source", s.nmt_source},
                  {"counter", std::string(field_name(s.nmt_counter))},
                  {"inside", s.nmt->inside},
                  {"outside", s.nmt->outside},
                  {"by_category", std::move(by)},
                  {"by_address", s.nmt->by_address},
                  {"outside_file", s.nmt->outside_file},
                  {"outside_not_file", s.nmt->outside_anon},
                  {"outside_not_file_max",
                   s.nmt->by_address ? ordered_json(nullptr) : ordered_json(s.nmt->outside_anon_max)},
                  {"malloc", s.nmt->malloc},
                  {"malloc_by_category", std::move(malloc_by)},
                  {"malloc_accounted", s.nmt->malloc_accounted},
                  {"untracked", s.nmt->untracked},
                  {"verdict", std::string(nmt_verdict_key(s.nmt->verdict))}};
  } else {
    doc["nmt"] = nullptr;
  }

  ordered_json cats = ordered_json::array();
  for (const CategorySummary& c : s.categories)
    cats.push_back({{"category", std::string(category_name(c.category))},
                    {"mappings", c.mappings},
                    {"totals", amounts_json(s, c.totals)}});
  doc["categories"] = std::move(cats);

  ordered_json top = ordered_json::array();
  for (const MappingSummary& r : s.top) {
    top.push_back({{"start", hex(r.start)},
                   {"end", hex(r.end)},
                   {"perms", r.perms.str()},
                   {"category", std::string(category_name(r.category))},
                   {"name", r.name},
                   {"line", r.line},
                   {"counters", amounts_json(s, r.counters)}});
    detail::put_text(top.back(), "name", r.name);
  }
  doc["top"] = std::move(top);
  doc["top_limit"] = s.top_limit;
  doc["more"] = s.mappings - s.top.size();
  // Invalid UTF-8 in a path must not abort the report: replace it.
  out += doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  out += '\n';
}

void emit_summary_csv(std::string& out, const Summary& s) {
  auto it = std::back_inserter(out);
  const std::vector<Measure> ms = s.measures();
  auto amounts = [&](const Counters& c) {
    for (Measure m : ms) {
      auto v = m.get(c);
      if (v)
        fmt::format_to(it, ",{}", *v);
      else
        out += ',';
    }
    out += "\r\n";
  };
  out += "kind,category,start,end,perms,name,mappings";
  for (Measure m : ms) fmt::format_to(it, ",{}", m.name());
  out += "\r\n";
  out += "total,,,,,,";
  if (s.has_ranges) fmt::format_to(it, "{}", s.mappings);
  amounts(s.totals);
  for (const CategorySummary& c : s.categories) {
    fmt::format_to(it, "category,{},,,,,{}", category_name(c.category), c.mappings);
    amounts(c.totals);
  }
  for (const MappingSummary& r : s.top) {
    fmt::format_to(it, "mapping,{},0x{:x},0x{:x},{},{},1", category_name(r.category), r.start, r.end,
                   r.perms.str(), csv_escape(r.name));
    amounts(r.counters);
  }
}

}  // namespace snap
