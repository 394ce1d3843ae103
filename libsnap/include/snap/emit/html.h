// A report as one self-contained HTML page: inline SVG charts, a findings
// table and the gdb line that dumps each finding, for people who would
// rather look than read. Nothing is loaded from anywhere: no script, style,
// font or image source, no link; a little inline JavaScript shows the
// numbers under the pointer. Opens from a file:// URL in any browser.
//
// The size is bounded whatever the input: the top `series` findings are
// drawn, the rest summed as one "other" series; a series of more than
// `max_points` snapshots is drawn through evenly spaced ones (the first and
// last always); the table lists at most `table_rows` findings. Nothing
// drawn is per mapping: 500 snapshots make a page of about 115 KiB.
//
// Every text the process chose (mapping, thread and command names, file
// names) goes through printable() (snap/escape.h), then html_escape().
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "snap/dump.h"
#include "snap/report.h"
#include "snap/snapshot.h"
#include "snap/trend.h"

namespace snap {

struct HtmlOptions {
  std::size_t series = 8;         // findings drawn one by one; the rest are "other"
  std::size_t max_points = 600;   // snapshots drawn per series, at most
  std::size_t table_rows = 500;   // findings listed, at most
  std::size_t dump_lines = 4;     // gdb ranges shown per finding (snapdiff --gdb has them all)
  std::string command_line;       // shown at the foot of the page
  DumpOptions dump;               // where the gdb lines write, and the pid
};

/// Two snapshots: totals before and after, Rss by category before and
/// after, a bar chart of the top growers, the findings table.
/// `snapshots` are those `r` compares (Series::snapshots).
void emit_diff_html(std::string& out, const DiffReport& r, std::span<const Snapshot> snapshots,
                    const HtmlOptions& o);

/// Three or more: totals over time with the projections to the limits
/// dashed, a stacked area of the ranking counter by category, one line per
/// top finding (growth since the first snapshot), the findings table.
void emit_trend_html(std::string& out, const TrendReport& r, std::span<const Snapshot> snapshots,
                     const HtmlOptions& o);

/// `text` with & < > " ' as character references: safe in element content
/// and in quoted attribute values. Bytes are passed through: give it
/// printable() text.
std::string html_escape(std::string_view text);

}  // namespace snap
