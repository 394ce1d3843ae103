// Sizes as people type and read them: pmap's K, and M/G like df -h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace snap {

/// Parses "64K", "1M", "2G", "1.5G", "512KiB", "4096" (bytes). Units are
/// powers of 1024, case-insensitive. nullopt when malformed or overflowing.
std::optional<std::uint64_t> parse_size(std::string_view text);

enum class SizeStyle {
  kib,    // as pmap writes: "8960K"
  human,  // "8.8M", "62M", "1.2G"
};

/// `bytes` in the given style.
std::string format_size(std::uint64_t bytes, SizeStyle style);
/// A signed delta: "+8960K", "-4K", "+0K". A saturated one (at an int64
/// limit: 2^63 bytes or more) is marked ">=+8.0E" or "<=-8.0E".
std::string format_delta(std::int64_t bytes, SizeStyle style);
/// Whether a delta or a sum of them sits at an int64 limit (signed_delta and
/// saturating_add stop there): the true value is that far or farther,
/// 2^63 bytes or more, not that value.
constexpr bool is_saturated(std::int64_t v) {
  return v == INT64_MAX || v == INT64_MIN;
}
/// ">=" before a saturated delta at INT64_MAX, "<=" at INT64_MIN, else nothing.
std::string_view saturation_mark(std::int64_t delta);

/// A signed amount that need not be whole, a rate say, in the letters of
/// SizeStyle::human whatever the style: "+4.8M", "-320K", "+12B". (A rate is
/// not a page count: pmap's K would round a slow one to "+0K".)
std::string format_rate(double bytes);

/// IEC units with one decimal below 10: "1.9 MiB", "320 KiB", "12 B".
std::string format_iec(double bytes);

/// A time span as people say it: "45s", "12m", "4h10m", "3d4h".
std::string format_duration(double seconds);

}  // namespace snap
