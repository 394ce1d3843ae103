// Two snapshots as an HTML page (snap/emit/html.h).
#include <algorithm>
#include <iterator>
#include <map>

#include <fmt/format.h>

#include "html_page.h"
#include "snap/collection.h"
#include "snap/emit/cells.h"
#include "snap/escape.h"
#include "snap/size.h"
#include "snap/startup.h"

namespace snap {
namespace {

std::string block_name(const Block& b) {
  if (!b.threads.empty()) return thread_label(b.threads);
  return b.name.empty() ? "[anon]" : b.name.str();
}

// A finding of a two-snapshot report: a block row, or the rows of one link.
struct DiffFinding {
  std::size_t first = 0, last = 0;  // rows [first, last)
  std::size_t link = kNoLink;
  double growth = 0;
};

std::vector<DiffFinding> findings(const DiffReport& r) {
  std::vector<DiffFinding> out;
  for (std::size_t i = 0; i < r.rows.size();) {
    DiffFinding f;
    f.first = i;
    f.link = r.row_link[i];
    do {
      f.growth += static_cast<double>(r.row(i).delta(r.sort));
      ++i;
    } while (f.link != kNoLink && i < r.rows.size() && r.row_link[i] == f.link);
    f.last = i;
    out.push_back(f);
  }
  return out;
}

std::string label(const DiffReport& r, const DiffFinding& f) {
  if (f.link != kNoLink) return describe(r.links[f.link]);
  const Block& b = r.row(f.first);
  return fmt::format("{} {:x}-{:x} {}", category_name(b.category), b.start, b.end, block_name(b));
}

std::string amount(const Counters& c, Field f) {
  const auto v = c.get(f);
  return v ? format_iec(static_cast<double>(*v)) : std::string("?");
}

}  // namespace

void emit_diff_html(std::string& out, const DiffReport& r, std::span<const Snapshot> snapshots,
                    const HtmlOptions& o) {
  auto it = std::back_inserter(out);
  const Snapshot& first = *r.snapshots.front();
  const Snapshot& last = *r.snapshots.back();
  const std::string_view counter = smaps_key(r.sort);
  std::string who = last.pid ? fmt::format("pid {}", *last.pid) : std::string("a process");
  if (!last.command.empty()) who += ": " + last.command;
  out += html::page_head(fmt::format("snap: {} -> {}", first.source, last.source));
  fmt::format_to(it, "<h1>Two snapshots of {}</h1>\n", html::text(who));
  fmt::format_to(it, "<p class=\"meta\">before {} ({}), after {} ({})</p>\n", html::text(first.source),
                 format_name(first.format), html::text(last.source), format_name(last.format));
  std::vector<std::string> notes;
  if (!r.sort_note.empty()) notes.push_back(r.sort_note);
  if (auto s = check_startup(first); s && s->in_startup) notes.push_back(s->note);
  for (const std::string& note : collection_notes(r.snapshots)) notes.push_back(note);
  for (const std::string& note : notes) out += "<p class=\"meta\">note: " + html::text(note) + "</p>\n";
  fmt::format_to(it, "<p class=\"meta\">{} growing finding{} in {}, {} in all; growth below {} is noise.</p>\n",
                 r.findings, r.findings == 1 ? "" : "s", counter, html::signed_iec(static_cast<double>(r.growth)),
                 format_iec(static_cast<double>(r.floor)));

  // Totals.
  const Comparison& c = r.comparison;
  out += "<h2>Totals</h2>\n<table class=\"totals\"><thead><tr><th></th><th>before</th><th>after</th><th>change</th></tr></thead><tbody>\n";
  for (Field f : {Field::rss, Field::pss, Field::swap, Field::size}) {
    if (!c.knows(f)) continue;
    const double before = static_cast<double>(c.totals.front().value_or_zero(f));
    const double after = static_cast<double>(c.totals.back().value_or_zero(f));
    fmt::format_to(it, "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                   smaps_key(f), format_iec(before), format_iec(after), html::signed_iec(after - before));
  }
  fmt::format_to(it, "<tr><td>mappings</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:+}</td></tr>\n",
                 c.mappings.front(), c.mappings.back(),
                 static_cast<std::int64_t>(c.mappings.back()) - static_cast<std::int64_t>(c.mappings.front()));
  out += "</tbody></table>\n";

  // The ranking counter by category, before and after.
  {
    std::map<Category, std::vector<double>> by;
    for (std::size_t s = 0; s < r.snapshots.size(); s += r.snapshots.size() - 1) {
      const Snapshot& snap = *r.snapshots[s];
      const std::vector<Category>* cats = s < c.categories.size() ? &c.categories[s] : nullptr;
      for (std::size_t i = 0; i < snap.regions.size(); ++i) {
        auto& v = by[cats && i < cats->size() ? (*cats)[i] : Category::anon];
        if (v.empty()) v.assign(2, 0.0);
        v[s == 0 ? 0 : 1] += static_cast<double>(snap.regions.counter(i, r.sort));
      }
      if (r.snapshots.size() < 2) break;
    }
    std::vector<std::pair<Category, std::vector<double>>> order(by.begin(), by.end());
    std::erase_if(order, [](const auto& e) { return e.second[0] == 0 && e.second[1] == 0; });
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second[1] > b.second[1]; });
    std::vector<std::string> names;
    std::vector<html::StackColumn> columns{{"before", {}}, {"after", {}}};
    for (const auto& [cat, v] : order) {
      names.emplace_back(category_name(cat));
      columns[0].values.push_back(v[0]);
      columns[1].values.push_back(v[1]);
    }
    const std::string caption = fmt::format("{} by category, before and after", counter);
    out += "<h2>By category</h2>\n";
    if (!names.empty()) out += html::stack_columns("categories", caption, names, columns);
  }

