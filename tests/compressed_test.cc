// Compressed snapshots beyond gzip: copies of a testdata capture made here
// by xz, bzip2 and zstd (a codec whose command is missing is not checked;
// with none of them the test exits 77, skipped), read by the library and by
// snapshow and snapdiff as the plain file is; truncated, concatenated and
// corrupt files; compressors snap does not read are named with what to run.
// And whatever binary a user feeds, no error message carries a raw high
// byte or a control byte to the terminal.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "snap/error.h"
#include "snap/parse.h"
#include "files.h"
#include "run_tool.h"
#include "testdata.h"

using snap::test::slurp;
using snap::test::spit;
using snap::test::TempDir;

namespace {

struct Codec {
  std::string command;  // compresses stdin to stdout with -c
  std::string suffix;
  std::string name;  // as the error messages name it
};

const std::vector<Codec> kCodecs = {
    {"xz", ".xz", "xz"},
    {"bzip2", ".bz2", "bzip2"},
    {"zstd", ".zst", "zstd"},
};

bool have(const std::string& command) {
  return std::system(("command -v " + command + " >/dev/null 2>&1").c_str()) == 0;
}

/// `COMMAND -c SRC > DST`.
std::string compress(const Codec& c, const std::string& src, const std::string& dst) {
  REQUIRE(std::system((c.command + " -q -c '" + src + "' > '" + dst + "'").c_str()) == 0);
  const std::string z = slurp(dst);
  REQUIRE(!z.empty());
  REQUIRE(z != slurp(src));
  return dst;
}

snap::test::Run tool(const char* exe, const std::string& args, const std::string& dir) {
  return snap::test::run_tool(exe, args, dir, "NO_COLOR=1");
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

/// The first byte a terminal would act on or print raw: a control byte
/// other than newline, DEL, or any byte >= 0x80; npos when there is none.
std::size_t first_unsafe(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if ((u < 0x20 && u != '\n') || u >= 0x7f) return i;
  }
  return std::string_view::npos;
}

}  // namespace

