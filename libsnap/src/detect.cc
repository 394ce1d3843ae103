// Format detection by structure: the shape of the first data line (and the
// one after it), never the words of a header, which procps translates.
#include <array>
#include <vector>

#include "parsers.h"
#include "snap/parse.h"

namespace snap {
namespace {

using detail::is_maps_perms;
using detail::is_pmap_mode;
using detail::next_token;
using detail::to_uint;
using detail::trim;

std::vector<std::string_view> tokens(std::string_view line, std::size_t max) {
  std::vector<std::string_view> out;
  for (std::string_view t = next_token(line); !t.empty() && out.size() < max; t = next_token(line))
    out.push_back(t);
  return out;
}

bool is_count(std::string_view t) {
  return t == "-" || to_uint(t, 10).has_value();
}
bool is_kib_size(std::string_view t) {
  return t.size() > 1 && t.back() == 'K' && to_uint(t.substr(0, t.size() - 1), 10).has_value();
}

/// The format of a pmap row, from its columns; nullopt when it is not one.
std::optional<Format> pmap_row_format(std::string_view line) {
  auto t = tokens(line, 8);
  if (t.size() < 3 || !to_uint(t[0], 16)) return std::nullopt;
  if (is_kib_size(t[1]) && is_pmap_mode(t[2])) return Format::pmap;
  if (t.size() >= 5 && is_maps_perms(t[1]) && to_uint(t[2], 16) && t[3].find(':') != std::string_view::npos &&
      to_uint(t[4], 10))
    return Format::pmap_X;
  if (t.size() >= 5 && is_count(t[1]) && is_pmap_mode(t[2]) && to_uint(t[3], 16) &&
      t[4].find(':') != std::string_view::npos)
    return Format::pmap_d;
  if (t.size() >= 5 && is_count(t[1]) && is_count(t[2]) && is_count(t[3]) && is_pmap_mode(t[4]))
    return Format::pmap_x;
  if (t.size() >= 6 && is_count(t[1]) && is_count(t[2]) && is_count(t[3]) && is_count(t[4]) &&
      is_pmap_mode(t[5]))
    return Format::solaris_pmap_x;
  return std::nullopt;
}

bool is_smaps_field(std::string_view line) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (char ch : line.substr(0, colon))
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' || detail::is_digit(ch)))
      return false;
  return true;
}

}  // namespace

Format detect_format(std::string_view text, std::string_view source) {
  if (detail::is_elf(text)) return Format::core;
  detail::Lines lines(text);
  std::string_view line;
  // The first few meaningful lines are enough; keep their numbers for errors.
  std::array<std::string_view, 3> first{};
  std::array<std::size_t, 3> number{};
  std::size_t n = 0;
  Snapshot scratch;
  while (n < first.size() && lines.next(line)) {
    if (trim(line).empty()) continue;
    if (n == 0 && detail::parse_pmap_header(line, scratch)) continue;
    first[n] = line;
    number[n] = lines.number();
    ++n;
  }
  if (n == 0) throw ParseError(std::string(source), 0, 0, "empty: no mappings in it");

  if (detail::looks_like_maps_line(first[0])) {
    if (n > 1 && is_smaps_field(first[1])) {
      std::string_view rest = first[0];
      for (int i = 0; i < 5; ++i) next_token(rest);
      return trim(rest) == "[rollup]" ? Format::smaps_rollup : Format::smaps;
    }
    return Format::maps;
  }
  if (auto f = pmap_row_format(first[0])) return *f;
  // A pmap -X header names smaps keys (the kernel's, never translated);
  // with no row under it, it is still pmap -X, with no mappings.
  {
    auto t = tokens(first[0], 64);
    bool size = false, rss = false;
    for (std::size_t i = 5; i < t.size(); ++i) size |= t[i] == "Size", rss |= t[i] == "Rss";
    if (size && rss && (n == 1 || !pmap_row_format(first[1]))) return Format::pmap_X;
  }
  // A column header, then a row.
  if (n > 1 && !to_uint(tokens(first[0], 1).front(), 16))
    if (auto f = pmap_row_format(first[1])) return *f;

  throw ParseError(std::string(source), number[0], 1,
                   fmt::format("not a snapshot in any known format (tried smaps, smaps_rollup, maps, "
                               "pmap, pmap -x, pmap -X/-XX, pmap -d, Solaris pmap -x); line {}: {}",
                               number[0], detail::Cursor::quote(first[0])));
}

namespace detail {

void check_start(std::string_view head, bool whole, std::string_view source, std::optional<Format> format) {
  // Complete lines only: a line cut at the end of `head` may read otherwise.
  const std::size_t complete = whole ? head.size() : head.rfind('\n') + 1;  // npos + 1 == 0
  // An ELF core is binary by nature: parse_core judges it.
  if (is_elf(head) && (!format || *format == Format::core)) return;
  const std::string_view lines = head.substr(0, complete);
  // detect_format reads at most four lines that are not blank (a pmap
  // header and three more): with them here it decides as on the whole.
  std::size_t meaningful = 0;
  Lines it(lines);
  for (std::string_view line; meaningful < 4 && it.next(line);) meaningful += !trim(line).empty();
  if (!format && (meaningful >= 4 || (whole && meaningful > 0))) {
    detect_format(lines, source);
    return;
  }
  // Too few lines to go by (a first line longer than the head, or none),
  // or a format given, not detected: judged by the bytes. A snapshot is
  // text; a name may hold a stray control byte, never a NUL, never many.
  head = head.substr(0, kProbeBytes);
  if (const std::size_t nul = head.find('\0'); nul != std::string_view::npos)
    throw ParseError(std::string(source), 0, 0,
                     fmt::format("binary data (a NUL byte at offset {}): not a snapshot", nul));
  std::size_t control = 0;
  bool blank = true;
  for (char ch : head) {
    const auto u = static_cast<unsigned char>(ch);
    control += (u < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' && ch != '\v' && ch != '\f') || u == 0x7f;
    blank = blank && (is_space(ch) || ch == '\n' || ch == '\r');
  }
  if (control * 32 > head.size())
    throw ParseError(
        std::string(source), 0, 0,
        fmt::format("binary data ({} of its first {} bytes are control characters): not a snapshot", control,
                    head.size()));
  if (blank && !whole && head.size() >= kProbeBytes)
    throw ParseError(
        std::string(source), 0, 0,
        fmt::format("nothing but blank lines in its first {} KiB: not a snapshot", kProbeBytes >> 10));
}

}  // namespace detail

}  // namespace snap
