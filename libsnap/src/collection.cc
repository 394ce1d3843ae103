#include "snap/collection.h"

#include <algorithm>

#include <fmt/format.h>

#include "collection_json.h"
#include "json_text.h"
#include "snap/escape.h"
#include "snap/size.h"

namespace snap {
namespace {

std::string plural(std::uint64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string interval_text(double seconds) {
  return seconds < 1 ? fmt::format("{:g}ms", seconds * 1000) : format_duration(seconds);
}

}  // namespace

std::vector<std::shared_ptr<const CollectionRecord>> collections_of(const std::vector<const Snapshot*>& snaps) {
  std::vector<std::shared_ptr<const CollectionRecord>> out;
  for (const Snapshot* s : snaps)
    if (s->collection && std::find(out.begin(), out.end(), s->collection) == out.end()) out.push_back(s->collection);
  return out;
}

std::vector<std::string> collection_notes(const std::vector<const Snapshot*>& snaps) {
  std::vector<std::string> notes;
  const auto records = collections_of(snaps);
  for (const auto& r : records) {
    // Several collections compared: say which one each note is about.
    const std::string where = records.size() > 1 ? r->dir + ": " : "";
    if (r->died_reads)
      notes.push_back(fmt::format("{}{} discarded: the process died during {} (the last snapshot kept is complete)",
                                  where, plural(r->died_reads, "read was", "reads were"),
                                  r->died_reads == 1 ? "it" : "them"));
    if (r->exec_reads)
      notes.push_back(fmt::format("{}{} discarded: the process exec'd during {}", where,
                                  plural(r->exec_reads, "read was", "reads were"), r->exec_reads == 1 ? "it" : "them"));
    if (r->torn_reads)
      notes.push_back(fmt::format("{}{} discarded: the mappings changed during {} (listed one twice); read again",
                                  where, plural(r->torn_reads, "read was", "reads were"),
                                  r->torn_reads == 1 ? "it" : "them"));
    if (r->slots_skipped)
      notes.push_back(fmt::format("{}{} skipped: reads took longer than the {}", where,
                                  plural(r->slots_skipped, "slot was", "slots were"),
                                  r->interval ? interval_text(*r->interval) + " interval" : std::string("interval")));
    for (const CollectionExec& e : r->execs)
      notes.push_back(e.before.empty()
                          ? fmt::format("{}the process exec'd before {}: \"{}\" (was \"{}\")", where, e.after,
                                        e.command, e.was)
                          : fmt::format("{}the process exec'd between {} and {}: \"{}\" (was \"{}\")", where, e.before,
                                        e.after, e.command, e.was));
  }
  return notes;
}

namespace detail {

nlohmann::ordered_json collection_json(const std::vector<const Snapshot*>& snaps) {
  using nlohmann::ordered_json;
  const auto records = collections_of(snaps);
  if (records.empty()) return nullptr;
  ordered_json list = ordered_json::array();
  for (const auto& r : records) {
    ordered_json j;
    put_text(j, "dir", r->dir);
    j["discarded_died"] = r->died_reads;
    j["discarded_exec"] = r->exec_reads;
    j["discarded_torn"] = r->torn_reads;
    j["slots_skipped"] = r->slots_skipped;
    j["interval"] = r->interval ? ordered_json(*r->interval) : ordered_json(nullptr);
    ordered_json execs = ordered_json::array();
    for (const CollectionExec& e : r->execs) {
      ordered_json x;
      x["before"] = e.before.empty() ? ordered_json(nullptr) : ordered_json(e.before);
      x["after"] = e.after;
      put_text(x, "command", e.command);
      put_text(x, "was", e.was);
      execs.push_back(std::move(x));
    }
    j["execs"] = std::move(execs);
    list.push_back(std::move(j));
  }
  ordered_json notes = ordered_json::array();
  for (const std::string& n : collection_notes(snaps)) notes.push_back(printable(n));
  return {{"collections", std::move(list)}, {"notes", std::move(notes)}};
}

}  // namespace detail
}  // namespace snap
