// A regular smaps or pmap file is read through one small buffer and parsed
// piece by piece (read_streaming, input.cc), not mapped and parsed whole.
// Its contract: the same Snapshot as parse_snapshot() of the whole text, or
// no answer (the whole-text path then decides). Checked on every capture of
// testdata/, with buffers from 1 byte (a piece a line) to the real one, and
// on mutated copies of real smaps, pmap, pmap -x and pmap -XX captures.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "parsers.h"
#include "snap/error.h"
#include "snap/parse.h"
#include "testdata.h"

namespace fs = std::filesystem;

namespace {

void check_same(const snap::Snapshot& a, const snap::Snapshot& b) {
  CHECK(a.source == b.source);
  CHECK(a.format == b.format);
  CHECK(a.pid == b.pid);
  CHECK(a.command == b.command);
  CHECK(a.regions.size() == b.regions.size());
  CHECK(a.regions == b.regions);
  CHECK(a.totals == b.totals);
  CHECK(a.reported_totals == b.reported_totals);
  REQUIRE(a.warnings.size() == b.warnings.size());
  for (std::size_t i = 0; i < a.warnings.size(); ++i) {
    CHECK(a.warnings[i].line == b.warnings[i].line);
    CHECK(a.warnings[i].message == b.warnings[i].message);
  }
}

struct File {
  int fd;
  std::size_t size;
  explicit File(const std::string& p) : fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC)) {
    REQUIRE(fd >= 0);
    size = static_cast<std::size_t>(fs::file_size(p));
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() { ::close(fd); }
};

std::optional<snap::Snapshot> streamed(const std::string& p, std::size_t chunk,
                                       std::optional<snap::Format> format = std::nullopt) {
  File f(p);
  return snap::detail::read_streaming(f.fd, p, f.size, format, chunk);
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The files of testdata/ small enough to parse many times over.
std::vector<std::string> testdata_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(SNAP_TESTDATA))
    if (e.is_regular_file() && e.file_size() > 0 && e.file_size() < (std::uintmax_t{4} << 20))
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool streams(snap::Format f) {
  using F = snap::Format;
  return f == F::smaps || f == F::pmap || f == F::pmap_x || f == F::pmap_X || f == F::pmap_d ||
         f == F::solaris_pmap_x;
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/snap-stream-XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    path = name;
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("every capture streams to what the whole text parses to, whatever the buffer") {
  std::map<snap::Format, std::size_t> streamed_files;
  for (const std::string& p : testdata_files()) {
    CAPTURE(p);
    const std::string text = slurp(p);
    std::optional<snap::Snapshot> whole;
    try {
      whole = snap::parse_snapshot(text, p);
    } catch (const snap::ParseError&) {
    }
    // What the kernel and procps write: a newline at the end, no '\r'.
    const bool plain = whole && streams(whole->format) && text.ends_with('\n') &&
                       text.find('\r') == std::string::npos && text.find('\n') < snap::kProbeBytes;
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{100}, std::size_t{4096},
                              snap::detail::kStreamChunk}) {
      CAPTURE(chunk);
      std::optional<snap::Snapshot> s;
      try {
        s = streamed(p, chunk);
      } catch (const snap::ParseError&) {
        CHECK_FALSE(whole.has_value());  // refused at its start: the whole text fails too
        continue;
      }
      if (plain) REQUIRE(s.has_value());
      if (!s) continue;
      REQUIRE(whole.has_value());
      check_same(*s, *whole);
    }
    if (plain) {
      check_same(snap::read_snapshot(p), *whole);
      ++streamed_files[whole->format];
    }
  }
  CHECK(streamed_files[snap::Format::smaps] >= 40);
  CHECK(streamed_files[snap::Format::pmap_x] >= 40);
  CHECK(streamed_files[snap::Format::pmap_X] >= 20);
  CHECK(streamed_files[snap::Format::pmap] >= 20);
  CHECK(streamed_files[snap::Format::pmap_d] >= 5);
  CHECK(streamed_files[snap::Format::solaris_pmap_x] >= 1);
}

