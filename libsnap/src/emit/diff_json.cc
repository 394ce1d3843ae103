#include <functional>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "snap/emit.h"
#include "json_text.h"
#include "nmt_json.h"
#include "collection_json.h"
#include "startup_json.h"
#include "snap/version.h"

namespace snap {
namespace {

using nlohmann::ordered_json;

std::string hex(std::uint64_t v) {
  return fmt::format("0x{:x}", v);
}

/// A saturated delta says so: the number is the int64 limit, the growth
/// that far or farther. The flag is there only when true.
ordered_json change(std::uint64_t before, std::uint64_t after) {
  const std::int64_t d = signed_delta(before, after);
  ordered_json j = {{"before", before}, {"after", after}, {"delta", d}};
  if (is_saturated(d)) j["saturated"] = true;
  return j;
}

void put_growth(ordered_json& j, const char* key, std::int64_t growth) {
  j[key] = growth;
  if (is_saturated(growth)) j[std::string(key) + "_saturated"] = true;
}

constexpr auto kReplace = nlohmann::json::error_handler_t::replace;

/// `item` as it stands in an array two levels down in the document: the
/// same bytes ordered_json::dump(2) writes for it there.
void dump_item(std::string& out, const ordered_json& item) {
  const std::string text = item.dump(2, ' ', false, kReplace);
  out += "    ";
  for (char ch : text) {
    out += ch;
    if (ch == '\n') out += "    ";  // every raw newline is a line break: strings hold theirs as \n
  }
}

/// A top-level array of the document, written item by item: `item(i)` for
/// i in [0, n).
struct Streamed {
  const char* key;
  std::size_t n;
  std::function<ordered_json(std::size_t)> item;
};

/// Writes `doc` as doc.dump(2) would, with each of `arrays` (empty in `doc`,
/// in document order) filled in one item at a time, flushed after each: the
/// items never exist all at once.
void dump_streamed(std::string& out, const ordered_json& doc, const std::vector<Streamed>& arrays,
                   const Flush& flush) {
  const std::string text = doc.dump(2, ' ', false, kReplace);
  std::size_t from = 0;
  for (const Streamed& a : arrays) {
    const std::string mark = fmt::format("\n  \"{}\": []", a.key);
    const std::size_t at = text.find(mark, from);  // top-level keys alone sit at indent 2
    if (at == std::string::npos) throw std::logic_error("emit_json: no empty array " + mark);
    const std::size_t open = at + mark.size() - 1;  // at the ']'
    out.append(text, from, open - from);
    from = open;
    if (a.n == 0) continue;
    out += "\n";
    for (std::size_t i = 0; i < a.n; ++i) {
      if (i) out += ",\n";
      dump_item(out, a.item(i));
      if (flush) flush(out);
    }
    out += "\n  ";
  }
  out.append(text, from, std::string::npos);
}

std::vector<Field> known_fields(const Comparison& c) {
  std::vector<Field> out;
  for (std::size_t i = 0; i < kFieldCount; ++i)
    if (c.knows(static_cast<Field>(i))) out.push_back(static_cast<Field>(i));
  return out;
}

}  // namespace

void emit_json(std::string& out, const DiffReport& r, const Flush& flush) {
  const Comparison& c = r.comparison;
  const auto fields = known_fields(c);
  ordered_json doc;
  doc["schema"] = kDiffJsonSchema;
  doc["generator"] = {{"name", "snapdiff"}, {"version", std::string(version())}};

  ordered_json snaps = ordered_json::array();
  for (const Snapshot* s : r.snapshots) {
    ordered_json j;
    detail::put_text(j, "source", s->source);
    j["format"] = std::string(format_name(s->format));
    j["pid"] = s->pid ? ordered_json(*s->pid) : ordered_json(nullptr);
    detail::put_text_or_null(j, "command", s->command);
    j["mappings"] = s->regions.size();
    snaps.push_back(std::move(j));
  }
  doc["snapshots"] = std::move(snaps);
  doc["sort"] = std::string(field_name(r.sort));
  doc["sort_note"] = r.sort_note.empty() ? ordered_json(nullptr) : ordered_json(r.sort_note);
  doc["startup"] = detail::startup_json(*r.snapshots.front());
  doc["collection"] = detail::collection_json(r.snapshots);
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
  put_growth(doc, "growth", r.growth);
  doc["hidden"] = r.hidden;

  // Blocks and links are written one at a time (--all lists every block):
  // the document around them is small.
  doc["blocks"] = ordered_json::array();
  doc["links"] = ordered_json::array();
  const std::size_t last = r.snapshots.size() - 1;
  auto block = [&](std::size_t row) {
    const Block* b = &r.row(row);
    ordered_json j;
    j["start"] = hex(b->start);
    j["end"] = hex(b->end);
    j["status"] = std::string(status_name(b->status));
    j["category"] = std::string(category_name(b->category));
    detail::put_text(j, "name", b->name);
    j["growing"] = row < r.growing_rows;
    j["link"] = r.row_link[row] == kNoLink ? ordered_json(nullptr) : ordered_json(r.row_link[row]);
    ordered_json threads = ordered_json::array();
    for (const ThreadInfo& t : b->threads) {
      ordered_json tj = {{"tid", t.tid}};
      detail::put_text(tj, "name", t.name);
      threads.push_back(std::move(tj));
    }
    j["threads"] = std::move(threads);
    j["regions"] = {{"before", b->sides.front().regions}, {"after", b->sides.back().regions}};
    ordered_json counters;
    for (Field f : fields)
      counters[std::string(field_name(f))] =
          change(b->sides.front().counters.value_or_zero(f), b->sides.back().counters.value_or_zero(f));
    j["counters"] = std::move(counters);
    ordered_json members = ordered_json::array();
    for (const RegionRef& m : b->members()) {
      if (m.snapshot != 0 && m.snapshot != last) continue;
      const Region& reg = r.snapshots[m.snapshot]->regions[m.region];
      ordered_json mj = {{"snapshot", m.snapshot},
                         {"start", hex(reg.start)},
                         {"end", hex(reg.end)},
                         {"perms", reg.perms.str()}};
      detail::put_text(mj, "name", reg.name);
      members.push_back(std::move(mj));
    }
    j["members"] = std::move(members);
    if (r.nmt && r.nmt->by_address) {
      const BlockNmt& n = r.nmt->blocks[static_cast<std::size_t>(b - c.blocks.data())];
      j["nmt"] = {{"categories", n.categories}, {"inside", n.inside}, {"outside", n.outside}};
    }
    return j;
  };
  // Each link with its members' ranges (in the last snapshot holding
  // them): the blocks of one leak, for gdb.
  auto link = [&](std::size_t li) {
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
      ordered_json mj = {{"start", hex(block.start)}, {"end", hex(block.end)}};
      put_growth(mj, "growth", block.delta(r.sort));
      members.push_back(std::move(mj));
    }
    put_growth(j, "growth", growth);
    j["members"] = std::move(members);
    return j;
  };
  ordered_json groups = ordered_json::array();
  for (const ThreadGroup& g : c.threads) {
    ordered_json gj;
    detail::put_text(gj, "pattern", g.pattern);
    gj["counts"] = g.counts;
    groups.push_back(std::move(gj));
  }
  doc["threads"] = std::move(groups);
  doc["nmt"] = r.nmt ? detail::nmt_json(*r.nmt, c) : ordered_json(nullptr);
  // Names and paths that are not UTF-8 were escaped above (put_text); what
  // else is not (an NMT category) is replaced rather than abort the report.
  dump_streamed(out, doc, {{"blocks", r.rows.size(), block}, {"links", r.links.size(), link}}, flush);
  out += '\n';
}

}  // namespace snap
