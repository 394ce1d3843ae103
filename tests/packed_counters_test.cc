// RegionStore and Sides keep only a mapping's non-zero counters, as 32-bit
// words in kB, and fall back to two words a value where one does not fit.
// Every kind of value must read back exactly as it went in, and a known 0
// must still read as known. RegionStore's rows keep an offset, an inode and
// a device only where they are neither absent nor 0, and a snapshot's
// known masks once each: absent, 0, 2^32 and more, devices past the
// kernel's 12 + 20 bits and a store of more distinct masks than its table
// holds must all read back as given. A row's range is 32 bits of size
// where that suffices: sizes past them, ends near 2^64 and ranges not
// aligned to pages must read back exactly too. Accessible is stored only
// where it is not the row's size: equal, different, 0, unknown or wide, it
// reads back as given, and where it is the size it costs no word.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "snap/region_store.h"
#include "snap/sides.h"
#include "testdata.h"

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

namespace {

/// 6 x 6 x 9 rows: every offset with every inode and every device, each
/// absent, 0, one word, two; perms, names, VmFlags, extras and lines that
/// vary; and as many known masks as rows (more than 255), with values 0,
/// whole kB, odd bytes and past 2^42.
std::vector<snap::Region> every_kind_of_row() {
  using Opt = std::optional<std::uint64_t>;
  const Opt offsets[] = {std::nullopt, 0, 0x1000, 0xffffffff, std::uint64_t{1} << 32, ~std::uint64_t{0}};
  const Opt inodes[] = {std::nullopt, 0, 317697, 0xfffffffe, (std::uint64_t{1} << 40) + 5, ~std::uint64_t{0} - 1};
  const std::optional<snap::Device> devices[] = {
      std::nullopt,           snap::Device{0, 0},         snap::Device{0xfe, 0},     snap::Device{8, 1},
      snap::Device{0xfff, 0xfffff}, snap::Device{0x1000, 0}, snap::Device{0, 0x100000}, snap::Device{~0u, ~0u},
      snap::Device{0, 7}};
  const std::string names[] = {"", "/usr/lib/libc.so.6", "[heap]", "/tmp/a b (deleted)", "[anon:java]"};
  const std::string flags[] = {"rd wr mr mw me ac", "rd ex mr mw me", "mr mw me nh"};
  std::vector<snap::Region> rows;
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (const Opt& offset : offsets)
    for (const Opt& inode : inodes)
      for (const auto& device : devices) {
        const std::size_t i = rows.size();
        snap::Region r;
        r.start = 0x10000 + i * 0x10000;
        r.end = r.start + 0x1000 * (1 + i % 4);
        r.perms = snap::Perms{(i & 1) != 0, (i & 2) != 0, (i & 4) != 0, (i & 8) != 0};
        r.offset = offset;
        r.inode = inode;
        r.device = device;
        r.name = names[(i / 3) % 5];
        if (i % 4 != 3) r.vm_flags = flags[(i / 2) % 3];
        if (i % 7 == 0) r.extra.push_back({"Newer_Key", i * 1024, ""});
        if (i % 11 == 0) r.extra.push_back({"Odd", std::nullopt, "yes \x01"});
        r.line = i == 5 ? 0xffffffffu : static_cast<std::uint32_t>(1 + 25 * i);
        const std::uint32_t known = next() >> 1;  // 31 bits: one per field
        for (std::uint32_t m = known; m != 0; m &= m - 1) {
          const auto f = static_cast<Field>(std::countr_zero(m));
          const std::uint32_t pick = next() >> 24;
          std::uint64_t v = 0;
          if (pick % 8 >= 3) v = K * (pick + 1);                        // whole kB
          if (pick % 8 == 1 && i % 3 == 0) v = K * pick + 3;            // bytes
          if (pick % 8 == 2 && i % 5 == 0) v = (std::uint64_t{1} << 42) + pick;  // 2^32 kB and more
          r.counters.set(f, v);
        }
        rows.push_back(r);
      }
  return rows;
}

/// `store` holds `rows`, whole and by column.
void check_rows(const snap::RegionStore& store, const std::vector<snap::Region>& rows) {
  REQUIRE(store.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(i);
    const snap::Region& r = rows[i];
    const snap::Region got = store[i];
    CHECK(got.offset == r.offset);
    CHECK(got.inode == r.inode);
    CHECK(got.device == r.device);
    CHECK(got.vm_flags == r.vm_flags);
    CHECK(got.extra == r.extra);
    CHECK(got.counters == r.counters);
    CHECK(got == r);
    CHECK(store.at(i) == r);
    CHECK(store.start(i) == r.start);
    CHECK(store.end(i) == r.end);
    CHECK(store.bytes(i) == r.size());
    CHECK(store.perms(i) == r.perms);
    CHECK(store.name(i) == r.name);
    CHECK(store.line(i) == r.line);
    CHECK(store.known_mask(i) == r.counters.known_mask());
    std::uint32_t nonzero = 0;
    for (std::size_t f = 0; f < snap::kFieldCount; ++f) {
      const auto field = static_cast<Field>(f);
      CHECK(store.known(i, field) == r.counters.known(field));
      CHECK(store.counter(i, field) == r.counters.value_or_zero(field));
      if (r.counters.known(field) && r.counters.value_or_zero(field) != 0) nonzero |= 1u << f;
    }
    CHECK(store.nonzero_mask(i) == nonzero);
    CHECK(store.counters(i) == r.counters);
    CHECK(store.anonymous(i) == r.anonymous());
    CHECK(store.basename(i) == r.basename());
  }
  CHECK(store.to_vector() == rows);
  CHECK(std::equal(store.begin(), store.end(), rows.begin(), rows.end()));
  CHECK_THROWS_AS(store.at(rows.size()), std::out_of_range);
  // Summed row by row into one total and into a total per row.
  snap::Counters sum, expected;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    store.add_counters(i, sum);
    expected += rows[i].counters;
    snap::Counters one;
    store.add_counters(i, one);
    CHECK(one == rows[i].counters);
  }
  CHECK(sum == expected);
}

