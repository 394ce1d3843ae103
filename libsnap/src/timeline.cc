// Capture times and order of a series of snapshot files; directory arguments.
#include "snap/timeline.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "snap/error.h"
#include "snap/manifest.h"
#include "snap/parse.h"

namespace snap {
namespace fs = std::filesystem;
namespace {

/// "smaps.01" -> {"smaps", "01"}; "pmap-x.08.gz" -> {"pmap-x", "08"} (and
/// .xz, .bz2, .zst: what read_snapshot decompresses); no numeric suffix ->
/// {name, ""}.
std::pair<std::string, std::string> family_and_number(std::string name) {
  for (std::string_view suffix : {".gz", ".xz", ".bz2", ".zst"})
    if (name.ends_with(suffix)) {
      name.resize(name.size() - suffix.size());
      break;
    }
  std::size_t end = name.size(), i = end;
  while (i > 0 && std::isdigit(static_cast<unsigned char>(name[i - 1]))) --i;
  if (i == end || i == 0) return {name, ""};
  std::string number = name.substr(i);
  std::size_t stem = i;
  if (name[stem - 1] == '.' || name[stem - 1] == '-' || name[stem - 1] == '_') --stem;
  return {name.substr(0, stem), number};
}

bool numbered_before(const std::string& a, const std::string& b) {
  auto [fa, na] = family_and_number(fs::path(a).filename().string());
  auto [fb, nb] = family_and_number(fs::path(b).filename().string());
  if (na.size() != nb.size()) return na.size() < nb.size();  // 9 before 10
  if (na != nb) return na < nb;
  return a < b;
}

// The richest format first. pmap -X output may be named pmap-x-ext (as in
// testdata/), where pmap-X.NN beside pmap-x.NN would be one file on a
// case-insensitive file system.
constexpr std::array<std::string_view, 8> kPreferred = {"smaps", "pmap-XX", "pmap-X", "pmap-x-ext",
                                                        "pmap-x", "pmap",   "pmap-d", "maps"};

/// Whether a family of files is a series, judged by its first file that
/// can be read: a corrupt first file must not hide the series (snapdiff
/// then names it, or leaves it out with --skip-bad).
bool is_series_format(const std::vector<std::string>& files) {
  for (const std::string& path : files) {
    try {
      std::string text = read_input(path);
      return detect_format(text, path) != Format::smaps_rollup;
    } catch (const ParseError&) {
    }
  }
  return false;
}

std::vector<std::string> expand_directory(const std::string& dir, std::vector<std::string>& notes) {
  // A snapcollect directory: its manifest lists the snapshots in order.
  if (auto m = read_manifest(dir)) {
    std::vector<std::string> files;
    for (const ManifestEntry& e : m->snapshots) files.push_back((fs::path(dir) / e.file).string());
    if (files.empty()) throw ParseError(dir, 0, 0, "the collection's manifest lists no snapshots");
    notes.push_back(fmt::format("{}: {} snapshot{} collected from pid {}{}{}", dir, files.size(),
                                files.size() == 1 ? "" : "s", m->pid, m->command.empty() ? "" : ": ",
                                m->command));
    return files;
  }
  std::map<std::string, std::vector<std::string>> families;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    auto [family, number] = family_and_number(entry.path().filename().string());
    if (number.empty()) continue;  // a series is numbered
    families[family].push_back(entry.path().string());
  }
  if (ec) throw ParseError(dir, 0, 0, fmt::format("cannot list directory: {}", ec.message()));

  std::vector<std::string> order;
  for (auto name : kPreferred)
    if (families.count(std::string(name))) order.emplace_back(name);
  std::vector<std::pair<std::size_t, std::string>> rest;
  for (const auto& [name, files] : families)
    if (std::find(order.begin(), order.end(), name) == order.end()) rest.emplace_back(files.size(), name);
  std::sort(rest.rbegin(), rest.rend());
  for (auto& [count, name] : rest) order.push_back(name);