TEST_CASE("xz, bzip2, zstd copies of a capture read as the capture: library, snapshow, snapdiff") {
  std::size_t checked = 0;
  TempDir dir;
  const std::string before = snap::test::path("c-malloc-leak/smaps.01");
  const std::string after = snap::test::path("c-malloc-leak/smaps.08");
  spit(dir / "smaps.01", slurp(before));
  spit(dir / "smaps.08", slurp(after));
  const auto plain_show = tool(SNAPSHOW_EXE, "--json smaps.08", dir.path.string());
  const auto plain_diff = tool(SNAPDIFF_EXE, "smaps.01 smaps.08", dir.path.string());
  REQUIRE(plain_show.status == 0);
  REQUIRE(plain_diff.status == 1);  // c-malloc-leak grows

  for (const Codec& c : kCodecs) {
    CAPTURE(c.command);
    if (!have(c.command)) {
      MESSAGE(c.command << " is not installed: its files are not checked");
      continue;
    }
    ++checked;
    const std::string z1 = compress(c, before, dir / ("z.01" + c.suffix));
    const std::string z8 = compress(c, after, dir / ("z.08" + c.suffix));

    // The library: the same text and the same regions.
    const std::string plain_text = slurp(after);
    CHECK(snap::read_input(z8) == plain_text);
    const snap::Snapshot plain = snap::read_snapshot(after);
    const snap::Snapshot read = snap::read_snapshot(z8);
    CHECK(read.regions.size() == plain.regions.size());
    CHECK(read.totals == plain.totals);
    // One region a mapping header line of the capture.
    std::size_t headers = 0;
    for (std::size_t at = 0; at != std::string::npos; at = plain_text.find('\n', at + 1)) {
      const std::size_t from = at == 0 ? 0 : at + 1;
      const std::size_t dash = plain_text.find('-', from);
      if (dash != std::string::npos && dash > from &&
          plain_text.find_first_not_of("0123456789abcdef", from) == dash)
        ++headers;
    }
    CHECK(read.regions.size() == headers);

    // snapshow: the JSON of the plain file, but for its name.
    auto show = tool(SNAPSHOW_EXE, "--json z.08" + c.suffix, dir.path.string());
    CHECK(show.status == 0);
    CHECK(show.err.empty());
    std::string expected = plain_show.out;
    const std::string from = "\"source\": \"smaps.08\"";
    REQUIRE(contains(expected, from));
    expected.replace(expected.find(from), from.size(), "\"source\": \"z.08" + c.suffix + "\"");
    CHECK(show.out == expected);

    // From standard input too (not mapped: read through a pipe).
    auto piped = snap::test::run_tool(SNAPSHOW_EXE, "--json -", dir.path.string(), "NO_COLOR=1", z8);
    CHECK(piped.status == 0);
    CHECK(contains(piped.out, "\"source\": \"-\""));

    // snapdiff: the same report, one file compressed and one not too.
    auto diff = tool(SNAPDIFF_EXE, "z.01" + c.suffix + " z.08" + c.suffix, dir.path.string());
    CHECK(diff.status == 1);
    CHECK(diff.err.empty());
    auto mixed = tool(SNAPDIFF_EXE, "smaps.01 z.08" + c.suffix, dir.path.string());
    CHECK(mixed.status == 1);
    const auto body = [](const std::string& report) { return report.substr(report.find("\n\n")); };
    CHECK(body(diff.out) == body(plain_diff.out));
    CHECK(body(mixed.out) == body(plain_diff.out));

    // A directory of compressed snapshots is a series, numbered as the
    // plain one: the same trend report.
    const std::string series = dir / ("series" + c.suffix);
    std::filesystem::create_directory(series);
    for (const char* n : {"01", "04", "08"})
      compress(c, snap::test::path(std::string("c-malloc-leak/smaps.") + n), series + "/smaps." + n + c.suffix);
    const std::string plain_series = dir / "series";
    std::filesystem::create_directories(plain_series);
    for (const char* n : {"01", "04", "08"})
      spit(plain_series + "/smaps." + n, slurp(snap::test::path(std::string("c-malloc-leak/smaps.") + n)));
    auto trend = tool(SNAPDIFF_EXE, "--interval 1m series" + c.suffix, dir.path.string());
    auto plain_trend = tool(SNAPDIFF_EXE, "--interval 1m series", dir.path.string());
    CHECK(trend.status == 1);
    CHECK(contains(trend.out, "3 snapshots"));
    CHECK(body(trend.out) == body(plain_trend.out));

    // Two streams one after the other are one file, as to COMMAND -d: the
    // capture twice, whose second copy overlaps the first.
    spit(dir / ("twice" + c.suffix), slurp(z8) + slurp(z8));
    CHECK(snap::read_input(dir / ("twice" + c.suffix)) == slurp(after) + slurp(after));

    // Cut short: an error naming the file and the compression, exit 2.
    const std::string z = slurp(z8);
    spit(dir / ("cut" + c.suffix), z.substr(0, z.size() - 9));
    auto cut = tool(SNAPSHOW_EXE, "cut" + c.suffix, dir.path.string());
    CHECK(cut.status == 2);
    CHECK(cut.out.empty());
    CHECK(cut.err == "snapshow: cut" + c.suffix + ": " + c.name + ": unexpected end of file (truncated?)\n");

    // Corrupt past the header: an error, never a snapshot.
    std::string bad = z;
    for (std::size_t i = bad.size() / 2; i < bad.size() / 2 + 16; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x55);
    spit(dir / ("bad" + c.suffix), bad);
    auto corrupt = tool(SNAPSHOW_EXE, "bad" + c.suffix, dir.path.string());
    CHECK(corrupt.status == 2);
    CHECK(corrupt.err.starts_with("snapshow: bad" + c.suffix + ": " + c.name + ": "));
    CHECK(first_unsafe(corrupt.err) == std::string_view::npos);
  }
  if (checked == 0) {
    MESSAGE("skipped: none of xz, bzip2, zstd is installed (apt-get install xz-utils bzip2 zstd)");
    std::exit(77);
  }
}

