#include "snap/live/process_snapshot.h"

#include <sys/stat.h>

#include <cerrno>

#include <fmt/format.h>

#include "snap/live/proc_error.h"
#include "snap/live/proc_reader.h"
#include "snap/live/smaps_reader.h"
#include "snap/parse.h"

namespace snap {

Snapshot read_process_snapshot(std::int64_t pid, const std::string& root) {
  const std::string dir = fmt::format("{}/{}", root, pid);
  SmapsRead read;
  try {
    // smaps comes a page of text a read(), the process's lock dropped
    // between: a mapping that grew or merged meanwhile is listed twice, a
    // text no parser takes as one moment. Read again, a few times.
    for (int attempt = 0; attempt < 4; ++attempt) {
      read = read_smaps(pid, root);
      if (read.overlaps == 0) break;
    }
  } catch (const ProcError& e) {
    if (!e.gone()) throw;
    // The reader's "cannot read .../smaps: No such file" or "is empty" is
    // about a file; the user asked about a process.
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) throw ProcError(fmt::format("no process {}", pid), ESRCH);
    if (!process_running(pid, root))
      throw ProcError(fmt::format("process {} has exited (a zombie): it has no memory map", pid), ESRCH);
    throw ProcError(fmt::format("process {} has no memory map (a kernel thread?)", pid), ESRCH);
  }
  Snapshot s = parse_snapshot(read.text, dir + "/smaps", Format::smaps);
  s.pid = pid;
  s.command = read_command(pid, root);
  s.captured = read.wall;
  return s;
}

}  // namespace snap
