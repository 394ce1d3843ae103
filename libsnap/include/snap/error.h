// The one error type of libsnap: bad input, with the input's location.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace snap {

/// Thrown when input cannot be read or understood. `what()` reads
/// "FILE:LINE: reason" (or "FILE: reason" when no line applies) and quotes
/// the offending text, so tools print "snapdiff: " + what() and exit 2.
/// what() is safe for a terminal: FILE and the reason are escaped through
/// printable() (snap/escape.h); path(), reason() and message() hold the
/// bytes as they were, for messages composed further.
class ParseError : public std::runtime_error {
 public:
  ParseError(std::string path, std::size_t line, std::size_t column, std::string reason);

  const std::string& path() const { return path_; }
  std::size_t line() const { return line_; }      // 1-based; 0 when none
  std::size_t column() const { return column_; }  // 1-based; 0 when none
  const std::string& reason() const { return reason_; }
  /// what() unescaped: "FILE:LINE: reason" as the bytes were.
  std::string message() const;

 private:
  std::string path_;
  std::size_t line_;
  std::size_t column_;
  std::string reason_;
};

}  // namespace snap
