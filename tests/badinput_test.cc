// The bad-input matrix (docs/bad-input.md): one TEST_CASE per
// row at least, each through the real programs, snapdiff and snapshow, as a
// user runs them. Every row ends in a correct result (asserted to the KiB)
// or in "TOOL: FILE:LINE: reason" (or "TOOL: FILE: reason" where no line
// applies) with exit status 2 and nothing on stdout. Inputs are built from
// the real captures in testdata/c-malloc-leak. Every run is killed after
// 60 s, so that a hang fails its row instead of blocking the suite.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "run_tool.h"
#include "snap/parse.h"
#include "testdata.h"

namespace {

namespace fs = std::filesystem;
using snap::test::Run;

const std::string kEnv = "NO_COLOR=1 timeout -k 5 60";

/// A fresh temporary directory, removed at the end of the row.
struct Dir {
  fs::path path;
  explicit Dir(const std::string& name)
      : path(fs::temp_directory_path() / ("snap_badinput." + std::to_string(::getpid()) + "." + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  std::string str() const { return path.string(); }
  fs::path operator/(const std::string& name) const { return path / name; }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream out(path / name, std::ios::binary);
    out << content;
  }
  /// The real capture REL (e.g. "c-malloc-leak/smaps.01") copied in as NAME.
  void copy(const std::string& rel, const std::string& name) const {
    fs::copy_file(snap::test::path(rel), path / name, fs::copy_options::overwrite_existing);
  }
};

Run snapdiff(const std::string& args, const Dir& d, const std::string& env = kEnv) {
  return snap::test::run_tool(SNAPDIFF_EXE, args, d.str(), env);
}
Run snapshow(const std::string& args, const Dir& d, const std::string& env = kEnv) {
  return snap::test::run_tool(SNAPSHOW_EXE, args, d.str(), env);
}

std::string real(const std::string& rel) {
  return snap::test::slurp(snap::test::path(rel));
}

/// The lines of `text`, without their '\n'.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + '\n';
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// Checks the row's error: exit 2, nothing on stdout, exactly `err` on stderr.
void check_error(const Run& r, const std::string& err) {
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == err);
}

const std::string kTried =
    "not a snapshot in any known format (tried smaps, smaps_rollup, maps, pmap, pmap -x, pmap -X/-XX, "
    "pmap -d, Solaris pmap -x)";

/// The c-malloc-leak diff every correct row of smaps.08 must still show:
/// the heap's +8960K and the two arenas (testdata/GROUND_TRUTH.md).
void check_leak_rows(const Run& r) {
  CHECK(r.status == 1);
  CHECK(contains(r.out, "+8960K   1544K  10504K  +580%  grown   heap      55c69e02f000-55c69ea91000  [heap]"));
  CHECK(contains(r.out, "+2304K    388K   2692K  +594%  grown   arena     7fcd80000000-7fcd84000000"));
  CHECK(contains(r.out, "+2240K    388K   2628K  +577%  grown   arena     7fcd78000000-7fcd7c000000"));
}

}  // namespace

TEST_CASE("an empty file: FILE: empty, exit 2") {
  Dir d("empty");
  d.write("empty.txt", "");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  check_error(snapshow("empty.txt", d), "snapshow: empty.txt: empty: no mappings in it\n");
  check_error(snapdiff("smaps.01 empty.txt", d), "snapdiff: empty.txt: empty: no mappings in it\n");
  check_error(snapdiff("empty.txt smaps.01", d), "snapdiff: empty.txt: empty: no mappings in it\n");
}

TEST_CASE("only a header: FILE:LINE of the header, exit 2") {
  Dir d("header");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  // pmap -x: the pid line and the column header, no row.
  const auto x = lines_of(real("c-malloc-leak/pmap-x.08"));
  d.write("pmap-x", join({x[0], x[1]}));
  const std::string err_x = ":2: " + kTried + "; line 2: \"Address           Kbytes     RSS   Dirty...\"\n";
  check_error(snapshow("pmap-x", d), "snapshow: pmap-x" + err_x);
  check_error(snapdiff("smaps.01 pmap-x", d), "snapdiff: pmap-x" + err_x);
  // pmap -X: its header is unmistakable; then no rows.
  const auto X = lines_of(real("c-malloc-leak/pmap-x-ext.08"));
  d.write("pmap-X", join({X[0], X[1]}));
  check_error(snapshow("pmap-X", d), "snapshow: pmap-X: no mappings in it\n");
  check_error(snapdiff("smaps.01 pmap-X", d), "snapdiff: pmap-X: no mappings in it\n");
}

TEST_CASE("binary garbage: FILE:1: not a snapshot, exit 2") {
  Dir d("garbage");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  std::string bytes;
  std::uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245u + 12345u;
    bytes += static_cast<char>(x >> 24);
  }
  d.write("garbage.bin", bytes);
  for (const Run& r : {snapshow("garbage.bin", d), snapdiff("smaps.01 garbage.bin", d)}) {
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, ": garbage.bin:1: " + kTried + "; line 1: \""));
    CHECK(r.err.size() < 400);  // the quote is cut short
  }
}

