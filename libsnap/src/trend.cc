#include "snap/trend.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>
#include <stdexcept>

#include <fmt/format.h>

namespace snap {
namespace {

constexpr double kFloorMinimum = 64 * 1024;  // bytes
constexpr double kFloorShare = 0.01;         // of the blocks' summed growth
constexpr double kCountFloor = 2;            // regions born, for populations
constexpr std::uint64_t kPage = 4096;

int verdict_rank(Verdict v) {
  return static_cast<int>(v);
}

bool grows(Verdict v) {
  return v == Verdict::steady || v == Verdict::stepwise || v == Verdict::noisy;
}

/// Whether a category's regions form populations worth watching: the
/// anonymous kinds a leak is made of. Files, specials, the one heap and the
/// one stack are watched as blocks.
bool in_populations(Category c) {
  switch (c) {
    case Category::anon:
    case Category::thread_stack:
    case Category::arena:
    case Category::shm:
    case Category::deleted:
    case Category::java_heap: return true;
    default: return false;
  }
}

/// A region's shape as numbers: its category, its size in KiB rounded up
/// to pages, and the KiB of the guard below a thread stack (or ~0: none).
/// Formatted (shape_key) once per distinct shape, not once per region.
struct Shape {
  Category category = Category::anon;
  std::uint64_t kib = 0;
  std::uint64_t guard_kib = ~std::uint64_t{0};
  bool operator==(const Shape&) const = default;
};

struct ShapeHash {
  std::size_t operator()(const Shape& s) const {
    std::uint64_t h = static_cast<std::uint64_t>(s.category) * 0x9e3779b97f4a7c15ull;
    h ^= s.kib + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= s.guard_kib + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return static_cast<std::size_t>(h);
  }
};

Shape shape_of(const Snapshot& s, const std::vector<Category>& cats, std::size_t i) {
  const Region& r = s.regions[i];
  Shape sh;
  sh.category = cats[i];
  switch (cats[i]) {
    case Category::thread_stack:
      sh.kib = ((r.size() + kPage - 1) / kPage * kPage) >> 10;
      if (i > 0 && cats[i - 1] == Category::guard && s.regions[i - 1].end == r.start)
        sh.guard_kib = s.regions[i - 1].size() >> 10;
      break;
    // An arena's rw-p part changes size as it grows; its shape is the arena.
    case Category::arena: break;
    default: sh.kib = ((r.size() + kPage - 1) / kPage * kPage) >> 10;
  }
  return sh;
}

std::string shape_key(const Shape& sh) {
  switch (sh.category) {
    case Category::thread_stack:
      if (sh.guard_kib != ~std::uint64_t{0})
        return fmt::format("thread-stack {}K+{}K guard", sh.kib, sh.guard_kib);
      return fmt::format("thread-stack {}K", sh.kib);
    case Category::arena: return "arena";
    default: return fmt::format("{} {}K", category_name(sh.category), sh.kib);
  }
}

struct Tally {
  std::vector<double> count, total;
  // Per block with regions in it: what they add up to in the first and the
  // last snapshot. A population whose change comes from one block is only
  // that block again (a VMA that changed size changes shape).
  struct Share {
    double first = 0, last = 0;
    bool in_first = false, in_last = false;
  };
  std::unordered_map<std::size_t, Share> blocks;
  explicit Tally(std::size_t n = 0) : count(n), total(n) {}

