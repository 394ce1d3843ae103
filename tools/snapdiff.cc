// snapdiff: which memory blocks of a process grew between two snapshots.
#include <fcntl.h>
#include <langinfo.h>
#include <unistd.h>

#include <clocale>
#include <cstring>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "cli.h"
#include "snap/analyze.h"
#include "snap/collection.h"
#include "snap/dump.h"
#include "snap/emit.h"
#include "snap/error.h"
#include "snap/live/process_check.h"
#include "snap/sigbus.h"
#include "snap/size.h"
#include "snap/version.h"

namespace po = boost::program_options;

namespace {

using snap::cli::kTrouble;

constexpr const char* kUsage = "Usage: snapdiff [OPTION]... BEFORE AFTER\n";
constexpr const char* kAbout =
    R"(Compare two memory-map snapshots of one process and rank the blocks that grew.

BEFORE and AFTER are /proc/PID/smaps, /proc/PID/maps, pmap output (pmap,
pmap -x, pmap -X, pmap -XX, pmap -d, Solaris pmap -x) or ELF core dumps (gcore,
systemd-coredump), in any mix; the format is detected. "-" reads standard
input; gzip, xz, bzip2 and zstd files are read transparently.
Regions are matched by address overlap, so a heap that grew by brk, an arena
whose rw-p part grew into its reserve, or a mapping split by mprotect is one
block. Each block is ranked by how much its Rss grew; where a snapshot has no
Rss (maps, plain pmap), by its Accessible size: Size less ---p reserves.

With three or more snapshots (or a directory holding a numbered series such as
smaps.01 .. smaps.08) snapdiff reports trends: each block's series, its rate,
and a verdict (steady, emerging, stepwise, noisy, flat, shrinking); steady and
emerging growers rank first. Regions are also grouped by shape and category, so
that a leak made of many new regions that each stay flat (a malloc'd block a
time, a thread a time) is found too. In both modes, blocks whose growth is a
whole number of one allocation size (1 MiB mallocs and direct buffers: 1028K
mmaps that the kernel merges into neighbouring mappings) are linked into one
finding, their ranges folded under it. Capture times come from --interval, a
times.txt beside the files ("NN EPOCH_MS" lines), times in the file names, or
mtimes; a times.txt missing a file, and mtimes of copies or touches (equal, all
within a second, out of the files' order), are set aside with a warning: then
rates are per snapshot.

A series that begins at the process's start counts its start-up (libraries
mapped, a JVM's heap committed and code cache filled) as growth. When a
collection recorded the start, snapdiff says so if the first snapshot was taken
within 10 s of it; --skip N and --since TIME leave the first snapshots out
(in time order). What is left is compared as if given alone: two snapshots
as BEFORE AFTER, three or more as a trend.

For a JVM, --nmt joins the output of jcmd PID VM.native_memory detail (or the
NMT files snapcollect --jcmd saved, or for a DIR the nmt-detail.NN,
nmt-summary.NN or nmt-summary-diff.NN files beside snapshot NN, found by
itself): each block is split by address into growth inside the regions NMT
tracks (Java heap, metaspace, class space, code cache, thread stacks, GC) and
growth outside them, NMT names the JVM's regions' categories, and NMT's malloc
growth tells JVM-tracked malloc (direct buffers, Internal, Other) from
untracked native memory (JNI, zlib, third-party libraries). NMT summaries
(summary, summary.diff) have no addresses: the growth outside is then the
anonymous growth less the committed growth of what the JVM maps, and which
blocks it lies in needs a detail.
)";
constexpr const char* kEpilog = R"(
SIZE is a number of bytes, or with a suffix K, M, G, T (powers of 1024): 64K,
1M, 1.5G.
Categories: heap stack thread-stack arena java-heap anon file shm deleted
special guard, and from NMT: class-space code-cache metaspace jvm.
Counters for --sort: rss pss size dirty swap anon (anonymous), or any smaps key.

Growth counts past the noise floor: 1% of the summed growth of every block that
grew, at least 64K and at most 1M (--noise-floor sets it), and --min-growth,
applied to each finding (a block, or blocks linked by one allocation size).

Exit status (like diff(1)):
  0  nothing grew past the noise floor (and --min-growth)
  1  something grew past them
  2  trouble: bad option, unreadable or malformed input (FILE:LINE: reason),
     or the output could not be written ("snapdiff: write error: REASON")
With --fail-above or --fail-rate, the gate alone decides 0 or 1:
  0  the total growth (or rate) of the ranking counter, and of every
     finding, stayed below the gate
  1  the total, or one finding, reached it

Examples:
  snapdiff pmap.1 pmap.9
  snapdiff -h --top 5 smaps.01 smaps.08
  snapdiff --json --min-growth 1M smaps.01.gz smaps.08.gz | jq '.blocks[0]'
  snapdiff --nmt nmt.01 --nmt nmt.08 smaps.01 smaps.08
  snapdiff --since 1m snap-4242-20261202-061000
  ssh prod cat /proc/4242/smaps | snapdiff smaps.old -
)";