TEST_CASE("truncated mid-line: the cut line is dropped with a warning, the rest is diffed") {
  Dir d("cutline");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  const std::string full = real("c-malloc-leak/smaps.08");
  // Cut inside line 781, "Pss:" of the last mapping ([vsyscall], line 776).
  std::size_t at = 0;
  for (int n = 0; n < 780; ++n) at = full.find('\n', at) + 1;
  d.write("smaps.08", full.substr(0, at + 10));
  const std::string warnings =
      "TOOL: smaps.08:781: warning: last line cut short (no newline), ignored: expected a number for Pss, "
      "got \"\"\n"
      "TOOL: smaps.08:776: warning: mapping ffffffffff600000-ffffffffff601000 lacks Pss, Pss_Dirty, "
      "Shared_Clean, Shared_Dirty, Private_Clean, Private_Dirty, Referenced, Anonymous, KSM, LazyFree, "
      "AnonHugePages, ShmemPmdMapped, FilePmdMapped, Shared_Hugetlb, Private_Hugetlb, Swap, SwapPss, Locked, "
      "THPeligible, Dirty (truncated?); those counters are unknown for the whole snapshot\n";
  auto tool = [&](const std::string& name) {
    std::string w = warnings;
    for (std::size_t p; (p = w.find("TOOL")) != std::string::npos;) w.replace(p, 4, name);
    return w;
  };
  Run show = snapshow("smaps.08", d);
  CHECK(show.status == 0);
  CHECK(show.err == tool("snapshow"));
  // Size and Rss are known for every mapping (Rss comes before the cut);
  // the counters the last mapping lacks are unknown, never a short sum.
  CHECK(contains(show.out, "Size       160444K\nRss         17472K\nPss        unknown\n"));
  CHECK(contains(show.out, "Mappings        32\n"));
  Run diff = snapdiff("smaps.01 smaps.08", d);
  check_leak_rows(diff);
  CHECK(contains(diff.err, tool("snapdiff")));
  CHECK(contains(diff.out, "Rss         3968K   17472K  +13504K\n"));
}

TEST_CASE("truncated mid-record: an smaps record cut after its header line") {
  Dir d("cutrecord");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  const auto all = lines_of(real("c-malloc-leak/smaps.08"));
  d.write("smaps.08", join({all.begin(), all.begin() + 776}));  // line 776: [vsyscall]'s header
  const std::string lacks =
      "smaps.08:776: warning: mapping ffffffffff600000-ffffffffff601000 lacks KernelPageSize, MMUPageSize, Rss, "
      "Pss, Pss_Dirty, Shared_Clean, Shared_Dirty, Private_Clean, Private_Dirty, Referenced, Anonymous, KSM, "
      "LazyFree, AnonHugePages, ShmemPmdMapped, FilePmdMapped, Shared_Hugetlb, Private_Hugetlb, Swap, SwapPss, "
      "Locked, THPeligible, Dirty (truncated?); those counters are unknown for the whole snapshot\n";
  Run show = snapshow("smaps.08", d);
  CHECK(show.status == 0);
  CHECK(show.err == "snapshow: " + lacks);
  CHECK(contains(show.out, "note: ranked by Size: smaps has no Rss\n"));
  CHECK(contains(show.out, "Size       160444K\nRss        unknown\n"));
  // Rss is unknown after: the diff ranks by Accessible and says why; the
  // heap grew by 8960K of accessible memory (brk moved), the arenas by none.
  Run diff = snapdiff("smaps.01 smaps.08", d);
  CHECK(diff.status == 1);
  CHECK(contains(diff.err, "snapdiff: " + lacks));
  CHECK(contains(diff.out, "ranked by Accessible (Size less ---p reserves): smaps.08 (smaps) has no Rss"));
  CHECK(contains(diff.out, "+8960K   1672K  10632K  +536%  grown   heap"));
}

TEST_CASE("CRLF line ends read like LF: the same report, byte for byte") {
  for (const char* name : {"smaps.08", "pmap-x.08", "maps.08", "pmap-x-ext.08"}) {
    CAPTURE(name);
    Dir lf(std::string("lf.") + name), crlf(std::string("crlf.") + name);
    const std::string before = std::string(name).replace(std::string(name).size() - 2, 2, "01");
    const std::string text = real(std::string("c-malloc-leak/") + name);
    std::string converted;
    for (char ch : text) converted += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
    lf.write(name, text);
    crlf.write(name, converted);
    for (const Dir* d : {&lf, &crlf}) d->copy("c-malloc-leak/" + before, before);
    Run a = snapdiff(before + " " + name, lf), b = snapdiff(before + " " + name, crlf);
    CHECK(b.status == 1);
    CHECK(b.err.empty());
    CHECK(a.out == b.out);
    if (std::string(name) != "maps.08") {
      CHECK(contains(b.out, "+8960K   1544K  10504K"));
    }
    Run sa = snapshow(name, lf), sb = snapshow(name, crlf);
    CHECK(sb.status == 0);
    CHECK(sb.err.empty());
    CHECK(sa.out == sb.out);
  }
}

TEST_CASE("tabs instead of spaces between the columns: read like spaces") {
  // Every run of blanks between columns becomes one tab; names keep theirs
  // ("[ anon ]", "leak.log").
  auto tabify = [](const std::string& line, int columns) {
    std::string out;
    std::size_t pos = 0;
    for (int c = 0; c < columns; ++c) {
      std::size_t b = line.find_first_not_of(' ', pos);
      if (b == std::string::npos) return out;
      std::size_t e = line.find(' ', b);
      out += (c ? "\t" : "") + line.substr(b, e == std::string::npos ? std::string::npos : e - b);
      if (e == std::string::npos) return out;
      pos = e;
    }
    std::size_t rest = line.find_first_not_of(' ', pos);
    if (rest != std::string::npos) out += "\t" + line.substr(rest);
    return out;
  };
  Dir spaces("spaces"), tabs("tabs");
  std::vector<std::string> px, sm;
  for (const auto& l : lines_of(real("c-malloc-leak/pmap-x.08"))) {
    if (l.starts_with("5094:"))
      px.push_back("5094:\t/tmp/c-malloc-leak leak.log");
    else
      px.push_back(tabify(l, l.starts_with("Address") || l.starts_with("total") || l.starts_with("---") ? 9 : 5));
  }
  for (const auto& l : lines_of(real("c-malloc-leak/smaps.08"))) {
    std::size_t colon = l.find(':');
    if (colon != std::string::npos && l.find('-') > colon)
      sm.push_back(l.substr(0, colon + 1) + "\t" + tabify(l.substr(colon + 1), 3));
    else
      sm.push_back(tabify(l, 5));
  }
  REQUIRE(px[2] == "000055c6672d3000\t4\t4\t4\tr----\tc-malloc-leak");
  REQUIRE(sm[1] == "Size:\t4\tkB");
  tabs.write("pmap-x.08", join(px));
  tabs.write("smaps.08", join(sm));
  for (const char* name : {"pmap-x.08", "smaps.08"}) {
    CAPTURE(name);
    spaces.copy(std::string("c-malloc-leak/") + name, name);
    for (const Dir* d : {&spaces, &tabs}) d->copy("c-malloc-leak/pmap-x.01", "pmap-x.01");
    Run a = snapshow(name, spaces), b = snapshow(name, tabs);
    CHECK(b.status == 0);
    CHECK(b.err.empty());
    CHECK(a.out == b.out);
    Run da = snapdiff(std::string("pmap-x.01 ") + name, spaces), db = snapdiff(std::string("pmap-x.01 ") + name, tabs);
    CHECK(db.status == 1);
    CHECK(contains(db.out, "+8960K   1544K  10504K  +580%  grown   heap      55c69e02f000-55c69ea91000"));
    CHECK(da.out == db.out);
  }
}

