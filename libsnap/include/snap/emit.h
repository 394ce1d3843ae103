// Emitters: a DiffReport as text, JSON or CSV. They never parse or compute
// rankings; they only format what the report holds.
#pragma once

#include <functional>
#include <string>

#include "snap/escape.h"
#include "snap/report.h"
#include "snap/size.h"
#include "snap/trend.h"

namespace snap {

/// Hands what an emitter has written so far on (to stdout) and may clear it.
using Flush = std::function<void(std::string& out)>;

struct TextOptions {
  SizeStyle sizes = SizeStyle::kib;
  bool color = false;
  bool unicode = true;  // sparklines in block characters, else ASCII
};

/// Display columns of UTF-8 `text`: a sparkline character or a branch mark
/// is one column but three bytes.
std::size_t display_width(std::string_view text);

/// "[worker-7 tid 5460]": the threads whose stack a block is.
std::string thread_label(const std::vector<ThreadInfo>& threads);
/// "worker-*: 3 -> 17, pool-*: 8 -> 9": thread counts by name, first -> last.
std::string thread_counts(const std::vector<ThreadGroup>& groups);

/// The ranked table, then the totals. Appends to `out`.
void emit_text(std::string& out, const DiffReport& r, const TextOptions& o);

/// The versioned JSON document; see kDiffJsonSchema and README "JSON".
/// Sizes in bytes, addresses as "0x..." strings (beyond 2^53 they would
/// lose precision as JSON numbers).
/// With `flush`, the blocks and links are written one at a time and
/// `flush(out)` called after each: it writes `out` and may clear it, so that
/// the document never sits whole in memory.
void emit_json(std::string& out, const DiffReport& r, const Flush& flush = nullptr);
/// The NMT join's summary, as emit_text and emit_trend_text print it after
/// the blocks: growth inside vs outside NMT's ranges, NMT's malloc growth,
/// the verdict, the native-leak suspects.
void emit_nmt_text(std::string& out, const NmtJoin& n, const Comparison& c, const TextOptions& o);
inline constexpr const char* kDiffJsonSchema = "snap.diff/1";

/// One header row, then one row per block shown. RFC 4180 quoting.
void emit_csv(std::string& out, const DiffReport& r);
/// A text field as a CSV cell: quoted (RFC 4180) when it holds a comma, a
/// quote, a control byte or invalid UTF-8; a field starting with = + - @,
/// a tab or a CR gets a leading ' inside the quotes, so that a spreadsheet
/// shows it as text instead of running it as a formula.
std::string csv_escape(std::string_view field);

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

/// A series as a sparkline, one character a value up to kSparklineCells
/// values, beyond that kSparklineCells characters, each the largest value
/// of its share of the series: "▁▂▃▄▅▆▇█", or with `unicode` false
/// " .:-=+*#". A flat series is all lowest characters.
std::string sparkline(const std::vector<double>& values, bool unicode);
inline constexpr std::size_t kSparklineCells = 32;

}  // namespace snap
