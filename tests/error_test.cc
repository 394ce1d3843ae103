// One error type for a library user: every failure libsnap reports is a
// snap::Error whose what() is safe to print after "PROGRAM: ".
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "snap/error.h"
#include "snap/live/child_process.h"
#include "snap/live/proc_error.h"
#include "snap/parse.h"
#include "snap/report.h"
#include "files.h"
#include "testdata.h"

TEST_CASE("a malformed snapshot is a snap::Error with its file and line") {
  snap::test::TempDir dir;
  std::string text = snap::test::slurp(snap::test::path("c-malloc-leak/smaps.01"));
  // The second header's end address made smaller than its start.
  const auto second = text.find('\n', text.find("VmFlags:")) + 1;
  const auto dash = text.find('-', second);
  text.replace(second, dash - second, std::string(dash - second, 'f'));
  const std::string path = dir.write("smaps.bad", text);
  try {
    (void)snap::read_snapshot(path);
    FAIL("no error");
  } catch (const snap::Error& e) {
    CHECK(e.path() == path);
    CHECK(e.line() > 1);
    CHECK(std::string(e.what()).starts_with(path + ":" + std::to_string(e.line()) + ": "));
  }
}

TEST_CASE("a question the inputs cannot answer is a snap::Error without a file") {
  // pmap -x has no Pss column.
  std::vector<snap::Snapshot> two{snap::test::load("c-malloc-leak/pmap-x.01"),
                                  snap::test::load("c-malloc-leak/pmap-x.08")};
  snap::DiffOptions o;
  o.counter = snap::Field::pss;
  try {
    (void)snap::make_report(two, o);
    FAIL("no error");
  } catch (const snap::Error& e) {
    CHECK(dynamic_cast<const snap::UsageError*>(&e) != nullptr);
    CHECK(e.path().empty());
    CHECK(e.line() == 0);
    CHECK(std::string(e.what()).find("cannot sort by pss") != std::string::npos);
  }
}

TEST_CASE("a process that cannot be run is a snap::Error") {
  try {
    snap::ChildProcess p({"/nonexistent/snap-no-such-program"}, snap::ChildProcess::Output::capture);
    FAIL("no error");
  } catch (const snap::Error& e) {
    CHECK(std::string(e.what()).find("snap-no-such-program") != std::string::npos);
  }
}

TEST_CASE("what() escapes the reason and the path; message() keeps the bytes") {
  const snap::Error e("dir\x1b]0;x\a/smaps", 3, 0, "bad \x1b[31mred");
  CHECK(std::string(e.what()) == "dir\\x1b]0;x\\x07/smaps:3: bad \\x1b[31mred");
  CHECK(e.message() == "dir\x1b]0;x\a/smaps:3: bad \x1b[31mred");
  const snap::UsageError u("no \\ escape");
  CHECK(std::string(u.what()) == "no \\\\ escape");
  CHECK(u.message() == "no \\ escape");
}