TEST_CASE("addresses beyond 2^64, sizes that overflow in bytes: FILE:LINE, exit 2") {
  Dir d("overflow");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  auto maps = lines_of(real("c-malloc-leak/maps.08"));
  auto with_line = [&](const std::string& line) {
    auto m = maps;
    m.insert(m.begin() + 3, line);
    return join(m);
  };
  d.write("addr65", with_line("1ffffffffffffffff-20000000000000000 rw-p 00000000 00:00 0 "));
  d.write("end65", with_line("7fcd857c7000-10000000000000000 rw-p 00000000 00:00 0 "));
  auto smaps = lines_of(real("c-malloc-leak/smaps.08"));
  REQUIRE(smaps[4] == "Rss:                   4 kB");
  smaps[4] = "Rss:    18014398509481984 kB";  // 2^54 kB = 2^64 bytes
  d.write("rss-2p64", join(smaps));
  smaps[4] = "Rss:    18014398509481983 kB";  // fits in bytes, but not in a 4 kB mapping
  d.write("rss-huge", join(smaps));
  // pmap -x: Kbytes whose bytes are past 2^64.
  auto px = lines_of(real("c-malloc-leak/pmap-x.08"));
  REQUIRE(px[2] == "000055c6672d3000       4       4       4 r---- c-malloc-leak");
  px[2] = "000055c6672d3000 18014398509481984       4       4 r---- c-malloc-leak";
  d.write("pmapx-kib", join(px));

  const std::vector<std::pair<std::string, std::string>> rows = {
      {"addr65", "addr65:4: expected hexadecimal start address, got \"1ffffffffffffffff\""},
      {"end65", "end65:4: expected hexadecimal end address, got \"10000000000000000\""},
      {"rss-2p64", "rss-2p64:5: Rss value \"18014398509481984\" is too large"},
      {"rss-huge",
       "rss-huge:1: mapping 55c6672d3000-55c6672d4000 is 4 kB, but its Rss is 18014398509481983 kB: more than "
       "the mapping"},
      {"pmapx-kib", "pmapx-kib:3: size in KiB \"18014398509481984\" is too large"},
  };
  for (const auto& row : rows) {
    // Not a structured binding: CAPTURE's lambda cannot capture one in clang 14.
    const std::string& file = row.first;
    const std::string& err = row.second;
    CAPTURE(file);
    check_error(snapshow(file, d), "snapshow: " + err + "\n");
    check_error(snapdiff("smaps.01 " + file, d), "snapdiff: " + err + "\n");
  }
  // smaps_rollup: Dirty is Shared_Dirty + Private_Dirty, here 2^64 bytes,
  // which would wrap to 0.
  std::string rollup;
  for (const auto& l : lines_of(real("c-malloc-leak/smaps_rollup.01"))) {
    if (l.starts_with("Shared_Dirty:") || l.starts_with("Private_Dirty:"))
      rollup += l.substr(0, l.find(':') + 1) + " 9007199254740992 kB\n";
    else
      rollup += l + "\n";
  }
  d.write("rollup", rollup);
  check_error(snapshow("rollup", d),
              "snapshow: rollup: Shared_Dirty 9007199254740992 kB + Private_Dirty 9007199254740992 kB is past 2^64 "
              "bytes\n");
}

TEST_CASE("start >= end: FILE:LINE, exit 2") {
  Dir d("inverted");
  d.copy("c-malloc-leak/maps.01", "maps.01");
  auto maps = lines_of(real("c-malloc-leak/maps.08"));
  REQUIRE(maps[2].starts_with("55c6672d5000-55c6672d6000 "));
  auto empty = maps, inverted = maps;
  empty[2].replace(0, 25, "55c6672d5000-55c6672d5000");
  inverted[2].replace(0, 25, "55c6672d6000-55c6672d5000");
  d.write("empty-range", join(empty));
  d.write("inverted-range", join(inverted));
  check_error(snapshow("empty-range", d),
              "snapshow: empty-range:3: empty or inverted address range \"55c6672d5000-55c6672d5000\"\n");
  check_error(snapdiff("maps.01 inverted-range", d),
              "snapdiff: inverted-range:3: empty or inverted address range \"55c6672d6000-55c6672d5000\"\n");
  check_error(snapshow("inverted-range", d),
              "snapshow: inverted-range:3: empty or inverted address range \"55c6672d6000-55c6672d5000\"\n");
}

