// Internal: the "nmt" object of snap.diff/1 and snap.trend/1.
#pragma once

#include <nlohmann/json.hpp>

#include "snap/diff.h"
#include "snap/nmt_join.h"

namespace snap::detail {

nlohmann::ordered_json nmt_json(const NmtJoin& n, const Comparison& c);

}  // namespace snap::detail
