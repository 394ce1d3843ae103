// Reading inputs: plain files, gzip (by magic bytes, whatever the name),
// stdin, and the errors of files that cannot be read.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include "snap/error.h"
#include "files.h"
#include "parse_error.h"
#include "testdata.h"

using snap::test::slurp;
using snap::test::spit;
using snap::test::TempDir;
using snap::test::parse_error;

namespace {

namespace fs = std::filesystem;
using snap::Field;
using snap::test::KiB;

/// `gzip -c SRC > DST`, with gzip(1).
void gzip(const std::string& src, const std::string& dst) {
  const std::string cmd = "gzip -9 -c '" + src + "' > '" + dst + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string z = slurp(dst);
  REQUIRE(z.size() > 18);
  REQUIRE(static_cast<unsigned char>(z[0]) == 0x1f);
  REQUIRE(static_cast<unsigned char>(z[1]) == 0x8b);
}

}  // namespace

TEST_CASE("c-malloc-leak smaps.01: read_input returns the file's bytes") {
  const std::string path = snap::test::path("c-malloc-leak/smaps.01");
  const std::string text = snap::read_input(path);
  CHECK(text == slurp(path));
  CHECK(text.size() == fs::file_size(path));
  CHECK(text.starts_with("55c6672d3000-55c6672d4000 r--p 00000000 fe:00 10952798"));
}

TEST_CASE("c-malloc-leak smaps.01.gz parses identically to smaps.01") {
  TempDir dir;
  const std::string plain = snap::test::path("c-malloc-leak/smaps.01");
  const std::string gz = dir / "smaps.01.gz";
  gzip(plain, gz);
  CHECK(snap::read_input(gz) == snap::read_input(plain));

  const snap::Snapshot a = snap::read_snapshot(plain);
  const snap::Snapshot b = snap::read_snapshot(gz);
  CHECK(b.source == gz);
  CHECK(b.format == snap::Format::smaps);
  CHECK(a.regions == b.regions);
  CHECK(a.totals == b.totals);
  CHECK(b.totals.get(Field::rss) == 3968 * KiB);
}

TEST_CASE("c-malloc-leak pmap-x.01 gzipped under a name without .gz is still inflated") {
  TempDir dir;
  const std::string plain = snap::test::path("c-malloc-leak/pmap-x.01");
  const std::string disguised = dir / "pmap-x.01";
  gzip(plain, disguised);
  CHECK(snap::read_input(disguised) == snap::read_input(plain));
  const snap::Snapshot s = snap::read_snapshot(disguised);
  CHECK(s.format == snap::Format::pmap_x);
  CHECK(s.pid == 5094);
  CHECK(s.regions.size() == 32);
}

TEST_CASE("a plain file named .gz is read as it is") {
  TempDir dir;
  const std::string plain = snap::test::path("c-malloc-leak/maps.01");
  const std::string named = dir / "maps.01.gz";
  spit(named, slurp(plain));
  CHECK(snap::read_input(named) == slurp(plain));
  CHECK(snap::read_snapshot(named).regions.size() == 32);
}

TEST_CASE("concatenated gzip members read as one stream, as gzip -d does") {
  TempDir dir;
  const std::string text = slurp(snap::test::path("c-malloc-leak/pmap.01"));
  const std::size_t half = text.find('\n', text.size() / 2) + 1;
  spit(dir / "a", text.substr(0, half));
  spit(dir / "b", text.substr(half));
  gzip(dir / "a", dir / "a.gz");
  gzip(dir / "b", dir / "b.gz");
  spit(dir / "ab.gz", slurp(dir / "a.gz") + slurp(dir / "b.gz"));
  CHECK(snap::read_input(dir / "ab.gz") == text);
}

TEST_CASE("a truncated gzip file is an error") {
  TempDir dir;
  const std::string gz = dir / "smaps.01.gz";
  gzip(snap::test::path("c-malloc-leak/smaps.01"), gz);
  const std::string z = slurp(gz);

  SUBCASE("cut in half") {
    spit(dir / "cut.gz", z.substr(0, z.size() / 2));
  }
  SUBCASE("without its 8-byte trailer (CRC and size)") {
    spit(dir / "cut.gz", z.substr(0, z.size() - 8));
  }
  SUBCASE("only the 10-byte header") {
    spit(dir / "cut.gz", z.substr(0, 10));
  }
  const std::string cut = dir / "cut.gz";
  const snap::ParseError e = parse_error([&] { snap::read_input(cut); });
  CHECK(e.path() == cut);
  CHECK(e.line() == 0);
  const std::string what = e.what();
  CHECK(what.starts_with(cut + ": gzip: "));
  CHECK_THROWS_AS(snap::read_snapshot(cut), snap::ParseError);
}

TEST_CASE("a corrupt gzip file is an error") {
  TempDir dir;
  const std::string gz = dir / "smaps.01.gz";
  gzip(snap::test::path("c-malloc-leak/smaps.01"), gz);
  std::string z = slurp(gz);
  z[z.size() - 6] ^= 0x5a;  // inside the CRC32: the data no longer matches it
  spit(gz, z);
  const snap::ParseError e = parse_error([&] { snap::read_input(gz); });
  CHECK(std::string(e.what()).starts_with(gz + ": gzip: "));
}

TEST_CASE("a missing file is an error that says so") {
  TempDir dir;
  const std::string missing = dir / "no-such-smaps";
  const snap::ParseError e = parse_error([&] { snap::read_input(missing); });
  CHECK(e.path() == missing);
  CHECK(e.line() == 0);
  CHECK(e.reason() == "cannot open: No such file or directory");
  CHECK(std::string(e.what()) == missing + ": cannot open: No such file or directory");
  CHECK_THROWS_AS(snap::read_snapshot(missing), snap::ParseError);
}

TEST_CASE("a directory is an error") {
  TempDir dir;
  const snap::ParseError e = parse_error([&] { snap::read_input(dir.path.string()); });
  CHECK(e.path() == dir.path.string());
  CHECK(e.line() == 0);
  CHECK(std::string(e.what()).find("directory") != std::string::npos);
}

TEST_CASE("an empty file reads as empty text, and is no snapshot") {
  TempDir dir;
  spit(dir / "empty", "");
  CHECK(snap::read_input(dir / "empty").empty());
  CHECK_THROWS_AS(snap::read_snapshot(dir / "empty"), snap::ParseError);
}

TEST_CASE("\"-\" reads stdin, gzip included") {
  TempDir dir;
  const std::string plain = snap::test::path("c-malloc-leak/pmap.01");
  const std::string gz = dir / "pmap.01.gz";
  gzip(plain, gz);

  for (const std::string& file : {plain, gz}) {
    CAPTURE(file);
    const int saved = ::dup(STDIN_FILENO);
    REQUIRE(saved >= 0);
    const int fd = ::open(file.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    REQUIRE(::dup2(fd, STDIN_FILENO) == STDIN_FILENO);
    ::close(fd);
    std::string text;
    bool threw = false;
    try {
      text = snap::read_input("-");
    } catch (const snap::ParseError&) {
      threw = true;
    }
    ::dup2(saved, STDIN_FILENO);
    ::close(saved);
    CHECK_FALSE(threw);
    CHECK(text == slurp(plain));
  }
}