struct Args {
  std::vector<std::string> files;
  std::vector<std::string> nmt;
  std::optional<std::size_t> top;
  std::string min_growth = "0";
  std::string sort;
  std::string categories;
  std::string color = "auto";
  std::string input_format;
  std::string interval, limit, gdb, dump_dir = ".", dump = "grown", max_dump = "256M", since;
  std::string fail_above, fail_rate, noise_floor;
  std::string html;
  std::size_t skip = 0;
  std::optional<std::int64_t> pid;
  std::optional<std::uint64_t> max_map_count;
  bool all = false, json = false, csv = false, human = false, ranges = false, skip_bad = false, wide = false;
};

struct Choices {
  snap::SeriesOptions series;
  snap::AnalyzeOptions analysis;
  snap::DumpOptions dump;
};

[[noreturn]] void usage_error(const std::string& message) {
  snap::cli::usage_error("snapdiff", message);
}

Choices choices(const Args& a) {
  Choices ch;
  snap::AnalyzeOptions& o = ch.analysis;
  o.top = a.top;
  o.all = a.all;
  auto size_option = [](const std::string& name, const std::string& text) {
    auto v = snap::parse_size(text);
    if (!v) usage_error(fmt::format("--{}: '{}' is not a size (try 64K, 1M, 2G)", name, text));
    return *v;
  };
  o.min_growth = size_option("min-growth", a.min_growth);
  std::string_view sorts = a.sort;
  while (!sorts.empty()) {
    auto comma = sorts.find(',');
    std::string key(sorts.substr(0, comma));
    if (key == "steady")
      o.order = snap::TrendOrder::steady;
    else if (key == "growth")
      o.order = snap::TrendOrder::growth;
    else if (key == "rate")
      o.order = snap::TrendOrder::rate;
    else if (!key.empty()) {
      auto f = snap::field_from_name(key == "anon" ? "anonymous" : key);
      if (!f) usage_error(fmt::format("--sort: unknown counter or order '{}'", key));
      o.counter = *f;
    }
    if (comma == std::string_view::npos) break;
    sorts.remove_prefix(comma + 1);
  }
  std::string_view list = a.categories;
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    if (!name.empty()) {
      auto c = snap::category_from_name(name);
      if (!c) usage_error(fmt::format("--category: unknown category '{}'", name));
      o.categories.push_back(*c);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }

  if (!a.noise_floor.empty()) o.floor = size_option("noise-floor", a.noise_floor);
  if (!a.fail_above.empty()) {
    o.gate.above = size_option("fail-above", a.fail_above);
    if (*o.gate.above == 0) usage_error("--fail-above must be more than 0");
  }
  if (!a.fail_rate.empty()) {
    o.gate.rate = snap::parse_rate(a.fail_rate);
    if (!o.gate.rate || !(*o.gate.rate > 0))
      usage_error(fmt::format("--fail-rate: '{}' is not a rate above 0 (try 1M/s, 100M/h)", a.fail_rate));
  }
  o.max_map_count = a.max_map_count;
  if (!a.limit.empty()) o.limit = size_option("limit", a.limit);

  snap::SeriesOptions& s = ch.series;
  s.inputs = a.files;
  s.skip = a.skip;
  s.skip_bad = a.skip_bad;
  s.nmt = a.nmt;
  if (!a.since.empty()) {
    s.since = snap::parse_since(a.since);
    if (!s.since)
      usage_error(fmt::format(
          "--since: '{}' is neither a duration (30s, 5m) nor a time (2026-12-02T06:10:00, @EPOCH)", a.since));
  }
  if (!a.interval.empty()) {
    s.interval = snap::parse_duration(a.interval);
    if (!s.interval || *s.interval <= 0)
      usage_error(fmt::format("--interval: '{}' is not a duration (try 30s, 5m, 1h)", a.interval));
  }

  snap::DumpOptions& d = ch.dump;
  if (a.dump == "grown")
    d.mode = snap::DumpMode::grown;
  else if (a.dump == "whole")
    d.mode = snap::DumpMode::whole;
  else
    usage_error(fmt::format("--dump must be grown or whole, not '{}'", a.dump));
  d.max_total = size_option("max-dump", a.max_dump);
  d.dir = a.dump_dir;
  d.pid = a.pid;
  return ch;
}