  for (const std::string& name : order) {
    auto& files = families[name];
    std::sort(files.begin(), files.end(), numbered_before);
    if (!is_series_format(files)) continue;
    std::string others;
    for (const auto& [other, list] : families)
      if (other != name) others += fmt::format("{}{} ({})", others.empty() ? "" : ", ", other, list.size());
    notes.push_back(fmt::format(
        "{}: {} {} files ({} .. {}){}", dir, files.size(), name, fs::path(files.front()).filename().string(),
        fs::path(files.back()).filename().string(), others.empty() ? "" : "; also there: " + others));
    return files;
  }
  throw ParseError(dir, 0, 0, "no numbered snapshot files (smaps.01, pmap-x.02, ...) in this directory");
}

std::optional<double> parse_number(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

/// A times.txt key or a file's number, compared as numbers: "1" is "01".
std::string number_key(std::string key) {
  if (key.empty() || !std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return key;
  const std::size_t nonzero = key.find_first_not_of('0');
  return nonzero == std::string::npos ? "0" : key.substr(nonzero);
}

/// Reads a times.txt: "NN EPOCH_MS" a line, blank lines and "#" comments
/// aside, into key -> seconds. Throws ParseError at a malformed line.
void read_times_txt(const fs::path& file, std::ifstream& in, std::map<std::string, double>& out) {
  std::string line;
  for (std::size_t no = 1; std::getline(in, line); ++no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream words(line);
    std::string key, value, extra;
    if (!(words >> key) || key.front() == '#') continue;
    words >> value >> extra;
    const auto ms = parse_number(value);
    if (value.empty() || !ms || !extra.empty() || !std::isfinite(*ms))
      throw ParseError(file.string(), no, 0,
                       fmt::format("expected \"NN EPOCH_MS\" (a file's number, then its capture time in "
                                   "milliseconds since the epoch), got \"{}\"",
                                   line.size() > 60 ? line.substr(0, 60) + "..." : line));
    out[number_key(key)] = *ms / 1000.0;
  }
}

/// A manifest.json (snapcollect) or times.txt ("NN EPOCH_MS" a line, NN
/// the file's number) beside the files. One that has no time for one of
/// the files is set aside with a warning (`set_aside`).
std::optional<std::vector<double>> manifest_times(const std::vector<std::string>& paths, bool& from_collection,
                                                  std::vector<TimeWarning>& warnings, bool& set_aside) {
  std::map<std::string, std::map<std::string, double>> by_dir;  // dir -> key -> seconds
  std::map<std::string, std::string> source;                     // dir -> the file the times are from
  std::map<std::string, bool> keyed_by_name;
  std::vector<double> out;
  for (const std::string& p : paths) {
    if (p == "-") return std::nullopt;
    fs::path dir = fs::path(p).parent_path();
    auto [it, fresh] = by_dir.try_emplace(dir.string());
    if (fresh) {
      std::optional<Manifest> m;
      try {
        m = read_manifest(dir.empty() ? "." : dir.string());
      } catch (const ParseError&) {
      }
      if (m) {
        from_collection = true;
        keyed_by_name[dir.string()] = true;
        source[dir.string()] = (dir / "manifest.json").string();
        for (const ManifestEntry& e : m->snapshots) it->second[e.file] = e.wall;
      } else if (std::ifstream in(dir / "times.txt"); in) {
        source[dir.string()] = (dir / "times.txt").string();
        read_times_txt(dir / "times.txt", in, it->second);
      }
    }
    std::string name = fs::path(p).filename().string();
    std::string key = keyed_by_name[dir.string()] ? name : number_key(family_and_number(name).second);
    auto found = it->second.find(key);
    if (key.empty() || found == it->second.end()) {
      if (auto from = source.find(dir.string()); from != source.end()) {
        warnings.push_back({from->second, 0,
                            key.empty() ? fmt::format("{} has no number to look its time up by in {}", name,
                                                  fs::path(from->second).filename().string())
                                    : fmt::format("{} has no line for {}",
                                                  fs::path(from->second).filename().string(), name)});
        set_aside = true;
      }
      return std::nullopt;
    }
    out.push_back(found->second);
  }
  return out;
}

/// Why modification times cannot be the capture times of `paths`, or
/// empty when they can be: copies and touches give them, not captures.
std::string implausible_mtimes(const std::vector<std::string>& paths, const std::vector<double>& mtimes) {
  auto sorted = mtimes;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return "are not all different: files copied or touched together, not captures";
  if (sorted.back() - sorted.front() < 1.0)
    return fmt::format("all fall within {:.3f} s: files copied together, not captures",
                       sorted.back() - sorted.front());
  // Numbered files: their numbers say the capture order.
  const bool numbered = std::all_of(paths.begin(), paths.end(), [](const std::string& p) {
    return !family_and_number(fs::path(p).filename().string()).second.empty();
  });
  if (!numbered) return {};
  std::vector<std::size_t> order(paths.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return numbered_before(paths[a], paths[b]); });
  for (std::size_t k = 1; k < order.size(); ++k)
    if (mtimes[order[k]] < mtimes[order[k - 1]])
      return fmt::format("put {} before {}: files copied or touched out of order, not captures",
                         fs::path(paths[order[k]]).filename().string(),
                         fs::path(paths[order[k - 1]]).filename().string());
  return {};
}

std::optional<double> time_in_name(const std::string& path) {
  std::string name = fs::path(path).filename().string();
  // YYYYmmdd-HHMMSS (also with _ or T between).
  for (std::size_t i = 0; i + 15 <= name.size(); ++i) {
    auto digits = [&](std::size_t from, std::size_t n) {
      return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(from),
                         name.begin() + static_cast<std::ptrdiff_t>(from + n),
                         [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
    };
    char sep = name[i + 8];
    if (digits(i, 8) && (sep == '-' || sep == '_' || sep == 'T') && digits(i + 9, 6)) {
      std::tm tm{};
      auto num = [&](std::size_t from, std::size_t n) { return std::stoi(name.substr(from, n)); };
      tm.tm_year = num(i, 4) - 1900;
      tm.tm_mon = num(i + 4, 2) - 1;
      tm.tm_mday = num(i + 6, 2);
      tm.tm_hour = num(i + 9, 2);
      tm.tm_min = num(i + 11, 2);
      tm.tm_sec = num(i + 13, 2);
      return static_cast<double>(timegm(&tm));
    }
  }
  // Epoch seconds (10 digits) or milliseconds (13 digits), alone in a run.
  for (std::size_t i = 0; i < name.size();) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
    if (j - i == 10) return std::stod(name.substr(i, 10));
    if (j - i == 13) return std::stod(name.substr(i, 13)) / 1000.0;
    i = j;
  }
  return std::nullopt;
}

constexpr double kMaxEpoch = 253402300800;  // 10000-01-01T00:00:00Z

}  // namespace

std::string iso8601_utc(std::int64_t epoch_ms) {
  std::int64_t secs = epoch_ms / 1000, ms = epoch_ms % 1000;
  if (ms < 0) secs -= 1, ms += 1000;
  const auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (!gmtime_r(&t, &tm)) return {};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::string snapshot_number(const std::string& path) {
  return family_and_number(fs::path(path).filename().string()).second;
}

std::string_view time_source_name(TimeSource s) {
  switch (s) {
    case TimeSource::none: return "unknown";
    case TimeSource::interval: return "--interval";
    case TimeSource::collection: return "the collection's manifest";
    case TimeSource::manifest: return "times.txt";
    case TimeSource::file_name: return "file names";
    case TimeSource::mtime: return "file modification times";
  }
  return "unknown";
}

std::vector<std::string> expand_inputs(const std::vector<std::string>& args,
                                       std::vector<std::string>& notes) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    std::error_code ec;
    if (a != "-" && fs::is_directory(a, ec)) {
      auto files = expand_directory(a, notes);
      out.insert(out.end(), files.begin(), files.end());
    } else {
      out.push_back(a);
    }
  }
  return out;
}