  // The top growers as bars; the rest of the growth as one.
  const std::vector<DiffFinding> all = findings(r);
  std::vector<DiffFinding> growing;
  for (const DiffFinding& f : all)
    if (f.first < r.growing_rows) growing.push_back(f);
  out += "<h2>Top growers</h2>\n";
  if (growing.empty()) {
    fmt::format_to(it, "<p>Nothing grew in {}.</p>\n", counter);
  } else {
    std::vector<html::Bar> bars;
    double drawn = 0;
    for (std::size_t k = 0; k < growing.size() && k < o.series; ++k) {
      html::Bar b;
      b.label = fmt::format("#{} {}", k + 1, label(r, growing[k]));
      b.value = growing[k].growth;
      b.title = fmt::format("{}: {}", b.label, html::signed_iec(b.value));
      drawn += b.value;
      bars.push_back(std::move(b));
    }
    // What grew past the floor and is not drawn: the rest of the rows and
    // what --top cut.
    const double rest = static_cast<double>(r.growth) - drawn;
    const std::size_t left = r.findings > bars.size() ? r.findings - bars.size() : 0;
    if (left > 0 && rest > 0) {
      html::Bar b;
      b.label = fmt::format("other ({} findings)", left);
      b.value = rest;
      b.title = fmt::format("{}: {}", b.label, html::signed_iec(rest));
      b.other = true;
      bars.push_back(std::move(b));
    }
    out += html::bar_chart("growers", fmt::format("{} growth, top {} findings", counter, std::min(o.series, growing.size())),
                           bars, true);
  }

  // The table: every row shown, a link's blocks each on a row of their own.
  out += "<h2>Findings</h2>\n";
  if (r.hidden) fmt::format_to(it, "<p class=\"meta\">and {} more growing blocks (--top lists them)</p>\n", r.hidden);
  const bool nmt = r.nmt.has_value();
  out += "<table class=\"findings\">\n<thead><tr><th>#</th><th>range</th><th>name or thread</th><th>category</th>"
         "<th>status</th><th>growth</th><th>before</th><th>after</th>";
  if (nmt) out += "<th>NMT</th>";
  out += "<th>gdb</th></tr></thead>\n<tbody>\n";
  std::size_t shown = 0;
  for (std::size_t k = 0; k < all.size() && shown < o.table_rows; ++k) {
    const DiffFinding& f = all[k];
    if (f.link != kNoLink)
      fmt::format_to(it, "<tr class=\"link\"><td class=\"num\">{}</td><td colspan=\"{}\">{}: {}</td></tr>\n", k + 1,
                     nmt ? 9 : 8, html::text(describe(r.links[f.link])), html::signed_iec(f.growth));
    for (std::size_t i = f.first; i < f.last && shown < o.table_rows; ++i, ++shown) {
      const Block& b = r.row(i);
      fmt::format_to(it,
                     "<tr class=\"finding\"><td class=\"num\">{}</td><td class=\"range\">{:x}-{:x}</td><td class=\"name\">{}</td>"
                     "<td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                     f.link == kNoLink ? fmt::format("{}", k + 1) : std::string(), b.start, b.end,
                     html::text(block_name(b)), category_name(b.category), status_name(b.status),
                     html::signed_iec(static_cast<double>(b.delta(r.sort))), amount(b.sides.front().counters, r.sort),
                     amount(b.sides.back().counters, r.sort));
      if (nmt) {
        std::string cell;
        if (!r.nmt->by_address || r.rows[i] >= r.nmt->blocks.size()) {
          cell = "(NMT summary: no addresses)";
        } else {
          const BlockNmt& bn = r.nmt->blocks[r.rows[i]];
          cell = fmt::format("inside {}, outside {}", html::signed_iec(static_cast<double>(bn.inside)),
                             html::signed_iec(static_cast<double>(bn.outside)));
          for (std::size_t j = 0; j < bn.categories.size(); ++j)
            cell += (j ? ", " : " (") + bn.categories[j] + (j + 1 == bn.categories.size() ? ")" : "");
        }
        out += "<td>" + html::text(cell) + "</td>";
      }
      out += "<td>" + (i < r.growing_rows ? html::dump_cell(snapshots, {&b}, o) : std::string()) + "</td></tr>\n";
    }
  }
  out += "</tbody>\n</table>\n";
  if (shown < r.rows.size())
    fmt::format_to(it, "<p class=\"meta\">{} more rows left out of the page (snapdiff --json lists them)</p>\n",
                   r.rows.size() - shown);
  if (r.nmt) fmt::format_to(it, "<p class=\"meta\">NMT: {}</p>\n", html::text(nmt_verdict_name(r.nmt->verdict)));
  if (!c.threads.empty()) out += "<p class=\"meta\">Threads by name: " + html::text(thread_counts(c.threads)) + "</p>\n";
  out += html::page_tail(o.command_line);
}

}  // namespace snap
