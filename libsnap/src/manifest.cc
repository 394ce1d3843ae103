#include "snap/manifest.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "snap/collection.h"
#include "snap/error.h"
#include "json_text.h"

namespace snap {
namespace {

using nlohmann::ordered_json;

// private and shared: light snapshots read with pagemap entries only.
constexpr Field kTotals[] = {Field::size, Field::rss, Field::pss, Field::swap, Field::private_total, Field::shared_total};

/// "0x7ffd1234" or null. A malformed one is the manifest's fault: throws
/// std::invalid_argument, reported as a ParseError by the caller.
std::optional<std::uint64_t> hex_or_null(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  if (!j.is_string()) throw std::invalid_argument("a stack pointer must be a \"0x...\" string");
  const std::string& s = j.get_ref<const std::string&>();
  std::uint64_t v = 0;
  auto [p, ec] = s.size() > 2 && s.starts_with("0x")
                     ? std::from_chars(s.data() + 2, s.data() + s.size(), v, 16)
                     : std::from_chars_result{s.data(), std::errc::invalid_argument};
  if (ec != std::errc() || p != s.data() + s.size())
    throw std::invalid_argument(fmt::format("stack pointer {:?} is not a 64-bit \"0x...\" number", s));
  return v;
}

/// A file the manifest names must be a plain name inside its directory.
void check_plain_name(const std::string& name, const std::string& path) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw ParseError(path, 0, 0, fmt::format("file name {:?} is not a plain name in the directory", name));
}

/// KEY's text: the bytes KEY_hex holds when it is there (text that is not
/// UTF-8, written by detail::put_text), else KEY's string, else "".
std::string text_of(const nlohmann::json& j, const std::string& key) {
  auto hex = j.find(key + "_hex");
  if (hex == j.end() || hex->is_null()) return j.value(key, std::string());
  if (!hex->is_string()) throw std::invalid_argument(fmt::format("\"{}_hex\" must be a string", key));
  const std::string& h = hex->get_ref<const std::string&>();
  if (h.size() % 2 != 0)
    throw std::invalid_argument(fmt::format("\"{}_hex\" has an odd number of hex digits", key));
  std::string out;
  out.reserve(h.size() / 2);
  for (std::size_t i = 0; i < h.size(); i += 2) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(h.data() + i, h.data() + i + 2, v, 16);
    if (ec != std::errc() || p != h.data() + i + 2)
      throw std::invalid_argument(fmt::format("\"{}_hex\" is not hex digits", key));
    out += static_cast<char>(v);
  }
  return out;
}

/// A count, pid or byte total: a JSON integer that fits T. nlohmann would
/// cast 2.1e102 to an integer, which is undefined.
template <typename T>
T whole(const nlohmann::json& v, std::string_view key) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i >= 0 || std::is_signed_v<T>) return static_cast<T>(i);
  }
  throw std::invalid_argument(fmt::format("\"{}\" must be a whole number that fits {} bits, got {}", key,
                                          8 * sizeof(T), v.dump()));
}

/// j[key] as a whole number, or `fallback` where it is absent.
template <typename T>
T whole_or(const nlohmann::json& j, const char* key, T fallback) {
  auto it = j.find(key);
  return it == j.end() ? fallback : whole<T>(*it, key);
}

template <typename T>
std::optional<T> opt(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if constexpr (std::is_integral_v<T>)
    return whole<T>(*it, key);
  else
    return it->get<T>();
}

/// Where each counter of a light snapshot comes from, for whoever reads
/// the manifest without this code at hand.
ordered_json light_sources(const std::string& method) {
  const bool scan = method == "pagemap_scan";
  ordered_json j;
  j["Size"] = "maps: end - start";
  j["Rss"] = scan ? "pagemap PAGEMAP_SCAN: present pages, not the shared zero page"
                  : "pagemap entries: present pages (bit 63)";
  j["Anonymous"] = scan ? "pagemap PAGEMAP_SCAN: present pages not of a file or shmem (PAGE_IS_FILE clear)"
                        : "pagemap entries: present pages, bit 61 (file page or shared anonymous) clear";
  j["Swap"] = scan ? "pagemap PAGEMAP_SCAN: swapped pages" : "pagemap entries: swapped pages (bit 62)";
  if (!scan) {
    j["Private"] = "pagemap entries: present pages mapped by this process alone (bit 56)";
    j["Shared"] = "pagemap entries: present pages without bit 56 (mapped elsewhere too, or the zero page)";
  }
  j["unknown"] = scan ? "Private, Shared (PAGEMAP_SCAN has no exclusively-mapped category), Pss, Shared_*, Private_*, "
                        "Referenced, Locked and the rest of smaps"
                      : "Pss, Shared_*, Private_* (pagemap has no dirty bit), Referenced, Locked and the rest of smaps";
  return j;
}

}  // namespace

