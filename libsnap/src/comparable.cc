#include "snap/comparable.h"

#include <algorithm>

#include <fmt/format.h>

namespace snap {
namespace {

std::string who(const Snapshot& s) {
  std::string out;
  if (s.pid) out = fmt::format("pid {}", *s.pid);
  if (!s.command.empty()) out += (out.empty() ? "" : " ") + fmt::format("({})", s.command);
  return out;
}

/// The additive counters of `mask`, by their smaps keys.
std::string keys(std::uint32_t mask) {
  std::string out;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    const auto f = static_cast<Field>(i);
    if (((mask >> i) & 1u) && is_additive(f) && f != Field::accessible)
      out += (out.empty() ? "" : ", ") + std::string(smaps_key(f));
  }
  return out;
}

}  // namespace

std::vector<ComparabilityNote> check_comparable(std::span<const Snapshot> snapshots) {
  std::vector<ComparabilityNote> notes;
  if (snapshots.size() < 2) return notes;
  const Snapshot& first = snapshots.front();
  for (const Snapshot& s : snapshots.subspan(1)) {
    const bool pids_differ = first.pid && s.pid && *first.pid != *s.pid;
    const bool commands_differ = !first.command.empty() && !s.command.empty() && first.command != s.command;
    if (pids_differ || commands_differ)
      notes.push_back({s.source,
                       fmt::format("{} is not the process of {} ({}); diffed anyway", who(s), first.source,
                                   who(first)),
                       true});
  }

  std::uint32_t common = ~0u, any = 0;
  for (const Snapshot& s : snapshots) {
    if (!s.has_ranges()) continue;
    common &= s.totals.known_mask();
    any |= s.totals.known_mask();
  }
  const std::uint32_t dropped = any & ~common;
  if (!keys(dropped).empty()) {
    // One note per set of missing counters, not per snapshot: an adaptive
    // collection has hundreds of light snapshots between two full ones.
    struct Group {
      std::uint32_t missing;
      std::size_t first, last, count;
    };
    std::vector<Group> groups;
    for (std::size_t i = 0; i < snapshots.size(); ++i) {
      const Snapshot& s = snapshots[i];
      if (!s.has_ranges() || (s.totals.known_mask() & dropped) == dropped) continue;
      const std::uint32_t missing = dropped & ~s.totals.known_mask();
      auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.missing == missing; });
      if (g == groups.end())
        groups.push_back({missing, i, i, 1});
      else
        g->last = i, ++g->count;
    }
    for (const Group& g : groups) {
      const Snapshot& s = snapshots[g.first];
      const std::string also =
          g.count == 1 ? std::string()
                       : fmt::format(" (nor have {} more snapshots, up to {})", g.count - 1, snapshots[g.last].source);
      notes.push_back({s.source,
                       fmt::format("{} has no {}{}: those counters are not compared (compared: {})",
                                   format_name(s.format), keys(g.missing), also, keys(common)),
                       false});
    }
  }
  return notes;
}

}  // namespace snap
