// The pieces both HTML reports are built of (snap/emit/html.h): the page
// around them, SVG line, area and bar charts, table cells. Internal to
// libsnap's emitters.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "snap/diff.h"
#include "snap/dump.h"
#include "snap/emit/html.h"
#include "snap/snapshot.h"

namespace snap::html {

/// printable() then html_escape(): what a process chose, in a page.
std::string text(std::string_view raw);

/// The page up to <body>'s first child, and from its last one: the style
/// and the hover script live here, nothing is fetched.
std::string page_head(std::string_view title);
std::string page_tail(std::string_view command_line);

/// The x axis the line charts share: positions in seconds since the first
/// snapshot (or snapshot indexes when times are unknown), with the wall
/// clock of position 0 when known.
struct Axis {
  std::vector<double> x;
  bool seconds = false;
  std::optional<std::int64_t> epoch_ms0;
};

struct Line {
  std::string label;  // raw: escaped when drawn
  std::string title;  // raw: the hover text (first, last, growth, rate)
  std::vector<double> y;  // one per Axis::x
  bool other = false;     // the aggregate of what is not drawn alone: grey
};

/// A projection to a limit: a dashed line from (x0, y0) to (x1, y1), and
/// the limit as a dashed level.
struct Dash {
  std::string label;  // raw
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double limit = 0;
};

struct LineChart {
  std::string id;       // [a-z-]+: the series are data-chart="ID"
  std::string caption;  // raw
  bool bytes = true;    // y in bytes (else a count)
  bool stacked = false;  // areas stacked from 0, in order
  bool from_zero = false;
  std::vector<Line> lines;
  std::vector<Dash> dashes;
};

/// The chart as a <figure>: the SVG (each series a path of class "series"
/// with data-chart="ID" and a <title>), a legend, and the numbers the
/// hover script shows, as JSON.
std::string line_chart(const LineChart& c, const Axis& axis);

struct Bar {
  std::string label;  // raw
  std::string title;  // raw
  double value = 0;
  bool other = false;
};
/// Horizontal bars, largest first as given; rect class "series",
/// data-chart="ID".
std::string bar_chart(std::string_view id, std::string_view caption, const std::vector<Bar>& bars, bool bytes);

/// A stacked bar per column (two snapshots: before, after) of one value per
/// category; rect class "series" data-chart="ID".
struct StackColumn {
  std::string label;
  std::vector<double> values;  // one per category
};
std::string stack_columns(std::string_view id, std::string_view caption, const std::vector<std::string>& categories,
                          const std::vector<StackColumn>& columns);

/// The indexes of at most `max_points` of `n` snapshots, evenly spaced,
/// the first and last included.
std::vector<std::size_t> sample_points(std::size_t n, std::size_t max_points);

/// "+1.5 MiB", "-64 KiB".
std::string signed_iec(double v);

/// The gdb command line that dumps `blocks` (at most o.dump_lines ranges;
/// how many more, said), escaped for the page; empty when nothing is
/// readable in the newest snapshot.
std::string dump_cell(std::span<const Snapshot> snapshots, const std::vector<const Block*>& blocks,
                      const HtmlOptions& o);

/// The colour of the i-th series.
std::string_view colour(std::size_t i);

}  // namespace snap::html