/// `rows` stored from a vector and row by row (push_back), each read back.
void check_vector_and_rows(const std::vector<snap::Region>& rows) {
  SUBCASE("from a vector") {
    check_rows(snap::RegionStore(rows), rows);
  }
  SUBCASE("row by row") {
    snap::RegionStore store;
    for (const snap::Region& r : rows) store.push_back(r);
    check_rows(store, rows);
  }
}

}  // namespace

TEST_CASE("RegionStore: offsets, inodes and devices absent, 0 or wide, odd devices, VmFlags, extras, 300 known masks") {
  const std::vector<snap::Region> rows = every_kind_of_row();
  std::set<std::uint32_t> masks;
  for (const snap::Region& r : rows) masks.insert(r.counters.known_mask());
  REQUIRE(masks.size() > 255);  // past the store's table of masks
  // Present with 0 is not absent.
  REQUIRE_FALSE(rows[0].offset.has_value());
  REQUIRE(rows[9 * 6].offset == std::optional<std::uint64_t>(0));
  REQUIRE(rows[1].device == snap::Device{0, 0});

  SUBCASE("from a vector") { check_rows(snap::RegionStore(rows), rows); }
  SUBCASE("row by row") {
    snap::RegionStore store;
    for (const snap::Region& r : rows) store.push_back(r);
    check_rows(store, rows);
    CHECK(store == snap::RegionStore(rows));
    snap::RegionStore other(rows);
    other.push_back(rows[1]);
    CHECK_FALSE(store == other);
  }
  SUBCASE("as the parsers build it, each row given Accessible") {
    snap::RegionStore::Builder builder;
    builder.reserve(16);  // fewer than the rows: the values outgrow what the first row reserves
    std::vector<snap::Region> expected = rows;
    for (snap::Region& r : expected) {
      builder.add() = r;
      r.counters.set(Field::accessible, r.perms.none() ? 0 : r.size());
    }
    check_rows(builder.finish(), expected);
  }
  SUBCASE("one mask past the table's 255, then the first again") {
    std::vector<snap::Region> few(rows.begin(), rows.begin() + 300);
    few.push_back(rows[0]);
    few.push_back(rows[299]);
    check_rows(snap::RegionStore(few), few);
  }
}

