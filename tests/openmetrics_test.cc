// The OpenMetrics exposition (snap/emit/openmetrics.h) of real captures:
// values against testdata/GROUND_TRUTH.md, unknown counters left out, what
// a collection's manifest recorded, and the trend of a real collection.
#include <doctest/doctest.h>

#include <string>

#include "snap/emit/openmetrics.h"
#include "snap/manifest.h"
#include "snap/parse.h"
#include "snap/summary.h"
#include "testdata.h"

namespace {

std::string show(const std::string& rel) {
  const snap::Snapshot s = snap::test::load(rel);
  return snap::snapshot_openmetrics(s, snap::summarize(s));
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("c-malloc-leak smaps.08: the heap and both arenas, as GROUND_TRUTH.md has them") {
  const std::string m = show("c-malloc-leak/smaps.08");
  // [heap] 10504 KiB resident; the worker arenas 2692 + 2628 KiB, each a 64 MiB reservation.
  CHECK(has_line(m, R"(snap_category_resident_bytes{category="heap"} 10756096)"));
  CHECK(has_line(m, R"(snap_category_resident_bytes{category="arena"} 5447680)"));
  CHECK(has_line(m, R"(snap_category_size_bytes{category="arena"} 134217728)"));
  CHECK(has_line(m, R"(snap_category_mappings{category="arena"} 4)"));
  CHECK(has_line(m, "snap_mappings 32"));
  CHECK(has_line(m, "snap_resident_bytes 17891328"));
  CHECK(has_line(m, "snap_proportional_bytes 16438272"));
  CHECK(has_line(m, "# TYPE snap_resident_bytes gauge"));
  CHECK(has_line(m, "# UNIT snap_resident_bytes bytes"));
  CHECK(m.ends_with("\n# EOF\n"));
  CHECK(m.find("# EOF") == m.size() - 6);
  // Not from a collection: nothing the manifest alone knows.
  CHECK(m.find("snap_threads") == std::string::npos);
  CHECK(m.find("snap_read_seconds") == std::string::npos);
  CHECK(m.find("snap_mappings_limit") == std::string::npos);
}

TEST_CASE("a counter the format does not give is left out, never 0") {
  const std::string pmap_x = show("c-malloc-leak/pmap-x.08");
  CHECK(has_line(pmap_x, R"(snap_category_resident_bytes{category="heap"} 10756096)"));
  CHECK(pmap_x.find("proportional") == std::string::npos);
  CHECK(pmap_x.find("swap") == std::string::npos);
  const std::string maps = show("c-malloc-leak/maps.08");
  CHECK(maps.find("resident") == std::string::npos);
  CHECK(has_line(maps, "snap_mappings 32"));
  // smaps_rollup: totals only, no categories and no mapping count.
  const std::string rollup = show("c-malloc-leak/smaps_rollup.08");
  CHECK(has_line(rollup, "snap_resident_bytes 18219008"));
  CHECK(rollup.find("category") == std::string::npos);
  CHECK(rollup.find("snap_mappings") == std::string::npos);
  CHECK(rollup.find("snap_size_bytes") == std::string::npos);
  // A light snapshot of an adaptive collection: Rss, no Pss.
  const std::string light = show("adaptive-grower/hunt/smaps.0002");
  CHECK(light.find("snap_resident_bytes ") != std::string::npos);
  CHECK(light.find("proportional") == std::string::npos);
}

TEST_CASE("a snapshot of a collection: what its manifest recorded of it") {
  const std::string m = show("adaptive-grower/hunt/smaps.0008");
  CHECK(has_line(m, "snap_threads 2"));
  CHECK(has_line(m, "snap_mappings_limit 65530"));
  CHECK(has_line(m, "snap_cgroup_memory_usage_bytes 3755270144"));
  CHECK(has_line(m, "snap_read_seconds 0.040841070000169566"));
  CHECK(has_line(m, "snap_snapshot_timestamp_seconds 1796242459.0989974"));
  CHECK(has_line(m, "snap_proportional_bytes 1172525056"));
  // memory.limit_in_bytes was unlimited: no limit, rather than a huge number.
  CHECK(m.find("snap_cgroup_memory_limit_bytes") == std::string::npos);
  CHECK(m.find("snap_collection_snapshots") == std::string::npos);
}

TEST_CASE("a collection so far: its last snapshot and the trend of its window") {
  const std::string dir = snap::test::path("adaptive-grower/hunt");
  const snap::Manifest manifest = *snap::read_manifest(dir);
  REQUIRE(manifest.snapshots.size() == 8);
  const std::string m = snap::collection_openmetrics(dir, manifest);
  CHECK(has_line(m, "snap_collection_snapshots 8"));
  CHECK(has_line(m, "snap_trend_snapshots 8"));
  CHECK(has_line(m, "snap_proportional_bytes 1172525056"));  // smaps.0008 is full
  // The [heap] leak ranks first: Rss 17936 KiB more from smaps.0001 to smaps.0008.
  CHECK(has_line(m, R"(snap_finding_growth_bytes{rank="1",category="heap",verdict="steady"} 18366464)"));
  CHECK(m.find(R"(rank="2")") == std::string::npos);  // the only growing block
  const std::string rate = R"(snap_finding_growth_rate_bytes_per_second{rank="1",category="heap",verdict="steady"} )";
  const auto at = m.find(rate);
  REQUIRE(at != std::string::npos);
  const double per_second = std::stod(m.substr(at + rate.size()));
  CHECK(per_second == doctest::Approx(2.5 * 1024 * 1024).epsilon(0.05));
  // The mappings did not grow: no projection to vm.max_map_count.
  CHECK(m.find(R"(resource="mappings")") == std::string::npos);

  // Two snapshots: no trend, the last one's metrics.
  snap::Manifest two = manifest;
  two.snapshots.resize(2);
  const std::string early = snap::collection_openmetrics(dir, two);
  CHECK(has_line(early, "snap_collection_snapshots 2"));
  CHECK(early.find("snap_trend") == std::string::npos);
  CHECK(early.find("proportional") == std::string::npos);  // smaps.0002 is light
}
