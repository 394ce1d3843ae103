#include "snap/inspect/census.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string_view>
#include <unordered_map>

namespace snap::inspect {

namespace {

std::uint64_t load(const unsigned char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

/// The readable stretches of `bytes`, as [offset, offset + length).
template <typename F>
void for_each_readable(const Bytes& bytes, F&& f) {
  const std::uint64_t n = bytes.data.size();
  std::uint64_t at = 0;
  while (at < n) {
    const std::uint64_t page_end = std::min(n, (bytes.start + at) / kPage * kPage + kPage - bytes.start);
    if (!bytes.ok_at(bytes.start + at)) {
      at = page_end;
      continue;
    }
    std::uint64_t end = page_end;
    while (end < n && bytes.ok_at(bytes.start + end)) end = std::min(n, end + kPage);
    f(at, end);
    at = end;
  }
}

}  // namespace

PagePicture page_picture(const Bytes& bytes) {
  PagePicture p;
  std::unordered_map<std::uint64_t, std::uint64_t> fills;
  double entropy_sum = 0;
  const std::uint64_t n = bytes.data.size();
  for (std::uint64_t at = 0; at < n;) {
    const std::uint64_t end = std::min(n, (bytes.start + at) / kPage * kPage + kPage - bytes.start);
    ++p.pages;
    if (!bytes.ok_at(bytes.start + at)) {
      ++p.unreadable;
      at = end;
      continue;
    }
    const unsigned char* d = bytes.data.data() + at;
    const std::size_t len = end - at;
    std::array<std::uint32_t, 256> hist{};
    for (std::size_t i = 0; i < len; ++i) ++hist[d[i]];
    if (hist[0] == len) {
      ++p.zero;
    } else if (len >= 8 && len % 8 == 0) {
      const std::uint64_t w = load(d);
      bool same = true;
      for (std::size_t i = 8; i < len && same; i += 8) same = load(d + i) == w;
      if (same) {
        ++p.filled;
        ++fills[w];
      }
    }
    double h = 0;
    for (std::uint32_t c : hist)
      if (c) {
        const double q = static_cast<double>(c) / static_cast<double>(len);
        h -= q * std::log2(q);
      }
    entropy_sum += h;
    if (h >= 7.0) ++p.high_entropy;
    at = end;
  }
  const std::uint64_t readable = p.pages - p.unreadable;
  if (readable) p.mean_entropy = entropy_sum / static_cast<double>(readable);
  for (const auto& [w, count] : fills)
    if (count > p.fill_word_pages || (count == p.fill_word_pages && w < p.fill_word)) {
      p.fill_word = w;
      p.fill_word_pages = count;
    }
  return p;
}

StringCensus string_census(const Bytes& bytes, std::size_t min_length, std::size_t top) {
  StringCensus s;
  if (min_length == 0) min_length = 1;
  std::unordered_map<std::string_view, std::pair<std::uint64_t, bool>> seen;
  auto printable = [](unsigned char c) { return (c >= 0x20 && c < 0x7f) || c == '\t'; };
  for_each_readable(bytes, [&](std::uint64_t from, std::uint64_t to) {
    const unsigned char* d = bytes.data.data();
    std::uint64_t i = from;
    while (i < to) {
      if (!printable(d[i])) {
        ++i;
        continue;
      }
      std::uint64_t j = i;
      while (j < to && printable(d[j])) ++j;
      const std::uint64_t len = j - i;
      if (len >= min_length) {
        ++s.runs;
        s.bytes += len;
        const bool cut = len > kMaxStringKept;
        auto& entry = seen[std::string_view(reinterpret_cast<const char*>(d + i), cut ? kMaxStringKept : len)];
        ++entry.first;
        entry.second = entry.second || cut;
      }
      i = j;
    }
  });
  s.distinct = seen.size();
  std::vector<std::pair<std::string_view, std::pair<std::uint64_t, bool>>> rows(seen.begin(), seen.end());
  auto better = [](const auto& a, const auto& b) {
    if (a.second.first != b.second.first) return a.second.first > b.second.first;
    if (a.first.size() != b.first.size()) return a.first.size() > b.first.size();
    return a.first < b.first;
  };
  const std::size_t keep = std::min(top, rows.size());
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(keep), rows.end(), better);
  for (std::size_t i = 0; i < keep; ++i)
    s.top.push_back(StringRow{std::string(rows[i].first), rows[i].second.first, rows[i].second.second});
  return s;
}

PointerCensus pointer_census(const Bytes& bytes, const std::vector<Mapping>& maps,
                             const std::vector<const Mapping*>& heaps, Symbolizer* symbols, std::size_t top) {
  PointerCensus c;
  if (maps.empty()) return c;
  const std::uint64_t lowest = maps.front().start, highest = maps.back().end;
  // Per target address first (cheap), resolved once each afterwards.
  std::unordered_map<std::uint64_t, std::uint64_t> file_targets;
  const Mapping* last = nullptr;
  for_each_readable(bytes, [&](std::uint64_t from, std::uint64_t to) {
    std::uint64_t at = from;
    if ((bytes.start + at) % 8) at += 8 - (bytes.start + at) % 8;
    const unsigned char* d = bytes.data.data();
    for (; at + 8 <= to; at += 8) {
      ++c.words;
      const std::uint64_t v = load(d + at);
      if (v < lowest || v >= highest) continue;
      const Mapping* m = last && last->contains(v) ? last : find_mapping(maps, v);
      if (!m) continue;
      last = m;
      if (m->file_backed()) {
        ++c.into_files;
        ++file_targets[v];
      } else if (std::find(heaps.begin(), heaps.end(), m) != heaps.end()) {
        ++c.into_heap;
      } else if (m->path == "[stack]") {
        ++c.into_stack;
      } else if (m->anonymous()) {
        ++c.into_anon;
      } else {
        ++c.into_other;
      }
    }
  });
  std::unordered_map<std::string, TargetRow> by_label;
  std::unordered_map<std::string, std::uint64_t> by_module;
  for (const auto& [address, count] : file_targets) {
    Symbol fallback;
    const Symbol* s = nullptr;
    if (symbols) {
      s = &symbols->resolve(address);
    } else {
      const Mapping* m = find_mapping(maps, address);
      fallback.module = m->path.substr(m->path.rfind('/') + 1);
      fallback.offset = address - m->start + m->offset;
      s = &fallback;
    }
    TargetRow& row = by_label[s->label()];
    if (row.label.empty()) {
      row.label = s->label();
      row.module = s->module;
    }
    row.count += count;
    by_module[s->module] += count;
  }
  for (auto& [label, row] : by_label) c.targets.push_back(std::move(row));
  std::sort(c.targets.begin(), c.targets.end(), [](const TargetRow& a, const TargetRow& b) {
    return a.count != b.count ? a.count > b.count : a.label < b.label;
  });
  if (c.targets.size() > top) c.targets.resize(top);
  for (auto& [module, count] : by_module) c.modules.push_back(ModuleRow{module, count});
  std::sort(c.modules.begin(), c.modules.end(), [](const ModuleRow& a, const ModuleRow& b) {
    return a.count != b.count ? a.count > b.count : a.module < b.module;
  });
  if (c.modules.size() > top) c.modules.resize(top);
  return c;
}

}  // namespace snap::inspect
