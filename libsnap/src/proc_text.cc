#include "proc_text.h"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace snap::detail {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return s;
}

// Whole text as one unsigned number in `base`: from_chars fails on an
// overflow instead of throwing, as stoull does.
std::optional<std::uint64_t> whole_number(std::string_view t, int base) {
  if (t.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v, base);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::uint64_t> proc_number(std::string_view text) {
  return whole_number(trim(text), 10);
}

std::vector<std::string_view> stat_fields(std::string_view stat) {
  std::vector<std::string_view> out;
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos) return out;
  stat.remove_prefix(close + 1);
  while (!stat.empty()) {
    const auto start = stat.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    stat.remove_prefix(start);
    const auto end = std::min(stat.find_first_of(" \n"), stat.size());
    out.push_back(stat.substr(0, end));
    stat.remove_prefix(end);
  }
  return out;
}

std::optional<std::uint64_t> syscall_sp(std::string_view syscall) {
  std::istringstream in{std::string(syscall)};
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  if (f.size() < 3 || !f[f.size() - 2].starts_with("0x")) return std::nullopt;
  return whole_number(std::string_view(f[f.size() - 2]).substr(2), 16);
}

CgroupPlaces cgroup_places(std::string_view cgroup, std::string_view mountinfo) {
  // /proc/PID/cgroup: "0::/path" (v2) or "N:memory:/path" (v1).
  std::optional<std::string> v2, v1;
  std::istringstream cin{std::string(cgroup)};
  for (std::string line; std::getline(cin, line);) {
    auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (line.substr(0, a) == "0" && controllers.empty()) v2 = path;
    std::istringstream list(controllers);
    for (std::string c; std::getline(list, c, ',');)
      if (c == "memory") v1 = path;
  }
  // mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPEROPTS".
  std::optional<std::pair<std::string, std::string>> v2_mount, v1_mount;  // root, mount point
  std::istringstream min{std::string(mountinfo)};
  for (std::string line; std::getline(min, line);) {
    std::istringstream f(line);
    std::vector<std::string> w;
    for (std::string x; f >> x;) w.push_back(x);
    auto dash = std::find(w.begin(), w.end(), "-");
    if (w.size() < 5 || dash == w.end() || dash + 1 == w.end()) continue;
    const std::string& fstype = *(dash + 1);
    const std::string super = dash + 3 < w.end() ? *(dash + 3) : "";
    if (fstype == "cgroup2" && !v2_mount) v2_mount = {{w[3], w[4]}};
    if (fstype == "cgroup" && ("," + super + ",").find(",memory,") != std::string::npos)
      v1_mount = {{w[3], w[4]}};
  }
  auto place = [](const std::pair<std::string, std::string>& mount, const std::string& path) {
    // The cgroup path is relative to the mount's root.
    std::string rel = path;
    if (mount.first != "/" && rel.starts_with(mount.first)) rel = rel.substr(mount.first.size());
    return CgroupPlace{path, mount.second + rel};
  };
  CgroupPlaces out;
  if (v1 && v1_mount) out.v1 = place(*v1_mount, *v1);
  if (v2 && v2_mount) out.v2 = place(*v2_mount, *v2);
  return out;
}

}  // namespace snap::detail
