// Every output of every tool written to /dev/full (a device whose writes
// all fail with ENOSPC): the tool says so and exits 2, as coreutils do,
// whether the output is small (failing at the final flush) or large
// (failing in the middle).
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "files.h"

namespace fs = std::filesystem;

namespace {

struct Run {
  int status = -1;
  std::string err;
};

/// Runs `EXE ARGS` in testdata/ with its standard output on /dev/full.
Run to_full(const std::string& exe, const std::string& args) {
  REQUIRE(fs::exists("/dev/full"));
  const fs::path err = fs::temp_directory_path() / ("snap_write_error." + std::to_string(::getpid()));
  const std::string cmd = "cd '" SNAP_TESTDATA "' && NO_COLOR=1 '" + exe + "' " + args + " >/dev/full 2>'" +
                          err.string() + "' </dev/null";
  const int rc = std::system(cmd.c_str());
  Run r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.err = snap::test::slurp(err);
  fs::remove(err);
  return r;
}

void check_write_error(const std::string& exe, const std::string& tool, const std::string& args) {
  CAPTURE(tool);
  CAPTURE(args);
  const Run r = to_full(exe, args);
  CHECK(r.status == 2);
  // The last line: warnings or notes may come before it.
  CHECK(r.err.ends_with(tool + ": write error: No space left on device\n"));
}

}  // namespace

TEST_CASE("snapdiff: every output mode to a full device is exit 2 and a message") {
  for (const char* args :
       {"c-malloc-leak/smaps.01 c-malloc-leak/smaps.08", "--json c-malloc-leak/smaps.01 c-malloc-leak/smaps.08",
        "--json --all c-malloc-leak/smaps.01 c-malloc-leak/smaps.08",
        "--csv c-malloc-leak/smaps.01 c-malloc-leak/smaps.08", "c-malloc-leak", "--json c-malloc-leak",
        "--csv c-malloc-leak", "--ranges --pid 4242 c-malloc-leak/smaps.01 c-malloc-leak/smaps.08",
        "--gdb - --pid 4242 c-malloc-leak/smaps.01 c-malloc-leak/smaps.08", "--html - c-malloc-leak",
        "--html - c-malloc-leak/smaps.01 c-malloc-leak/smaps.08", "--help", "--version"})
    check_write_error(SNAPDIFF_EXE, "snapdiff", args);
  // The HTML page to a full device: the file named, exit 2.
  const Run html = to_full(SNAPDIFF_EXE, "--html /dev/full c-malloc-leak");
  CHECK(html.status == 2);
  CHECK(html.err.ends_with("snapdiff: /dev/full: write error: No space left on device\n"));
  // Nothing grew (status 0 otherwise): the write error still decides.
  check_write_error(SNAPDIFF_EXE, "snapdiff", "idle-sleep/smaps.01 idle-sleep/smaps.01");
}

TEST_CASE("snapshow: every output mode to a full device is exit 2 and a message") {
  for (const char* args : {"c-malloc-leak/smaps.08", "--json c-malloc-leak/smaps.08", "--csv c-malloc-leak/smaps.08",
                           "--top 100000 --json c-malloc-leak/smaps.08", "--help", "--version"})
    check_write_error(SNAPSHOW_EXE, "snapshow", args);
}

TEST_CASE("snapcollect: --help and --version to a full device are exit 2 and a message") {
  for (const char* args : {"--help", "--version"}) check_write_error(SNAPCOLLECT_EXE, "snapcollect", args);
}

TEST_CASE("the same outputs to /dev/null succeed: the failure is the device's") {
  CHECK(std::system("cd '" SNAP_TESTDATA "' && '" SNAPSHOW_EXE "' --json c-malloc-leak/smaps.08 >/dev/null") == 0);
  CHECK(std::system("'" SNAPCOLLECT_EXE "' --help >/dev/null") == 0);
}