TEST_CASE("RegionStore: sizes of 4 GiB and more, ends near 2^64, ranges to the byte, read back exactly") {
  const std::uint64_t G = std::uint64_t{1} << 30, top = ~std::uint64_t{0};
  const std::pair<std::uint64_t, std::uint64_t> ranges[] = {
      {0x7f0000000000, 0x7f0000000000 + 31 * G},      // a JVM's heap reservation
      {0x10000, 0x10000 + 4 * G},                     // one past what 32 bits hold
      {0x20000, 0x20000 + 4 * G - 1},                 // the most they hold
      {0, std::uint64_t{1} << 47},                    // 128 TiB
      {0x1000, top - 5},                              // an end near 2^64
      {top - 0xfff, top},                             // a page at the top, start's high half all ones
      {0x1003, 0x1007},                               // four bytes, not page-aligned
      {0x12345, 0x12345},                             // empty
      {0x9000, 0x5000},                               // end before start (built by hand)
      {top, 0},                                       // ... by one, across 2^64
      {0x1234567890ab, 0x1234567890ab + 0xabcdef01},  // odd start and size
  };
  std::vector<snap::Region> rows;
  for (const auto& [start, end] : ranges) {
    const std::size_t i = rows.size();
    snap::Region r = mapping(start, end);
    // Around the end's words: VmFlags, a wide counter, an offset, none.
    if (i % 2 == 0) r.vm_flags = "rd wr mr mw me ac";
    if (i % 3 == 0) r.counters.set(Field::rss, 4 * K + 1);
    if (i % 3 == 1) r.counters.set(Field::rss, 8 * K);
    if (i % 4 == 0) r.offset = std::uint64_t{1} << 40, r.device = snap::Device{8, 1};
    r.line = static_cast<std::uint32_t>(i + 1);
    rows.push_back(r);
  }
  check_vector_and_rows(rows);
}