Args parse_args(int argc, char** argv) {
  Args a;
  po::options_description shown("Options");
  // clang-format off
  shown.add_options()
      ("top,n", po::value<std::string>()->value_name("N"), "show at most N findings (default: every finding that grew, up to 20)")
      ("min-growth,m", po::value(&a.min_growth)->value_name("SIZE"), "count a finding (a block, or linked blocks) as grown only when it grew by at least SIZE (default 0)")
      ("noise-floor", po::value(&a.noise_floor)->value_name("SIZE"), "growth below SIZE is noise (default: 1% of the summed growth, at least 64K, at most 1M; 0 counts every page)")
      ("fail-above", po::value(&a.fail_above)->value_name("SIZE"), "exit 1 when the total growth of the ranking counter, or of one finding, reaches SIZE; else 0")
      ("fail-rate", po::value(&a.fail_rate)->value_name("RATE"), "trends: exit 1 when the total grows, or one finding grows, at RATE or faster (1M/s, 100M/h); else 0")
      ("sort,s", po::value(&a.sort)->value_name("KEY"), "rank by a counter (rss, pss, size, dirty, swap, anon...) and, for trends, an order (steady, growth, rate); comma-separated")
      ("category,c", po::value(&a.categories)->value_name("LIST"), "only blocks of these comma-separated categories")
      ("all,a", po::bool_switch(&a.all), "also list blocks that did not grow")
      ("human-readable,h", po::bool_switch(&a.human), "sizes in K/M/G, as df -h (default: KiB, as pmap)")
      ("wide,w", po::bool_switch(&a.wide), "fit no table to the width of the terminal (COLUMNS, else the terminal's): every column, whole names")
      ("json", po::bool_switch(&a.json), "the report as JSON (schema snap.diff/1; for trends snap.trend/1; see snapdiff(1))")
      ("csv", po::bool_switch(&a.csv), "the report as CSV: one row per block; for trends, one row per finding, snapshot and counter")
      ("html", po::value(&a.html)->value_name("FILE"), "also write the report as one self-contained HTML page with charts to FILE (replaced if it exists; - : to standard output, instead of the text report)")
      ("color", po::value(&a.color)->value_name("WHEN")->implicit_value("always"), "colour the report: always (--color alone), never, or auto (default: on a terminal, unless NO_COLOR is set or TERM=dumb)")
      ("input-format,f", po::value(&a.input_format)->value_name("FORMAT"), "skip detection: smaps maps pmap pmap-x pmap-X pmap-d solaris-pmap-x core")
      ("skip-bad", po::bool_switch(&a.skip_bad), "leave out the snapshots that cannot be read, each named on stderr (FILE:LINE: reason (skipped)), and compare the rest (at least 2); without it, one such file is an error")
      ("nmt", po::value(&a.nmt)->value_name("FILE")->composing(), "jcmd VM.native_memory detail (or summary, summary.diff) output; repeat in capture order: the first goes with the first snapshot, the last with the last (default: what snapcollect --jcmd saved, or nmt-detail.NN beside a DIR's snapshots)")
      ("help", "print this help and exit")
      ("version", "print the version and exit");
  // clang-format on
  po::options_description trend("Trends (three or more snapshots)");
  // clang-format off
  trend.add_options()
      ("interval", po::value(&a.interval)->value_name("DURATION"), "snapshots were taken DURATION apart (30s, 5m, 1h); overrides other times")
      ("limit", po::value(&a.limit)->value_name("SIZE"), "project when Rss reaches SIZE")
      ("max-map-count", po::value<std::string>()->value_name("N"), "project when the mapping count reaches N (default: as the collection recorded it, else the kernel's 65530)");
  // clang-format on
  po::options_description start("Leaving out the first snapshots (a process's start-up), in time order");
  // clang-format off
  start.add_options()
      ("skip", po::value<std::string>()->value_name("N"), "leave out the first N snapshots")
      ("since", po::value(&a.since)->value_name("TIME"), "leave out the snapshots taken before TIME: a duration after the first snapshot (30s, 2m), or a time, local (2026-12-02T06:10:00), UTC (...Z) or @EPOCH");
  // clang-format on
  po::options_description gdb("Handing the growing blocks to gdb");
  // clang-format off
  gdb.add_options()
      ("gdb", po::value(&a.gdb)->value_name("FILE"), "write a gdb command file that dumps the growing blocks (gdb -p PID -batch -x FILE); never overwrites")
      ("dump-dir", po::value(&a.dump_dir)->value_name("DIR"), "where the gdb file writes its .bin dumps (default .): files 0600, directories made 0700; refused when a directory on the way is another user's or it is reached through another user's symlink in a sticky directory (/tmp)")
      ("dump", po::value(&a.dump)->value_name("WHAT"), "grown (default): only addresses readable now and not in the oldest snapshot; whole: the whole blocks")
      ("max-dump", po::value(&a.max_dump)->value_name("SIZE"), "dump at most SIZE in all (default 256M)")
      ("ranges", po::bool_switch(&a.ranges), "print one \"0xSTART 0xEND\" line per range to dump, instead of the report")
      ("pid", po::value<std::string>()->value_name("PID"), "the process's pid, where the snapshots do not say it");
  // clang-format on
  shown.add(trend).add(start).add(gdb);
  po::variables_map vm = snap::cli::parse(argc, argv, "snapdiff", shown, {kUsage, kAbout, kEpilog}, &a.files);
  if (vm.count("top")) a.top = snap::cli::count("snapdiff", "top", vm["top"].as<std::string>());
  if (vm.count("pid")) {
    const std::string& pid = vm["pid"].as<std::string>();
    const std::size_t n = pid.find_first_not_of("0123456789") == std::string::npos && pid.size() <= 8
                              ? std::stoul("0" + pid)
                              : 0;
    if (n < 1 || n > snap::kMaxPid)
      usage_error(fmt::format("--pid: '{}' is not a process id (1 to {})", pid, snap::kMaxPid));
    a.pid = static_cast<std::int64_t>(n);
  }
  if (vm.count("skip")) a.skip = snap::cli::count("snapdiff", "skip", vm["skip"].as<std::string>());
  if (vm.count("max-map-count"))
    a.max_map_count = snap::cli::count("snapdiff", "max-map-count", vm["max-map-count"].as<std::string>());
  if (a.files.empty()) usage_error("give two snapshots: BEFORE AFTER");
  if (a.json && a.csv) usage_error("--json and --csv exclude each other");
  if (a.html == "-" && (a.json || a.csv || a.ranges || a.gdb == "-"))
    usage_error("--html - takes standard output: not with --json, --csv, --ranges or --gdb -");
  if (std::count(a.files.begin(), a.files.end(), "-") > 1)
    usage_error("standard input (-) can be read only once");
  return a;
}

}  // namespace

