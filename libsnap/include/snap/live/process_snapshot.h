// One snapshot of a live process, taken on the spot: what `pmap PID` shows,
// for snapshow PID.
#pragma once

#include <cstdint>
#include <string>

#include "snap/snapshot.h"

namespace snap {

/// ROOT/PID/smaps read once and parsed, with the pid, the command line and
/// the capture time recorded. Throws ProcError (snap/live/proc_error.h):
/// gone() for no such process, a zombie, or a kernel thread (a process with
/// no memory map), each said so; denied() for another user's process
/// without ptrace rights ("cannot read /proc/1/smaps: Permission denied").
Snapshot read_process_snapshot(std::int64_t pid, const std::string& root = "/proc");

}  // namespace snap