TEST_CASE("RegionStore: more distinct counter combinations than its table of 65,536 holds") {
  // Row i knows the fields of i's bits and has 0 in the first of them when
  // i % 3 == 0: 70,000 distinct pairs of known and non-zero masks. Some
  // rows past the table are wide in size or in value, or have VmFlags, so
  // that the words ahead of their counters are read from every position.
  std::vector<snap::Region> rows;
  rows.reserve(70'102);
  for (std::uint32_t i = 1; i <= 70'000; ++i) {
    snap::Region r = mapping(std::uint64_t{i} << 16, (std::uint64_t{i} << 16) + 0x1000);
    for (std::uint32_t m = i; m != 0; m &= m - 1)
      r.counters.set(static_cast<Field>(std::countr_zero(m)), K * (m & 7));
    if (i % 3 == 0) r.counters.set(static_cast<Field>(std::countr_zero(i)), 0);
    if (i % 5 == 0) r.end = r.start + (std::uint64_t{5} << 30);
    if (i % 7 == 0) r.counters.set(Field::swap, 3);
    if (i % 11 == 0) r.vm_flags = "rd mr mw me";
    rows.push_back(r);
  }
  // The last rows again, with combinations seen before.
  const std::vector<snap::Region> last(rows.end() - 100, rows.end());
  rows.insert(rows.end(), last.begin(), last.end());
  std::set<std::pair<std::uint32_t, std::uint32_t>> combos;
  for (const snap::Region& r : rows) {
    std::uint32_t nonzero = 0;
    for (std::uint32_t m = r.counters.known_mask(); m != 0; m &= m - 1)
      if (r.counters.value_or_zero(static_cast<Field>(std::countr_zero(m))) != 0)
        nonzero |= 1u << std::countr_zero(m);
    combos.emplace(r.counters.known_mask(), nonzero);
  }
  REQUIRE(combos.size() > 65'536);

  // By plain comparisons, counted: 70,000 rows' worth of CHECKs is slow.
  auto wrong_rows = [&](const snap::RegionStore& store) {
    std::size_t wrong = 0, first = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const snap::Region& r = rows[i];
      bool ok = store[i] == r && store.start(i) == r.start && store.end(i) == r.end &&
                store.bytes(i) == r.size() && store.known_mask(i) == r.counters.known_mask() &&
                store.counters(i) == r.counters;
      for (std::size_t f = 0; f < snap::kFieldCount; ++f)
        ok = ok && store.counter(i, static_cast<Field>(f)) == r.counters.value_or_zero(static_cast<Field>(f));
      if (!ok && wrong++ == 0) first = i;
    }
    CAPTURE(first);
    CHECK(wrong == 0);
    return wrong;
  };
  SUBCASE("row by row") {
    snap::RegionStore store;
    for (const snap::Region& r : rows) store.push_back(r);
    CHECK(store.size() == rows.size());
    wrong_rows(store);
  }
  SUBCASE("from a vector, then rows pushed after") {
    snap::RegionStore store(rows);
    store.push_back(rows[0]);
    store.push_back(rows[69'999]);
    rows.push_back(rows[0]);
    rows.push_back(rows[69'999]);
    wrong_rows(store);
  }
}

TEST_CASE("RegionStore: a mapping with no counters and no names costs its row, 28 bytes") {
  auto store_of = [](std::size_t n) {
    std::vector<snap::Region> rows;
    for (std::size_t i = 0; i < n; ++i) rows.push_back(mapping(0x1000 * i, 0x1000 * i + 0x1000));
    return snap::RegionStore(rows);
  };
  CHECK(store_of(2000).footprint() - store_of(1000).footprint() == 1000 * 28);
}

namespace {

/// Rows around Accessible, which a row stores only where it is not its
/// size: equal to the size, 0 and PROT_NONE, different, unknown, PROT_NONE
/// but not 0 (by hand: wrong), each also wide in value or in size, and with
/// an offset, an inode, a device and VmFlags after the counters, whose
/// place moves with the counters' words.
std::vector<snap::Region> accessible_rows() {
  const snap::Perms rw{true, true, false, false}, none{false, false, false, true},
      ro{true, false, false, true};
  const std::uint64_t G = std::uint64_t{1} << 30;
  std::vector<snap::Region> rows;
  auto row = [&](std::uint64_t bytes, snap::Perms perms, std::optional<std::uint64_t> accessible) {
    const std::uint64_t start = rows.empty() ? 0x10000 : (rows.back().end + 0xffff) / 0x10000 * 0x10000;
    snap::Region r = mapping(start, start + bytes);
    r.perms = perms;
    r.counters.set(Field::size, bytes);
    r.counters.set(Field::rss, bytes / 2 / K * K);
    r.counters.set(Field::dirty, 0);
    if (accessible) r.counters.set(Field::accessible, *accessible);
    r.line = static_cast<std::uint32_t>(rows.size() + 3);
    rows.push_back(r);
    return &rows.back();
  };
  row(64 * K, rw, 64 * K);                                            // the size: not stored
  row(64 * K, none, 0);                                               // PROT_NONE: 0, not stored either
  row(64 * K, rw, 60 * K);                                            // known, not the size
  row(64 * K, rw, std::nullopt);                                      // unknown
  row(64 * K, none, 8 * K);                                           // PROT_NONE yet not 0
  row(64 * K, none, 64 * K);                                          // PROT_NONE yet the size
  row(64 * K, ro, 64 * K)->counters.set(Field::swap, 4 * K + 1);      // a value in bytes: all wide
  row(64 * K, rw, 64 * K + 3)->counters.set(Field::swap, 4 * K + 1);  // ... and Accessible not the size
  row(8 * G, rw, 8 * G);                                              // a size past 32 bits
  row(8 * G, rw, 8 * G - 4 * K);
  row(std::uint64_t{1} << 46, rw, std::uint64_t{1} << 46);  // 2^36 kB: Size is wide
  row(0x1003, rw, 0x1003);                                // the size to the byte: so are Size and Accessible
  row(0x1003, rw, 0x1003)->counters.forget(Field::size);  // ... and only Accessible
  row(0x1003, rw, 0x1000);
  row(0, rw, 0);  // empty: 0 is its size, and no word
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i % 2 == 0)
      rows[i].offset = 0x1000 * i, rows[i].inode = 4242 + i, rows[i].device = snap::Device{8, 1};
    if (i % 3 != 1) rows[i].vm_flags = "rd wr mr mw me ac";
    if (i % 4 == 0) rows[i].name = "/usr/lib/libc.so.6";
  }
  return rows;
}

}  // namespace

TEST_CASE("RegionStore: Accessible equal to the size or not, 0, unknown, wide, reads back as given") {
  const std::vector<snap::Region> rows = accessible_rows();
  check_vector_and_rows(rows);
  SUBCASE("through the builder, which gives each row its Accessible") {
    std::vector<snap::Region> given = rows, expected = rows;
    for (snap::Region& r : given) r.counters.forget(Field::accessible);
    for (snap::Region& r : expected) r.counters.set(Field::accessible, r.perms.none() ? 0 : r.size());
    snap::RegionStore::Builder builder;
    for (const snap::Region& r : given) builder.add() = r;
    const snap::RegionStore built = builder.finish();
    check_rows(built, expected);
    // The same rows with Accessible set by hand: the same store.
    const snap::RegionStore by_hand(expected);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CAPTURE(i);
      CHECK(built[i] == by_hand[i]);
      CHECK(built.counter(i, Field::accessible) == by_hand.counter(i, Field::accessible));
      CHECK(built.nonzero_mask(i) == by_hand.nonzero_mask(i));
    }
    CHECK(built == by_hand);
    CHECK_FALSE(built == snap::RegionStore(rows));  // rows 2, 3, 4, ... differ in Accessible
  }
  CHECK(rows[5].perms.none());
  CHECK(rows[5].counters.value_or_zero(Field::accessible) == rows[5].size());
}

TEST_CASE("RegionStore: Accessible equal to the size costs no word") {
  // n rows of Size and Rss, Accessible as given.
  auto store_of = [](std::size_t n, std::optional<std::uint64_t> accessible, snap::Perms perms) {
    std::vector<snap::Region> rows;
    for (std::size_t i = 0; i < n; ++i) {
      snap::Region r = mapping(0x10000 * i, 0x10000 * i + 64 * K);
      r.perms = perms;
      r.counters.set(Field::size, 64 * K);
      r.counters.set(Field::rss, 8 * K);
      if (accessible) r.counters.set(Field::accessible, *accessible);
      rows.push_back(r);
    }
    return snap::RegionStore(rows);
  };
  const snap::Perms rw{true, true, false, false}, none{};
  const std::size_t size = store_of(1000, 64 * K, rw).footprint();
  CHECK(store_of(1000, 60 * K, rw).footprint() - size == 1000 * 4);
  CHECK(store_of(1000, std::nullopt, rw).footprint() == size);
  CHECK(store_of(1000, 0, none).footprint() == size);
  CHECK(store_of(1000, 64 * K, none).footprint() == size);
  CHECK(store_of(1000, 8 * K, none).footprint() - size == 1000 * 4);
}

TEST_CASE("RegionStore: real captures read the same by row and by column, and rebuilt from their Regions") {
  for (const char* rel : {"c-malloc-leak/smaps.01", "c-malloc-leak/pmap-x.01", "c-malloc-leak/pmap-XX.01",
                          "c-malloc-leak/maps.01", "c-malloc-leak/pmap.01"}) {
    CAPTURE(rel);
    const snap::Snapshot s = snap::test::load(rel);
    REQUIRE(!s.regions.empty());
    const std::vector<snap::Region> rows = s.regions.to_vector();
    check_rows(s.regions, rows);
    check_rows(snap::RegionStore(rows), rows);
  }
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
  // The layout's index, 6 headers of 4 16-bit fields, 2 runs of 2 values,
  // against 6 runs.
  CHECK(s.footprint() == (1 + 6 * 4 / 2 + 2 * 2) * 4);
  CHECK(all_different.footprint() == (1 + 6 * 4 / 2 + 6 * 2) * 4);
  // The same sides where a region index needs more than 16 bits: headers
  // of whole words.
  const Present far = [&] {
    Present p = present;
    for (auto& e : p) e.second.first += 70000;
    return p;
  }();
  const snap::Sides f(7, far);
  CHECK(f.footprint() == (1 + 6 * 4 + 2 * 2) * 4);
  for (const auto* pair : {&present, &far}) {
    const snap::Sides& sides = pair == &present ? s : f;
    std::size_t k = 0;
    for (std::uint32_t n = 0; n < 7; ++n) {
      CAPTURE(n);
      if (n == 4) {
        CHECK_FALSE(sides[n].present());
        CHECK(sides.value(n, Field::rss) == 0);
        continue;
      }
      CHECK(sides[n].counters == (*pair)[k].second.counters);
      CHECK(sides[n].first == (*pair)[k].second.first);
      CHECK(sides.rows(n).first == (*pair)[k].second.first);
      CHECK(sides.value(n, Field::rss) == (*pair)[k].second.counters.value_or_zero(Field::rss));
      ++k;
    }
    std::vector<double> y;
    sides.values(Field::rss, y);
    CHECK(y == std::vector<double>{8 * K, 8 * K, 8 * K, 12 * K, 0, 12 * K, 12 * K});
  }
}

TEST_CASE("RegionStore::first_from: the first row starting at or after an address, across the 4 GiB line") {
  snap::RegionStore store;
  CHECK(store.first_from(0) == 0);
  // Starts below and above 2^32: the row keeps the high half apart.
  for (std::uint64_t start : {0x1000ULL, 0x3000ULL, 0xfffff000ULL, 0x7f0000000000ULL})
    store.push_back(mapping(start, start + 0x1000));
  CHECK(store.first_from(0) == 0);
  CHECK(store.first_from(0x1000) == 0);
  CHECK(store.first_from(0x1001) == 1);
  CHECK(store.first_from(0x3000) == 1);
  CHECK(store.first_from(0x4000) == 2);
  CHECK(store.first_from(0x100000000ULL) == 3);
  CHECK(store.first_from(0x7f0000000000ULL) == 3);
  CHECK(store.first_from(0x7f0000000001ULL) == 4);
  CHECK(store.first_from(~0ULL) == 4);
}
