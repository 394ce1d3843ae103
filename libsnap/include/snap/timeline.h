// The order and capture times of a series of snapshots, and the files a
// directory argument stands for.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace snap {

enum class TimeSource {
  none,       // unknown: rates are per snapshot
  interval,   // --interval: evenly spaced
  collection, // snapcollect's manifest.json beside the files
  manifest,   // a times.txt beside the files ("NN EPOCH_MS" lines, as capture loops write)
  file_name,  // a time in each file's name (epoch s or ms, or YYYYmmdd-HHMMSS)
  mtime,      // the files' modification times (only when all differ)
};

std::string_view time_source_name(TimeSource s);

struct Timeline {
  std::vector<std::string> paths;  // in time order
  /// Seconds since the first snapshot, one per path; empty when unknown.
  std::vector<double> seconds;
  TimeSource source = TimeSource::none;
  /// True when the given order was not time order and was changed.
  bool reordered = false;
  bool known() const { return !seconds.empty(); }
};

/// Expands a directory argument into the snapshot files it holds: those
/// its snapcollect manifest lists, else the files of one family (name less its numeric suffix, e.g. "smaps"
/// for smaps.01 .. smaps.08), preferring smaps, then pmap -XX, -X, -x, pmap, maps, sorted by their numbers.
/// Files are returned as given. `notes` says what was chosen and what else was there. Throws ParseError for a
/// directory with no snapshot files.
std::vector<std::string> expand_inputs(const std::vector<std::string>& args, std::vector<std::string>& notes);

/// The number a series file carries: "01" for smaps.01 or pmap-x.01.gz;
/// empty when it has none.
std::string snapshot_number(const std::string& path);

/// Capture times for `paths`, by precedence: `interval_seconds` (evenly
/// spaced), then a times.txt beside the files, then times in the file
/// names, then mtimes when they all differ. Snapshots are put in time
/// order; equal times keep the given order.
Timeline make_timeline(const std::vector<std::string>& paths, std::optional<double> interval_seconds);

/// Parses "10s", "2m", "1.5h", "500ms", "30" (seconds); nullopt when malformed.
std::optional<double> parse_duration(std::string_view text);

}  // namespace snap
