#include "snap/ranking.h"

#include <algorithm>

#include <fmt/format.h>

#include "snap/error.h"

namespace snap {

Field pick_counter(const Comparison& c, std::span<const Snapshot> snapshots, std::optional<Field> asked,
                   std::string& note) {
  const Field f = asked.value_or(Field::rss);
  if (c.knows(f)) return f;
  const Snapshot* lacking = nullptr;
  for (const Snapshot& s : snapshots)
    if (!s.knows(f)) lacking = &s;
  std::string why = fmt::format("{} ({}) has no {}", lacking ? lacking->source : "?",
                                lacking ? format_name(lacking->format) : "?", smaps_key(f));
  if (asked) throw UsageError(fmt::format("cannot sort by {}: {}", field_name(f), why));
  note = fmt::format("ranked by Accessible (Size less ---p reserves): {}", why);
  return Field::accessible;
}

std::uint64_t noise_floor(const Comparison& c, Field f) {
  double summed = 0;
  for (const Block& b : c.blocks) summed += std::max<double>(0, static_cast<double>(b.delta(f)));
  const auto share = static_cast<std::uint64_t>(0.01 * summed);
  return std::max(kFloorMinimum, std::min(share, kFloorMaximum));
}

}  // namespace snap
