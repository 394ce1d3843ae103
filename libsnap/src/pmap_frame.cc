#include "pmap_frame.h"

#include <algorithm>
#include <cstring>

namespace snap::detail {
namespace {

/// What parse_pmap_header needs first, "DIGITS:", checked without building
/// a Snapshot for it: every row of a big file passes here.
bool maybe_pmap_header(std::string_view line) {
  std::string_view t = trim_left(line);
  std::size_t i = 0;
  while (i < t.size() && is_digit(t[i])) ++i;
  return i > 0 && i < t.size() && t[i] == ':';
}

bool starts_with_address(std::string_view line) {
  std::string_view rest = line;
  return to_uint(next_token(rest), 16).has_value();
}

}  // namespace

std::size_t reserve_rows(std::string_view text, RegionStore::Builder& rows) {
  // Lines that hold something: a newline not followed by another line end.
  // A file of blank lines (gen-blank-lines-oom.sh) reserves nothing.
  // A mapped file is counted a window at a time, given back behind, then
  // parsed from its start again: never resident whole.
  const char* p = text.data();
  const char* const end = p + text.size();
  const std::size_t n = text.size();
  std::size_t lines = n && *p != '\n' && *p != '\r';
  ReleaseBehind release(text);
  while (const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
    p = static_cast<const char*>(nl) + 1;
    lines += p < end && *p != '\n' && *p != '\r';
    release.at(p);
  }
  restart_mapped();
  rows.reserve_counted(std::min({lines, n / 30 + 1, kMaxReservedRows}));
  return lines;
}

bool PmapFrame::take(std::string_view line, std::size_t number) {
  cursor_.line = number;
  cursor_.text = line;
  if (trim(line).empty()) return false;
  if (footer_seen_) {
    Snapshot other;
    if (parse_pmap_header(line, other))
      cursor_.fail(line, "a second process (pid {}) in one file: give one process per file",
                   other.pid.value_or(0));
    cursor_.fail(line, "unexpected text after the total line: {}", Cursor::quote(line));
  }
  if (!header_seen_ && !rows_seen_ && !column_header_seen_ && parse_pmap_header(line, s_)) {
    header_seen_ = true;
    // pmap prints the pid it was given; 0 is the kernel's idle task, which
    // has no memory map: an edited or made-up header. (Large ones stand:
    // other systems' pids, and what a fuzzer found, regress_test.)
    if (*s_.pid < 1) cursor_.fail(line, "the header's pid {} is not a process id (pids start at 1)", *s_.pid);
    return false;
  }
  if (is_separator(line)) {
    after_separator_ = true;
    return false;
  }
  if (after_separator_) {
    footer_seen_ = true;
    kind_ = Kind::footer;
    return true;
  }
  if (!rows_seen_ && !column_header_seen_ && has_column_header() && !starts_with_address(line)) {
    column_header_seen_ = true;
    kind_ = Kind::column_header;
    return true;
  }
  if (rows_seen_ && maybe_pmap_header(line)) {
    Snapshot other;
    if (parse_pmap_header(line, other))
      cursor_.fail(line, "a second process (pid {}) in one file: give one process per file",
                   other.pid.value_or(0));
  }
  if (footer_is_unseparated() && rows_seen_ && looks_like_pmap_footer(s_.format, line)) {
    footer_seen_ = true;
    kind_ = Kind::footer;
    return true;
  }
  rows_seen_ = true;
  kind_ = Kind::row;
  return true;
}

void PmapFrame::end(std::size_t lines) {
  if (!footer_seen_) s_.warnings.push_back({lines, "no total line at the end: the file may be truncated"});
}

void feed_lines(std::string_view text, LineParser& p, std::size_t& number) {
  Lines lines(text);
  ReleaseBehind release(text);
  for (std::string_view line; lines.next(line);) {
    release.at(line.data());
    p.line(line, number + lines.number());
  }
  number += lines.number();
}

void parse_lines(std::string_view text, LineParser& p, RegionStore::Builder& rows) {
  reserve_rows(text, rows);
  std::size_t lines = 0;
  feed_lines(text, p, lines);
  p.finish(lines);
}

}  // namespace snap::detail
