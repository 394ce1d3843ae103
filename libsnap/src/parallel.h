// Work split over a few threads, the caller's among them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace snap::detail {

/// Runs fn(0) .. fn(parts - 1), fn(0) on the calling thread and each other
/// on a thread of its own, and returns once all have. What a part throws is
/// rethrown here, the lowest part's first: the error a single thread going
/// through the parts in order would have met.
template <typename Fn>
void parallel_for(std::size_t parts, Fn&& fn) {
  std::vector<std::exception_ptr> errors(parts);
  auto run = [&](std::size_t k) {
    try {
      fn(k);
    } catch (...) {
      errors[k] = std::current_exception();
    }
  };
  std::vector<std::thread> helpers;
  helpers.reserve(parts > 0 ? parts - 1 : 0);
  for (std::size_t k = 1; k < parts; ++k) helpers.emplace_back(run, k);
  if (parts > 0) run(0);
  for (auto& t : helpers) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

/// How many threads a job of `units` takes at `per_thread` (at least 1)
/// units each: at least 1, at most `cap` and the machine's cores.
inline std::size_t threads_for(std::size_t units, std::size_t per_thread, std::size_t cap) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::max<std::size_t>(1, std::min({units / per_thread, cap, cores}));
}

}  // namespace snap::detail
