// snapinspect: what the bytes of address ranges of a live process are.
#include <sys/types.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "cli.h"

#include "snap/error.h"
#include "snap/inspect/findings.h"
#include "snap/inspect/inspect.h"
#include "snap/live/proc_error.h"
#include "snap/sigbus.h"
#include "snap/size.h"

namespace po = boost::program_options;

namespace {

using snap::cli::kTrouble;
constexpr const char* kTool = "snapinspect";

constexpr const char* kUsage =
    "Usage: snapinspect [OPTION]... -p PID RANGE...\n"
    "  or:  snapinspect [OPTION]... CORE RANGE...\n"
    "  or:  snapinspect [OPTION]... [-p PID] DIR\n"
    "  or:  snapinspect [OPTION]... [--maps SNAPSHOT] DUMPDIR [RANGE]...\n";
constexpr const char* kAbout =
    R"(Say what the bytes of address ranges of a running process are: which malloc
allocation sizes fill them, which C++ classes, which libraries and symbols
their pointers lead to, which strings they repeat, and what their pages look
like. The process is read with process_vm_readv and never stopped. Without a
PID, the bytes come from CORE, an ELF core file (gcore's, the kernel's).
With DIR, a folder of snapshots (snapcollect's), the ranges are those
snapdiff DIR --ranges would give: the grown parts of its top findings, read
from the live process the snapshots are of (or PID).
With DUMPDIR, a folder of the .bin files that snapdiff --gdb's file makes gdb
write (snap-[PID-]START-END-CATEGORY.bin), the bytes come from those files:
every file is inspected, or the RANGEs given. --maps names the process's
mappings (a snapshot of it, any format snapshow reads) so that pointers are
resolved to libraries and symbols (files read at their paths here) and
[heap] is known by name.

RANGE is 0xSTART-0xEND (hexadecimal, END excluded). "-" reads ranges from
standard input, one a line as "0xSTART 0xEND" or "0xSTART-0xEND": the lines
snapdiff --ranges prints.

In glibc malloc memory ([heap], the heaps of other arenas, a chunk of its own
above the mmap threshold) the chunk headers are walked from the heap's start:
in-use chunks by size, free chunks, and where the walk stopped and why.
Where a heap's start cannot be reached (a dump of the part of [heap] that
grew), the chunks are found by their headers: the first run of valid
headers that reaches the range's end. A
C++ object's first word, its vtable pointer, names its class. Every aligned
8-byte word that points into a file mapping is resolved to FILE+OFFSET and to
the symbol that covers it (elfutils libdwfl; demangled); pointers into malloc
memory are counted, not resolved. Printable runs of at least 8 bytes are
counted, the most repeated first; pages are counted as all zero, one repeated
word, or high-entropy.
)";
constexpr const char* kEpilog = R"(
Reading another process's memory needs the rights of ptrace: the same user
and kernel.yama.ptrace_scope 0 (or a parent), or CAP_SYS_PTRACE. Pages that
cannot be read (guard pages, [vvar], mappings gone since /proc/PID/maps was
read) are skipped and counted.

Exit status:
  0  every range was inspected
  1  a range was not: it lies outside every mapping of the process, or none of
     its pages could be read (the report says which, and why)
  2  trouble: a bad option or RANGE, no such process (or it exited during the
     read), permission denied, a CORE that is not a readable ELF core or not
     an x86-64 process's (CORE: reason), a dump file that cannot be read or
     holds more than its name says, a --maps SNAPSHOT that cannot be read, a
     DIR whose snapshots cannot be compared or do not say which process they
     are of (without -p), or the output could not be written
     ("snapinspect: write error: REASON")

Examples:
  snapinspect -p 4242 0x5581c2a3d000-0x5581c2b5e000
  snapdiff --ranges smaps.01 smaps.09 | snapinspect -p 4242 -
  snapinspect snapshots/
  snapinspect --maps snapshots/smaps.09 dumps/
  gcore -o core 4242 && snapinspect core.4242 0x5581c2a3d000-0x5581c2b5e000
  snapinspect --json -p 42 0x7f3a1c000000-0x7f3a1c400000 | jq .ranges[].classes
)";

