// The measured prototype the smaps fast path (libsnap/src/parse_smaps.cc,
// SmapsParser::fast_line) was ported from: not used by the tools, only by
// snap_bench, which checks that it yields exactly the Regions of the
// library's loops on the generated input and times them side by side, as
// the reference for the library's fast path.
//
// What it changed against the general, line-at-a-time path (same output type):
//  - the key expected at this position (learned from the first block, as
//    FieldPredictor does) is compared as bytes, with its text cached: no
//    character-class scan of the key (split_field), no smaps_key() call;
//  - blanks are skipped 8 bytes at a time (the kernel pads every key line
//    with 7-18 blanks, every named header with up to 25);
//  - the number is converted in the same pass that finds its end, and the
//    " kB" suffix is checked by position: no next_token/trim/from_chars;
//  - the header line is read left to right once, hex by hand.
// Anything unexpected (another key order, tabs, a unit other than kB, a
// malformed line) falls back to a generic path; a real implementation would
// hand that line to today's code, which reports the error with its column.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "snap/snapshot.h"

namespace snap::bench {
namespace {

inline const char* skip_blanks(const char* p, const char* end) {
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

/// Hex digits up to `stop`; false if none, or another character, or overflow.
inline bool hex_until(const char*& p, const char* end, char stop, std::uint64_t& v) {
  const char* start = p;
  v = 0;
  for (; p < end && *p != stop; ++p) {
    const int h = hex_value(*p);
    if (h < 0 || p - start >= 16) return false;
    v = (v << 4) | static_cast<unsigned>(h);
  }
  if (p == start || p == end) return false;
  ++p;  // the stop character
  return true;
}

inline bool dec(const char*& p, const char* end, std::uint64_t& v) {
  const char* start = p;
  v = 0;
  while (p < end && static_cast<unsigned>(*p - '0') < 10) {
    if (p - start >= 19) return false;
    v = v * 10 + static_cast<unsigned>(*p - '0');
    ++p;
  }
  return p != start;
}

bool header(const char* p, const char* end, Region& r) {
  std::uint64_t v;
  if (!hex_until(p, end, '-', r.start) || !hex_until(p, end, ' ', r.end) || r.end <= r.start) return false;
  if (end - p < 5 || p[4] != ' ') return false;
  r.perms = Perms{p[0] == 'r', p[1] == 'w', p[2] == 'x', p[3] == 's'};
  p += 5;
  if (!hex_until(p, end, ' ', v)) return false;
  r.offset = v;
  std::uint64_t major, minor;
  if (!hex_until(p, end, ':', major) || !hex_until(p, end, ' ', minor)) return false;
  r.device = Device{static_cast<std::uint32_t>(major), static_cast<std::uint32_t>(minor)};
  if (!dec(p, end, v)) return false;
  r.inode = v;
  p = skip_blanks(p, end);
  const char* e = end;
  while (e > p && (e[-1] == ' ' || e[-1] == '\t')) --e;
  r.name.assign(p, e);
  return true;
}

struct Slot {
  std::string_view key;        // as the kernel spells it
  std::optional<Field> field;  // nullopt: VmFlags or a key snap keeps in `extra`
  bool vm_flags = false;
};

}  // namespace

/// Returns false (and leaves `s` partly filled) where it would fall back.
bool proto_parse_smaps(std::string_view text, Snapshot& s) {
  s.regions.reserve(text.size() / 700 + 1);
  Slot slots[48];
  std::size_t learned = 0, pos = 0;
  bool first_block = true;
  Region* cur = nullptr;
  const char* p = text.data();
  const char* const end = p + text.size();
  std::uint32_t line = 0;
  auto finish = [](Region& r) {
    r.counters.set(Field::size, r.size());
    const Counters& c = r.counters;
    if (c.known(Field::shared_dirty) && c.known(Field::private_dirty))
      r.counters.set(Field::dirty,
                     c.value_or_zero(Field::shared_dirty) + c.value_or_zero(Field::private_dirty));
  };
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* e = nl ? nl : end;
    ++line;
    const char c0 = *p;
    if (hex_value(c0) >= 0 && !(c0 >= 'A' && c0 <= 'F' && cur)) {
      // A header (keys that start with a hex letter, Anonymous and
      // FilePmdMapped, are told apart by the expected key below).
      if (cur) {
        finish(*cur);
        first_block = false;
      }
      cur = &s.regions.emplace_back();
      if (!header(p, e, *cur)) return false;
      cur->line = line;
      pos = 0;
    } else if (cur) {
      Slot* slot = pos < learned ? &slots[pos] : nullptr;
      const std::size_t len = static_cast<std::size_t>(e - p);
      if (!slot || len <= slot->key.size() || std::memcmp(p, slot->key.data(), slot->key.size()) != 0 ||
          p[slot->key.size()] != ':') {
        // Learn (first block) or fall back.
        if (!first_block || pos >= std::size(slots)) return false;
        const void* colon = std::memchr(p, ':', len);
        if (!colon) return false;
        const std::string_view key(p, static_cast<std::size_t>(static_cast<const char*>(colon) - p));
        Slot& s2 = slots[pos];
        s2.key = key;
        s2.vm_flags = key == "VmFlags";
        s2.field = s2.vm_flags ? std::nullopt : field_from_smaps_key(key);
        if (!s2.vm_flags && !s2.field) return false;
        learned = pos + 1;
        slot = &s2;
      }
      const char* q = skip_blanks(p + slot->key.size() + 1, e);
      if (slot->vm_flags) {
        const char* t = e;
        while (t > q && t[-1] == ' ') --t;
        cur->vm_flags.emplace(q, t);
      } else {
        std::uint64_t v;
        if (!dec(q, e, v)) return false;
        if (*slot->field == Field::thp_eligible || *slot->field == Field::protection_key) {
          if (q != e) return false;
        } else {
          if (e - q != 3 || q[0] != ' ' || q[1] != 'k' || q[2] != 'B' || v > (UINT64_MAX >> 10)) return false;
          v <<= 10;
        }
        if (*slot->field == Field::size && v != cur->size()) return false;
        cur->counters.set(*slot->field, v);
      }
      ++pos;
    } else {
      return false;
    }
    p = nl ? nl + 1 : end;
  }
  if (cur) finish(*cur);
  return true;
}

}  // namespace snap::bench
