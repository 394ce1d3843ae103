// The HTML report (snap/emit/html.h) of real captures: how many series
// each chart draws, the top finding and its gdb line, names escaped, and
// nothing the page would fetch.
#include <doctest/doctest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "snap/analyze.h"
#include "snap/category.h"
#include "snap/emit/html.h"
#include "snap/series.h"
#include "files.h"
#include "process.h"
#include "testdata.h"

namespace fs = std::filesystem;

namespace {

struct Page {
  snap::Analysis analysis;
  std::string html;
};

Page report(const std::vector<std::string>& inputs, const snap::HtmlOptions& o = {},
            const snap::AnalyzeOptions& a = {}) {
  snap::SeriesOptions so;
  so.inputs = inputs;
  auto series = std::make_shared<const snap::Series>(snap::load_series(so));
  Page p{snap::analyze(series, a), {}};
  if (p.analysis.trend)
    snap::emit_trend_html(p.html, *p.analysis.trend, series->snapshots, o);
  else
    snap::emit_diff_html(p.html, *p.analysis.diff, series->snapshots, o);
  return p;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

std::size_t series_in(const std::string& html, const std::string& chart) {
  return count(html, fmt::format("data-chart=\"{}\"", chart));
}

/// The page loads nothing: no src or href attribute, no CSS url() or
/// @import, no http(s) URL anywhere.
void check_self_contained(const std::string& html) {
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(html.find("http:") == std::string::npos);
  CHECK(html.find("https:") == std::string::npos);
  CHECK(html.starts_with("<!DOCTYPE html>"));
  CHECK(html.ends_with("</html>\n"));
}

/// The categories holding some Rss in any of the snapshots.
std::size_t categories_with_rss(const std::vector<snap::Snapshot>& snaps) {
  std::set<snap::Category> seen;
  for (const snap::Snapshot& s : snaps) {
    const std::vector<snap::Category> cats = snap::classify(s);
    for (std::size_t i = 0; i < s.regions.size(); ++i)
      if (s.regions.counter(i, snap::Field::rss) > 0) seen.insert(cats[i]);
  }
  return seen.size();
}

std::vector<snap::Snapshot> load_all(const std::string& dir, const std::string& family, int n, int width) {
  std::vector<snap::Snapshot> out;
  for (int i = 1; i <= n; ++i) out.push_back(snap::test::load(fmt::format("{}/{}.{:0{}}", dir, family, i, width)));
  return out;
}

}  // namespace

TEST_CASE("two snapshots of c-malloc-leak: three bars, the heap first, its grown part as the gdb line") {
  const Page p = report({snap::test::path("c-malloc-leak/smaps.01"), snap::test::path("c-malloc-leak/smaps.08")});
  const std::string& html = p.html;
  // GROUND_TRUTH.md: [heap] +8960K, the worker arenas +2304K and +2240K.
  CHECK(series_in(html, "growers") == 3);
  CHECK(count(html, "<rect class=\"series\" data-chart=\"growers\"") == 3);
  CHECK(series_in(html, "findings") == 0);  // no lines with two snapshots
  CHECK(html.find("#1 heap 55c69e02f000-55c69ea91000 [heap]") != std::string::npos);
  CHECK(html.find("#2 arena 7fcd80000000-7fcd84000000 [anon]") != std::string::npos);
  CHECK(html.find("+8.8 MiB") != std::string::npos);
  // Two stacked columns of the categories holding Rss before or after.
  const std::vector<snap::Snapshot> both{snap::test::load("c-malloc-leak/smaps.01"),
                                         snap::test::load("c-malloc-leak/smaps.08")};
  const std::size_t cats = categories_with_rss(both);
  CHECK(cats >= 4);
  CHECK(series_in(html, "categories") >= cats);      // a column each, before and after,
  CHECK(series_in(html, "categories") <= 2 * cats);  // where it holds some
  // The heap reached 55c69e1d1000 at 01: the grown part is what is dumped.
  CHECK(html.find("dump memory ./snap-55c69e1d1000-55c69ea91000-heap.bin 0x55c69e1d1000 0x55c69ea91000") !=
        std::string::npos);
  CHECK(count(html, "<tr class=\"finding\">") == 3);
  CHECK(html.find("<th>NMT</th>") == std::string::npos);
  check_self_contained(html);
}

TEST_CASE("two snapshots of mmap-leak: the linked 1028K mmaps are one bar, their blocks rows under it") {
  const Page p = report({snap::test::path("mmap-leak/smaps.01"), snap::test::path("mmap-leak/smaps.08")});
  REQUIRE(p.analysis.diff);
  const snap::DiffReport& r = *p.analysis.diff;
  REQUIRE(r.links.size() == 1);
  REQUIRE(r.links[0].quantum == 1028 * snap::test::KiB);
  CHECK(r.findings == 2);
  CHECK(series_in(p.html, "growers") == 2);
  const std::string link = snap::describe(r.links[0]);
  CHECK(p.html.find("<title>#1 " + link) != std::string::npos);
  CHECK(count(p.html, "<tr class=\"link\">") == 1);
  // Each block of the link has its row and its gdb line, then the other finding.
  CHECK(count(p.html, "<tr class=\"finding\">") == r.links[0].blocks.size() + 1);
  CHECK(count(p.html, "<pre class=\"dump\"") == r.links[0].blocks.size() + 1);
  check_self_contained(p.html);
}

TEST_CASE("a collection (adaptive-grower/hunt): totals without Pss, one finding, wall-clock axis") {
  const Page p = report({snap::test::path("adaptive-grower/hunt")});
  const std::string& html = p.html;
  REQUIRE(p.analysis.trend);
  const snap::TrendReport& t = *p.analysis.trend;
  REQUIRE(t.rows.size() == 1);
  // Rss and Swap: these smaps have no Pss (snapcollect's light reads).
  CHECK(series_in(html, "totals") == 2);
  CHECK(html.find(">Pss<") == std::string::npos);
  CHECK(series_in(html, "mappings") == 1);
  CHECK(series_in(html, "findings") == 1);
  CHECK(series_in(html, "categories") == categories_with_rss(load_all("adaptive-grower/hunt", "smaps", 8, 4)));
  CHECK(html.find("#1 heap 556a96742000-556a97954000 [heap]") != std::string::npos);
  CHECK(html.find("<td class=\"verdict-steady\">steady</td>") != std::string::npos);
  // The wall clock of the first snapshot, from the manifest, labels the axis.
  REQUIRE(t.epoch_ms.size() == 8);
  CHECK(html.find("UTC, from ") != std::string::npos);
  // gdb attaches to the collection's pid and dumps what the heap added
  // since the first snapshot.
  const snap::Snapshot first = snap::test::load("adaptive-grower/hunt/smaps.0001");
  std::uint64_t heap_end = 0;
  for (std::size_t i = 0; i < first.regions.size(); ++i)
    if (first.regions.name(i) == "[heap]") heap_end = first.regions.end(i);
  REQUIRE(heap_end > 0x556a96742000);
  CHECK(html.find(fmt::format("gdb -p 11101 -batch -ex &#39;dump memory ./snap-11101-{0:x}-556a97954000-heap.bin "
                              "0x{0:x} 0x556a97954000&#39;",
                              heap_end)) != std::string::npos);
  check_self_contained(html);
}

TEST_CASE("c-malloc-leak as a series: the findings past --series are one 'other' line") {
  snap::HtmlOptions o;
  o.series = 1;
  const Page p = report({snap::test::path("c-malloc-leak")}, o);
  REQUIRE(p.analysis.trend);
  REQUIRE(p.analysis.trend->rows.size() == 3);
  CHECK(series_in(p.html, "findings") == 2);
  CHECK(p.html.find("#1 heap 55c69e02f000-55c69ea91000 [heap]") != std::string::npos);
  CHECK(p.html.find("other (2 findings)") != std::string::npos);
  CHECK(series_in(p.html, "totals") == 3);  // Rss, Pss, Swap
  // Every finding is still in the table.
  CHECK(count(p.html, "<tr class=\"finding\">") == 3);
  // At most max_points points a series: 8 snapshots drawn through 4.
  o.series = 8;
  o.max_points = 4;
  const Page few = report({snap::test::path("c-malloc-leak")}, o);
  const std::regex path("<path class=\"series\" data-chart=\"totals\" stroke=\"#[0-9a-f]+\" d=\"([^\"]*)\"");
  std::size_t paths = 0;
  for (std::sregex_iterator it(few.html.begin(), few.html.end(), path), end; it != end; ++it) {
    ++paths;
    CHECK(count((*it)[1].str(), "L") == 3);
  }
  CHECK(paths == 3);
}

TEST_CASE("c-malloc-leak with --limit 30M: the projection dashed up to the limit") {
  snap::AnalyzeOptions a;
  a.limit = 30ull << 20;
  const Page p = report({snap::test::path("c-malloc-leak")}, {}, a);
  REQUIRE(p.analysis.trend);
  REQUIRE(p.analysis.trend->projections.size() == 1);
  const snap::Projection& pr = p.analysis.trend->projections.front();
  CHECK(pr.what == "Rss");
  // Rss grows about 1.9 MB/s from 17 MiB: 30 MiB within the window (7 s).
  CHECK(pr.eta < 7.2);
  CHECK(count(p.html, "<path class=\"dash projection\"") == 1);
  CHECK(count(p.html, "<path class=\"dash limit\"") == 1);
  CHECK(p.html.find("reaches --limit (30 MiB) in about 7s") != std::string::npos);
  // The dashes are not series: still Rss, Pss and Swap.
  CHECK(series_in(p.html, "totals") == 3);
  // Without --limit: no projection of Rss, and the mapping count does not grow.
  const Page none = report({snap::test::path("c-malloc-leak")});
  CHECK(none.html.find("class=\"dash") == std::string::npos);
}

TEST_CASE("jvm-inflater-leak: the NMT column, from the NMT files beside the snapshots") {
  const Page p = report({snap::test::path("jvm-inflater-leak")});
  REQUIRE(p.analysis.trend);
  REQUIRE(p.analysis.trend->nmt);
  CHECK(p.html.find("<th>NMT</th>") != std::string::npos);
  // GROUND_TRUTH.md: the zlib leak is the main thread's arena, outside
  // every NMT range.
  CHECK(p.html.find("#1 arena 7f47d8000000-7f47dc000000 [anon]") != std::string::npos);
  CHECK(p.html.find("<td>inside +0 B, outside +33 MiB</td>") != std::string::npos);
  CHECK(p.html.find("NMT: untracked native memory") != std::string::npos);
  check_self_contained(p.html);
}

TEST_CASE("a mapping named <script> with & and quotes is text, in the table, the charts and the hover data") {
  // The real c-malloc-leak captures, the heap renamed (it becomes a file
  // mapping, and still the top grower).
  const std::string evil = R"(/tmp/<script>alert("x&y's")</script>)";
  const fs::path dir = fs::temp_directory_path() / fmt::format("snap_html_test.{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<std::string> files;
  for (const char* n : {"01", "04", "08"}) {
    std::ifstream in(snap::test::path(std::string("c-malloc-leak/smaps.") + n));
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    const std::size_t at = s.find("[heap]");
    REQUIRE(at != std::string::npos);
    s.replace(at, 6, evil);
    const fs::path out = dir / (std::string("smaps.") + n);
    std::ofstream(out) << s;
    files.push_back(out.string());
  }
  const std::string escaped = "/tmp/&lt;script&gt;alert(&quot;x&amp;y&#39;s&quot;)&lt;/script&gt;";
  for (const bool trend : {false, true}) {
    CAPTURE(trend);
    const Page p = report(trend ? files : std::vector<std::string>{files.front(), files.back()});
    const std::string& html = p.html;
    CHECK(html.find("<script>alert") == std::string::npos);
    // Raw only inside the hover data (a script's text is not markup).
    const std::string markup = std::regex_replace(html, std::regex(R"(<script type="application/json"[^>]*>[^<]*</script>)"), "");
    CHECK(markup.find("x&y") == std::string::npos);
    // (the top findings chart's, which names the finding)
    CHECK(count(html, "x&y") - count(markup, "x&y") == (trend ? 1 : 0));
    CHECK(html.find(escaped) != std::string::npos);
    // The one script of the page, and (trends) the hover data, whose '<' are \u003c.
    CHECK(count(html, "<script>") == 1);
    CHECK(count(html, "</script>") == count(html, "<script"));
    if (trend) CHECK(html.find(R"(/tmp/\u003cscript>alert(\"x&y's\")\u003c/script>)") != std::string::npos);
    // The renamed heap is still the top grower, by its name.
    CHECK(html.find("#1 file 55c69e02f000-55c69ea91000 " + escaped) != std::string::npos);
    check_self_contained(html);
  }
  fs::remove_all(dir);
}

TEST_CASE("a big process that barely moves: every y axis label differs") {
  // This test's own process, made big (24 MiB resident), captured six
  // times by pmap -x while it touches two more pages between captures:
  // Rss moves by a few KiB far from zero (pmap -x has no Swap to pin the
  // axis at 0), where labels of two or three digits would all read
  // "NN MiB" (as a 33 GiB process that moved by 300 MiB read "33 GiB" five
  // times).
  constexpr std::size_t kBig = 24u << 20, kPage = 4096;
  void* big = ::mmap(nullptr, kBig + 64 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(big != MAP_FAILED);
  auto* bytes = static_cast<volatile char*>(big);
  for (std::size_t i = 0; i < kBig; i += kPage) bytes[i] = 1;
  const snap::test::TempDir dir("snap_html_test");
  for (int k = 0; k < 6; ++k) {
    for (std::size_t i = 0; i < 2; ++i) bytes[kBig + (2 * static_cast<std::size_t>(k) + i) * kPage] = 1;
    const snap::test::Exit e = snap::test::run_program({"pmap", "-x", std::to_string(::getpid())},
                                                       dir.path / fmt::format("pmap-x.{}", k + 1),
                                                       std::chrono::seconds(30));
    if (e.status == 127) {
      MESSAGE("pmap not found (Debian package procps): skipped");
      ::munmap(big, kBig + 64 * kPage);
      return;
    }
    REQUIRE(e.status == 0);
  }
  const Page p = report({dir.path.string()});
  ::munmap(big, kBig + 64 * kPage);
  REQUIRE(p.analysis.trend);
  const snap::TrendReport& t = *p.analysis.trend;
  const auto rss = std::find_if(t.totals.begin(), t.totals.end(), [](const auto& e) { return e.first == snap::Field::rss; });
  REQUIRE(rss != t.totals.end());
  const snap::Samples& v = rss->second.values;
  REQUIRE(v.front() >= 24.0 * (1 << 20));
  REQUIRE(v.back() - v.front() < 1 << 20);  // less than format_iec's last digit
  const std::regex chart(R"re(<svg class="chart" id="chart-([a-z-]+)"([\s\S]*?)</svg>)re");
  const std::regex label(R"re(text-anchor="end" dy="4">([^<]*)<)re");
  std::size_t charts = 0;
  for (std::sregex_iterator c(p.html.begin(), p.html.end(), chart), end; c != end; ++c) {
    const std::string id = (*c)[1].str(), body = (*c)[2].str();
    std::vector<std::string> labels;
    std::string shown;
    for (std::sregex_iterator l(body.begin(), body.end(), label); l != end; ++l) {
      labels.push_back((*l)[1].str());
      shown += " | " + labels.back();
    }
    INFO(id, ":", shown);
    CHECK(labels.size() >= 2);
    CHECK(std::set<std::string>(labels.begin(), labels.end()).size() == labels.size());
    // Rss: in MiB, with the decimals that tell the ticks apart.
    if (id == "totals")
      for (const std::string& l : labels) CHECK(std::regex_match(l, std::regex(R"(\d+\.\d+ MiB)")));
    ++charts;
  }
  CHECK(charts >= 3);  // totals, mappings, by category (and findings when something grew)
  check_self_contained(p.html);
}

TEST_CASE("html_escape") {
  CHECK(snap::html_escape(R"(<a href="x">&'</a>)") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  CHECK(snap::html_escape("plain") == "plain");
}
