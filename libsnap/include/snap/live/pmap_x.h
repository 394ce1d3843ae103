// snapcollect --format pmap-x: a snapshot as pmap -x prints it.
#pragma once

#include <string>

#include "snap/snapshot.h"

namespace snap {

/// What `pmap -x PID` (procps 4) prints for this snapshot: 16-digit
/// addresses, KiB, modes without p, basenames, "[ anon ]", "[ stack ]".
std::string render_pmap_x(const Snapshot& s);

}  // namespace snap
