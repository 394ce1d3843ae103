#include "snap/size.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace snap {

std::optional<std::uint64_t> parse_size(std::string_view text) {
  // Number: digits with an optional fraction ("1.5G").
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  std::string_view number = text.substr(0, i);
  std::string unit(text.substr(i));
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (number.empty() || number.front() == '.' || number.back() == '.') return std::nullopt;

  int shift = 0;
  if (unit.empty() || unit == "b")
    shift = 0;
  else if (unit == "k" || unit == "kb" || unit == "kib")
    shift = 10;
  else if (unit == "m" || unit == "mb" || unit == "mib")
    shift = 20;
  else if (unit == "g" || unit == "gb" || unit == "gib")
    shift = 30;
  else if (unit == "t" || unit == "tb" || unit == "tib")
    shift = 40;
  else
    return std::nullopt;

  if (number.find('.') == std::string_view::npos) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
    if (ec != std::errc() || p != number.data() + number.size()) return std::nullopt;
    if (shift && v > (UINT64_MAX >> shift)) return std::nullopt;
    return v << shift;
  }
  if (number.find('.') != number.rfind('.')) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (ec != std::errc() || p != number.data() + number.size()) return std::nullopt;
  double bytes = std::ldexp(v, shift);
  if (!(bytes < 18446744073709549568.0)) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(bytes));
}

namespace {

std::string human(std::uint64_t bytes) {
  static constexpr std::array<char, 7> kUnits = {'B', 'K', 'M', 'G', 'T', 'P', 'E'};
  if (bytes < 1024) return fmt::format("{}B", bytes);
  double v = static_cast<double>(bytes);
  std::size_t u = 0;
  while (v >= 1024 && u + 1 < kUnits.size()) {
    v /= 1024;
    ++u;
  }
  // Like df -h: one decimal below 10, whole numbers above.
  if (v < 9.95) return fmt::format("{:.1f}{}", v, kUnits[u]);
  if (v >= 1023.5 && u + 1 < kUnits.size()) return fmt::format("1.0{}", kUnits[u + 1]);
  return fmt::format("{:.0f}{}", v, kUnits[u]);
}

std::string kib(std::uint64_t bytes) {
  // pmap rounds nothing: every size it prints is a whole number of pages.
  // A stray remainder (a fuzzed file) rounds up, as du does.
  return fmt::format("{}K", bytes / 1024 + (bytes % 1024 != 0));
}

}  // namespace

std::string format_size(std::uint64_t bytes, SizeStyle style) {
  return style == SizeStyle::human ? human(bytes) : kib(bytes);
}

std::string format_delta(std::int64_t bytes, SizeStyle style) {
  std::uint64_t magnitude =
      bytes < 0 ? 0 - static_cast<std::uint64_t>(bytes) : static_cast<std::uint64_t>(bytes);
  return std::string(saturation_mark(bytes)) + (bytes < 0 ? "-" : "+") + format_size(magnitude, style);
}

std::string format_rate(double bytes) {
  if (bytes != bytes) return "+0B";  // NaN
  const double magnitude = std::round(std::abs(bytes));
  const std::uint64_t b = magnitude >= 18446744073709551615.0 ? UINT64_MAX : static_cast<std::uint64_t>(magnitude);
  return (bytes < 0 && b != 0 ? "-" : "+") + human(b);
}

std::string_view saturation_mark(std::int64_t delta) {
  return delta == INT64_MAX ? ">=" : delta == INT64_MIN ? "<=" : "";
}

std::string format_iec(double bytes) {
  static constexpr std::array<std::string_view, 6> kUnits = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = std::abs(bytes);
  std::size_t u = 0;
  while (v >= 1024 && u + 1 < kUnits.size()) {
    v /= 1024;
    ++u;
  }
  const char* sign = bytes < 0 ? "-" : "";
  if (u == 0) return fmt::format("{}{:.0f} B", sign, v);
  if (v < 9.95) return fmt::format("{}{:.1f} {}", sign, v, kUnits[u]);
  return fmt::format("{}{:.0f} {}", sign, v, kUnits[u]);
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e12) return "a very long time";
  auto s = static_cast<std::uint64_t>(std::llround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m", s / 60) + (s % 60 && s < 600 ? fmt::format("{}s", s % 60) : "");
  if (s < 86400)
    return fmt::format("{}h", s / 3600) + (s % 3600 / 60 ? fmt::format("{}m", s % 3600 / 60) : "");
  return fmt::format("{}d", s / 86400) + (s % 86400 / 3600 ? fmt::format("{}h", s % 86400 / 3600) : "");
}

}  // namespace snap
