// The unit growth rates are printed in, the same in the text report and the
// HTML page. Internal to libsnap's emitters.
#pragma once

#include <string_view>

#include "snap/trend.h"

namespace snap::detail {

/// Per second, minute or hour, whichever suits the window; per snapshot
/// when capture times are unknown.
struct RateUnit {
  double factor = 1;
  std::string_view label = "/snapshot";
};

inline RateUnit rate_unit(const TrendReport& r) {
  if (!r.times_known()) return {};
  const double window = r.seconds.back();
  if (window < 120) return {1, "/s"};
  if (window < 7200) return {60, "/min"};
  return {3600, "/h"};
}

}  // namespace snap::detail