Timeline make_timeline(const std::vector<std::string>& paths, std::optional<double> interval) {
  Timeline t;
  t.paths = paths;
  const std::size_t n = paths.size();
  std::vector<double> times;
  if (interval) {
    for (std::size_t i = 0; i < n; ++i) times.push_back(static_cast<double>(i) * *interval);
    t.source = TimeSource::interval;
  } else if (bool collection = false, set_aside = false;
             auto m = manifest_times(paths, collection, t.warnings, set_aside)) {
    times = *m;
    t.source = collection ? TimeSource::collection : TimeSource::manifest;
  } else if (set_aside) {
    // The times.txt was there to say when; names and mtimes do not.
  } else {
    std::vector<double> named;
    for (const auto& p : paths)
      if (auto v = time_in_name(p)) named.push_back(*v);
    if (named.size() == n) {
      times = named;
      t.source = TimeSource::file_name;
    } else {
      std::vector<double> mtimes;
      for (const auto& p : paths) {
        struct stat st {};
        if (p == "-" || ::stat(p.c_str(), &st) != 0) break;
        mtimes.push_back(static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9);
      }
      if (mtimes.size() == n) {
        if (std::string why = implausible_mtimes(paths, mtimes); why.empty()) {
          times = mtimes;
          t.source = TimeSource::mtime;
        } else {
          const fs::path dir = fs::path(paths.front()).parent_path();
          t.warnings.push_back(
              {dir.empty() ? "." : dir.string(), 0, "the files' modification times " + why});
        }
      }
    }
  }
  if (times.empty() || n < 2) return t;
  // The wall clock, where the times are one: seconds since the epoch, up to
  // the year 9999 (beyond, or before 1970, they are not dates).
  const bool wall = t.source != TimeSource::interval &&
                    std::all_of(times.begin(), times.end(), [](double v) { return v >= 0 && v < kMaxEpoch; });

  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return times[a] < times[b]; });
  t.reordered = !std::is_sorted(order.begin(), order.end());
  if (t.source != TimeSource::interval) t.first_epoch = times[order.front()];
  t.paths.clear();
  for (std::size_t i : order) {
    t.paths.push_back(paths[i]);
    t.seconds.push_back(times[i] - times[order.front()]);
    if (wall) t.epoch_ms.push_back(std::llround(times[i] * 1000));
  }
  // From whole milliseconds, 1.025 s apart is 1.025, not the 1.0249998569
  // that subtracting two epochs held as doubles leaves.
  if (wall)
    for (std::size_t i = 0; i < n; ++i)
      t.seconds[i] = static_cast<double>(t.epoch_ms[i] - t.epoch_ms.front()) / 1000;
  // Equal times cannot give a rate.
  if (t.seconds.back() <= 0) {
    t.seconds.clear();
    t.epoch_ms.clear();
    t.source = TimeSource::none;
    t.first_epoch.reset();
  }
  return t;
}

