#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "nmt_json.h"
#include "snap/emit.h"
#include "snap/escape.h"
#include "snap/size.h"

namespace snap {

void emit_nmt_text(std::string& out, const NmtJoin& n, const Comparison& c, const TextOptions& o) {
  auto it = std::back_inserter(out);
  auto delta = [&](std::int64_t v) {
    return is_bytes(n.counter) ? format_delta(v, o.sizes) : fmt::format("{}{:+}", saturation_mark(v), v);
  };
  const std::string key(smaps_key(n.counter));

  auto by_category = [&](const std::vector<std::pair<std::string, std::int64_t>>& v) {
    std::string by;
    for (std::size_t i = 0; i < v.size() && i < 4; ++i)
      by += fmt::format("{}{} {}", i ? ", " : "", printable(v[i].first), format_delta(v[i].second, o.sizes));
    return by.empty() ? by : " (" + by + ")";
  };

  out += '\n';
  const std::string files =
      n.first_map == n.last_map
          ? printable(n.last_map->source)
          : fmt::format("{} -> {}", printable(n.first_map->source), printable(n.last_map->source));
  if (n.by_address) {
    fmt::format_to(it, "NMT ({}):\n", files);
    fmt::format_to(it, "  {} growth inside NMT's reserved ranges:  {}\n", key, delta(n.inside));
    fmt::format_to(it, "  {} growth outside them:                 {} ({} of it not file-backed)\n", key,
                   delta(n.outside), delta(n.outside_anon));
  } else {
    fmt::format_to(it, "NMT ({}; summary, no addresses):\n", files);
    const std::string labels[] = {fmt::format("{} growth of anonymous memory:", key),
                                  "of it in the JVM's mappings (NMT committed):",
                                  fmt::format("{} growth outside the JVM's mappings:", key)};
    std::size_t w = 0;
    for (const std::string& l : labels) w = std::max(w, l.size());
    fmt::format_to(it, "  {:<{}}  {}\n", labels[0], w, delta(n.anon_growth));
    if (n.mapped_growth)
      fmt::format_to(it, "  {:<{}}  {}{}\n", labels[1], w, format_delta(*n.mapped_growth, o.sizes),
                     by_category(n.mapped_by_category));
    fmt::format_to(it, "  {:<{}}  {}\n", labels[2], w,
                   n.mapped_growth ? delta(n.outside_anon) : std::string("unknown (one NMT summary)"));
  }
  if (n.malloc_growth)
    fmt::format_to(it, "  NMT malloc growth, {}: {}{}\n", n.malloc_from,
                   format_delta(*n.malloc_growth, o.sizes), by_category(n.malloc_by_category));
  std::string verdict(nmt_verdict_name(n.verdict));
  if (n.verdict == NmtVerdict::jvm_tracked_malloc || n.verdict == NmtVerdict::mixed) {
    if (!n.malloc_by_category.empty())
      verdict += fmt::format(" (mostly {})", printable(n.malloc_by_category.front().first));
  }
  if (!n.by_address && n.mapped_growth && n.malloc_growth && n.verdict != NmtVerdict::no_growth_outside)
    // Without addresses the outside is a range: committed need not be resident.
    fmt::format_to(it, "  Verdict: {}: {} to {} grew outside the JVM's mappings, NMT's malloc {}\n",
                   n.verdict == NmtVerdict::unknown ? std::string("unknown") : verdict,
                   format_delta(std::min(n.outside_anon, n.outside_anon_max), o.sizes),
                   format_delta(std::max(n.outside_anon, n.outside_anon_max), o.sizes),
                   format_delta(*n.malloc_growth, o.sizes));
  else if (n.malloc_growth && n.verdict != NmtVerdict::no_growth_outside)
    fmt::format_to(it, "  Verdict: {}: {} grew outside NMT's ranges, NMT's malloc {}\n", verdict,
                   format_delta(n.outside_anon, o.sizes), format_delta(*n.malloc_growth, o.sizes));
  else
    fmt::format_to(it, "  Verdict: {}\n", verdict);
  if (!n.by_address)
    out += "  Which blocks grew outside NMT needs its detail (jcmd PID VM.native_memory detail).\n";
  if (!n.suspects.empty()) {
    fmt::format_to(it, "  Native-leak suspects (growth outside NMT):\n");
    for (std::size_t i = 0; i < n.suspects.size() && i < 5; ++i) {
      const Block& b = c.blocks[n.suspects[i]];
      const BlockNmt& bn = n.blocks[n.suspects[i]];
      fmt::format_to(it, "    {:>9}  {:x}-{:x}  {}{}\n", delta(bn.outside), b.start, b.end,
                     category_name(b.category),
                     bn.categories.empty() ? "" : " (beside NMT " + printable(bn.categories.front()) + ")");
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
    suspects.push_back(
        {{"start", hex(c.blocks[i].start)}, {"end", hex(c.blocks[i].end)}, {"outside", n.blocks[i].outside}});
  j["suspects"] = std::move(suspects);
  j["by_address"] = n.by_address;
  j["anon_growth"] = n.by_address ? ordered_json(nullptr) : ordered_json(n.anon_growth);
  j["mapped_growth"] = n.mapped_growth ? ordered_json(*n.mapped_growth) : ordered_json(nullptr);
  j["outside_not_file_max"] = n.by_address ? ordered_json(nullptr) : ordered_json(n.outside_anon_max);
  ordered_json mapped = ordered_json::array();
  for (const auto& [name, d] : n.mapped_by_category) mapped.push_back({{"category", name}, {"growth", d}});
  j["mapped_by_category"] = std::move(mapped);
  return j;
}

}  // namespace snap
