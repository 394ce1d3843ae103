// Two snapshots' report (snap/report.h) as text, JSON or CSV. Emitters
// never parse or rank; they only format what the report holds.
#pragma once

#include <string>

#include "snap/emit/options.h"
#include "snap/report.h"

namespace snap {

/// The ranked table, then the totals. Appends to `out`.
void emit_text(std::string& out, const DiffReport& r, const TextOptions& o);

/// The versioned JSON document; see kDiffJsonSchema and docs/json.md.
/// Sizes in bytes, addresses as "0x..." strings (beyond 2^53 they would
/// lose precision as JSON numbers).
/// With `flush`, the blocks and links are written one at a time and
/// `flush(out)` called after each: it writes `out` and may clear it, so that
/// the document never sits whole in memory.
void emit_json(std::string& out, const DiffReport& r, const Flush& flush = nullptr);
inline constexpr const char* kDiffJsonSchema = "snap.diff/1";

/// One header row, then one row per block shown. RFC 4180 quoting.
void emit_csv(std::string& out, const DiffReport& r);

}  // namespace snap
