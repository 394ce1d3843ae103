// What snapdiff and snapshow write of names a program chose, run as a user
// runs them: testdata/hostile-names is a real process that mapped a file
// whose name holds terminal escapes, not-UTF-8 bytes, a newline and a
// backslash, and one whose name is a spreadsheet formula; its command line
// and a thread name carry escapes too (see its GROUND_TRUTH.md). Nothing a
// terminal acts on may reach stdout or stderr; JSON gives the bytes back;
// CSV quotes them and neutralises formulas. Deliberately independent of
// snap/escape.h: the expected bytes are spelled out here.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_tool.h"
#include "testdata.h"

namespace {

using snap::test::run_tool;

const std::string kDir = snap::test::path("hostile-names");
const std::string kEnv = "NO_COLOR=1 LC_ALL=C.UTF-8";

// From hostile-names.log: pid, ranges after step 2, the bytes of the names.
// smaps holds the file name as the kernel writes it: the newline as the
// four characters \012, everything else as it is.
const std::string kEvilRaw =
    "/tmp/snap-hostile-names/evil-\x1b]0;pwned\x07\x1b[2J\xc2\x9b"
    "31m\xff\xfe\\012x\\y";
const std::string kEvilShown =
    "/tmp/snap-hostile-names/evil-\\x1b]0;pwned\\x07\\x1b[2J\\xc2\\x9b31m\\xff\\xfe\\\\012x\\\\y";
// The command line as snapcollect's manifest holds it (the \xff argument was
// replaced by U+FFFD when the manifest was written), then as shown.
const std::string kCommandShown =
    "./hostile-names hostile-names.log /tmp/snap-hostile-names \\x1b]0;owned\\x07 \\x1b[2J \\xc2\\x9b31mred "
    "\xef\xbf\xbd a\\x0ab";
// The thread's name, as snapdiff groups it (digits as *), then as shown.
const std::string kThreadShown = "\\x1b[*J\\xc2\\x9bthr\xef\xbf\xbd";

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

/// Whether a terminal would only print `s`: valid UTF-8 without C0 controls
/// (but '\n'), DEL or C1 controls.
bool terminal_safe(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x80) {
      if ((u < 0x20 && u != '\n') || u == 0x7f) return false;
      ++i;
      continue;
    }
    const std::size_t n = u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : u >= 0xC2 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    if (u == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) return false;  // C1
    i += n;
  }
  return true;
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

/// The rule of docs/names.md for the escaped form: \\ is a backslash, \xNN the byte.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      out += from_hex(s.substr(i + 2, 2));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// A name from snap's JSON: KEY, or its bytes from KEY_hex when there.
std::string json_name(const nlohmann::json& j, const std::string& key) {
  if (j.contains(key + "_hex")) {
    const std::string bytes = from_hex(j[key + "_hex"].get<std::string>());
    CHECK(unescape(j[key].get<std::string>()) == bytes);  // both forms say the same
    return bytes;
  }
  return j[key].get<std::string>();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  for (std::size_t nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1)
    out.push_back(text.substr(from, nl - from));
  return out;
}

}  // namespace

