#include "snap/live/clock.h"

#include <ctime>

#include <chrono>
#include <thread>

namespace snap {
namespace {

double now(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

const Clock& Clock::system() {
  static const Clock clock{
      [] { return now(CLOCK_REALTIME); },
      [] { return now(CLOCK_MONOTONIC); },
      [] { return now(CLOCK_BOOTTIME); },
      [](double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); },
  };
  return clock;
}

}  // namespace snap
