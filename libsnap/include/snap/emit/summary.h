// One snapshot's summary (snap/summary.h) as text, JSON or CSV.
#pragma once

#include <string>

#include "snap/emit/options.h"
#include "snap/summary.h"

namespace snap {

/// Totals, then the categories, then the top mappings, as columns. Sizes in
/// `o.sizes`; names through printable(). Appends to `out`.
void emit_summary_text(std::string& out, const Summary& s, const TextOptions& o);

/// The summary as JSON (schema kSummaryJsonSchema): sizes in bytes,
/// addresses as "0x..." strings, an unknown total as null.
void emit_summary_json(std::string& out, const Summary& s);
inline constexpr const char* kSummaryJsonSchema = "snap.show/1";

/// One table, RFC 4180: a "total" row, one "category" row per category,
/// one "mapping" row per top mapping. Sizes in bytes; unknown is empty.
void emit_summary_csv(std::string& out, const Summary& s);

}  // namespace snap
