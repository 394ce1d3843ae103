#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "snap/emit.h"
#include "testdata.h"

namespace {

struct Fixture {
  std::vector<snap::Snapshot> snaps{snap::test::load("c-malloc-leak/smaps.01"),
                                    snap::test::load("c-malloc-leak/smaps.08")};
  snap::DiffReport report = snap::make_report(snaps, {});
};

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(s.substr(start, nl - start));
  return out;
}

}  // namespace

TEST_CASE("c-malloc-leak smaps.01 -> smaps.08: the text table, as a user sees it") {
  Fixture f;
  std::string out;
  snap::emit_text(out, f.report, {});
  auto l = lines(out);
  REQUIRE(l.size() >= 16);
  CHECK(l[3] == "3 blocks grew, by +13504K Rss in total:");
  CHECK(l[4] == "Rss+/-  BEFORE   AFTER      %  STATUS  CATEGORY  RANGE                      NAME");
  CHECK(l[5] == "+8960K   1544K  10504K  +580%  grown   heap      55c69e02f000-55c69ea91000  [heap]");
  CHECK(l[6] == "+2304K    388K   2692K  +594%  grown   arena     7fcd80000000-7fcd84000000  [anon] (2 regions)");
  CHECK(l[7] == "+2240K    388K   2628K  +577%  grown   arena     7fcd78000000-7fcd7c000000  [anon] (2 regions)");
  CHECK(out.find("Rss         3968K   17472K  +13504K") != std::string::npos);
  CHECK(out.find("Mappings       32       32       +0") != std::string::npos);
  CHECK(out.find('\x1b') == std::string::npos);  // no colour unless asked
}

TEST_CASE("text: colour only when asked; human sizes") {
  Fixture f;
  std::string out;
  snap::emit_text(out, f.report, {snap::SizeStyle::human, true});
  CHECK(out.find("\x1b[31m+8.8M\x1b[0m") != std::string::npos);
  CHECK(out.find("\x1b[1m") != std::string::npos);
}

TEST_CASE("text: --top cut says how many more") {
  std::vector<snap::Snapshot> snaps{snap::test::load("c-malloc-leak/smaps.01"),
                                    snap::test::load("c-malloc-leak/smaps.08")};
  snap::DiffOptions o;
  o.top = 1;
  auto r = snap::make_report(snaps, o);
  std::string out;
  snap::emit_text(out, r, {});
  CHECK(out.find("... and 2 more growing blocks (--top 3 to see them)") != std::string::npos);
}

TEST_CASE("JSON: schema snap.diff/1 with exact byte counts and hex addresses") {
  Fixture f;
  std::string out;
  snap::emit_json(out, f.report);
  auto j = nlohmann::json::parse(out);
  CHECK(j["schema"] == "snap.diff/1");
  CHECK(j["sort"] == "rss");
  CHECK(j["growing"] == 3);
  CHECK(j["growth"] == 13504 * 1024);
  REQUIRE(j["blocks"].size() == 3);
  const auto& heap = j["blocks"][0];
  CHECK(heap["start"] == "0x55c69e02f000");
  CHECK(heap["end"] == "0x55c69ea91000");
  CHECK(heap["status"] == "grown");
  CHECK(heap["category"] == "heap");
  CHECK(heap["growing"] == true);
  CHECK(heap["counters"]["rss"]["before"] == 1544 * 1024);
  CHECK(heap["counters"]["rss"]["after"] == 10504 * 1024);
  CHECK(heap["counters"]["rss"]["delta"] == 8960 * 1024);
  CHECK(!heap["counters"].contains("kernel_page_size"));  // not a sum
  CHECK(j["blocks"][1]["members"].size() == 4);  // rw-p + ---p, before and after
  CHECK(j["totals"]["mappings"]["after"] == 32);
  CHECK(j["snapshots"][0]["pid"].is_null());
  // vsyscall's address needs all 64 bits: strings, not JSON numbers.
  CHECK(j["blocks"][0]["start"].is_string());
}

TEST_CASE("JSON: invalid UTF-8 in a name does not abort the report") {
  std::vector<snap::Snapshot> snaps{snap::parse_snapshot("1000-2000 r--p 00000000 08:01 1 /tmp/bad\xff.so\n", "a"),
                                    snap::parse_snapshot("1000-3000 r--p 00000000 08:01 1 /tmp/bad\xff.so\n", "b")};
  auto r = snap::make_report(snaps, {});
  std::string out;
  snap::emit_json(out, r);
  CHECK(nlohmann::json::parse(out).is_object());
}

TEST_CASE("CSV: header, one row per block, RFC 4180 quoting") {
  CHECK(snap::csv_escape("plain") == "plain");
  CHECK(snap::csv_escape("a,b") == "\"a,b\"");
  CHECK(snap::csv_escape("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(snap::csv_escape("two\nlines") == "\"two\nlines\"");

  Fixture f;
  std::string out;
  snap::emit_csv(out, f.report);
  auto l = lines(out);
  REQUIRE(l.size() == 4);
  CHECK(l[0].starts_with("start,end,status,category,name,regions_before,regions_after,size_before,size_after,"
                         "size_delta,rss_before,rss_after,rss_delta,"));
  CHECK(l[1].starts_with("0x55c69e02f000,0x55c69ea91000,grown,heap,[heap],1,1,1712128,10887168,9175040,1581056,"
                         "10756096,9175040,"));
}
