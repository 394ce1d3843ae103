// Internal: text a program chose (names, command lines, paths) in snap's
// JSON documents. JSON strings must be UTF-8; a name the kernel holds as
// bytes need not be. Valid UTF-8 is written as it is (JSON escapes its
// control characters); otherwise KEY holds the printable() form and
// KEY_hex the original bytes in hex, so that nothing is lost or replaced.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "snap/escape.h"

namespace snap::detail {

inline std::string hex_bytes(std::string_view text) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() * 2);
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    out += kDigits[u >> 4];
    out += kDigits[u & 0xF];
  }
  return out;
}

/// j[key] = text, and j[key + "_hex"] when `text` is not valid UTF-8.
inline void put_text(nlohmann::ordered_json& j, const std::string& key, std::string_view text) {
  if (valid_utf8(text)) {
    j[key] = std::string(text);
    return;
  }
  j[key] = printable(text);
  j[key + "_hex"] = hex_bytes(text);
}

/// put_text, or null for empty text (an unknown command line).
inline void put_text_or_null(nlohmann::ordered_json& j, const std::string& key, std::string_view text) {
  if (text.empty())
    j[key] = nullptr;
  else
    put_text(j, key, text);
}

}  // namespace snap::detail