/// Writes `text` to a new file: an existing file is never overwritten.
void write_new_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    throw snap::ParseError(path, 0, 0,
                           errno == EEXIST
                               ? "exists; snapdiff does not overwrite it (remove it or name another)"
                               : fmt::format("cannot create: {}", std::strerror(errno)));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(path.c_str());
      throw snap::ParseError(path, 0, 0, fmt::format("cannot write: {}", std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0)
    throw snap::ParseError(path, 0, 0, fmt::format("cannot write: {}", std::strerror(errno)));
}

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) out += (i ? " " : "") + std::string(argv[i]);
  return out;
}

/// A warning when the pid the gdb file attaches to has exited, or is now
/// another process than the snapshots' (their collection's start time and
/// boot id against /proc).
void warn_if_process_changed(const snap::DumpPlan& plan, const snap::Snapshot& newest) {
  if (!plan.pid) return;
  snap::RecordedProcess recorded{*plan.pid, std::nullopt, ""};
  if (newest.pid == plan.pid) {
    recorded.start = newest.process_start;
    if (newest.collection) recorded.boot_id = newest.collection->boot_id;
  }
  if (auto why = snap::process_changed(recorded))
    std::cerr << snap::cli::say("snapdiff", fmt::format("warning: {}: gdb -p {} cannot dump what the snapshots show",
                                                        *why, *plan.pid));
}