struct Args {
  std::vector<std::string> operands;
  std::string core, dir, maps;
  std::vector<snap::inspect::DumpFile> dumps;
  std::string pid, max_read = "256M", top = "10", min_string = "8";
  bool json = false, wide = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  snap::cli::usage_error(kTool, message);
}

Args parse_args(int argc, char** argv) {
  Args a;
  po::options_description shown("Options");
  // clang-format off
  shown.add_options()
      ("pid,p", po::value(&a.pid)->value_name("PID"), "the process to read")
      ("maps", po::value(&a.maps)->value_name("SNAPSHOT"), "with DUMPDIR: the process's mappings, a snapshot of it (smaps, maps, pmap...), to name libraries, symbols and [heap]")
      ("max-read", po::value(&a.max_read)->value_name("SIZE"), "read at most SIZE bytes of each range, and of heap headers walked to reach it (default 256M; K, M, G)")
      ("top,n", po::value(&a.top)->value_name("N"), "N rows in each list (default 10)")
      ("min-string", po::value(&a.min_string)->value_name("N"), "count printable runs of at least N bytes (default 8)")
      ("json", po::bool_switch(&a.json), "the report as JSON (schema snap.inspect/1, see snapinspect(1))")
      ("wide,w", po::bool_switch(&a.wide), "fit no list to the width of the terminal (COLUMNS, else the terminal's): whole names")
      ("help", "print this help and exit")
      ("version", "print the version and exit");
  // clang-format on
  snap::cli::parse(argc, argv, kTool, shown, {kUsage, kAbout, kEpilog}, &a.operands);
  if (!a.operands.empty() && std::filesystem::is_directory(a.operands.front()) && a.pid.empty()) {
    a.dumps = snap::inspect::list_dumps(a.operands.front());
    if (!a.dumps.empty()) {
      a.dir = a.operands.front();
      a.operands.erase(a.operands.begin());
      return a;
    }
  }
  if (!a.maps.empty()) usage_error("--maps goes with a folder of dump files (DUMPDIR)");
  if (!a.operands.empty() && std::filesystem::is_directory(a.operands.front())) {
    a.dir = a.operands.front();
    a.operands.erase(a.operands.begin());
    if (!a.operands.empty()) usage_error("DIR takes no RANGE: the ranges are its findings' grown parts");
    return a;
  }
  if (a.pid.empty()) {
    if (a.operands.empty()) usage_error("give the process (-p PID), a core file (CORE) or a folder of snapshots (DIR)");
    a.core = a.operands.front();
    a.operands.erase(a.operands.begin());
  }
  if (a.operands.empty()) usage_error("give a RANGE (0xSTART-0xEND), or - to read ranges from standard input");
  return a;
}

std::vector<snap::inspect::Range> ranges_of(const std::vector<std::string>& operands) {
  std::vector<snap::inspect::Range> ranges;
  for (const std::string& op : operands) {
    if (op != "-") {
      snap::inspect::Range r;
      if (!snap::inspect::parse_range(op, r))
        usage_error(fmt::format("'{}' is not a RANGE: give 0xSTART-0xEND with START below END", op));
      ranges.push_back(r);
      continue;
    }
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(std::cin, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      snap::inspect::Range r;
      if (!snap::inspect::parse_range(line, r)) {
        std::cerr << kTool << ": -:" << line_no << ": '" << snap::printable(line)
                  << "' is not a range: give 0xSTART 0xEND (or 0xSTART-0xEND) with START below END\n";
        std::exit(kTrouble);
      }
      ranges.push_back(r);
    }
  }
  if (ranges.empty()) {
    std::cerr << kTool << ": -: no range on standard input\n";
    std::exit(kTrouble);
  }
  return ranges;
}

