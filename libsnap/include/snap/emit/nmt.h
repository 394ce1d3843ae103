// The NMT join (snap/nmt_join.h) as the text reports print it.
#pragma once

#include <string>

#include "snap/diff.h"
#include "snap/emit/options.h"
#include "snap/nmt_join.h"

namespace snap {

/// The NMT join's summary, as emit_text and emit_trend_text print it after
/// the blocks: growth inside vs outside NMT's ranges, NMT's malloc growth,
/// the verdict, the native-leak suspects.
void emit_nmt_text(std::string& out, const NmtJoin& n, const Comparison& c, const TextOptions& o);

}  // namespace snap
