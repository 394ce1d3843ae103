// The collection loop.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "snap/collect.h"
#include "snap/error.h"
#include "snap/escape.h"
#include "snap/parse.h"
#include "snap/process_watch.h"
#include "snap/size.h"
#include "smaps_stream.h"

namespace snap {
namespace {

double monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Runs jcmd PID VM.native_memory detail; nullopt when jcmd cannot run.
std::optional<std::string> run_jcmd(std::int64_t pid) {
  std::string cmd = fmt::format("jcmd {} VM.native_memory detail 2>&1", pid);
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int rc = ::pclose(p);
  if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::string_view collect_end_name(CollectEnd e) {
  switch (e) {
    case CollectEnd::count_reached: return "count reached";
    case CollectEnd::duration_reached: return "duration reached";
    case CollectEnd::target_exited: return "target exited";
    case CollectEnd::interrupted: return "interrupted";
  }
  return "";
}

namespace {

/// A snapshot is listed by a manifest or not kept: when the manifest
/// cannot be written, the newest snapshot's files go and the old manifest
/// stays.
void write_manifest_or_take_back(OutputDir& dir, Manifest& m) {
  try {
    dir.write_manifest(m);
  } catch (const ProcError&) {
    dir.remove(m.snapshots.back().file);
    if (m.snapshots.back().nmt) dir.remove(*m.snapshots.back().nmt);
    m.snapshots.pop_back();
    throw;
  }
}

}  // namespace

namespace {

/// One read of the process, not yet a snapshot: kept only once the process
/// is known to have lived through it.
struct Read {
  ManifestEntry entry;
  std::optional<detail::Streamed> smaps;  // --format smaps: the temporary file
  std::string pmap_x;             // --format pmap-x: the text to write
};

/// Reads smaps (and renders it for pmap-x); nullopt when the process is
/// gone before anything was read.
std::optional<Read> read_once(OutputDir& dir, const CollectOptions& o, const std::string& command,
                              std::size_t& size_hint) {
  Read r;
  ManifestEntry& e = r.entry;
  if (o.format == "pmap-x") {
    SmapsRead read;
    try {
      read = read_smaps(o.pid, o.root, size_hint);
    } catch (const ProcError& err) {
      if (err.gone()) return std::nullopt;
      throw;
    }
    size_hint = read.text.size();
    e.wall = read.wall;
    e.monotonic = read.monotonic;
    e.read_seconds = read.read_seconds;
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
    r.pmap_x = render_pmap_x(s);
  } else {
    r.smaps = detail::stream_smaps(dir, o);
    if (!r.smaps) return std::nullopt;
    e.wall = r.smaps->wall;
    e.monotonic = r.smaps->monotonic;
    e.read_seconds = r.smaps->read_seconds;
    e.totals = r.smaps->totals;
    e.mappings = r.smaps->mappings;
  }
  e.threads = read_threads(o.pid, o.root);
  e.cgroup = read_cgroup_memory(o.pid, o.root);
  return r;
}

void keep(OutputDir& dir, const CollectOptions& o, Read& r, std::uint32_t& number) {
  if (r.smaps) {
    dir.finish_temp(r.smaps->fd, r.smaps->temp, 0);
    r.entry.file = dir.link_numbered(r.smaps->temp, "smaps", number);
  } else {
    r.entry.file = dir.write_numbered(o.format, number, r.pmap_x);
  }
}

void drop(OutputDir& dir, Read& r) {
  if (!r.smaps) return;
  ::close(r.smaps->fd);
  dir.remove(r.smaps->temp);
}

/// "14:03:27.412", local time.
std::string format_clock(double wall) {
  const auto t = static_cast<std::time_t>(wall);
  std::tm tm{};
  localtime_r(&t, &tm);
  char hms[16];
  std::strftime(hms, sizeof hms, "%H:%M:%S", &tm);
  return fmt::format("{}.{:03}", hms, static_cast<int>((wall - std::floor(wall)) * 1000));
}

std::string interval_name(double seconds) {
  return seconds < 1 ? fmt::format("{:g}ms", seconds * 1000) : format_duration(seconds);
}

}  // namespace

CollectEnd collect(OutputDir& dir, const ProcessWatch& target, const CollectOptions& o, const CollectHooks& hooks,
                   Manifest& m) {
  auto stop = [&] { return hooks.stop_requested && hooks.stop_requested(); };
  auto notice = [&](const std::string& s) {
    if (hooks.on_notice) hooks.on_notice(s);
  };
  // The schedule (and --duration) counts from the first snapshot, --delay
  // after now. The wall clock first: no snapshot's wall time is less than
  // start_wall + delay.
  m.start_wall = wall_now();
  const double start = monotonic_now() + o.delay;
  m.pid = o.pid;
  m.command = read_command(o.pid, o.root);
  m.boot_id = read_boot_id(o.root);
  m.process_start = read_process_start(o.pid, o.root);
  m.format = o.format;
  m.max_map_count = read_max_map_count(o.root);
  m.interval = o.interval;
  std::uint32_t number = 1, nmt_number = 1;
  std::size_t size_hint = 0;
  bool nmt_off = false;
  CollectEnd end = CollectEnd::interrupted;
  // The program the last snapshot saw: an exec in place changes it.
  auto image = target.image();
  std::uint64_t slot_index = 0;  // the next snapshot's slot: start + slot_index * interval

  for (std::size_t taken = 0;;) {
    if (o.count && taken >= *o.count) {
      end = CollectEnd::count_reached;
      break;
    }
    // Wait for this snapshot's slot, watching for a stop request.
    const double slot = start + static_cast<double>(slot_index) * o.interval;
    if (o.duration && slot - start > *o.duration) {
      end = CollectEnd::duration_reached;
      break;
    }
    // A target that exits meanwhile ends the wait (a long --delay or
    // --interval would otherwise outlast it).
    bool stopped = false, exited = false;
    for (double now = monotonic_now(); now < slot; now = monotonic_now()) {
      if ((stopped = stop())) break;
      if ((exited = !target.alive())) break;
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(0.05, slot - now)));
    }
    if (stopped || stop()) {
      end = CollectEnd::interrupted;
      break;
    }
    if (exited || !target.alive()) {
      end = CollectEnd::target_exited;
      break;
    }

    const auto image_before = target.image();
    auto read = read_once(dir, o, m.command, size_hint);
    if (!read) {
      end = CollectEnd::target_exited;
      break;
    }
    ManifestEntry& e = read->entry;
    // The kernel ends smaps early, at a record boundary, when the process
    // exits during the read (an OOM kill ending a leak hunt): a well-formed
    // file with a fraction of the mappings. Only a process alive after the
    // read, and still running the same program, had them all; the same
    // check makes the threads and cgroup read after it the process's.
    if (!target.alive()) {
      drop(dir, *read);
      m.discarded.push_back({e.wall, "the process exited during the read", e.mappings});
      notice(fmt::format("pid {} exited during the read begun at {}: the read ({} mappings) may be cut short; "
                         "discarded, not a snapshot",
                         o.pid, format_clock(e.wall), e.mappings));
      end = CollectEnd::target_exited;
      break;
    }
    const auto image_after = target.image();
    if (image_after != image_before) {
      drop(dir, *read);
      m.discarded.push_back({e.wall, "the process exec'd during the read", e.mappings});
      notice(fmt::format("pid {} exec'd during the read begun at {}: the read is discarded", o.pid,
                         format_clock(e.wall)));
      continue;  // at once; the next snapshot notes the exec
    }
    if (image_after != image) {
      // Mid-exec the new image is there before its argv: an empty command
      // line is noted at the next snapshot, not recorded as "".
      std::string command = read_command(o.pid, o.root);
      if (!command.empty()) {
        notice(fmt::format("pid {} exec'd: its command is now \"{}\"", o.pid, printable(command)));
        e.command = std::move(command);
        image = image_after;
      }
    }
    keep(dir, o, *read, number);

    if (o.jcmd && !nmt_off) {
      if (auto nmt = run_jcmd(o.pid)) {
        if (nmt->find("Native memory tracking is not enabled") != std::string::npos) {
          nmt_off = true;
          notice("NMT is off in the target: start it with -XX:NativeMemoryTracking=detail for --jcmd");
        } else {
          e.nmt = dir.write_numbered("nmt", nmt_number, *nmt);
        }
      } else {
        nmt_off = true;
        notice("jcmd could not run or failed (not installed, not a JVM, or no answer); --jcmd is off");
      }
    }
    m.snapshots.push_back(std::move(e));
    ++taken;
    // The last of --count: the closing manifest below lists it (one
    // manifest write fewer: each costs two fsyncs).
    const bool last = o.count && taken >= *o.count;
    if (last) {
      end = CollectEnd::count_reached;
      if (hooks.on_snapshot) hooks.on_snapshot(m);
      break;
    }
    // The next slot not yet begun: a snapshot that took longer than the
    // interval skips the slots it overran rather than catching up on them
    // (which would run past --duration and bunch the snapshots).
    const double now = monotonic_now();
    std::uint64_t next = slot_index + 1;
    if (now > start) next = std::max(next, static_cast<std::uint64_t>(std::ceil((now - start) / o.interval)));
    if (next > slot_index + 1) {
      if (m.slots_skipped == 0)
        notice(fmt::format("a snapshot took {:.0f} ms, longer than the {} interval: the slots it overran are "
                           "skipped, not caught up",
                           (now - m.snapshots.back().monotonic) * 1000, interval_name(o.interval)));
      m.slots_skipped += next - slot_index - 1;
    }
    slot_index = next;
    write_manifest_or_take_back(dir, m);
    if (hooks.on_snapshot) hooks.on_snapshot(m);
    // --duration is elapsed time, whatever the slots say.
    if (o.duration && monotonic_now() - start > *o.duration) {
      end = CollectEnd::duration_reached;
      break;
    }
  }
  if (end == CollectEnd::target_exited) {
    // Another process may have the pid by now: say that it is not followed.
    if (target.replaced()) {
      const std::string comm = read_command(o.pid, o.root);
      notice(fmt::format("pid {} ended; the pid is now another process's ({}), not collected", o.pid,
                         comm.empty() ? "no command line" : printable(comm)));
    }
  }
  m.end_reason = std::string(collect_end_name(end));
  m.end_wall = wall_now();
  if (end == CollectEnd::count_reached)
    write_manifest_or_take_back(dir, m);
  else if (end != CollectEnd::target_exited || !m.snapshots.empty())
    dir.write_manifest(m);
  // else: nothing was collected; no manifest says otherwise, and a retry
  // into the same directory is not refused as "already holds a collection".
  return end;
}

}  // namespace snap
