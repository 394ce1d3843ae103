// Directories for private files. A memory map tells where a process keeps
// its heap, its libraries and its threads' stacks (what an exploit needs):
// such files go in directories created 0700, never another user's, never
// reached through a symlink another user could have planted.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace snap {

/// mkdir -p, each directory created 0700 (the umask can only make that
/// stricter). Returns 0, or the errno of the first directory it could not
/// create. `created`, when given, gets each directory it made, outermost
/// first.
int create_private_dirs(const std::string& path, std::vector<std::string>* created = nullptr);

/// The first leading part of `path` that is a symlink in a sticky
/// directory (/tmp) owned by neither the effective user nor that
/// directory's owner: anyone could have planted it there. nullopt when
/// there is none.
std::optional<std::string> planted_symlink(const std::string& path);

/// The owner of the directory open as `fd` when it is not the effective
/// user; nullopt when it is ours (or cannot be told).
std::optional<uid_t> foreign_owner(int fd);

}  // namespace snap
