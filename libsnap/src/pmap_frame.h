// Internal: the frame every pmap format shares. It sorts a file's lines into
// the "PID: command" header, the column header, rows and the footer, by
// position and shape (procps translates the words), and says what is wrong
// with a file whose frame is broken: a second process, text after the total,
// a missing total line (a truncated file).
#pragma once

#include <string_view>

#include "parsers.h"

namespace snap::detail {

/// Room for every row at once: no reallocation (and move of every Region so
/// far) as a big file's vector grows. Bounded by the lines that are not
/// empty, by size / 30 (a pmap row is at least that long) and by
/// kMaxReservedRows, so that neither a file of empty lines nor a huge one
/// of short junk lines reserves much; past that the vector grows as usual.
/// Returns the number of those lines. The count is a pass of its own over
/// a mapped text (restart_mapped): call it before the parse's pass begins.
std::size_t reserve_rows(std::string_view text, RegionStore::Builder& rows);
inline constexpr std::size_t kMaxReservedRows = std::size_t{1} << 20;

class PmapFrame {
 public:
  enum class Kind { column_header, row, footer };

  explicit PmapFrame(Snapshot& s) : s_(s), cursor_{s.source, 0, {}} {}

  /// Line `number` of the file (from 1, without its line end): true when it
  /// is one the parser reads, kind() says which; false for a blank line,
  /// the "PID: command" header or a separator.
  bool take(std::string_view line, std::size_t number);
  /// After the file's last line, `lines` of them: a warning when no footer came.
  void end(std::size_t lines);
  Kind kind() const { return kind_; }
  const Cursor& cursor() const { return cursor_; }

 private:
  bool has_column_header() const { return s_.format != Format::pmap; }
  /// pmap and pmap -d print their total without a separator line above it;
  /// its shape (looks_like_pmap_footer) tells it from a row.
  bool footer_is_unseparated() const { return s_.format == Format::pmap || s_.format == Format::pmap_d; }

  Snapshot& s_;
  Cursor cursor_;
  bool header_seen_ = false;
  bool column_header_seen_ = false;
  bool rows_seen_ = false;
  bool after_separator_ = false;
  bool footer_seen_ = false;
  Kind kind_ = Kind::row;
};

/// A LineParser of a format in pmap's frame: the frame sorts the lines,
/// take() reads the ones it passes.
class FramedLineParser : public LineParser {
 public:
  FramedLineParser(Snapshot& s, RegionStore::Builder& rows) : s_(s), rows_(rows), frame_(s) {}
  void line(std::string_view line, std::size_t number) final {
    if (frame_.take(line, number)) take(frame_.kind(), frame_.cursor(), line);
  }
  void finish(std::size_t lines) final { frame_.end(lines); }

 protected:
  virtual void take(PmapFrame::Kind kind, const Cursor& c, std::string_view line) = 0;
  Snapshot& s_;
  RegionStore::Builder& rows_;

 private:
  PmapFrame frame_;
};

/// A whole text through `p`: its rows reserved (reserve_rows), every line,
/// then the end.
void parse_lines(std::string_view text, LineParser& p, RegionStore::Builder& rows);

}  // namespace snap::detail
