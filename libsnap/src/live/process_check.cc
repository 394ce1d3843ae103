#include "snap/live/process_check.h"

#include <sys/stat.h>

#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "snap/live/proc_reader.h"

namespace snap {
namespace {

std::string local_time(double epoch) {
  const auto t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

std::optional<std::string> process_changed(const RecordedProcess& recorded, const std::string& root,
                                           const Clock& clock) {
  const std::int64_t pid = recorded.pid;
  if (!recorded.boot_id.empty()) {
    const std::string now = read_boot_id(root);
    if (!now.empty() && now != recorded.boot_id)
      return fmt::format("the snapshots were taken in another boot (boot id {}, now {}: a reboot since, or "
                         "another machine): pid {} is not their process",
                         recorded.boot_id, now, pid);
  }
  struct stat st {};
  if (::stat(fmt::format("{}/{}", root, pid).c_str(), &st) != 0) return fmt::format("pid {} no longer runs", pid);
  if (!process_running(pid, root)) return fmt::format("pid {} has exited", pid);
  if (recorded.start) {
    const std::optional<double> start = read_process_start(pid, root, clock);
    // To the clock tick, but placed on the wall clock, which NTP may have
    // moved a little since: a second of slack.
    if (start && std::fabs(*start - *recorded.start) > 1.0)
      return fmt::format("pid {} is another process: it started at {}, the snapshots' process at {}", pid,
                         local_time(*start), local_time(*recorded.start));
  }
  return std::nullopt;
}

}  // namespace snap
