#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "snap/emit.h"
#include "snap/emit/fit.h"
#include "snap/escape.h"
#include "snap/collection.h"
#include "snap/startup.h"

namespace snap {
namespace {

constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kReset = "\x1b[0m";

struct Painter {
  bool on;
  std::string operator()(std::string_view code, std::string_view text) const {
    if (!on) return std::string(text);
    return fmt::format("{}{}{}", code, text, kReset);
  }
  std::string delta(std::int64_t d, std::string_view text) const {
    return d > 0 ? (*this)(kRed, text) : d < 0 ? (*this)(kGreen, text) : std::string(text);
  }
};

std::string percent(std::int64_t delta, std::uint64_t before) {
  if (before == 0) return delta ? "n/a" : "0%";
  double p = 100.0 * static_cast<double>(delta) / static_cast<double>(before);
  return fmt::format("{:+.0f}%", p);
}

std::string display_name(const Block& b) {
  std::string n = b.name.empty() ? "[anon]" : printable(b.name);
  if (!b.threads.empty()) n = thread_label(b.threads);
  const std::size_t last = b.sides.size() - 1;
  std::uint32_t parts = b.sides.present(last) ? b.sides.regions(last) : b.sides.regions(0);
  if (parts > 1) n += fmt::format(" ({} regions)", parts);
  return n;
}

/// The NMT column: the NMT categories a block overlaps, and what of its
/// growth lies outside them.
template <class Delta>
std::string nmt_cell(const BlockNmt& n, Delta&& delta) {
  if (n.categories.empty()) return "outside";
  std::string out;
  for (const std::string& c : n.categories) out += (out.empty() ? "" : ", ") + printable(c);
  if (n.outside != 0) out += "; outside " + delta(n.outside);
  return out;
}

struct Row {
  std::int64_t delta;
  std::string cells[9];  // the last, NMT, only with --nmt
  bool note = false;     // "... 3 more": its RANGE cell moves before NAME when RANGE is dropped
};

void describe(std::string& out, const Snapshot& s, std::string_view label) {
  fmt::format_to(std::back_inserter(out), "{:<7} {}  ({}", label, printable(s.source), format_name(s.format));
  if (s.pid) fmt::format_to(std::back_inserter(out), ", pid {}", *s.pid);
  if (!s.command.empty()) fmt::format_to(std::back_inserter(out), ": {}", printable(s.command));
  fmt::format_to(std::back_inserter(out), ", {} mappings)\n", s.regions.size());
}

}  // namespace

std::string thread_label(const std::vector<ThreadInfo>& threads) {
  std::string out = "[";
  for (std::size_t i = 0; i < threads.size(); ++i)
    out += fmt::format("{}{} tid {}", i ? ", " : "", printable(threads[i].name), threads[i].tid);
  return out + "]";
}

std::string thread_counts(const std::vector<ThreadGroup>& groups) {
  std::string out;
  for (const ThreadGroup& g : groups)
    out += fmt::format("{}{}: {} -> {}", out.empty() ? "" : ", ", printable(g.pattern), g.counts.front(),
                       g.counts.back());
  return out;
}

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
}

