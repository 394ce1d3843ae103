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
/// A signed delta: "+8960K", "-4K", "+0K".
std::string format_delta(std::int64_t bytes, SizeStyle style);

/// IEC units with one decimal below 10: "1.9 MiB", "320 KiB", "12 B".
std::string format_iec(double bytes);

/// A time span as people say it: "45s", "12m", "4h10m", "3d4h".
std::string format_duration(double seconds);

}  // namespace snap
