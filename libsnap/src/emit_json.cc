#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "snap/emit.h"
#include "nmt_json.h"
#include "startup_json.h"
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
  doc["startup"] = detail::startup_json(*r.snapshots.front());
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
  doc["floor"] = r.floor;
  doc["growing"] = r.growing;
  doc["findings"] = r.findings;
  doc["below_floor"] = r.below_floor;
  doc["churned"] = r.churned;
  doc["growth"] = r.growth;
  doc["hidden"] = r.hidden;

  ordered_json blocks = ordered_json::array();
  const std::size_t last = r.snapshots.size() - 1;
  for (std::size_t row = 0; row < r.rows.size(); ++row) {
    const Block* b = r.rows[row];
    ordered_json j;
    j["start"] = hex(b->start);
    j["end"] = hex(b->end);
    j["status"] = std::string(status_name(b->status));
    j["category"] = std::string(category_name(b->category));
    j["name"] = b->name;
    j["growing"] = row < r.growing_rows;
    j["link"] = r.row_link[row] == kNoLink ? ordered_json(nullptr) : ordered_json(r.row_link[row]);
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
  // Each link with its members' ranges (in the last snapshot holding
  // them): the blocks of one leak, for gdb.
  ordered_json links = ordered_json::array();
  for (std::size_t li = 0; li < r.links.size(); ++li) {
    const Link& l = r.links[li];
    ordered_json j;
    j["description"] = describe(l);
    j["category"] = std::string(category_name(l.category));
    j["quantum"] = l.quantum;
    j["steps"] = l.steps;
    j["new"] = l.all_new;
    std::int64_t growth = 0;
    ordered_json members = ordered_json::array();
    for (std::size_t b : l.blocks) {
      const Block& block = c.blocks[b];
      growth = saturating_add(growth, block.delta(r.sort));
      members.push_back({{"start", hex(block.start)}, {"end", hex(block.end)}, {"growth", block.delta(r.sort)}});
    }
    j["growth"] = growth;
    j["members"] = std::move(members);
    links.push_back(std::move(j));
  }
  doc["links"] = std::move(links);
  ordered_json groups = ordered_json::array();
  for (const ThreadGroup& g : c.threads) groups.push_back({{"pattern", g.pattern}, {"counts", g.counts}});
  doc["threads"] = std::move(groups);
  doc["nmt"] = r.nmt ? detail::nmt_json(*r.nmt, c) : ordered_json(nullptr);
  // Invalid UTF-8 in a path must not abort the report: replace it.
  out += doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  out += '\n';
}

}  // namespace snap
