#include "snap/gate.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "snap/error.h"
#include "snap/size.h"

namespace snap {
namespace {

std::string delta_text(double v) {
  return format_delta(static_cast<std::int64_t>(v), SizeStyle::kib);
}

std::string rate_text(double per_second) {
  return format_rate(per_second) + "/s";
}

/// What trips first, the total or one finding, in words.
GateResult judge(std::string_view what, double total, double finding, double limit, std::string_view option,
                 bool rate) {
  auto show = [&](double v) { return rate ? rate_text(v) : delta_text(v); };
  GateResult g;
  const std::string limit_text = rate ? rate_text(limit) : format_size(static_cast<std::uint64_t>(limit), SizeStyle::kib);
  if (total >= limit) {
    g.tripped = true;
    g.reason = fmt::format("total {} {} reaches {} {}", what, show(total), option, limit_text);
  } else if (finding >= limit) {
    g.tripped = true;
    g.reason = fmt::format("one finding's {} {} reaches {} {} (total {})", what, show(finding), option,
                           limit_text, show(total));
  } else {
    g.reason = fmt::format("total {} {}, largest finding {}: below {} {}", what, show(total), show(finding),
                           option, limit_text);
  }
  return g;
}

GateResult either(GateResult a, const GateResult& b) {
  if (a.tripped) return a;
  if (b.tripped) return b;
  a.reason += "; " + b.reason;
  return a;
}

}  // namespace

GateResult check_gate(const DiffReport& r, const Gate& g) {
  if (g.rate) throw UsageError("--fail-rate needs a trend: three snapshots or more");
  GateResult out;
  if (!g.above) return out;
  const Comparison& c = r.comparison;
  const double total = static_cast<double>(
      signed_delta(c.totals.front().value_or_zero(r.sort), c.totals.back().value_or_zero(r.sort)));
  return judge(smaps_key(r.sort), total, static_cast<double>(r.largest_growth), static_cast<double>(*g.above),
               "--fail-above", false);
}

GateResult check_gate(const TrendReport& r, const Gate& g) {
  if (g.rate && !r.times_known())
    throw UsageError("--fail-rate needs capture times (give --interval, or a times.txt)");
  const Comparison& c = r.comparison;
  const std::size_t n = c.totals.size();
  std::vector<double> total(n);
  for (std::size_t i = 0; i < n; ++i) total[i] = static_cast<double>(c.totals[i].value_or_zero(r.counter));
  const std::string_view what = smaps_key(r.counter);
  std::optional<GateResult> result;
  if (g.above)
    result = judge(what, total.back() - total.front(), r.largest_growth, static_cast<double>(*g.above),
                   "--fail-above", false);
  if (g.rate) {
    const double slope = fit_line(r.seconds, total).slope;
    GateResult rate = judge(what, slope, r.largest_rate, *g.rate, "--fail-rate", true);
    result = result ? either(*result, rate) : rate;
  }
  return result.value_or(GateResult{});
}

std::optional<double> parse_rate(std::string_view text) {
  const auto slash = text.find('/');
  const auto size = parse_size(text.substr(0, slash));
  if (!size) return std::nullopt;
  double per = 1;
  if (slash != std::string_view::npos) {
    const std::string_view unit = text.substr(slash + 1);
    if (unit == "s" || unit == "sec")
      per = 1;
    else if (unit == "m" || unit == "min")
      per = 60;
    else if (unit == "h" || unit == "hour")
      per = 3600;
    else if (unit == "d" || unit == "day")
      per = 86400;
    else
      return std::nullopt;
  }
  return static_cast<double>(*size) / per;
}

}  // namespace snap
