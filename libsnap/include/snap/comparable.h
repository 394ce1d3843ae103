// What to tell the user before diffing snapshots that do not quite match:
// snapshots of different processes (still diffed: a restarted service is
// worth comparing, but the user must know), and counters that only some of
// the snapshots carry (a pmap -x against smaps compares Size, Rss and Dirty;
// Pss and the rest are dropped, and said so).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "snap/snapshot.h"

namespace snap {

struct ComparabilityNote {
  std::string source;   // the snapshot it is about
  std::string message;  // without the source
  bool warning = false;  // different processes; else a note (dropped counters)
};

/// One note per snapshot that is not of the first one's process (pid, or
/// command where the pids are unknown or equal), and one naming the counters
/// some snapshots have but not all, which are therefore not compared.
std::vector<ComparabilityNote> check_comparable(std::span<const Snapshot> snapshots);

}  // namespace snap
