// Reading one small /proc file whole. Internal to libsnap.
#pragma once

#include <optional>
#include <string>

namespace snap::detail {

/// The whole file: its size is unknown until it is read (stat says 0).
/// Throws ProcError "cannot read PATH: REASON" with the errno.
std::string read_proc_file(const std::string& path);
/// The same, nullopt when it cannot be read.
std::optional<std::string> try_read_proc_file(const std::string& path);

}  // namespace snap::detail
