// libsnap/src/parallel.h: every part runs once, on its own thread, and the
// error that comes back is the one a single thread would have met first.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "parallel.h"

using snap::detail::parallel_for;
using snap::detail::threads_for;

TEST_CASE("parallel_for: each part once; part 0 on the caller's thread, the others each on another") {
  for (std::size_t parts : {0u, 1u, 2u, 4u}) {
    std::vector<int> ran(parts, 0);
    std::vector<std::thread::id> on(parts);
    parallel_for(parts, [&](std::size_t k) {
      ++ran[k];
      on[k] = std::this_thread::get_id();
    });
    CHECK(ran == std::vector<int>(parts, 1));
    if (parts > 0) CHECK(on[0] == std::this_thread::get_id());
    CHECK(std::set<std::thread::id>(on.begin(), on.end()).size() == parts);
  }
}

TEST_CASE("parallel_for: the lowest failing part's error, after every part has ended") {
  std::atomic<int> ended{0};
  try {
    parallel_for(4, [&](std::size_t k) {
      ++ended;
      if (k == 3) throw std::runtime_error("part 3");
      if (k == 1) throw std::runtime_error("part 1");
    });
    FAIL("nothing thrown");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "part 1");
  }
  CHECK(ended == 4);
}

TEST_CASE("threads_for: by units per thread, at least one, at most the cap and the cores") {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  CHECK(threads_for(0, 8192, 4) == 1);
  CHECK(threads_for(8191, 8192, 4) == 1);
  CHECK(threads_for(2 * 8192, 8192, 4) == std::min<std::size_t>(2, cores));
  CHECK(threads_for(1000000, 8192, 4) == std::min<std::size_t>(4, cores));
  CHECK(threads_for(3, 1, 4) == std::min<std::size_t>(3, cores));
}
