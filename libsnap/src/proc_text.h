// The text of /proc files snapcollect reads besides smaps, taken apart
// without touching the file system, so that the fuzz targets reach the
// parsing on its own (fuzz/proc_fuzzer.cc). Internal to libsnap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace snap::detail {

/// A whole decimal number, as /proc and /sys files hold one (trailing
/// newline and spaces ignored); nullopt when it is anything else, or does
/// not fit 64 bits.
std::optional<std::uint64_t> proc_number(std::string_view text);

/// The fields of /proc/PID/stat after the command name, from the state
/// (field 3) on: the name is in parentheses and may hold spaces and ')'.
std::vector<std::string_view> stat_fields(std::string_view stat);

/// The stack pointer in /proc/PID/task/TID/syscall ("NR arg1 .. arg6 SP PC"
/// while blocked in a system call, "-1 SP PC" otherwise, "running"):
/// nullopt when the text holds none.
std::optional<std::uint64_t> syscall_sp(std::string_view syscall);

/// Where a process's memory cgroup lives, from /proc/PID/cgroup and
/// /proc/PID/mountinfo: the cgroup as /proc/PID/cgroup names it, and its
/// directory under the mount point.
struct CgroupPlace {
  std::string path;
  std::string dir;
};
struct CgroupPlaces {
  std::optional<CgroupPlace> v1, v2;
};
CgroupPlaces cgroup_places(std::string_view cgroup, std::string_view mountinfo);

}  // namespace snap::detail
