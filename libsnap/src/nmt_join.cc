#include "snap/nmt_join.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

namespace snap {
namespace {

/// Where `[start, end)` meets `detail`'s reserved ranges: covered bytes per
/// NMT category (ranges never overlap: parse_nmt checks).
template <class F>
void for_each_overlap(const Nmt& detail, std::uint64_t start, std::uint64_t end, F&& f) {
  const auto& rs = detail.regions;
  auto it = std::upper_bound(rs.begin(), rs.end(), start,
                             [](std::uint64_t a, const NmtRegion& r) { return a < r.end; });
  for (; it != rs.end() && it->start < end; ++it) {
    const std::uint64_t lo = std::max(start, it->start), hi = std::min(end, it->end);
    if (lo < hi) f(*it, hi - lo);
  }
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

/// Malloc growth per category between two NMT files, or as one
/// summary.diff reports it.
void malloc_growth(std::span<const Nmt> nmts, NmtJoin& j) {
  std::map<std::string, std::int64_t> by;
  const Nmt* diff = nullptr;
  for (const Nmt& n : nmts)
    if (n.kind == NmtKind::summary_diff) diff = &n;
  if (nmts.size() >= 2 && &nmts.front() != diff && &nmts.back() != diff) {
    const Nmt& a = nmts.front();
    const Nmt& b = nmts.back();
    j.malloc_growth = signed_delta(a.malloc.bytes, b.malloc.bytes);
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> both;  // first, last
    for (const NmtCategory& c : a.categories)
      if (c.malloc) both[c.name].first = c.malloc->bytes;
    for (const NmtCategory& c : b.categories)
      if (c.malloc) both[c.name].second = c.malloc->bytes;
    for (const auto& [name, v] : both) by[name] = signed_delta(v.first, v.second);
    j.malloc_from = fmt::format("{} -> {}", a.source, b.source);
  } else if (diff) {
    j.malloc_growth = diff->malloc.change;
    for (const NmtCategory& c : diff->categories)
      if (c.malloc) by[c.name] = saturating_add(by[c.name], c.malloc->change);
    j.malloc_from = fmt::format("{} (since its baseline)", diff->source);
  } else {
    return;
  }
  for (const auto& [name, d] : by)
    if (d != 0) j.malloc_by_category.emplace_back(name, d);
  std::stable_sort(j.malloc_by_category.begin(), j.malloc_by_category.end(),
                   [](const auto& x, const auto& y) { return x.second > y.second; });
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

NmtShare nmt_share(const Snapshot& s, Field counter, const Nmt& detail) {
  NmtShare share;
  std::map<std::string, std::uint64_t> by;
  for (const Region& r : s.regions) {
    const RegionSplit sp = split(r, counter, detail);
    share.inside += sp.inside;
    share.outside += sp.outside;
    if (!sp.inside) continue;
    // The inside part shared out by covered length.
    for_each_overlap(detail, r.start, r.end, [&](const NmtRegion& nr, std::uint64_t n) {
      by[nr.category] += static_cast<std::uint64_t>(static_cast<long double>(sp.inside) * n / sp.covered);
    });
  }
  share.by_category.assign(by.begin(), by.end());
  std::stable_sort(share.by_category.begin(), share.by_category.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return share;
}

NmtJoin join_nmt(const Comparison& c, std::span<const Snapshot> snaps, Field counter, std::span<const Nmt> nmts) {
  NmtJoin j;
  j.counter = counter;
  j.first_map = first_detail(nmts);
  j.last_map = last_detail(nmts);
  if (!j.first_map)
    throw std::invalid_argument("no NMT detail among the NMT files: summaries carry no addresses "
                                "(jcmd PID VM.native_memory detail)");
  const std::uint32_t last = static_cast<std::uint32_t>(snaps.size() - 1);
  j.blocks.resize(c.blocks.size());
  for (std::size_t i = 0; i < c.blocks.size(); ++i) {
    const Block& b = c.blocks[i];
    BlockNmt& bn = j.blocks[i];
    // Saturating throughout: fuzzed and hand-edited inputs hold 2^64 values.
    std::uint64_t in_first = 0, in_last = 0;
    for (const RegionRef& m : b.members) {
      if (m.snapshot != 0 && m.snapshot != last) continue;
      const Region& r = snaps[m.snapshot].regions[m.region];
      const Nmt& map = m.snapshot == 0 ? *j.first_map : *j.last_map;
      std::uint64_t& sum = m.snapshot == 0 ? in_first : in_last;
      const std::uint64_t inside = split(r, counter, map).inside;
      sum = sum > UINT64_MAX - inside ? UINT64_MAX : sum + inside;
      for_each_overlap(map, r.start, r.end, [&](const NmtRegion& nr, std::uint64_t) {
        if (std::find(bn.categories.begin(), bn.categories.end(), nr.category) == bn.categories.end())
          bn.categories.push_back(nr.category);
      });
    }
    bn.inside = signed_delta(in_first, in_last);
    bn.outside = saturating_add(b.delta(counter), bn.inside == INT64_MIN ? INT64_MAX : -bn.inside);
    j.inside = saturating_add(j.inside, bn.inside);
    j.outside = saturating_add(j.outside, bn.outside);
    if (anonymous_kind(b.category)) j.outside_anon = saturating_add(j.outside_anon, bn.outside);
    if (anonymous_kind(b.category) && bn.outside > 0) j.suspects.push_back(i);
  }
  std::stable_sort(j.suspects.begin(), j.suspects.end(),
                   [&](std::size_t a, std::size_t b) { return j.blocks[a].outside > j.blocks[b].outside; });

  malloc_growth(nmts, j);
  constexpr std::int64_t kFloor = 64 << 10;
  if (j.outside_anon < kFloor)
    j.verdict = NmtVerdict::no_growth_outside;
  else if (!j.malloc_growth)
    j.verdict = NmtVerdict::unknown;
  else if (static_cast<long double>(*j.malloc_growth) >= 0.8L * static_cast<long double>(j.outside_anon))
    j.verdict = NmtVerdict::jvm_tracked_malloc;
  else if (static_cast<long double>(*j.malloc_growth) >= 0.5L * static_cast<long double>(j.outside_anon))
    j.verdict = NmtVerdict::mixed;
  else
    j.verdict = NmtVerdict::untracked_native;
  return j;
}

void apply_nmt_categories(const Snapshot& s, const Nmt& detail, std::vector<Category>& cats) {
  std::map<std::string_view, std::uint64_t> by;
  for (std::size_t i = 0; i < s.regions.size(); ++i) {
    const Region& r = s.regions[i];
    if (r.file_backed()) continue;  // a CDS archive stays a file
    by.clear();
    for_each_overlap(detail, r.start, r.end, [&](const NmtRegion& nr, std::uint64_t n) { by[nr.category] += n; });
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
  for (std::uint32_t n = 0; n < snaps.size(); ++n) apply_nmt_categories(snaps[n], *detail_for(n), c.categories[n]);
  // A block takes the NMT category covering most of it in the last
  // snapshot that holds it.
  for (Block& b : c.blocks) {
    const std::uint32_t newest = b.members.back().snapshot;
    std::map<Category, std::uint64_t> by;
    std::uint64_t extent = 0;
    for (const RegionRef& m : b.members) {
      if (m.snapshot != newest) continue;
      const Region& r = snaps[m.snapshot].regions[m.region];
      extent += r.size();
      if (!r.file_backed())
        for_each_overlap(*detail_for(newest), r.start, r.end,
                         [&](const NmtRegion& nr, std::uint64_t len) { by[nmt_category(nr.category)] += len; });
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