std::optional<Since> parse_since(std::string_view text) {
  Since s;
  s.text = std::string(text);
  if (text.starts_with('@')) {
    auto v = parse_number(text.substr(1));
    if (!v || *v < 0) return std::nullopt;
    s.seconds = *v;
    s.absolute = true;
    return s;
  }
  // YYYY-mm-ddTHH:MM:SS, local time unless it ends in Z.
  if (text.size() >= 19 && text[4] == '-' && text[7] == '-' && text[10] == 'T' && text[13] == ':' &&
      text[16] == ':') {
    const bool utc = text.size() == 20 && text[19] == 'Z';
    if (text.size() != 19 && !utc) return std::nullopt;
    std::tm tm{};
    auto num = [&](std::size_t from, std::size_t n, int lo, int hi, int& out) {
      int v = 0;
      auto [p, ec] = std::from_chars(text.data() + from, text.data() + from + n, v);
      if (ec != std::errc() || p != text.data() + from + n || v < lo || v > hi) return false;
      out = v;
      return true;
    };
    int year = 0, mon = 0;
    if (!num(0, 4, 1970, 9999, year) || !num(5, 2, 1, 12, mon) || !num(8, 2, 1, 31, tm.tm_mday) ||
        !num(11, 2, 0, 23, tm.tm_hour) || !num(14, 2, 0, 59, tm.tm_min) || !num(17, 2, 0, 60, tm.tm_sec))
      return std::nullopt;
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_isdst = -1;
    const int mday = tm.tm_mday;
    const std::time_t when = utc ? timegm(&tm) : std::mktime(&tm);
    // Both normalise: February 31st comes back as a day of March.
    if (when == static_cast<std::time_t>(-1) || tm.tm_mday != mday || tm.tm_mon != mon - 1) return std::nullopt;
    s.seconds = static_cast<double>(when);
    s.absolute = true;
    return s;
  }
  auto d = parse_duration(text);
  if (!d) return std::nullopt;
  s.seconds = *d;
  return s;
}