TEST_CASE("overlapping regions: FILE:LINE naming both, exit 2; unsorted regions are sorted") {
  Dir d("overlap");
  d.copy("c-malloc-leak/maps.01", "maps.01");
  d.copy("c-malloc-leak/maps.08", "maps.08");
  auto maps = lines_of(real("c-malloc-leak/maps.08"));
  auto overlap = maps;
  overlap.insert(overlap.begin() + 2, "55c6672d4800-55c6672d5800 rw-p 00000000 00:00 0 ");
  d.write("overlap", join(overlap));
  const std::string err =
      "overlap:3: mapping 55c6672d4800-55c6672d5800 (line 3) overlaps 55c6672d4000-55c6672d5000 (line 2)\n";
  check_error(snapshow("overlap", d), "snapshow: " + err);
  check_error(snapdiff("maps.01 overlap", d), "snapdiff: " + err);

  // Unsorted: the same mappings, the last first and two swapped.
  auto unsorted = maps;
  std::swap(unsorted[3], unsorted[4]);
  std::rotate(unsorted.rbegin(), unsorted.rbegin() + 1, unsorted.rend());
  d.write("unsorted", join(unsorted));
  Run sorted_show = snapshow("maps.08", d), show = snapshow("unsorted", d);
  CHECK(show.status == 0);
  CHECK(show.err.empty());
  CHECK(contains(show.out, "Size       160700K\n"));
  CHECK(show.out.substr(show.out.find('\n')) == sorted_show.out.substr(sorted_show.out.find('\n')));
  Run sorted_diff = snapdiff("maps.01 maps.08", d), diff = snapdiff("maps.01 unsorted", d);
  CHECK(diff.status == 1);
  CHECK(contains(diff.out, "+9216K   1672K  10888K  +551%  grown   heap      55c69e02f000-55c69ead1000"));
  CHECK(diff.out.substr(diff.out.find("\n\n")) == sorted_diff.out.substr(sorted_diff.out.find("\n\n")));
}

TEST_CASE("a duplicated region: it overlaps itself, FILE:LINE naming both, exit 2") {
  Dir d("duplicate");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  auto maps = lines_of(real("c-malloc-leak/maps.08"));
  maps.insert(maps.begin() + 3, maps[2]);
  d.write("maps-dup", join(maps));
  const std::string err =
      "maps-dup:4: mapping 55c6672d5000-55c6672d6000 (line 4) overlaps 55c6672d5000-55c6672d6000 (line 3)\n";
  check_error(snapshow("maps-dup", d), "snapshow: " + err);
  check_error(snapdiff("smaps.01 maps-dup", d), "snapdiff: " + err);
  // A whole smaps record twice.
  auto sm = lines_of(real("c-malloc-leak/smaps.08"));
  sm.insert(sm.begin() + 25, sm.begin(), sm.begin() + 25);
  d.write("smaps-dup", join(sm));
  check_error(snapshow("smaps-dup", d),
              "snapshow: smaps-dup:26: mapping 55c6672d3000-55c6672d4000 (line 26) overlaps "
              "55c6672d3000-55c6672d4000 (line 1)\n");
}

TEST_CASE("an unknown smaps field: kept, the known counters unchanged") {
  Dir d("unknown");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  d.copy("c-malloc-leak/smaps.08", "smaps.08");
  std::vector<std::string> sm;
  for (const auto& l : lines_of(real("c-malloc-leak/smaps.08"))) {
    sm.push_back(l);
    if (l.starts_with("Locked:")) sm.push_back("FutureCounter:        12 kB");
  }
  d.write("future.08", join(sm));
  Run plain = snapshow("smaps.08", d), show = snapshow("future.08", d);
  CHECK(show.status == 0);
  CHECK(show.err.empty());
  CHECK(contains(show.out, "Rss         17472K\nPss         16053K\n"));
  CHECK(show.out.substr(show.out.find('\n')) == plain.out.substr(plain.out.find('\n')));
  Run diff = snapdiff("smaps.01 future.08", d);
  check_leak_rows(diff);
  CHECK(diff.err.empty());
}

TEST_CASE("a line of 10 MB: FILE:LINE with the quote cut short, exit 2; as a name, kept") {
  Dir d("longline");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  auto sm = lines_of(real("c-malloc-leak/smaps.08"));
  sm.insert(sm.begin() + 100, std::string(10 << 20, 'x'));
  d.write("smaps.long", join(sm));
  const std::string err =
      "smaps.long:101: expected \"Key: value\" or a mapping header, got "
      "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"\n";
  check_error(snapshow("smaps.long", d), "snapshow: " + err);
  check_error(snapdiff("smaps.01 smaps.long", d), "snapdiff: " + err);

  // A 10 MB name: no kernel writes one, but it is a name; the numbers stand.
  auto maps = lines_of(real("c-malloc-leak/maps.08"));
  REQUIRE(maps[30].ends_with("[stack]"));
  maps[30] = maps[30].substr(0, maps[30].size() - 7) + std::string(10 << 20, 'n');
  d.write("maps.long", join(maps));
  d.copy("c-malloc-leak/maps.01", "maps.01");
  Run show = snapshow("--json --top 32 maps.long", d);
  CHECK(show.status == 0);
  CHECK(contains(show.out, "\"size\": 164556800,"));  // 160700K
  CHECK(contains(show.out, "\"name\": \"" + std::string(10 << 20, 'n') + "\""));
  Run diff = snapdiff("maps.01 maps.long", d);
  CHECK(diff.status == 1);
  CHECK(contains(diff.out, "+9216K   1672K  10888K  +551%  grown   heap      55c69e02f000-55c69ead1000"));
}

TEST_CASE("a directory: snapshow refuses it; snapdiff reads it as a series, or says there is none") {
  Dir d("directory");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  fs::create_directories(d / "adir");
  check_error(snapshow("adir", d), "snapshow: adir: is a directory, not a snapshot file\n");
  check_error(snapdiff("smaps.01 adir", d),
              "snapdiff: adir: no numbered snapshot files (smaps.01, pmap-x.02, ...) in this directory\n");
  // "-" with a directory on standard input.
  Run r = snap::test::run_tool(SNAPSHOW_EXE, "-", d.str(), kEnv, (d / "adir").string());
  check_error(r, "snapshow: -: is a directory, not a snapshot file\n");
}

