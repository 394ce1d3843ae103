// The collection loop.
#include "snap/live/collect.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "live/jcmd.h"
#include "live/proc_file.h"
#include "live/snapshot_read.h"
#include "snap/escape.h"
#include "snap/live/proc_reader.h"
#include "snap/size.h"

namespace snap {

std::string_view collect_end_name(CollectEnd e) {
  switch (e) {
    case CollectEnd::count_reached: return "count reached";
    case CollectEnd::duration_reached: return "duration reached";
    case CollectEnd::target_exited: return "target exited";
    case CollectEnd::interrupted: return "interrupted";
  }
  return "";
}

std::string_view collect_mode_name(CollectMode m) {
  switch (m) {
    case CollectMode::automatic: return "automatic";
    case CollectMode::full: return "full";
    case CollectMode::light: return "light";
    case CollectMode::adaptive: return "adaptive";
  }
  return "";
}

namespace {

/// Whether the target is large enough for its smaps reads to stall it: its
/// resident size (/proc/PID/status, no page walk) and its number of
/// mappings (maps: no lock on recent kernels).
bool target_is_large(std::int64_t pid, const std::string& root) {
  if (auto status = detail::try_read_proc_file(fmt::format("{}/{}/status", root, pid))) {
    if (auto at = status->find("\nVmRSS:"); at != std::string::npos) {
      const char* p = status->data() + at + 7;
      const char* end = status->data() + status->size();
      while (p < end && (*p == ' ' || *p == '\t')) ++p;
      std::uint64_t kb = 0;
      std::from_chars(p, end, kb);
      if (kb << 10 > kLargeRss) return true;
    }
  }
  if (auto maps = detail::try_read_proc_file(fmt::format("{}/{}/maps", root, pid)))
    return static_cast<std::size_t>(std::count(maps->begin(), maps->end(), '\n')) > kLargeMappings;
  return false;
}

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

/// One collection's state between snapshots.
class Collection {
 public:
  Collection(OutputDir& dir, const ProcessWatch& target, const CollectOptions& o, const CollectHooks& hooks,
             Manifest& m)
      : dir_(dir), target_(target), o_(o), hooks_(hooks), clock_(hooks.clock), m_(m) {}

  CollectEnd run();

 private:
  enum class Wait { due, stopped, exited };
  enum class Take { kept, discarded, gone };

  bool stop() const { return hooks_.stop_requested && hooks_.stop_requested(); }
  void notice(const std::string& s) const {
    if (hooks_.on_notice) hooks_.on_notice(s);
  }
  void begin();
  Wait wait_until(double slot) const;
  Take take(bool full);
  bool full_due(std::size_t taken) const;
  CollectEnd close_with_full(CollectEnd end);
  void warn_if_slow(const ManifestEntry& e);
  void save_nmt(ManifestEntry& e);
  void schedule_next();
  CollectEnd finish(CollectEnd end);

