#include "snap/emit/openmetrics.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iterator>
#include <optional>
#include <span>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "snap/analyze.h"
#include "snap/error.h"
#include "snap/parse.h"
#include "snap/series.h"
#include "snap/timeline.h"

namespace snap {

namespace {

/// One metric family at a time: its metadata once, then its samples.
class Exposition {
 public:
  explicit Exposition(std::string& out) : out_(out) {}

  /// Starts a family; `unit` empty for a count. Written only when a sample follows.
  void family(std::string_view name, std::string_view unit, std::string help) {
    name_ = name;
    unit_ = unit;
    help_ = std::move(help);
    started_ = false;
  }
  /// A byte count or a count, exact; or seconds and rates.
  template <typename T>
  void sample(T value, std::string_view labels = {}) {
    begin();
    if (labels.empty())
      fmt::format_to(std::back_inserter(out_), "{} {}\n", name_, value);
    else
      fmt::format_to(std::back_inserter(out_), "{}{{{}}} {}\n", name_, labels, value);
  }
  void end() { out_ += "# EOF\n"; }

 private:
  void begin() {
    if (started_) return;
    started_ = true;
    fmt::format_to(std::back_inserter(out_), "# TYPE {} gauge\n", name_);
    if (!unit_.empty()) fmt::format_to(std::back_inserter(out_), "# UNIT {} {}\n", name_, unit_);
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n", name_, help_);
  }
  std::string& out_;
  std::string_view name_, unit_;
  std::string help_;
  bool started_ = false;
};

struct Amount {
  Field field;
  std::string_view total, category, help;
};
// clang-format off
constexpr Amount kAmounts[] = {
    {Field::size, "snap_size_bytes", "snap_category_size_bytes", "Virtual size of the mappings (Size)"},
    {Field::rss, "snap_resident_bytes", "snap_category_resident_bytes", "Resident memory (Rss)"},
    {Field::pss, "snap_proportional_bytes", "snap_category_proportional_bytes", "Proportional set size (Pss: resident memory, shared pages divided among their users)"},
    {Field::swap, "snap_swap_bytes", "snap_category_swap_bytes", "Swapped out anonymous memory (Swap)"},
};
// clang-format on

/// The category a finding is about: a block's or link's own, a population's
/// first word ("thread-stack 8192K+4K guard").
std::string_view finding_category(const TrendReport& r, const Finding& fd) {
  if (fd.block) return category_name(r.block(r.block_trend(fd)).category);
  if (fd.link) return category_name(r.link_trend(fd).link.category);
  const std::string& key = r.population(fd).key;
  return std::string_view(key).substr(0, key.find(' '));
}

/// "rss" for "Rss", "mappings" for "mappings".
std::string resource_label(const std::string& what) {
  std::string s = what;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void emit_trend(Exposition& x, const TrendReport& r, std::size_t findings) {
  x.family("snap_trend_snapshots", "", "Snapshots the trend of the collection's last snapshots was made of");
  x.sample(static_cast<std::uint64_t>(r.snapshots.size()));
  if (r.times_known()) {
    x.family("snap_trend_window_seconds", "seconds", "Time from the first to the last snapshot of the trend");
    x.sample(r.seconds.back());
  }
  // Only the growing rows: the others are ranked after them.
  const std::size_t shown = std::min({r.rows.size(), r.growing, findings});
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < shown; ++i)
    labels.push_back(fmt::format(R"(rank="{}",category="{}",verdict="{}")", i + 1,
                                 finding_category(r, r.rows[i]), verdict_name(r.rows[i].verdict)));
  x.family("snap_finding_growth_bytes", "bytes",
           "Growth of a top finding over the trend's snapshots, in the ranking counter (Rss where known)");
  for (std::size_t i = 0; i < shown; ++i) x.sample(r.rows[i].growth, labels[i]);
  if (r.times_known()) {
    x.family("snap_finding_growth_rate_bytes_per_second", "bytes_per_second",
             "Growth rate of a top finding: the least-squares slope of the trend's snapshots");
    for (std::size_t i = 0; i < shown; ++i) x.sample(r.rows[i].rate, labels[i]);
  }
  x.family("snap_limit_eta_seconds", "seconds",
           "Seconds until the resource reaches its limit at the trend's rate (rss: the cgroup's memory limit; "
           "mappings: vm.max_map_count); absent when it does not grow toward one");
  for (const Projection& p : r.projections) x.sample(p.eta, fmt::format(R"(resource="{}")", resource_label(p.what)));
}

}  // namespace

void emit_openmetrics(std::string& out, const OpenMetricsInput& in) {
  const Summary& s = *in.summary;
  Exposition x(out);
  for (const Amount& a : kAmounts) {
    if (!s.totals.known(a.field)) continue;
    x.family(a.total, "bytes", fmt::format("{} of the process", a.help));
    x.sample(s.totals.value_or_zero(a.field));
  }
  // In the order of the categories, whatever the summary was ranked by.
  std::vector<const CategorySummary*> cats;
  for (const CategorySummary& c : s.categories) cats.push_back(&c);
  std::sort(cats.begin(), cats.end(),
            [](const CategorySummary* a, const CategorySummary* b) { return a->category < b->category; });
  std::vector<std::string> labels;
  for (const CategorySummary* c : cats) labels.push_back(fmt::format(R"(category="{}")", category_name(c->category)));
  for (const Amount& a : kAmounts) {
    if (!s.totals.known(a.field)) continue;
    x.family(a.category, "bytes", fmt::format("{} of the process's mappings of a category", a.help));
    for (std::size_t i = 0; i < cats.size(); ++i) x.sample(cats[i]->totals.value_or_zero(a.field), labels[i]);
  }
  x.family("snap_category_mappings", "", "Mappings of a category");
  for (std::size_t i = 0; i < cats.size(); ++i) x.sample(static_cast<std::uint64_t>(cats[i]->mappings), labels[i]);

  if (s.has_ranges) {
    x.family("snap_mappings", "", "Mappings (VMAs) of the process");
    x.sample(static_cast<std::uint64_t>(s.mappings));
  }
  if (in.max_map_count) {
    x.family("snap_mappings_limit", "", "vm.max_map_count: the mappings a process may have");
    x.sample(*in.max_map_count);
  }
  if (const ManifestEntry* e = in.recorded) {
    if (!e->threads.empty()) {
      x.family("snap_threads", "", "Threads of the process");
      x.sample(static_cast<std::uint64_t>(e->threads.size()));
    }
    if (e->cgroup && e->cgroup->current) {
      x.family("snap_cgroup_memory_usage_bytes", "bytes",
               "Memory charged to the process's cgroup (memory.current, or memory.usage_in_bytes in cgroup v1)");
      x.sample(*e->cgroup->current);
    }
    if (e->cgroup && e->cgroup->max) {
      x.family("snap_cgroup_memory_limit_bytes", "bytes",
               "The cgroup's memory limit (memory.max, or memory.limit_in_bytes in cgroup v1); absent when unlimited");
      x.sample(*e->cgroup->max);
    }
    x.family("snap_read_seconds", "seconds", "How long reading the snapshot took (the process's mmap lock is held meanwhile)");
    x.sample(e->read_seconds);
    x.family("snap_snapshot_timestamp_seconds", "seconds", "When the snapshot was taken, since the epoch");
    x.sample(e->wall);
  }
  if (in.collection_snapshots > 0) {
    x.family("snap_collection_snapshots", "", "Snapshots taken by the collection so far");
    x.sample(static_cast<std::uint64_t>(in.collection_snapshots));
  }
  if (in.trend) emit_trend(x, *in.trend, in.findings);
  x.end();
}

std::string snapshot_openmetrics(const Snapshot& snapshot, const Summary& summary) {
  OpenMetricsInput in;
  in.summary = &summary;
  std::optional<Manifest> manifest;
  if (snapshot.source != "-") {
    const std::filesystem::path p(snapshot.source);
    try {
      manifest = read_manifest(p.parent_path().empty() ? "." : p.parent_path().string());
    } catch (const ParseError&) {
    }
    if (manifest) {
      for (const ManifestEntry& e : manifest->snapshots)
        if (e.file == p.filename().string()) in.recorded = &e;
      if (in.recorded) in.max_map_count = manifest->max_map_count;
    }
  }
  std::string out;
  emit_openmetrics(out, in);
  return out;
}

std::string collection_openmetrics(const std::string& dir, const Manifest& manifest) {
  const std::size_t n = std::min(manifest.snapshots.size(), kOpenMetricsWindow);
  if (n == 0) throw UsageError("a collection's metrics need a snapshot");
  const std::span<const ManifestEntry> window(manifest.snapshots.data() + manifest.snapshots.size() - n, n);

  // The series is made from the manifest in memory, not the one on disk:
  // the last snapshot of a --count is written to disk after it is told.
  auto series = std::make_shared<Series>();
  Timeline& t = series->timeline;
  for (const ManifestEntry& e : window) {
    t.paths.push_back((std::filesystem::path(dir) / e.file).string());
    t.seconds.push_back(e.wall - window.front().wall);
    t.epoch_ms.push_back(static_cast<std::int64_t>(e.wall * 1000));
    // The tightest limit recorded is the one the process meets first.
    const auto& cg = e.cgroup;
    if (cg && cg->max && (!series->recorded.memory_limit || *cg->max < *series->recorded.memory_limit)) {
      series->recorded.memory_limit = cg->max;
      series->recorded.memory_limit_name = cg->version == 1 ? "memory.limit_in_bytes" : "memory.max";
    }
  }
  t.source = TimeSource::collection;
  t.first_epoch = window.front().wall;
  series->recorded.max_map_count = manifest.max_map_count;
  // Only the trend needs them all; before three, only the last is read.
  const std::vector<std::string> paths = n >= 3 ? t.paths : std::vector<std::string>{t.paths.back()};
  series->snapshots = read_snapshots(paths);
  for (std::size_t i = 0; i < series->snapshots.size(); ++i) {
    const ManifestEntry& e = window[n - paths.size() + i];
    series->snapshots[i].pid = manifest.pid;
    series->snapshots[i].captured = e.wall;
    series->snapshots[i].threads = e.threads;
    series->snapshots[i].process_start = manifest.process_start;
  }

  std::optional<Analysis> analysis;
  if (n >= 3) {
    try {
      AnalyzeOptions ao;
      ao.top = kOpenMetricsFindings;
      analysis = analyze(series, ao);
    } catch (const Error&) {
      // No trend this time (a counter some snapshot lacks); the snapshot's
      // own metrics still go out.
    }
  }
  const Summary summary = summarize(series->snapshots.back());

  OpenMetricsInput in;
  in.summary = &summary;
  in.recorded = &manifest.snapshots.back();
  in.max_map_count = manifest.max_map_count;
  in.collection_snapshots = manifest.snapshots.size();
  in.trend = analysis && analysis->trend ? &*analysis->trend : nullptr;
  in.findings = kOpenMetricsFindings;
  std::string out;
  emit_openmetrics(out, in);
  return out;
}

}  // namespace snap