TEST_CASE("a missing file: FILE: cannot open, exit 2") {
  Dir d("missing");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  check_error(snapshow("nosuch", d), "snapshow: nosuch: cannot open: No such file or directory\n");
  check_error(snapdiff("nosuch smaps.01", d), "snapdiff: nosuch: cannot open: No such file or directory\n");
}

TEST_CASE("an unreadable file: FILE: cannot open/read, exit 2") {
  Dir d("unreadable");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  d.copy("c-malloc-leak/smaps.08", "secret");
  fs::permissions(d / "secret", fs::perms::none);
  fs::permissions(d.path, fs::perms::all, fs::perm_options::add);  // others may search it
  // Root reads a mode-000 file anyway (CAP_DAC_OVERRIDE): as root, the
  // programs run as nobody (setpriv), for whom it is unreadable.
  std::string env = kEnv;
  if (::geteuid() == 0) {
    if (std::system("setpriv --version >/dev/null 2>&1") != 0) {
      MESSAGE("skipped: running as root without setpriv, a mode-000 file is readable");
      return;
    }
    env += " setpriv --reuid=65534 --regid=65534 --clear-groups";
  }
  check_error(snapshow("secret", d, env), "snapshow: secret: cannot open: Permission denied\n");
  check_error(snapdiff("smaps.01 secret", d, env), "snapdiff: secret: cannot open: Permission denied\n");
}

TEST_CASE("a file that opens but cannot be read (EIO): FILE: cannot read, exit 2") {
  // /proc/self/mem opens for its owner, and reading at offset 0 (never
  // mapped) fails with EIO.
  Dir d("eio");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  check_error(snapshow("/proc/self/mem", d), "snapshow: /proc/self/mem: cannot read: Input/output error\n");
  check_error(snapdiff("smaps.01 /proc/self/mem", d),
              "snapdiff: /proc/self/mem: cannot read: Input/output error\n");
}

namespace {

/// A FIFO whose writer never closes it: opened read-write (so that neither
/// side blocks on open, and the reader never sees end of file), then fed
/// `chunk` over and over while `feed` is set, until stopped.
class EndlessFifo {
 public:
  EndlessFifo(const fs::path& path, std::string chunk, bool feed) : chunk_(std::move(chunk)) {
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    fd_ = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(fd_ >= 0);
    if (feed) writer_ = std::thread([this] { run(); });
  }
  ~EndlessFifo() {
    stop_ = true;
    if (writer_.joinable()) writer_.join();
    ::close(fd_);
  }
  std::uint64_t written() const { return written_; }

 private:
  void run() {
    std::size_t off = 0;
    while (!stop_) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::write(fd_, chunk_.data() + off, chunk_.size() - off);
      if (n > 0) {
        written_ += static_cast<std::uint64_t>(n);
        off = (off + static_cast<std::size_t>(n)) % chunk_.size();
      }
    }
  }
  std::string chunk_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> written_{0};
  std::thread writer_;
};

}  // namespace

// Both tools with the limits lowered (SNAP_TEST_*, parse.h), so that the
// rows take a second, not 1 GiB of reading and 10 s of waiting twice; the
// defaults themselves, once, in the "limits" test cases below (CTest runs
// them as badinput_limits_test, labelled slow).
const std::string kLowLimits = "SNAP_TEST_MAX_INPUT_MIB=8 SNAP_TEST_INPUT_IDLE_SECONDS=1 " + kEnv;

TEST_CASE("a named pipe whose writer writes forever: stopped at the size limit, exit 2") {
  Dir d("fifo-endless");
  d.copy("c-malloc-leak/maps.01", "maps.01");
  // maps lines, the same ones over and over: no parse error could stop it.
  const std::string lines = real("c-malloc-leak/maps.08");
  const std::string limit = ": reads more than 8 MiB: not a snapshot (262,144 smaps mappings are about 200 MB)\n";
  {
    EndlessFifo fifo(d / "endless", lines, true);
    check_error(snapshow("endless", d, kLowLimits), "snapshow: endless" + limit);
    CHECK(fifo.written() > 8u << 20);
  }
  {
    EndlessFifo fifo(d / "endless2", lines, true);
    check_error(snapdiff("maps.01 endless2", d, kLowLimits), "snapdiff: endless2" + limit);
  }
}

TEST_CASE("a named pipe whose writer keeps it open and writes nothing: stopped after the idle limit, exit 2") {
  Dir d("fifo-idle");
  d.copy("c-malloc-leak/maps.01", "maps.01");
  EndlessFifo a(d / "idle", "", false), b(d / "idle2", "", false);
  const auto t0 = std::chrono::steady_clock::now();
  check_error(snapshow("idle", d, kLowLimits),
              "snapshow: idle: no data for 1 s after 0 bytes: a pipe whose writer never ends?\n");
  check_error(snapdiff("maps.01 idle2", d, kLowLimits),
              "snapdiff: idle2: no data for 1 s after 0 bytes: a pipe whose writer never ends?\n");
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(seconds >= 2);
  CHECK(seconds < 20);
}

