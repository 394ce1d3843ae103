// snapcollect --format pmap-x: a snapshot as pmap -x prints it.
#include "snap/live/pmap_x.h"

#include <iterator>

#include <fmt/format.h>

namespace snap {

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
