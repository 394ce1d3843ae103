// snapcollect: take snapshots of a process over time, for snapdiff.
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <algorithm>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "cli.h"
#include "snap/counters.h"
#include "snap/emit/openmetrics.h"
#include "snap/escape.h"
#include "snap/live/child_process.h"
#include "snap/live/collect.h"
#include "snap/live/replace_file.h"
#include "snap/size.h"
#include "snap/timeline.h"
#include "snap/version.h"

namespace po = boost::program_options;

namespace {

using snap::cli::kTrouble;
constexpr int kTargetExitedEarly = 3;

constexpr const char* kUsage =
    "Usage: snapcollect -p PID [OPTION]...\n"
    "       snapcollect [OPTION]... -- COMMAND [ARG]...\n";
constexpr const char* kAbout = R"(Take a snapshot of a process's memory map every --interval, for snapdiff.

Reads /proc/PID/smaps itself (no pmap subprocess) and writes each snapshot
atomically into --out DIR (smaps.0001, smaps.0002, ...; never overwriting a
file, never following a symlink planted there), with a manifest.json that
records the process, each snapshot's capture time, how long its read took (the
kernel holds the target's mmap lock meanwhile), its totals, the threads (name,
tid, stack pointer), the cgroup's memory usage and limit, and
vm.max_map_count. `snapdiff DIR` reads it all: times, thread names for thread
stacks, limits for projections.

Reading smaps walks each mapping's page tables under the process's mmap lock:
a thread of the process that maps or unmaps memory meanwhile waits (about 20
ms for 4 GiB resident, 40 ms for 12 GiB). --mode light reads /proc/PID/maps
and counts pages through /proc/PID/pagemap instead (the PAGEMAP_SCAN ioctl,
Linux 6.7+, else pagemap's entries), a few hundred microseconds of lock at a
time: Size, Rss, Anonymous and Swap per mapping; Pss, the dirty counters and
the rest of smaps are unknown in those snapshots (shown as unknown, never 0).
--mode adaptive, the default for a process over 1G resident or 10000
mappings, takes light snapshots but reads smaps in full for the first and
the last (and every --full-every N), so that a hunt still ends with Pss: an
interrupt or an elapsed --duration after a light snapshot takes one more,
full. snapdiff and snapshow read light snapshots like any other; a series
that mixes both compares the counters every snapshot has. The manifest
records each snapshot's mode, how it was read and the longest lock hold.

With -- COMMAND, starts the command and collects until it exits, as time(1)
or strace(1) wrap one.

A program's start-up is growth too (a JVM maps libjvm, commits its heap and
fills its code cache in its first seconds): --delay takes the first snapshot
after it, so that it does not rank above a leak. The manifest records when the
process started; snapdiff says when the first snapshot it compares was taken
within seconds of it, and its --skip and --since leave such snapshots out.
A process that exits before the first snapshot leaves nothing behind: no
manifest, and --out removed if snapcollect created it and it is empty, so that
a retry into the same --out works.

Without --count or --duration, collects until the process exits or snapcollect
is interrupted (Ctrl-C, SIGTERM, or SIGHUP when its terminal or ssh session
closes): the snapshot in progress is finished, the manifest closed. Under
nohup, SIGHUP stays ignored and the collection goes on; `setsid -f snapcollect
... --quiet` or a tmux session also outlive a logout.

