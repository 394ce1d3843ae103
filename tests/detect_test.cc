// Format detection by structure, on every capture in testdata/.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "snap/error.h"
#include "parse_error.h"
#include "testdata.h"

namespace doctest {
template <>
struct StringMaker<snap::Format> {
  static String convert(snap::Format f) { return String(std::string(snap::format_name(f)).c_str()); }
};
}  // namespace doctest

using snap::test::parse_error;

namespace {

using snap::Format;

/// What a capture is, from its file name ("pmap-XX.03" -> pmap -X); nullopt
/// for the notes, logs and sources that sit beside the captures.
std::optional<Format> expected_format(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  const std::string dir = p.parent_path().filename().string();
  if (dir == "solaris") {
    if (name == "pmap-x.txt") return Format::solaris_pmap_x;
    if (name == "pmap.txt") return Format::pmap;
    return std::nullopt;
  }
  const auto dot = name.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  const std::string stem = name.substr(0, dot);
  const std::string nn = name.substr(dot + 1);
  if (nn.size() != 2 || !std::isdigit(static_cast<unsigned char>(nn[0])) ||
      !std::isdigit(static_cast<unsigned char>(nn[1])))
    return std::nullopt;
  static const std::map<std::string, Format> kByStem = {
      {"smaps", Format::smaps},   {"smaps_rollup", Format::smaps_rollup},
      {"maps", Format::maps},     {"pmap", Format::pmap},
      {"pmap-x", Format::pmap_x}, {"pmap-x-ext", Format::pmap_X},
      {"pmap-XX", Format::pmap_X}, {"pmap-d", Format::pmap_d},
  };
  if (auto it = kByStem.find(stem); it != kByStem.end()) return it->second;
  return std::nullopt;  // nmt-detail.01, ...
}

}  // namespace

TEST_CASE("every capture in testdata is detected as its format") {
  std::map<Format, int> seen;
  int skipped = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(SNAP_TESTDATA)) {
    if (!e.is_regular_file()) continue;
    const auto want = expected_format(e.path());
    const std::string rel = std::filesystem::relative(e.path(), SNAP_TESTDATA).string();
    CAPTURE(rel);
    const std::string text = snap::read_input(e.path().string());
    if (!want) {
      ++skipped;
      continue;
    }
    CHECK(snap::detect_format(text, rel) == *want);
    ++seen[*want];
  }
  CHECK(seen[Format::smaps] == 108);  // with jvm-direct-buffers 16, file-mmap-leak 8; the 100 ms runs (smaps.NNN.gz) not by name
  CHECK(seen[Format::smaps_rollup] == 18);
  CHECK(seen[Format::maps] == 18);
  CHECK(seen[Format::pmap] == 19);  // 18 procps + solaris/pmap.txt
  CHECK(seen[Format::pmap_x] == 101);  // with file-mmap-leak 8, hostile-names 2
  CHECK(seen[Format::pmap_X] == 36);  // -X and -XX
  CHECK(seen[Format::pmap_d] == 4);
  CHECK(seen[Format::solaris_pmap_x] == 1);
  CHECK(skipped > 0);  // GROUND_TRUTH.md, pid.txt, leak.c, nmt-*: not captures
}

TEST_CASE("the notes beside the captures are not snapshots") {
  for (const char* rel : {"c-malloc-leak/leak.c", "jvm-inflater-leak/Leak.java", "GROUND_TRUTH.md",
                          "jvm-inflater-leak/nmt-detail.01", "c-malloc-leak/times.txt"}) {
    CAPTURE(rel);
    const std::string text = snap::read_input(snap::test::path(rel));
    CHECK_THROWS_AS(snap::detect_format(text, rel), snap::ParseError);
  }
}

TEST_CASE("seed lines detect as plain pmap, with and without header and footer") {
  const std::string rows =
      "0000000100102000 56K rwx-- [ heap ]\n"
      "00000001FB000000 24576K rw--- [ anon ]\n";
  CHECK(snap::detect_format(rows, "seed") == Format::pmap);
  CHECK(snap::detect_format("0000000100102000 56K rwx-- [ heap ]\n", "seed") == Format::pmap);
  CHECK(snap::detect_format("4711:   ./app\n" + rows + " total    24632K\n", "seed") == Format::pmap);
  CHECK(snap::detect_format("\n\n4711:\t./app\n\n" + rows, "seed") == Format::pmap);
}

TEST_CASE("single lines of each format, as pasted into a ticket") {
  CHECK(snap::detect_format("55c6672d3000-55c6672d4000 r--p 00000000 fe:00 10952798   /tmp/x\n", "t") ==
        Format::maps);
  CHECK(snap::detect_format("55c69e02f000-55c69e1d1000 rw-p 00000000 00:00 0   [heap]\n"
                            "Size:               1672 kB\n",
                            "t") == Format::smaps);
  CHECK(snap::detect_format("55c6672d3000-7ffea7d9a000 ---p 00000000 00:00 0   [rollup]\n"
                            "Rss:                3968 kB\n",
                            "t") == Format::smaps_rollup);
  CHECK(snap::detect_format("000055c69e02f000    1672    1544    1544 rw---   [ anon ]\n", "t") ==
        Format::pmap_x);
  CHECK(snap::detect_format("0000562b01bfb000    2952 rw--- 0000000000000000 000:00000   [ anon ]\n",
                            "t") == Format::pmap_d);
  CHECK(snap::detect_format("00022000   20344   16248   16248       - rwx--    [ heap ]\n", "t") ==
        Format::solaris_pmap_x);
  CHECK(snap::detect_format("    55c69e02f000 rw-p 00000000  00:00        0   1672 1544 1544 [heap]\n",
                            "t") == Format::pmap_X);
}

TEST_CASE("garbage is an error that names the formats tried") {
  const snap::ParseError e =
      parse_error([] { snap::detect_format("\nhello world\nthis is not a memory map\n", "junk.txt"); });
  CHECK(e.path() == "junk.txt");
  CHECK(e.line() == 2);
  const std::string what = e.what();
  CHECK(what.starts_with("junk.txt:2: "));
  CHECK(what.find("\"hello world\"") != std::string::npos);
  for (const char* format : {"smaps", "smaps_rollup", "maps", "pmap", "pmap -x", "pmap -X",
                             "pmap -d", "Solaris pmap -x"}) {
    CAPTURE(format);
    CHECK(what.find(format) != std::string::npos);
  }
}

TEST_CASE("empty input is an error") {
  for (const char* text : {"", "\n\n", "   \n\t\n", "4711:   ./app\n"}) {
    CAPTURE(text);
    const snap::ParseError e = parse_error([&] { snap::detect_format(text, "empty.txt"); });
    CHECK(e.path() == "empty.txt");
    CHECK(std::string(e.what()).starts_with("empty.txt: "));
  }
  CHECK_THROWS_AS(snap::parse_snapshot("", "empty.txt"), snap::ParseError);
}
