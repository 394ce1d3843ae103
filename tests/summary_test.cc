// summarize() and its emitters on the real captures. The expected totals are
// summed here from the files themselves, line by line, as
// `grep '^Pss:' smaps | awk '{s += $2} END {print s}'` would: never by the
// library that is under test.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "snap/error.h"
#include "snap/emit/summary.h"
#include "snap/summary.h"
#include "testdata.h"

using snap::Field;
using snap::Measure;
using snap::test::KiB;

namespace {

/// What awk sees in a smaps or smaps_rollup file: every "Key: N kB" line
/// summed by key (in KiB), and the number of mapping header lines.
struct FileSums {
  std::map<std::string, std::uint64_t> kib;
  std::size_t mappings = 0;
  std::uint64_t operator[](const std::string& key) const {
    auto it = kib.find(key);
    REQUIRE_MESSAGE(it != kib.end(), "no " << key << " line");
    return it->second;
  }
};

FileSums sum_smaps_file(const std::string& rel) {
  std::ifstream in(snap::test::path(rel));
  REQUIRE(in);
  FileSums sums;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string first, number, unit;
    words >> first;
    if (first.empty()) continue;
    if (first.back() != ':') {  // "7f47d8000000-7f47dbd0a000 rw-p ..."
      sums.mappings++;
      continue;
    }
    words >> number >> unit;
    if (unit != "kB") continue;  // THPeligible, VmFlags
    sums.kib[first.substr(0, first.size() - 1)] += std::stoull(number);
  }
  return sums;
}

/// pmap -x's last line: "total kB  160444   17408   15880" (Size, Rss, Dirty).
struct Footer {
  std::uint64_t size = 0, rss = 0, dirty = 0;
};

Footer pmap_x_footer(const std::string& rel) {
  std::ifstream in(snap::test::path(rel));
  REQUIRE(in);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  std::istringstream words(last);
  std::string total, kb;
  Footer f;
  words >> total >> kb >> f.size >> f.rss >> f.dirty;
  REQUIRE(total == "total");
  return f;
}

std::uint64_t total(const snap::Summary& s, Measure m) {
  auto v = m.get(s.totals);
  REQUIRE_MESSAGE(v.has_value(), m.label() << " unknown");
  return *v;
}

/// The totals of a smaps summary equal the file's own sums.
void check_against_file(const std::string& rel) {
  const FileSums f = sum_smaps_file(rel);
  const snap::Summary s = snap::summarize(snap::test::load(rel));
  CHECK(s.has_ranges);
  CHECK(s.mappings == f.mappings);
  CHECK(total(s, Measure::of(Field::size)) == f["Size"] * KiB);
  CHECK(total(s, Measure::of(Field::rss)) == f["Rss"] * KiB);
  CHECK(total(s, Measure::of(Field::pss)) == f["Pss"] * KiB);
  CHECK(total(s, Measure::uss()) == (f["Private_Clean"] + f["Private_Dirty"]) * KiB);
  CHECK(total(s, Measure::of(Field::swap)) == f["Swap"] * KiB);
  CHECK(total(s, Measure::of(Field::swap_pss)) == f["SwapPss"] * KiB);
  CHECK(total(s, Measure::of(Field::dirty)) == (f["Shared_Dirty"] + f["Private_Dirty"]) * KiB);
  CHECK(total(s, Measure::of(Field::anonymous)) == f["Anonymous"] * KiB);
}

