// What a snapcollect manifest says about the collection itself, beyond the
// snapshots: reads it discarded, interval slots it skipped, execs of the
// process between snapshots. snapdiff notes each, so that a report never
// reads as more (or less) than the collection was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "snap/snapshot.h"

namespace snap {

struct CollectionExec {
  std::string before, after;  // the snapshot files on either side
  std::string command;        // the command line after the exec
  std::string was;            // the one before it
};

struct CollectionRecord {
  std::string dir;                // where the manifest is
  std::size_t died_reads = 0;     // discarded: the process exited during the read
  std::size_t exec_reads = 0;     // discarded: the process exec'd during the read
  std::size_t torn_reads = 0;     // discarded: the mappings changed during the read (read again)
  std::uint64_t slots_skipped = 0;
  std::optional<double> interval;  // seconds; nullopt in manifests that lack it
  std::string boot_id;             // the boot the collection ran in; empty when not recorded
  std::vector<CollectionExec> execs;
};

/// The distinct collections the snapshots come from, in order of first use.
std::vector<std::shared_ptr<const CollectionRecord>> collections_of(const std::vector<const Snapshot*>& snaps);

/// One note a fact (without "note: "), raw: the commands are the process's
/// bytes; a text emitter passes each through printable().
std::vector<std::string> collection_notes(const std::vector<const Snapshot*>& snaps);

}  // namespace snap
