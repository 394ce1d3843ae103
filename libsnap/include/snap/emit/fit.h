// Fitting a text table to a width (the terminal's): the least useful
// columns dropped first, then the name, the last column, shortened from the
// left behind an ellipsis, so that a path keeps its file name. Numbers are
// never cut: a table that cannot fit even so comes out wider.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace snap {

struct FitColumn {
  bool right = false;  // right-aligned (a number); a left-aligned last column is the name
  unsigned drop = 0;   // 0: always shown; else dropped in increasing order while too wide
};

struct FitRow {
  std::vector<std::string> cells;  // one a column; the first row is the heading
  /// Bytes at the start of the name kept whole when it is shortened
  /// ("since 5/8 (+4s): " before a trend's name).
  std::size_t keep = 0;
  /// A note ("... 3 more"): its cells in dropped columns are not lost but
  /// put, kept whole, before its last cell, a hint, which is left out
  /// rather than shortened when it does not fit.
  bool note = false;
};

struct FitOptions {
  std::size_t width = 0;  // display columns; 0: unlimited, the table as it is
  bool unicode = true;    // the ellipsis "…"; else "..."
  bool trim = true;       // trailing blanks removed from each line
};

/// The name keeps at least this many columns before more columns are dropped.
inline constexpr std::size_t kMinNameWidth = 24;

/// The rows as lines (without '\n'): columns two spaces apart, each padded to
/// its widest cell (in display columns), a left-aligned last column not
/// padded. With a width, columns are dropped in their `drop` order until the
/// widest line fits, or until only the name is too wide and it keeps
/// kMinNameWidth columns; then names too wide are shortened from the left.
std::vector<std::string> fit_table(const std::vector<FitColumn>& columns, const std::vector<FitRow>& rows,
                                   const FitOptions& o);

/// `text` in at most `width` display columns: whole when it fits, else its
/// end behind an ellipsis ("…libc.so.6"), the first `keep` bytes kept whole
/// where there is room for them. Never splits a UTF-8 character.
std::string shorten_left(std::string_view text, std::size_t width, bool unicode, std::size_t keep = 0);

/// The prose around the tables (headings, notes, verdicts) in `width`
/// display columns (0: as it is): each line of `text` from byte `from` on
/// that is wider is broken at its blanks, the rest indented two spaces more
/// than the line. A word wider than the width (a long path) stays whole, so
/// a number is never cut. Colour sequences take no columns.
void wrap_lines(std::string& text, std::size_t from, std::size_t width);

}  // namespace snap
