// Mapped inputs and SIGBUS.
//
// read_snapshot() (snap/parse.h) maps a regular file it does not stream
// (maps, or one whose error or cut last line is judged on the whole text)
// rather than reading it. If another process truncates the file meanwhile (`pmap -x PID >
// pmap.latest` in a loop), touching a page past the new end raises SIGBUS,
// which would end the program with a core dump. A program that reads
// snapshots installs this once at start instead.
#pragma once

#include <string_view>

namespace snap {

/// On SIGBUS, writes "PROGRAM: a snapshot file shrank while it was read
/// ..." to standard error and exits with `status` (_exit: only
/// async-signal-safe calls in the handler). Replaces any SIGBUS handler.
void exit_on_sigbus(std::string_view program, int status = 2);

}  // namespace snap