  OutputDir& dir_;
  const ProcessWatch& target_;
  const CollectOptions& o_;
  const CollectHooks& hooks_;
  const Clock& clock_;
  Manifest& m_;
  double start_ = 0;  // the first slot, monotonic
  std::uint64_t slot_index_ = 0;  // the next snapshot's slot: start + slot_index * interval
  std::uint32_t number_ = 1, nmt_number_ = 1;
  std::size_t size_hint_ = 0;
  bool nmt_off_ = false;
  CollectMode mode_ = CollectMode::full;  // o_.mode, resolved
  bool warned_slow_ = false;
  static constexpr int kMaxEmptyReads = 100;
  int empty_reads_ = 0;  // consecutive reads of a live process that found nothing
  static constexpr int kMaxTornReads = 3;
  int torn_reads_ = 0;  // consecutive reads that listed a mapping twice
  // The program the last snapshot saw: an exec in place changes it.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> image_;
};

void Collection::begin() {
  // The schedule (and --duration) counts from the first snapshot, --delay
  // after now. The wall clock first: no snapshot's wall time is less than
  // start_wall + delay.
  m_.start_wall = clock_.wall();
  start_ = clock_.monotonic() + o_.delay;
  m_.pid = o_.pid;
  m_.command = read_command(o_.pid, o_.root);
  m_.boot_id = read_boot_id(o_.root);
  m_.process_start = read_process_start(o_.pid, o_.root, clock_);
  m_.format = o_.format;
  mode_ = o_.mode;
  if (o_.format == "pmap-x") {
    mode_ = CollectMode::full;  // pmap -x's Dirty column needs smaps
  } else if (mode_ == CollectMode::automatic) {
    mode_ = target_is_large(o_.pid, o_.root) ? CollectMode::adaptive : CollectMode::full;
    if (mode_ == CollectMode::adaptive)
      notice(fmt::format("pid {} is large (over {} resident or {} mappings): adaptive mode, light snapshots "
                         "(maps + pagemap, no long lock on the process) with full smaps at the first and the "
                         "last; --mode full reads smaps every time",
                         o_.pid, format_size(kLargeRss, SizeStyle::human), kLargeMappings));
  }
  m_.mode = std::string(collect_mode_name(mode_));
  m_.max_map_count = read_max_map_count(o_.root);
  m_.interval = o_.interval;
  image_ = target_.image();
}

/// Waits for `slot`, watching for a stop request and for the target's exit
/// (a long --delay or --interval would otherwise outlast it).
Collection::Wait Collection::wait_until(double slot) const {
  bool exited = false;
  for (double now = clock_.monotonic(); now < slot; now = clock_.monotonic()) {
    if (stop()) return Wait::stopped;
    if ((exited = !target_.alive())) break;
    clock_.sleep(std::min(0.05, slot - now));
  }
  // A stop request made meanwhile wins over the exit.
  if (stop()) return Wait::stopped;
  if (exited || !target_.alive()) return Wait::exited;
  return Wait::due;
}

/// Adaptive mode: the first and the last snapshot are full (a hunt starts
/// and ends with Pss), and every --full-every.
bool Collection::full_due(std::size_t taken) const {
  if (mode_ != CollectMode::adaptive) return mode_ == CollectMode::full;
  if (taken == 0) return true;
  if (o_.count && taken + 1 >= *o_.count) return true;
  if (o_.duration && static_cast<double>(slot_index_ + 1) * o_.interval > *o_.duration) return true;
  return o_.full_every && taken % *o_.full_every == 0;
}

Collection::Take Collection::take(bool full) {
  const auto image_before = target_.image();
  auto read = [&]() -> std::optional<detail::SnapshotRead> {
    try {
      return detail::SnapshotRead::take(dir_, o_, m_.command, size_hint_, clock_, !full);
    } catch (const ProcError& err) {
      if (full || err.error() != ENOTTY) throw;
    }
    // A kernel without pagemap (or, asked for, without PAGEMAP_SCAN).
    notice(fmt::format("this kernel has no usable pagemap; every snapshot reads smaps (--mode full)"));
    mode_ = CollectMode::full;
    m_.mode = std::string(collect_mode_name(mode_));
    return detail::SnapshotRead::take(dir_, o_, m_.command, size_hint_, clock_, false);
  }();
  if (!read) {
    // Nothing read, yet the process lives: its address space was being
    // replaced (an exec: smaps of the old one ends, the new one is not
    // there yet). Read again at once, a bounded number of times.
    if (target_.alive() && ++empty_reads_ <= kMaxEmptyReads) {
      const double wall = clock_.wall();
      m_.discarded.push_back({wall, "the process exec'd during the read", 0});
      notice(fmt::format("pid {} exec'd during the read begun at {}: the read is discarded", o_.pid,
                         format_clock(wall)));
      return Take::discarded;
    }
    return Take::gone;
  }
  empty_reads_ = 0;
  ManifestEntry& e = read->entry();
  // The kernel ends smaps early, at a record boundary, when the process
  // exits during the read (an OOM kill ending a leak hunt): a well-formed
  // file with a fraction of the mappings. Only a process alive after the
  // read, and still running the same program, had them all; the same
  // check makes the threads and cgroup read after it the process's.
  if (!target_.alive()) {
    m_.discarded.push_back({e.wall, "the process exited during the read", e.mappings});
    notice(fmt::format("pid {} exited during the read begun at {}: the read ({} mappings) may be cut short; "
                       "discarded, not a snapshot",
                       o_.pid, format_clock(e.wall), e.mappings));
    return Take::gone;
  }
  if (read->cut()) {
    // pagemap and maps said it was gone, /proc/PID/stat not yet.
    m_.discarded.push_back({e.wall, "the read was cut short", e.mappings});
    notice(fmt::format("the read begun at {} was cut short (pid {} exiting?): discarded, not a snapshot",
                       format_clock(e.wall), o_.pid));
    return Take::discarded;
  }
  if (read->torn()) {
    // The kernel makes smaps (and maps) a page of text a read(), dropping
    // the target's lock between: a mapping that grew down or merged
    // meanwhile is listed twice. Read again at once, a few times; a target
    // that keeps changing that fast has this slot skipped.
    m_.discarded.push_back({e.wall, "the mappings changed during the read", e.mappings});
    const bool again = ++torn_reads_ < kMaxTornReads;
    notice(fmt::format("the read begun at {} listed a mapping twice (pid {} mapped or unmapped during it): "
                       "discarded, {}",
                       format_clock(e.wall), o_.pid, again ? "read again" : "this slot is skipped"));
    if (!again) {
      torn_reads_ = 0;
      ++slot_index_;  // counted in the discarded reads, not as a slow read's skipped slots
    }
    return Take::discarded;
  }
  torn_reads_ = 0;
  const auto image_after = target_.image();
  if (image_after != image_before) {
    m_.discarded.push_back({e.wall, "the process exec'd during the read", e.mappings});
    notice(fmt::format("pid {} exec'd during the read begun at {}: the read is discarded", o_.pid,
                       format_clock(e.wall)));
    return Take::discarded;  // the next snapshot, at once, notes the exec
  }
  if (image_after != image_) {
    // Mid-exec the new image is there before its argv: an empty command
    // line is noted at the next snapshot, not recorded as "".
    std::string command = read_command(o_.pid, o_.root);
    if (!command.empty()) {
      notice(fmt::format("pid {} exec'd: its command is now \"{}\"", o_.pid, printable(command)));
      e.command = std::move(command);
      image_ = image_after;
    }
  }
  read->keep(number_);
  if (o_.jcmd && !nmt_off_) save_nmt(e);
  warn_if_slow(e);
  m_.snapshots.push_back(std::move(e));
  return Take::kept;
}

/// Once: reads that take a large share of the interval hold the target's
/// lock (smaps) or a core (either) for that share of the time.
void Collection::warn_if_slow(const ManifestEntry& e) {
  if (warned_slow_ || e.read_seconds <= o_.interval / 4) return;
  warned_slow_ = true;
  notice(fmt::format("a {} read took {:.0f} ms, more than a quarter of the {} interval{}", e.mode,
                     e.read_seconds * 1000, interval_name(o_.interval),
                     e.mode == "full" ? ": --mode light counts pages without holding the process's mmap lock "
                                        "for long, or take a longer --interval"
                                      : ": take a longer --interval"));
}

/// Adaptive mode, ended early (--duration elapsed, an interrupt): one more
/// snapshot, full, unless the last one was, so that the hunt ends with Pss.
CollectEnd Collection::close_with_full(CollectEnd end) {
  if (mode_ != CollectMode::adaptive || m_.snapshots.empty() || m_.snapshots.back().mode == "full")
    return finish(end);
  notice("taking a closing full snapshot (adaptive mode ends with Pss)");
  switch (take(true)) {
    case Take::gone: return finish(CollectEnd::target_exited);
    case Take::discarded:
    case Take::kept: break;
  }
  return finish(end);
}

void Collection::save_nmt(ManifestEntry& e) {
  using End = detail::JcmdResult::End;
  // Not cut short by a stop request: the snapshot being taken when SIGTERM
  // or Ctrl-C comes is kept whole, its NMT report with it (jcmd is bounded
  // by its timeout), as the last snapshot of a hunt is the one that counts.
  const detail::JcmdResult nmt = detail::run_jcmd(o_.jcmd_program, o_.pid, o_.jcmd_timeout, nullptr);
  switch (nmt.end) {
    case End::report: e.nmt = dir_.write_numbered("nmt", nmt_number_, nmt.text); break;
    case End::nmt_off:
      nmt_off_ = true;
      notice("NMT is off in the target: start it with -XX:NativeMemoryTracking=detail for --jcmd");
      break;
    case End::failed:
      nmt_off_ = true;
      notice("jcmd could not run or failed (not installed, not a JVM, or no answer); --jcmd is off");
      break;
    case End::stopped: break;  // not asked for here (no stop hook)
  }
}

/// The next slot not yet begun: a snapshot that took longer than the
/// interval skips the slots it overran rather than catching up on them
/// (which would run past --duration and bunch the snapshots).
void Collection::schedule_next() {
  const double now = clock_.monotonic();
  std::uint64_t next = slot_index_ + 1;
  if (now > start_) next = std::max(next, static_cast<std::uint64_t>(std::ceil((now - start_) / o_.interval)));
  if (next > slot_index_ + 1) {
    if (m_.slots_skipped == 0)
      notice(fmt::format("a snapshot took {:.0f} ms, longer than the {} interval: the slots it overran are "
                         "skipped, not caught up",
                         (now - m_.snapshots.back().monotonic) * 1000, interval_name(o_.interval)));
    m_.slots_skipped += next - slot_index_ - 1;
  }
  slot_index_ = next;
}

CollectEnd Collection::run() {
  begin();
  for (std::size_t taken = 0;;) {
    if (o_.count && taken >= *o_.count) return finish(CollectEnd::count_reached);
    const double slot = start_ + static_cast<double>(slot_index_) * o_.interval;
    if (o_.duration && slot - start_ > *o_.duration) return close_with_full(CollectEnd::duration_reached);
    switch (wait_until(slot)) {
      case Wait::stopped: return close_with_full(CollectEnd::interrupted);
      case Wait::exited: return finish(CollectEnd::target_exited);
      case Wait::due: break;
    }
    switch (take(full_due(taken))) {
      case Take::gone: return finish(CollectEnd::target_exited);
      case Take::discarded: continue;
      case Take::kept: break;
    }
    ++taken;
    // The last of --count: the closing manifest lists it (one manifest
    // write fewer: each costs two fsyncs).
    if (o_.count && taken >= *o_.count) {
      if (hooks_.on_snapshot) hooks_.on_snapshot(m_);
      return finish(CollectEnd::count_reached);
    }
    schedule_next();
    write_manifest_or_take_back(dir_, m_);
    if (hooks_.on_snapshot) hooks_.on_snapshot(m_);
    // --duration is elapsed time, whatever the slots say.
    if (o_.duration && clock_.monotonic() - start_ > *o_.duration)
      return close_with_full(CollectEnd::duration_reached);
  }
}

CollectEnd Collection::finish(CollectEnd end) {
  if (end == CollectEnd::target_exited && target_.replaced()) {
    // Another process has the pid by now: say that it is not followed.
    const std::string comm = read_command(o_.pid, o_.root);
    notice(fmt::format("pid {} ended; the pid is now another process's ({}), not collected", o_.pid,
                       comm.empty() ? "no command line" : printable(comm)));
  }
  m_.end_reason = std::string(collect_end_name(end));
  m_.end_wall = clock_.wall();
  if (end == CollectEnd::count_reached)
    write_manifest_or_take_back(dir_, m_);
  else if (end != CollectEnd::target_exited || !m_.snapshots.empty())
    dir_.write_manifest(m_);
  // else: nothing was collected; no manifest says otherwise, and a retry
  // into the same directory is not refused as "already holds a collection".
  return end;
}

}  // namespace

CollectEnd collect(OutputDir& dir, const ProcessWatch& target, const CollectOptions& options,
                   const CollectHooks& hooks, Manifest& manifest) {
  return Collection(dir, target, options, hooks, manifest).run();
}

}  // namespace snap
