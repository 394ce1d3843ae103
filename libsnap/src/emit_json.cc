#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "snap/emit.h"
#include "nmt_json.h"
#include "snap/version.h"

namespace snap {
namespace {

using nlohmann::ordered_json;

std::string hex(std::uint64_t v) {
  return fmt::format("0x{:x}", v);
}

ordered_json change(std::uint64_t before, std::uint64_t after) {
  return {{"before", before}, {"after", after}, {"delta", signed_delta(before, after)}};
}

std::vector<Field> known_fields(const Comparison& c) {
  std::vector<Field> out;
  for (std::size_t i = 0; i < kFieldCount; ++i)
    if (c.knows(static_cast<Field>(i))) out.push_back(static_cast<Field>(i));
  return out;
}

}  // namespace

void emit_json(std::string& out, const DiffReport& r) {
  const Comparison& c = r.comparison;
  const auto fields = known_fields(c);
  ordered_json doc;
  doc["schema"] = kDiffJsonSchema;
  doc["generator"] = {{"name", "snapdiff"}, {"version", std::string(version())}};

  ordered_json snaps = ordered_json::array();
  for (const Snapshot* s : r.snapshots) {
    ordered_json j;
    j["source"] = s->source;
    j["format"] = std::string(format_name(s->format));
    j["pid"] = s->pid ? ordered_json(*s->pid) : ordered_json(nullptr);
    j["command"] = s->command.empty() ? ordered_json(nullptr) : ordered_json(s->command);
    j["mappings"] = s->regions.size();
    snaps.push_back(std::move(j));
  }
  doc["snapshots"] = std::move(snaps);
  doc["sort"] = std::string(field_name(r.sort));
  doc["sort_note"] = r.sort_note.empty() ? ordered_json(nullptr) : ordered_json(r.sort_note);
  doc["min_growth"] = r.options.min_growth;
  ordered_json names = ordered_json::array();
  for (Field f : fields) names.push_back(std::string(field_name(f)));
  doc["counters"] = std::move(names);

  ordered_json totals;
  for (Field f : fields)
    totals[std::string(field_name(f))] =
        change(c.totals.front().value_or_zero(f), c.totals.back().value_or_zero(f));
  totals["mappings"] = change(c.mappings.front(), c.mappings.back());
  doc["totals"] = std::move(totals);
  doc["growing"] = r.growing;
  doc["growth"] = r.growth;
  doc["hidden"] = r.hidden;

  ordered_json blocks = ordered_json::array();
  const std::size_t last = r.snapshots.size() - 1;
  for (const Block* b : r.rows) {
    ordered_json j;
    j["start"] = hex(b->start);
    j["end"] = hex(b->end);
    j["status"] = std::string(status_name(b->status));
    j["category"] = std::string(category_name(b->category));
    j["name"] = b->name;
    j["growing"] = is_growing(*b, r.sort, r.options.min_growth);
    ordered_json threads = ordered_json::array();
    for (const ThreadInfo& t : b->threads) threads.push_back({{"tid", t.tid}, {"name", t.name}});
    j["threads"] = std::move(threads);
    j["regions"] = {{"before", b->sides.front().regions}, {"after", b->sides.back().regions}};
    ordered_json counters;
    for (Field f : fields)
      counters[std::string(field_name(f))] =
          change(b->sides.front().counters.value_or_zero(f), b->sides.back().counters.value_or_zero(f));
    j["counters"] = std::move(counters);
    ordered_json members = ordered_json::array();
    for (const RegionRef& m : b->members) {
      if (m.snapshot != 0 && m.snapshot != last) continue;
      const Region& reg = r.snapshots[m.snapshot]->regions[m.region];
      members.push_back({{"snapshot", m.snapshot},
                         {"start", hex(reg.start)},
                         {"end", hex(reg.end)},
                         {"perms", reg.perms.str()},
                         {"name", reg.name}});
    }
    j["members"] = std::move(members);
    if (r.nmt && r.nmt->by_address) {
      const BlockNmt& n = r.nmt->blocks[static_cast<std::size_t>(b - c.blocks.data())];
      j["nmt"] = {{"categories", n.categories}, {"inside", n.inside}, {"outside", n.outside}};
    }
    blocks.push_back(std::move(j));
  }
  doc["blocks"] = std::move(blocks);
  ordered_json groups = ordered_json::array();
  for (const ThreadGroup& g : c.threads) groups.push_back({{"pattern", g.pattern}, {"counts", g.counts}});
  doc["threads"] = std::move(groups);
  doc["nmt"] = r.nmt ? detail::nmt_json(*r.nmt, c) : ordered_json(nullptr);
  // Invalid UTF-8 in a path must not abort the report: replace it.
  out += doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  out += '\n';
}

}  // namespace snap
