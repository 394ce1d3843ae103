#include "live/smaps_totals.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <charconv>
#include <cstring>

#include "snap/live/smaps_reader.h"

namespace snap {
namespace detail {
namespace {

/// Calls f(p) for each '\n' at p in [p, end), 64 bytes a step where SSE2
/// is there: a memchr call a line costs 10 ns, 14 ms for 60k mappings.
template <class F>
void for_each_newline(const char* p, const char* end, F&& f) {
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  auto bits = [&](const char* q) {
    return static_cast<std::uint64_t>(static_cast<unsigned>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)), nl))));
  };
  for (; end - p >= 64; p += 64) {
    std::uint64_t mask = bits(p) | bits(p + 16) << 16 | bits(p + 32) << 32 | bits(p + 48) << 48;
    for (; mask; mask &= mask - 1) f(p + __builtin_ctzll(mask));
  }
#endif
  for (; p < end; ++p)
    if (*p == '\n') f(p);
}

}  // namespace

void TotalsScanner::feed(std::string_view chunk) {
  const char* p = chunk.data();
  const char* const end = p + chunk.size();
  if (!carry_.empty()) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', chunk.size()));
    if (!nl) {
      carry_.append(p, end);
      return;
    }
    carry_.append(p, nl);
    line(carry_);
    carry_.clear();
    p = nl + 1;
  }
  const char* start = p;
  for_each_newline(p, end, [&](const char* nl) {
    line({start, static_cast<std::size_t>(nl - start)});
    start = nl + 1;
  });
  carry_.assign(start, end);
}

std::optional<std::pair<Counters, std::size_t>> TotalsScanner::finish() const {
  if (!carry_.empty() || mappings_ == 0) return std::nullopt;
  Counters totals;
  for (std::size_t k = 0; k < 4; ++k) totals.set(kKeys[k].second, sums_[k]);
  return std::pair{totals, mappings_};
}

void TotalsScanner::line(std::string_view l) {
  if (l.size() < 5) return;
  // Most of the 20-odd lines of a record are none of these: one switch
  // on the first two bytes sends them away.
  std::size_t k;
  switch (l[0] << 8 | l[1]) {
    case 'S' << 8 | 'i': k = 0; break;
    case 'R' << 8 | 's': k = 1; break;
    case 'P' << 8 | 's': k = 2; break;
    case 'S' << 8 | 'w': k = 3; break;
    default: {
      const char c = l[0];
      if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
        ++mappings_;
        header(l);
      }
      return;
    }
  }
  if (!l.starts_with(kKeys[k].first)) return;  // Size_xx:, SwapPss:, Pss_Anon: ...
  std::size_t i = kKeys[k].first.size();
  while (i < l.size() && l[i] == ' ') ++i;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(l.data() + i, l.data() + l.size(), v);
  if (ec == std::errc()) sums_[k] += v << 10;
}

void TotalsScanner::header(std::string_view l) {
  const char* p = l.data();
  const char* const e = p + l.size();
  std::uint64_t start = 0, end = 0;
  auto r = std::from_chars(p, e, start, 16);
  if (r.ec != std::errc() || r.ptr == e || *r.ptr != '-') return;
  r = std::from_chars(r.ptr + 1, e, end, 16);
  if (r.ec != std::errc()) return;
  if (start < last_end_) ++overlaps_;
  last_end_ = std::max(last_end_, end);
}

}  // namespace detail

std::optional<std::pair<Counters, std::size_t>> smaps_totals(std::string_view text, std::size_t chunk) {
  detail::TotalsScanner scan;
  for (chunk = std::max<std::size_t>(chunk, 1); !text.empty(); text.remove_prefix(std::min(chunk, text.size())))
    scan.feed(text.substr(0, chunk));
  return scan.finish();
}

}  // namespace snap