TEST_CASE("lz4, lzip, compress(1): named, with the command that decompresses them, exit 2") {
  TempDir dir;
  struct Unread {
    std::string magic, name, command;
  };
  const std::vector<Unread> unread = {
      {std::string("\x04\x22\x4d\x18", 4), "lz4", "lz4 -d"},
      {"LZIP\x01", "lzip", "lzip -d"},
      {std::string("\x1f\x9d\x90", 3), "compress", "uncompress"},
  };
  for (const Unread& u : unread) {
    CAPTURE(u.name);
    spit(dir / "snap.bin", u.magic + std::string(300, '\xa5'));
    for (const char* exe : {SNAPSHOW_EXE, SNAPDIFF_EXE}) {
      const bool show = std::string_view(exe) == SNAPSHOW_EXE;
      auto r = tool(exe, show ? "snap.bin" : "snap.bin snap.bin", dir.path.string());
      CHECK(r.status == 2);
      CHECK(r.out.empty());
      CHECK(contains(r.err, ": snap.bin: " + u.name + "-compressed: not supported, run " + u.command + "\n"));
    }
  }
}

TEST_CASE("binary input: no error message carries a byte >= 0x80 or a control byte") {
  TempDir dir;
  std::mt19937 rng(19);
  std::string noise(4096, '\0');
  for (char& ch : noise) ch = static_cast<char>(rng() & 0xff);
  spit(dir / "noise", noise);
  // High bytes and escapes where each parser quotes its input: a maps
  // line's name (kept, so also a bad address), an smaps field, a pmap
  // header; and a name of high bytes for the file itself.
  spit(dir / "maps-line", "0040\xff\xfe" "000-00452000 r-xp 00000000 08:02 173521 /usr/bin/\x1b[31m\x9b\xff\n");
  spit(dir / "smaps-field",
       "00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/x\nSize:  \xe9\x1b[2J kB\n");
  spit(dir / "pmap-header", "4242:   \x1b]0;pwned\x07\xff\n0000000000400000      8K r-x-- \xfe\x01\n");
  spit(dir / "high-\xff\x1b[1mname", noise);
  spit(dir / "noise.xz", std::string("\xfd" "7zXZ\0", 6) + noise);
  spit(dir / "noise.zst", "\x28\xb5\x2f\xfd" + noise);
  spit(dir / "noise.bz2", "BZh9" + noise);
  spit(dir / "noise.gz", "\x1f\x8b" + noise);
  std::size_t runs = 0;
  for (const std::string file : {"noise", "maps-line", "smaps-field", "pmap-header", "'high-'$'\\xff\\x1b''[1mname'",
                                 "noise.xz", "noise.zst", "noise.bz2", "noise.gz", "/bin/sh"}) {
    CAPTURE(file);
    // The pmap file is a snapshot (with a warning: no total line); the
    // rest are refused.
    const int status = file == "pmap-header" ? 0 : 2;
    for (const std::string& run : {std::string(SNAPSHOW_EXE) + " " + file, std::string(SNAPDIFF_EXE) + " " + file + " " + file}) {
      // Through bash for the $'...' name.
      auto r = snap::test::run_tool("/bin/bash", "-c \"exec " + run + "\"", dir.path.string(), "NO_COLOR=1");
      CAPTURE(r.err);
      CHECK(r.status == status);
      CHECK(!r.err.empty());
      CHECK(first_unsafe(r.err) == std::string_view::npos);
      CHECK(first_unsafe(r.out) == std::string_view::npos);
      ++runs;
    }
  }
  CHECK(runs == 20);
}