  /// True when no single block explains the change: at least two blocks
  /// were born or died, or the biggest block's change is under half of it.
  bool spread() const {
    std::size_t births = 0;
    double biggest = 0;
    for (const auto& [b, share] : blocks) {
      births += share.in_first != share.in_last;
      biggest = std::max(biggest, std::abs(share.last - share.first));
    }
    const double growth = std::abs(total.back() - total.front());
    return births >= 2 || (growth > 0 && biggest < 0.5 * growth);
  }
};

using Share = Tally::Share;

}  // namespace

TrendReport make_trend(std::span<const Snapshot> snaps, const Timeline& timeline, const TrendOptions& o) {
  TrendReport r;
  r.options = o;
  std::vector<double> seconds = timeline.seconds;
  for (const Snapshot& s : snaps) r.snapshots.push_back(&s);
  r.comparison = compare(snaps);
  const Comparison& c = r.comparison;
  const std::size_t n = snaps.size();
  r.counter = pick_counter(c, snaps, o.counter, r.counter_note);
  const Field f = r.counter;

  const bool timed = seconds.size() == n && n > 1 && seconds.back() > seconds.front();
  if (timed) {
    r.seconds = std::move(seconds);
    r.time_source = timeline.source;
  }
  r.reordered = timeline.reordered;
  if (timeline.epoch_ms.size() == n) r.epoch_ms = timeline.epoch_ms;
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = timed ? r.seconds[i] : static_cast<double>(i);

  auto series = [&](auto&& value_at) {
    std::vector<double> y(n);
    for (std::size_t i = 0; i < n; ++i) y[i] = static_cast<double>(value_at(i));
    return y;
  };

  // The floor: what counts as growth at all, relative to how much this
  // process grew, so a page gained now and then never outranks megabytes.
  double summed = 0;
  for (const Block& b : c.blocks) summed += std::max<double>(0, static_cast<double>(b.delta(f)));
  r.floor = std::max(kFloorMinimum, kFloorShare * summed);

  r.blocks.reserve(c.blocks.size());
  for (const Block& b : c.blocks)
    r.blocks.push_back(
        {&b, analyze(series([&](std::size_t i) { return b.sides[i].counters.value_or_zero(f); }), x, timed,
                     r.floor)});

  // Populations, without the regions of steady blocks (already findings).
  std::vector<std::vector<bool>> skip(n);
  for (std::size_t i = 0; i < n; ++i) skip[i].assign(snaps[i].regions.size(), false);
  for (const BlockTrend& bt : r.blocks)
    if (bt.stats.verdict == Verdict::steady)
      for (const RegionRef& m : bt.block->members) skip[m.snapshot][m.region] = true;
  std::vector<std::vector<std::size_t>> block_of(n);
  for (std::size_t i = 0; i < n; ++i) block_of[i].resize(snaps[i].regions.size());
  for (std::size_t b = 0; b < c.blocks.size(); ++b)
    for (const RegionRef& m : c.blocks[b].members) block_of[m.snapshot][m.region] = b;
  // Tallies by shape and by category, found by number (a hash of the
  // shape, the category's index); keyed by their text, in its order, after.
  std::vector<Tally> shape_tallies, category_tallies;
  std::unordered_map<Shape, std::size_t, ShapeHash> shape_index;
  std::vector<Shape> shape_list;
  std::vector<std::size_t> category_index;
  std::vector<Category> category_list;
  auto tally = [&](Tally& t, std::size_t k, std::size_t i, double v) {
    t.count[k] += 1;
    t.total[k] += v;
    Share& share = t.blocks[block_of[k][i]];
    if (k == 0) share.first += v, share.in_first = true;
    if (k == n - 1) share.last += v, share.in_last = true;
  };
  for (std::size_t k = 0; k < n; ++k) {
    const Snapshot& s = snaps[k];
    const auto& cats = c.categories[k];
    for (std::size_t i = 0; i < s.regions.size(); ++i) {
      if (skip[k][i] || !in_populations(cats[i])) continue;
      const double v = static_cast<double>(s.regions[i].counters.value_or_zero(f));
      const Shape sh = shape_of(s, cats, i);
      auto [it, fresh] = shape_index.try_emplace(sh, shape_tallies.size());
      if (fresh) {
        shape_tallies.emplace_back(n);
        shape_list.push_back(sh);
      }
      tally(shape_tallies[it->second], k, i, v);
      const auto ci = static_cast<std::size_t>(cats[i]);
      if (ci >= category_index.size()) category_index.resize(ci + 1, SIZE_MAX);
      if (category_index[ci] == SIZE_MAX) {
        category_index[ci] = category_tallies.size();
        category_tallies.emplace_back(n);
        category_list.push_back(cats[i]);
      }
      tally(category_tallies[category_index[ci]], k, i, v);
    }
  }
  std::map<std::string, Tally> shapes, categories;
  for (std::size_t j = 0; j < shape_list.size(); ++j)
    shapes.emplace(shape_key(shape_list[j]), std::move(shape_tallies[j]));
  for (std::size_t j = 0; j < category_list.size(); ++j)
    categories.emplace(std::string(category_name(category_list[j])), std::move(category_tallies[j]));
  auto add_population = [&](const std::string& key, const Tally& t, bool by_shape) {
    Population p;
    p.key = key;
    p.by_shape = by_shape;
    p.count = analyze(t.count, x, timed, kCountFloor);
    p.total = analyze(t.total, x, timed, r.floor);
    p.verdict = p.total.growth >= r.floor ? p.total.verdict : p.count.verdict;
    if (p.verdict != Verdict::flat && t.spread()) r.populations.push_back(std::move(p));
  };
  for (const auto& [key, t] : shapes) add_population(key, t, true);
  // A category population that one of its shapes explains says nothing new.
  for (const auto& entry : categories) {
    // Plain references: clang 14 cannot capture structured bindings.
    const std::string& key = entry.first;
    const Tally& t = entry.second;
    const double growth = t.total.back() - t.total.front();
    const double born = t.count.back() - t.count.front();
    bool explained = std::any_of(r.populations.begin(), r.populations.end(), [&](const Population& p) {
      return p.key.starts_with(key + " ") && p.key.size() > key.size() &&
             (growth <= 0 || p.total.growth >= 0.8 * growth) && (born <= 0 || p.count.growth >= 0.8 * born);
    });
    if (key == "arena" && shapes.count("arena")) explained = true;
    if (!explained) add_population(key, t, false);
  }

  // Findings, ranked.
  auto wanted = [&](Category cat) {
    return o.categories.empty() ||
           std::find(o.categories.begin(), o.categories.end(), cat) != o.categories.end();
  };
  auto rate_of = [&](const SeriesStats& st) { return st.per_second.value_or(st.per_snapshot); };
  auto is_growing = [&](Verdict v, double growth) {
    return grows(v) && growth >= r.floor && growth >= static_cast<double>(o.min_growth);
  };
  std::vector<Finding> growing, others;
  for (const BlockTrend& bt : r.blocks) {
    if (!wanted(bt.block->category)) continue;
    Finding fd{&bt, nullptr, bt.stats.verdict, bt.stats.growth, rate_of(bt.stats)};
    (is_growing(fd.verdict, fd.growth) ? growing : others).push_back(fd);
  }
  for (const Population& p : r.populations) {
    auto cat = category_from_name(std::string_view(p.key).substr(0, p.key.find(' ')));
    if (cat && !wanted(*cat)) continue;
    const SeriesStats& st = p.total.growth >= r.floor ? p.total : p.count;
    Finding fd{nullptr, &p, p.verdict, p.total.growth, rate_of(p.total)};
    // A population of threads can leak by count while its Rss stays small.
    const bool by_count = &st == &p.count && grows(p.count.verdict) && p.count.growth >= kCountFloor;
    (is_growing(fd.verdict, fd.growth) || by_count ? growing : others).push_back(fd);
  }
  auto before = [&](const Finding& a, const Finding& b) {
    switch (o.order) {
      case TrendOrder::steady:
        if (a.verdict != b.verdict) return verdict_rank(a.verdict) < verdict_rank(b.verdict);
        if (a.rate != b.rate) return a.rate > b.rate;
        break;
      case TrendOrder::rate:
        if (a.rate != b.rate) return a.rate > b.rate;
        break;
      case TrendOrder::growth: break;
    }
    if (a.growth != b.growth) return a.growth > b.growth;
    return (a.block != nullptr) > (b.block != nullptr);  // a block before a population
  };
  std::stable_sort(growing.begin(), growing.end(), before);
  std::stable_sort(others.begin(), others.end(), before);
  r.growing = growing.size();
  const std::size_t limit = o.top.value_or(o.all ? SIZE_MAX : kDefaultTopCap);
  const std::size_t shown = std::min(limit, growing.size());
  r.rows.assign(growing.begin(), growing.begin() + static_cast<std::ptrdiff_t>(shown));
  r.hidden = growing.size() - shown;
  if (o.all)
    for (const Finding& fd : others) {
      if (r.rows.size() >= limit) break;
      r.rows.push_back(fd);
    }

  // Totals and projections.
  for (Field tf : {Field::size, Field::rss, Field::pss, Field::swap}) {
    if (!c.knows(tf)) continue;
    r.totals.emplace_back(
        tf, analyze(series([&](std::size_t i) { return c.totals[i].value_or_zero(tf); }), x, timed, r.floor));
  }
  r.mappings = analyze(series([&](std::size_t i) { return c.mappings[i]; }), x, timed, kCountFloor);

  auto project = [&](std::string what, std::string limit_name, double limit_value, const SeriesStats& st) {
    const double rate = st.fit.slope;  // per second, or per snapshot
    const double now = st.values.empty() ? 0 : st.values.back();
    if (rate <= 0 || limit_value <= now) return;
    r.projections.push_back(
        {std::move(what), std::move(limit_name), limit_value, rate, (limit_value - now) / rate});
  };
  for (const auto& [tf, st] : r.totals)
    if (tf == Field::rss && o.limit) project("Rss", o.limit_name, static_cast<double>(*o.limit), st);
  project("mappings", "vm.max_map_count", static_cast<double>(o.max_map_count), r.mappings);
  return r;
}

}  // namespace snap
