#include "live/snapshot_read.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "live/file_write.h"
#include "snap/error.h"
#include "snap/live/light_reader.h"
#include "snap/live/pmap_x.h"
#include "snap/live/proc_reader.h"
#include "snap/live/smaps_reader.h"
#include "snap/parse.h"

namespace snap::detail {
namespace {

/// ROOT/PID/smaps into a new temporary file of `dir`: its fd and name, or
/// nullopt when the process is gone (nothing or a cut line read; the file
/// is removed). Throws ProcError when the read fails otherwise, OutputError
/// when the write does (the file removed).
std::optional<std::pair<int, std::string>> stream_smaps(OutputDir& dir, const CollectOptions& o,
                                                        ManifestEntry& e, const Clock& clock, bool& torn) {
  const std::string path = fmt::format("{}/{}/smaps", o.root, o.pid);
  int fd = -1;
  std::string temp;
  SmapsScan scan;
  try {
    std::optional<WritebackFile> out;
    scan = read_smaps_to(
        path,
        [&](std::string_view chunk) {
          // Created at the first chunk: a process gone before it leaves no
          // file to remove.
          if (!out) {
            std::tie(fd, temp) = dir.open_temp("smaps");
            out.emplace(fd);
          }
          return out->write(chunk);
        },
        clock);
  } catch (const OutputError&) {
    throw;
  } catch (const ProcError& err) {
    if (err.gone()) return std::nullopt;
    throw;
  }
  if (scan.write_err) dir.finish_temp(fd, temp, scan.write_err);  // removes it and throws
  if (scan.read_err || !scan.totals) {
    if (fd >= 0) {
      ::close(fd);
      dir.remove(temp);
    }
    if (scan.read_err && scan.read_err != ESRCH && scan.read_err != ENOENT)
      throw ProcError(fmt::format("cannot read {}: {}", path, std::strerror(scan.read_err)), scan.read_err);
    return std::nullopt;
  }
  e.wall = scan.wall;
  e.monotonic = scan.monotonic;
  e.read_seconds = scan.read_seconds;
  e.totals = scan.totals->first;
  e.mappings = scan.totals->second;
  torn = scan.overlaps > 0;
  return std::pair{fd, temp};
}

}  // namespace

std::optional<SnapshotRead> SnapshotRead::take(OutputDir& dir, const CollectOptions& o, const std::string& command,
                                               std::size_t& size_hint, const Clock& clock, bool light) {
  SnapshotRead r(dir);
  r.stem_ = o.format;
  ManifestEntry& e = r.entry_;
  if (light) {
    LightRead read;
    try {
      read = read_light(o.pid, o.root, o.light, clock);
    } catch (const ProcError& err) {
      if (err.gone()) return std::nullopt;
      throw;
    }
    r.cut_ = read.cut;
    r.torn_ = read.torn;
    e.mode = "light";
    e.method = std::string(light_method_name(read.method));
    e.wall = read.wall;
    e.monotonic = read.monotonic;
    e.read_seconds = read.read_seconds;
    e.longest_hold = read.longest_hold;
    e.vanished = read.vanished;
    e.mappings = read.mappings;
    e.totals = read.totals;
    r.stem_ = "smaps";
    r.text_ = std::move(read.text);
  } else if (o.format == "pmap-x") {
    SmapsRead read;
    try {
      read = read_smaps(o.pid, o.root, size_hint, clock);
    } catch (const ProcError& err) {
      if (err.gone()) return std::nullopt;
      throw;
    }
    size_hint = read.text.size();
    e.wall = read.wall;
    e.monotonic = read.monotonic;
    e.read_seconds = read.read_seconds;
    e.longest_hold = read.read_seconds;
    if (read.overlaps) {
      r.torn_ = true;
      return r;
    }
    Snapshot s;
    try {
      s = parse_snapshot(read.text, fmt::format("{}/{}/smaps", o.root, o.pid), Format::smaps);
    } catch (const ParseError&) {
      return std::nullopt;  // a line cut short: the process was gone
    }
    s.pid = o.pid;
    s.command = command;
    e.mappings = s.regions.size();
    e.totals = s.totals;
    r.text_ = render_pmap_x(s);
  } else {
    auto file = stream_smaps(dir, o, e, clock, r.torn_);
    if (!file) return std::nullopt;
    std::tie(r.fd_, r.temp_) = *file;
    e.longest_hold = e.read_seconds;
  }
  e.threads = read_threads(o.pid, o.root);
  e.cgroup = read_cgroup_memory(o.pid, o.root);
  return r;
}

SnapshotRead::SnapshotRead(SnapshotRead&& other) noexcept
    : dir_(other.dir_),
      entry_(std::move(other.entry_)),
      stem_(std::move(other.stem_)),
      fd_(std::exchange(other.fd_, -1)),
      temp_(std::move(other.temp_)),
      text_(std::move(other.text_)),
      cut_(other.cut_),
      torn_(other.torn_) {}

SnapshotRead::~SnapshotRead() {
  if (fd_ < 0) return;
  ::close(fd_);
  dir_->remove(temp_);
}

void SnapshotRead::keep(std::uint32_t& number) {
  if (fd_ >= 0) {
    dir_->finish_temp(std::exchange(fd_, -1), temp_, 0);
    entry_.file = dir_->link_numbered(temp_, "smaps", number);
  } else {
    entry_.file = dir_->write_numbered(stem_, number, text_);
  }
}

}  // namespace snap::detail
