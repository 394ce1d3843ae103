// The small /proc files of a live process.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include <fmt/format.h>

#include "snap/live/proc_reader.h"

#include "live/proc_file.h"
#include "proc_text.h"
#include "snap/live/proc_error.h"

namespace snap {
namespace {

using detail::read_proc_file;

std::optional<std::string> try_read(const std::string& path) {
  return detail::try_read_proc_file(path);
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

std::optional<double> read_process_start(std::int64_t pid, const std::string& root, const Clock& clock) {
  auto stat = try_read(fmt::format("{}/{}/stat", root, pid));
  if (!stat) return std::nullopt;
  return process_start_from_stat(*stat, clock.boottime(), clock.wall(), ::sysconf(_SC_CLK_TCK));
}

bool process_running(std::int64_t pid, const std::string& root) {
  std::string stat;
  try {
    stat = read_proc_file(fmt::format("{}/{}/stat", root, pid));
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

}  // namespace snap
