// range_join A B [C ...]: the seconds compare()'s join takes on snapshots
// A, B, ... with the sweep (range_map.h's BlockJoin) and with a Boost.ICL
// interval_map of region sets (tests/support/icl_oracle.h), and that both
// find the same blocks. The figures in range_map.h's head come from here.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "icl_oracle.h"
#include "range_map.h"
#include "snap/parse.h"

namespace {

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fputs("usage: range_join A B [C ...]\n", stderr);
    return 2;
  }
  std::vector<std::string> paths(argv + 1, argv + argc);
  const std::vector<snap::Snapshot> snaps = snap::read_snapshots(paths);
  std::size_t sweep_blocks = 0, map_blocks = 0;
  const double sweep = seconds([&] {
    snap::range::BlockJoin join;
    for (const snap::Snapshot& s : snaps) join.add(s.regions);
    sweep_blocks = join.blocks().size();
  });
  const double map = seconds([&] { map_blocks = snap::test::IclOracle(snaps).blocks().size(); });
  const double whole = seconds([&] { (void)snap::compare(snaps); });
  fmt::print("{} snapshots: sweep {:.4f} s ({} blocks), ICL interval_map {:.4f} s ({} blocks), compare() {:.4f} s\n",
             snaps.size(), sweep, sweep_blocks, map, map_blocks, whole);
  return sweep_blocks == map_blocks ? 0 : 1;
}
