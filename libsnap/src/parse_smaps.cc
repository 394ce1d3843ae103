// /proc/PID/smaps and /proc/PID/smaps_rollup.
//
// Each line is either a maps-style header (starts with a hex digit and has
// '-' before the first blank) or "Key:   value [kB]".
//
// Two paths yield the same Regions, warnings and errors:
//  - the fast path reads the kernel's exact layout in one left-to-right pass
//    over the bytes: the key expected at this position of the block (keys
//    come in the same order in every block; learned from the lines the
//    general path read) is compared as two masked 8-byte words, blanks are
//    skipped 8 bytes at a time, the number is converted while it is found
//    and " kB\n" is checked by position; a header is read once, hex by hand.
//  - the general path (line_at_a_time) takes any line the fast path does
//    not accept exactly: another key order, tabs, CRLF, unknown keys,
//    duplicates, overflow, malformed lines. It is what reports every error,
//    with its line and column.
#include <algorithm>
#include <array>
#include <cstring>

#include "parsers.h"

namespace snap::detail {
namespace {

/// Splits "Key:  123 kB" into key and value text; false when not a key line.
bool split_field(std::string_view line, std::string_view& key, std::string_view& value) {
  std::size_t i = 0;
  while (i < line.size()) {
    char ch = line[i];
    bool key_char = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || is_digit(ch) || ch == '_';
    if (!key_char) break;
    ++i;
  }
  if (i == 0 || i >= line.size() || line[i] != ':') return false;
  key = line.substr(0, i);
  value = trim(line.substr(i + 1));
  return true;
}

bool is_header(std::string_view line) {
  if (line.empty() || !is_hex(line[0])) return false;
  for (char ch : line) {
    if (ch == '-') return true;
    if (!is_hex(ch)) return false;
  }
  return false;
}

class FieldPredictor {
 public:
  std::optional<Field> lookup(std::string_view key, std::size_t position) {
    if (position < kSlots && predicted_[position] && smaps_key(*predicted_[position]) == key)
      return predicted_[position];
    auto f = field_from_smaps_key(key);
    if (position < kSlots) predicted_[position] = f;
    return f;
  }

