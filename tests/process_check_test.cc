// snap::process_changed: the pid the snapshots recorded, checked against a
// fake /proc (its stat line, its boot id) on fake clocks, every way it can
// differ; then against this test's own process and a reaped child.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "files.h"
#include "snap/live/proc_reader.h"
#include "snap/live/process_check.h"

using snap::test::spit;
using snap::test::TempDir;

namespace {

/// A /proc/PID/stat line in state `state` whose starttime (field 22) is
/// `ticks` clock ticks after boot.
std::string stat_line(std::int64_t pid, char state, std::uint64_t ticks) {
  std::string s = fmt::format("{} (worker) {}", pid, state);
  for (int field = 4; field <= 52; ++field) s += ' ' + std::to_string(field == 22 ? ticks : 0);
  return s + '\n';
}

/// Boot 1000 s ago on the clock of CLOCK_BOOTTIME, wall time 1e9.
snap::Clock fake_clock() {
  snap::Clock c = snap::Clock::system();
  c.wall = [] { return 1'000'000'000.0; };
  c.boottime = [] { return 1000.0; };
  return c;
}

}  // namespace

TEST_CASE("process_changed on a fake /proc: same, exited, zombie, restarted, another boot") {
  TempDir root;
  const long hz = ::sysconf(_SC_CLK_TCK);
  const std::string boot = "6a1f6c2e-8d6b-4a56-9f1e-0c4b3e2a7d10";
  std::filesystem::create_directories(root.path / "sys/kernel/random");
  spit(root / "sys/kernel/random/boot_id", boot + "\n");
  // pid 4242 started 100 s after boot: 999,999,100 on the wall clock.
  std::filesystem::create_directories(root.path / "4242");
  spit(root / "4242/stat", stat_line(4242, 'S', static_cast<std::uint64_t>(100 * hz)));
  const snap::Clock clock = fake_clock();
  const double started = 1'000'000'000.0 - 900.0;
  REQUIRE(snap::read_process_start(4242, root.path.string(), clock) == doctest::Approx(started));

  snap::RecordedProcess same{4242, started, boot};
  CHECK(snap::process_changed(same, root.path.string(), clock) == std::nullopt);
  // Within the second of slack (the wall clock moved a little).
  same.start = started + 0.5;
  CHECK(snap::process_changed(same, root.path.string(), clock) == std::nullopt);
  // No start recorded (pmap files): only that it runs.
  CHECK(snap::process_changed({4242, std::nullopt, ""}, root.path.string(), clock) == std::nullopt);

  const auto restarted = snap::process_changed({4242, started - 60, boot}, root.path.string(), clock);
  REQUIRE(restarted);
  CHECK(restarted->starts_with("pid 4242 is another process: it started at "));
  CHECK(restarted->find(", the snapshots' process at ") != std::string::npos);

  const auto rebooted = snap::process_changed({4242, started, "0d0e-other"}, root.path.string(), clock);
  REQUIRE(rebooted);
  CHECK(*rebooted == "the snapshots were taken in another boot (boot id 0d0e-other, now " + boot +
                         ": a reboot since, or another machine): pid 4242 is not their process");

  CHECK(snap::process_changed({4343, started, boot}, root.path.string(), clock) == "pid 4343 no longer runs");

  spit(root / "4242/stat", stat_line(4242, 'Z', static_cast<std::uint64_t>(100 * hz)));
  CHECK(snap::process_changed({4242, started, boot}, root.path.string(), clock) == "pid 4242 has exited");
}

TEST_CASE("process_changed on the real /proc: this process is itself; a reaped child no longer runs") {
  const std::int64_t self = ::getpid();
  const auto start = snap::read_process_start(self);
  REQUIRE(start);
  CHECK(snap::process_changed({self, start, snap::read_boot_id()}) == std::nullopt);
  const auto other = snap::process_changed({self, *start - 5, snap::read_boot_id()});
  REQUIRE(other);
  CHECK(other->starts_with(fmt::format("pid {} is another process", self)));

  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  CHECK(snap::process_changed({child, std::nullopt, ""}) == fmt::format("pid {} no longer runs", child));
}