std::string manifest_json(const Manifest& m) {
  ordered_json j;
  j["schema"] = kManifestSchema;
  j["pid"] = m.pid;
  detail::put_text(j, "command", m.command);
  j["boot_id"] = m.boot_id;
  j["start_wall"] = m.start_wall;
  j["process_start"] = m.process_start ? ordered_json(*m.process_start) : ordered_json(nullptr);
  j["format"] = m.format;
  j["mode"] = m.mode;
  j["max_map_count"] = m.max_map_count ? ordered_json(*m.max_map_count) : ordered_json(nullptr);
  j["interval"] = m.interval ? ordered_json(*m.interval) : ordered_json(nullptr);
  ordered_json snaps = ordered_json::array();
  for (const ManifestEntry& e : m.snapshots) {
    ordered_json s;
    s["file"] = e.file;
    s["wall"] = e.wall;
    s["monotonic"] = e.monotonic;
    s["read_seconds"] = e.read_seconds;
    s["mode"] = e.mode;
    s["method"] = e.method;
    s["longest_hold_seconds"] = e.longest_hold;
    if (e.mode == "light") {
      s["vanished"] = e.vanished;
      s["sources"] = light_sources(e.method);
    }
    s["mappings"] = e.mappings;
    ordered_json totals = ordered_json::object();
    for (Field f : kTotals)
      if (auto v = e.totals.get(f)) totals[std::string(field_name(f))] = *v;
    s["totals"] = std::move(totals);
    ordered_json threads = ordered_json::array();
    for (const ThreadInfo& t : e.threads) {
      ordered_json th;
      th["tid"] = t.tid;
      detail::put_text(th, "name", t.name);
      th["sp"] = t.sp ? ordered_json(fmt::format("0x{:x}", *t.sp)) : ordered_json(nullptr);
      threads.push_back(std::move(th));
    }
    s["threads"] = std::move(threads);
    if (e.cgroup) {
      ordered_json cg;
      cg["version"] = e.cgroup->version;
      detail::put_text(cg, "path", e.cgroup->path);
      cg["current"] = e.cgroup->current ? ordered_json(*e.cgroup->current) : ordered_json(nullptr);
      cg["max"] = e.cgroup->max ? ordered_json(*e.cgroup->max) : ordered_json(nullptr);
      s["cgroup"] = std::move(cg);
    } else
      s["cgroup"] = nullptr;
    s["nmt"] = e.nmt ? ordered_json(*e.nmt) : ordered_json(nullptr);
    if (e.command)
      detail::put_text(s, "command", *e.command);
    else
      s["command"] = nullptr;
    snaps.push_back(std::move(s));
  }
  j["snapshots"] = std::move(snaps);
  ordered_json discarded = ordered_json::array();
  for (const DiscardedRead& d : m.discarded)
    discarded.push_back({{"wall", d.wall}, {"reason", d.reason}, {"mappings", d.mappings}});
  j["discarded"] = std::move(discarded);
  j["slots_skipped"] = m.slots_skipped;
  j["end"] = m.end_reason.empty() ? ordered_json(nullptr)
                                  : ordered_json({{"reason", m.end_reason}, {"wall", m.end_wall}});
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Manifest parse_manifest(std::string_view text, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number past a double ("1e3080").
    throw ParseError(path, 0, 0, fmt::format("not a valid manifest: {}", e.what()));
  }
  try {
    if (!j.is_object() || j.value("schema", "") != kManifestSchema)
      throw ParseError(path, 0, 0, fmt::format("not a snap manifest (schema {} expected)", kManifestSchema));
    Manifest m;
    m.pid = whole<std::int64_t>(j.at("pid"), "pid");
    m.command = text_of(j, "command");
    m.boot_id = j.value("boot_id", "");
    m.start_wall = j.value("start_wall", 0.0);
    m.process_start = opt<double>(j, "process_start");
    m.format = j.value("format", "smaps");
    m.mode = j.value("mode", "full");
    m.max_map_count = opt<std::uint64_t>(j, "max_map_count");
    m.interval = opt<double>(j, "interval");
    for (const auto& s : j.at("snapshots")) {
      ManifestEntry e;
      e.file = s.at("file").get<std::string>();
      check_plain_name(e.file, path);
      e.wall = s.at("wall").get<double>();
      e.monotonic = s.value("monotonic", 0.0);
      e.read_seconds = s.value("read_seconds", 0.0);
      e.mode = s.value("mode", "full");
      e.method = s.value("method", "smaps");
      e.longest_hold = s.value("longest_hold_seconds", e.read_seconds);
      e.vanished = whole_or<std::size_t>(s, "vanished", 0);
      e.mappings = whole_or<std::size_t>(s, "mappings", 0);
      if (auto it = s.find("totals"); it != s.end())
        for (Field f : kTotals)
          if (auto v = opt<std::uint64_t>(*it, std::string(field_name(f)).c_str())) e.totals.set(f, *v);
      if (auto it = s.find("threads"); it != s.end())
        for (const auto& t : *it)
          e.threads.push_back({whole<std::int64_t>(t.at("tid"), "tid"), text_of(t, "name"),
                               hex_or_null(t.value("sp", nlohmann::json()))});
      if (auto it = s.find("cgroup"); it != s.end() && it->is_object())
        e.cgroup = CgroupMemory{whole_or<int>(*it, "version", 2), text_of(*it, "path"),
                                opt<std::uint64_t>(*it, "current"), opt<std::uint64_t>(*it, "max")};
      e.nmt = opt<std::string>(s, "nmt");
      if (e.nmt) check_plain_name(*e.nmt, path);
      if (auto it = s.find("command"); it != s.end() && !it->is_null()) e.command = text_of(s, "command");
      m.snapshots.push_back(std::move(e));
    }
    if (auto it = j.find("discarded"); it != j.end() && it->is_array())
      for (const auto& d : *it)
        m.discarded.push_back({d.at("wall").get<double>(), d.value("reason", ""), whole_or<std::size_t>(d, "mappings", 0)});
    m.slots_skipped = whole_or<std::uint64_t>(j, "slots_skipped", 0);
    if (auto it = j.find("end"); it != j.end() && it->is_object()) {
      m.end_reason = it->value("reason", "");
      m.end_wall = it->value("wall", 0.0);
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    throw ParseError(path, 0, 0, fmt::format("malformed manifest: {}", e.what()));
  } catch (const std::invalid_argument& e) {
    throw ParseError(path, 0, 0, fmt::format("malformed manifest: {}", e.what()));
  }
}

namespace {

std::shared_ptr<const CollectionRecord> collection_record(const Manifest& m, const std::string& dir) {
  auto r = std::make_shared<CollectionRecord>();
  r->dir = dir;
  for (const DiscardedRead& d : m.discarded) {
    if (d.reason.find("exec'd") != std::string::npos)
      ++r->exec_reads;
    else if (d.reason.find("mappings changed") != std::string::npos)
      ++r->torn_reads;
    else
      ++r->died_reads;
  }
  r->slots_skipped = m.slots_skipped;
  r->interval = m.interval;
  r->boot_id = m.boot_id;
  std::string was = m.command;
  for (std::size_t i = 0; i < m.snapshots.size(); ++i) {
    const auto& e = m.snapshots[i];
    if (!e.command) continue;
    r->execs.push_back({i > 0 ? m.snapshots[i - 1].file : std::string(), e.file, *e.command, was});
    was = *e.command;
  }
  return r;
}

struct Found {
  const Manifest* manifest = nullptr;
  const ManifestEntry* entry = nullptr;
};

/// The manifest entry of each snapshot, reading each directory once.
std::vector<Found> find_entries(const std::vector<Snapshot>& snaps,
                                std::map<std::string, std::optional<Manifest>>& cache) {
  std::vector<Found> out;
  for (const Snapshot& s : snaps) {
    Found f;
    if (s.source != "-") {
      std::filesystem::path p(s.source);
      std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
      auto it = cache.find(dir);
      if (it == cache.end()) {
        std::optional<Manifest> m;
        try {
          m = read_manifest(dir);
        } catch (const ParseError&) {
        }
        it = cache.emplace(dir, std::move(m)).first;
      }
      if (it->second) {
        f.manifest = &*it->second;
        for (const ManifestEntry& e : it->second->snapshots)
          if (e.file == p.filename().string()) f.entry = &e;
      }
    }
    out.push_back(f);
  }
  return out;
}

}  // namespace

RecordedLimits attach_manifests(std::vector<Snapshot>& snaps) {
  std::map<std::string, std::optional<Manifest>> cache;
  RecordedLimits limits;
  auto found = find_entries(snaps, cache);
  std::map<const Manifest*, std::shared_ptr<const CollectionRecord>> records;
  for (std::size_t i = 0; i < snaps.size(); ++i) {
    const Found& f = found[i];
    if (f.manifest) {
      auto& rec = records[f.manifest];
      if (!rec) {
        const std::string parent = std::filesystem::path(snaps[i].source).parent_path().string();
        rec = collection_record(*f.manifest, parent.empty() ? "." : parent);
      }
      snaps[i].collection = rec;
    }
    if (f.manifest && f.manifest->max_map_count && !limits.max_map_count)
      limits.max_map_count = f.manifest->max_map_count;
    if (!f.entry) continue;
    snaps[i].pid = f.manifest->pid;
    if (snaps[i].command.empty()) snaps[i].command = f.manifest->command;
    snaps[i].threads = f.entry->threads;
    snaps[i].captured = f.entry->wall;
    snaps[i].process_start = f.manifest->process_start;
    if (f.entry->nmt)
      limits.nmt_files.push_back((std::filesystem::path(snaps[i].source).parent_path() / *f.entry->nmt).string());
    // The tightest limit recorded is the one the process meets first.
    const auto& cg = f.entry->cgroup;
    if (cg && cg->max && (!limits.memory_limit || *cg->max < *limits.memory_limit)) {
      limits.memory_limit = cg->max;
      limits.memory_limit_name = cg->version == 1 ? "memory.limit_in_bytes" : "memory.max";
    }
  }
  return limits;
}

std::optional<Manifest> read_manifest(const std::string& dir) {
  std::filesystem::path p = std::filesystem::path(dir) / kManifestName;
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return parse_manifest(text.str(), p.string());
}

}  // namespace snap
