#include "snap/summary.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <fmt/format.h>

#include "snap/error.h"

namespace snap {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::uint64_t add_saturating(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/// `c` with only the fields in `mask`.
Counters restrict_to(const Counters& c, std::uint32_t mask) {
  Counters out;
  out.add(c, mask & c.known_mask());
  return out;
}

Measure pick_sort(const Snapshot& s, const std::optional<Measure>& asked, std::string& note) {
  if (asked) {
    if (!asked->is_uss() && !is_additive(asked->field()))
      throw UsageError(
          fmt::format("cannot sort by {}: it is a property of a mapping, not an amount", asked->name()));
    if (s.has_ranges() && !asked->get(s.totals))
      throw UsageError(fmt::format("cannot sort by {}: {} ({}) has no {}", asked->name(), s.source,
                                              format_name(s.format), asked->label()));
    return *asked;
  }
  const Measure rss = Measure::of(Field::rss);
  if (rss.get(s.totals) || !s.has_ranges()) return rss;
  note = fmt::format("ranked by Size: {} has no Rss", format_name(s.format));
  return Measure::of(Field::size);
}

}  // namespace

std::optional<Measure> Measure::from_name(std::string_view name) {
  if (iequal(name, "uss")) return uss();
  if (iequal(name, "anon")) return of(Field::anonymous);
  if (auto f = field_from_name(name)) return of(*f);
  return std::nullopt;
}

std::string_view Measure::name() const {
  return uss_ ? "uss" : field_name(field_);
}

std::string_view Measure::label() const {
  return uss_ ? "USS" : smaps_key(field_);
}

std::optional<std::uint64_t> Measure::get(const Counters& c) const {
  if (!uss_) return c.get(field_);
  auto clean = c.get(Field::private_clean), dirty = c.get(Field::private_dirty);
  // A light snapshot read by pagemap entries counts the private pages
  // without telling clean from dirty: the same pages, summed already.
  if (!clean || !dirty) return c.get(Field::private_total);
  return add_saturating(*clean, *dirty);
}

std::vector<Measure> Summary::measures() const {
  std::vector<Measure> out(std::begin(kSummaryMeasures), std::end(kSummaryMeasures));
  if (std::find(out.begin(), out.end(), sort) == out.end()) out.push_back(sort);
  return out;
}

Summary summarize(const Snapshot& s, const SummaryOptions& o) {
  Summary out;
  out.source = s.source;
  out.format = s.format;
  out.pid = s.pid;
  out.command = s.command;
  out.has_ranges = s.has_ranges();
  out.mappings = s.regions.size();
  out.top_limit = o.top;
  out.sort = pick_sort(s, o.sort, out.sort_note);
  if (!s.has_ranges()) {
    if (o.nmt)
      throw UsageError(fmt::format("{}: {} holds totals only: no addresses to join with NMT",
                                              s.source, format_name(s.format)));
    out.totals = s.totals;
    return out;
  }

  // What every region knows (parse.cc's sum_totals): the same set for the
  // totals, each category and each row, so that they add up.
  const std::uint32_t mask = s.totals.known_mask();
  std::vector<Category> cats = classify(s);
  if (o.nmt) {
    if (o.nmt->kind == NmtKind::detail) apply_nmt_categories(s, *o.nmt, cats);  // a summary has no addresses
    out.nmt_counter = s.knows(Field::rss) ? Field::rss : Field::size;
    out.nmt = nmt_share(s, cats, out.nmt_counter, *o.nmt);
    out.nmt_source = o.nmt->source;
  }
  const Measure key = out.sort;
  auto value = [&](const Counters& c) { return key.get(c).value_or(0); };
  // Measure::get of row i, read from the store without a Counters.
  auto value_of = [&](std::size_t i) -> std::uint64_t {
    if (!key.is_uss()) return s.regions.counter(i, key.field());
    if (!s.regions.known(i, Field::private_clean) || !s.regions.known(i, Field::private_dirty))
      return s.regions.known(i, Field::private_total) ? s.regions.counter(i, Field::private_total) : 0;
    return add_saturating(s.regions.counter(i, Field::private_clean), s.regions.counter(i, Field::private_dirty));
  };
  std::vector<CategorySummary> by_cat;  // indexed by Category; mappings 0: none
  std::vector<std::uint64_t> keys(s.regions.size());  // each region's value of the sort key
  for (std::size_t i = 0; i < s.regions.size(); ++i) {
    keys[i] = value_of(i);
    auto c = static_cast<std::size_t>(cats[i]);
    if (c >= by_cat.size()) by_cat.resize(c + 1);
    by_cat[c].category = cats[i];
    by_cat[c].mappings++;
    s.regions.add_counters(i, by_cat[c].totals);
  }
  // Sums saturate, and a saturating sum of amounts is the same in any grouping.
  for (CategorySummary& c : by_cat) {
    c.totals = restrict_to(c.totals, mask);
    out.totals.add(c.totals, mask);
  }

  for (const CategorySummary& c : by_cat)
    if (c.mappings) out.categories.push_back(c);
  std::stable_sort(out.categories.begin(), out.categories.end(),
                   [&](const CategorySummary& a, const CategorySummary& b) {
                     auto va = value(a.totals), vb = value(b.totals);
                     if (va != vb) return va > vb;
                     return a.mappings > b.mappings;  // then category order: stable
                   });

  // Only the top N are copied: rank indices, not regions.
  std::vector<std::size_t> order(s.regions.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const std::size_t n = std::min(o.top, order.size());
  auto ranked = [&](std::size_t a, std::size_t b) {
    if (keys[a] != keys[b]) return keys[a] > keys[b];
    return s.regions.start(a) < s.regions.start(b);
  };
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(), ranked);
  out.top.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    const Region& r = s.regions[order[k]];
    out.top.push_back(
        {r.start, r.end, r.perms, cats[order[k]], r.name, restrict_to(r.counters, mask), r.line});
  }
  return out;
}

}  // namespace snap
