#include "snap/nmt_join.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "range_map.h"
#include "snap/error.h"

namespace snap {
namespace {

/// Where `[start, end)` meets `detail`'s reserved ranges: covered bytes per
/// NMT range (a layer: parse_nmt sorts them and rejects overlaps).
template <class F>
void for_each_overlap(const Nmt& detail, std::uint64_t start, std::uint64_t end, F&& f) {
  range::for_each_overlap(std::span<const NmtRegion>(detail.regions), start, end, std::forward<F>(f));
}

struct RegionSplit {
  std::uint64_t inside = 0, outside = 0;
  std::uint64_t covered = 0;  // bytes of the region inside NMT's ranges
};

/// The uncovered part resident first (see nmt_join.h), so that a counter
/// equal to the region's length splits exactly at the range boundaries.
RegionSplit split(const Region& r, Field counter, const Nmt& detail) {
  std::uint64_t covered = 0;
  for_each_overlap(detail, r.start, r.end, [&](const NmtRegion&, std::uint64_t n) { covered += n; });
  const std::uint64_t v = r.counters.value_or_zero(counter);
  RegionSplit s;
  s.covered = covered;
  s.outside = std::min(v, r.size() - covered);
  s.inside = v - s.outside;
  return s;
}

const Nmt* first_detail(std::span<const Nmt> nmts) {
  for (const Nmt& n : nmts)
    if (n.kind == NmtKind::detail) return &n;
  return nullptr;
}

const Nmt* last_detail(std::span<const Nmt> nmts) {
  for (auto it = nmts.rbegin(); it != nmts.rend(); ++it)
    if (it->kind == NmtKind::detail) return &*it;
  return nullptr;
}

std::uint64_t add_sat(std::uint64_t a, std::uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

std::int64_t to_signed(std::uint64_t v) {
  return v > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(v);
}

template <class T>
void largest_first(std::vector<std::pair<std::string, T>>& v) {
  std::stable_sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
}

/// Per category, NMT's malloc figure.
std::vector<std::pair<std::string, NmtAmount>> nmt_malloc(const Nmt& n) {
  std::vector<std::pair<std::string, NmtAmount>> out;
  for (const NmtCategory& c : n.categories)
    if (c.malloc) out.emplace_back(c.name, *c.malloc);
  return out;
}

/// The growth per category of one figure (`per`: nmt_malloc or
/// nmt_mapped) between two NMT files, or as one summary.diff reports it.
std::vector<std::pair<std::string, std::int64_t>> growth_by_category(
    const Nmt* a, const Nmt& b, std::vector<std::pair<std::string, NmtAmount>> (*per)(const Nmt&)) {
  std::map<std::string, std::int64_t> by;
  if (a) {
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> both;  // first, last
    for (const auto& [name, v] : per(*a)) both[name].first = add_sat(both[name].first, v.bytes);
    for (const auto& [name, v] : per(b)) both[name].second = add_sat(both[name].second, v.bytes);
    for (const auto& [name, v] : both) by[name] = signed_delta(v.first, v.second);
  } else {
    for (const auto& [name, v] : per(b)) by[name] = saturating_add(by[name], v.change);
  }
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& [name, d] : by)
    if (d != 0) out.emplace_back(name, d);
  largest_first(out);
  return out;
}

/// Malloc growth per category between the first and last NMT files, or as
/// one summary.diff reports it; without addresses, the mapped growth too.
void nmt_growth(std::span<const Nmt> nmts, NmtJoin& j) {
  const Nmt* diff = nullptr;
  for (const Nmt& n : nmts)
    if (n.kind == NmtKind::summary_diff) diff = &n;
  const Nmt* first = nullptr;
  const Nmt* last = nullptr;
  if (nmts.size() >= 2 && &nmts.front() != diff && &nmts.back() != diff) {
    first = &nmts.front();
    last = &nmts.back();
    j.malloc_growth = signed_delta(first->malloc.bytes, last->malloc.bytes);
    j.malloc_from = fmt::format("{} -> {}", first->source, last->source);
  } else if (diff) {
    last = diff;
    j.malloc_growth = diff->malloc.change;
    j.malloc_from = fmt::format("{} (since its baseline)", diff->source);
  } else {
    return;
  }
  j.malloc_by_category = growth_by_category(first, *last, nmt_malloc);
  if (j.by_address) return;
  j.mapped_by_category = growth_by_category(first, *last, nmt_mapped);
  std::int64_t mapped = 0;
  if (first) {
    std::uint64_t before = 0, after = 0;
    for (const auto& [name, v] : nmt_mapped(*first)) before = add_sat(before, v.bytes);
    for (const auto& [name, v] : nmt_mapped(*last)) after = add_sat(after, v.bytes);
    mapped = signed_delta(before, after);
  } else {
    for (const auto& [name, v] : nmt_mapped(*last)) mapped = saturating_add(mapped, v.change);
  }
  j.mapped_growth = mapped;
}

bool anonymous_kind(Category c) {
  return c != Category::file && c != Category::special;
}

}  // namespace

Category nmt_category(std::string_view n) {
  if (n == "Java Heap") return Category::java_heap;
  if (n == "Metaspace") return Category::metaspace;
  if (n == "Class") return Category::class_space;
  if (n == "Code") return Category::code_cache;
  if (n == "Thread Stack" || n == "Thread") return Category::thread_stack;
  return Category::jvm;
}

std::string_view nmt_verdict_name(NmtVerdict v) {
  switch (v) {
    case NmtVerdict::no_growth_outside: return "no growth outside NMT";
    case NmtVerdict::jvm_tracked_malloc: return "JVM-tracked malloc";
    case NmtVerdict::mixed: return "part JVM-tracked malloc, part untracked";
    case NmtVerdict::untracked_native: return "untracked native memory (JNI, zlib, third-party)";
    case NmtVerdict::unknown: return "unknown (one NMT file: no malloc growth to compare)";
  }
  return "";
}

std::string_view nmt_verdict_key(NmtVerdict v) {
  switch (v) {
    case NmtVerdict::no_growth_outside: return "no_growth_outside";
    case NmtVerdict::jvm_tracked_malloc: return "jvm_tracked_malloc";
    case NmtVerdict::mixed: return "mixed";
    case NmtVerdict::untracked_native: return "untracked_native";
    case NmtVerdict::unknown: return "unknown";
  }
  return "";
}

NmtVerdict nmt_verdict(std::int64_t outside_anon, std::optional<std::int64_t> malloc) {
  constexpr std::int64_t kFloor = 64 << 10;
  if (outside_anon < kFloor) return NmtVerdict::no_growth_outside;
  if (!malloc) return NmtVerdict::unknown;
  const long double m = static_cast<long double>(*malloc), out = static_cast<long double>(outside_anon);
  if (m >= 0.8L * out) return NmtVerdict::jvm_tracked_malloc;
  if (m >= 0.5L * out) return NmtVerdict::mixed;
  return NmtVerdict::untracked_native;
}

NmtVerdict nmt_verdict(std::int64_t low, std::int64_t high, std::optional<std::int64_t> malloc) {
  const NmtVerdict a = nmt_verdict(std::min(low, high), malloc), b = nmt_verdict(std::max(low, high), malloc);
  return a == b ? a : NmtVerdict::unknown;
}

std::vector<std::pair<std::string, NmtAmount>> nmt_mapped(const Nmt& n) {
  std::vector<std::pair<std::string, NmtAmount>> out;
  for (const NmtCategory& c : n.categories)
    if (c.mapped && c.name != "Shared class space") out.emplace_back(c.name, *c.mapped);  // a file mapping
  return out;
}

NmtShare nmt_share(const Snapshot& s, std::span<const Category> cats, Field counter, const Nmt& nmt) {
  NmtShare share;
  if (nmt.kind == NmtKind::detail) {
    std::map<std::string, std::uint64_t> by;
    for (std::size_t i = 0; i < s.regions.size(); ++i) {
      const Region& r = s.regions[i];
      const RegionSplit sp = split(r, counter, nmt);
      share.inside = add_sat(share.inside, sp.inside);
      share.outside = add_sat(share.outside, sp.outside);
      std::uint64_t& kind =
          i < cats.size() && !anonymous_kind(cats[i]) ? share.outside_file : share.outside_anon;
      kind = add_sat(kind, sp.outside);
      if (!sp.inside) continue;
      // The inside part shared out by covered length.
      for_each_overlap(nmt, r.start, r.end, [&](const NmtRegion& nr, std::uint64_t n) {
        by[nr.category] += static_cast<std::uint64_t>(static_cast<long double>(sp.inside) * n / sp.covered);
      });
    }
    share.by_category.assign(by.begin(), by.end());
  } else {
    // No addresses: the JVM's mapped committed memory stands for what
    // lies inside (nmt_join.h's head), taken from the anonymous mappings.
    share.by_address = false;
    std::uint64_t anon = 0, mapped = 0;
    for (std::size_t i = 0; i < s.regions.size(); ++i) {
      const std::uint64_t v = s.regions.counter(i, counter);
      if (i < cats.size() && !anonymous_kind(cats[i]))
        share.outside_file = add_sat(share.outside_file, v);
      else
        anon = add_sat(anon, v);
    }
    for (const auto& [name, v] : nmt_mapped(nmt)) {
      mapped = add_sat(mapped, v.bytes);
      if (v.bytes) share.by_category.emplace_back(name, v.bytes);
    }
    share.inside = std::min(mapped, anon);
    share.outside_anon = anon - share.inside;
    share.outside_anon_max = anon;
    share.outside = add_sat(share.outside_file, share.outside_anon);
  }
  largest_first(share.by_category);
  share.malloc = nmt.malloc.bytes;
  for (const auto& [name, v] : nmt_malloc(nmt))
    if (v.bytes) share.malloc_by_category.emplace_back(name, v.bytes);
  largest_first(share.malloc_by_category);
  share.malloc_accounted = std::min(share.outside_anon, share.malloc);
  share.untracked = share.outside_anon - share.malloc_accounted;
  share.verdict = share.by_address ? nmt_verdict(to_signed(share.outside_anon), to_signed(share.malloc))
                                   : nmt_verdict(to_signed(share.outside_anon),
                                                 to_signed(share.outside_anon_max), to_signed(share.malloc));
  return share;
}

NmtShare nmt_share(const Snapshot& s, Field counter, const Nmt& nmt) {
  const std::vector<Category> cats = classify(s);
  return nmt_share(s, cats, counter, nmt);
}

namespace {

/// No addresses: the anonymous blocks' growth less what the summaries'
/// mapped committed figures grew by (nmt_join.h's head).
NmtJoin join_nmt_summaries(const Comparison& c, Field counter, std::span<const Nmt> nmts) {
  NmtJoin j;
  j.counter = counter;
  j.by_address = false;
  j.first_map = &nmts.front();
  j.last_map = &nmts.back();
  std::int64_t total = 0;
  for (const Block& b : c.blocks) {
    total = saturating_add(total, b.delta(counter));
    if (anonymous_kind(b.category)) j.anon_growth = saturating_add(j.anon_growth, b.delta(counter));
  }
  nmt_growth(nmts, j);
  const std::int64_t mapped = j.mapped_growth.value_or(0);
  const std::int64_t minus = mapped == INT64_MIN ? INT64_MAX : -mapped;
  j.inside = mapped;
  j.outside = saturating_add(total, minus);
  j.outside_anon = saturating_add(j.anon_growth, minus);
  j.outside_anon_max = j.anon_growth;
  j.verdict = j.mapped_growth ? nmt_verdict(j.outside_anon, j.outside_anon_max, j.malloc_growth)
                              : NmtVerdict::unknown;
  return j;
}

}  // namespace

NmtJoin join_nmt(const Comparison& c, std::span<const Snapshot> snaps, Field counter,
                 std::span<const Nmt> nmts) {
  NmtJoin j;
  j.counter = counter;
  if (nmts.empty()) throw UsageError("no NMT files to join");
  j.first_map = first_detail(nmts);
  j.last_map = last_detail(nmts);
  if (!j.first_map) return join_nmt_summaries(c, counter, nmts);
  const std::uint32_t last = static_cast<std::uint32_t>(snaps.size() - 1);
  j.blocks.resize(c.blocks.size());
  for (std::size_t i = 0; i < c.blocks.size(); ++i) {
    const Block& b = c.blocks[i];
    BlockNmt& bn = j.blocks[i];
    // Saturating throughout: fuzzed and hand-edited inputs hold 2^64 values.
    std::uint64_t in_first = 0, in_last = 0;
    // Only the first and last snapshots' sides: a trend's block has one
    // for each snapshot between them too.
    auto add = [&](std::uint32_t n, const Nmt& map, std::uint64_t& sum) {
      const SideRows rows = b.sides.rows(n);
      for (std::uint32_t k = rows.first; k < rows.first + rows.count; ++k) {
        const Region& r = snaps[n].regions[k];
        const std::uint64_t inside = split(r, counter, map).inside;
        sum = sum > UINT64_MAX - inside ? UINT64_MAX : sum + inside;
        for_each_overlap(map, r.start, r.end, [&](const NmtRegion& nr, std::uint64_t) {
          if (std::find(bn.categories.begin(), bn.categories.end(), nr.category) == bn.categories.end())
            bn.categories.push_back(nr.category);
        });
      }
    };
    add(0, *j.first_map, in_first);
    if (last != 0) add(last, *j.last_map, in_last);
    bn.inside = signed_delta(in_first, in_last);
    bn.outside = saturating_add(b.delta(counter), bn.inside == INT64_MIN ? INT64_MAX : -bn.inside);
    j.inside = saturating_add(j.inside, bn.inside);
    j.outside = saturating_add(j.outside, bn.outside);
    if (anonymous_kind(b.category)) j.outside_anon = saturating_add(j.outside_anon, bn.outside);
    if (anonymous_kind(b.category) && bn.outside > 0) j.suspects.push_back(i);
  }
  std::stable_sort(j.suspects.begin(), j.suspects.end(),
                   [&](std::size_t a, std::size_t b) { return j.blocks[a].outside > j.blocks[b].outside; });

  nmt_growth(nmts, j);
  j.verdict = nmt_verdict(j.outside_anon, j.malloc_growth);
  return j;
}

void apply_nmt_categories(const Snapshot& s, const Nmt& detail, std::vector<Category>& cats) {
  std::map<std::string_view, std::uint64_t> by;
  for (std::size_t i = 0; i < s.regions.size(); ++i) {
    const Region& r = s.regions[i];
    if (r.file_backed()) continue;  // a CDS archive stays a file
    by.clear();
    for_each_overlap(detail, r.start, r.end,
                     [&](const NmtRegion& nr, std::uint64_t n) { by[nr.category] += n; });
    for (const auto& [name, n] : by)
      if (2 * n > r.size()) cats[i] = nmt_category(name);
  }
}

void apply_nmt_categories(Comparison& c, std::span<const Snapshot> snaps, std::span<const Nmt> nmts) {
  const Nmt* first = first_detail(nmts);
  const Nmt* last = last_detail(nmts);
  if (!first) return;
  // Snapshots nearer the start are read against the first detail, the
  // others against the last.
  auto detail_for = [&](std::uint32_t n) { return 2 * n < snaps.size() ? first : last; };
  for (std::uint32_t n = 0; n < snaps.size(); ++n)
    apply_nmt_categories(snaps[n], *detail_for(n), c.categories[n]);
  // A block takes the NMT category covering most of it in the last
  // snapshot that holds it.
  for (Block& b : c.blocks) {
    const std::uint32_t newest = b.members().back().snapshot;
    const SideRows rows = b.sides.rows(newest);
    std::map<Category, std::uint64_t> by;
    std::uint64_t extent = 0;
    for (std::uint32_t k = rows.first; k < rows.first + rows.count; ++k) {
      const Region& r = snaps[newest].regions[k];
      extent += r.size();
      if (!r.file_backed())
        for_each_overlap(*detail_for(newest), r.start, r.end, [&](const NmtRegion& nr, std::uint64_t len) {
          by[nmt_category(nr.category)] += len;
        });
    }
    for (const auto& [cat, len] : by)
      if (2 * len > extent) b.category = cat;
  }
}

NmtJoin apply_and_join_nmt(Comparison& c, std::span<const Snapshot> snaps, Field counter,
                           std::span<const Nmt> nmts) {
  apply_nmt_categories(c, snaps, nmts);  // nothing without a detail; join_nmt then throws
  return join_nmt(c, snaps, counter, nmts);
}

}  // namespace snap
