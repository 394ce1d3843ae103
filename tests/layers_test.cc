// The public headers form layers that follow the data: model (regions,
// counters, a snapshot) -> input (parsing, manifests, NMT, a series) ->
// analysis (compare, rank, trend, analyze) -> output (snap/emit/). The
// live layer (/proc, processes, the collection loop) sits beside analysis:
// it reads and writes snapshots, never reports. Within a layer each header
// has a level, and a header includes only headers of a lower level, so
// that two peers (the two-snapshot report and the trend) never include
// each other. A header missing from the table fails here: place it.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include <fmt/format.h>

namespace {

// clang-format off
const std::map<std::string, int> kLevel = {
    // model 0-9
    {"counters.h", 0}, {"error.h", 0}, {"escape.h", 0}, {"size.h", 0}, {"version.h", 0}, {"sigbus.h", 0},
    {"region_ref.h", 0}, {"shared_name.h", 0}, {"region.h", 1}, {"region_store.h", 2}, {"snapshot.h", 3}, {"category.h", 4},
    // input 10-19
    {"timeline.h", 10}, {"nmt.h", 10}, {"parse.h", 11}, {"manifest.h", 11}, {"comparable.h", 11},
    {"startup.h", 11}, {"collection.h", 11}, {"nmt_files.h", 12}, {"skip_bad.h", 12}, {"series.h", 13},
    // live 20-29
    {"live/proc_error.h", 20}, {"live/clock.h", 20}, {"live/child_process.h", 20},
    {"live/process_watch.h", 20}, {"live/safe_dir.h", 20}, {"live/pmap_x.h", 20},
    {"live/smaps_reader.h", 21}, {"live/light_reader.h", 21}, {"live/output_dir.h", 21}, {"live/proc_reader.h", 21},
    {"live/replace_file.h", 21}, {"live/process_snapshot.h", 21}, {"live/process_check.h", 21},
    {"live/collect.h", 22}, {"collect.h", 23},
    // snapinspect's reading of a live process or a core, and what it makes of the bytes
    {"inspect/memory.h", 24}, {"inspect/symbols.h", 25}, {"inspect/malloc_walk.h", 25}, {"inspect/census.h", 26},
    {"inspect/inspect.h", 27}, {"inspect/findings.h", 28},
    // analysis 30-39
    {"sides.h", 30}, {"block_threads.h", 30}, {"block_members.h", 31}, {"samples.h", 31}, {"diff.h", 32},
    {"link.h", 33}, {"nmt_join.h", 33}, {"dump.h", 33}, {"summary.h", 34}, {"ranking.h", 34}, {"report.h", 35},
    {"trend.h", 35}, {"gate.h", 36}, {"analyze.h", 37},
    // output 40-49
    {"emit/options.h", 40}, {"emit/cells.h", 40}, {"emit/fit.h", 40}, {"emit/diff.h", 41}, {"emit/nmt.h", 41},
    {"emit/trend.h", 41}, {"emit/summary.h", 41}, {"emit/gdb.h", 41}, {"emit/openmetrics.h", 41},
    {"emit/html.h", 41}, {"emit.h", 42},
};
// clang-format on

std::string layer(int level) {
  static const char* names[] = {"model", "input", "live", "analysis", "output"};
  return names[level / 10];
}

std::filesystem::path include_dir() {
  return std::filesystem::path(SNAP_TESTDATA) / ".." / "libsnap" / "include" / "snap";
}

}  // namespace

TEST_CASE("every public header is placed in a layer") {
  int headers = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(include_dir())) {
    if (e.path().extension() != ".h") continue;
    ++headers;
    const std::string name = std::filesystem::relative(e.path(), include_dir()).generic_string();
    INFO("libsnap/include/snap/" << name << " is in no layer: add it to kLevel in tests/layers_test.cc");
    CHECK(kLevel.count(name) == 1);
  }
  CHECK(headers == static_cast<int>(kLevel.size()));
}

TEST_CASE("a header includes only headers of a lower level, and analysis never includes live") {
  const std::regex include(R"re(^\s*#\s*include\s+"snap/([^"]+)")re");
  int includes = 0;
  for (const auto& entry : kLevel) {
    // Named copies: clang 14 cannot capture structured bindings in INFO's lambdas.
    const std::string name = entry.first;
    const int level = entry.second;
    std::ifstream in(include_dir() / name);
    REQUIRE_MESSAGE(in, "cannot read libsnap/include/snap/" << name);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      std::smatch m;
      if (!std::regex_search(line, m, include)) continue;
      ++includes;
      const std::string used = m[1];
      const auto it = kLevel.find(used);
      INFO(fmt::format("libsnap/include/snap/{}:{}: includes snap/{}", name, n, used));
      REQUIRE(it != kLevel.end());
      const int other = it->second;
      INFO(fmt::format("{} ({} level {}) may not include {} ({} level {})", name, layer(level), level, used,
                       layer(other), other));
      CHECK(other < level);
      if (level >= 30) CHECK(layer(other) != "live");
    }
  }
  CHECK(includes > 50);  // the table was read, not skipped
}
