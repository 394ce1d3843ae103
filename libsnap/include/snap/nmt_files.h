// The NMT files to join with a series of snapshots when none are named:
// those a snapcollect manifest recorded, or jcmd VM.native_memory output
// saved beside the snapshots under their numbers (nmt-detail.01 goes with
// smaps.01).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "snap/nmt.h"

namespace snap {

/// The names NMT output is looked for under beside snapshot NN, in the
/// order preferred when several hold NN: a detail has addresses, a
/// summary a moment's figures, a summary.diff only the change since a
/// baseline taken at some other moment. (jcmd's "baseline" prints no
/// figures: nothing to read in it.)
inline constexpr std::string_view kNmtFamilies[] = {"nmt-detail", "nmt-summary", "nmt-summary-diff"};

/// For each of `snapshot_paths` (capture order) numbered NN, the first of
/// kNmtFamilies.NN (or .NN.gz) in its directory; in snapshot order.
std::vector<std::string> find_nmt_beside(const std::vector<std::string>& snapshot_paths);

/// Reads the NMT files found, not named: `recorded` (a manifest's) if any,
/// else find_nmt_beside(snapshot_paths), which must hold one for the last
/// snapshot and one for the first (or a summary.diff for the last): NMT's
/// growth must span the snapshots'. `notes` says what was joined, or why
/// nothing was; what cannot be used is left out, never an error.
std::vector<Nmt> read_found_nmt(const std::vector<std::string>& snapshot_paths,
                                const std::vector<std::string>& recorded, std::vector<std::string>& notes);

}  // namespace snap