TEST_CASE("the size limit lowered: a file over it refused at once; a value not a whole number leaves 1 GiB") {
  Dir d("size-hook");
  // 40,000 maps lines of 4 KiB mappings 8 KiB apart: about 1.3 MiB.
  std::string text;
  char line[64];
  for (std::uint64_t i = 0, a = 0x10000000; i < 40000; ++i, a += 0x2000)
    text.append(line, static_cast<std::size_t>(std::snprintf(line, sizeof line, "%llx-%llx rw-p 00000000 00:00 0 \n",
                                                              static_cast<unsigned long long>(a),
                                                              static_cast<unsigned long long>(a + 0x1000))));
  REQUIRE(text.size() > 1u << 20);
  d.write("big.maps", text);
  check_error(snapshow("big.maps", d, "SNAP_TEST_MAX_INPUT_MIB=1 " + kEnv),
              "snapshow: big.maps: holds more than 1 MiB: not a snapshot (262,144 smaps mappings are about 200 "
              "MB)\n");
  for (const char* ignored : {"0x1", "1MiB", "0", "-1", ""}) {
    CAPTURE(ignored);
    Run r = snapshow("--json big.maps", d, std::string("SNAP_TEST_MAX_INPUT_MIB=") + ignored + " " + kEnv);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(contains(r.out, "\"mappings\": 40000"));
  }
}

TEST_CASE("limits: the idle limit is only lowered: 99 s asked for, the default 10 s applied") {
  Dir d("fifo-hook");
  EndlessFifo fifo(d / "idle", "", false);
  const auto t0 = std::chrono::steady_clock::now();
  check_error(snapshow("idle", d, "SNAP_TEST_INPUT_IDLE_SECONDS=99 " + kEnv),
              "snapshow: idle: no data for 10 s after 0 bytes: a pipe whose writer never ends?\n");
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(seconds >= 10);
  CHECK(seconds < 30);
}

TEST_CASE("limits: the defaults, 1 GiB read from a pipe that never ends, 10 s of silence, exit 2") {
  static_assert(snap::kMaxInputBytes == 1u << 30);
  static_assert(snap::kInputIdleSeconds == 10);
  Dir d("fifo-defaults");
  d.copy("c-malloc-leak/maps.01", "maps.01");
  {
    EndlessFifo fifo(d / "endless", real("c-malloc-leak/maps.08"), true);
    check_error(snapshow("endless", d),
                "snapshow: endless: reads more than 1024 MiB: not a snapshot (262,144 smaps mappings are about "
                "200 MB)\n");
    CHECK(fifo.written() > snap::kMaxInputBytes);
  }
  EndlessFifo idle(d / "idle", "", false);
  const auto t0 = std::chrono::steady_clock::now();
  check_error(snapdiff("maps.01 idle", d),
              "snapdiff: idle: no data for 10 s after 0 bytes: a pipe whose writer never ends?\n");
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(seconds >= 10);
  CHECK(seconds < 30);
}

TEST_CASE("two snapshots of different processes: a warning, and the diff") {
  Dir d("processes");
  d.copy("c-malloc-leak/pmap-x.08", "c.pmap-x");
  d.copy("thread-leak/pmap-x.08", "t.pmap-x");
  Run r = snapdiff("c.pmap-x t.pmap-x", d);
  CHECK(r.status == 1);
  CHECK(r.err ==
        "snapdiff: t.pmap-x: warning: pid 18028 (./thread-leak) is not the process of c.pmap-x (pid 5094 "
        "(/tmp/c-malloc-leak leak.log)); diffed anyway\n");
  CHECK(contains(r.out, "before: c.pmap-x  (pmap-x, pid 5094: /tmp/c-malloc-leak leak.log, 32 mappings)\n"));
  CHECK(contains(r.out, "after:  t.pmap-x  (pmap-x, pid 18028: ./thread-leak, 62 mappings)\n"));
  CHECK(contains(r.out, "Size      160444K  158204K   -2240K\nRss        17408K    2792K  -14616K\n"));
  // The same process: no warning.
  d.copy("c-malloc-leak/pmap-x.01", "c1.pmap-x");
  Run same = snapdiff("c1.pmap-x c.pmap-x", d);
  CHECK(same.status == 1);
  CHECK(same.err.empty());
}

TEST_CASE("two formats with different counters: only the common ones are compared, the rest named") {
  Dir d("formats");
  d.copy("c-malloc-leak/pmap-x.01", "pmap-x.01");
  d.copy("c-malloc-leak/smaps.08", "smaps.08");
  d.copy("c-malloc-leak/maps.08", "maps.08");
  Run r = snapdiff("pmap-x.01 smaps.08", d);
  check_leak_rows(r);
  CHECK(r.err ==
        "snapdiff: pmap-x.01: note: pmap-x has no Pss, Pss_Dirty, Shared_Clean, Shared_Dirty, Private_Clean, "
        "Private_Dirty, Referenced, Anonymous, KSM, LazyFree, AnonHugePages, ShmemPmdMapped, FilePmdMapped, "
        "Shared_Hugetlb, Private_Hugetlb, Swap, SwapPss, Locked: those counters are not compared (compared: "
        "Size, Rss, Dirty)\n");
  CHECK(contains(r.out, "TOTALS     BEFORE    AFTER    DELTA\nSize      151484K  160444K   +8960K\n"
                        "Rss         3968K   17472K  +13504K\nDirty       2440K   15944K  +13504K\n"
                        "Mappings       32       32       +0\n"));
  Run j = snapdiff("--json pmap-x.01 smaps.08", d);
  CHECK(contains(j.out, "\"counters\": [\n    \"size\",\n    \"rss\",\n    \"dirty\",\n    \"accessible\"\n  ],"));

  // maps has Size alone: ranked by Accessible, and said so.
  Run m = snapdiff("maps.08 smaps.08", d);
  CHECK(m.status == 0);
  CHECK(contains(m.err, "snapdiff: maps.08: note: maps has no Rss, Pss, "));
  CHECK(contains(m.err, "(compared: Size)\n"));
  CHECK(contains(m.out, "ranked by Accessible (Size less ---p reserves): maps.08 (maps) has no Rss"));
}

