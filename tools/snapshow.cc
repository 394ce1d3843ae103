// snapshow: one memory-map snapshot's totals, categories and largest mappings.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "cli.h"

#include "snap/error.h"
#include "snap/live/proc_error.h"
#include "snap/live/process_snapshot.h"
#include "snap/parse.h"
#include "snap/sigbus.h"
#include "snap/size.h"
#include "snap/nmt.h"
#include "snap/emit/openmetrics.h"
#include "snap/emit/summary.h"
#include "snap/summary.h"
#include "snap/version.h"

namespace po = boost::program_options;

namespace {

using snap::cli::kTrouble;

constexpr const char* kUsage =
    "Usage: snapshow [OPTION]... FILE\n"
    "       snapshow [OPTION]... PID\n";
constexpr const char* kAbout =
    R"(Summarize one memory-map snapshot of a process: its totals, a breakdown by
category, and the mappings that hold the most memory.

FILE is /proc/PID/smaps, /proc/PID/smaps_rollup, /proc/PID/maps, pmap output
(pmap, pmap -x, pmap -X, pmap -XX, pmap -d, Solaris pmap -x) or an ELF core
dump; the format is detected. "-" reads standard input; gzip, xz, bzip2 and
zstd files are read transparently.
A PID (a number that is not a file here, or -p PID) reads the live process's
/proc/PID/smaps, as pmap PID does, and records the pid and command line.

Totals are Size, Rss, Pss, USS (Private_Clean + Private_Dirty: what the process
alone holds), Swap, SwapPss, Dirty and Anonymous: the sums
`grep Pss smaps | awk` computes. A total the format does not give is shown as
unknown, never as 0: pmap -x has no Pss, maps has no Rss, smaps_rollup has no
Size. smaps_rollup holds totals only, so it has no breakdown and no top list.

With --nmt FILE (jcmd PID VM.native_memory detail, taken with the snapshot),
the JVM's regions take their categories from NMT (java-heap, metaspace,
class-space, code-cache, thread-stack, jvm) and Rss is split into what lies
inside the regions NMT tracks and what lies outside them; of the anonymous
memory outside, NMT's malloc total accounts for what the JVM malloc'd (direct
buffers: Other), and only the rest is untracked native memory (JNI, zlib,
third-party libraries, malloc's free space). An NMT summary (VM.native_memory
summary) has no addresses: what the JVM maps is then its committed figures.
)";
constexpr const char* kEpilog = R"(
Counters for --sort: rss (default; size where the format has no Rss), pss,
size, uss, swap, swap_pss, dirty, anon (anonymous), or any smaps key
(Private_Dirty, ...).
Categories: heap stack thread-stack arena java-heap anon file shm deleted
special guard, and from NMT: class-space code-cache metaspace jvm.

Exit status:
  0  the summary was printed
  2  trouble: bad option, unreadable or malformed input (FILE:LINE: reason),
     a PID that is no process (or a zombie, or a kernel thread), another
     user's process without ptrace rights (permission denied), or the output
     could not be written ("snapshow: write error: REASON")

Examples:
  snapshow 4242
  snapshow /proc/4242/smaps
  snapshow -h --top 5 --sort pss smaps.08
  snapshow --json smaps_rollup.08.gz | jq .totals.pss
  snapshow --nmt nmt-detail.08 smaps.08
  ssh prod cat /proc/4242/smaps | snapshow -
)";

struct Args {
  std::vector<std::string> files;
  std::string top = "10";
  std::string sort;
  std::string color = "auto";
  std::string input_format;
  std::string nmt;
  std::string pid;  // -p PID, or a bare number that is not a file
  bool json = false, csv = false, human = false, openmetrics = false, wide = false;
};

