// The order and capture times of a series of snapshots, and the files a
// directory argument stands for.
#pragma once

#include <cstdint>
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

/// Times that were there and were set aside, said to the user: "SOURCE:LINE:
/// MESSAGE" (LINE 0: none).
struct TimeWarning {
  std::string source;  // the times.txt, or the directory of the files
  std::size_t line = 0;
  std::string message;
};

struct Timeline {
  std::vector<std::string> paths;  // in time order
  /// Seconds since the first snapshot, one per path; empty when unknown.
  std::vector<double> seconds;
  /// Wall-clock capture time of each path, milliseconds since the Unix
  /// epoch (UTC); empty when unknown. --interval gives only the spacing, so
  /// with it this stays empty, as it does when `seconds` is.
  std::vector<std::int64_t> epoch_ms;
  TimeSource source = TimeSource::none;
  /// True when the given order was not time order and was changed.
  bool reordered = false;
  /// When the first snapshot was taken, seconds since the epoch: known
  /// when the times are the clock's (not --interval's spacing).
  std::optional<double> first_epoch;
  /// Times found but not capture times (a times.txt without a line for
  /// some file; modification times that are the copy's or the touch's):
  /// the snapshot index is the axis then, as when none were found.
  std::vector<TimeWarning> warnings;
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
/// names, then mtimes. Snapshots are put in time order; equal times keep
/// the given order. Every source but the interval also gives the
/// wall-clock times (Timeline::epoch_ms).
///
/// A times.txt line is "NN EPOCH_MS" (blank lines and "#" comments aside),
/// NN a file's number (compared as a number: "1" is "01"); a malformed line
/// throws ParseError("DIR/times.txt:LINE: ..."). A times.txt without a line
/// for one of the files is set aside with a warning, and so are mtimes
/// that cannot be capture times: two equal (files copied or touched
/// together), all within one second (copied), or out of the order of the
/// files' numbers. Then no times are known.
Timeline make_timeline(const std::vector<std::string>& paths, std::optional<double> interval_seconds);

/// `epoch_ms` as ISO 8601 UTC with milliseconds: "2026-11-25T07:11:35.114Z".
std::string iso8601_utc(std::int64_t epoch_ms);

/// Parses "10s", "2m", "1.5h", "500ms", "30" (seconds); nullopt when malformed.
std::optional<double> parse_duration(std::string_view text);

/// Where a series is to begin (snapdiff --since): a duration after its
/// first snapshot, or a moment.
struct Since {
  double seconds = 0;     // after the first snapshot, or since the epoch
  bool absolute = false;  // a moment
  std::string text;       // as given, for messages
};

/// "30s", "5m" (a duration, as parse_duration); "2026-12-02T06:10:00"
/// (local time; "...Z": UTC); "@1795566700" (seconds since the epoch).
/// nullopt when malformed.
std::optional<Since> parse_since(std::string_view text);

/// `t` without its first `skip` snapshots (in time order) and without those
/// taken before `since` (a duration counts from the first snapshot of `t`);
/// times count from the first one left. Throws UsageError (snap/error.h) when
/// fewer than two are left, or when `since` needs times `t` lacks (none
/// known; a moment against --interval's spacing).
Timeline drop_start(const Timeline& t, std::size_t skip, const std::optional<Since>& since);

}  // namespace snap