TEST_CASE("a pmap -X header missing a column the rows carry: FILE:LINE, exit 2") {
  Dir d("pmapX-columns");
  d.copy("c-malloc-leak/pmap-x-ext.01", "pmap-x-ext.01");
  // The header without Pss: every row has one number more than it names,
  // which was read into the next column and the last into the name.
  auto X = lines_of(real("c-malloc-leak/pmap-x-ext.08"));
  REQUIRE(X[1].find("   Size   Rss   Pss Pss_Dirty ") != std::string::npos);
  X[1].erase(X[1].find("   Pss "), 6);
  d.write("pmap-x-ext.08", join(X));
  const std::string err =
      "pmap-x-ext.08:3: \"0\" after the THPeligible column is a number, not the mapping name: the row has more "
      "columns than the header names\n";
  check_error(snapshow("pmap-x-ext.08", d), "snapshow: " + err);
  check_error(snapdiff("pmap-x-ext.01 pmap-x-ext.08", d), "snapdiff: " + err);
  // pmap -XX without Rss: the extra number is where VmFlags begin.
  auto XX = lines_of(real("c-malloc-leak/pmap-XX.08"));
  REQUIRE(XX[1].find("   Rss   Pss ") != std::string::npos);
  XX[1].erase(XX[1].find("   Rss "), 6);
  d.write("pmap-XX.08", join(XX));
  check_error(
      snapshow("pmap-XX.08", d),
      "snapshow: pmap-XX.08:3: \"0\" after the THPeligible column is a number, not VmFlags: the row has "
      "more columns than the header names\n");
  // A name made of digits, under the header's "Mapping" as pmap writes it,
  // is a name: the file reads as before.
  auto named = lines_of(real("c-malloc-leak/pmap-x-ext.08"));
  REQUIRE(named[2].ends_with(" 0 c-malloc-leak"));
  named[2].replace(named[2].size() - 13, 13, "2024");
  d.write("named.08", join(named));
  Run show = snapshow("--json --top 40 named.08", d);
  CHECK(show.status == 0);
  CHECK(show.err.empty());
  CHECK(contains(show.out, "\"name\": \"2024\""));
  CHECK(contains(show.out, "\"size\": 164294656,"));  // 160444K, as pmap-x-ext.08
}

TEST_CASE("CR-only line ends: read like LF, the same report byte for byte") {
  for (const char* name : {"smaps.08", "pmap-x.08", "maps.08", "pmap-x-ext.08"}) {
    CAPTURE(name);
    Dir lf(std::string("lf-only.") + name), cr(std::string("cr-only.") + name);
    const std::string before = std::string(name).replace(std::string(name).size() - 2, 2, "01");
    std::string text = real(std::string("c-malloc-leak/") + name);
    lf.write(name, text);
    std::replace(text.begin(), text.end(), '\n', '\r');
    cr.write(name, text);
    for (const Dir* d : {&lf, &cr}) d->copy("c-malloc-leak/" + before, before);
    Run a = snapdiff(before + " " + name, lf), b = snapdiff(before + " " + name, cr);
    CHECK(b.status == 1);
    CHECK(b.err.empty());
    CHECK(a.out == b.out);
    if (std::string(name) != "maps.08") {
      CHECK(contains(b.out, "+8960K   1544K  10504K"));
    }
    Run sa = snapshow(name, lf), sb = snapshow(name, cr);
    CHECK(sb.status == 0);
    CHECK(sb.err.empty());
    CHECK(sa.out == sb.out);
  }
}

TEST_CASE("a pid no process has: snapdiff --pid, a pmap header's pid: exit 2") {
  Dir d("pid");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  d.copy("c-malloc-leak/smaps.08", "smaps.08");
  for (const char* pid : {"-7", "0", "4194305", "12x"}) {
    CAPTURE(pid);
    check_error(snapdiff(std::string("--ranges --pid ") + pid + " smaps.01 smaps.08", d),
                std::string("snapdiff: --pid: '") + pid +
                    "' is not a process id (1 to 4194304)\nTry 'snapdiff --help' for more information.\n");
  }
  Run ok = snapdiff("--ranges --pid 4194304 smaps.01 smaps.08", d);
  CHECK(ok.status == 1);
  CHECK(contains(ok.out, "0x55c69e1d1000 0x55c69ea91000\n"));
  auto px = lines_of(real("c-malloc-leak/pmap-x.08"));
  REQUIRE(px[0] == "5094:   /tmp/c-malloc-leak leak.log");
  px[0] = "0:   /tmp/c-malloc-leak leak.log";
  d.write("pmap-x.08", join(px));
  const std::string err = "pmap-x.08:1: the header's pid 0 is not a process id (pids start at 1)\n";
  check_error(snapshow("pmap-x.08", d), "snapshow: " + err);
  check_error(snapdiff("smaps.01 pmap-x.08", d), "snapdiff: " + err);
}

