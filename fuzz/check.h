// What every fuzz target checks beyond "no crash": a snapshot that parsed is
// one snap can trust (sorted, no overlap, sizes agree with the ranges, totals
// are the sums), and an error is a ParseError naming the source.
//
// Two invariants of text output are written here but switched on per
// target only when the emitters promise them:
//   SNAP_CHECK_NO_CONTROL  - no control byte in any text output
//                            (check_no_control);
//   SNAP_CHECK_JSON_NAMES  - the JSON gives back every name, byte for byte
//                            (check_json_name).
// Both are on by default (-DSNAP_CHECK_NO_CONTROL=OFF / -DSNAP_CHECK_JSON_NAMES=OFF
// in CMake turns them off).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "snap/error.h"
#include "snap/snapshot.h"
#include "snap/summary.h"

namespace snap::fuzz {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "snap fuzz invariant broken: %s\n", what);
  std::abort();
}

#define SNAP_FUZZ_CHECK(cond) \
  do {                        \
    if (!(cond)) ::snap::fuzz::fail(#cond); \
  } while (0)

inline void check_snapshot(const Snapshot& s) {
  if (!s.has_ranges()) {
    SNAP_FUZZ_CHECK(s.regions.empty());
    return;
  }
  SNAP_FUZZ_CHECK(!s.regions.empty());
  Counters sum;
  for (std::size_t i = 0; i < s.regions.size(); ++i) {
    const Region& r = s.regions[i];
    SNAP_FUZZ_CHECK(r.start < r.end);
    SNAP_FUZZ_CHECK(r.line >= 1);
    if (i > 0) SNAP_FUZZ_CHECK(s.regions[i - 1].end <= r.start);
    if (r.counters.known(Field::size)) SNAP_FUZZ_CHECK(*r.counters.get(Field::size) == r.size());
    // No counter of a mapping's pages exceeds the mapping (parse.cc).
    for (std::size_t f = 0; f < kFieldCount; ++f)
      if (is_additive(static_cast<Field>(f)) && r.counters.known(static_cast<Field>(f)))
        SNAP_FUZZ_CHECK(r.counters.value_or_zero(static_cast<Field>(f)) <= r.size());
    sum += r.counters;
  }
  // A total snap knows is the sum of what its regions say, to the byte.
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    const auto f = static_cast<Field>(i);
    if (!is_additive(f) || !s.totals.known(f)) continue;
    SNAP_FUZZ_CHECK(s.totals.get(f) == sum.get(f));
  }
  for (const Warning& w : s.warnings) SNAP_FUZZ_CHECK(!w.message.empty());
}

/// What snapshow prints of `s` adds up: one mapping count, categories that
/// partition the mappings and sum to the totals, totals equal to the
/// snapshot's, and no more top mappings than asked for.
inline void check_summary(const Snapshot& s, const Summary& sum) {
  SNAP_FUZZ_CHECK(sum.has_ranges == s.has_ranges());
  if (!sum.has_ranges) return;
  SNAP_FUZZ_CHECK(sum.mappings == s.regions.size());
  SNAP_FUZZ_CHECK(sum.top.size() <= sum.top_limit);
  std::size_t mappings = 0;
  Counters by_category;
  for (const CategorySummary& c : sum.categories) {
    SNAP_FUZZ_CHECK(c.mappings > 0);
    mappings += c.mappings;
    by_category += c.totals;
  }
  SNAP_FUZZ_CHECK(mappings == sum.mappings);
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    const auto f = static_cast<Field>(i);
    if (!is_additive(f) || !sum.totals.known(f)) continue;
    SNAP_FUZZ_CHECK(by_category.value_or_zero(f) == sum.totals.value_or_zero(f));
    if (s.totals.known(f)) SNAP_FUZZ_CHECK(sum.totals.value_or_zero(f) == s.totals.value_or_zero(f));
  }
}

/// A byte that moves a terminal's cursor, rings, erases or starts an escape
/// sequence: below 0x20 except newline and tab, DEL, or a C1 control
/// (U+0080..U+009F, in UTF-8 0xc2 0x80..0x9f).
/// Where the first one is, or npos.
inline std::size_t find_control_byte(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return i;
    if (c == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return i;
    }
  }
  return std::string_view::npos;
}

inline bool has_control_byte(std::string_view text) {
  return find_control_byte(text) != std::string_view::npos;
}

/// `text` less its SGR sequences (ESC [ digits and ; m), the colours of
/// --color output.
inline std::string without_colour(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      std::size_t j = i + 2;
      while (j < text.size() && ((text[j] >= '0' && text[j] <= '9') || text[j] == ';')) ++j;
      if (j < text.size() && text[j] == 'm') {
        i = j;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

/// What a text output is: its own control bytes are its form, not data.
enum class Text {
  plain,   // tables, summaries, notes
  colour,  // asked for in colour: SGR sequences
  csv,     // RFC 4180: records end in CR LF
};

/// Text output holds no control byte but those of its form, whatever bytes
/// the names in the input had.
inline void check_no_control(std::string_view output, Text kind = Text::plain) {
  std::string stripped = kind == Text::colour ? without_colour(output) : std::string(output);
  if (kind == Text::csv) {
    // RFC 4180: records end in CR LF, and a quoted cell keeps its bytes
    // (quoted so that no reader takes them for the record's form).
    std::string outside;
    bool quoted = false;
    for (std::size_t i = 0; i < stripped.size(); ++i) {
      if (stripped[i] == '"') quoted = !quoted;
      else if (quoted) continue;
      else if (stripped[i] == '\r' && i + 1 < stripped.size() && stripped[i + 1] == '\n') continue;
      outside += stripped[i];
    }
    SNAP_FUZZ_CHECK(!quoted);
    stripped = std::move(outside);
  }
  const std::string_view text = stripped;
  const std::size_t at = find_control_byte(text);
  if (at == std::string_view::npos) return;
  const std::size_t from = at < 40 ? 0 : at - 40;
  std::fprintf(stderr, "control byte 0x%02x at offset %zu, after: \"%.*s\"\n",
               static_cast<unsigned char>(text[at]), at, static_cast<int>(at - from), text.data() + from);
  fail("no control byte in text output");
}

/// A name as a JSON document carries it reads back as the same bytes:
/// `parent[key]` itself where the name is UTF-8, else `parent[key + "_hex"]`
/// (the original bytes in hex; `key` then holds the escaped form).
template <class Json>
void check_json_name(const Json& parent, const std::string& key, std::string_view name) {
  SNAP_FUZZ_CHECK(parent.contains(key) && parent[key].is_string());
  const std::string hex_key = key + "_hex";
  if (!parent.contains(hex_key)) {
    SNAP_FUZZ_CHECK(parent[key].template get<std::string>() == name);
    return;
  }
  const std::string hex = parent[hex_key].template get<std::string>();
  SNAP_FUZZ_CHECK(hex.size() == 2 * name.size());
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i < name.size(); ++i)
    SNAP_FUZZ_CHECK(static_cast<char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1])) == name[i]);
}

/// "SOURCE:LINE: reason" or "SOURCE: reason", never empty.
inline void check_error(const ParseError& e, std::string_view source) {
  std::string_view what = e.what();
  SNAP_FUZZ_CHECK(what.starts_with(source));
  SNAP_FUZZ_CHECK(what.size() > source.size() + 2);
}

}  // namespace snap::fuzz
