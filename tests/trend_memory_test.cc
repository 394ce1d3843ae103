// The trend's memory on a series whose mappings churn (bench/churn.sh):
// 200 snapshots of 2,000 mappings, nearly all unmapped and mapped again at
// new addresses between snapshots, so that 360,000 blocks each live in one
// snapshot. With a side and a value per snapshot for every block, snapdiff
// needed about 19 GB for it; its memory must follow the input instead.
// Peak RSS of the whole process, read from the kernel (no timing).
#include <sys/resource.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "run_tool.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SNAP_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SNAP_ASAN 1
#endif

namespace {

/// The bound: 200 x 2,000 mappings of pmap -x (23 MB) are 400,000 regions,
/// held in each snapshot's RegionStore at about 48 bytes each (a 28-byte
/// row and its non-zero counters, 4 bytes each), names shared across the
/// series; the blocks and their trends add the rest (a Block of 48 bytes,
/// its one side's header of 16-bit fields; a BlockTrend of 128). 95.6 MiB
/// measured in Release and in Debug builds (gcc, 2026-12-03); the bound
/// leaves a quarter and more for allocators and is under the 256 MiB the
/// trend must stay within.
constexpr long kLimitKiB = 136 * 1024;
/// Address space for the children, so that a regression fails at once
/// rather than taking the machine's memory: well above what the bound
/// needs with glibc's per-thread arenas reserved (read_snapshots reads on
/// up to four threads).
constexpr rlim_t kAddressSpace = rlim_t{2} << 30;

}  // namespace

TEST_CASE("200 x 2,000 churning mappings: snapdiff DIR stays under 136 MiB and finds the heap") {
#ifdef SNAP_ASAN
  MESSAGE("skipped under AddressSanitizer: its shadow memory and quarantine are no measure of RSS");
  return;
#endif
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("snap_churn." + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string gen = std::string("sh '") + SNAP_CHURN_SH + "' '" + dir.string() + "' 200 2000";
  REQUIRE(std::system(gen.c_str()) == 0);

  struct rlimit saved {};
  REQUIRE(getrlimit(RLIMIT_AS, &saved) == 0);
  struct rlimit capped = saved;
  capped.rlim_cur = std::min(saved.rlim_max, kAddressSpace);
  REQUIRE(setrlimit(RLIMIT_AS, &capped) == 0);
  const auto r = snap::test::run_tool(SNAPDIFF_EXE, "--json '" + dir.string() + "'", dir.string());
  REQUIRE(setrlimit(RLIMIT_AS, &saved) == 0);
  struct rusage ru {};
  REQUIRE(getrusage(RUSAGE_CHILDREN, &ru) == 0);
  fs::remove_all(dir);
  INFO("peak RSS of the largest child: " << ru.ru_maxrss << " KiB; stderr: " << r.err);
  REQUIRE(r.status == 1);  // something grew

  // What churn.sh made: one heap at 0x557e149be000 growing 64K a snapshot,
  // everything else flat; 2,000 mappings in every snapshot.
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["snapshots"].size() == 200);
  const auto& top = j["findings"][0];
  CHECK(top["kind"] == "block");
  CHECK(top["start"] == "0x557e149be000");
  CHECK(top["verdict"] == "steady");
  CHECK(top["growth"] == 199 * 64 * 1024);
  CHECK(j["totals"]["mappings"]["values"][0] == 2000);
  CHECK(j["totals"]["mappings"]["values"][199] == 2000);

  CHECK(ru.ru_maxrss < kLimitKiB);
}
