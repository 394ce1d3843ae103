// The errors libsnap throws: one base, snap::Error, so that a program
// catches one type and prints "PROGRAM: " + what().
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace snap {

/// Every error of libsnap. what() is ready for a terminal: the path and
/// the reason are escaped through printable() (snap/escape.h), because a
/// reason quotes the input and a path may hold any byte. path(), reason()
/// and message() keep the bytes as they were, for messages composed
/// further. line() and column() are 1-based, 0 where none applies.
class Error : public std::runtime_error {
 public:
  /// About no file in particular: what() is `reason`, escaped.
  explicit Error(std::string reason);
  /// About a file, or a place in it: "FILE:LINE: reason", or "FILE: reason"
  /// when `line` is 0.
  Error(std::string path, std::size_t line, std::size_t column, std::string reason);

  const std::string& path() const { return path_; }
  std::size_t line() const { return line_; }
  std::size_t column() const { return column_; }
  const std::string& reason() const { return reason_; }
  /// what() unescaped.
  std::string message() const;

 protected:
  /// what() exactly as `composed`, which the thrower made safe for a
  /// terminal itself (it escapes some parts and not others).
  struct Composed {
    std::string text;
  };
  explicit Error(Composed composed);

 private:
  std::string path_;
  std::size_t line_ = 0;
  std::size_t column_ = 0;
  std::string reason_;
};

/// Input that cannot be read or understood: a snapshot, an NMT report, a
/// manifest, a times.txt.
class ParseError : public Error {
 public:
  ParseError(std::string path, std::size_t line, std::size_t column, std::string reason)
      : Error(std::move(path), line, column, std::move(reason)) {}
};

/// A request the inputs cannot answer, though each was read: --sort pss on
/// pmap -x output, --fail-rate on two snapshots, --skip that leaves fewer
/// than two. The command line is at fault, not a file.
class UsageError : public Error {
 public:
  explicit UsageError(std::string reason) : Error(std::move(reason)) {}
};

}  // namespace snap