Timeline drop_start(const Timeline& t, std::size_t skip, const std::optional<Since>& since) {
  const std::size_t n = t.paths.size();
  std::size_t first = std::min(skip, n);
  std::string why = fmt::format("--skip {}", skip);
  if (since) {
    if (!t.known())
      throw UsageError(fmt::format(
          "--since {}: the snapshots' capture times are unknown (give --interval, or keep the collection's "
          "manifest.json or a times.txt beside the files); use --skip N instead",
          since->text));
    if (since->absolute && !t.first_epoch)
      throw UsageError(fmt::format(
          "--since {}: a moment needs the clock times of the captures, and --interval gives only their "
          "spacing; give --since as a duration after the first snapshot (30s, 5m)",
          since->text));
    const double after = since->absolute ? since->seconds - *t.first_epoch : since->seconds;
    std::size_t i = 0;
    while (i < n && t.seconds[i] < after) ++i;
    first = std::max(first, i);
    why = skip ? fmt::format("--skip {} and --since {}", skip, since->text) : "--since " + since->text;
  }
  if (n - first < 2)
    throw UsageError(
        fmt::format("{} leaves {} of the {} snapshots{}; at least 2 are needed to compare", why, n - first, n,
                    since ? fmt::format(" (the last was taken {:.1f} s after the first)", t.seconds.back())
                          : std::string()));
  Timeline out;
  out.source = t.source;
  out.reordered = t.reordered;
  out.warnings = t.warnings;
  out.paths.assign(t.paths.begin() + static_cast<std::ptrdiff_t>(first), t.paths.end());
  if (t.known()) {
    const double base = t.seconds[first];
    for (std::size_t i = first; i < n; ++i) out.seconds.push_back(t.seconds[i] - base);
    if (t.first_epoch) out.first_epoch = *t.first_epoch + base;
    if (out.seconds.back() <= 0) {
      out.seconds.clear();
      out.source = TimeSource::none;
      out.first_epoch.reset();
    }
  }
  return out;
}

std::optional<double> parse_duration(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  auto v = parse_number(text.substr(0, i));
  if (!v || *v < 0) return std::nullopt;
  std::string_view unit = text.substr(i);
  if (unit.empty() || unit == "s") return *v;
  if (unit == "ms") return *v / 1000;
  if (unit == "m" || unit == "min") return *v * 60;
  if (unit == "h") return *v * 3600;
  if (unit == "d") return *v * 86400;
  return std::nullopt;
}

}  // namespace snap
