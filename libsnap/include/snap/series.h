// A series of snapshots ready to compare: what snapdiff reads before it
// ranks anything. Folders expanded, capture times found, the start left
// out (--skip, --since), the files read (or the bad ones set aside),
// manifests and NMT attached, and what was noticed on the way kept as
// messages in the order it was noticed.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "snap/error.h"
#include "snap/manifest.h"
#include "snap/nmt.h"
#include "snap/parse.h"
#include "snap/snapshot.h"
#include "snap/timeline.h"

namespace snap {

/// Something noticed while loading, for the user: a tool prints it as
/// "TOOL: ..." (say), "TOOL: FILE:LINE: warning: ..." (warning), or
/// "TOOL: FILE:LINE: reason (skipped)" (skipped, the text as ParseError
/// wrote it, unescaped).
struct Message {
  enum class Kind { note, warning, skipped };
  Kind kind = Kind::note;
  std::string source;  // warning: the file it is about
  std::size_t line = 0;  // warning: 0 when it has none
  std::string text;
};

struct SeriesOptions {
  std::vector<std::string> inputs;  // files and folders, as given ("-": standard input)
  std::optional<Format> format;     // none: detected per file
  std::optional<double> interval;   // seconds between snapshots (--interval)
  std::size_t skip = 0;             // --skip N
  std::optional<Since> since;       // --since TIME
  bool skip_bad = false;            // leave out what cannot be read (at least 2 must stay)
  std::vector<std::string> nmt;     // NMT files given; none: those recorded or saved beside a folder's
};

struct Series {
  std::vector<Snapshot> snapshots;  // in time order (two snapshots: as given)
  Timeline timeline;                // of `snapshots`
  RecordedLimits recorded;          // what the collection's manifests recorded
  std::vector<Nmt> nmt;             // in capture order; empty without NMT
  std::vector<Message> messages;    // in the order they were noticed

  /// Three or more snapshots are a trend; two, a before and after.
  bool trend() const { return snapshots.size() > 2; }
};

/// A command line that cannot name a series (fewer than two files): the
/// tool answers as to a bad option.
struct SeriesUsageError : UsageError {
  using UsageError::UsageError;
};

/// Loads `o.inputs`. Each message is also given to `observe` as it is made,
/// so that what was noticed before a failure is still said. Throws
/// ParseError for a file that cannot be read (without skip_bad),
/// UsageError (fewer than 2 good files with skip_bad, a --since
/// that leaves fewer than 2) and SeriesUsageError.
Series load_series(const SeriesOptions& o, const std::function<void(const Message&)>& observe = nullptr);

}  // namespace snap