TEST_CASE("a capture of a leak reads the same growth streamed") {
  // GROUND_TRUTH: c-malloc-leak's heap grows from smaps.01 to smaps.08.
  const std::string first = snap::test::path("c-malloc-leak/smaps.01");
  const std::string last = snap::test::path("c-malloc-leak/smaps.08");
  const std::optional<snap::Snapshot> a = streamed(first, 64), b = streamed(last, 64);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(b->totals.value_or_zero(snap::Field::rss) > a->totals.value_or_zero(snap::Field::rss));
  CHECK(a->totals == snap::parse_snapshot(slurp(first), first).totals);
}

TEST_CASE("a line longer than the buffer widens it") {
  const std::string p = snap::test::path("c-malloc-leak/smaps.01");
  std::string text = slurp(p);
  // The last named mapping's path made 300,000 bytes long, past the head
  // (64 KiB) and the buffer (256 KiB), so the stream widens its buffer twice.
  const std::size_t slash = text.rfind(" /");
  REQUIRE(slash != std::string::npos);
  text.insert(slash + 1, "/" + std::string(300000, 'd'));
  TempFile f(text);
  const snap::Snapshot whole = snap::parse_snapshot(text, f.path);
  bool found = false;
  for (std::size_t i = 0; i < whole.regions.size(); ++i) found |= whole.regions.name(i).size() > 300000;
  REQUIRE(found);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5000}, snap::detail::kStreamChunk}) {
    CAPTURE(chunk);
    const std::optional<snap::Snapshot> s = streamed(f.path, chunk);
    REQUIRE(s.has_value());
    check_same(*s, whole);
  }
}

TEST_CASE("what the whole-text path must judge is not streamed") {
  const std::string p = snap::test::path("c-malloc-leak/smaps.01");
  const std::string text = slurp(p);
  REQUIRE(text.ends_with('\n'));

  SUBCASE("no newline at the end: the cut last line is forgiven on the whole text") {
    TempFile f(text.substr(0, text.size() - 1));
    CHECK_FALSE(streamed(f.path, 512).has_value());
    const snap::Snapshot s = snap::read_snapshot(f.path);
    REQUIRE_FALSE(s.warnings.empty());
    CHECK(s.regions.size() == snap::parse_snapshot(text, p).regions.size());
  }
  SUBCASE("a first line longer than the head: the format is told on the whole text") {
    std::string long_first = text;
    long_first.insert(long_first.find('\n'), " /" + std::string(100000, 'p'));
    TempFile f(long_first);
    CHECK_FALSE(streamed(f.path, 512).has_value());
    check_same(snap::read_snapshot(f.path), snap::parse_snapshot(long_first, f.path));
  }
  SUBCASE("fewer than four lines to go by in the head: the format is told on the whole text") {
    // detect_format reads up to four lines that are not blank; past 64 KiB
    // of blank lines, the head alone could decide otherwise.
    // A header and its first key, then the blank lines: smaps by the head.
    std::string spaced = text;
    spaced.insert(spaced.find('\n', spaced.find('\n') + 1) + 1, std::string(70000, '\n'));
    TempFile f(spaced);
    CHECK_FALSE(streamed(f.path, 512).has_value());
    check_same(snap::read_snapshot(f.path), snap::parse_snapshot(spaced, f.path));
    const std::optional<snap::Snapshot> forced = streamed(f.path, 512, snap::Format::smaps);
    REQUIRE(forced);  // a format given: nothing to detect
    check_same(*forced, snap::parse_snapshot(spaced, f.path));
  }
  SUBCASE("CR LF line ends") {
    std::string crlf;
    for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    TempFile f(crlf);
    CHECK_FALSE(streamed(f.path, 512).has_value());
    check_same(snap::read_snapshot(f.path), snap::parse_snapshot(crlf, f.path));
  }
  SUBCASE("another format") {
    CHECK_FALSE(streamed(snap::test::path("c-malloc-leak/maps.01"), 512).has_value());
    CHECK_FALSE(streamed(p, 512, snap::Format::maps).has_value());
    const std::string pmap = snap::test::path("c-malloc-leak/pmap-x.01");
    const std::optional<snap::Snapshot> forced_pmap = streamed(pmap, 512, snap::Format::pmap_x);
    REQUIRE(forced_pmap);
    check_same(*forced_pmap, snap::parse_snapshot(slurp(pmap), pmap));
    const std::optional<snap::Snapshot> forced = streamed(p, 512, snap::Format::smaps);
    REQUIRE(forced);
    check_same(*forced, snap::parse_snapshot(text, p));
  }
  SUBCASE("an error: the whole-text path gives it, with its line and column") {
    std::string bad = text;
    const std::size_t at = bad.find("Rss:");
    REQUIRE(at != std::string::npos);
    const std::size_t digit = bad.find_first_of("0123456789", at);
    bad[digit] = 'x';
    TempFile f(bad);
    CHECK_FALSE(streamed(f.path, 512).has_value());
    std::string from_file, from_text;
    try {
      snap::read_snapshot(f.path);
    } catch (const snap::ParseError& e) {
      from_file = e.what();
    }
    try {
      snap::parse_snapshot(bad, f.path);
    } catch (const snap::ParseError& e) {
      from_text = e.what();
    }
    CHECK_FALSE(from_text.empty());
    CHECK(from_file == from_text);
  }
}

