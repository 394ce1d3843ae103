// A series that begins in the process's start-up: what a program maps and
// commits as it starts (a JVM: libjvm, its heap, its code cache) is growth
// between the first snapshots, and outranks a leak. Known when a
// collection recorded both the process's start and the capture time.
#pragma once

#include <optional>
#include <string>

#include "snap/snapshot.h"

namespace snap {

/// A first snapshot taken less than this long after the process started
/// is taken to be in its start-up. A JVM serving requests has settled in a
/// few seconds; a larger program may take longer, which --since covers.
inline constexpr double kStartupSeconds = 10;

struct StartupCheck {
  double seconds_after_start = 0;  // the first snapshot's capture, after the process's start
  bool in_startup = false;         // seconds_after_start < kStartupSeconds
  /// What to do about it, one line; empty when not in start-up.
  std::string note;
};

/// For the first snapshot compared; nullopt when the times are not known.
std::optional<StartupCheck> check_startup(const Snapshot& first);

}  // namespace snap
