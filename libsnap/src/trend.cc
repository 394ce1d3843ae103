#include "snap/trend.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>
#include <stdexcept>

#include <fmt/format.h>

namespace snap {
namespace {

constexpr double kCountFloor = 2;            // regions born, for populations
constexpr std::uint64_t kPage = 4096;

/// Steady and emerging rank together.
int verdict_rank(Verdict v) {
  return v == Verdict::emerging ? static_cast<int>(Verdict::steady) : static_cast<int>(v);
}

bool grows(Verdict v) {
  return steadily_growing(v) || v == Verdict::stepwise || v == Verdict::noisy;
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
  const RegionStore& regs = s.regions;
  Shape sh;
  sh.category = cats[i];
  switch (cats[i]) {
    case Category::thread_stack:
      sh.kib = ((regs.bytes(i) + kPage - 1) / kPage * kPage) >> 10;
      if (i > 0 && cats[i - 1] == Category::guard && regs.end(i - 1) == regs.start(i))
        sh.guard_kib = regs.bytes(i - 1) >> 10;
      break;
    // An arena's rw-p part changes size as it grows; its shape is the arena.
    case Category::arena: break;
    default: sh.kib = ((regs.bytes(i) + kPage - 1) / kPage * kPage) >> 10;
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

  /// The blocks whose part in the tally was born, died or changed.
  std::vector<std::size_t> changed() const {
    std::vector<std::size_t> out;
    for (const auto& [b, share] : blocks)
      if (share.in_first != share.in_last || share.first != share.last) out.push_back(b);
    std::sort(out.begin(), out.end());
    return out;
  }

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

/// Whether a block's Size rose after it first appeared: it grows in place
/// (a mapping that new mmaps merge into), not only born once.
bool grows_in_place(const Block& b) {
  bool seen = false;
  std::uint64_t prev = 0;
  for (const BlockSide side : b.sides) {
    if (!side.present()) {
      prev = 0;
      continue;
    }
    const std::uint64_t size = side.counters.value_or_zero(Field::size);
    if (seen && size > prev) return true;
    seen = true;
    prev = size;
  }
  return false;
}

}  // namespace

TrendReport make_trend(std::span<const Snapshot> snaps, const Timeline& timeline, const TrendOptions& o) {
  TrendReport r;
  r.options = o;
  std::vector<double> seconds = timeline.seconds;
  for (const Snapshot& s : snaps) r.snapshots.push_back(&s);
  r.comparison = compare(snaps);
  // NMT's names first: --category and the populations see what NMT says.
  if (!o.nmt.empty()) apply_nmt_categories(r.comparison, snaps, o.nmt);
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
  if (!timed && !timeline.warnings.empty()) r.time_note = timeline.warnings.front().message;
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
  const GrowthBar bar{o.floor.value_or(noise_floor(c, f)), o.min_growth};
  r.floor = static_cast<double>(bar.floor);

  // A block's series is read from its sides when needed, not held: one
  // buffer serves every block's analysis.
  r.blocks.reserve(c.blocks.size());
  std::vector<double> y;
  for (std::size_t b = 0; b < c.blocks.size(); ++b) {
    c.blocks[b].sides.values(f, y);
    r.blocks.push_back({b, analyze(y, Samples(c.blocks[b].sides, f), x, timed, r.floor)});
  }

  // Links: blocks that grow in place by one allocation size, spread over
  // mappings. Blocks born once and flat after are the populations' (they
  // tell how many were born); with two snapshots every block is linked.
  {
    std::vector<std::size_t> candidates;
    for (std::size_t b = 0; b < c.blocks.size(); ++b) {
      const BlockTrend& bt = r.blocks[b];
      if (bt.stats.growth > 0 && grows_in_place(c.blocks[bt.block])) candidates.push_back(b);
    }
    for (Link& l : link_blocks(c, candidates)) {
      std::vector<double> sum(n, 0.0);
      for (std::size_t b : l.blocks) {
        c.blocks[b].sides.values(f, y);
        for (std::size_t i = 0; i < n; ++i) sum[i] += y[i];
      }
      r.links.push_back({std::move(l), analyze(std::move(sum), x, timed, r.floor)});
    }
  }
  std::vector<bool> linked(c.blocks.size(), false);
  for (const LinkTrend& lt : r.links)
    if (grows(lt.stats.verdict) && lt.stats.growth >= r.floor)
      for (std::size_t b : lt.link.blocks) linked[b] = true;

  // Populations, without the regions of steadily growing and linked blocks
  // (findings of their own).
  std::vector<std::vector<bool>> skip(n);
  for (std::size_t i = 0; i < n; ++i) skip[i].assign(snaps[i].regions.size(), false);
  for (std::size_t b = 0; b < r.blocks.size(); ++b)
    if (steadily_growing(r.blocks[b].stats.verdict) || linked[b])
      for (const RegionRef& m : c.blocks[r.blocks[b].block].members()) skip[m.snapshot][m.region] = true;
  // The block of each region, for the shares: of the first and the last
  // snapshot only (one entry per region of every snapshot would be the
  // size of the input again).
  std::vector<std::vector<std::size_t>> block_of(n);
  if (n > 0) {
    block_of.front().resize(snaps.front().regions.size());
    block_of.back().resize(snaps.back().regions.size());
  }
  for (std::size_t b = 0; b < c.blocks.size(); ++b)
    for (const RegionRef& m : c.blocks[b].members())
      if (m.snapshot == 0 || m.snapshot == n - 1) block_of[m.snapshot][m.region] = b;
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
    // Shares are of the first and the last snapshot: a block in neither
    // (a churning mapping, born and gone in between) has none.
    if (k != 0 && k != n - 1) return;
    Share& share = t.blocks[block_of[k][i]];
    if (k == 0) share.first += v, share.in_first = true;
    if (k == n - 1) share.last += v, share.in_last = true;
  };
  for (std::size_t k = 0; k < n; ++k) {
    const Snapshot& s = snaps[k];
    const auto& cats = c.categories[k];
    for (std::size_t i = 0; i < s.regions.size(); ++i) {
      // File mappings of one shape, born one after another, are a leak too
      // (segments mapped and never unmapped, a plugin dlopen'd again and
      // again); files of every size together are what a process loads.
      const bool by_shape_only = cats[i] == Category::file;
      if (skip[k][i] || !(in_populations(cats[i]) || by_shape_only)) continue;
      const double v = static_cast<double>(s.regions.counter(i, f));
      const Shape sh = shape_of(s, cats, i);
      auto [it, fresh] = shape_index.try_emplace(sh, shape_tallies.size());
      if (fresh) {
        shape_tallies.emplace_back(n);
        shape_list.push_back(sh);
      }
      tally(shape_tallies[it->second], k, i, v);
      if (by_shape_only) continue;
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
    p.blocks = t.changed();
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
  auto is_growing = [&](Verdict v, double growth) {
    return grows(v) && bar.passes(growth);
  };
  std::vector<Finding> growing, others;
  // A growing population's or link's blocks are folded under it.
  std::vector<bool> folded(c.blocks.size(), false);
  auto by_growth = [&](std::vector<std::size_t> members) {
    std::stable_sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      return r.blocks[a].stats.growth > r.blocks[b].stats.growth;
    });
    return members;
  };
  for (std::size_t li = 0; li < r.links.size(); ++li) {
    const LinkTrend& lt = r.links[li];
    if (!wanted(lt.link.category)) continue;
    Finding fd{std::nullopt, std::nullopt, li, lt.stats.verdict, lt.stats.growth, lt.stats.rate(), by_growth(lt.link.blocks)};
    const bool up = is_growing(fd.verdict, fd.growth);
    if (up)
      for (std::size_t b : lt.link.blocks) folded[b] = true;
    else
      fd.members.clear();  // not a finding: its blocks are rows of their own
    (up ? growing : others).push_back(std::move(fd));
  }
  for (std::size_t pi = 0; pi < r.populations.size(); ++pi) {
    const Population& p = r.populations[pi];
    auto cat = category_from_name(std::string_view(p.key).substr(0, p.key.find(' ')));
    if (cat && !wanted(*cat)) continue;
    const SeriesStats& st = p.total.growth >= r.floor ? p.total : p.count;
    Finding fd{std::nullopt, pi, std::nullopt, p.verdict, p.total.growth, p.total.rate(), by_growth(p.blocks)};
    // A population of threads can leak by count while its Rss stays small.
    const bool by_count = &st == &p.count && grows(p.count.verdict) && p.count.growth >= kCountFloor;
    const bool up = is_growing(fd.verdict, fd.growth) || by_count;
    if (up) {
      // Each block folds under one finding: a category population after
      // its shapes keeps only the blocks they did not take, and says
      // nothing new without any.
      std::erase_if(fd.members, [&](std::size_t b) { return folded[b]; });
      if (!p.by_shape && fd.members.empty() && !p.blocks.empty()) continue;
      for (std::size_t b : fd.members) folded[b] = true;
    } else {
      fd.members.clear();
    }
    (up ? growing : others).push_back(std::move(fd));
  }
  for (std::size_t b = 0; b < r.blocks.size(); ++b) {
    const BlockTrend& bt = r.blocks[b];
    if (folded[b] || !wanted(c.blocks[bt.block].category)) continue;
    Finding fd{b, std::nullopt, std::nullopt, bt.stats.verdict, bt.stats.growth, bt.stats.rate(), {}};
    // The others are shown only with --all: a row for every block is what
    // a churning series makes most of.
    if (is_growing(fd.verdict, fd.growth))
      growing.push_back(std::move(fd));
    else if (o.all)
      others.push_back(std::move(fd));
  }
  auto before = [&](const Finding& a, const Finding& b) {
    switch (o.order) {
      case TrendOrder::steady:
        if (verdict_rank(a.verdict) != verdict_rank(b.verdict))
          return verdict_rank(a.verdict) < verdict_rank(b.verdict);
        if (a.rate != b.rate) return a.rate > b.rate;
        break;
      case TrendOrder::rate:
        if (a.rate != b.rate) return a.rate > b.rate;
        break;
      case TrendOrder::growth: break;
    }
    if (a.growth != b.growth) return a.growth > b.growth;
    // A block before a link before a population.
    auto kind = [](const Finding& fd) { return fd.block ? 0 : fd.link ? 1 : 2; };
    return kind(a) < kind(b);
  };
  const TopCut cut = rank_findings(growing, others, before, o.top, o.all);
  r.growing = growing.size();
  for (const Finding& fd : growing) {
    r.largest_growth = std::max(r.largest_growth, fd.growth);
    // A one-time step over a short window is fast, and no leak.
    if (steadily_growing(fd.verdict)) r.largest_rate = std::max(r.largest_rate, fd.rate);
  }
  r.rows.assign(growing.begin(), growing.begin() + static_cast<std::ptrdiff_t>(cut.growing));
  r.hidden = growing.size() - cut.growing;
  r.rows.insert(r.rows.end(), others.begin(), others.begin() + static_cast<std::ptrdiff_t>(cut.others));

  // Totals and projections.
  for (Field tf : {Field::size, Field::rss, Field::pss, Field::swap}) {
    if (!c.knows(tf)) continue;
    r.totals.emplace_back(
        tf, analyze(series([&](std::size_t i) { return c.totals[i].value_or_zero(tf); }), x, timed, r.floor));
  }
  r.mappings = analyze(series([&](std::size_t i) { return c.mappings[i]; }), x, timed, kCountFloor);

  auto project = [&](std::string what, std::string limit_name, double limit_value, const SeriesStats& st) {
    // A limit reached "in N snapshots" says nothing about when: without
    // capture times there is no projection (give --interval).
    if (!timed) return;
    const double rate = st.fit.slope;
    const double now = st.values.empty() ? 0 : st.values.back();
    if (rate <= 0 || limit_value <= now) return;
    r.projections.push_back(
        {std::move(what), std::move(limit_name), limit_value, rate, (limit_value - now) / rate});
  };
  for (const auto& [tf, st] : r.totals)
    if (tf == Field::rss && o.limit) project("Rss", o.limit_name, static_cast<double>(*o.limit), st);
  project("mappings", "vm.max_map_count", static_cast<double>(o.max_map_count), r.mappings);
  if (!o.nmt.empty()) r.nmt = join_nmt(c, snaps, f, o.nmt);
  return r;
}

const SeriesStats& TrendReport::stats(const Finding& fd) const {
  if (fd.block) return block_trend(fd).stats;
  if (fd.link) return link_trend(fd).stats;
  return population(fd).total;
}

std::vector<const Block*> TrendReport::growing_blocks() const {
  std::vector<const Block*> out;
  std::vector<bool> seen(blocks.size(), false);
  auto add = [&](std::size_t b) {
    if (!seen[b]) out.push_back(&comparison.blocks[blocks[b].block]);
    seen[b] = true;
  };
  for (std::size_t i = 0; i < rows.size() && i < growing; ++i) {
    const Finding& fd = rows[i];
    if (fd.block) add(*fd.block);
    for (std::size_t b : fd.members) add(b);
  }
  return out;
}

}  // namespace snap
