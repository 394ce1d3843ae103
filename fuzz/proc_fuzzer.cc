// The parsers snapcollect runs on /proc text besides smaps itself:
// /proc/PID/stat (the state, the start time, the identity a pidfd is checked against), /proc/PID/task/TID/syscall
// (a thread's stack pointer), the numbers of /proc/sys and cgroup files,
// /proc/PID/cgroup with /proc/PID/mountinfo (where the memory cgroup is;
// the input split at its first form feed), and the streaming totals of
// smaps (smaps_totals), which must not depend on how the text is cut into
// reads. None may crash or throw, whatever the bytes.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "check.h"
#include "proc_text.h"
#include "snap/live/proc_reader.h"
#include "snap/live/process_watch.h"
#include "snap/live/smaps_reader.h"

namespace {

void check_stat(std::string_view text) {
  for (std::string_view f : snap::detail::stat_fields(text)) {
    SNAP_FUZZ_CHECK(!f.empty());
    SNAP_FUZZ_CHECK(f.find_first_of(" \n") == std::string_view::npos);
  }
  // Boot 1000 s ago, 100 ticks a second: a start is never later than now.
  const double boottime = 1000, wall = 1.7e9;
  if (auto start = snap::process_start_from_stat(text, boottime, wall, 100)) {
    SNAP_FUZZ_CHECK(std::isfinite(*start));
    SNAP_FUZZ_CHECK(*start <= wall + 1);
  }
  SNAP_FUZZ_CHECK(!snap::process_start_from_stat(text, boottime, wall, 0));
  // The identity snapcollect watches (state, start time): its comm is what
  // lies between the first '(' and the last ')'.
  if (auto s = snap::parse_process_stat(text)) {
    SNAP_FUZZ_CHECK(text.find("(" + s->comm + ")") != std::string_view::npos);
    SNAP_FUZZ_CHECK(s->state != ' ' && s->state != '\n');
  }
}

void check_number(std::string_view text) {
  const auto n = snap::detail::proc_number(text);
  if (!n) return;
  // Digits only, then newlines or spaces; the value is theirs.
  std::string_view t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
  SNAP_FUZZ_CHECK(!t.empty() && t.find_first_not_of("0123456789") == std::string_view::npos);
  const std::string digits = fmt::format("{}", *n);
  const std::size_t zeros = std::min(t.find_first_not_of('0'), t.size() - 1);
  SNAP_FUZZ_CHECK(t.substr(zeros) == digits);
}

void check_syscall(std::string_view text) {
  if (auto sp = snap::detail::syscall_sp(text)) SNAP_FUZZ_CHECK(text.find("0x") != std::string_view::npos);
}

void check_cgroup(std::string_view text) {
  const std::size_t ff = text.find('\f');
  const std::string_view cgroup = text.substr(0, ff);
  const std::string_view mountinfo = ff == std::string_view::npos ? std::string_view() : text.substr(ff + 1);
  const snap::detail::CgroupPlaces p = snap::detail::cgroup_places(cgroup, mountinfo);
  for (const auto* place : {&p.v1, &p.v2}) {
    if (!*place) continue;
    // One line of each file: no newline in the path or the directory, and
    // the path was in the cgroup text.
    SNAP_FUZZ_CHECK((*place)->path.find('\n') == std::string::npos);
    SNAP_FUZZ_CHECK((*place)->dir.find('\n') == std::string::npos);
    SNAP_FUZZ_CHECK(cgroup.find((*place)->path) != std::string_view::npos);
  }
}

void check_totals(std::string_view text) {
  const auto whole = snap::smaps_totals(text);
  if (whole) {
    SNAP_FUZZ_CHECK(!text.empty() && text.back() == '\n');
    SNAP_FUZZ_CHECK(whole->second > 0);
  }
  // Cut into reads of any size: the same totals.
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{64}, std::size_t{65}}) {
    const auto cut = snap::smaps_totals(text, chunk);
    SNAP_FUZZ_CHECK(cut.has_value() == whole.has_value());
    if (cut) SNAP_FUZZ_CHECK(cut->first == whole->first && cut->second == whole->second);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_stat(input);
  check_number(input);
  check_syscall(input);
  check_cgroup(input);
  check_totals(input);
  return 0;
}