/// Every category's totals add up to the snapshot's, measure by measure; a
/// total that is unknown is unknown in every category too.
void check_breakdown_sums(const snap::Summary& s) {
  std::size_t mappings = 0;
  for (const auto& c : s.categories) {
    CHECK(c.mappings > 0);
    mappings += c.mappings;
  }
  CHECK(mappings == s.mappings);
  for (Measure m : s.measures()) {
    CAPTURE(m.label());
    if (!s.knows(m)) {
      for (const auto& c : s.categories) CHECK(!m.get(c.totals).has_value());
      for (const auto& r : s.top) CHECK(!m.get(r.counters).has_value());
      continue;
    }
    std::uint64_t sum = 0;
    for (const auto& c : s.categories) {
      REQUIRE(m.get(c.totals).has_value());
      sum += *m.get(c.totals);
    }
    CHECK(sum == total(s, m));
  }
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("c-malloc-leak smaps.01: totals equal the file's own sums") {
  check_against_file("c-malloc-leak/smaps.01");
  auto s = snap::summarize(snap::test::load("c-malloc-leak/smaps.01"));
  // The same numbers as awk printed, written out once.
  CHECK(total(s, Measure::of(Field::rss)) == 3968 * KiB);
  CHECK(total(s, Measure::of(Field::pss)) == 2551 * KiB);
  CHECK(total(s, Measure::uss()) == 2440 * KiB);
}

TEST_CASE("c-malloc-leak smaps.08: totals equal the file's own sums") {
  check_against_file("c-malloc-leak/smaps.08");
  auto s = snap::summarize(snap::test::load("c-malloc-leak/smaps.08"));
  CHECK(total(s, Measure::of(Field::size)) == 160444 * KiB);
  CHECK(total(s, Measure::of(Field::rss)) == 17472 * KiB);
  CHECK(total(s, Measure::of(Field::pss)) == 16053 * KiB);
  CHECK(total(s, Measure::uss()) == 15944 * KiB);
  CHECK(total(s, Measure::of(Field::anonymous)) == 15932 * KiB);
}

TEST_CASE("jvm-inflater-leak smaps.08: totals equal the file's own sums") {
  check_against_file("jvm-inflater-leak/smaps.08");
  auto s = snap::summarize(snap::test::load("jvm-inflater-leak/smaps.08"));
  CHECK(s.mappings == 210);
  CHECK(total(s, Measure::of(Field::size)) == 2644796 * KiB);
  CHECK(total(s, Measure::of(Field::rss)) == 164492 * KiB);
  CHECK(total(s, Measure::of(Field::pss)) == 162705 * KiB);
  CHECK(total(s, Measure::uss()) == (30908 + 131608) * KiB);
  CHECK(total(s, Measure::of(Field::dirty)) == 131608 * KiB);
}

TEST_CASE("idle-sleep smaps.01: totals equal the file's own sums") {
  check_against_file("idle-sleep/smaps.01");
  auto s = snap::summarize(snap::test::load("idle-sleep/smaps.01"));
  // Pss far below Rss: sleep shares libc with everyone.
  CHECK(total(s, Measure::of(Field::rss)) == 1808 * KiB);
  CHECK(total(s, Measure::of(Field::pss)) == 292 * KiB);
  CHECK(total(s, Measure::uss()) == (36 + 108) * KiB);
}

TEST_CASE("more smaps captures: totals equal the file's own sums") {
  for (const char* rel : {"c-malloc-leak/smaps.04", "jvm-inflater-leak/smaps.01", "idle-sleep/smaps.02",
                          "thread-leak/smaps.08", "c-malloc-leak-pmap-d/smaps.04"}) {
    CAPTURE(rel);
    check_against_file(rel);
  }
}

TEST_CASE("pmap -x: Size, Rss and Dirty known and equal to the footer; Pss and USS unknown") {
  for (const char* rel : {"c-malloc-leak/pmap-x.08", "jvm-inflater-leak/pmap-x.08", "idle-sleep/pmap-x.01"}) {
    CAPTURE(rel);
    const Footer f = pmap_x_footer(rel);
    const auto s = snap::summarize(snap::test::load(rel));
    CHECK(total(s, Measure::of(Field::size)) == f.size * KiB);
    CHECK(total(s, Measure::of(Field::rss)) == f.rss * KiB);
    CHECK(total(s, Measure::of(Field::dirty)) == f.dirty * KiB);
    for (Measure m : {Measure::of(Field::pss), Measure::uss(), Measure::of(Field::swap),
                      Measure::of(Field::swap_pss), Measure::of(Field::anonymous)}) {
      CAPTURE(m.label());
      CHECK(!s.knows(m));
      CHECK(!m.get(s.totals).has_value());
    }
    CHECK(s.sort == Measure::of(Field::rss));
    check_breakdown_sums(s);
  }
  auto jvm = snap::summarize(snap::test::load("jvm-inflater-leak/pmap-x.08"));
  CHECK(total(jvm, Measure::of(Field::rss)) == 164492 * KiB);
}

TEST_CASE("smaps_rollup: the file's totals, no Size, no breakdown, no top list") {
  for (const char* rel :
       {"c-malloc-leak/smaps_rollup.08", "jvm-inflater-leak/smaps_rollup.08", "idle-sleep/smaps_rollup.01"}) {
    CAPTURE(rel);
    const FileSums f = sum_smaps_file(rel);
    CHECK(f.mappings == 1);  // the [rollup] header
    const auto s = snap::summarize(snap::test::load(rel), {.sort = std::nullopt, .top = 10});
    CHECK(!s.has_ranges);
    CHECK(s.mappings == 0);
    CHECK(s.categories.empty());
    CHECK(s.top.empty());
    CHECK(!s.knows(Measure::of(Field::size)));
    CHECK(total(s, Measure::of(Field::rss)) == f["Rss"] * KiB);
    CHECK(total(s, Measure::of(Field::pss)) == f["Pss"] * KiB);
    CHECK(total(s, Measure::uss()) == (f["Private_Clean"] + f["Private_Dirty"]) * KiB);
    CHECK(total(s, Measure::of(Field::swap)) == f["Swap"] * KiB);
    CHECK(total(s, Measure::of(Field::swap_pss)) == f["SwapPss"] * KiB);
    CHECK(total(s, Measure::of(Field::anonymous)) == f["Anonymous"] * KiB);
    CHECK(total(s, Measure::of(Field::dirty)) == (f["Shared_Dirty"] + f["Private_Dirty"]) * KiB);
  }
  auto jvm = snap::summarize(snap::test::load("jvm-inflater-leak/smaps_rollup.08"));
  CHECK(total(jvm, Measure::of(Field::rss)) == 164492 * KiB);
  CHECK(total(jvm, Measure::of(Field::pss)) == 162714 * KiB);
  // Nothing is ranked in a rollup, so any counter is accepted.
  CHECK_NOTHROW(snap::summarize(snap::test::load("jvm-inflater-leak/smaps_rollup.08"),
                                {.sort = Measure::of(Field::size)}));
}

TEST_CASE("every format: the category breakdown sums back to the totals") {
  for (const char* rel : {"c-malloc-leak/smaps.08", "jvm-inflater-leak/smaps.08", "idle-sleep/smaps.01",
                          "c-malloc-leak/pmap-x.08", "c-malloc-leak/pmap-x-ext.08", "c-malloc-leak/pmap-XX.08",
                          "c-malloc-leak/pmap.08", "c-malloc-leak/maps.08", "c-malloc-leak-pmap-d/pmap-d.04",
                          "solaris/pmap-x.txt", "solaris/pmap.txt", "thread-leak/smaps.08"}) {
    CAPTURE(rel);
    const auto s = snap::summarize(snap::test::load(rel));
    CHECK(!s.categories.empty());
    check_breakdown_sums(s);
  }
}

TEST_CASE("c-malloc-leak smaps.08: the breakdown names the leaking heap and arenas") {
  const auto s = snap::summarize(snap::test::load("c-malloc-leak/smaps.08"));
  REQUIRE(s.categories.size() >= 2);
  // Ranked by Rss: the [heap] (10504K) first, then the two arenas (2692K + 2628K).
  CHECK(s.categories[0].category == snap::Category::heap);
  CHECK(s.categories[0].mappings == 1);
  CHECK(s.categories[0].totals.get(Field::rss) == 10504 * KiB);
  CHECK(s.categories[1].category == snap::Category::arena);
  CHECK(s.categories[1].mappings == 4);  // two rw-p parts and their ---p reserves
  CHECK(s.categories[1].totals.get(Field::rss) == (2692 + 2628) * KiB);
  CHECK(s.categories[1].totals.get(Field::size) == 2 * 65536 * KiB);
  for (std::size_t i = 1; i < s.categories.size(); ++i)
    CHECK(s.categories[i - 1].totals.value_or_zero(Field::rss) >=
          s.categories[i].totals.value_or_zero(Field::rss));
}

TEST_CASE("top N: ranked by the chosen counter, largest first") {
  const auto snapshot = snap::test::load("jvm-inflater-leak/smaps.08");
  const auto s = snap::summarize(snapshot, {.sort = std::nullopt, .top = 3});
  REQUIRE(s.top.size() == 3);
  CHECK(s.top_limit == 3);
  // The leaking arena holds the most Rss (GROUND_TRUTH.md: 62476K at 08).
  CHECK(s.top[0].start == 0x7f47d8000000);
  CHECK(s.top[0].end == 0x7f47dbd0a000);
  CHECK(s.top[0].perms.str() == "rw-p");
  CHECK(s.top[0].category == snap::Category::arena);
  CHECK(s.top[0].name.empty());
  CHECK(s.top[0].counters.get(Field::rss) == 62476 * KiB);
  CHECK(s.top[1].counters.get(Field::rss) == 17376 * KiB);
  CHECK(s.top[2].counters.get(Field::rss) == 15644 * KiB);

  // By Size, the top is the largest mapping in the file: find it by hand.
  const auto by_size = snap::summarize(snapshot, {.sort = Measure::of(Field::size), .top = 5});
  std::uint64_t largest = 0;
  for (const auto& r : snapshot.regions) largest = std::max(largest, r.end - r.start);
  REQUIRE(by_size.top.size() == 5);
  CHECK(by_size.top[0].end - by_size.top[0].start == largest);
  for (std::size_t i = 1; i < by_size.top.size(); ++i)
    CHECK(by_size.top[i - 1].end - by_size.top[i - 1].start >= by_size.top[i].end - by_size.top[i].start);

  // USS: libjvm's text is shared with no one here, so it ranks like its Rss.
  const auto by_uss = snap::summarize(snapshot, {.sort = Measure::uss(), .top = 210});
  CHECK(by_uss.sort == Measure::uss());
  CHECK(by_uss.top.size() == 210);
  for (std::size_t i = 1; i < by_uss.top.size(); ++i)
    CHECK(*Measure::uss().get(by_uss.top[i - 1].counters) >= *Measure::uss().get(by_uss.top[i].counters));

  CHECK(snap::summarize(snapshot, {.sort = std::nullopt, .top = 0}).top.empty());
  CHECK(snap::summarize(snapshot, {.sort = std::nullopt, .top = 100000}).top.size() == 210);
}

TEST_CASE("top N: ties go to the lower address, in categories to more mappings") {
  // Three 8K mappings and one 4K, out of address order in the file.
  const std::string maps =
      "7000-9000 rw-p 00000000 00:00 0\n"
      "1000-3000 r--p 00000000 08:01 42 /usr/lib/a.so\n"
      "b000-c000 rw-p 00000000 00:00 0\n"
      "4000-6000 r--p 00000000 08:01 43 /usr/lib/b.so\n";
  const auto s = snap::summarize(snap::parse_snapshot(maps, "ties"), {.sort = std::nullopt, .top = 3});
  CHECK(s.sort == Measure::of(Field::size));
  CHECK(s.sort_note == "ranked by Size: maps has no Rss");
  REQUIRE(s.top.size() == 3);
  CHECK(s.top[0].start == 0x1000);
  CHECK(s.top[1].start == 0x4000);
  CHECK(s.top[2].start == 0x7000);
  CHECK(s.top[0].name == "/usr/lib/a.so");
  CHECK(s.top[0].line == 2);
  // file: 2 mappings, 16K; anon: 2 mappings, 12K.
  REQUIRE(s.categories.size() == 2);
  CHECK(s.categories[0].category == snap::Category::file);
  CHECK(s.categories[0].totals.get(Field::size) == 16 * KiB);
  CHECK(s.categories[1].category == snap::Category::anon);
  CHECK(s.categories[1].totals.get(Field::size) == 12 * KiB);

  // Equal totals: the category with more mappings first, though anon comes
  // before file in category order.
  const std::string even =
      "1000-3000 r--p 00000000 08:01 42 /usr/lib/a.so\n"
      "3000-5000 r-xp 00002000 08:01 42 /usr/lib/a.so\n"
      "7000-b000 rw-p 00000000 00:00 0\n";
  const auto e = snap::summarize(snap::parse_snapshot(even, "even"));
  REQUIRE(e.categories.size() == 2);
  CHECK(e.categories[0].category == snap::Category::file);
  CHECK(e.categories[0].mappings == 2);
  CHECK(e.categories[1].category == snap::Category::anon);
  CHECK(e.categories[1].totals.get(Field::size) == 16 * KiB);
}

TEST_CASE("sort counters: names, and a counter the format lacks") {
  CHECK(Measure::from_name("uss") == Measure::uss());
  CHECK(Measure::from_name("USS") == Measure::uss());
  CHECK(Measure::from_name("anon") == Measure::of(Field::anonymous));
  CHECK(Measure::from_name("Private_Dirty") == Measure::of(Field::private_dirty));
  CHECK(Measure::from_name("swap_pss") == Measure::of(Field::swap_pss));
  CHECK(!Measure::from_name("nonsense").has_value());
  CHECK(Measure::uss().label() == "USS");
  CHECK(Measure::of(Field::swap_pss).label() == "SwapPss");

  const auto pmap_x = snap::test::load("c-malloc-leak/pmap-x.08");
  CHECK_THROWS_WITH_AS(snap::summarize(pmap_x, {.sort = Measure::of(Field::pss)}),
                       "cannot sort by pss: " SNAP_TESTDATA "/c-malloc-leak/pmap-x.08 (pmap-x) has no Pss",
                       snap::UsageError);
  CHECK_THROWS_AS(snap::summarize(pmap_x, {.sort = Measure::uss()}), snap::UsageError);
  CHECK_THROWS_AS(snap::summarize(snap::test::load("c-malloc-leak/smaps.08"),
                                  {.sort = Measure::of(Field::kernel_page_size)}),
                  snap::UsageError);
  // A counter outside the eight totals is summed and shown as well.
  auto pd = snap::summarize(snap::test::load("c-malloc-leak/smaps.08"),
                            {.sort = Measure::of(Field::private_dirty)});
  CHECK(pd.measures().back() == Measure::of(Field::private_dirty));
  CHECK(total(pd, Measure::of(Field::private_dirty)) == 15944 * KiB);
}

TEST_CASE("text: the totals as pmap writes them, unknown where unknown") {
  std::string out;
  snap::emit_summary_text(out, snap::summarize(snap::test::load("jvm-inflater-leak/smaps.08")), {});
  auto l = lines(out);
  REQUIRE(l.size() > 12);
  CHECK(l[0] == "snapshot: " SNAP_TESTDATA "/jvm-inflater-leak/smaps.08  (smaps, 210 mappings)");
  CHECK(l[2] == "TOTALS");
  CHECK(l[3] == "Size       2644796K");
  CHECK(l[4] == "Rss         164492K");
  CHECK(l[5] == "Pss         162705K");
  CHECK(l[6] == "USS         162516K");
  CHECK(l[7] == "Swap             0K");
  CHECK(l[8] == "SwapPss          0K");
  CHECK(l[9] == "Dirty       131608K");
  CHECK(l[10] == "Anonymous   131596K");
  CHECK(l[11] == "Mappings        210");
  CHECK(out.find("\n210 mappings in 8 categories, by Rss:\n") != std::string::npos);
  CHECK(
      out.find(
          "\narena               30   983040K  84224K  84224K  84224K    0K       0K  84224K     84224K\n") !=
      std::string::npos);
  CHECK(out.find("\nTop 10 of 210 mappings by Rss:\n") != std::string::npos);
  CHECK(out.find("\n 62504K  62476K  62476K  62476K    0K  62476K  rw-p   arena     "
                 "7f47d8000000-7f47dbd0a000  [anon]\n") != std::string::npos);
  CHECK(out.find("... and 200 more (--top 210 to see them all)") != std::string::npos);
  CHECK(out.find('\x1b') == std::string::npos);

  std::string human;
  snap::emit_summary_text(human, snap::summarize(snap::test::load("jvm-inflater-leak/smaps.08")),
                          {snap::SizeStyle::human, true});
  CHECK(human.find("\nRss        161M\n") != std::string::npos);
  CHECK(human.find("\x1b[1mTOTALS\x1b[0m") != std::string::npos);

  std::string px;
  snap::emit_summary_text(px, snap::summarize(snap::test::load("c-malloc-leak/pmap-x.08")), {});
  CHECK(px.find("\nPss        unknown\n") != std::string::npos);
  CHECK(px.find("\nUSS        unknown\n") != std::string::npos);
  CHECK(px.find("\nRss         17408K\n") != std::string::npos);
  CHECK(px.find("CATEGORY      MAPPINGS     Size     Rss   Dirty\n") != std::string::npos);

  std::string rollup;
  snap::emit_summary_text(rollup, snap::summarize(snap::test::load("c-malloc-leak/smaps_rollup.08")), {});
  CHECK(rollup.find("(smaps_rollup, totals only)") != std::string::npos);
  CHECK(rollup.find("\nSize       unknown\n") != std::string::npos);
  CHECK(rollup.find("\nRss         17792K\n") != std::string::npos);
  CHECK(rollup.find("smaps_rollup holds totals only: no mappings to break down by category or to rank.") !=
        std::string::npos);
  CHECK(rollup.find("CATEGORY") == std::string::npos);
}

TEST_CASE("text: names are printed, not obeyed") {
  const std::string maps = "1000-3000 r--p 00000000 08:01 42 /tmp/evil\x1b[2J\n";
  std::string out;
  snap::emit_summary_text(out, snap::summarize(snap::parse_snapshot(maps, "evil")), {});
  CHECK(out.find("/tmp/evil\\x1b[2J") != std::string::npos);
  CHECK(out.find('\x1b') == std::string::npos);
}

TEST_CASE("JSON: schema snap.show/1, bytes, hex addresses, null for unknown") {
  std::string out;
  snap::emit_summary_json(
      out, snap::summarize(snap::test::load("jvm-inflater-leak/smaps.08"), {.sort = std::nullopt, .top = 2}));
  auto j = nlohmann::json::parse(out);
  CHECK(j["schema"] == "snap.show/1");
  CHECK(j["generator"]["name"] == "snapshow");
  CHECK(j["snapshot"]["format"] == "smaps");
  CHECK(j["snapshot"]["mappings"] == 210);
  CHECK(j["snapshot"]["pid"].is_null());
  CHECK(j["sort"] == "rss");
  CHECK(j["note"].is_null());
  CHECK(j["totals"]["rss"] == 164492 * KiB);
  CHECK(j["totals"]["pss"] == 162705 * KiB);
  CHECK(j["totals"]["uss"] == 162516 * KiB);
  CHECK(j["totals"]["size"] == 2644796ull * KiB);
  CHECK(j["categories"][0]["category"] == "arena");
  CHECK(j["categories"][0]["mappings"] == 30);
  CHECK(j["categories"][0]["totals"]["rss"] == 84224 * KiB);
  REQUIRE(j["top"].size() == 2);
  CHECK(j["top"][0]["start"] == "0x7f47d8000000");
  CHECK(j["top"][0]["end"] == "0x7f47dbd0a000");
  CHECK(j["top"][0]["perms"] == "rw-p");
  CHECK(j["top"][0]["category"] == "arena");
  CHECK(j["top"][0]["counters"]["rss"] == 62476 * KiB);
  CHECK(j["more"] == 208);

  std::string px;
  snap::emit_summary_json(px, snap::summarize(snap::test::load("c-malloc-leak/pmap-x.08")));
  auto p = nlohmann::json::parse(px);
  CHECK(p["snapshot"]["pid"] == 5094);
  CHECK(p["totals"]["rss"] == 17408 * KiB);
  CHECK(p["totals"]["pss"].is_null());
  CHECK(p["totals"]["uss"].is_null());
  CHECK(p["top"][0]["counters"]["pss"].is_null());

  std::string rollup;
  snap::emit_summary_json(rollup, snap::summarize(snap::test::load("c-malloc-leak/smaps_rollup.08")));
  auto r = nlohmann::json::parse(rollup);
  CHECK(r["snapshot"]["has_ranges"] == false);
  CHECK(r["snapshot"]["mappings"].is_null());
  CHECK(r["totals"]["size"].is_null());
  CHECK(r["totals"]["rss"] == 17792 * KiB);
  CHECK(r["categories"].empty());
  CHECK(r["top"].empty());
  CHECK(r["note"].get<std::string>().starts_with("smaps_rollup holds totals only"));
}

TEST_CASE("CSV: one table, total, category and mapping rows, RFC 4180") {
  const std::string maps =
      "1000-3000 r--p 00000000 08:01 42 /usr/lib/a,b \"c\".so\n"
      "7000-8000 rw-p 00000000 00:00 0\n";
  std::string out;
  snap::emit_summary_csv(out, snap::summarize(snap::parse_snapshot(maps, "csv")));
  auto l = lines(out);
  REQUIRE(l.size() == 6);
  CHECK(l[0] ==
        "kind,category,start,end,perms,name,mappings,size,rss,pss,uss,swap,swap_pss,dirty,anonymous\r");
  CHECK(l[1] == "total,,,,,,2,12288,,,,,,,\r");
  CHECK(l[2] == "category,file,,,,,1,8192,,,,,,,\r");
  CHECK(l[3] == "category,anon,,,,,1,4096,,,,,,,\r");
  CHECK(l[4] == "mapping,file,0x1000,0x3000,r--p,\"/usr/lib/a,b \"\"c\"\".so\",1,8192,,,,,,,\r");
  CHECK(l[5] == "mapping,anon,0x7000,0x8000,rw-p,,1,4096,,,,,,,\r");

  std::string jvm;
  snap::emit_summary_csv(jvm, snap::summarize(snap::test::load("jvm-inflater-leak/smaps.08")));
  CHECK(jvm.find("\r\ntotal,,,,,,210,2708271104,168439808,166609920,166416384,0,0,134766592,134754304\r\n") !=
        std::string::npos);
}

TEST_CASE("sums saturate: USS of a mapping near 2^64 does not wrap; a counter beyond its mapping is refused") {
  // Two 2^54 KiB Rss values in 4 kB mappings would wrap every total: no
  // counter may exceed its mapping's size, so the file is refused.
  const std::string pmap_x =
      "6442:   sleep 1000\n"
      "Address           Kbytes     RSS   Dirty Mode  Mapping\n"
      "0000000000001000       4 18014398509481983       0 rw---   [ anon ]\n"
      "0000000000002000       4 18014398509481983       0 rw---   [ anon ]\n"
      "---------------- ------- ------- ------- \n"
      "total kB               8       0       0\n";
  CHECK_THROWS_WITH_AS(snap::parse_snapshot(pmap_x, "huge"),
                       "huge:3: mapping 1000-2000 is 4 kB, but its Rss is 18014398509481983 kB: more than the "
                       "mapping",
                       snap::ParseError);
  // USS = Private_Clean + Private_Dirty, each within a mapping of nearly
  // 2^64 bytes: their sum saturates.
  const std::string smaps =
      "0-fffffffffffff000 rw-p 00000000 00:00 0\n"
      "Size: 18014398509481980 kB\n"
      "Private_Clean: 18014398509481980 kB\n"
      "Private_Dirty: 18014398509481980 kB\n";
  const auto s = snap::summarize(snap::parse_snapshot(smaps, "huge"));
  CHECK(total(s, Measure::uss()) == UINT64_MAX);
  CHECK(total(s, Measure::of(Field::size)) == 0xfffffffffffff000ull);
  REQUIRE(s.categories.size() == 1);
  REQUIRE(s.top.size() == 1);
  CHECK(s.top[0].counters.get(Field::private_dirty) == 18014398509481980ull * KiB);
}
