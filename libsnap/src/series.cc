#include "snap/series.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include <fmt/format.h>

#include "snap/comparable.h"
#include "snap/nmt_files.h"
#include "snap/skip_bad.h"

namespace snap {

Series load_series(const SeriesOptions& o, const std::function<void(const Message&)>& observe) {
  Series s;
  auto say = [&](Message m) {
    if (observe) observe(m);
    s.messages.push_back(std::move(m));
  };
  auto note = [&](std::string text) { say({Message::Kind::note, {}, 0, std::move(text)}); };

  std::vector<std::string> expand_notes;
  const std::vector<std::string> files = expand_inputs(o.inputs, expand_notes);
  for (auto& n : expand_notes) note(std::move(n));
  if (files.size() < 2) throw SeriesUsageError("give two snapshots, or more for a trend");

  // Two files are a before and after as given; times matter from three on,
  // or to know which to leave out.
  const bool dropping = o.skip > 0 || o.since;
  Timeline& timeline = s.timeline;
  timeline.paths = files;
  if (files.size() > 2 || dropping) timeline = make_timeline(files, o.interval);
  for (const auto& w : timeline.warnings)
    say({Message::Kind::warning, w.source, w.line,
         w.message + "; capture times unknown: rates are per snapshot (give --interval)"});
  if (dropping) {
    const std::size_t given = timeline.paths.size();
    timeline = drop_start(timeline, o.skip, o.since);
    note(fmt::format("note: comparing {} of {} snapshots, from {}", timeline.paths.size(), given,
                     timeline.paths.front()));
  }

  // Read (mapped and parsed) on the machine's cores; warnings in order.
  auto warn = [&](const Snapshot& snap) {
    for (const auto& w : snap.warnings) say({Message::Kind::warning, snap.source, w.line, w.message});
  };
  if (o.skip_bad) {
    GoodSeries good = read_good_snapshots(timeline, o.format, warn, [&](const ParseError& e) {
      say({Message::Kind::skipped, {}, 0, fmt::format("{} (skipped)", e.what())});
    });
    s.snapshots = std::move(good.snapshots);
    timeline = std::move(good.timeline);
  } else {
    s.snapshots = read_snapshots(timeline.paths, o.format, warn);
  }

  // What a snapcollect manifest recorded: threads, limits, NMT files.
  s.recorded = attach_manifests(s.snapshots);

  // NMT: as given, or as snapcollect --jcmd recorded it, or saved beside
  // the snapshots of a directory under their numbers. Found, not asked
  // for: what cannot be used is said and left out.
  if (!o.nmt.empty()) {
    for (const std::string& p : o.nmt) s.nmt.push_back(read_nmt(p));
  } else {
    const bool directory = std::any_of(o.inputs.begin(), o.inputs.end(), [](const std::string& f) {
      std::error_code ec;
      return f != "-" && std::filesystem::is_directory(f, ec);
    });
    if (directory || !s.recorded.nmt_files.empty()) {
      std::vector<std::string> nmt_notes;
      s.nmt = read_found_nmt(timeline.paths, s.recorded.nmt_files, nmt_notes);
      for (const auto& n : nmt_notes) note("note: " + n);
    }
  }

  for (const auto& n : check_comparable(s.snapshots)) {
    if (n.warning)
      say({Message::Kind::warning, n.source, 0, n.message});
    else
      note(fmt::format("{}: note: {}", n.source, n.message));
  }
  return s;
}

}  // namespace snap
