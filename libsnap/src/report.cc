#include "snap/report.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace snap {

bool is_growing(const Block& b, Field sort, std::uint64_t min_growth) {
  if (b.status != Status::added && b.status != Status::grown && b.status != Status::replaced) return false;
  std::int64_t d = b.delta(sort);
  return d > 0 && static_cast<std::uint64_t>(d) >= min_growth;
}

Field pick_counter(const Comparison& c, std::span<const Snapshot> snapshots, std::optional<Field> asked,
                   std::string& note) {
  const Field f = asked.value_or(Field::rss);
  if (c.knows(f)) return f;
  const Snapshot* lacking = nullptr;
  for (const Snapshot& s : snapshots)
    if (!s.knows(f)) lacking = &s;
  std::string why = fmt::format("{} ({}) has no {}", lacking ? lacking->source : "?",
                                lacking ? format_name(lacking->format) : "?", smaps_key(f));
  if (asked) throw std::invalid_argument(fmt::format("cannot sort by {}: {}", field_name(f), why));
  note = fmt::format("ranked by Accessible (Size less ---p reserves): {}", why);
  return Field::accessible;
}

DiffReport make_report(std::span<const Snapshot> snapshots, const DiffOptions& options) {
  DiffReport r;
  r.options = options;
  for (const Snapshot& s : snapshots) r.snapshots.push_back(&s);
  r.comparison = compare(snapshots);
  if (!options.nmt.empty()) apply_nmt_categories(r.comparison, snapshots, options.nmt);
  const Comparison& c = r.comparison;

  r.sort = pick_counter(c, snapshots, options.sort, r.sort_note);
  if (!options.nmt.empty()) r.nmt = join_nmt(c, snapshots, r.sort, options.nmt);

  auto wanted = [&](const Block& b) {
    return options.categories.empty() || std::find(options.categories.begin(), options.categories.end(),
                                                   b.category) != options.categories.end();
  };
  std::vector<const Block*> growing, others;
  for (const Block& b : c.blocks) {
    if (!wanted(b)) continue;
    if (is_growing(b, r.sort, options.min_growth)) {
      growing.push_back(&b);
      r.growth = saturating_add(r.growth, b.delta(r.sort));
    } else if (options.all) {
      others.push_back(&b);
    }
  }
  auto by_growth = [&](const Block* a, const Block* b) {
    std::int64_t da = a->delta(r.sort), db = b->delta(r.sort);
    if (da != db) return da > db;
    return a->start < b->start;
  };
  std::sort(growing.begin(), growing.end(), by_growth);
  std::sort(others.begin(), others.end(), by_growth);
  r.growing = growing.size();

  std::size_t limit = options.top.value_or(options.all ? SIZE_MAX : kDefaultTopCap);
  std::size_t shown = std::min(limit, growing.size());
  r.rows.assign(growing.begin(), growing.begin() + static_cast<std::ptrdiff_t>(shown));
  r.hidden = growing.size() - shown;
  for (const Block* b : others) {
    if (r.rows.size() >= limit) break;
    r.rows.push_back(b);
  }
  return r;
}

}  // namespace snap
