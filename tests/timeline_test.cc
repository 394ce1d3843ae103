#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "snap/error.h"
#include "snap/manifest.h"
#include "snap/timeline.h"
#include "testdata.h"

namespace fs = std::filesystem;

namespace {

std::vector<std::string> c_malloc(const char* family) {
  std::vector<std::string> out;
  for (int i = 1; i <= 8; ++i)
    out.push_back(snap::test::path(std::string("c-malloc-leak/") + family + ".0" + std::to_string(i)));
  return out;
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("snap_timeline." + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string touch(const std::string& name, std::optional<double> mtime = std::nullopt) const {
    fs::path p = path / name;
    std::ofstream(p) << "x\n";
    if (mtime) {
      struct timespec ts[2];
      ts[0].tv_sec = ts[1].tv_sec = static_cast<time_t>(*mtime);
      ts[0].tv_nsec = ts[1].tv_nsec = 0;
      REQUIRE(::utimensat(AT_FDCWD, p.c_str(), ts, 0) == 0);
    }
    return p.string();
  }
};

}  // namespace

TEST_CASE("c-malloc-leak: times.txt beside the files gives the capture times") {
  auto t = snap::make_timeline(c_malloc("smaps"), std::nullopt);
  CHECK(t.source == snap::TimeSource::manifest);
  CHECK(!t.reordered);
  REQUIRE(t.seconds.size() == 8);
  CHECK(t.seconds[0] == 0);
  CHECK(t.seconds[1] == doctest::Approx(1.025));  // 1795566696139 - 1795566695114 ms
  CHECK(t.seconds[7] == doctest::Approx(7.190));
}

TEST_CASE("wall-clock times: times.txt's epoch ms, exact, in time order") {
  auto paths = c_malloc("smaps");
  std::swap(paths[0], paths[5]);
  auto t = snap::make_timeline(paths, std::nullopt);
  CHECK(t.paths == c_malloc("smaps"));
  CHECK(t.epoch_ms == std::vector<std::int64_t>{1795566695114, 1795566696139, 1795566697166, 1795566698195,
                                                1795566699217, 1795566700239, 1795566701271, 1795566702304});
  // Seconds from the whole milliseconds: no rounding left over.
  CHECK(t.seconds[1] == 1.025);
  CHECK(t.seconds[7] == 7.19);
  CHECK(snap::iso8601_utc(t.epoch_ms[0]) == "2026-11-25T00:31:35.114Z");  // date -u -d @1795566695.114
}

TEST_CASE("iso8601_utc") {
  CHECK(snap::iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(snap::iso8601_utc(951782400000) == "2000-02-29T00:00:00.000Z");
  CHECK(snap::iso8601_utc(253402300799999) == "9999-12-31T23:59:59.999Z");
  CHECK(snap::iso8601_utc(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("snapshots given out of order are put in time order, and it is said") {
  auto paths = c_malloc("pmap-x");
  std::reverse(paths.begin(), paths.end());
  std::swap(paths[0], paths[3]);
  auto t = snap::make_timeline(paths, std::nullopt);
  CHECK(t.reordered);
  CHECK(t.paths == c_malloc("pmap-x"));
}

TEST_CASE("--interval overrides every other time, and keeps the given order") {
  auto paths = c_malloc("maps");
  std::reverse(paths.begin(), paths.end());
  auto t = snap::make_timeline(paths, 30.0);
  CHECK(t.source == snap::TimeSource::interval);
  CHECK(t.paths == paths);
  CHECK(t.seconds[7] == 210);
  // An interval is a spacing, not a time of day: even beside times.txt.
  CHECK(t.epoch_ms.empty());
}

TEST_CASE("times in file names: epoch ms, epoch s, YYYYmmdd-HHMMSS") {
  TempDir d;
  auto t = snap::make_timeline({d.touch("pmap.1795566702304"), d.touch("pmap.1795566695114")}, std::nullopt);
  CHECK(t.source == snap::TimeSource::file_name);
  CHECK(t.reordered);
  CHECK(t.seconds[1] == doctest::Approx(7.190));
  auto s =
      snap::make_timeline({d.touch("smaps-1795566695.txt"), d.touch("smaps-1795566755.txt")}, std::nullopt);
  CHECK(s.seconds[1] == 60);
  auto h =
      snap::make_timeline({d.touch("pmap-20261125-235959"), d.touch("pmap-20261126T000109")}, std::nullopt);
  CHECK(h.source == snap::TimeSource::file_name);
  CHECK(h.seconds[1] == 70);
  CHECK(t.epoch_ms == std::vector<std::int64_t>{1795566695114, 1795566702304});
  CHECK(s.epoch_ms == std::vector<std::int64_t>{1795566695000, 1795566755000});
  REQUIRE(h.epoch_ms.size() == 2);
  CHECK(snap::iso8601_utc(h.epoch_ms[0]) == "2026-11-25T23:59:59.000Z");
  CHECK(snap::iso8601_utc(h.epoch_ms[1]) == "2026-11-26T00:01:09.000Z");
}

TEST_CASE("wall-clock times from a snapcollect manifest; none from times that are no dates") {
  TempDir d;
  snap::Manifest m;
  m.pid = 5094;
  const double walls[] = {1795566695.114, 1795566696.139, 1795566697.5};
  std::vector<std::string> paths;
  for (int i = 0; i < 3; ++i) {
    snap::ManifestEntry e;
    e.file = fmt::format("smaps.{:04}", i + 1);
    e.wall = walls[i];
    fs::copy_file(c_malloc("smaps")[static_cast<std::size_t>(i)], d.path / e.file);
    paths.push_back((d.path / e.file).string());
    m.snapshots.push_back(e);
  }
  std::ofstream(d.path / "manifest.json") << snap::manifest_json(m);
  auto t = snap::make_timeline(paths, std::nullopt);
  CHECK(t.source == snap::TimeSource::collection);
  CHECK(t.epoch_ms == std::vector<std::int64_t>{1795566695114, 1795566696139, 1795566697500});
  CHECK(t.seconds[2] == 2.386);

  // times.txt in milliseconds since something, or far beyond the year 9999:
  // still a spacing, no longer a date.
  const fs::path dir = d.path / "far";
  fs::create_directories(dir);
  std::ofstream(dir / "times.txt") << "1 1e17\n2 1.00000000001e17\n3 1.00000000002e17\n";
  std::vector<std::string> far_paths;
  for (const char* name : {"maps.1", "maps.2", "maps.3"}) {
    std::ofstream(dir / name) << "x\n";
    far_paths.push_back((dir / name).string());
  }
  auto far = snap::make_timeline(far_paths, std::nullopt);
  CHECK(far.source == snap::TimeSource::manifest);
  CHECK(far.known());
  CHECK(far.epoch_ms.empty());
}

TEST_CASE("mtimes: used when they all differ, span a second or more and follow the files' numbers") {
  TempDir d;
  auto a = d.touch("a.1", 1795566640), b = d.touch("a.2", 1795566700), c = d.touch("a.3", 1795566760);
  auto t = snap::make_timeline({b, a, c}, std::nullopt);
  CHECK(t.source == snap::TimeSource::mtime);
  CHECK(t.paths == std::vector<std::string>{a, b, c});
  CHECK(t.seconds == std::vector<double>{0, 60, 120});
  CHECK(t.epoch_ms == std::vector<std::int64_t>{1795566640000, 1795566700000, 1795566760000});
  CHECK(t.warnings.empty());
}

// Changed expectation: mtimes out of the order of the files' numbers were
// used (and the files reordered by them); they are the copy's or the
// touch's, not the captures', and are now set aside with a warning.
TEST_CASE("mtimes that are no capture times are set aside with a warning: ties, within a second, out of order") {
  TempDir d;
  auto expect_set_aside = [](const snap::Timeline& u, const std::vector<std::string>& given,
                             const std::string& why) {
    CHECK(u.source == snap::TimeSource::none);
    CHECK(!u.known());
    CHECK(u.epoch_ms.empty());
    CHECK(u.paths == given);  // command-line order kept
    REQUIRE(u.warnings.size() == 1);
    CHECK(u.warnings[0].message.find(why) != std::string::npos);
  };
  // touch -d with one time: a tie.
  auto x = d.touch("b.1", 1795566700), y = d.touch("b.2", 1795566700), z = d.touch("b.3", 1795566640);
  expect_set_aside(snap::make_timeline({x, y, z}, std::nullopt), {x, y, z}, "not all different");
  // cp: new, different nanosecond mtimes, all within a few milliseconds.
  std::vector<std::string> copies;
  for (int i = 1; i <= 3; ++i) {
    const fs::path p = d.path / fmt::format("c.{}", i);
    std::ofstream(p) << "x\n";
    struct timespec ts[2];
    ts[0].tv_sec = ts[1].tv_sec = 1795566700;
    ts[0].tv_nsec = ts[1].tv_nsec = 1000000L * i;
    REQUIRE(::utimensat(AT_FDCWD, p.c_str(), ts, 0) == 0);
    copies.push_back(p.string());
  }
  expect_set_aside(snap::make_timeline(copies, std::nullopt), copies, "all fall within 0.002 s");
  // Touched or copied out of the order of their numbers.
  auto e = d.touch("e.1", 1795566700), f = d.touch("e.2", 1795566640), g = d.touch("e.3", 1795566760);
  expect_set_aside(snap::make_timeline({e, f, g}, std::nullopt), {e, f, g}, "put e.2 before e.1");
  // --interval needs none of them.
  auto spaced = snap::make_timeline({e, f, g}, 30.0);
  CHECK(spaced.source == snap::TimeSource::interval);
  CHECK(spaced.warnings.empty());
}

TEST_CASE("times.txt: keys compared as numbers; a file without a line sets it aside; a bad line is an error") {
  TempDir d;
  std::vector<std::string> paths;
  for (int i = 1; i <= 3; ++i) paths.push_back(d.touch(fmt::format("pmap-x.{:02}", i), 1795566640 + 60 * i));
  // "1" is "01"; blank lines and comments are no lines.
  std::ofstream(d.path / "times.txt") << "# n epoch_ms\n1 1795566695114\n\n2 1795566696139\n3 1795566697166\n";
  auto t = snap::make_timeline(paths, std::nullopt);
  CHECK(t.source == snap::TimeSource::manifest);
  CHECK(t.seconds == std::vector<double>{0, 1.025, 2.052});
  CHECK(t.warnings.empty());
  // No line for 03: no times at all, not the mtimes (which times.txt was there to replace).
  std::ofstream(d.path / "times.txt") << "01 1795566695114\n02 1795566696139\n04 1795566697166\n";
  auto u = snap::make_timeline(paths, std::nullopt);
  CHECK(u.source == snap::TimeSource::none);
  CHECK(!u.known());
  REQUIRE(u.warnings.size() == 1);
  CHECK(u.warnings[0].source == (d.path / "times.txt").string());
  CHECK(u.warnings[0].message == "times.txt has no line for pmap-x.03");
  // A line that is not "NN EPOCH_MS".
  std::ofstream(d.path / "times.txt") << "01 1795566695114\n02 at 10:31\n03 1795566697166\n";
  const std::string at_line_2 = (d.path / "times.txt").string() + ":2: expected \"NN EPOCH_MS\"";
  CHECK_THROWS_WITH_AS(snap::make_timeline(paths, std::nullopt), doctest::Contains(at_line_2.c_str()),
                       snap::ParseError);
  std::ofstream(d.path / "times.txt") << "01 1795566695114\n02\n03 1795566697166\n";
  CHECK_THROWS_WITH_AS(snap::make_timeline(paths, std::nullopt), doctest::Contains("times.txt:2: expected"),
                       snap::ParseError);
}

TEST_CASE("a directory stands for its numbered series, smaps preferred") {
  std::vector<std::string> notes;
  auto files = snap::expand_inputs({snap::test::path("c-malloc-leak")}, notes);
  CHECK(files == c_malloc("smaps"));
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("8 smaps files (smaps.01 .. smaps.08); also there: maps (8), pmap (8)") !=
        std::string::npos);
  // Files and "-" pass through as given.
  auto same = snap::expand_inputs({"-", c_malloc("pmap")[0]}, notes);
  CHECK(same == std::vector<std::string>{"-", c_malloc("pmap")[0]});
}

TEST_CASE("a directory with nothing to diff is an error naming it") {
  TempDir d;
  d.touch("notes.txt");
  std::vector<std::string> notes;
  CHECK_THROWS_WITH_AS(snap::expand_inputs({d.path.string()}, notes),
                       doctest::Contains("no numbered snapshot files"), snap::ParseError);
  // Numbered, but not snapshots.
  d.touch("junk.01");
  d.touch("junk.02");
  CHECK_THROWS_AS(snap::expand_inputs({d.path.string()}, notes), snap::ParseError);
}

TEST_CASE("parse_duration") {
  CHECK(snap::parse_duration("30") == 30);
  CHECK(snap::parse_duration("30s") == 30);
  CHECK(snap::parse_duration("500ms") == 0.5);
  CHECK(snap::parse_duration("5m") == 300);
  CHECK(snap::parse_duration("1.5h") == 5400);
  CHECK(snap::parse_duration("2d") == 172800);
  CHECK(!snap::parse_duration(""));
  CHECK(!snap::parse_duration("5x"));
  CHECK(!snap::parse_duration("-5s"));
}

TEST_CASE("the first snapshot's clock time: from times.txt, names, mtimes; not from --interval") {
  auto t = snap::make_timeline(c_malloc("smaps"), std::nullopt);
  REQUIRE(t.first_epoch);
  CHECK(*t.first_epoch == doctest::Approx(1795566695.114));
  CHECK(!snap::make_timeline(c_malloc("smaps"), 1.0).first_epoch);
}

TEST_CASE("drop_start: --skip N drops the first N in time order, times count from the first left") {
  auto paths = c_malloc("smaps");
  std::reverse(paths.begin(), paths.end());  // time order is found first
  auto t = snap::drop_start(snap::make_timeline(paths, std::nullopt), 2, std::nullopt);
  REQUIRE(t.paths.size() == 6);
  const auto in_order = c_malloc("smaps");
  CHECK(t.paths == std::vector<std::string>(in_order.begin() + 2, in_order.end()));
  CHECK(fs::path(t.paths.front()).filename() == "smaps.03");
  CHECK(t.source == snap::TimeSource::manifest);
  CHECK(t.reordered);
  REQUIRE(t.seconds.size() == 6);
  CHECK(t.seconds[0] == 0);
  CHECK(t.seconds[1] == doctest::Approx(1.029));  // 1795566698195 - 1795566697166 ms
  CHECK(t.seconds[5] == doctest::Approx(5.138));  // 1795566702304 - 1795566697166
  REQUIRE(t.first_epoch);
  CHECK(*t.first_epoch == doctest::Approx(1795566697.166));
  // Nothing skipped: as it was.
  auto all = snap::drop_start(snap::make_timeline(c_malloc("smaps"), std::nullopt), 0, std::nullopt);
  CHECK(all.paths == c_malloc("smaps"));
  // Two left is enough to compare.
  CHECK(snap::drop_start(snap::make_timeline(c_malloc("smaps"), std::nullopt), 6, std::nullopt).paths ==
        std::vector<std::string>{c_malloc("smaps")[6], c_malloc("smaps")[7]});
}

TEST_CASE("drop_start: --since a duration after the first snapshot, or a moment") {
  const auto t = snap::make_timeline(c_malloc("smaps"), std::nullopt);
  auto from = [&](const char* since, std::size_t skip = 0) {
    auto s = snap::parse_since(since);
    REQUIRE_MESSAGE(s, since);
    auto left = snap::drop_start(t, skip, s);
    return std::pair{fs::path(left.paths.front()).filename().string(), left.paths.size()};
  };
  // 04 was taken 3.081 s after 01, 03 at 2.052 s.
  CHECK(from("3s") == std::pair<std::string, std::size_t>{"smaps.04", 5});
  CHECK(from("2s") == std::pair<std::string, std::size_t>{"smaps.03", 6});
  CHECK(from("0s") == std::pair<std::string, std::size_t>{"smaps.01", 8});
  CHECK(from("2500ms") == std::pair<std::string, std::size_t>{"smaps.04", 5});
  // 05 at 1795566699.217, 04 at 1795566698.195.
  CHECK(from("@1795566699") == std::pair<std::string, std::size_t>{"smaps.05", 4});
  CHECK(from("2026-11-25T00:31:39Z") == std::pair<std::string, std::size_t>{"smaps.05", 4});
  CHECK(from("@1795566000") == std::pair<std::string, std::size_t>{"smaps.01", 8});  // before them all
  // Both: whichever leaves out more.
  CHECK(from("3s", 5) == std::pair<std::string, std::size_t>{"smaps.06", 3});
  CHECK(from("3s", 1) == std::pair<std::string, std::size_t>{"smaps.04", 5});
  auto left = snap::drop_start(t, 0, snap::parse_since("3s"));
  CHECK(left.seconds.front() == 0);
  CHECK(left.seconds.back() == doctest::Approx(4.109));  // 1795566702304 - 1795566698195
  // A duration also against --interval's spacing: 30 s apart, from 90 s on.
  auto spaced = snap::drop_start(snap::make_timeline(c_malloc("smaps"), 30.0), 0, snap::parse_since("1.5m"));
  CHECK(spaced.paths.size() == 5);
  CHECK(spaced.seconds.back() == 120);
}

TEST_CASE("drop_start: fewer than two left, or times it needs and lacks: an error saying which") {
  const auto t = snap::make_timeline(c_malloc("smaps"), std::nullopt);
  CHECK_THROWS_WITH_AS(snap::drop_start(t, 7, std::nullopt),
                       "--skip 7 leaves 1 of the 8 snapshots; at least 2 are needed to compare",
                       snap::UsageError);
  CHECK_THROWS_WITH_AS(snap::drop_start(t, 100, std::nullopt),
                       "--skip 100 leaves 0 of the 8 snapshots; at least 2 are needed to compare",
                       snap::UsageError);
  CHECK_THROWS_WITH_AS(snap::drop_start(t, 0, snap::parse_since("7s")),
                       "--since 7s leaves 1 of the 8 snapshots (the last was taken 7.2 s after the first); at "
                       "least 2 are needed to compare",
                       snap::UsageError);
  CHECK_THROWS_WITH_AS(snap::drop_start(t, 0, snap::parse_since("@1795566800")),
                       doctest::Contains("leaves 0 of the 8 snapshots"), snap::UsageError);
  // No capture times: --since cannot be placed; --skip can.
  TempDir d;
  auto x = d.touch("b.1", 1795566700), y = d.touch("b.2", 1795566700), z = d.touch("b.3", 1795566700);
  auto unknown = snap::make_timeline({x, y, z}, std::nullopt);
  REQUIRE(!unknown.known());
  CHECK_THROWS_WITH_AS(snap::drop_start(unknown, 0, snap::parse_since("1s")),
                       doctest::Contains("--since 1s: the snapshots' capture times are unknown"),
                       snap::UsageError);
  CHECK(snap::drop_start(unknown, 1, std::nullopt).paths == std::vector<std::string>{y, z});
  // A moment against --interval's spacing.
  CHECK_THROWS_WITH_AS(snap::drop_start(snap::make_timeline(c_malloc("smaps"), 1.0), 0,
                                        snap::parse_since("@1795566699")),
                       doctest::Contains("--interval gives only their spacing"), snap::UsageError);
}

TEST_CASE("parse_since") {
  auto s = snap::parse_since("30s");
  REQUIRE(s);
  CHECK(!s->absolute);
  CHECK(s->seconds == 30);
  CHECK(snap::parse_since("5m")->seconds == 300);
  auto e = snap::parse_since("@1795566699.5");
  REQUIRE(e);
  CHECK(e->absolute);
  CHECK(e->seconds == 1795566699.5);
  CHECK(snap::parse_since("2026-11-25T00:31:39Z")->seconds == 1795566699);
  // Without Z, local time: 09:31:39 in UTC+9 is 00:31:39 UTC.
  const char* tz = std::getenv("TZ");
  const std::string saved = tz ? tz : "";
  ::setenv("TZ", "JST-9", 1);
  ::tzset();
  auto local = snap::parse_since("2026-11-25T09:31:39");
  if (tz)
    ::setenv("TZ", saved.c_str(), 1);
  else
    ::unsetenv("TZ");
  ::tzset();
  REQUIRE(local);
  CHECK(local->absolute);
  CHECK(local->seconds == 1795566699);
  for (const char* bad : {"", "soon", "-5s", "@", "@x", "@-1", "2026-13-01T00:00:00", "2026-11-25T24:00:00",
                          "2026-11-25T00:31", "2026-11-25 00:31:39", "2026-11-25T00:31:39Zulu",
                          "2026-11-25T00:31:39+01", "26-11-25T00:31:39", "2026-02-31T00:00:00Z",
                          "2026-04-31T12:00:00"})
    CHECK_MESSAGE(!snap::parse_since(bad), bad);
}