The process is followed by identity, not by number (a pidfd and its start
time): once it exits, a new process given its pid is not collected. A read
during which it exited (an OOM kill) is cut short by the kernel: it is
discarded, said, and recorded in the manifest, never kept as a snapshot; so is
a read during which it exec'd. An exec in place between snapshots is noted
(the snapshot's "command" in the manifest). A read that takes longer than
--interval skips the slots it overran (said once, counted in the manifest):
--duration is elapsed time.

--out DIR is private: directories are created 0700, files 0600 (a map shows
where the process keeps its heap, libraries and stacks). A DIR owned by
another user, reached through another user's symlink in a sticky directory
(/tmp), or in use by another snapcollect (it is locked) is refused.
)";
constexpr const char* kEpilog = R"(
Exit status:
  0  the collection ended as asked: --count or --duration reached, the process
     exited (with neither given), or an interrupt (SIGINT, SIGTERM, SIGHUP)
  3  the process exited before --count or --duration was reached
  2  trouble: a bad option, no such process (or a zombie, or a kernel thread:
     nothing is created), permission denied (another user's process without
     ptrace rights: the --out it created is removed), an --out that cannot be
     created, is another user's or is in use by another snapcollect, a full
     disk (the partial file is removed; earlier snapshots and the manifest
     stay intact), standard output that cannot be written ("snapcollect:
     write error: REASON")
  With -- COMMAND: when the command exits first, its exit status (128+N if a
  signal N ended it); when the collection ends first (--count, --duration, an
  interrupt), the command is sent SIGTERM (or the interrupting signal), or is
  left running (with --keep-running), and the status is 0; 2 when snapcollect
  itself had trouble. The final line says which.

Examples:
  snapcollect -p 4242 --interval 1m --duration 6h --out leak-hunt
  snapcollect --interval 5s --delay 1m --jcmd -- \
      java -XX:NativeMemoryTracking=detail -jar app.jar
  snapcollect -p 4242 --mode light --interval 200ms --count 50 --out busy-jvm
  snapdiff leak-hunt
)";

volatile std::sig_atomic_t g_stop = 0;  // set by the signal handler only
void on_signal(int sig) {
  g_stop = sig;
}

struct Args {
  std::optional<std::int64_t> pid;
  std::string interval = "30s", duration, delay, out, format = "smaps", mode, openmetrics, light_method;
  std::optional<std::size_t> count, full_every;
  bool jcmd = false, quiet = false, keep_running = false;
  std::vector<std::string> command;
};

[[noreturn]] void usage_error(const std::string& message) {
  snap::cli::usage_error("snapcollect", message);
}

