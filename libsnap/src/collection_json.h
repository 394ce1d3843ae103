// Internal: the "collection" field of snap.diff/1 and snap.trend/1.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "snap/snapshot.h"

namespace snap::detail {

/// {"collections": [{"dir", "discarded_died", "discarded_exec", "discarded_torn",
/// "slots_skipped", "interval", "execs": [{"before", "after", "command",
/// "was"}]}], "notes": [...]} of the manifests the snapshots were read
/// with, or null when none was.
nlohmann::ordered_json collection_json(const std::vector<const Snapshot*>& snaps);

}  // namespace snap::detail