namespace {

/// `member` (a gzip member) `copies` times: concatenated members are one
/// stream to gzip -d, inflating to `copies` times what one does.
void write_gzip_bomb(const Dir& d, const std::string& name, const std::string& plain, int copies) {
  d.write(name + ".plain", plain);
  REQUIRE(std::system(("gzip -c '" + (d / (name + ".plain")).string() + "' > '" +
                       (d / (name + ".member")).string() + "'")
                          .c_str()) == 0);
  const std::string member = snap::test::slurp(d / (name + ".member"));
  std::string out;
  for (int i = 0; i < copies; ++i) out += member;
  d.write(name, out);
}

double seconds_of(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("/dev/zero, /dev/urandom, gzip bombs: refused on their first 64 KiB, exit 2") {
  static_assert(snap::kProbeBytes == 64 << 10);
  Dir d("probe");
  d.copy("c-malloc-leak/smaps.01", "smaps.01");
  // No line to go by: the bytes say it.
  const std::string zero = ": binary data (a NUL byte at offset 0): not a snapshot\n";
  check_error(snapshow("/dev/zero", d), "snapshow: /dev/zero" + zero);
  check_error(snapdiff("smaps.01 /dev/zero", d), "snapdiff: /dev/zero" + zero);
  check_error(snap::test::run_tool(SNAPSHOW_EXE, "-", d.str(), kEnv, "/dev/zero"), "snapshow: -" + zero);
  // Lines that are not a snapshot's: detection's error, on line 1 or 2
  // (a random first byte may be a newline).
  for (const Run& r : {snapshow("/dev/urandom", d), snapdiff("smaps.01 /dev/urandom", d)}) {
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, ": /dev/urandom:"));
    CHECK(contains(r.err, ": " + kTried + "; line "));
    CHECK(r.err.size() < 400);
  }
  // gzip members concatenated: 1100 MiB of zeros (1 MB of gzip), and 1100
  // MiB of a line that is no mapping. Inflated past 64 KiB, no further.
  write_gzip_bomb(d, "zeros.gz", std::string(1 << 20, '\0'), 1100);
  std::string hello;
  while (hello.size() < (1u << 20)) hello += "hello world\n";
  write_gzip_bomb(d, "hello.gz", hello, 1100);
  double took = seconds_of([&] {
    check_error(snapshow("zeros.gz", d), "snapshow: zeros.gz" + zero);
    check_error(snapdiff("smaps.01 zeros.gz", d), "snapdiff: zeros.gz" + zero);
    const std::string not_a_snapshot = "hello.gz:1: " + kTried + "; line 1: \"hello world\"\n";
    check_error(snapshow("hello.gz", d), "snapshow: " + not_a_snapshot);
    check_error(snapdiff("smaps.01 hello.gz", d), "snapdiff: " + not_a_snapshot);
  });
  CHECK(took < 10);
}

TEST_CASE("a series with corrupt files: exit 2 naming the first, or --skip-bad leaves them out") {
  Dir d("skipbad");
  fs::create_directories(d / "ser");
  for (int i = 1; i <= 8; ++i)
    d.copy("c-malloc-leak/smaps.0" + std::to_string(i), "ser/smaps.0" + std::to_string(i));
  d.copy("c-malloc-leak/times.txt", "ser/times.txt");
  // The first file is not a snapshot at all; the fourth has a bad line.
  d.write("ser/smaps.01", "Rss: 4 kB\n");
  auto four = lines_of(real("c-malloc-leak/smaps.04"));
  REQUIRE(four[30] == "Pss:                   4 kB");
  four[30] = "Pss:  x kB";
  d.write("ser/smaps.04", join(four));
  const std::string found = "snapdiff: ser: 8 smaps files (smaps.01 .. smaps.08)\n";
  const std::string first = "ser/smaps.01:1: " + kTried + "; line 1: \"Rss: 4 kB\"";
  const std::string fourth = "ser/smaps.04:31: expected a number for Pss, got \"x\"";
  check_error(snapdiff("ser", d), found + "snapdiff: " + first + "\n");

  Run r = snapdiff("--skip-bad ser", d);
  CHECK(r.status == 1);
  CHECK(r.err == found + "snapdiff: " + first + " (skipped)\nsnapdiff: " + fourth + " (skipped)\n");
  // The six others, 02 .. 08 less 04: the heap from 2824K to 10504K Rss.
  CHECK(contains(r.out, "6 snapshots: ser/smaps.02 .. ser/smaps.08  (smaps)\n"));
  CHECK(contains(
      r.out,
      "steady   +7680K  +1.2M/s  ▁▂▅▆▇█  1.00  heap      55c69e02f000-55c69ea91000    5/5  [heap]"));
  CHECK(contains(r.out, "Rss         5888K   17472K  +11584K"));

  // A bad file in the middle alone: named, exit 2.
  d.copy("c-malloc-leak/smaps.01", "ser/smaps.01");
  check_error(snapdiff("ser", d), found + "snapdiff: " + fourth + "\n");
  check_error(snapdiff("ser/smaps.0[1-4]", d), "snapdiff: " + fourth + "\n");

  CHECK(contains(snapdiff("--help", d).out, "\n      --skip-bad  "));

  // Fewer than two left.
  check_error(
      snapdiff("--skip-bad ser/smaps.04 ser/nosuch ser/smaps.05", d),
      // A file with no number has no line in times.txt: said first.
      "snapdiff: ser/times.txt: warning: nosuch has no number to look its time up by in times.txt; "
      "capture times unknown: rates are per snapshot (give --interval)\n"
      "snapdiff: " +
          fourth +
          " (skipped)\nsnapdiff: ser/nosuch: cannot open: No such file or directory "
          "(skipped)\nsnapdiff: --skip-bad: 1 of the 3 snapshots could be read; at least 2 are needed\n");
}

TEST_CASE("more than 4194304 mappings: FILE:LINE, exit 2, before they fill memory") {
  static_assert(snap::kMaxRegions == 1u << 22);
  Dir d("many");
  // maps lines of 4 KiB mappings 8 KiB apart: one more than the cap.
  {
    std::ofstream out(d / "many", std::ios::binary);
    std::string chunk;
    char line[64];
    for (std::uint64_t i = 0, a = 0x10000000; i <= snap::kMaxRegions; ++i, a += 0x2000) {
      chunk.append(line,
                   static_cast<std::size_t>(std::snprintf(
                       line, sizeof line, "%llx-%llx rw-p 00000000 00:00 0 \n",
                       static_cast<unsigned long long>(a), static_cast<unsigned long long>(a + 0x1000))));
      if (chunk.size() > (1 << 20)) {
        out << chunk;
        chunk.clear();
      }
    }
    out << chunk;
  }
  check_error(
      snapshow("many", d),
      "snapshow: many:4194305: more than 4194304 mappings: not one process's snapshot (the kernel allows "
      "65530 by default, vm.max_map_count)\n");
}
