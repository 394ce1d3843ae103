// Replacing a file that another program reads at any moment (a metrics
// file node_exporter's textfile collector scrapes): it sees the old content
// or the new, never a part.
#pragma once

#include <string>
#include <string_view>

#include "snap/live/proc_error.h"

namespace snap {

/// Writes `content` to a new temporary file in `path`'s directory (".NAME.XXXXXX":
/// hidden, and not ending in ".prom", so that a textfile collector skips it),
/// mode 0644 (the reader is usually another user), fsyncs it, renames it over
/// `path` and fsyncs the directory. Throws OutputError naming `path` (the
/// temporary file removed) when any step fails.
void replace_file(const std::string& path, std::string_view content);

}  // namespace snap
