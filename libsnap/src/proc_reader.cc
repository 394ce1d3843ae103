// Reading /proc of a live process.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "snap/collect.h"
#include "proc_text.h"

namespace snap {
namespace {

double now(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// A whole /proc file: its size is unknown until it is read (stat says 0).
/// `size_hint` (the last read's size) saves regrowing the buffer: growth
/// by doubling zero-fills and copies tens of MB for a big smaps.
std::string read_file(const std::string& path, std::size_t size_hint = 0) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    throw ProcError(fmt::format("cannot read {}: {}", path, std::strerror(err)), err);
  }
  std::string out;
  out.reserve(size_hint + size_hint / 4 + (1 << 16));
  std::unique_ptr<char[]> chunk(new char[1 << 20]);
  for (;;) {
    ssize_t n = ::read(fd, chunk.get(), 1 << 20);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw ProcError(fmt::format("cannot read {}: {}", path, std::strerror(err)), err);
    }
    out.append(chunk.get(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::optional<std::string> try_read(const std::string& path) {
  try {
    return read_file(path);
  } catch (const ProcError&) {
    return std::nullopt;
  }
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::optional<std::uint64_t> number(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return detail::proc_number(*text);
}

}  // namespace

bool ProcError::gone() const {
  return errno_ == ENOENT || errno_ == ESRCH;
}
bool ProcError::denied() const {
  return errno_ == EACCES || errno_ == EPERM;
}

SmapsRead read_smaps(std::int64_t pid, const std::string& root, std::size_t size_hint) {
  SmapsRead r;
  r.wall = now(CLOCK_REALTIME);
  r.monotonic = now(CLOCK_MONOTONIC);
  r.text = read_file(fmt::format("{}/{}/smaps", root, pid), size_hint);
  r.read_seconds = now(CLOCK_MONOTONIC) - r.monotonic;
  // A process that exited mid-read leaves an empty file.
  if (r.text.empty())
    throw ProcError(fmt::format("{}/{}/smaps is empty: the process exited", root, pid), ESRCH);
  return r;
}

std::vector<ThreadInfo> read_threads(std::int64_t pid, const std::string& root) {
  std::vector<ThreadInfo> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(fmt::format("{}/{}/task", root, pid), ec)) {
    const std::string tid_text = entry.path().filename().string();
    ThreadInfo t;
    try {
      t.tid = std::stoll(tid_text);
    } catch (...) {
      continue;
    }
    if (auto comm = try_read((entry.path() / "comm").string())) t.name = trim(*comm);
    // "NR arg1 .. arg6 SP PC" while blocked in a system call; "running" or
    // "-1 SP PC" otherwise; unreadable without ptrace rights.
    if (auto sc = try_read((entry.path() / "syscall").string()))
      if (auto sp = detail::syscall_sp(*sc)) t.sp = *sp;
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(), [](const ThreadInfo& a, const ThreadInfo& b) { return a.tid < b.tid; });
  return out;
}

std::string read_command(std::int64_t pid, const std::string& root) {
  auto raw = try_read(fmt::format("{}/{}/cmdline", root, pid));
  if (!raw) return {};
  std::string s = *raw;
  while (!s.empty() && s.back() == '\0') s.pop_back();
  std::replace(s.begin(), s.end(), '\0', ' ');
  return s;
}

std::optional<std::uint64_t> read_max_map_count(const std::string& root) {
  return number(try_read(root + "/sys/vm/max_map_count"));
}

using detail::stat_fields;

std::optional<double> process_start_from_stat(std::string_view stat, double boottime_now, double wall_now,
                                              long ticks_per_second) {
  constexpr std::size_t kStartTime = 22 - 3;  // field 22, counted from the state's 3
  const auto fields = stat_fields(stat);
  if (fields.size() <= kStartTime || ticks_per_second <= 0) return std::nullopt;
  const std::string_view f = fields[kStartTime];
  std::uint64_t ticks = 0;
  auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), ticks);
  if (ec != std::errc() || p != f.data() + f.size()) return std::nullopt;
  const double since_boot = static_cast<double>(ticks) / static_cast<double>(ticks_per_second);
  if (since_boot > boottime_now + 1) return std::nullopt;  // not this boot's clock
  return wall_now - (boottime_now - since_boot);
}

std::optional<double> read_process_start(std::int64_t pid, const std::string& root) {
  auto stat = try_read(fmt::format("{}/{}/stat", root, pid));
  if (!stat) return std::nullopt;
  return process_start_from_stat(*stat, now(CLOCK_BOOTTIME), now(CLOCK_REALTIME), ::sysconf(_SC_CLK_TCK));
}

bool process_running(std::int64_t pid, const std::string& root) {
  std::string stat;
  try {
    stat = read_file(fmt::format("{}/{}/stat", root, pid));
  } catch (const ProcError& e) {
    return !e.gone();
  }
  const auto fields = stat_fields(stat);
  if (fields.empty()) return !stat.empty();  // read empty: exited meanwhile
  return fields[0] != "Z" && fields[0] != "X";
}

std::string read_boot_id(const std::string& root) {
  return trim(try_read(root + "/sys/kernel/random/boot_id").value_or(""));
}

std::optional<CgroupMemory> read_cgroup_memory(std::int64_t pid, const std::string& root) {
  auto cgroups = try_read(fmt::format("{}/{}/cgroup", root, pid));
  auto mounts = try_read(fmt::format("{}/{}/mountinfo", root, pid));
  if (!cgroups || !mounts) return std::nullopt;
  const detail::CgroupPlaces places = detail::cgroup_places(*cgroups, *mounts);
  if (places.v1) {
    auto usage = number(try_read(places.v1->dir + "/memory.usage_in_bytes"));
    if (usage) {
      auto limit = number(try_read(places.v1->dir + "/memory.limit_in_bytes"));
      // v1 says "no limit" with a huge page-rounded number.
      if (limit && *limit >= (1ull << 62)) limit.reset();
      return CgroupMemory{1, places.v1->path, usage, limit};
    }
  }
  if (places.v2) {
    auto current = number(try_read(places.v2->dir + "/memory.current"));
    if (current) return CgroupMemory{2, places.v2->path, current, number(try_read(places.v2->dir + "/memory.max"))};
  }
  return std::nullopt;
}

std::string render_pmap_x(const Snapshot& s) {
  std::string out;
  auto it = std::back_inserter(out);
  if (s.pid) fmt::format_to(it, "{}:   {}\n", *s.pid, s.command);
  out += "Address           Kbytes     RSS   Dirty Mode  Mapping\n";
  std::uint64_t size = 0, rss = 0, dirty = 0;
  for (const Region& r : s.regions) {
    std::string mode = fmt::format("{}{}{}{}-", r.perms.read ? 'r' : '-', r.perms.write ? 'w' : '-',
                                   r.perms.exec ? 'x' : '-', r.perms.shared ? 's' : '-');
    std::string name;
    if (r.name == "[stack]")
      name = "  [ stack ]";
    else if (r.file_backed())
      name = std::string(r.basename()) + (r.deleted() ? " (deleted)" : "");
    else
      name = "  [ anon ]";
    const std::uint64_t k = r.size() >> 10, res = r.counters.value_or_zero(Field::rss) >> 10,
                        d = r.counters.value_or_zero(Field::dirty) >> 10;
    size += k, rss += res, dirty += d;
    fmt::format_to(it, "{:016x} {:>7} {:>7} {:>7} {} {}\n", r.start, k, res, d, mode, name);
  }
  out += "---------------- ------- ------- ------- \n";
  fmt::format_to(it, "total kB         {:>8} {:>7} {:>7}\n", size, rss, dirty);
  return out;
}

}  // namespace snap
