// Internal: the "startup" field of snap.diff/1 and snap.trend/1.
#pragma once

#include <nlohmann/json.hpp>

#include "snap/snapshot.h"

namespace snap::detail {

/// {"seconds_after_start", "in_startup", "note"} of the first snapshot
/// compared, or null when the process's start is not known.
nlohmann::ordered_json startup_json(const Snapshot& first);

}  // namespace snap::detail