 private:
  static constexpr std::size_t kSlots = 48;
  std::array<std::optional<Field>, kSlots> predicted_{};
};

void store_value(const Cursor& c, Region& r, std::string_view key, std::string_view value,
                 FieldPredictor& predictor, std::size_t position) {
  if (key == "VmFlags") {
    r.vm_flags = std::string(value);
    return;
  }
  std::string_view rest = value;
  std::string_view number = next_token(rest);
  std::string_view unit = next_token(rest);
  auto v = to_uint(number, 10);
  auto field = predictor.lookup(key, position);
  if (!v) {
    if (field) c.fail(number, "expected a number for {}, got {}", key, Cursor::quote(number));
    r.extra.push_back(ExtraField{std::string(key), std::nullopt, std::string(value)});
    return;
  }
  std::uint64_t n = *v;
  if (!field && !unit.empty() && unit != "kB") {
    r.extra.push_back(ExtraField{std::string(key), std::nullopt, std::string(value)});
    return;
  }
  if (field && !is_bytes(*field) && !unit.empty())
    c.fail(unit, "{} is a number, not a size: unexpected {}", key, Cursor::quote(unit));
  if (field && is_bytes(*field) && unit != "kB")
    c.fail(unit, "expected \"kB\" after {}'s value, got {}", key, Cursor::quote(value));
  if (unit == "kB") {
    if (n > (UINT64_MAX >> 10)) c.fail(number, "{} value {} is too large", key, Cursor::quote(number));
    n <<= 10;
  } else if (!unit.empty() || !trim(rest).empty()) {
    c.fail(unit, "unexpected unit {} for {}", Cursor::quote(unit), key);
  }
  if (field) {
    if (r.counters.known(*field)) c.fail(key, "{} given twice for one mapping", key);
    if (*field == Field::size && n != r.size())
      c.fail(number, "Size {} does not match the mapping's range {:x}-{:x} ({} kB)", Cursor::quote(value),
             r.start, r.end, r.size() >> 10);
    r.counters.set(*field, n);
  } else {
    r.extra.push_back(ExtraField{std::string(key), n, {}});
  }
}

void finish_region(Region& r) {
  r.counters.set(Field::size, r.size());
  derive_dirty(r.counters);
}

// ---------------------------------------------------------------- fast path helpers

inline bool blank(char c) {
  return c == ' ' || c == '\t';
}

/// Spaces skipped 8 bytes at a time (the kernel pads every key line with
/// 7-18 of them, a named header with up to 25). Stops at anything else.
inline const char* skip_spaces(const char* p, const char* end) {
  while (end - p >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t x = w ^ 0x2020202020202020ull;
    if (x) return p + (__builtin_ctzll(x) >> 3);
    p += 8;
  }
  while (p < end && *p == ' ') ++p;
  return p;
}

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// 1 to `max` hex digits; stops at the first other character.
inline bool hex_run(const char*& p, const char* end, std::uint64_t& v, int max) {
  const char* start = p;
  v = 0;
  for (; p < end; ++p) {
    const int h = hex_value(*p);
    if (h < 0) break;
    v = (v << 4) | static_cast<unsigned>(h);
  }
  return p != start && p - start <= max;
}

/// 1 to 19 decimal digits (no overflow possible); stops at the first other character.
inline bool dec_run(const char*& p, const char* end, std::uint64_t& v) {
  const char* start = p;
  v = 0;
  while (p < end && static_cast<unsigned>(*p - '0') < 10) {
    v = v * 10 + static_cast<unsigned>(*p - '0');
    ++p;
  }
  return p != start && p - start <= 19;
}

/// An 8-byte field of blanks then 1 to 8 digits, right-aligned (the
/// kernel's "%8lu" after a key padded to 16 columns), converted without a
/// loop (SWAR: replace the blanks by '0', check every byte is a digit,
/// combine pairs, quads, then the halves). False for anything else.
inline bool column_number(std::uint64_t w, std::uint64_t& v) {
  constexpr std::uint64_t k7f = 0x7f7f7f7f7f7f7f7full;
  const std::uint64_t x = w ^ 0x2020202020202020ull;          // blanks -> 0
  const std::uint64_t zero = ~(((x & k7f) + k7f) | x | k7f);  // 0x80 in each byte that was a blank
  const std::uint64_t blanks = (zero >> 7) * 0xff;
  if (blanks == ~std::uint64_t{0} || (blanks & (blanks + 1)) != 0) return false;  // no digit, or a blank after one
  const std::uint64_t d = (w & ~blanks) | (0x3030303030303030ull & blanks);
  if ((d & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull ||
      ((d + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull)
    return false;
  std::uint64_t t = d & 0x0f0f0f0f0f0f0f0full;
  t = (t * 2561) >> 8;
  t = ((t & 0x00ff00ff00ff00ffull) * 6553601) >> 16;
  v = static_cast<std::uint32_t>(((t & 0x0000ffff0000ffffull) * 42949672960001ull) >> 32);
  return true;
}

/// A header line in the kernel's exact layout, read once: "START-END PERM
/// OFFSET MAJ:MIN INODE [padding NAME]". `e` is the line's end (no '\n',
/// no '\r'). False for anything the general path must judge; `r` is then
/// untouched.
bool fast_header(const char* p, const char* e, Region& r) {
  std::uint64_t start, end, offset, major, minor, inode;
  if (!hex_run(p, e, start, 16) || p == e || *p != '-') return false;
  ++p;
  if (!hex_run(p, e, end, 16) || p == e || *p != ' ' || end <= start) return false;
  ++p;
  if (e - p < 5 || p[4] != ' ') return false;
  const char p0 = p[0], p1 = p[1], p2 = p[2], p3 = p[3];
  if ((p0 != 'r' && p0 != '-') || (p1 != 'w' && p1 != '-') || (p2 != 'x' && p2 != '-') ||
      (p3 != 'p' && p3 != 's'))
    return false;
  p += 5;
  if (!hex_run(p, e, offset, 16) || p == e || *p != ' ') return false;
  ++p;
  if (!hex_run(p, e, major, 8) || p == e || *p != ':') return false;
  ++p;
  if (!hex_run(p, e, minor, 8) || p == e || *p != ' ') return false;
  ++p;
  if (!dec_run(p, e, inode) || (p != e && !blank(*p))) return false;
  p = skip_spaces(p, e);
  while (p < e && blank(*p)) ++p;
  while (e > p && blank(e[-1])) --e;
  r.start = start;
  r.end = end;
  r.perms = Perms{p0 == 'r', p1 == 'w', p2 == 'x', p3 == 's'};
  r.offset = offset;
  r.device = Device{static_cast<std::uint32_t>(major), static_cast<std::uint32_t>(minor)};
  r.inode = inode;
  r.name.assign(p, e);
  return true;
}

/// The key expected at one position of a block, as "Key:" in two masked
/// 8-byte words.
struct Slot {
  enum Kind : std::uint8_t { none, number, vm_flags };
  Kind kind = none;
  bool bytes = false;
  Field field = Field::size;
  std::uint8_t len = 0;  // "Key:" with its colon, at most 16
  std::uint64_t word[2] = {0, 0}, mask[2] = {0, 0};
  std::uint64_t padded[2] = {0, 0};  // "Key:" and blanks to column 16, as the kernel pads it
  char text[16] = {};

  void learn(std::string_view key, Kind k, Field f) {
    if (key.size() + 1 > sizeof text) {
      kind = none;
      return;
    }
    kind = k;
    field = f;
    bytes = k == number && is_bytes(f);
    len = static_cast<std::uint8_t>(key.size() + 1);
    std::memset(text, 0, sizeof text);
    std::memcpy(text, key.data(), key.size());
    text[key.size()] = ':';
    unsigned char m[16] = {};
    std::memset(m, 0xff, len);
    std::memcpy(word, text, 16);
    std::memcpy(mask, m, 16);
    char pad[16];
    std::memset(pad, ' ', sizeof pad);
    std::memcpy(pad, text, len);
    std::memcpy(padded, pad, 16);
  }
  bool matches(const char* p, const char* end) const {
    if (end - p >= 16) {
      std::uint64_t w[2];
      std::memcpy(w, p, 16);
      return (((w[0] ^ word[0]) & mask[0]) | ((w[1] ^ word[1]) & mask[1])) == 0;
    }
    return end - p >= len && std::memcmp(p, text, len) == 0;
  }
};

class SmapsParser {
 public:
  SmapsParser(Snapshot& s, RegionStore::Builder& rows, std::size_t text_bytes)
      : s_(s), rows_(rows), rollup_(s.format == Format::smaps_rollup), c_{s.source, 0, {}} {
    // ~25 lines and ~740 bytes a mapping on current kernels.
    if (!rollup_) rows_.reserve(text_bytes / 700 + 1);
  }

  /// The next piece of the text: whole lines, but for the text's last.
  void feed(std::string_view text, bool fast) {
    const char* p = text.data();
    const char* const end = p + text.size();
    ReleaseBehind release(text);
    while (p < end) {
      ++number_;
      release.at(p);
      if (fast) {
        const char* next = fast_line(p, end, number_);
        if (next) {
          p = next;
          continue;
        }
      }
      // One line as Lines cuts it: up to '\n', less one trailing '\r'.
      const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
      std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - p)
                           : static_cast<std::size_t>(end - p);
      const char* after = nl ? static_cast<const char*>(nl) + 1 : end;
      if (len && p[len - 1] == '\r') --len;
      line_at_a_time(std::string_view(p, len), number_);
      p = after;
    }
  }

  void finish() {
    if (current_) finish_region(*current_);

    if (rollup_) {
      if (rows_.empty()) throw ParseError(s_.source, 0, 0, "smaps_rollup without a [rollup] block");
      Counters totals = rows_.current().counters;
      // The rollup's header range spans the whole address space; it is not a size.
      totals.forget(Field::size);
      s_.reported_totals = totals;
      s_.totals = totals;
      rows_.clear();
    }
  }

 private:
  static constexpr std::size_t kSlots = 48;

  /// The line at `p` in the kernel's exact layout: handled, and where the
  /// next line starts. nullptr: the general path must read it.
  const char* fast_line(const char* p, const char* end, std::size_t number) {
    Region* r = current_;
    if (r && position_ < kSlots && slots_[position_].kind == Slot::number && end - p >= 28) {
      // The kernel's own layout: "Key:" padded to column 16, the number
      // right-aligned in 8 columns, " kB\n" (or "\n" for a plain number).
      const Slot& slot = slots_[position_];
      std::uint64_t w[3];
      std::memcpy(w, p, sizeof w);
      std::uint64_t v;
      if (w[0] == slot.padded[0] && w[1] == slot.padded[1] && column_number(w[2], v)) {
        const char* next = nullptr;
        if (slot.bytes) {
          std::uint32_t unit;
          std::memcpy(&unit, p + 24, 4);
          std::uint32_t kb_nl;
          std::memcpy(&kb_nl, " kB\n", 4);
          if (unit == kb_nl) {
            v <<= 10;  // at most 99,999,999 KiB: no overflow
            next = p + 28;
          }
        } else if (p[24] == '\n') {
          next = p + 25;
        }
        if (next && !r->counters.known(slot.field) && (slot.field != Field::size || v == r->size())) {
          r->counters.set(slot.field, v);
          ++position_;
          return next;
        }
      }
    }
    if (r && position_ < kSlots && slots_[position_].kind != Slot::none && slots_[position_].matches(p, end)) {
      const Slot& slot = slots_[position_];
      const char* q = skip_spaces(p + slot.len, end);
      if (slot.kind == Slot::number) {
        std::uint64_t v;
        const char* d = q;
        if (!dec_run(d, end, v)) return nullptr;
        const char* next = nullptr;
        if (slot.bytes) {
          if (end - d >= 4 && std::memcmp(d, " kB\n", 4) == 0 && v <= (UINT64_MAX >> 10)) {
            v <<= 10;
            next = d + 4;
          }
        } else if (d < end && *d == '\n') {
          next = d + 1;
        }
        if (!next || r->counters.known(slot.field) || (slot.field == Field::size && v != r->size()))
          return nullptr;
        r->counters.set(slot.field, v);
        ++position_;
        return next;
      }
      // VmFlags: the rest of the line, trimmed.
      const char* nl = static_cast<const char*>(std::memchr(q, '\n', static_cast<std::size_t>(end - q)));
      if (!nl || nl[-1] == '\r') return nullptr;
      const char* e = nl;
      while (q < e && blank(*q)) ++q;
      while (e > q && blank(e[-1])) --e;
      r->vm_flags.emplace(q, e);
      ++position_;
      return nl + 1;
    }
    if (rollup_ || hex_value(*p) < 0) return nullptr;
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!nl || nl[-1] == '\r') return nullptr;
    if (rows_.size() >= kMaxRegions) return nullptr;  // the general path says so
    // finish_region is idempotent: the general path may run it again.
    if (current_) finish_region(*current_);
    // The header is read aside: when it is not one the kernel writes, the
    // general path takes the line, maybe as a field of the current row.
    probe_.clear();
    if (!fast_header(p, nl, probe_)) return nullptr;
    Region& fresh = rows_.add();
    std::swap(fresh, probe_);
    current_ = &fresh;
    current_->line = static_cast<std::uint32_t>(number);
    position_ = 0;
    return nl + 1;
  }

  /// Any line: the general path, which reports every error.
  void line_at_a_time(std::string_view line, std::size_t number) {
    c_.line = number;
    c_.text = line;
    if (trim(line).empty()) return;
    if (is_header(line)) {
      if (current_) finish_region(*current_);
      if (rollup_ && current_) c_.fail(line, "smaps_rollup holds one [rollup] block, found a second header");
      current_ = &add_region(c_, rows_);
      parse_maps_line(c_, line, *current_);
      position_ = 0;
      return;
    }
    std::string_view key, value;
    if (!split_field(line, key, value)) {
      if (!current_)
        c_.fail(line, "expected a mapping header START-END PERMS ..., got {}", Cursor::quote(line));
      c_.fail(line, "expected \"Key: value\" or a mapping header, got {}", Cursor::quote(line));
    }
    if (!current_) c_.fail(key, "field {} before any mapping header", Cursor::quote(key));
    store_value(c_, *current_, key, value, predictor_, position_);
    // Learn the key at this position for the fast path.
    if (position_ < kSlots) {
      if (key == "VmFlags")
        slots_[position_].learn(key, Slot::vm_flags, Field::size);
      else if (auto f = field_from_smaps_key(key))
        slots_[position_].learn(smaps_key(*f), Slot::number, *f);
      else
        slots_[position_].kind = Slot::none;
    }
    ++position_;
  }

  Snapshot& s_;
  RegionStore::Builder& rows_;
  const bool rollup_;
  Cursor c_;
  FieldPredictor predictor_;
  Region* current_ = nullptr;  // the builder's current row
  Region probe_;
  std::size_t position_ = 0;
  std::size_t number_ = 0;  // lines read, over every piece
  std::array<Slot, kSlots> slots_{};
};

}  // namespace

void derive_dirty(Counters& c) {
  if (c.known(Field::shared_dirty) && c.known(Field::private_dirty))
    c.set(Field::dirty, c.value_or_zero(Field::shared_dirty) + c.value_or_zero(Field::private_dirty));
}

void parse_smaps(std::string_view text, Snapshot& s, RegionStore::Builder& rows) {
  SmapsParser p(s, rows, text.size());
  p.feed(text, true);
  p.finish();
}

void parse_smaps_general(std::string_view text, Snapshot& s, RegionStore::Builder& rows) {
  SmapsParser p(s, rows, text.size());
  p.feed(text, false);
  p.finish();
}

struct SmapsFeed::Parser : SmapsParser {
  using SmapsParser::SmapsParser;
};

SmapsFeed::SmapsFeed(Snapshot& s, RegionStore::Builder& rows, std::size_t text_bytes)
    : parser_(std::make_unique<Parser>(s, rows, text_bytes)) {}
SmapsFeed::~SmapsFeed() = default;
void SmapsFeed::feed(std::string_view whole_lines) {
  parser_->feed(whole_lines, true);
}
void SmapsFeed::finish() {
  parser_->finish();
}

}  // namespace snap::detail