bool is_number(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

[[noreturn]] void usage_error(const std::string& message) {
  snap::cli::usage_error("snapshow", message);
}

Args parse_args(int argc, char** argv) {
  Args a;
  po::options_description shown("Options");
  // clang-format off
  shown.add_options()
      ("pid,p", po::value(&a.pid)->value_name("PID"), "read the live process PID (/proc/PID/smaps, as pmap PID does); also a bare PID that is not a file")
      ("top,n", po::value(&a.top)->value_name("N"), "list the N largest mappings (default 10; 0: none)")
      ("sort,s", po::value(&a.sort)->value_name("COUNTER"), "rank categories and mappings by COUNTER instead of rss")
      ("human-readable,h", po::bool_switch(&a.human), "sizes in K/M/G, as df -h (default: KiB, as pmap)")
      ("wide,w", po::bool_switch(&a.wide), "fit no table to the width of the terminal (COLUMNS, else the terminal's): every column, whole names")
      ("json", po::bool_switch(&a.json), "the summary as JSON (schema snap.show/1, see snapshow(1))")
      ("csv", po::bool_switch(&a.csv), "the summary as CSV: a total row, category rows, mapping rows")
      ("openmetrics", po::bool_switch(&a.openmetrics), "the totals and categories as OpenMetrics text, for Prometheus (see snapshow(1))")
      ("color", po::value(&a.color)->value_name("WHEN")->implicit_value("always"), "colour the summary: always (--color alone), never, or auto (default: on a terminal, unless NO_COLOR is set or TERM=dumb)")
      ("input-format,f", po::value(&a.input_format)->value_name("FORMAT"), "skip detection: smaps smaps_rollup maps pmap pmap-x pmap-X pmap-d solaris-pmap-x core")
      ("nmt", po::value(&a.nmt)->value_name("FILE"), "jcmd VM.native_memory detail (or summary) output: NMT's categories, Rss inside vs outside NMT, and what of the outside NMT's malloc accounts for (text and JSON)")
      ("help", "print this help and exit")
      ("version", "print the version and exit");
  // clang-format on
  po::variables_map vm = snap::cli::parse(argc, argv, "snapshow", shown, {kUsage, kAbout, kEpilog}, &a.files);
  if (!a.pid.empty() && !a.files.empty()) usage_error("give a FILE or -p PID, not both");
  // "snapshow 4242", as "pmap 4242": a number that names no file here.
  struct stat st {};
  if (a.pid.empty() && a.files.size() == 1 && is_number(a.files.front()) && ::stat(a.files.front().c_str(), &st) != 0) {
    a.pid = a.files.front();
    a.files.clear();
  }
  if (!a.pid.empty()) {
    if (!is_number(a.pid) || a.pid.size() > 8 || std::stoll(a.pid) < 1 || std::stoll(a.pid) > snap::kMaxPid)
      usage_error(fmt::format("--pid: '{}' is not a process id", a.pid));
    if (!a.input_format.empty()) usage_error("--input-format is for a FILE: a PID is read as smaps");
    return a;
  }
  if (a.files.empty()) usage_error("give one snapshot: FILE or PID");
  // Not po::value<std::size_t>: lexical_cast reads "-1" as 2^64-1.
  if (a.top.empty() || a.top.find_first_not_of("0123456789") != std::string::npos)
    usage_error(fmt::format("--top: '{}' is not a number of mappings", a.top));
  if (a.files.size() > 1) usage_error("give one snapshot; to compare two, use snapdiff");
  if (a.json && a.csv) usage_error("--json and --csv exclude each other");
  if (a.openmetrics && (a.json || a.csv)) usage_error("--openmetrics excludes --json and --csv");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  snap::exit_on_sigbus("snapshow");
  const Args args = parse_args(argc, argv);
  snap::SummaryOptions options;
  options.top = std::strtoull(args.top.c_str(), nullptr, 10);  // saturates: "all"
  if (!args.sort.empty()) {
    options.sort = snap::Measure::from_name(args.sort);
    if (!options.sort) usage_error(fmt::format("--sort: unknown counter '{}'", args.sort));
  }
  std::optional<snap::Format> format;
  if (!args.input_format.empty()) {
    format = snap::format_from_name(args.input_format);
    if (!format) usage_error(fmt::format("--input-format: unknown format '{}'", args.input_format));
  }
  const snap::TextOptions text{args.human ? snap::SizeStyle::human : snap::SizeStyle::kib,
                               snap::cli::want_color("snapshow", args.color), snap::cli::utf8_locale(),
                               snap::cli::output_width(args.wide)};
  const std::string file = args.pid.empty() ? args.files.front() : fmt::format("/proc/{}/smaps", args.pid);
  try {
    snap::Snapshot snapshot = args.pid.empty() ? snap::read_snapshot(file, format)
                                               : snap::read_process_snapshot(std::stoll(args.pid));
    for (const auto& w : snapshot.warnings)
      std::cerr << snap::cli::warning("snapshow", file, w.line, w.message);
    std::optional<snap::Nmt> nmt;
    if (!args.nmt.empty()) {
      nmt = snap::read_nmt(args.nmt);
      options.nmt = &*nmt;
    }
    const snap::Summary summary = snap::summarize(snapshot, options);

    std::string out;
    if (args.openmetrics)
      out = snap::snapshot_openmetrics(snapshot, summary);
    else if (args.json)
      snap::emit_summary_json(out, summary);
    else if (args.csv)
      snap::emit_summary_csv(out, summary);
    else
      snap::emit_summary_text(out, summary, text);
    snap::cli::write_stdout(out);
    snap::cli::flush_stdout();
    return 0;
  } catch (const snap::ProcError& e) {
    std::cerr << "snapshow: " << e.what();
    if (e.denied()) std::cerr << " (another user's process: run as that user or root, or with CAP_SYS_PTRACE)";
    std::cerr << '\n';
  } catch (const snap::Error& e) {
    std::cerr << "snapshow: " << e.what() << '\n';
  } catch (const std::bad_alloc&) {
    std::cerr << "snapshow: out of memory\n";
  }
  return kTrouble;
}