Args parse_args(int argc, char** argv) {
  Args a;
  // Everything after "--" is the command, untouched by option parsing.
  int split = argc;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--") {
      split = i;
      break;
    }
  for (int i = split + 1; i < argc; ++i) a.command.emplace_back(argv[i]);

  po::options_description shown("Options");
  // clang-format off
  shown.add_options()
      ("pid,p", po::value<std::int64_t>()->value_name("PID"), "the process to watch")
      ("interval,i", po::value(&a.interval)->value_name("DURATION"), "time between snapshots (default 30s; 500ms, 5m, 1h)")
      ("count,n", po::value<std::string>()->value_name("N"), "stop after N snapshots")
      ("duration,d", po::value(&a.duration)->value_name("DURATION"), "stop DURATION after the first snapshot")
      ("delay", po::value(&a.delay)->value_name("DURATION"), "take the first snapshot after DURATION (default 0: at once), past the process's start-up")
      ("out,o", po::value(&a.out)->value_name("DIR"), "output directory (default snap-PID-YYYYmmdd-HHMMSS)")
      ("format,f", po::value(&a.format)->value_name("FORMAT"), "smaps (default) or pmap-x (what pmap -x would print)")
      ("mode,m", po::value(&a.mode)->value_name("MODE"), "full (smaps), light (maps + pagemap: Size, Rss, Anonymous, Swap, and Private and Shared with --light-method entries; never holds the process's mmap lock for long) or adaptive (light, full at the first and the last); default: adaptive for a process over 1G resident or 10000 mappings, else full")
      ("full-every", po::value<std::string>()->value_name("N"), "adaptive: also read smaps in full every N snapshots")
      ("light-method", po::value(&a.light_method)->value_name("HOW"), "how light snapshots count pages: scan (the PAGEMAP_SCAN ioctl: Rss exactly as smaps counts it, the least CPU), entries (pagemap's entries: also Private and Shared, from the exclusively-mapped bit; the zero page counted in Rss and Shared) or auto (scan where the kernel has it, Linux 6.7+; the default)")
      ("openmetrics", po::value(&a.openmetrics)->value_name("PATH"), "after each snapshot, replace PATH atomically with the process's metrics and the trend so far as OpenMetrics text (for node_exporter's textfile collector: PATH ending in .prom)")
      ("jcmd", po::bool_switch(&a.jcmd), "also save jcmd PID VM.native_memory detail beside each snapshot (Java, NMT on)")
      ("keep-running", po::bool_switch(&a.keep_running), "-- COMMAND: when the collection ends first, leave the command running and print its pid (to attach gdb), instead of sending it SIGTERM")
      ("quiet,q", po::bool_switch(&a.quiet), "no status: neither the line rewritten on a terminal nor, elsewhere, the line per snapshot")
      ("help", "print this help and exit")
      ("version", "print the version and exit");
  // clang-format on
  po::variables_map vm =
      snap::cli::parse(split, argv, "snapcollect", shown, {kUsage, kAbout, kEpilog});
  if (vm.count("pid")) a.pid = vm["pid"].as<std::int64_t>();
  if (vm.count("count")) a.count = snap::cli::count("snapcollect", "count", vm["count"].as<std::string>());
  if (a.pid && !a.command.empty()) usage_error("give -p PID or -- COMMAND, not both");
  if (!a.pid && a.command.empty()) usage_error("give -p PID, or -- COMMAND to start");
  if (a.keep_running && a.command.empty()) usage_error("--keep-running is for -- COMMAND");
  if (a.pid && *a.pid <= 0) usage_error("-p: a pid is a positive number");
  // Beyond pid_t it would be cut to another process's pid.
  if (a.pid && *a.pid > std::numeric_limits<pid_t>::max())
    usage_error(fmt::format("-p: a pid is a positive number; {} is past the largest, {}", *a.pid,
                            std::numeric_limits<pid_t>::max()));
  if (a.format != "smaps" && a.format != "pmap-x") usage_error("--format must be smaps or pmap-x");
  if (a.count && *a.count == 0) usage_error("--count must be at least 1");
  if (vm.count("full-every"))
    a.full_every = snap::cli::count("snapcollect", "full-every", vm["full-every"].as<std::string>());
  if (a.full_every && *a.full_every == 0) usage_error("--full-every must be at least 1");
  if (!a.mode.empty() && a.mode != "full" && a.mode != "light" && a.mode != "adaptive")
    usage_error("--mode must be full, light or adaptive");
  if (a.format == "pmap-x" && (a.mode == "light" || a.mode == "adaptive"))
    usage_error("--format pmap-x needs every snapshot read in full (pmap -x's Dirty column): --mode full");
  if (a.full_every && !a.mode.empty() && a.mode != "adaptive") usage_error("--full-every is for --mode adaptive");
  if (!a.light_method.empty() && !snap::light_method_from_name(a.light_method))
    usage_error("--light-method must be scan, entries or auto");
  if (!a.light_method.empty() && a.mode == "full") usage_error("--light-method is for --mode light or adaptive");
  return a;
}

std::string default_out(std::int64_t pid) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return fmt::format("snap-{}-{}", pid, stamp);
}

/// "12 snapshots  Rss 164M (+37M)  Pss ...  read 4.1 ms": sizes as snapdiff -h writes them
std::string status_line(const snap::Manifest& m) {
  const auto& first = m.snapshots.front();
  const auto& last = m.snapshots.back();
  std::string line = fmt::format("{} snapshot{}", m.snapshots.size(), m.snapshots.size() == 1 ? "" : "s");
  for (snap::Field f : {snap::Field::rss, snap::Field::pss}) {
    if (!last.totals.known(f)) continue;
    const std::uint64_t now = last.totals.value_or_zero(f), was = first.totals.value_or_zero(f);
    line += fmt::format("  {} {} ({})", snap::smaps_key(f), snap::format_size(now, snap::SizeStyle::human),
                        snap::format_delta(snap::signed_delta(was, now), snap::SizeStyle::human));
  }
  line += fmt::format("  {} mappings  {} read {:.1f} ms", last.mappings, last.mode, last.read_seconds * 1000);
  return line;
}

