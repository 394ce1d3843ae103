// The pieces of a table cell that several outputs share: widths, thread
// labels, sparklines, CSV quoting.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "snap/diff.h"
#include "snap/snapshot.h"

namespace snap {

/// Display columns of UTF-8 `text`: a sparkline character or a branch mark
/// is one column but three bytes.
std::size_t display_width(std::string_view text);

/// "[worker-7 tid 5460]": the threads whose stack a block is.
std::string thread_label(const std::vector<ThreadInfo>& threads);
/// "worker-*: 3 -> 17, pool-*: 8 -> 9": thread counts by name, first -> last.
std::string thread_counts(const std::vector<ThreadGroup>& groups);

/// A text field as a CSV cell: quoted (RFC 4180) when it holds a comma, a
/// quote, a control byte or invalid UTF-8; a field starting with = + - @,
/// a tab or a CR gets a leading ' inside the quotes, so that a spreadsheet
/// shows it as text instead of running it as a formula.
std::string csv_escape(std::string_view field);

/// A series as a sparkline, one character a value up to kSparklineCells
/// values, beyond that kSparklineCells characters, each the largest value
/// of its share of the series: "▁▂▃▄▅▆▇█", or with `unicode` false
/// " .:-=+*#". A flat series is all lowest characters.
std::string sparkline(const std::vector<double>& values, bool unicode);
inline constexpr std::size_t kSparklineCells = 32;

}  // namespace snap
