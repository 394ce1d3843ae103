// The small /proc files of a live process snapcollect records beside each
// snapshot: threads, command line, start time, cgroup memory, and the
// machine's vm.max_map_count and boot id. `root` is "/proc" except in tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "snap/live/clock.h"
#include "snap/manifest.h"

namespace snap {

std::vector<ThreadInfo> read_threads(std::int64_t pid, const std::string& root = "/proc");
/// The process's command line, arguments joined by spaces.
std::string read_command(std::int64_t pid, const std::string& root = "/proc");
std::optional<std::uint64_t> read_max_map_count(const std::string& root = "/proc");
/// When the process started, in seconds since the epoch: /proc/PID/stat's
/// starttime (clock ticks since boot) placed on the wall clock through
/// CLOCK_BOOTTIME, to the tick (/proc/stat's btime is whole seconds).
/// nullopt when unreadable.
std::optional<double> read_process_start(std::int64_t pid, const std::string& root = "/proc",
                                         const Clock& clock = Clock::system());
/// The same from a /proc/PID/stat text, given the boot and wall clocks now
/// (seconds) and the clock tick rate; nullopt when malformed.
std::optional<double> process_start_from_stat(std::string_view stat, double boottime_now, double wall_now,
                                              long ticks_per_second);
/// False once the process has exited: gone from /proc, or a zombie not yet
/// reaped. True when /proc/PID/stat cannot be read for another reason: the
/// snapshot's own read then says what is wrong.
bool process_running(std::int64_t pid, const std::string& root = "/proc");
std::string read_boot_id(const std::string& root = "/proc");
/// cgroup v2 memory.current/memory.max, else v1 memory.usage_in_bytes and
/// memory.limit_in_bytes, found through /proc/PID/cgroup and the mount
/// table (/proc/PID/mountinfo). nullopt when neither is readable.
std::optional<CgroupMemory> read_cgroup_memory(std::int64_t pid, const std::string& root = "/proc");

}  // namespace snap
