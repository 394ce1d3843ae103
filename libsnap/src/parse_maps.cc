// /proc/PID/maps, and the maps-style header line that opens each smaps block.
#include <algorithm>

#include "parsers.h"
#include "pmap_frame.h"

namespace snap::detail {

bool is_maps_perms(std::string_view t) {
  return t.size() == 4 && (t[0] == 'r' || t[0] == '-') && (t[1] == 'w' || t[1] == '-') &&
         (t[2] == 'x' || t[2] == '-') && (t[3] == 'p' || t[3] == 's');
}

Perms parse_maps_perms(const Cursor& c, std::string_view perms) {
  if (!is_maps_perms(perms))
    c.fail(perms, "expected permissions like \"rw-p\", got {}", Cursor::quote(perms));
  return Perms{perms[0] == 'r', perms[1] == 'w', perms[2] == 'x', perms[3] == 's'};
}

Device parse_device(const Cursor& c, std::string_view dev) {
  auto colon = dev.find(':');
  if (colon == std::string_view::npos) c.fail(dev, "expected device MAJOR:MINOR, got {}", Cursor::quote(dev));
  std::uint64_t major = c.hex(dev.substr(0, colon), "device major");
  std::uint64_t minor = c.hex(dev.substr(colon + 1), "device minor");
  if (major > UINT32_MAX || minor > UINT32_MAX)
    c.fail(dev, "device number {} is out of range", Cursor::quote(dev));
  return Device{static_cast<std::uint32_t>(major), static_cast<std::uint32_t>(minor)};
}

bool looks_like_maps_line(std::string_view line) {
  std::string_view rest = line;
  std::string_view range = next_token(rest);
  auto dash = range.find('-');
  if (dash == std::string_view::npos || !to_uint(range.substr(0, dash), 16) ||
      !to_uint(range.substr(dash + 1), 16))
    return false;
  if (!is_maps_perms(next_token(rest))) return false;
  if (!to_uint(next_token(rest), 16)) return false;
  std::string_view dev = next_token(rest);
  if (dev.find(':') == std::string_view::npos) return false;
  return to_uint(next_token(rest), 10).has_value();
}

void parse_maps_line(const Cursor& c, std::string_view line, Region& r) {
  std::string_view rest = line;
  std::string_view range = next_token(rest);
  auto dash = range.find('-');
  if (dash == std::string_view::npos)
    c.fail(range, "expected address range START-END, got {}", Cursor::quote(range));
  r.start = c.hex(range.substr(0, dash), "hexadecimal start address");
  r.end = c.hex(range.substr(dash + 1), "hexadecimal end address");
  if (r.end <= r.start) c.fail(range, "empty or inverted address range {}", Cursor::quote(range));

  r.perms = parse_maps_perms(c, next_token(rest));

  r.offset = c.hex(next_token(rest), "hexadecimal file offset");

  r.device = parse_device(c, next_token(rest));

  r.inode = c.dec(next_token(rest), "inode number");
  // The kernel pads the name to a column; everything after is the name,
  // spaces and " (deleted)" included.
  r.name = std::string(trim(rest));
  r.line = static_cast<std::uint32_t>(c.line);
}

void parse_maps(std::string_view text, Snapshot& s, RegionStore::Builder& rows) {
  Lines lines(text);
  std::string_view line;
  Cursor c{s.source, 0, {}};
  // Room for every line at once (no reallocation, which holds the old and
  // the new vector at once); and since every line is a mapping, a file of
  // more than kMaxRegions is refused before any is parsed.
  if (reserve_rows(text, rows) > kMaxRegions) {
    Lines count(text);
    for (std::size_t n = 0; count.next(line);) {
      if (trim(line).empty() || ++n <= kMaxRegions) continue;
      c.line = count.number();
      c.text = line;
      too_many_regions(c);
    }
  }
  ReleaseBehind release(text);
  while (lines.next(line)) {
    release.at(line.data());
    c.line = lines.number();
    c.text = line;
    if (trim(line).empty()) continue;
    Region& r = add_region(c, rows);
    parse_maps_line(c, line, r);
    r.counters.set(Field::size, r.size());
  }
}

}  // namespace snap::detail
