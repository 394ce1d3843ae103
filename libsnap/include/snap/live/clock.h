// The clocks and the sleep of a collection, replaceable so that a test can
// run the collection loop without waiting (tests/live_test.cc).
#pragma once

#include <functional>

namespace snap {

/// Seconds, as doubles. The defaults are CLOCK_REALTIME (wall, since the
/// epoch), CLOCK_MONOTONIC, CLOCK_BOOTTIME and a real sleep.
struct Clock {
  std::function<double()> wall;
  std::function<double()> monotonic;
  std::function<double()> boottime;  // where /proc/PID/stat's start time counts from
  std::function<void(double)> sleep;

  /// The machine's clocks.
  static const Clock& system();
};

}  // namespace snap
