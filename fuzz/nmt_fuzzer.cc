// jcmd VM.native_memory output, then its join with a real snapshot, as
// snapdiff --nmt and snapshow --nmt do it. A parsed detail must be one the
// join can trust: ranges non-empty, sorted, disjoint, committed within them.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "snap/emit.h"
#include "snap/nmt.h"
#include "snap/nmt_join.h"
#include "snap/parse.h"
#include "snap/report.h"

namespace {

// Two small snapshots whose regions meet NMT-like ranges, parsed once.
const std::vector<snap::Snapshot>& snapshots() {
  static const std::vector<snap::Snapshot> snaps = [] {
    const char* before =
        "1000-3000 rw-p 00000000 00:00 0\nRss: 4 kB\n"
        "100000-200000 rw-p 00000000 00:00 0\nRss: 64 kB\n";
    const char* after =
        "1000-5000 rw-p 00000000 00:00 0\nRss: 12 kB\n"
        "f0000-200000 rw-p 00000000 00:00 0\nRss: 1024 kB\n";
    return std::vector<snap::Snapshot>{snap::parse_snapshot(before, "before"), snap::parse_snapshot(after, "after")};
  }();
  return snaps;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  snap::Nmt nmt;
  try {
    nmt = snap::parse_nmt(text, "fuzz");
  } catch (const snap::ParseError& e) {
    snap::fuzz::check_error(e, "fuzz");
    return 0;
  }
  for (std::size_t i = 0; i < nmt.regions.size(); ++i) {
    const snap::NmtRegion& r = nmt.regions[i];
    SNAP_FUZZ_CHECK(r.start < r.end);
    SNAP_FUZZ_CHECK(r.committed <= r.end - r.start);
    SNAP_FUZZ_CHECK(!r.category.empty());
    if (i > 0) SNAP_FUZZ_CHECK(nmt.regions[i - 1].end <= r.start);
  }
  SNAP_FUZZ_CHECK(nmt.kind == snap::NmtKind::detail || nmt.regions.empty());
  const bool detail = nmt.kind == snap::NmtKind::detail;

  // A summary (no addresses) joins by its figures: the same sums hold.
  const auto& snaps = snapshots();
  const snap::NmtShare share = snap::nmt_share(snaps.back(), snap::Field::rss, nmt);
  SNAP_FUZZ_CHECK(share.by_address == detail);
  SNAP_FUZZ_CHECK(share.inside + share.outside == *snaps.back().totals.get(snap::Field::rss));
  SNAP_FUZZ_CHECK(share.outside_file + share.outside_anon == share.outside);
  SNAP_FUZZ_CHECK(share.malloc_accounted + share.untracked == share.outside_anon);
  const std::vector<snap::Nmt> nmts{nmt};
  snap::DiffOptions o;
  o.nmt = nmts;
  o.all = true;
  const snap::DiffReport r = snap::make_report(snaps, o);
  SNAP_FUZZ_CHECK(r.nmt.has_value());
  SNAP_FUZZ_CHECK(r.nmt->by_address == detail);
  std::int64_t growth = 0;
  for (const snap::Block& b : r.comparison.blocks) growth += b.delta(snap::Field::rss);
  if (detail) {
    SNAP_FUZZ_CHECK(r.nmt->inside + r.nmt->outside == growth);
  } else {
    SNAP_FUZZ_CHECK(r.nmt->blocks.empty() && r.nmt->suspects.empty());
    // inside is the figures' growth: huge in a fuzzed file, the outside saturates.
    constexpr std::int64_t kSane = std::int64_t{1} << 50;
    if (r.nmt->inside > -kSane && r.nmt->inside < kSane) SNAP_FUZZ_CHECK(r.nmt->inside + r.nmt->outside == growth);
  }
  std::string out, json;
  snap::emit_text(out, r, {});
  snap::emit_json(json, r);
#ifdef SNAP_CHECK_NO_CONTROL
  snap::fuzz::check_no_control(out);
#endif
  return 0;
}