TEST_CASE("snapdiff: a hostile file name, command line and thread name, escaped byte for byte") {
  const auto r = run_tool(SNAPDIFF_EXE, "collected/smaps.0001 collected/smaps.0002", kDir, kEnv);
  INFO(r.out, r.err);
  CHECK(r.status == 1);  // growth found
  CHECK(terminal_safe(r.out));
  CHECK(terminal_safe(r.err));
  const auto l = lines(r.out);
  REQUIRE(l.size() > 9);
  CHECK(l[0] == "before: collected/smaps.0001  (smaps, pid 15034: " + kCommandShown + ", 14 mappings)");
  CHECK(l[1] == "after:  collected/smaps.0002  (smaps, pid 15034: " + kCommandShown + ", 16 mappings)");
  CHECK(l[4] == "2 blocks grew, by +1920K Rss in total:");
  CHECK(l[6] ==
        " +960K     64K  1024K  +1500%  grown   file      7f4a7c4fc000-7f4a7c5fc000  "
        "/tmp/snap-hostile-names/=HYPERLINK(\"x\",\"y\")");
  CHECK(l[7] == " +960K     64K  1024K  +1500%  grown   file      7f4a7c5fc000-7f4a7c6fc000  " + kEvilShown);
  CHECK(l[8] == "Threads by name: " + kThreadShown + ": 0 -> 1");

  // --all lists the new thread's stack under its name.
  const auto all = run_tool(SNAPDIFF_EXE, "--all collected/smaps.0001 collected/smaps.0002", kDir, kEnv);
  CHECK(terminal_safe(all.out));
  CHECK(contains(all.out,
                 "   +8K      0K     8K     n/a  new        thread-stack  7f4a7bcfc000-7f4a7c4fc000"
                 "          [\\x1b[2J\\xc2\\x9bthr\xef\xbf\xbd tid 15040]\n"));
}

TEST_CASE("snapdiff DIR: the note that names the process escapes its command line") {
  const auto r = run_tool(SNAPDIFF_EXE, "collected", kDir, kEnv);
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(terminal_safe(r.out));
  CHECK(terminal_safe(r.err));
  CHECK(lines(r.err).at(0) == "snapdiff: collected: 2 snapshots collected from pid 15034: " + kCommandShown);
}

TEST_CASE("snapdiff on pmap -x: the C1 CSI that pmap lets through is escaped") {
  const auto r = run_tool(SNAPDIFF_EXE, "pmap-x.01 pmap-x.02", kDir, kEnv);
  CHECK(terminal_safe(r.out));
  // pmap itself writes ? for ESC and BEL, but not for U+009B.
  CHECK(lines(r.out).at(0) ==
        "before: pmap-x.01  (pmap-x, pid 15034: ./hostile-names hostile-names.log /tmp/snap-hostile-names "
        "?]0;owned? ?[2J \\xc2\\x9b31mred ? a b, 14 mappings)");
}

TEST_CASE("snapshow: the hostile name in the top mappings") {
  const auto r = run_tool(SNAPSHOW_EXE, "collected/smaps.0002", kDir, kEnv);
  CHECK(r.status == 0);
  CHECK(terminal_safe(r.out));
  CHECK(contains(r.out,
                 "\n1024K  1024K  1024K  1024K    0K  1024K  rw-s   file          "
                 "7f4a7c5fc000-7f4a7c6fc000  " +
                     kEvilShown + "\n"));
}

