// The collection loop and its output directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "snap/collect.h"
#include "snap/error.h"
#include "snap/parse.h"

namespace snap {
namespace {

double monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

[[noreturn]] void fail(const std::string& what, int err) {
  throw ProcError(fmt::format("{}: {}", what, std::strerror(err)), err);
}

/// Runs jcmd PID VM.native_memory detail; nullopt when jcmd cannot run.
std::optional<std::string> run_jcmd(std::int64_t pid) {
  std::string cmd = fmt::format("jcmd {} VM.native_memory detail 2>&1", pid);
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int rc = ::pclose(p);
  if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::pair<Counters, std::size_t>> smaps_totals(std::string_view text) {
  if (text.empty() || text.back() != '\n') return std::nullopt;
  static constexpr std::pair<std::string_view, Field> kKeys[] = {
      {"Size:", Field::size}, {"Rss:", Field::rss}, {"Pss:", Field::pss}, {"Swap:", Field::swap}};
  std::uint64_t sums[4] = {};
  std::size_t mappings = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const char* begin = text.data() + pos;
    const char* nl = static_cast<const char*>(std::memchr(begin, '\n', text.size() - pos));
    std::string_view line(begin, static_cast<std::size_t>(nl - begin));
    pos += line.size() + 1;
    if (line.empty()) continue;
    const char c = line[0];
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
      ++mappings;
      continue;
    }
    for (std::size_t k = 0; k < 4; ++k) {
      if (!line.starts_with(kKeys[k].first)) continue;
      std::size_t i = kKeys[k].first.size();
      while (i < line.size() && line[i] == ' ') ++i;
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(line.data() + i, line.data() + line.size(), v);
      if (ec == std::errc()) sums[k] += v << 10;
      break;
    }
  }
  if (mappings == 0) return std::nullopt;
  Counters totals;
  for (std::size_t k = 0; k < 4; ++k) totals.set(kKeys[k].second, sums[k]);
  return std::pair{totals, mappings};
}

std::string_view collect_end_name(CollectEnd e) {
  switch (e) {
    case CollectEnd::count_reached: return "count reached";
    case CollectEnd::duration_reached: return "duration reached";
    case CollectEnd::target_exited: return "target exited";
    case CollectEnd::interrupted: return "interrupted";
  }
  return "";
}

OutputDir::OutputDir(const std::string& path) : path_(path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw ProcError(fmt::format("cannot create {}: {}", path, ec.message()), ec.value());
  fd_ = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd_ < 0) fail(fmt::format("cannot open directory {}", path), errno);
  struct stat st {};
  if (::fstatat(fd_, kManifestName, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    ::close(fd_);
    throw ProcError(
        fmt::format("{} already holds a collection ({}); choose another --out", path, kManifestName), EEXIST);
  }
}

OutputDir::~OutputDir() {
  if (fd_ >= 0) ::close(fd_);
}

std::string OutputDir::write_temp(const std::string& base, std::string_view content) {
  // A name left by a killed run (or planted) is skipped, never opened.
  std::string temp;
  int fd = -1;
  for (int n = 0; fd < 0 && n < 1000; ++n) {
    temp = fmt::format(".{}.tmp.{}.{}", base, ::getpid(), n);
    fd = ::openat(fd_, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) fail(fmt::format("cannot create {}/{}", path_, temp), errno);
  std::size_t done = 0;
  int err = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : ENOSPC;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (!err && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  if (err) {
    ::unlinkat(fd_, temp.c_str(), 0);
    fail(fmt::format("cannot write {}/{}", path_, base), err);
  }
  return temp;
}

void OutputDir::remove(const std::string& name) {
  ::unlinkat(fd_, name.c_str(), 0);
}

std::string OutputDir::write_numbered(const std::string& stem, std::uint32_t& number,
                                      std::string_view content) {
  const std::string temp = write_temp(stem, content);
  for (;; ++number) {
    std::string name = fmt::format("{}.{:04}", stem, number);
    // linkat never replaces: an existing file or planted symlink is EEXIST.
    if (::linkat(fd_, temp.c_str(), fd_, name.c_str(), 0) == 0) {
      ::unlinkat(fd_, temp.c_str(), 0);
      ::fsync(fd_);
      ++number;
      return name;
    }
    if (errno != EEXIST) {
      int err = errno;
      ::unlinkat(fd_, temp.c_str(), 0);
      fail(fmt::format("cannot name {}/{}", path_, name), err);
    }
  }
}

void OutputDir::write_manifest(const Manifest& m) {
  const std::string temp = write_temp(kManifestName, manifest_json(m));
  if (::renameat(fd_, temp.c_str(), fd_, kManifestName) != 0) {
    int err = errno;
    ::unlinkat(fd_, temp.c_str(), 0);
    fail(fmt::format("cannot write {}/{}", path_, kManifestName), err);
  }
  ::fsync(fd_);
}

CollectEnd collect(OutputDir& dir, const CollectOptions& o, const CollectHooks& hooks, Manifest& m) {
  auto stop = [&] { return hooks.stop_requested && hooks.stop_requested(); };
  const double start = monotonic_now();
  m.pid = o.pid;
  m.command = read_command(o.pid, o.root);
  m.boot_id = read_boot_id(o.root);
  m.start_wall = wall_now();
  m.format = o.format;
  m.max_map_count = read_max_map_count(o.root);
  std::uint32_t number = 1, nmt_number = 1;
  std::size_t size_hint = 0;
  bool nmt_off = false;
  CollectEnd end = CollectEnd::interrupted;

  for (std::size_t taken = 0;; ++taken) {
    if (o.count && taken >= *o.count) {
      end = CollectEnd::count_reached;
      break;
    }
    // Wait for this snapshot's slot, watching for a stop request.
    const double slot = start + static_cast<double>(taken) * o.interval;
    if (o.duration && slot - start > *o.duration) {
      end = CollectEnd::duration_reached;
      break;
    }
    bool stopped = false;
    for (double now = monotonic_now(); now < slot; now = monotonic_now()) {
      if ((stopped = stop())) break;
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(0.05, slot - now)));
    }
    if (stopped || stop()) {
      end = CollectEnd::interrupted;
      break;
    }

    SmapsRead read;
    try {
      read = read_smaps(o.pid, o.root, size_hint);
    } catch (const ProcError& e) {
      if (e.gone()) {
        end = CollectEnd::target_exited;
        break;
      }
      throw;
    }
    ManifestEntry e;
    e.wall = read.wall;
    e.monotonic = read.monotonic;
    e.read_seconds = read.read_seconds;
    e.threads = read_threads(o.pid, o.root);
    e.cgroup = read_cgroup_memory(o.pid, o.root);
    size_hint = read.text.size();
    // A read cut short by the target exiting mid-walk is not a snapshot.
    std::string_view content = read.text;
    std::string rendered;
    if (o.format == "pmap-x") {
      Snapshot s;
      try {
        s = parse_snapshot(read.text, fmt::format("{}/{}/smaps", o.root, o.pid), Format::smaps);
      } catch (const ParseError&) {
        end = CollectEnd::target_exited;
        break;
      }
      s.pid = o.pid;
      s.command = m.command;
      e.mappings = s.regions.size();
      e.totals = s.totals;
      content = rendered = render_pmap_x(s);
    } else {
      auto totals = smaps_totals(read.text);
      if (!totals) {
        end = CollectEnd::target_exited;
        break;
      }
      e.totals = totals->first;
      e.mappings = totals->second;
    }
    e.file = dir.write_numbered(o.format, number, content);

    if (o.jcmd && !nmt_off) {
      if (auto nmt = run_jcmd(o.pid)) {
        if (nmt->find("Native memory tracking is not enabled") != std::string::npos) {
          nmt_off = true;
          if (hooks.on_notice)
            hooks.on_notice(
                "NMT is off in the target: start it with -XX:NativeMemoryTracking=detail for --jcmd");
        } else {
          e.nmt = dir.write_numbered("nmt", nmt_number, *nmt);
        }
      } else {
        nmt_off = true;
        if (hooks.on_notice)
          hooks.on_notice(
              "jcmd could not run or failed (not installed, not a JVM, or no answer); --jcmd is off");
      }
    }
    m.snapshots.push_back(std::move(e));
    try {
      dir.write_manifest(m);
    } catch (const ProcError&) {
      // The manifest still lists what came before: take this snapshot back.
      dir.remove(m.snapshots.back().file);
      if (m.snapshots.back().nmt) dir.remove(*m.snapshots.back().nmt);
      m.snapshots.pop_back();
      throw;
    }
    if (hooks.on_snapshot) hooks.on_snapshot(m);
  }
  m.end_reason = std::string(collect_end_name(end));
  m.end_wall = wall_now();
  dir.write_manifest(m);
  return end;
}

}  // namespace snap
