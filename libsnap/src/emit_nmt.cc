#include <iterator>

#include <fmt/format.h>

#include "snap/emit.h"
#include "snap/size.h"
#include "nmt_json.h"

namespace snap {

void emit_nmt_text(std::string& out, const NmtJoin& n, const Comparison& c, const TextOptions& o) {
  auto it = std::back_inserter(out);
  auto delta = [&](std::int64_t v) { return is_bytes(n.counter) ? format_delta(v, o.sizes) : fmt::format("{:+}", v); };
  const std::string key(smaps_key(n.counter));

  out += '\n';
  if (n.first_map == n.last_map)
    fmt::format_to(it, "NMT ({}):\n", n.last_map->source);
  else
    fmt::format_to(it, "NMT ({} -> {}):\n", n.first_map->source, n.last_map->source);
  fmt::format_to(it, "  {} growth inside NMT's reserved ranges:  {}\n", key, delta(n.inside));
  fmt::format_to(it, "  {} growth outside them:                 {} ({} of it not file-backed)\n", key,
                 delta(n.outside), delta(n.outside_anon));
  if (n.malloc_growth) {
    std::string by;
    for (std::size_t i = 0; i < n.malloc_by_category.size() && i < 4; ++i)
      by += fmt::format("{}{} {}", i ? ", " : "", n.malloc_by_category[i].first,
                        format_delta(n.malloc_by_category[i].second, o.sizes));
    fmt::format_to(it, "  NMT malloc growth, {}: {}{}\n", n.malloc_from, format_delta(*n.malloc_growth, o.sizes),
                   by.empty() ? "" : " (" + by + ")");
  }
  std::string verdict(nmt_verdict_name(n.verdict));
  if (n.verdict == NmtVerdict::jvm_tracked_malloc || n.verdict == NmtVerdict::mixed) {
    if (!n.malloc_by_category.empty()) verdict += fmt::format(" (mostly {})", n.malloc_by_category.front().first);
  }
  if (n.malloc_growth && n.verdict != NmtVerdict::no_growth_outside)
    fmt::format_to(it, "  Verdict: {}: {} grew outside NMT's ranges, NMT's malloc {}\n", verdict,
                   format_delta(n.outside_anon, o.sizes), format_delta(*n.malloc_growth, o.sizes));
  else
    fmt::format_to(it, "  Verdict: {}\n", verdict);
  if (!n.suspects.empty()) {
    fmt::format_to(it, "  Native-leak suspects (growth outside NMT):\n");
    for (std::size_t i = 0; i < n.suspects.size() && i < 5; ++i) {
      const Block& b = c.blocks[n.suspects[i]];
      const BlockNmt& bn = n.blocks[n.suspects[i]];
      fmt::format_to(it, "    {:>9}  {:x}-{:x}  {}{}\n", delta(bn.outside), b.start, b.end, category_name(b.category),
                     bn.categories.empty() ? "" : " (beside NMT " + bn.categories.front() + ")");
    }
  }
}

nlohmann::ordered_json detail::nmt_json(const NmtJoin& n, const Comparison& c) {
  using nlohmann::ordered_json;
  auto hex = [](std::uint64_t v) { return fmt::format("0x{:x}", v); };
  ordered_json j;
  j["first"] = n.first_map->source;
  j["last"] = n.last_map->source;
  j["counter"] = std::string(field_name(n.counter));
  j["inside"] = n.inside;
  j["outside"] = n.outside;
  j["outside_not_file"] = n.outside_anon;
  j["malloc_growth"] = n.malloc_growth ? ordered_json(*n.malloc_growth) : ordered_json(nullptr);
  j["malloc_from"] = n.malloc_from.empty() ? ordered_json(nullptr) : ordered_json(n.malloc_from);
  ordered_json by = ordered_json::array();
  for (const auto& [name, d] : n.malloc_by_category) by.push_back({{"category", name}, {"growth", d}});
  j["malloc_by_category"] = std::move(by);
  j["verdict"] = std::string(nmt_verdict_key(n.verdict));
  ordered_json suspects = ordered_json::array();
  for (std::size_t i : n.suspects)
    suspects.push_back({{"start", hex(c.blocks[i].start)}, {"end", hex(c.blocks[i].end)},
                        {"outside", n.blocks[i].outside}});
  j["suspects"] = std::move(suspects);
  return j;
}

}  // namespace snap
