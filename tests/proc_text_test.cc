// The parsers of /proc text snapcollect runs besides smaps (proc_text.h),
// on real captures of a waiting bash (testdata/proc/) and on what a fuzz
// target would feed them: numbers too large for 64 bits and stack pointers
// that are no number are "unknown", never an exception out of the reader.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "proc_text.h"
#include "snap/collect.h"
#include "files.h"
#include "testdata.h"

namespace fs = std::filesystem;

using snap::test::TempDir;

namespace {

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string capture(const std::string& name) {
  return snap::read_input(snap::test::path("proc/" + name));
}

}  // namespace

TEST_CASE("real /proc captures: the state, the start time, the stack pointer, the memory cgroup") {
  const std::string stat = capture("stat");
  const auto fields = snap::detail::stat_fields(stat);
  REQUIRE(fields.size() == 50);
  CHECK(fields[0] == "S");
  CHECK(fields[22 - 3] == "1506284");  // starttime, in ticks since boot
  // 1506284 ticks at 100 a second: 15062.84 s after boot.
  const auto start = snap::process_start_from_stat(stat, 20000, 1.7e9, 100);
  REQUIRE(start);
  CHECK(*start == doctest::Approx(1.7e9 - (20000 - 15062.84)));

  // wait4 (61): "NR 6 args SP PC".
  CHECK(snap::detail::syscall_sp(capture("syscall")) == 0x7ffe05a13078ull);
  CHECK(snap::detail::proc_number(capture("max_map_count")) == 65530u);

  const snap::detail::CgroupPlaces p = snap::detail::cgroup_places(capture("cgroup"), capture("mountinfo"));
  REQUIRE(p.v1);
  CHECK(p.v1->path == "/process_api/03f28ae5a24a0073b18cd703a2454384");
  CHECK(p.v1->dir == "/sys/fs/cgroup/memory/process_api/03f28ae5a24a0073b18cd703a2454384");
  REQUIRE(p.v2);
  CHECK(p.v2->path == "/");
  CHECK(p.v2->dir == "/sys/fs/cgroup/unified/");
}

TEST_CASE("numbers past 64 bits and stack pointers that are no number are unknown, not an exception") {
  for (const char* text : {"18446744073709551616\n", "99999999999999999999999\n", "", "\n", "-1\n", "12 3\n"}) {
    CAPTURE(text);
    CHECK(!snap::detail::proc_number(text));
  }
  CHECK(snap::detail::proc_number("18446744073709551615\n") == 18446744073709551615ull);
  CHECK(snap::detail::proc_number("0\n") == 0u);
  for (const char* text : {"1 0x 0x0\n", "1 0xzz 0x0\n", "1 0x10000000000000000 0x1\n", "running\n", "-1 0x1\n"}) {
    CAPTURE(text);
    CHECK(!snap::detail::syscall_sp(text));
  }

  // Through the readers, from a fake /proc: each used to let std::stoull's
  // out_of_range or invalid_argument out.
  TempDir d;
  put(d.path / "sys" / "vm" / "max_map_count", "18446744073709551616\n");
  std::optional<std::uint64_t> count = 1;
  CHECK_NOTHROW(count = snap::read_max_map_count(d.path.string()));
  CHECK(!count);

  const fs::path task = d.path / "42" / "task";
  put(task / "42" / "comm", "main\n");
  put(task / "42" / "syscall", "1 0x 0x0\n");
  put(task / "43" / "comm", "other\n");
  put(task / "43" / "syscall", "-1 0x1ffffffffffffffff 0x7f00aa11d7e2\n");
  std::vector<snap::ThreadInfo> threads;
  CHECK_NOTHROW(threads = snap::read_threads(42, d.path.string()));
  REQUIRE(threads.size() == 2);
  CHECK(threads[0] == snap::ThreadInfo{42, "main", std::nullopt});
  CHECK(threads[1] == snap::ThreadInfo{43, "other", std::nullopt});

  const fs::path cg = d.path / "cg";
  put(d.path / "44" / "cgroup", "0::/x\n");
  put(d.path / "44" / "mountinfo", "41 31 0:38 / " + cg.string() + " rw,relatime - cgroup2 cgroup2 rw\n");
  put(cg / "x" / "memory.current", "8192\n");
  put(cg / "x" / "memory.max", "36893488147419103232\n");  // 2^65
  std::optional<snap::CgroupMemory> m;
  CHECK_NOTHROW(m = snap::read_cgroup_memory(44, d.path.string()));
  CHECK(m == snap::CgroupMemory{2, "/x", 8192, std::nullopt});
}
