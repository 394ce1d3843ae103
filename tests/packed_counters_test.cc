// RegionStore and Sides keep only a mapping's non-zero counters, as 32-bit
// words in kB, and fall back to two words a value where one does not fit.
// Every kind of value must read back exactly as it went in, and a known 0
// must still read as known.
#include <doctest/doctest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "snap/region_store.h"
#include "snap/sides.h"

namespace {

using snap::Field;

constexpr std::uint64_t K = 1024;

snap::Region mapping(std::uint64_t start, std::uint64_t end) {
  snap::Region r;
  r.start = start;
  r.end = end;
  r.perms = snap::Perms{true, true, false, false};
  return r;
}

}  // namespace

TEST_CASE("RegionStore: whole kB, odd bytes, 4 TiB and more, counts and known zeros read back as stored") {
  std::vector<snap::Region> rows;
  snap::Region kb = mapping(0x1000, 0x5000);  // every value whole kB: the narrow form
  kb.counters.set(Field::size, 16 * K);
  kb.counters.set(Field::rss, 12 * K);
  kb.counters.set(Field::swap, 0);  // known, 0: not stored, still known
  kb.counters.set(Field::thp_eligible, 1);
  kb.counters.set(Field::protection_key, 7);
  rows.push_back(kb);
  snap::Region odd = mapping(0x5000, 0x9000);  // a value in bytes: two words a value
  odd.counters.set(Field::size, 16 * K);
  odd.counters.set(Field::rss, 4 * K + 3);
  odd.counters.set(Field::thp_eligible, 1);
  rows.push_back(odd);
  snap::Region huge = mapping(0x9000, 0xd000);  // 2^32 kB and above: does not fit one word
  huge.counters.set(Field::size, 16 * K);
  huge.counters.set(Field::swap, (std::uint64_t{1} << 42) + 4 * K);
  huge.counters.set(Field::locked, ~std::uint64_t{0});
  rows.push_back(huge);

  const snap::RegionStore store(rows);
  REQUIRE(store.size() == 3);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(i);
    CHECK(store[i].counters == rows[i].counters);
    CHECK(store.known_mask(i) == rows[i].counters.known_mask());
    for (std::size_t f = 0; f < snap::kFieldCount; ++f)
      CHECK(store.counter(i, static_cast<Field>(f)) == rows[i].counters.value_or_zero(static_cast<Field>(f)));
  }
  CHECK(store.known(0, Field::swap));
  CHECK_FALSE(store.known(0, Field::pss));
  CHECK((store.nonzero_mask(0) >> static_cast<unsigned>(Field::swap) & 1u) == 0);
  CHECK(store.counter(0, Field::protection_key) == 7);
  CHECK(store.counter(1, Field::rss) == 4 * K + 3);
  CHECK(store.counter(2, Field::locked) == ~std::uint64_t{0});

  snap::Counters sum;
  for (std::size_t i = 0; i < store.size(); ++i) store.add_counters(i, sum);
  snap::Counters expected;
  for (const snap::Region& r : rows) expected += r.counters;
  CHECK(sum == expected);
}

