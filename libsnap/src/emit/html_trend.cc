// Three or more snapshots as an HTML page (snap/emit/html.h).
#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include <fmt/format.h>

#include "html_page.h"
#include "rate_unit.h"
#include "snap/collection.h"
#include "snap/emit/cells.h"
#include "snap/escape.h"
#include "snap/size.h"
#include "snap/startup.h"

namespace snap {
namespace {

using detail::RateUnit;
using detail::rate_unit;

std::string rate_text(double rate, bool bytes, RateUnit u) {
  const double v = rate * u.factor;
  return (bytes ? html::signed_iec(v) : fmt::format("{:+.1f}", v)) + std::string(u.label);
}

std::string block_name(const Block& b) {
  if (!b.threads.empty()) return thread_label(b.threads);
  return b.name.empty() ? "[anon]" : b.name.str();
}

// What a finding is, in a few words: the chart's legend.
std::string finding_label(const TrendReport& r, const Finding& fd) {
  if (fd.block) {
    const Block& b = r.block(r.block_trend(fd));
    return fmt::format("{} {:x}-{:x} {}", category_name(b.category), b.start, b.end, block_name(b));
  }
  if (fd.link) return describe(r.link_trend(fd).link);
  return r.population(fd).key + " (population)";
}

const SeriesStats& finding_stats(const TrendReport& r, const Finding& fd) {
  if (fd.block) return r.block_trend(fd).stats;
  if (fd.link) return r.link_trend(fd).stats;
  return r.population(fd).total;
}

std::vector<std::size_t> finding_blocks(const TrendReport& r, const Finding& fd) {
  if (fd.block) return {r.block_trend(fd).block};
  std::vector<std::size_t> out;
  for (std::size_t m : fd.members) out.push_back(r.blocks[m].block);
  return out;
}

std::string nmt_cell(const TrendReport& r, const Finding& fd) {
  if (!r.nmt) return {};
  if (!r.nmt->by_address || r.nmt->blocks.empty()) return "(NMT summary: no addresses)";
  std::int64_t inside = 0, outside = 0;
  std::vector<std::string> cats;
  for (std::size_t b : finding_blocks(r, fd)) {
    if (b >= r.nmt->blocks.size()) continue;
    const BlockNmt& bn = r.nmt->blocks[b];
    inside += bn.inside;
    outside += bn.outside;
    for (const std::string& c : bn.categories)
      if (std::find(cats.begin(), cats.end(), c) == cats.end()) cats.push_back(c);
  }
  std::string out = fmt::format("inside {}, outside {}", html::signed_iec(static_cast<double>(inside)),
                                html::signed_iec(static_cast<double>(outside)));
  if (!cats.empty()) {
    out += " (";
    for (std::size_t i = 0; i < cats.size(); ++i) out += (i ? ", " : "") + cats[i];
    out += ")";
  }
  return out;
}

std::string stats_title(std::string_view label, const SeriesStats& s, bool bytes, RateUnit u) {
  auto amount = [&](double v) { return bytes ? format_iec(v) : fmt::format("{:.0f}", v); };
  return fmt::format("{}: {} -> {} ({}), {}, {}", label, amount(s.values.front()), amount(s.values.back()),
                     bytes ? html::signed_iec(s.growth) : fmt::format("{:+.0f}", s.growth),
                     rate_text(s.rate(), bytes, u), verdict_name(s.verdict));
}

}  // namespace

void emit_trend_html(std::string& out, const TrendReport& r, std::span<const Snapshot> snapshots,
                     const HtmlOptions& o) {
  auto it = std::back_inserter(out);
  const std::size_t n = r.snapshots.size();
  const RateUnit unit = rate_unit(r);
  const Snapshot& first = *r.snapshots.front();
  const Snapshot& last = *r.snapshots.back();
  const std::string_view counter = smaps_key(r.counter);

  std::string who = last.pid ? fmt::format("pid {}", *last.pid) : std::string("a process");
  if (!last.command.empty()) who += ": " + last.command;
  out += html::page_head(fmt::format("snap: {} snapshots of {}", n, who));
  fmt::format_to(it, "<h1>{} snapshots of {}</h1>\n", n, html::text(who));
  fmt::format_to(it, "<p class=\"meta\">{} .. {} ({})</p>\n", html::text(first.source), html::text(last.source),
                 format_name(last.format));
  if (r.times_known()) {
    std::string span = "over " + format_duration(r.seconds.back());
    if (r.epoch_ms.size() == n)
      span += fmt::format(", {} .. {}", iso8601_utc(r.epoch_ms.front()), iso8601_utc(r.epoch_ms.back()));
    fmt::format_to(it, "<p class=\"meta\">{} (times from {})</p>\n", html::text(span), time_source_name(r.time_source));
  } else {
    out += "<p class=\"meta\">capture times unknown";
    if (!r.time_note.empty()) out += " (" + html::text(r.time_note) + ")";
    out += ": rates are per snapshot, the x axis counts snapshots</p>\n";
  }
  std::vector<std::string> notes;
  if (!r.counter_note.empty()) notes.push_back(r.counter_note);
  if (auto s = check_startup(first); s && s->in_startup) notes.push_back(s->note);
  for (const std::string& note : collection_notes(r.snapshots)) notes.push_back(note);
  for (const std::string& note : notes) out += "<p class=\"meta\">note: " + html::text(note) + "</p>\n";
  fmt::format_to(it, "<p class=\"meta\">{} growing in {}; growth below {} is flat.</p>\n", r.growing, counter,
                 format_iec(r.floor));

  // The x axis: every snapshot, or evenly spaced ones of a long series.
  const std::vector<std::size_t> idx = html::sample_points(n, o.max_points);
  html::Axis axis;
  axis.seconds = r.times_known();
  if (axis.seconds && r.epoch_ms.size() == n) axis.epoch_ms0 = r.epoch_ms.front();
  for (std::size_t i : idx) axis.x.push_back(axis.seconds ? r.seconds[i] : static_cast<double>(i));
  auto sampled = [&](const Samples& v, double minus = 0) {
    std::vector<double> y;
    y.reserve(idx.size());
    for (std::size_t i : idx) y.push_back(i < v.size() ? v[i] - minus : 0);
    return y;
  };
  const double x_last = axis.x.back();
  const double window = std::max(x_last - axis.x.front(), 1.0);
  auto dash_for = [&](const Projection& p, double now) {
    html::Dash d;
    d.x0 = x_last;
    d.y0 = now;
    const std::string limit = p.what == "Rss" ? format_iec(p.limit) : fmt::format("{:.0f}", p.limit);
    d.label = fmt::format("{} {}: reaches {} ({}) in about {}", p.what, rate_text(p.rate, p.what == "Rss", unit),
                          p.limit_name, limit, format_duration(p.eta));
    // Drawn as far as one more window: a limit years away would squash the chart.
    if (p.eta <= window) {
      d.x1 = x_last + p.eta;
      d.y1 = p.limit;
      d.limit = p.limit;
    } else {
      d.x1 = x_last + window;
      d.y1 = now + p.rate * window;
      d.limit = NAN;
    }
    return d;
  };

  // Totals.
  out += "<h2>Totals</h2>\n";
  html::LineChart totals;
  totals.id = "totals";
  totals.caption = axis.epoch_ms0 ? "Totals over time (UTC)" : "Totals over time";
  for (const auto& [tf, s] : r.totals) {
    if (tf == Field::size) continue;  // address space: a different scale, and in the JSON
    html::Line l;
    l.label = std::string(smaps_key(tf));
    l.title = stats_title(l.label, s, true, unit);
    l.y = sampled(s.values);
    totals.lines.push_back(std::move(l));
    if (tf == Field::rss)
      for (const Projection& p : r.projections)
        if (p.what == "Rss") totals.dashes.push_back(dash_for(p, s.values.back()));
  }
  if (!totals.lines.empty()) out += html::line_chart(totals, axis);
  html::LineChart maps;
  maps.id = "mappings";
  maps.caption = "Mappings";
  maps.bytes = false;
  {
    html::Line l;
    l.label = "mappings";
    l.title = stats_title("mappings", r.mappings, false, unit);
    l.y = sampled(r.mappings.values);
    maps.lines.push_back(std::move(l));
    for (const Projection& p : r.projections)
      if (p.what == "mappings") maps.dashes.push_back(dash_for(p, r.mappings.values.back()));
  }
  out += html::line_chart(maps, axis);

  // The ranking counter by category, stacked: summed from every region of
  // the sampled snapshots (the trend keeps no per-category series).
  {
    std::map<Category, std::vector<double>> by;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      const std::size_t s = idx[k];
      const Snapshot& snap = *r.snapshots[s];
      const std::vector<Category>* cats =
          s < r.comparison.categories.size() ? &r.comparison.categories[s] : nullptr;
      for (std::size_t i = 0; i < snap.regions.size(); ++i) {
        const Category c = cats && i < cats->size() ? (*cats)[i] : Category::anon;
        auto& v = by[c];
        if (v.empty()) v.assign(idx.size(), 0.0);
        v[k] += static_cast<double>(snap.regions.counter(i, r.counter));
      }
    }
    std::vector<std::pair<Category, std::vector<double>>> order(by.begin(), by.end());
    std::erase_if(order, [](const auto& e) { return std::all_of(e.second.begin(), e.second.end(), [](double v) { return v == 0; }); });
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second.back() > b.second.back(); });
    html::LineChart area;
    area.id = "categories";
    area.caption = fmt::format("{} by category (stacked)", counter);
    area.stacked = true;
    for (auto& [c, v] : order) {
      html::Line l;
      l.label = std::string(category_name(c));
      l.title = fmt::format("{}: {} -> {} ({})", l.label, format_iec(v.front()), format_iec(v.back()),
                            html::signed_iec(v.back() - v.front()));
      l.y = std::move(v);
      area.lines.push_back(std::move(l));
    }
    out += "<h2>By category</h2>\n";
    if (!area.lines.empty()) out += html::line_chart(area, axis);
  }

  // The top findings, as growth since the first snapshot; the rest as one.
  out += "<h2>Top findings</h2>\n";
  {
    html::LineChart lines;
    lines.id = "findings";
    lines.caption = fmt::format("{} growth since the first snapshot, top {} findings", counter,
                                std::min(o.series, r.rows.size()));
    lines.from_zero = true;
    std::vector<double> other(idx.size(), 0.0);
    std::size_t others = 0;
    for (std::size_t k = 0; k < r.rows.size(); ++k) {
      const Finding& fd = r.rows[k];
      const SeriesStats& s = finding_stats(r, fd);
      std::vector<double> y = sampled(s.values, s.values.empty() ? 0 : s.values.front());
      if (k < o.series) {
        html::Line l;
        l.label = fmt::format("#{} {}", k + 1, finding_label(r, fd));
        l.title = fmt::format("{}: {}, {} ({}), {}", l.label, verdict_name(fd.verdict), html::signed_iec(fd.growth),
                              format_iec(s.values.back()), rate_text(fd.rate, true, unit));
        l.y = std::move(y);
        lines.lines.push_back(std::move(l));
      } else {
        for (std::size_t i = 0; i < y.size(); ++i) other[i] += y[i];
        ++others;
      }
    }
    if (others) {
      html::Line l;
      l.label = fmt::format("other ({} findings)", others);
      l.title = fmt::format("{}: {}", l.label, html::signed_iec(other.back()));
      l.y = std::move(other);
      l.other = true;
      lines.lines.push_back(std::move(l));
    }
    if (lines.lines.empty())
      out += "<p>Nothing grew.</p>\n";
    else
      out += html::line_chart(lines, axis);
  }

  // The table.
  out += "<h2>Findings</h2>\n";
  if (r.hidden) fmt::format_to(it, "<p class=\"meta\">and {} more growing (--top {} lists them)</p>\n", r.hidden, r.growing);
  const bool nmt = r.nmt.has_value();
  out += "<table class=\"findings\">\n<thead><tr><th>#</th><th>range</th><th>name or thread</th><th>category</th>"
         "<th>verdict</th><th>growth</th><th>rate</th>";
  if (nmt) out += "<th>NMT</th>";
  out += "<th>gdb</th></tr></thead>\n<tbody>\n";
  const std::size_t rows = std::min(r.rows.size(), o.table_rows);
  for (std::size_t k = 0; k < rows; ++k) {
    const Finding& fd = r.rows[k];
    std::string range, name, category;
    if (fd.block) {
      const Block& b = r.block(r.block_trend(fd));
      range = fmt::format("{:x}-{:x}", b.start, b.end);
      name = block_name(b);
      category = category_name(b.category);
    } else if (fd.link) {
      const Link& l = r.link_trend(fd).link;
      range = fmt::format("({} blocks)", l.blocks.size());
      name = describe(l);
      category = category_name(l.category);
    } else {
      const Population& p = r.population(fd);
      range = "(population)";
      name = p.key;
      category = p.key.substr(0, p.key.find(' '));
    }
    std::vector<const Block*> blocks;
    for (std::size_t b : finding_blocks(r, fd)) blocks.push_back(&r.comparison.blocks[b]);
    fmt::format_to(it,
                   "<tr class=\"finding\"><td class=\"num\">{}</td><td class=\"range\">{}</td><td class=\"name\">{}</td>"
                   "<td>{}</td><td class=\"verdict-{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                   k + 1, html::text(range), html::text(name), html::text(category), verdict_name(fd.verdict),
                   verdict_name(fd.verdict), html::signed_iec(fd.growth), html::text(rate_text(fd.rate, true, unit)));
    if (nmt) out += "<td>" + html::text(nmt_cell(r, fd)) + "</td>";
    out += "<td>" + html::dump_cell(snapshots, blocks, o) + "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (rows < r.rows.size())
    fmt::format_to(it, "<p class=\"meta\">{} more findings left out of the page (snapdiff --json lists them)</p>\n",
                   r.rows.size() - rows);
  if (r.nmt)
    fmt::format_to(it, "<p class=\"meta\">NMT: {}</p>\n", html::text(nmt_verdict_name(r.nmt->verdict)));
  if (!r.comparison.threads.empty())
    out += "<p class=\"meta\">Threads by name: " + html::text(thread_counts(r.comparison.threads)) + "</p>\n";
  out += html::page_tail(o.command_line);
}

}  // namespace snap