/// "  2m10s elapsed, 3m50s left" for the terminal's line: since the first
/// snapshot, and until the end --count or --duration sets (when one does).
std::string time_status(const snap::Manifest& m, const snap::CollectOptions& o) {
  const double elapsed = m.snapshots.back().monotonic - m.snapshots.front().monotonic;
  std::string out = fmt::format("  {} elapsed", snap::format_duration(elapsed));
  std::optional<double> left;
  if (o.count)  // scheduled from the first snapshot
    left = (static_cast<double>(*o.count) - 1) * o.interval - elapsed;
  if (o.duration) left = std::min(left.value_or(*o.duration - elapsed), *o.duration - elapsed);
  if (left) out += fmt::format(", {} left", snap::format_duration(std::max(*left, 0.0)));
  return out;
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    default: return "SIGTERM";
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  snap::CollectOptions o;
  auto interval = snap::parse_duration(args.interval);
  if (!interval || *interval <= 0)
    usage_error(fmt::format("--interval: '{}' is not a duration", args.interval));
  o.interval = *interval;
  if (!args.duration.empty()) {
    o.duration = snap::parse_duration(args.duration);
    if (!o.duration) usage_error(fmt::format("--duration: '{}' is not a duration", args.duration));
  }
  if (!args.delay.empty()) {
    auto delay = snap::parse_duration(args.delay);
    if (!delay) usage_error(fmt::format("--delay: '{}' is not a duration", args.delay));
    o.delay = *delay;
  }
  o.count = args.count;
  o.format = args.format;
  if (args.mode == "full") o.mode = snap::CollectMode::full;
  if (args.mode == "light") o.mode = snap::CollectMode::light;
  if (args.mode == "adaptive" || (args.mode.empty() && args.full_every)) o.mode = snap::CollectMode::adaptive;
  o.full_every = args.full_every;
  if (!args.light_method.empty()) o.light.method = *snap::light_method_from_name(args.light_method);
  o.jcmd = args.jcmd;

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A closed terminal or ssh session ends the collection cleanly, as
  // SIGTERM does; under nohup (SIGHUP ignored from the start) it goes on.
  struct sigaction hup {};
  if (sigaction(SIGHUP, nullptr, &hup) == 0 && hup.sa_handler != SIG_IGN) sigaction(SIGHUP, &sa, nullptr);

  // Collecting starts once the command has exec'd, so that the first
  // snapshot is of the command, not of snapcollect's own copy.
  std::optional<snap::ChildProcess> child;
  if (!args.command.empty()) {
    try {
      child.emplace(args.command, snap::ChildProcess::Output::inherit);
    } catch (const snap::ProcError& e) {
      std::cerr << "snapcollect: " << e.what() << '\n';
      return 127;
    } catch (const std::system_error& e) {
      std::cerr << "snapcollect: " << e.what() << '\n';
      return kTrouble;
    }
    o.pid = child->pid();
  } else {
    o.pid = *args.pid;
  }

  // On a terminal, one line rewritten in place; elsewhere (nohup, a log
  // file) a line per snapshot, so that the log shows the collection going.
  const bool status = !args.quiet && ::isatty(STDERR_FILENO);
  const bool status_log = !args.quiet && !status;
  int rc = 0;
  bool stopped_by_us = false;
  // The command is ours: when the collection ends before it does (count,
  // duration, an interrupt, trouble), it ends too, unless --keep-running;
  // one that ignores the signal gets 5 seconds, then SIGKILL. Returns what
  // became of it, for the final line.
  bool child_done = false;
  auto end_child = [&](bool ours_to_end) -> std::string {
    child_done = true;
    if (ours_to_end && args.keep_running) {
      child->release();
      return "";
    }
    const int sig = g_stop ? g_stop : SIGTERM;
    const int code = ours_to_end ? child->terminate(sig, 5) : child->wait();
    if (ours_to_end) return fmt::format("; the command was sent {}", signal_name(sig));
    rc = code;
    return code > 128 ? fmt::format("; the command was ended by signal {}", code - 128)
                      : fmt::format("; the command exited with status {}", code);
  };
  std::string nothing_kept;  // said after the error that ended the collection
  try {
    // What the pid is, before anything is created: a zombie, a kernel
    // thread or no process leaves no directory behind.
    snap::ProcessWatch target(o.pid, "/proc", child.has_value());
    snap::OutputDir dir(args.out.empty() ? default_out(o.pid) : args.out);
    snap::Manifest manifest;
    snap::CollectHooks hooks;
    hooks.stop_requested = [] { return g_stop != 0; };
    hooks.on_notice = [&](const std::string& s) {
      std::cerr << (status ? "\r\x1b[K" : "") << "snapcollect: " << s << '\n';
    };
    if (status)
      hooks.on_snapshot = [&o](const snap::Manifest& m) {
        std::cerr << "\r\x1b[K" << status_line(m) << time_status(m, o) << std::flush;
      };
    else if (status_log)
      hooks.on_snapshot = [](const snap::Manifest& m) { std::cerr << "snapcollect: " << status_line(m) << '\n'; };
    if (!args.openmetrics.empty()) {
      // Metrics trouble is said and the collection goes on: the snapshots matter more.
      auto status_hook = hooks.on_snapshot;
      hooks.on_snapshot = [&args, &dir, &hooks, status_hook](const snap::Manifest& m) {
        try {
          snap::replace_file(args.openmetrics, snap::collection_openmetrics(dir.path(), m));
        } catch (const snap::Error& e) {
          hooks.on_notice(fmt::format("--openmetrics: {}", e.what()));
        }
        if (status_hook) status_hook(m);
      };
    }
    snap::CollectEnd end{};
    try {
      end = snap::collect(dir, target, o, hooks, manifest);
    } catch (const snap::Error&) {
      // Trouble before the first snapshot (smaps refused at its first read:
      // another user's process; --out unwritable) leaves nothing behind
      // either, as no process does.
      if (manifest.snapshots.empty() && dir.remove_unused())
        nothing_kept = fmt::format("snapcollect: nothing kept: {} removed\n", snap::printable(dir.path()));
      throw;
    }
    if (status) std::cerr << '\n';
    std::string skipped;
    if (!manifest.discarded.empty())
      skipped += fmt::format(" ({} read{} discarded: the process exited or exec'd during it)",
                             manifest.discarded.size(), manifest.discarded.size() == 1 ? "" : "s");
    if (manifest.slots_skipped)
      skipped += fmt::format(" ({} interval slots skipped: reads took longer than the interval)",
                             manifest.slots_skipped);
    stopped_by_us = end != snap::CollectEnd::target_exited;
    const std::string fate = child ? end_child(stopped_by_us) : "";
    std::cerr << fmt::format("snapcollect: {} snapshot{} of pid {} in {}: {}{}{}\n", manifest.snapshots.size(),
                             manifest.snapshots.size() == 1 ? "" : "s", o.pid, snap::printable(dir.path()),
                             snap::collect_end_name(end), skipped, fate);
    if (child && stopped_by_us && args.keep_running) {
      std::string command;
      for (const std::string& word : args.command) command += (command.empty() ? "" : " ") + word;
      std::cerr << fmt::format("snapcollect: pid {} ({}) left running\n", o.pid, snap::printable(command));
    }
    if (!child && end == snap::CollectEnd::target_exited && (o.count || o.duration)) rc = kTargetExitedEarly;
    if (end == snap::CollectEnd::target_exited && manifest.snapshots.empty()) {
      // Known to have started: it was there, and exited during --delay.
      if (manifest.process_start) {
        std::cerr << fmt::format("snapcollect: pid {} exited before the first snapshot\n", o.pid);
      } else if (!child) {
        std::cerr << fmt::format("snapcollect: no process {}\n", o.pid);
        rc = kTrouble;
      }
      // Nothing was collected: nothing is left (no manifest was written),
      // so that a retry into the same --out works.
      const bool removed = dir.remove_unused();
      std::cerr << fmt::format("snapcollect: nothing kept: {}\n",
                               removed ? fmt::format("{} removed", snap::printable(dir.path()))
                                       : fmt::format("no manifest written in {}", snap::printable(dir.path())));
    }
  } catch (const snap::OutputError& e) {
    // About --out, not the process: no hint about another user's process.
    if (status) std::cerr << '\n';
    std::cerr << "snapcollect: " << e.what() << '\n' << nothing_kept;
    rc = kTrouble;
  } catch (const snap::ProcError& e) {
    if (status) std::cerr << '\n';
    std::cerr << "snapcollect: " << e.what();
    if (e.denied())
      std::cerr << " (another user's process: run as that user or root, or with CAP_SYS_PTRACE)";
    std::cerr << '\n' << nothing_kept;
    rc = kTrouble;
  }

  if (child && !child_done) end_child(stopped_by_us || rc == kTrouble);
  return rc;
}
