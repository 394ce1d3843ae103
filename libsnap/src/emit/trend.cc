#include <algorithm>
#include <cmath>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "snap/emit.h"
#include "snap/emit/fit.h"
#include "snap/escape.h"
#include "snap/collection.h"
#include "snap/startup.h"
#include "json_text.h"
#include "nmt_json.h"
#include "collection_json.h"
#include "startup_json.h"
#include "emit/rate_unit.h"
#include "snap/version.h"

namespace snap {
namespace {

constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kReset = "\x1b[0m";

using detail::RateUnit;
using detail::rate_unit;

// Series are doubles; a fuzzed 2^64 must print as the limit, not wrap.
std::uint64_t to_u64(double v) {
  if (!(v > 0)) return 0;
  return v >= 18446744073709551615.0 ? UINT64_MAX : static_cast<std::uint64_t>(v);
}
std::int64_t to_i64(double v) {
  if (v != v) return 0;  // NaN
  if (v >= 9223372036854775807.0) return INT64_MAX;
  if (v <= -9223372036854775808.0) return INT64_MIN;
  return static_cast<std::int64_t>(v);
}

std::string rate_text(double rate, bool bytes, RateUnit u) {
  double v = rate * u.factor;
  if (bytes) return format_rate(v) + std::string(u.label);
  return fmt::format("{:+.1f}{}", v, u.label);
}

double rate_of(const SeriesStats& s) {
  return s.rate();
}

/// How many member rows a finding shows folded under it, unless --all.
constexpr std::size_t kFoldedRows = 10;

std::string describe_population(const Population& p, RateUnit u) {
  const auto& c = p.count.values;
  return fmt::format("{} ({}): {} -> {} regions ({})", p.key, p.by_shape ? "by shape" : "by category",
                     c.front(), c.back(), rate_text(rate_of(p.count), false, u));
}

}  // namespace

std::string sparkline(const std::vector<double>& values, bool unicode) {
  static constexpr std::string_view kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static constexpr std::string_view kAscii = " .:-=+*#";
  if (values.empty()) return {};
  // More values than cells: each cell draws the largest value of its span.
  // A rising line's largest is its last, so a steady line stays steady; a
  // spike of one snapshot is the largest of its span, so it still shows.
  // (The last value alone would drop a spike; the mean would flatten it.)
  std::vector<double> cells;
  const std::size_t n = values.size(), k = std::min(n, kSparklineCells);
  cells.reserve(k);
  for (std::size_t c = 0; c < k; ++c)
    cells.push_back(*std::max_element(values.begin() + static_cast<std::ptrdiff_t>(c * n / k),
                                      values.begin() + static_cast<std::ptrdiff_t>((c + 1) * n / k)));
  auto [lo, hi] = std::minmax_element(cells.begin(), cells.end());
  std::string out;
  for (double v : cells) {
    std::size_t level = *hi > *lo ? static_cast<std::size_t>(std::lround((v - *lo) / (*hi - *lo) * 7)) : 0;
    level = std::min<std::size_t>(level, 7);
    if (unicode)
      out += kBlocks[level];
    else
      out += kAscii[level];
  }
  return out;
}

void emit_trend_text(std::string& out, const TrendReport& r, const TextOptions& o) {
  auto it = std::back_inserter(out);
  auto paint = [&](std::string_view code, const std::string& text) {
    return o.color ? fmt::format("{}{}{}", code, text, kReset) : text;
  };
  const RateUnit unit = rate_unit(r);
  const Field f = r.counter;
  const Snapshot& first = *r.snapshots.front();
  const Snapshot& last = *r.snapshots.back();

  const std::size_t top = out.size();
  fmt::format_to(it, "{} snapshots: {} .. {}  ({}", r.snapshots.size(), printable(first.source),
                 printable(last.source), format_name(last.format));
  if (last.pid) fmt::format_to(it, ", pid {}", *last.pid);
  if (!last.command.empty()) fmt::format_to(it, ": {}", printable(last.command));
  out += ")\n";
  if (r.times_known())
    fmt::format_to(it, "over {} (times from {}){}\n", format_duration(r.seconds.back()),
                   time_source_name(r.time_source),
                   r.reordered ? "; given out of order, put in time order" : "");
  else if (!r.time_note.empty())
    fmt::format_to(it, "capture times unknown ({}): rates are per snapshot (give --interval)\n",
                   printable(r.time_note));
  else
    out += "capture times unknown: rates are per snapshot (give --interval)\n";
  if (!r.counter_note.empty()) fmt::format_to(it, "note: {}\n", printable(r.counter_note));
  if (auto s = check_startup(first); s && s->in_startup) out += "note: " + printable(s->note) + '\n';
  for (const std::string& n : collection_notes(r.snapshots)) out += "note: " + printable(n) + '\n';
  fmt::format_to(it, "ranked {}; growth below {} is flat ({})\n\n",
                 r.options.order == TrendOrder::steady ? fmt::format("steady first, by {} rate", smaps_key(f))
                 : r.options.order == TrendOrder::rate ? fmt::format("by {} rate", smaps_key(f))
                                                       : fmt::format("by {} growth", smaps_key(f)),
                 format_size(to_u64(r.floor), o.sizes),
                 r.options.floor ? "--noise-floor" : "1% of the blocks' summed growth, at least 64K, at most 1M");

  if (r.growing == 0)
    fmt::format_to(it, "Nothing grew in {}.\n", smaps_key(f));
  else
    fmt::format_to(it, "{} growing:\n", r.growing);
  wrap_lines(out, top, o.width);

  if (!r.rows.empty()) {
    std::vector<FitRow> rows;
    rows.push_back({{"VERDICT", fmt::format("{}+/-", smaps_key(f)), "RATE", "TREND", "R2", "CATEGORY", "RANGE",
                     "STEPS", "NAME"},
                    0,
                    false});
    const std::string_view branch = o.unicode ? "\u2514 " : "` ";
    // "since 5/8 (+4s)": the first snapshot in which an emerging series had grown.
    auto since = [&](const SeriesStats& s) {
      if (s.verdict != Verdict::emerging) return std::string();
      std::string at = fmt::format("since {}/{}", s.since + 1, s.values.size());  // 1-based
      if (r.times_known()) at += fmt::format(" (+{})", format_duration(r.seconds[s.since]));
      return at + ": ";
    };
    auto block_row = [&](const BlockTrend& bt, bool member) {
      const Block& b = r.block(bt);
      const SeriesStats& s = bt.stats;
      std::string name =
          b.threads.empty() ? (b.name.empty() ? "[anon]" : printable(b.name)) : thread_label(b.threads);
      rows.push_back({{std::string(verdict_name(s.verdict)), format_delta(to_i64(s.growth), o.sizes),
                       rate_text(s.rate(), true, unit), sparkline(s.values, o.unicode),
                       fmt::format("{:.2f}", s.fit.r2), std::string(category_name(b.category)),
                       fmt::format("{}{:x}-{:x}", member ? branch : "", b.start, b.end),
                       fmt::format("{}/{}", s.steps_up, s.values.size() - 1), since(s) + name},
                      since(s).size(),
                      false});
    };
    for (const Finding& fd : r.rows) {
      if (fd.block) {
        block_row(r.block_trend(fd), false);
        continue;
      }
      if (fd.link) {
        const LinkTrend& lt = r.link_trend(fd);
        const SeriesStats& s = lt.stats;
        rows.push_back({{std::string(verdict_name(fd.verdict)), format_delta(to_i64(s.growth), o.sizes),
                         rate_text(fd.rate, true, unit), sparkline(s.values, o.unicode),
                         fmt::format("{:.2f}", s.fit.r2), std::string(category_name(lt.link.category)),
                         fmt::format("({} blocks)", lt.link.blocks.size()),
                         fmt::format("{}/{}", s.steps_up, s.values.size() - 1), since(s) + describe(lt.link)},
                        since(s).size(),
                        false});
      } else {
        const Population& p = r.population(fd);
        const SeriesStats& s = p.total;
        rows.push_back({{std::string(verdict_name(fd.verdict)), format_delta(to_i64(s.growth), o.sizes),
                         rate_text(fd.rate, true, unit), sparkline(p.count.values, o.unicode),
                         fmt::format("{:.2f}", p.count.fit.r2), std::string(p.key.substr(0, p.key.find(' '))),
                         "(population)", fmt::format("{}/{}", p.count.steps_up, s.values.size() - 1),
                         describe_population(p, unit)},
                        0,
                        false});
      }
      const std::size_t fold = r.options.all ? fd.members.size() : std::min(fd.members.size(), kFoldedRows);
      for (std::size_t k = 0; k < fold; ++k) block_row(r.blocks[fd.members[k]], true);
      if (fold < fd.members.size())
        rows.push_back({{"", "", "", "", "", "", fmt::format("{}... {} more", branch, fd.members.size() - fold),
                         "", "(--all or --json lists them)"},
                        0,
                        true});
    }
    // Dropped first when the lines are too wide: the columns that detail the
    // verdict (STEPS, R2), then CATEGORY, TREND, RANGE (snapdiff(1), OUTPUT WIDTH).
    const std::vector<FitColumn> columns = {{false, 0}, {true, 0}, {true, 0}, {false, 4}, {true, 2},
                                            {false, 3}, {false, 5}, {true, 1},  {false, 0}};
    const std::vector<std::string> lines = fit_table(columns, rows, {o.width, o.unicode, true});
    for (std::size_t k = 0; k < lines.size(); ++k) {
      out += k == 0 ? paint(kBold, lines[k]) : lines[k];
      out += '\n';
    }
  }
  const std::size_t below = out.size();
  if (r.hidden) fmt::format_to(it, "... and {} more growing (--top {} to see them)\n", r.hidden, r.growing);

  if (!r.comparison.threads.empty())
    fmt::format_to(it, "Threads by name: {}\n", thread_counts(r.comparison.threads));
  if (r.nmt) emit_nmt_text(out, *r.nmt, r.comparison, o);
  wrap_lines(out, below, o.width);

  // Totals.
  out += '\n';
  std::vector<std::array<std::string, 6>> totals;
  totals.push_back({"TOTALS", "FIRST", "LAST", "DELTA", "RATE", "TREND"});
  for (const auto& [tf, s] : r.totals)
    totals.push_back({std::string(smaps_key(tf)), format_size(to_u64(s.values.front()), o.sizes),
                      format_size(to_u64(s.values.back()), o.sizes), format_delta(to_i64(s.growth), o.sizes),
                      rate_text(rate_of(s), true, unit), sparkline(s.values, o.unicode)});
  totals.push_back({"Mappings", fmt::format("{:.0f}", r.mappings.values.front()),
                    fmt::format("{:.0f}", r.mappings.values.back()),
                    fmt::format("{:+.0f}", r.mappings.growth), rate_text(rate_of(r.mappings), false, unit),
                    sparkline(r.mappings.values, o.unicode)});
  std::size_t tw[5] = {};
  for (const auto& row : totals)
    for (int i = 0; i < 5; ++i) tw[i] = std::max(tw[i], row[i].size());
  for (std::size_t k = 0; k < totals.size(); ++k) {
    const auto& row = totals[k];
    std::string line = fmt::format("{:<{}}  {:>{}}  {:>{}}  {:>{}}  {:>{}}  {}", row[0], tw[0], row[1], tw[1],
                                   row[2], tw[2], row[3], tw[3], row[4], tw[4], row[5]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += k == 0 ? paint(kBold, line) : line;
    out += '\n';
  }

  const std::size_t projections = out.size();
  for (const Projection& p : r.projections) {
    const bool bytes = p.what == "Rss";
    std::string when = "in about " + format_duration(p.eta);
    std::string limit = bytes ? format_size(to_u64(p.limit), o.sizes) : fmt::format("{:.0f}", p.limit);
    out += '\n';
    out += paint(kRed, fmt::format("{} {}: reaches {} ({}) {}", p.what, rate_text(p.rate, bytes, unit),
                                   printable(p.limit_name), limit, when));
  }
  if (!r.projections.empty()) out += '\n';
  wrap_lines(out, projections, o.width);
}

void emit_trend_json(std::string& out, const TrendReport& r) {
  using nlohmann::ordered_json;
  auto hex = [](std::uint64_t v) { return fmt::format("0x{:x}", v); };
  // Amounts (bytes, regions) as JSON integers, as they were counted; rates,
  // slopes and R^2 as the floats they are.
  auto amounts = [](const std::vector<double>& values) {
    ordered_json a = ordered_json::array();
    for (double v : values) a.push_back(to_u64(std::round(v)));
    return a;
  };
  auto amount = [](double v) { return to_i64(std::round(v)); };
  auto stats = [&](const SeriesStats& s) {
    ordered_json j;
    j["values"] = amounts(s.values);
    j["growth"] = amount(s.growth);
    j["per_snapshot"] = s.per_snapshot;
    j["per_second"] = s.per_second ? ordered_json(*s.per_second) : ordered_json(nullptr);
    j["slope"] = s.fit.slope;
    j["r2"] = s.fit.r2;
    j["steps_up"] = s.steps_up;
    j["max_step"] = amount(s.max_step);
    j["verdict"] = std::string(verdict_name(s.verdict));
    j["since"] = s.since;
    return j;
  };
  ordered_json doc;
  doc["schema"] = kTrendJsonSchema;
  doc["generator"] = {{"name", "snapdiff"}, {"version", std::string(version())}};
  ordered_json snaps = ordered_json::array();
  const bool wall = r.epoch_ms.size() == r.snapshots.size();
  for (std::size_t i = 0; i < r.snapshots.size(); ++i) {
    const Snapshot* s = r.snapshots[i];
    snaps.push_back({{"source", nullptr},
                     {"format", std::string(format_name(s->format))},
                     {"pid", s->pid ? ordered_json(*s->pid) : ordered_json(nullptr)},
                     {"seconds", r.times_known() ? ordered_json(r.seconds[i]) : ordered_json(nullptr)},
                     {"epoch_ms", wall ? ordered_json(r.epoch_ms[i]) : ordered_json(nullptr)},
                     {"time", wall ? ordered_json(iso8601_utc(r.epoch_ms[i])) : ordered_json(nullptr)},
                     {"mappings", s->regions.size()}});
    detail::put_text(snaps.back(), "source", s->source);
  }
  doc["snapshots"] = std::move(snaps);
  doc["counter"] = std::string(field_name(r.counter));
  doc["counter_note"] = r.counter_note.empty() ? ordered_json(nullptr) : ordered_json(r.counter_note);
  doc["startup"] = detail::startup_json(*r.snapshots.front());
  doc["collection"] = detail::collection_json(r.snapshots);
  doc["floor"] = amount(r.floor);
  doc["growing"] = r.growing;
  doc["hidden"] = r.hidden;
  ordered_json rows = ordered_json::array();
  for (const Finding& fd : r.rows) {
    ordered_json j;
    j["verdict"] = std::string(verdict_name(fd.verdict));
    j["growth"] = amount(fd.growth);
    j["rate"] = fd.rate;
    if (fd.block) {
      const Block& b = r.block(r.block_trend(fd));
      j["kind"] = "block";
      j["start"] = hex(b.start);
      j["end"] = hex(b.end);
      j["category"] = std::string(category_name(b.category));
      detail::put_text(j, "name", b.name);
      j["status"] = std::string(status_name(b.status));
      ordered_json threads = ordered_json::array();
      for (const ThreadInfo& t : b.threads) {
        threads.push_back({{"tid", t.tid}});
        detail::put_text(threads.back(), "name", t.name);
      }
      j["threads"] = std::move(threads);
      j["series"] = stats(r.block_trend(fd).stats);
      ordered_json regions = ordered_json::array();
      for (const auto& side : b.sides) regions.push_back(side.regions);
      j["regions"] = std::move(regions);
    } else if (fd.link) {
      const Link& l = r.link_trend(fd).link;
      j["kind"] = "link";
      j["description"] = describe(l);
      j["category"] = std::string(category_name(l.category));
      j["quantum"] = l.quantum;
      j["steps"] = l.steps;
      j["new"] = l.all_new;
      j["series"] = stats(r.link_trend(fd).stats);
    } else {
      const Population& p = r.population(fd);
      j["kind"] = "population";
      detail::put_text(j, "key", p.key);
      j["by_shape"] = p.by_shape;
      j["count"] = stats(p.count);
      j["series"] = stats(p.total);
    }
    // The blocks folded under a population or link: every range, for gdb.
    ordered_json members = ordered_json::array();
    for (std::size_t b : fd.members) {
      const BlockTrend& bt = r.blocks[b];
      const Block& block = r.block(bt);
      ordered_json m{{"start", hex(block.start)}, {"end", hex(block.end)}};
      detail::put_text(m, "name", block.name);
      m["category"] = std::string(category_name(block.category));
      m["growth"] = amount(bt.stats.growth);
      m["verdict"] = std::string(verdict_name(bt.stats.verdict));
      members.push_back(std::move(m));
    }
    j["members"] = std::move(members);
    rows.push_back(std::move(j));
  }
  doc["findings"] = std::move(rows);
  ordered_json totals;
  for (const auto& [tf, s] : r.totals) totals[std::string(field_name(tf))] = stats(s);
  totals["mappings"] = stats(r.mappings);
  doc["totals"] = std::move(totals);
  ordered_json projections = ordered_json::array();
  for (const Projection& p : r.projections)
    projections.push_back({{"what", p.what},
                           {"limit_name", p.limit_name},
                           {"limit", amount(p.limit)},
                           {"rate", p.rate},
                           {"eta", p.eta},
                           {"eta_unit", "seconds"}});
  doc["projections"] = std::move(projections);
  ordered_json groups = ordered_json::array();
  for (const ThreadGroup& g : r.comparison.threads) {
    groups.push_back({{"pattern", nullptr}, {"counts", g.counts}});
    detail::put_text(groups.back(), "pattern", g.pattern);
  }
  doc["threads"] = std::move(groups);
  doc["nmt"] = r.nmt ? detail::nmt_json(*r.nmt, r.comparison) : ordered_json(nullptr);
  out += doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  out += '\n';
}

}  // namespace snap
