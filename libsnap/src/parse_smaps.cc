// /proc/PID/smaps and /proc/PID/smaps_rollup.
//
// The hot path: each line is either a maps-style header (starts with a hex
// digit and has '-' before the first blank) or "Key:   value [kB]". Keys come
// in the same order in every block, so the key expected at each position is
// remembered and tried first: one memcmp per line in the common case.
#include <algorithm>
#include <array>

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

}  // namespace

void derive_dirty(Counters& c) {
  if (c.known(Field::shared_dirty) && c.known(Field::private_dirty))
    c.set(Field::dirty, c.value_or_zero(Field::shared_dirty) + c.value_or_zero(Field::private_dirty));
}

void parse_smaps(std::string_view text, Snapshot& s) {
  const bool rollup = s.format == Format::smaps_rollup;
  Lines lines(text);
  std::string_view line;
  Cursor c{s.source, 0, {}};
  FieldPredictor predictor;
  Region* current = nullptr;
  std::size_t position = 0;
  // ~25 lines and ~800 bytes a mapping on current kernels.
  if (!rollup) s.regions.reserve(text.size() / 700 + 1);

  while (lines.next(line)) {
    c.line = lines.number();
    c.text = line;
    if (trim(line).empty()) continue;
    if (is_header(line)) {
      if (current) finish_region(*current);
      if (rollup && current) c.fail(line, "smaps_rollup holds one [rollup] block, found a second header");
      current = &s.regions.emplace_back();
      parse_maps_line(c, line, *current);
      position = 0;
      continue;
    }
    std::string_view key, value;
    if (!split_field(line, key, value)) {
      if (!current)
        c.fail(line, "expected a mapping header START-END PERMS ..., got {}", Cursor::quote(line));
      c.fail(line, "expected \"Key: value\" or a mapping header, got {}", Cursor::quote(line));
    }
    if (!current) c.fail(key, "field {} before any mapping header", Cursor::quote(key));
    store_value(c, *current, key, value, predictor, position++);
  }
  if (current) finish_region(*current);

  if (rollup) {
    if (s.regions.empty()) throw ParseError(s.source, 0, 0, "smaps_rollup without a [rollup] block");
    Counters totals = s.regions.front().counters;
    // The rollup's header range spans the whole address space; it is not a size.
    totals.forget(Field::size);
    s.reported_totals = totals;
    s.totals = totals;
    s.regions.clear();
  }
}

}  // namespace snap::detail