void emit_text(std::string& out, const DiffReport& r, const TextOptions& o) {
  const Painter paint{o.color};
  const Comparison& c = r.comparison;
  const Field f = r.sort;
  auto size = [&](std::uint64_t v) { return is_bytes(f) ? format_size(v, o.sizes) : fmt::format("{}", v); };
  auto delta = [&](std::int64_t v) {
    return is_bytes(f) ? format_delta(v, o.sizes) : fmt::format("{}{:+}", saturation_mark(v), v);
  };

  const std::size_t top = out.size();
  describe(out, *r.snapshots.front(), "before:");
  describe(out, *r.snapshots.back(), "after:");
  if (r.snapshots.size() > 2)
    fmt::format_to(std::back_inserter(out),
                   "({} snapshots; blocks joined across all, compared first to last)\n", r.snapshots.size());
  if (!r.sort_note.empty()) fmt::format_to(std::back_inserter(out), "note: {}\n", printable(r.sort_note));
  if (auto s = check_startup(*r.snapshots.front()); s && s->in_startup)
    out += "note: " + printable(s->note) + '\n';
  for (const std::string& n : collection_notes(r.snapshots)) out += "note: " + printable(n) + '\n';
  out += '\n';

  const std::uint64_t threshold = std::max(r.floor, r.options.min_growth);
  if (r.growing == 0) {
    fmt::format_to(std::back_inserter(out), "No block grew in {}{}.\n", smaps_key(f),
                   threshold ? " by " + format_size(threshold, o.sizes) + " or more" : "");
  } else {
    std::string linked;
    if (!r.links.empty()) {
      std::size_t members = 0;
      for (const Link& l : r.links) members += l.blocks.size();
      linked = fmt::format(" ({} of them linked into {} finding{} by allocation size)", members, r.links.size(),
                           r.links.size() == 1 ? "" : "s");
    }
    fmt::format_to(std::back_inserter(out), "{} block{} grew{}, by {} {} in total:\n", r.growing,
                   r.growing == 1 ? "" : "s", linked, paint.delta(r.growth, delta(r.growth)), smaps_key(f));
  }

  wrap_lines(out, top, o.width);

  if (!r.rows.empty()) {
    const bool nmt_column = r.nmt && r.nmt->by_address;  // summaries give no per-block split
    std::vector<Row> rows;
    const std::string title = fmt::format("{}+/-", smaps_key(f));
    rows.push_back({0, {title, "BEFORE", "AFTER", "%", "STATUS", "CATEGORY", "RANGE", "NAME", "NMT"}, false});
    const std::string_view branch = o.unicode ? "└ " : "` ";
    auto block_row = [&](const Block* b, bool member) {
      std::uint64_t before = b->sides.value(0, f);
      std::uint64_t after = b->sides.value(b->sides.size() - 1, f);
      std::int64_t d = b->delta(f);
      rows.push_back({d,
                      {delta(d), size(before), size(after), percent(d, before),
                       std::string(status_name(b->status)), std::string(category_name(b->category)),
                       fmt::format("{}{:x}-{:x}", member ? branch : "", b->start, b->end), display_name(*b),
                       nmt_column ? nmt_cell(r.nmt->blocks[static_cast<std::size_t>(b - c.blocks.data())], delta)
                                  : std::string()},
                      false});
    };
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
      const std::size_t li = r.row_link[i];
      if (li == kNoLink) {
        block_row(&r.row(i), false);
        continue;
      }
      // A link: one row for the whole, then its members folded under it.
      const Link& l = r.links[li];
      std::uint64_t before = 0, after = 0;
      bool all_new = true;
      std::size_t j = i;
      // Summed saturating, as the link's growth is: a wrapped sum would
      // show a huge block as a small one.
      auto add = [](std::uint64_t a, std::uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; };
      for (; j < r.rows.size() && r.row_link[j] == li; ++j) {
        const Sides& sides = r.row(j).sides;
        before = add(before, sides.value(0, f));
        after = add(after, sides.value(sides.size() - 1, f));
        all_new = all_new && r.row(j).status == Status::added;
      }
      const std::int64_t d = signed_delta(before, after);
      rows.push_back({d,
                      {delta(d), size(before), size(after), percent(d, before),
                       std::string(status_name(all_new ? Status::added : Status::grown)),
                       std::string(category_name(l.category)), fmt::format("({} blocks)", l.blocks.size()),
                       describe(l), ""},
                      false});
      // Ten members at most, unless --all: JSON and --ranges list every one.
      const std::size_t fold = r.options.all ? j - i : std::min<std::size_t>(j - i, 10);
      for (std::size_t k = i; k < i + fold; ++k) block_row(&r.row(k), true);
      if (i + fold < j)
        rows.push_back({0,
                        {"", "", "", "", "", "", fmt::format("{}... {} more", branch, j - i - fold),
                         "(--all, --json or --ranges lists them)", ""},
                        true});
      i = j - 1;
    }
    // Dropped first when the table is too wide: what the other columns
    // say again (BEFORE, %), then what matters less than where and how
    // much (snapdiff(1), OUTPUT WIDTH).
    std::vector<FitColumn> columns = {{true, 0}, {true, 1}, {true, 6}, {true, 2}, {false, 3},
                                      {false, 5}, {false, 7}};
    if (nmt_column) columns.push_back({false, 4});  // before NAME, the one of no fixed width
    columns.push_back({false, 0});
    std::vector<FitRow> table;
    table.reserve(rows.size());
    for (const Row& row : rows) {
      FitRow fr{{row.cells, row.cells + 7}, 0, row.note};
      if (nmt_column) fr.cells.push_back(row.cells[8]);
      fr.cells.push_back(row.cells[7]);
      table.push_back(std::move(fr));
    }
    std::size_t w0 = 0;
    for (const Row& row : rows) w0 = std::max(w0, display_width(row.cells[0]));
    const std::vector<std::string> lines = fit_table(columns, table, {o.width, o.unicode, true});
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const std::string& line = lines[k];
      if (k == 0) {
        out += paint(kBold, line);
      } else {
        std::string first = fmt::format("{:>{}}", rows[k].cells[0], w0);
        out += paint.delta(rows[k].delta, first) + line.substr(std::min(first.size(), line.size()));
      }
      out += '\n';
    }
  }
  const std::size_t below = out.size();
  if (!c.threads.empty())
    fmt::format_to(std::back_inserter(out), "Threads by name: {}\n", thread_counts(c.threads));
  if (r.hidden)
    fmt::format_to(std::back_inserter(out), "... and {} more growing block{} (--top {} to see them)\n",
                   r.hidden, r.hidden == 1 ? "" : "s", r.findings);
  if (r.below_floor && !r.options.all)
    fmt::format_to(std::back_inserter(out), "{} more block{} grew by less than {} {} ({} in all; --all lists them)\n",
                   r.below_floor, r.below_floor == 1 ? "" : "s",
                   r.options.min_growth > r.floor ? "--min-growth" : "the noise floor of",
                   format_size(std::max(r.floor, r.options.min_growth), o.sizes), delta(r.below_floor_growth));
  if (r.churned)
    fmt::format_to(std::back_inserter(out),
                   "{} new block{} of one shape replaced as many gone ones: churn, not growth\n", r.churned,
                   r.churned == 1 ? "" : "s");

  if (r.nmt) emit_nmt_text(out, *r.nmt, c, o);
  wrap_lines(out, below, o.width);

  // Totals, first -> last.
  out += '\n';
  struct TotalRow {
    std::string name;
    std::string before, after, change;
    std::int64_t d;
  };
  std::vector<TotalRow> totals;
  const Counters& t0 = c.totals.front();
  const Counters& t1 = c.totals.back();
  for (Field tf : {Field::size, Field::rss, Field::pss, Field::dirty, Field::swap}) {
    if (!c.knows(tf)) continue;
    std::uint64_t a = t0.value_or_zero(tf), b = t1.value_or_zero(tf);
    std::int64_t d = signed_delta(a, b);
    totals.push_back({std::string(smaps_key(tf)), format_size(a, o.sizes), format_size(b, o.sizes),
                      format_delta(d, o.sizes), d});
  }
  {
    std::int64_t d = signed_delta(c.mappings.front(), c.mappings.back());
    totals.push_back({"Mappings", fmt::format("{}", c.mappings.front()), fmt::format("{}", c.mappings.back()),
                      fmt::format("{:+}", d), d});
  }
  std::size_t w0 = 6, w1 = 6, w2 = 5, w3 = 5;
  for (const auto& t : totals) {
    w0 = std::max(w0, t.name.size());
    w1 = std::max(w1, t.before.size());
    w2 = std::max(w2, t.after.size());
    w3 = std::max(w3, t.change.size());
  }
  out += paint(kBold, fmt::format("{:<{}}  {:>{}}  {:>{}}  {:>{}}", "TOTALS", w0, "BEFORE", w1, "AFTER", w2,
                                  "DELTA", w3));
  out += '\n';
  for (const auto& t : totals) {
    fmt::format_to(std::back_inserter(out), "{:<{}}  {:>{}}  {:>{}}  {}\n", t.name, w0, t.before, w1, t.after,
                   w2, paint.delta(t.d, fmt::format("{:>{}}", t.change, w3)));
  }
}

}  // namespace snap
