// snap_bench: the library's throughput on snap_gen's inputs, in process.
//
//   snap_bench --inputs DIR [--reps N] [--min-time S] [--summary FILE] [--benchmark_* flags]
//
// Google Benchmark runs each case --reps times (default 5) and reports the
// median; the summary at the end (and FILE, tab-separated, for
// scripts/bench.sh) has one row per case: median wall time, MB/s, mappings/s,
// and the heap the result holds (parse: the Snapshot; diff: the DiffReport;
// trend: the TrendReport; glibc's count, measured once outside the timed
// loop). Inputs are read into memory first, so
// "parse" is the parser alone (what snapdiff does after its read);
// "read_snapshot" adds the read from the page cache.
//
// Cases, for each of 60k and 262k mappings:
//   parse/<format>/<N>     parse_snapshot on an in-memory buffer (smaps, pmap-x, pmap-X), format detected
//   loop/smaps-general/<N> snap::detail::parse_smaps_general alone (no detection, sorting,
//                          totals): the line-at-a-time path every line took before the fast path
//   loop/smaps-fast/<N>    snap::detail::parse_smaps alone: the kernel-layout fast path,
//                          checked equal to the general path first
//   read_snapshot/smaps/<N>  read_input + parse_snapshot from the file
//   read_input/smaps/<N>     the read alone: the floor under read_snapshot
//   diff/<N>               compare() + make_report() of two parsed snapshots
//   snapdiff/<N>           what `snapdiff A B` does in process: read_snapshots (two files on
//                          two threads), the report, emit_text
//   show/<N>               summarize() + emit_summary_text of a parsed snapshot
// and over the series of 100 x 4,000 mappings:
//   trend/100x4000         make_trend() on parsed snapshots
//   snapdiff-dir/100x4000  expand_inputs + make_timeline + read_snapshots + make_trend + emit_trend_text
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "snap/diff.h"
#include "snap/emit.h"
#include "snap/parse.h"
#include "snap/report.h"
#include "snap/summary.h"
#include "snap/timeline.h"
#include "snap/trend.h"

// The smaps loops (libsnap internal, linked from the static library).
namespace snap::detail {
void parse_smaps(std::string_view text, Snapshot& s, RegionStore::Builder& rows);
void parse_smaps_general(std::string_view text, Snapshot& s, RegionStore::Builder& rows);
}

namespace {

namespace fs = std::filesystem;

struct Input {
  std::string path;
  std::string text;
  std::size_t mappings = 0;
};

/// Bytes of heap in use (glibc's view): what a result holds, measured once
/// around one call outside the timed loop.
std::size_t heap_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

struct Row {
  std::string name;
  double ms = 0;      // median wall time of one call
  double mb_s = 0;    // input bytes / time, 10^6 bytes
  double maps_s = 0;  // mappings / time
  double bytes = 0, mappings = 0;
};

/// The console output as usual, and the medians kept for the summary.
class Collect : public benchmark::ConsoleReporter {
 public:
  explicit Collect(bool color) : ConsoleReporter(color ? OO_ColorTabular : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      const bool single = run.run_type == Run::RT_Iteration && run.repetitions <= 1;
      if (!median && !single) continue;
      Row r;
      r.name = run.run_name.function_name;
      // GetAdjustedRealTime() is in run.time_unit; the multiplier turns seconds into it.
      const double seconds = run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
      r.ms = seconds * 1e3;
      auto counter = [&](const char* key) {
        auto it = run.counters.find(key);
        return it == run.counters.end() ? -1.0 : static_cast<double>(it->second.value);
      };
      r.bytes = counter("bytes");
      r.mappings = counter("mappings");
      if (r.bytes > 0) r.mb_s = r.bytes / seconds / 1e6;
      if (r.mappings > 0) r.maps_s = r.mappings / seconds;
      rows.push_back(r);
    }
  }
  std::vector<Row> rows;
};

std::string slurp(const std::string& path) {
  return snap::read_input(path);
}

std::size_t count_mappings(const std::string& text, const std::string& path) {
  return snap::parse_snapshot(text, path).regions.size();
}

/// Registers `fn` (one call = one unit of work over `bytes` and `mappings`).
void add(const std::string& name, double bytes, double mappings, std::function<void()> fn, int reps,
         double min_time) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    for (auto _ : state) fn();
    state.counters["bytes"] = bytes;
    state.counters["mappings"] = mappings;
  });
  b->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->MinTime(min_time)
      ->Repetitions(reps)
      ->ReportAggregatesOnly(reps > 1);
}

/// Heap held by a parsed snapshot, in MiB (glibc's count, measured once).
double snapshot_heap_mib(const std::string& text, const std::string& path) {
  malloc_trim(0);
  const std::size_t before = heap_in_use();
  snap::Snapshot s = snap::parse_snapshot(text, path);
  const std::size_t after = heap_in_use();
  benchmark::DoNotOptimize(s);
  return static_cast<double>(after - before) / (1024.0 * 1024.0);
}

