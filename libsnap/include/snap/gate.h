// Gates for scripts and CI: the exit status from the growth of the whole
// process, or of one finding, rather than from single blocks. A leak made
// of fourteen 2 MiB mmaps passes any per-block threshold above 2 MiB; it
// does not pass a gate on the total.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "snap/report.h"
#include "snap/trend.h"

namespace snap {

struct Gate {
  std::optional<std::uint64_t> above;  // --fail-above: bytes of the ranking counter
  std::optional<double> rate;          // --fail-rate: bytes per second
  bool active() const { return above || rate; }
};

struct GateResult {
  bool tripped = false;
  std::string reason;  // "total Rss +37968K reaches --fail-above 32M"
};

/// --fail-above on two snapshots: tripped when the process's total of the
/// ranking counter grew by at least `above`, or one finding (a block or a
/// link) did. Throws UsageError (snap/error.h) for a rate (two snapshots have
/// no trend).
GateResult check_gate(const DiffReport& r, const Gate& g);

/// On a trend: --fail-above as above (first to last), and --fail-rate on
/// the least-squares slope of the total, or of one finding, per second.
/// Throws UsageError (snap/error.h) for a rate when capture times are unknown.
GateResult check_gate(const TrendReport& r, const Gate& g);

/// "4M/s", "100M/h", "1G/d", "512K/min", or a bare size (per second), in
/// bytes per second; nullopt when malformed.
std::optional<double> parse_rate(std::string_view text);

}  // namespace snap