/// Inspects, prints, and says which ranges were not inspected: the exit status.
int report(snap::inspect::Memory& memory, snap::inspect::Symbolizer* symbols,
           const std::vector<snap::inspect::Range>& ranges, const snap::inspect::InspectOptions& options,
           const std::string& source, const Args& args, const std::string& symbols_trouble) {
  snap::inspect::Inspection in = snap::inspect::inspect(memory, symbols, ranges, options);
  in.source = source;
  if (!symbols_trouble.empty()) in.symbols_trouble = symbols_trouble;
  std::string out;
  if (args.json)
    snap::inspect::emit_inspect_json(out, in);
  else
    snap::inspect::emit_inspect_text(out, in, snap::cli::output_width(args.wide), snap::cli::utf8_locale());
  snap::cli::write_stdout(out);
  snap::cli::flush_stdout();
  bool all = true;
  for (const auto& r : in.ranges)
    if (!r.problem.empty()) {
      all = false;
      std::cerr << fmt::format("{}: {:#x}-{:#x}: {}\n", kTool, r.range.start, r.range.end, r.problem);
    }
  return all ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  snap::exit_on_sigbus(kTool);
  const Args args = parse_args(argc, argv);
  snap::inspect::InspectOptions options;
  std::size_t pid_number = args.pid.empty() ? 1 : snap::cli::count(kTool, "pid", args.pid);
  if (pid_number == 0 || pid_number > 0x3fffffff) usage_error(fmt::format("--pid: '{}' is not a process id", args.pid));
  const std::optional<std::uint64_t> max_read = snap::parse_size(args.max_read);
  if (!max_read || *max_read == 0) usage_error(fmt::format("--max-read: '{}' is not a size", args.max_read));
  options.max_read = *max_read;
  options.top = snap::cli::count(kTool, "top", args.top);
  options.min_string = snap::cli::count(kTool, "min-string", args.min_string);
  if (options.min_string == 0) usage_error("--min-string: give at least 1");
  std::vector<snap::inspect::Range> ranges;
  if (args.dir.empty() || (!args.dumps.empty() && !args.operands.empty())) ranges = ranges_of(args.operands);
  try {
    if (!args.dumps.empty()) {
      if (ranges.empty())
        for (const snap::inspect::DumpFile& d : args.dumps) ranges.push_back({d.start, d.end});
      std::unique_ptr<snap::inspect::Memory> memory = snap::inspect::open_dumps(
          args.dumps, args.maps.empty() ? std::vector<snap::inspect::Mapping>{} : snap::inspect::snapshot_mappings(args.maps));
      std::unique_ptr<snap::inspect::Symbolizer> symbols;
      if (!args.maps.empty()) symbols = std::make_unique<snap::inspect::Symbolizer>(memory->mappings());
      return report(*memory, symbols.get(), ranges, options, "dump files in " + args.dir, args,
                    args.maps.empty() ? "no mappings of the process: give --maps SNAPSHOT" : "");
    }
    if (!args.dir.empty()) {
      const snap::inspect::FindingRanges f = snap::inspect::finding_ranges({args.dir}, options.max_read);
      for (const std::string& note : f.notes) std::cerr << snap::cli::say(kTool, "note: " + note);
      if (args.pid.empty()) {
        if (!f.pid || *f.pid <= 0 || *f.pid > 0x3fffffff) {
          std::cerr << snap::cli::say(kTool, args.dir + ": the snapshots do not say which process they are of: give -p PID");
          return kTrouble;
        }
        pid_number = static_cast<std::size_t>(*f.pid);
      }
      if (f.ranges.empty()) {
        snap::cli::write_stdout(snap::printable(args.dir) + ": nothing grew: no range to inspect\n");
        return 0;
      }
      ranges = f.ranges;
    }
    const auto pid = static_cast<pid_t>(pid_number);
    std::unique_ptr<snap::inspect::Memory> memory =
        args.core.empty() ? snap::inspect::open_process(pid) : snap::inspect::open_core(args.core);
    std::unique_ptr<snap::inspect::Symbolizer> symbols =
        args.core.empty() ? std::make_unique<snap::inspect::Symbolizer>(pid, memory->mappings())
                          : std::make_unique<snap::inspect::Symbolizer>(args.core, memory->mappings());
    return report(*memory, symbols.get(), ranges, options,
                  args.core.empty() ? fmt::format("process {}", pid) : args.core, args, "");
  } catch (const snap::ProcError& e) {
    std::cerr << kTool << ": " << e.what() << '\n';
  } catch (const snap::Error& e) {
    std::cerr << kTool << ": " << e.what() << '\n';
  } catch (const std::bad_alloc&) {
    std::cerr << kTool << ": out of memory\n";
  }
  return kTrouble;
}