TEST_CASE("mutated captures: streamed or not, read_snapshot answers as the whole text does") {
  // Bytes replaced, lines cut and joined, at random places of real captures:
  // wherever the stream's pieces end, the answer is the whole text's.
  const std::string sources[] = {snap::test::path("c-malloc-leak/smaps.01"),
                                 snap::test::path("jvm-inflater-leak/smaps.08"),
                                 snap::test::path("jvm-inflater-leak/pmap-x.08"),
                                 snap::test::path("c-malloc-leak/pmap-XX.08"),
                                 snap::test::path("c-malloc-leak/pmap.08")};
  std::mt19937_64 rng(20261204);
  const char alphabet[] = "0123456789abcdef -:\n\r\tkBx";
  std::size_t agreed = 0, errors = 0;
  for (const std::string& p : sources) {
    const std::string text = slurp(p);
    REQUIRE(text.size() > 1000);
    for (int i = 0; i < 150; ++i) {
      std::string m = text;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = rng() % m.size();
        switch (rng() % 3) {
          case 0: m[at] = alphabet[rng() % (sizeof alphabet - 1)]; break;
          case 1: m.erase(at, 1 + rng() % 40); break;
          default: m.insert(at, 1, alphabet[rng() % (sizeof alphabet - 1)]); break;
        }
      }
      if (m.empty()) continue;
      CAPTURE(i);
      TempFile f(m);
      std::optional<snap::Snapshot> whole;
      std::string whole_error;
      try {
        whole = snap::parse_snapshot(m, f.path);
      } catch (const snap::ParseError& e) {
        whole_error = e.what();
      }
      std::optional<snap::Snapshot> s;
      bool stream_threw = false;
      try {
        s = streamed(f.path, 1 + rng() % 300);
      } catch (const snap::ParseError&) {
        stream_threw = true;  // the start refused (check_start): the whole text fails too
      }
      if (stream_threw) {
        CHECK_FALSE(whole.has_value());
        ++errors;
        continue;
      }
      if (s) {
        REQUIRE(whole.has_value());
        check_same(*s, *whole);
      } else if (!whole) {
        ++errors;
      }
      ++agreed;
    }
  }
  CHECK(agreed >= 600);
  CHECK(errors > 0);  // the mutations do reach the errors
}