/// Writes `text` to `path`, replacing what it held.
void write_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw snap::ParseError(path, 0, 0, fmt::format("cannot create: {}", std::strerror(errno)));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      ::close(fd);
      throw snap::ParseError(path, 0, 0, fmt::format("write error: {}", std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw snap::ParseError(path, 0, 0, fmt::format("write error: {}", std::strerror(errno)));
}

/// The report, or the ranges and gdb script --ranges and --gdb ask for,
/// into `out`; the gdb script to its file.
void emit(std::string& out, const Args& args, const snap::Analysis& a, const snap::DumpOptions& dump,
          const std::string& command) {
  std::string next;  // on a terminal, the report ends with the command to run next
  if (args.ranges || !args.gdb.empty()) {
    snap::DumpPlan plan = snap::plan_dumps(a.series->snapshots, a.growing_blocks(), dump);
    for (const auto& n : plan.notes) std::cerr << snap::cli::say("snapdiff", "note: " + n);
    if (args.ranges) snap::emit_ranges(out, plan);
    if (!args.gdb.empty()) {
      std::string script;
      snap::emit_gdb(script, plan, command);
      std::uint64_t bytes = 0;
      for (const auto& r : plan.ranges) bytes += r.end - r.start;
      if (args.gdb == "-") {
        out += script;
      } else {
        write_new_file(args.gdb, script);
        std::cerr << snap::cli::say(
            "snapdiff", fmt::format("wrote {}: {} range{}, {}; run: gdb -p {} -batch -x {}", args.gdb,
                                    plan.ranges.size(), plan.ranges.size() == 1 ? "" : "s",
                                    snap::format_size(bytes, args.human ? snap::SizeStyle::human : snap::SizeStyle::kib), plan.pid ? std::to_string(*plan.pid) : "PID",
                                    args.gdb));
        warn_if_process_changed(plan, a.series->snapshots.back());
        next = fmt::format("gdb -p {} -batch -x {}", plan.pid ? std::to_string(*plan.pid) : "PID", args.gdb);
      }
    }
  }
  // --color is checked (and may be refused) even when no report follows.
  const snap::TextOptions text{args.human ? snap::SizeStyle::human : snap::SizeStyle::kib,
                               snap::cli::want_color("snapdiff", args.color), snap::cli::utf8_locale(),
                               snap::cli::output_width(args.wide)};
  if (!args.html.empty()) {
    snap::HtmlOptions o;
    o.command_line = command;
    o.dump = dump;
    std::string page;
    if (a.trend)
      snap::emit_trend_html(page, *a.trend, a.series->snapshots, o);
    else
      snap::emit_diff_html(page, *a.diff, a.series->snapshots, o);
    if (args.html == "-") {
      out += page;
      return;
    }
    write_file(args.html, page);
  }
  if (args.ranges || args.gdb == "-") return;
  if (a.trend) {
    if (args.json)
      snap::emit_trend_json(out, *a.trend);
    else if (args.csv)
      snap::emit_trend_csv(out, *a.trend);
    else
      snap::emit_trend_text(out, *a.trend, text);
  } else if (args.json) {
    snap::emit_json(out, *a.diff, [](std::string& text) {  // --all: thousands of blocks
      snap::cli::write_stdout(text);
      text.clear();
    });
  } else if (args.csv) {
    snap::emit_csv(out, *a.diff);
  } else {
    snap::emit_text(out, *a.diff, text);
  }
  if (!next.empty() && !args.json && !args.csv && ::isatty(STDOUT_FILENO) == 1)
    out += "\nNext: " + snap::printable(next) + "\n";
}

int main(int argc, char** argv) {
  snap::exit_on_sigbus("snapdiff");
  Args args = parse_args(argc, argv);
  Choices ch = choices(args);
  if (!args.input_format.empty()) {
    ch.series.format = snap::format_from_name(args.input_format);
    if (!ch.series.format) usage_error(fmt::format("--input-format: unknown format '{}'", args.input_format));
  }
  try {
    auto series = std::make_shared<const snap::Series>(
        snap::load_series(ch.series, [](const snap::Message& m) { std::cerr << snap::cli::say("snapdiff", m); }));
    const snap::Analysis analysis = snap::analyze(series, ch.analysis);
    std::string out;
    emit(out, args, analysis, ch.dump, command_line(argc, argv));
    snap::cli::write_stdout(out);
    snap::cli::flush_stdout();
    if (analysis.gate)
      std::cerr << snap::cli::say("snapdiff", fmt::format("gate {}: {}", analysis.gate->tripped ? "failed" : "passed",
                                                          analysis.gate->reason));
    // Ends here, without freeing the snapshots, blocks and report one
    // allocation at a time (some 10 ms for two 60k-mapping files): the
    // kernel takes the whole heap back at once.
    std::_Exit(analysis.exit_status());
  } catch (const snap::SeriesUsageError& e) {
    usage_error(e.reason());
  } catch (const snap::Error& e) {
    std::cerr << "snapdiff: " << e.what() << '\n';
  } catch (const std::bad_alloc&) {
    std::cerr << "snapdiff: out of memory\n";
  }
  return kTrouble;
}
