// A trend over N snapshots (snap/trend.h) as text, JSON or CSV.
#pragma once

#include <string>

#include "snap/emit/options.h"
#include "snap/trend.h"

namespace snap {

/// The trend over N snapshots: ranked findings with sparklines and rates,
/// populations, totals, projections. Appends to `out`.
void emit_trend_text(std::string& out, const TrendReport& r, const TextOptions& o);

/// The trend as JSON (schema kTrendJsonSchema), with every series in full.
void emit_trend_json(std::string& out, const TrendReport& r);
inline constexpr const char* kTrendJsonSchema = "snap.trend/1";

/// The trend as CSV in long format, RFC 4180: a header, then one row per
/// finding (ranked 1..N), snapshot (1..N, in time order, with its wall-clock
/// time where known) and counter: for a block the ranking counter, every
/// other counter all snapshots know, and its regions; for a population the
/// ranking counter summed over its regions, and their count.
void emit_trend_csv(std::string& out, const TrendReport& r);

}  // namespace snap