TEST_CASE("CSV: control bytes quoted, formulas neutralised") {
  const auto smaps = run_tool(SNAPDIFF_EXE, "--csv collected", kDir, kEnv);
  CHECK(contains(smaps.out, "\r\n0x7f4a7c5fc000,0x7f4a7c6fc000,grown,file,\"" + kEvilRaw + "\",1,1,"));
  CHECK(terminal_safe(smaps.err));
  // pmap shows a file's base name: a cell that would start with =.
  const auto pmap = run_tool(SNAPDIFF_EXE, "--csv pmap-x.01 pmap-x.02", kDir, kEnv);
  CHECK(contains(pmap.out,
                 "\r\n0x7f4a7c4fc000,0x7f4a7c5fc000,grown,file,\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",1,1,"));
}

TEST_CASE("JSON: every name comes back as its bytes") {
  const auto r = run_tool(SNAPDIFF_EXE, "--json --all collected", kDir, kEnv);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(json_name(j["snapshots"][0], "command") ==
        "./hostile-names hostile-names.log /tmp/snap-hostile-names \x1b]0;owned\x07 \x1b[2J \xc2\x9b"
        "31mred "
        "\xef\xbf\xbd a\nb");
  bool evil = false, thread = false;
  for (const auto& b : j["blocks"]) {
    if (b["start"] == "0x7f4a7c5fc000") {
      evil = true;
      CHECK(json_name(b, "name") == kEvilRaw);
      CHECK(b["name_hex"] ==
            "2f746d702f736e61702d686f7374696c652d6e616d65732f6576696c2d1b5d303b70776e6564071b5b324ac29b33316d"
            "fffe5c303"
            "132785c79");
      for (const auto& m : b["members"]) CHECK(json_name(m, "name") == kEvilRaw);
    }
    if (b["start"] == "0x7f4a7bcfc000") {
      thread = true;
      REQUIRE(b["threads"].size() == 1);
      CHECK(json_name(b["threads"][0], "name") == "\x1b[2J\xc2\x9bthr\xef\xbf\xbd");
    }
  }
  CHECK(evil);
  CHECK(thread);

  const auto show = run_tool(SNAPSHOW_EXE, "--json collected/smaps.0002", kDir, kEnv);
  const auto s = nlohmann::json::parse(show.out);
  bool top = false;
  for (const auto& m : s["top"])
    if (m["start"] == "0x7f4a7c5fc000") {
      top = true;
      CHECK(json_name(m, "name") == kEvilRaw);
    }
  CHECK(top);
}

TEST_CASE("errors and warnings: file names and the quoted input escaped") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("snap_textsafe." + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string garbage = "\x1b]0;t\x07\x1b[2J\xc2\x9b.smaps";
  std::ofstream(dir / garbage) << "hello\n";
  std::ofstream(dir / "cut\x1b[2J") << "1000-2000 rw-p 00000000 00:00 0 x\n1000-2000 r";
  std::ofstream(dir / "bad") << "1000-2000 rw-p 00000000 00:00 0 x\nzz\x1b[2J\xc2\x9b\\ 1\n";

  auto r = run_tool(SNAPDIFF_EXE, "\"$(printf '\\033]0;t\\007\\033[2J\\302\\233.smaps')\" bad", dir, kEnv);
  CHECK(r.status == 2);
  CHECK(
      r.err ==
      "snapdiff: \\x1b]0;t\\x07\\x1b[2J\\xc2\\x9b.smaps:1: not a snapshot in any known format (tried smaps, "
      "smaps_rollup, maps, pmap, pmap -x, pmap -X/-XX, pmap -d, Solaris pmap -x); line 1: \"hello\"\n");

  r = run_tool(SNAPDIFF_EXE, "\"$(printf 'cut\\033[2J')\" \"$(printf 'cut\\033[2J')\"", dir, kEnv);
  CHECK(lines(r.err).at(0) ==
        "snapdiff: cut\\x1b[2J:2: warning: last line cut short (no newline), ignored: expected permissions "
        "like "
        "\"rw-p\", got \"r\"");
  CHECK(terminal_safe(r.out));

  r = run_tool(SNAPDIFF_EXE, "bad bad", dir, kEnv);
  CHECK(r.status == 2);
  CHECK(r.err == "snapdiff: bad:2: expected address range START-END, got \"zz\\x1b[2J\\xc2\\x9b\\\\\"\n");

  r = run_tool(SNAPDIFF_EXE, "\"$(printf '/nonexistent\\033[2J')\" bad", dir, kEnv);
  CHECK(r.err == "snapdiff: /nonexistent\\x1b[2J: cannot open: No such file or directory\n");

  r = run_tool(SNAPDIFF_EXE, "--color=\"$(printf '\\033[2J')\" pmap-x.01 pmap-x.02", kDir, kEnv);
  CHECK(r.status == 2);
  CHECK(lines(r.err).at(0) == "snapdiff: --color must be auto, always or never, not '\\x1b[2J'");

  r = run_tool(SNAPSHOW_EXE, "\"$(printf '\\033]0;t\\007\\033[2J\\302\\233.smaps')\"", dir, kEnv);
  CHECK(r.status == 2);
  CHECK(contains(r.err, "snapshow: \\x1b]0;t\\x07\\x1b[2J\\xc2\\x9b.smaps:1: not a snapshot"));
  CHECK(terminal_safe(r.err));
  fs::remove_all(dir);
}

TEST_CASE("growth of 2^63 bytes or more is marked saturated") {
  const std::string regress = snap::test::path("regress");
  // Two new blocks of 2^62 and 2^62 + 4 KiB: their sum passes 2^63.
  const auto text = run_tool(SNAPDIFF_EXE, "-h maps-one-high maps-two-huge", regress, kEnv);
  CHECK(contains(text.out, "\n2 blocks grew, by >=+8.0E Accessible in total:\n"));
  CHECK(contains(text.out, "\nSize        4.0K   8.0E  >=+8.0E\n"));
  CHECK(
      contains(text.out,
               "        +4.0E      0B   4.0E  n/a  new     anon      0-4000000000000000"));  // exact: no mark
  const auto kib = run_tool(SNAPDIFF_EXE, "maps-one-high maps-two-huge", regress, kEnv);
  CHECK(contains(kib.out, "\n2 blocks grew, by >=+9007199254740992K Accessible in total:\n"));
  // The shrink the other way: at least 2^63 less.
  const auto back = run_tool(SNAPDIFF_EXE, "-h maps-two-huge maps-one-high", regress, kEnv);
  CHECK(contains(back.out, "<=-8.0E"));

  const auto json = run_tool(SNAPDIFF_EXE, "--json maps-one-high maps-two-huge", regress, kEnv);
  const auto j = nlohmann::json::parse(json.out);
  CHECK(j["growth"] == INT64_MAX);
  CHECK(j["growth_saturated"] == true);
  CHECK(j["totals"]["size"]["saturated"] == true);
  CHECK_FALSE(j["totals"]["mappings"].contains("saturated"));
  for (const auto& b : j["blocks"]) CHECK_FALSE(b["counters"]["size"].contains("saturated"));  // each fits
}

TEST_CASE("a trend (three snapshots): text, JSON and CSV alike") {
  const std::string series = "collected/smaps.0001 collected/smaps.0001 collected/smaps.0002";
  const auto text = run_tool(SNAPDIFF_EXE, series, kDir, kEnv);
  CHECK(terminal_safe(text.out));
  CHECK(terminal_safe(text.err));
  CHECK(lines(text.out).at(0) ==
        "3 snapshots: collected/smaps.0001 .. collected/smaps.0002  (smaps, pid 15034: " + kCommandShown +
            ")");
  // Both files grew from 64K to 1M: one population by shape, the evil
  // one folded under it.
  CHECK(contains(text.out, "  file      (population)                   1/2  file 1024K (by shape): 0 -> 2 regions"));
  CHECK(contains(text.out, "  file      \u2514 7f4a7c5fc000-7f4a7c6fc000    1/2  " + kEvilShown + "\n"));
  CHECK(contains(text.out, "\nThreads by name: " + kThreadShown + ": 0 -> 1\n"));

  const auto json = run_tool(SNAPDIFF_EXE, "--json " + series, kDir, kEnv);
  const auto j = nlohmann::json::parse(json.out);
  bool evil = false;
  for (const auto& f : j["findings"])
    for (const auto& m : f["members"])
      if (m.value("start", "") == "0x7f4a7c5fc000") {
        evil = true;
        CHECK(json_name(m, "name") == kEvilRaw);
      }
  CHECK(evil);

  // The CSV has the population's series (its members' names are the JSON's).
  const auto csv = run_tool(SNAPDIFF_EXE, "--csv " + series, kDir, kEnv);
  CHECK(contains(csv.out, ",1,population,stepwise,file,,,file 1024K,rss,2097152\r\n"));
}
