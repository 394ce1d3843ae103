// Emitters: a DiffReport as text, JSON or CSV. They never parse or compute
// rankings; they only format what the report holds.
#pragma once

#include <string>

#include "snap/report.h"
#include "snap/size.h"

namespace snap {

struct TextOptions {
  SizeStyle sizes = SizeStyle::kib;
  bool color = false;
};

/// The ranked table, then the totals. Appends to `out`.
void emit_text(std::string& out, const DiffReport& r, const TextOptions& o);

/// The versioned JSON document; see kDiffJsonSchema and README "JSON".
/// Sizes in bytes, addresses as "0x..." strings (beyond 2^53 they would
/// lose precision as JSON numbers).
void emit_json(std::string& out, const DiffReport& r);
inline constexpr const char* kDiffJsonSchema = "snap.diff/1";

/// One header row, then one row per block shown. RFC 4180 quoting.
void emit_csv(std::string& out, const DiffReport& r);
/// Quotes a CSV field when it needs it.
std::string csv_escape(std::string_view field);

}  // namespace snap
