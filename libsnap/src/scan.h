// Internal: the hot-path text scanning shared by the parsers. A whole file
// is one buffer; lines and fields are string_views into it. No allocation,
// no locale, no iostreams.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "snap/error.h"

namespace snap::detail {

inline bool is_space(char c) {
  return c == ' ' || c == '\t';
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Iterates the lines of a buffer, numbering them from 1. Strips a trailing
/// '\r' so that CRLF files read like LF files.
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}

  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    const char* begin = text_.data() + pos_;
    const void* nl = std::memchr(begin, '\n', text_.size() - pos_);
    std::size_t len = nl ? static_cast<const char*>(nl) - begin : text_.size() - pos_;
    last_unterminated_ = nl == nullptr;
    pos_ += len + (nl ? 1 : 0);
    if (len && begin[len - 1] == '\r') --len;
    line = std::string_view(begin, len);
    ++number_;
    return true;
  }
  std::size_t number() const { return number_; }
  /// True when the line last returned had no '\n': a truncated file's tail.
  bool last_unterminated() const { return last_unterminated_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t number_ = 0;
  bool last_unterminated_ = false;
};

inline std::string_view trim_left(std::string_view s) {
  // Column padding (pmap -X, smaps headers) is long runs of spaces: skipped
  // 8 bytes at a time, then blanks (a tab) one at a time.
  const char* p = s.data();
  const char* const e = p + s.size();
  while (e - p >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t x = w ^ 0x2020202020202020ull;
    if (x) {
      p += __builtin_ctzll(x) >> 3;
      break;
    }
    p += 8;
  }
  while (p < e && is_space(*p)) ++p;
  return std::string_view(p, static_cast<std::size_t>(e - p));
}
inline std::string_view trim(std::string_view s) {
  s = trim_left(s);
  std::size_t n = s.size();
  while (n && is_space(s[n - 1])) --n;
  return s.substr(0, n);
}

/// Takes the next whitespace-separated token off the front of `s`.
inline std::string_view next_token(std::string_view& s) {
  s = trim_left(s);
  std::size_t i = 0;
  while (i < s.size() && !is_space(s[i])) ++i;
  std::string_view tok = s.substr(0, i);
  s.remove_prefix(i);
  return tok;
}

inline std::optional<std::uint64_t> to_uint(std::string_view s, int base = 10) {
  std::uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

/// Where a parser is: the file, the line number and the line's text, so
/// that every error can point at the input.
struct Cursor {
  std::string_view path;
  std::size_t line = 0;
  std::string_view text;

  std::size_t column_of(std::string_view part) const {
    if (part.data() >= text.data() && part.data() <= text.data() + text.size())
      return static_cast<std::size_t>(part.data() - text.data()) + 1;
    return 0;
  }

  template <typename... Args>
  [[noreturn]] void fail(std::string_view at, fmt::format_string<Args...> f, Args&&... args) const {
    throw ParseError(std::string(path), line, column_of(at), fmt::format(f, std::forward<Args>(args)...));
  }

  /// A quoted token for messages, cut short so a 10 MB line stays readable.
  /// Its bytes stay as they are: ParseError::what() escapes the reason.
  static std::string quote(std::string_view s) {
    constexpr std::size_t kMax = 40;
    std::string out = "\"";
    out += s.substr(0, kMax);
    if (s.size() > kMax) out += "...";
    return out + "\"";
  }

  std::uint64_t hex(std::string_view tok, std::string_view what) const {
    if (tok.empty()) fail(tok, "expected {}, got end of line", what);
    auto v = to_uint(tok, 16);
    if (!v) fail(tok, "expected {}, got {}", what, quote(tok));
    return *v;
  }
  std::uint64_t dec(std::string_view tok, std::string_view what) const {
    if (tok.empty()) fail(tok, "expected {}, got end of line", what);
    auto v = to_uint(tok, 10);
    if (!v) fail(tok, "expected {}, got {}", what, quote(tok));
    return *v;
  }
  /// A KiB count converted to bytes, checked for overflow.
  std::uint64_t kib(std::string_view tok, std::string_view what) const {
    std::uint64_t v = dec(tok, what);
    if (v > (UINT64_MAX >> 10)) fail(tok, "{} {} is too large", what, quote(tok));
    return v << 10;
  }
};

}  // namespace snap::detail
