// A whole string as a hexadecimal number (no prefix, no sign), for the
// addresses of maps lines, dump file names and ranges typed by people.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

namespace snap::inspect {

/// False when `s` is empty, holds anything but hex digits, or does not fit
/// 64 bits.
inline bool parse_hex(std::string_view s, std::uint64_t& v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace snap::inspect
