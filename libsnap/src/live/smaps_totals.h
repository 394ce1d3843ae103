// The totals of smaps text the manifest records, scanned as the text
// arrives, without building regions. Internal to libsnap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "snap/counters.h"

namespace snap::detail {

/// smaps_totals, fed as the text arrives: lines may straddle chunks.
class TotalsScanner {
 public:
  void feed(std::string_view chunk);
  /// nullopt when the text did not end in a newline (a cut read) or held
  /// no mapping.
  std::optional<std::pair<Counters, std::size_t>> finish() const;
  /// Records that began below the end of the one before: the kernel makes
  /// smaps a page of text a read(), dropping the mmap lock between, so a
  /// mapping that grew down or merged meanwhile is listed twice, at two
  /// extents. Such a text is no snapshot of one moment.
  std::size_t overlaps() const { return overlaps_; }

 private:
  static constexpr std::pair<std::string_view, Field> kKeys[] = {
      {"Size:", Field::size}, {"Rss:", Field::rss}, {"Pss:", Field::pss}, {"Swap:", Field::swap}};

  void line(std::string_view l);
  void header(std::string_view l);

  std::string carry_;
  std::uint64_t sums_[4] = {};
  std::size_t mappings_ = 0;
  std::size_t overlaps_ = 0;
  std::uint64_t last_end_ = 0;
};

}  // namespace snap::detail