/// Heap held by what `make` returns (MiB), measured once.
template <typename Make>
double heap_held_mib(Make make) {
  malloc_trim(0);
  const std::size_t before = heap_in_use();
  auto result = make();
  const std::size_t after = heap_in_use();
  benchmark::DoNotOptimize(result);
  return static_cast<double>(after - before) / (1024.0 * 1024.0);
}

[[noreturn]] void usage(int status) {
  std::fprintf(status ? stderr : stdout,
               "Usage: snap_bench --inputs DIR [--reps N] [--min-time SECONDS] [--summary FILE] "
               "[--only SUBSTRING] [--benchmark_* flags]\nDIR is what snap_gen --out wrote.\n");
  std::exit(status);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--help") usage(0);  // before Google Benchmark's own --help
  benchmark::Initialize(&argc, argv);
  std::string dir, summary_path, only;
  int reps = 5;
  double min_time = 0.3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    if (a == "--inputs")
      dir = value();
    else if (a == "--reps")
      reps = std::max(1, std::atoi(value().c_str()));
    else if (a == "--min-time")
      min_time = std::atof(value().c_str());
    else if (a == "--summary")
      summary_path = value();
    else if (a == "--only")
      only = value();
    else if (a == "--help")
      usage(0);
    else
      usage(2);
  }
  if (dir.empty()) usage(2);
  auto wanted = [&](const std::string& name) { return only.empty() || name.find(only) != std::string::npos; };

  // Everything the cases use, loaded once; it lives until main returns.
  static std::map<std::string, Input> inputs;
  static std::map<std::string, std::vector<snap::Snapshot>> parsed;
  std::map<std::string, double> heap_mib;
  for (const char* n : {"60k", "262k"}) {
    const std::string sub = dir + "/" + n;
    if (!fs::exists(sub + "/smaps.before")) continue;
    for (const char* f : {"smaps.before", "smaps.after", "pmap-x", "pmap-X"}) {
      Input in{sub + "/" + f, slurp(sub + "/" + f), 0};
      in.mappings = count_mappings(in.text, in.path);
      inputs[std::string(n) + "/" + f] = std::move(in);
    }
  }

  for (const char* n : {"60k", "262k"}) {
    const std::string key = std::string(n) + "/smaps.before";
    if (!inputs.count(key)) continue;
    for (auto [format, file] :
         {std::pair{"smaps", "smaps.before"}, {"pmap-x", "pmap-x"}, {"pmap-X", "pmap-X"}}) {
      const Input* in = &inputs.at(std::string(n) + "/" + file);
      const std::string name = fmt::format("parse/{}/{}", format, n);
      if (!wanted(name)) continue;
      heap_mib[name] = snapshot_heap_mib(in->text, in->path);
      add(
          name, static_cast<double>(in->text.size()), static_cast<double>(in->mappings),
          [in] { benchmark::DoNotOptimize(snap::parse_snapshot(in->text, in->path)); }, reps, min_time);
    }
    const Input& before = inputs.at(key);
    const Input& after = inputs.at(std::string(n) + "/smaps.after");
    // The smaps loops alone, checked equal first.
    if (wanted("loop/smaps-")) {
      const Input* in = &before;
      snap::Snapshot general, fast;
      snap::RegionStore::Builder general_rows, fast_rows;
      snap::detail::parse_smaps_general(in->text, general, general_rows);
      snap::detail::parse_smaps(in->text, fast, fast_rows);
      const bool fast_ok = general_rows.finish() == fast_rows.finish();
      std::fprintf(stderr, "snap_bench: smaps loops on %s: fast path %s\n", in->path.c_str(),
                   fast_ok ? "same Regions as the general path" : "DIFFERENT (not timed)");
      using Loop = void (*)(std::string_view, snap::Snapshot&, snap::RegionStore::Builder&);
      auto loop = [&](const char* name, Loop fn) {
        add(
            fmt::format("loop/smaps-{}/{}", name, n), static_cast<double>(in->text.size()),
            static_cast<double>(in->mappings),
            [in, fn] {
              snap::Snapshot s;
              snap::RegionStore::Builder rows;
              fn(in->text, s, rows);
              benchmark::DoNotOptimize(rows);
            },
            reps, min_time);
      };
      loop("general", snap::detail::parse_smaps_general);
      if (fast_ok) loop("fast", snap::detail::parse_smaps);
    }
    const std::string before_path = before.path, after_path = after.path;
    const double both = static_cast<double>(before.text.size() + after.text.size());
    const double both_maps = static_cast<double>(before.mappings + after.mappings);
    if (wanted(fmt::format("read_input/smaps/{}", n)))
      add(
          fmt::format("read_input/smaps/{}", n), static_cast<double>(before.text.size()),
          static_cast<double>(before.mappings),
          [before_path] { benchmark::DoNotOptimize(snap::read_input(before_path)); }, reps, min_time);
    if (wanted(fmt::format("read_snapshot/smaps/{}", n)))
      add(
          fmt::format("read_snapshot/smaps/{}", n), static_cast<double>(before.text.size()),
          static_cast<double>(before.mappings),
          [before_path] { benchmark::DoNotOptimize(snap::read_snapshot(before_path)); }, reps, min_time);

    const std::string diff_name = fmt::format("diff/{}", n);
    if (wanted(diff_name) || wanted(fmt::format("show/{}", n))) {
      auto& pair = parsed[n];
      pair.push_back(snap::parse_snapshot(before.text, before.path));
      pair.push_back(snap::parse_snapshot(after.text, after.path));
    }
    if (wanted(diff_name)) {
      const auto* pair = &parsed[n];
      heap_mib[diff_name] = heap_held_mib([pair] { return snap::make_report(*pair, snap::DiffOptions{}); });
      add(
          diff_name, both, both_maps,
          [pair] {
            snap::DiffReport r = snap::make_report(*pair, snap::DiffOptions{});
            benchmark::DoNotOptimize(r);
          },
          reps, min_time);
    }
    if (wanted(fmt::format("snapdiff/{}", n)))
      add(
          fmt::format("snapdiff/{}", n), both, both_maps,
          [before_path, after_path] {
            std::vector<snap::Snapshot> snaps = snap::read_snapshots({before_path, after_path});
            snap::DiffReport r = snap::make_report(snaps, snap::DiffOptions{});
            std::string out;
            snap::emit_text(out, r, snap::TextOptions{});
            benchmark::DoNotOptimize(out);
          },
          reps, min_time);
    if (wanted(fmt::format("show/{}", n))) {
      const auto* s = &parsed[n][0];
      add(
          fmt::format("show/{}", n), static_cast<double>(before.text.size()),
          static_cast<double>(before.mappings),
          [s] {
            snap::Summary sum = snap::summarize(*s);
            std::string out;
            snap::emit_summary_text(out, sum, snap::TextOptions{});
            benchmark::DoNotOptimize(out);
          },
          reps, min_time);
    }
  }

  // The series: 100 snapshots of 4,000 mappings.
  const std::string series = dir + "/series";
  if (fs::exists(series)) {
    static std::vector<std::string> files;
    std::vector<std::string> notes;
    files = snap::expand_inputs({series}, notes);
    static snap::Timeline timeline = snap::make_timeline(files, std::nullopt);
    double bytes = 0, maps = 0;
    std::vector<snap::Snapshot>& snaps = parsed["series"];
    for (const std::string& f : timeline.paths) {
      snaps.push_back(snap::read_snapshot(f));
      bytes += static_cast<double>(fs::file_size(f));
      maps += static_cast<double>(snaps.back().regions.size());
    }
    const std::vector<snap::Snapshot>* series_snaps = &snaps;
    const std::string shape =
        fmt::format("{}x{}", snaps.size(), snaps.empty() ? 0 : snaps.front().regions.size());
    if (wanted("trend/")) {
      heap_mib["trend/" + shape] = heap_held_mib(
          [series_snaps] { return snap::make_trend(*series_snaps, timeline, snap::TrendOptions{}); });
      add(
          "trend/" + shape, bytes, maps,
          [series_snaps] {
            snap::TrendReport r = snap::make_trend(*series_snaps, timeline, snap::TrendOptions{});
            benchmark::DoNotOptimize(r);
          },
          reps, min_time);
    }
    if (wanted("snapdiff-dir/"))
      add(
          "snapdiff-dir/" + shape, bytes, maps,
          [series] {
            std::vector<std::string> notes;
            std::vector<std::string> paths = snap::expand_inputs({series}, notes);
            snap::Timeline t = snap::make_timeline(paths, std::nullopt);
            std::vector<snap::Snapshot> ss = snap::read_snapshots(t.paths);
            snap::TrendReport r = snap::make_trend(ss, t, snap::TrendOptions{});
            std::string out;
            snap::emit_trend_text(out, r, snap::TextOptions{});
            benchmark::DoNotOptimize(out);
          },
          reps, min_time);
  }

  Collect reporter(isatty(STDOUT_FILENO) != 0);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  // The summary: medians, one row per case.
  std::string table = fmt::format("\n{:<26} {:>10} {:>10} {:>14} {:>10}\n", "case (median)", "ms", "MB/s",
                                  "mappings/s", "heap MiB");
  std::string tsv = "case\tms\tMB_s\tmappings_s\theap_MiB\tbytes\tmappings\n";
  for (const Row& r : reporter.rows) {
    auto h = heap_mib.find(r.name);
    const double heap = h == heap_mib.end() ? -1 : h->second;
    table += fmt::format("{:<26} {:>10.1f} {:>10.0f} {:>14.0f} {:>10}\n", r.name, r.ms, r.mb_s, r.maps_s,
                         heap >= 0 ? fmt::format("{:.1f}", heap) : "");
    tsv += fmt::format("{}\t{:.3f}\t{:.1f}\t{:.0f}\t{:.1f}\t{:.0f}\t{:.0f}\n", r.name, r.ms, r.mb_s, r.maps_s,
                       heap, r.bytes, r.mappings);
  }
  std::fputs(table.c_str(), stdout);
  if (!summary_path.empty()) {
    FILE* f = std::fopen(summary_path.c_str(), "w");
    if (!f) {
      std::perror(summary_path.c_str());
      return 2;
    }
    std::fputs(tsv.c_str(), f);
    std::fclose(f);
  }
  return 0;
}