TEST_CASE("Sides: narrow and wide blocks, sides that know different counters, absent sides") {
  auto side = [](std::uint32_t regions, std::vector<std::pair<Field, std::uint64_t>> values) {
    snap::BlockSide s;
    s.regions = regions;
    for (const auto& v : values) s.counters.set(v.first, v.second);
    return s;
  };
  using Present = std::vector<std::pair<std::uint32_t, snap::BlockSide>>;
  const Present narrow = {{0, side(1, {{Field::size, 8 * K}, {Field::rss, 0}, {Field::thp_eligible, 1}})},
                          {2, side(3, {{Field::size, 8 * K}, {Field::rss, 4 * K}, {Field::thp_eligible, 0}})}};
  const Present wide = {{1, side(2, {{Field::size, 8 * K}, {Field::rss, 5}})},
                        {3, side(1, {{Field::size, std::uint64_t{1} << 45}, {Field::swap, 4 * K}})}};
  snap::SidesPool pool;
  for (const Present* present : {&narrow, &wide}) {
    const snap::Sides pooled(4, *present, pool);
    const snap::Sides own(4, *present);
    for (const snap::Sides* sides : {&pooled, &own}) {
      REQUIRE(sides->size() == 4);
      REQUIRE(sides->present_count() == 2);
      std::size_t k = 0;
      for (std::uint32_t n = 0; n < 4; ++n) {
        CAPTURE(n);
        const snap::BlockSide got = (*sides)[n];
        if (k < present->size() && (*present)[k].first == n) {
          CHECK(got.regions == (*present)[k].second.regions);
          CHECK(got.counters == (*present)[k].second.counters);
          CHECK(sides->present_snapshot(k) == n);
          CHECK(sides->present(n));
          CHECK(sides->regions(n) == (*present)[k].second.regions);
          ++k;
        } else {
          CHECK_FALSE(got.present());
          CHECK(got.counters.empty());
          CHECK_FALSE(sides->present(n));
          CHECK(sides->regions(n) == 0);
        }
        // One field read alone is the whole side's field.
        for (std::size_t f = 0; f < snap::kFieldCount; ++f)
          CHECK(sides->value(n, static_cast<Field>(f)) == got.counters.value_or_zero(static_cast<Field>(f)));
      }
      std::vector<double> y;
      sides->values(Field::size, y);
      REQUIRE(y.size() == 4);
      for (std::uint32_t n = 0; n < 4; ++n) CHECK(y[n] == static_cast<double>((*sides)[n].counters.value_or_zero(Field::size)));
    }
  }
  // A known 0 reads as known, and as 0.
  const snap::Sides s(4, narrow);
  CHECK(s[0].counters.known(Field::rss));
  CHECK(s[0].counters.value_or_zero(Field::rss) == 0);
  CHECK(s[2].counters.value_or_zero(Field::thp_eligible) == 0);
  CHECK(s[0].counters.value_or_zero(Field::thp_eligible) == 1);
}

TEST_CASE("Sides: equal values in a row are stored once, and read back for every side") {
  auto side = [](std::uint32_t first, std::uint64_t rss) {
    snap::BlockSide s;
    s.regions = 1;
    s.first = first;
    s.counters.set(Field::size, 64 * K);
    s.counters.set(Field::rss, rss);
    return s;
  };
  using Present = std::vector<std::pair<std::uint32_t, snap::BlockSide>>;
  // Unchanged in 0-2, grown in 3, absent in 4, back as in 3 in 5 and 6.
  const Present present = {{0, side(4, 8 * K)},  {1, side(4, 8 * K)},  {2, side(5, 8 * K)},
                           {3, side(5, 12 * K)}, {5, side(6, 12 * K)}, {6, side(6, 12 * K)}};
  const snap::Sides s(7, present);
  const snap::Sides all_different(7, Present{{0, side(4, 4 * K)}, {1, side(4, 8 * K)}, {2, side(5, 12 * K)},
                                             {3, side(5, 16 * K)}, {5, side(6, 20 * K)}, {6, side(6, 24 * K)}});
  // 6 headers of 4 words, 2 runs of 2 values, against 6 runs.
  CHECK(s.footprint() == (6 * 4 + 2 * 2) * 4);
  CHECK(all_different.footprint() == (6 * 4 + 6 * 2) * 4);
  std::size_t k = 0;
  for (std::uint32_t n = 0; n < 7; ++n) {
    CAPTURE(n);
    if (n == 4) {
      CHECK_FALSE(s[n].present());
      CHECK(s.value(n, Field::rss) == 0);
      continue;
    }
    CHECK(s[n].counters == present[k].second.counters);
    CHECK(s[n].first == present[k].second.first);
    CHECK(s.value(n, Field::rss) == present[k].second.counters.value_or_zero(Field::rss));
    ++k;
  }
  std::vector<double> y;
  s.values(Field::rss, y);
  CHECK(y == std::vector<double>{8 * K, 8 * K, 8 * K, 12 * K, 0, 12 * K, 12 * K});
}
