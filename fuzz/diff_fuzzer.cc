// The diff of two fuzzed snapshots, as snapdiff BEFORE AFTER does it: the
// input is split at its first form feed (none: the input against itself),
// each half detected and parsed, then compare + make_report and every
// emitter. The JSON must parse.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "check.h"
#include "snap/diff.h"
#include "snap/emit.h"
#include "snap/parse.h"
#include "snap/report.h"

namespace {

void run(const std::vector<snap::Snapshot>& snaps, bool all) {
  // Blocks are disjoint and in address order.
  const snap::Comparison c = snap::compare(snaps);
  for (std::size_t i = 0; i < c.blocks.size(); ++i) {
    SNAP_FUZZ_CHECK(c.blocks[i].start < c.blocks[i].end);
    if (i > 0) SNAP_FUZZ_CHECK(c.blocks[i - 1].end <= c.blocks[i].start);
  }
  snap::DiffOptions o;
  o.all = all;
  const snap::DiffReport r = snap::make_report(snaps, o);
  std::string kib, human, json, csv;
  snap::emit_text(kib, r, {snap::SizeStyle::kib, false});
  snap::emit_text(human, r, {snap::SizeStyle::human, true});
  snap::emit_json(json, r);
  snap::emit_csv(csv, r);
  SNAP_FUZZ_CHECK(nlohmann::json::parse(json, nullptr, false).is_object());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const std::size_t ff = all.find('\f');
  const std::string_view before = ff == std::string_view::npos ? all : all.substr(0, ff);
  const std::string_view after = ff == std::string_view::npos ? all : all.substr(ff + 1);
  std::vector<snap::Snapshot> snaps;
  try {
    snaps.push_back(snap::parse_snapshot(before, "before"));
    snaps.push_back(snap::parse_snapshot(after, "after"));
    for (const auto& s : snaps) snap::fuzz::check_snapshot(s);
    run(snaps, size % 2 == 0);
  } catch (const snap::ParseError& e) {
    // A parse error, or compare() refusing a snapshot without ranges.
    const std::string_view what = e.what();
    SNAP_FUZZ_CHECK(what.starts_with("before") || what.starts_with("after"));
  }
  return 0;
}
