// snapdiff: which memory blocks of a process grew between two snapshots.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "snap/emit.h"
#include "snap/error.h"
#include "snap/parse.h"
#include "snap/report.h"
#include "snap/size.h"
#include "snap/version.h"

namespace po = boost::program_options;

namespace {

constexpr int kTrouble = 2;

constexpr const char* kUsage = "Usage: snapdiff [OPTION]... BEFORE AFTER\n";
constexpr const char* kAbout =
    R"(Compare two memory-map snapshots of one process and rank the blocks that grew.

BEFORE and AFTER are /proc/PID/smaps, /proc/PID/maps or pmap output (pmap,
pmap -x, pmap -X, pmap -XX, pmap -d, Solaris pmap -x), in any mix; the format
is detected. "-" reads standard input; gzip files are read transparently.
Regions are matched by address overlap, so a heap that grew by brk, an arena
whose rw-p part grew into its reserve, or a mapping split by mprotect is one
block. Each block is ranked by how much its Rss grew; where a snapshot has no
Rss (maps, plain pmap), by its Accessible size: Size less ---p reserves.
)";
constexpr const char* kEpilog = R"(
SIZE is a number of bytes, or with a suffix K, M, G, T (powers of 1024): 64K, 1M, 1.5G.
Categories: heap stack thread-stack arena java-heap anon file shm deleted special guard.
Counters for --sort: rss pss size dirty swap anon (anonymous), or any smaps key.

Exit status (like diff(1)):
  0  no block grew (by at least --min-growth, when given)
  1  some block grew
  2  trouble: bad option, unreadable or malformed input (FILE:LINE: reason)

Examples:
  snapdiff pmap.1 pmap.9
  snapdiff -h --top 5 smaps.01 smaps.08
  snapdiff --json --min-growth 1M smaps.01.gz smaps.08.gz | jq '.blocks[0]'
  ssh prod cat /proc/4242/smaps | snapdiff smaps.old -
)";

struct Args {
  std::vector<std::string> files;
  std::optional<std::size_t> top;
  std::string min_growth = "0";
  std::string sort;
  std::string categories;
  std::string color = "auto";
  std::string input_format;
  bool all = false, json = false, csv = false, human = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "snapdiff: " << message << "\nTry 'snapdiff --help' for more information.\n";
  std::exit(kTrouble);
}

bool want_color(const std::string& mode) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  if (mode == "always") return true;
  if (mode == "never") return false;
  if (mode != "auto") usage_error(fmt::format("--color must be auto, always or never, not '{}'", mode));
  return ::isatty(STDOUT_FILENO) == 1;
}

snap::DiffOptions diff_options(const Args& a) {
  snap::DiffOptions o;
  o.top = a.top;
  o.all = a.all;
  auto min = snap::parse_size(a.min_growth);
  if (!min) usage_error(fmt::format("--min-growth: '{}' is not a size (try 64K, 1M, 2G)", a.min_growth));
  o.min_growth = *min;
  if (!a.sort.empty()) {
    std::string key = a.sort == "anon" ? "anonymous" : a.sort;
    auto f = snap::field_from_name(key);
    if (!f) usage_error(fmt::format("--sort: unknown counter '{}'", a.sort));
    o.sort = *f;
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
  return o;
}

Args parse_args(int argc, char** argv) {
  Args a;
  po::options_description shown("Options");
  shown.add_options()("top,n", po::value<std::size_t>()->value_name("N"),
                      "show at most N blocks (default: every block that grew, up to 20)")(
      "min-growth,m", po::value(&a.min_growth)->value_name("SIZE"),
      "count a block as grown only when it grew by at least SIZE (default 0)")(
      "sort,s", po::value(&a.sort)->value_name("COUNTER"), "rank by COUNTER instead of rss")(
      "category,c", po::value(&a.categories)->value_name("LIST"),
      "only blocks of these comma-separated categories")("all,a", po::bool_switch(&a.all),
                                                         "also list blocks that did not grow")(
      "human-readable,h", po::bool_switch(&a.human), "sizes in K/M/G, as df -h (default: KiB, as pmap)")(
      "json", po::bool_switch(&a.json), "the report as JSON (schema snap.diff/1, see README)")(
      "csv", po::bool_switch(&a.csv), "the report as CSV, one row per block")(
      "color", po::value(&a.color)->value_name("WHEN"),
      "auto (default: on a terminal, unless NO_COLOR is set), always, never")(
      "input-format,f", po::value(&a.input_format)->value_name("FORMAT"),
      "skip detection: smaps maps pmap pmap-x pmap-X pmap-d solaris-pmap-x")(
      "help", "print this help and exit")("version", "print the version and exit");
  po::options_description hidden;
  hidden.add_options()("file", po::value(&a.files));
  po::options_description all;
  all.add(shown).add(hidden);
  po::positional_options_description pos;
  pos.add("file", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv)
                  .options(all)
                  .positional(pos)
                  .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    usage_error(e.what());
  }
  if (vm.count("help")) {
    std::cout << kUsage << kAbout << '\n' << shown << kEpilog;
    std::exit(0);
  }
  if (vm.count("version")) {
    std::cout << "snapdiff (snap) " << snap::version() << '\n';
    std::exit(0);
  }
  if (vm.count("top")) a.top = vm["top"].as<std::size_t>();
  if (a.files.size() < 2) usage_error("give two snapshots: BEFORE AFTER");
  if (a.json && a.csv) usage_error("--json and --csv exclude each other");
  if (std::count(a.files.begin(), a.files.end(), "-") > 1)
    usage_error("standard input (-) can be read only once");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  snap::DiffOptions options = diff_options(args);
  std::optional<snap::Format> format;
  if (!args.input_format.empty()) {
    format = snap::format_from_name(args.input_format);
    if (!format) usage_error(fmt::format("--input-format: unknown format '{}'", args.input_format));
  }
  try {
    std::vector<snap::Snapshot> snaps;
    for (const std::string& f : args.files) {
      snaps.push_back(snap::read_snapshot(f, format));
      for (const auto& w : snaps.back().warnings)
        std::cerr << fmt::format("snapdiff: {}:{}: warning: {}\n", f, w.line, w.message);
    }
    snap::DiffReport report = snap::make_report(snaps, options);
    std::string out;
    if (args.json)
      snap::emit_json(out, report);
    else if (args.csv)
      snap::emit_csv(out, report);
    else
      snap::emit_text(out, report,
                      {args.human ? snap::SizeStyle::human : snap::SizeStyle::kib, want_color(args.color)});
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (std::fflush(stdout) != 0) {
      std::perror("snapdiff: write error");
      return kTrouble;
    }
    return report.exit_status();
  } catch (const snap::ParseError& e) {
    std::cerr << "snapdiff: " << e.what() << '\n';
  } catch (const std::invalid_argument& e) {
    std::cerr << "snapdiff: " << e.what() << '\n';
  } catch (const std::bad_alloc&) {
    std::cerr << "snapdiff: out of memory\n";
  }
  return kTrouble;
}
