// Is the process the snapshots recorded still there, and still the same one?
// Before gdb is pointed at a pid, which may have exited, or been given to
// another process since (after a restart, or a reboot).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "snap/live/clock.h"

namespace snap {

/// What the snapshots recorded of their process: its pid, and where a
/// collection recorded them, when it started (seconds since the epoch) and
/// the boot it ran in (/proc/sys/kernel/random/boot_id).
struct RecordedProcess {
  std::int64_t pid = 0;
  std::optional<double> start;
  std::string boot_id;
};

/// Why ROOT/PID is not the recorded process, as a sentence ("pid 4242 no
/// longer runs"); nullopt when it runs and, as far as the record tells, is
/// the same process (same boot, a start within a second of the recorded
/// one; without a recorded start, only that the pid runs).
std::optional<std::string> process_changed(const RecordedProcess& recorded, const std::string& root = "/proc",
                                           const Clock& clock = Clock::system());

}  // namespace snap
