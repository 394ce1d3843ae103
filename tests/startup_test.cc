// Whether the first snapshot compared is in the process's start-up, from
// what a collection recorded; and that attach_manifests carries it from a
// real collection (testdata/jvm-startup) onto the snapshots.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "snap/manifest.h"
#include "snap/parse.h"
#include "snap/startup.h"
#include "testdata.h"

TEST_CASE("check_startup: within kStartupSeconds of the start, said with what to do; unknown, nothing") {
  snap::Snapshot s;
  CHECK(!snap::check_startup(s));
  s.captured = 1796192077.36;
  CHECK(!snap::check_startup(s));  // the start unknown
  s.process_start = 1796192077.34;
  auto early = snap::check_startup(s);
  REQUIRE(early);
  CHECK(early->seconds_after_start == doctest::Approx(0.02));
  CHECK(early->in_startup);
  CHECK(early->note.starts_with("the first snapshot compared was taken 0.02 s after the process started"));
  CHECK(early->note.find("--skip N or --since DURATION") != std::string::npos);

  s.captured = *s.process_start + snap::kStartupSeconds - 0.1;
  CHECK(snap::check_startup(s)->in_startup);
  CHECK(snap::check_startup(s)->note.find(" 9.9 s after") != std::string::npos);
  s.captured = *s.process_start + snap::kStartupSeconds;
  auto late = snap::check_startup(s);
  REQUIRE(late);
  CHECK(!late->in_startup);
  CHECK(late->note.empty());
  CHECK(late->seconds_after_start == doctest::Approx(snap::kStartupSeconds));

  // The start is the clock tick it fell in: a snapshot at once may read as
  // a hair before it; never negative.
  s.captured = *s.process_start - 0.004;
  CHECK(snap::check_startup(s)->seconds_after_start == 0);
  CHECK(snap::check_startup(s)->in_startup);
}

TEST_CASE("attach_manifests: each snapshot gets its capture time and the process's start") {
  std::vector<snap::Snapshot> snaps;
  for (const char* f : {"jvm-startup/from-exec/pmap-x.0001", "jvm-startup/from-exec/pmap-x.0011",
                        "jvm-startup/delayed/pmap-x.0001", "c-malloc-leak/pmap-x.01"})
    snaps.push_back(snap::read_snapshot(snap::test::path(f)));
  snap::attach_manifests(snaps);
  // manifest.json of from-exec: process_start 1796192077.341686, 0001 at +0.019 s, 0011 at +10.003 s.
  REQUIRE(snaps[0].process_start);
  CHECK(*snaps[0].process_start == doctest::Approx(1796192077.341686));
  REQUIRE(snaps[0].captured);
  CHECK(*snaps[0].captured - *snaps[0].process_start == doctest::Approx(0.019).epsilon(0.05));
  CHECK(snap::check_startup(snaps[0])->in_startup);
  CHECK(*snaps[1].captured - *snaps[1].process_start == doctest::Approx(10.003).epsilon(0.001));
  CHECK(!snap::check_startup(snaps[1])->in_startup);
  // delayed: another process, started 1796192090.412, its first snapshot 10.006 s later.
  CHECK(*snaps[2].process_start == doctest::Approx(1796192090.4116862));
  CHECK(!snap::check_startup(snaps[2])->in_startup);
  // No collection: nothing known, nothing said.
  CHECK(!snaps[3].captured);
  CHECK(!snaps[3].process_start);
  CHECK(!snap::check_startup(snaps[3]));
}
