// A dump plan (snap/dump.h) as a gdb command file, or as a plain list of
// ranges for shell loops.
#pragma once

#include <string>
#include <string_view>

#include "snap/dump.h"

namespace snap {

/// A gdb command file that runs as `gdb -p PID -batch -x FILE` and dumps
/// every range, carrying on past a range that has become unreadable.
/// `command_line` is recorded in its header comment.
void emit_gdb(std::string& out, const DumpPlan& plan, std::string_view command_line);

/// One "0xSTART 0xEND" line per range, for shell loops and xargs.
void emit_ranges(std::string& out, const DumpPlan& plan);

/// `text` as a Python string literal that holds exactly it, whatever bytes
/// it has (quotes, backslashes, newlines, invalid UTF-8).
std::string python_literal(std::string_view text);

}  // namespace snap
