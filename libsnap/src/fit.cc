// Least squares and the verdict rule of trend.h.
#include <algorithm>
#include <array>
#include <cmath>

#include "snap/trend.h"

namespace snap {

std::string_view verdict_name(Verdict v) {
  static constexpr std::array<std::string_view, 5> kNames = {"steady", "stepwise", "noisy", "flat",
                                                             "shrinking"};
  return kNames[static_cast<std::size_t>(v)];
}

Fit fit_line(std::span<const double> x, std::span<const double> y) {
  Fit f;
  const std::size_t n = std::min(x.size(), y.size());
  if (n == 0) return f;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxx = 0, sxy = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  f.slope = sxx > 0 ? sxy / sxx : 0;
  f.intercept = my - f.slope * mx;
  // A constant series is fitted perfectly by a flat line.
  f.r2 = syy > 0 && sxx > 0 ? (sxy * sxy) / (sxx * syy) : 1.0;
  return f;
}

SeriesStats analyze(std::vector<double> y, std::span<const double> x, bool x_is_seconds, double floor) {
  SeriesStats s;
  s.values = std::move(y);
  const auto& v = s.values;
  const std::size_t n = v.size();
  if (n == 0) return s;
  s.growth = v.back() - v.front();
  s.fit = fit_line(x, v);
  const std::size_t steps = n - 1;
  if (steps == 0) return s;
  s.per_snapshot = s.growth / static_cast<double>(steps);
  if (x_is_seconds && x.size() == n && x.back() > x.front()) s.per_second = s.growth / (x.back() - x.front());

  double moved = 0, gained = 0;
  const double substantial = std::max(0.0, 0.25 * s.per_snapshot);
  for (std::size_t i = 1; i < n; ++i) {
    double d = v[i] - v[i - 1];
    moved += std::abs(d);
    gained += std::max(0.0, d);
    s.max_step = std::max(s.max_step, d);
    if (d > substantial && d > 0) ++s.steps_up;
  }

  if (s.growth <= -floor) {
    s.verdict = Verdict::shrinking;
  } else if (s.growth < floor) {
    s.verdict = moved >= 2 * floor ? Verdict::noisy : Verdict::flat;
  } else {
    // Against the gross gain, so that a sawtooth's big up-steps, cancelled
    // by its down-steps, do not read as one step.
    const double share = s.max_step / gained;
    const bool most_up = 3 * s.steps_up >= 2 * steps;
    // With few steps, even a steady leak puts more than half its growth in
    // one of them; allow 1.5 times an even share.
    const double share_limit = std::max(0.5, 1.5 / static_cast<double>(steps));
    if (most_up && s.fit.r2 >= 0.8 && share <= share_limit)
      s.verdict = Verdict::steady;
    else if (share >= 0.5 || 3 * s.steps_up <= steps)
      s.verdict = Verdict::stepwise;
    else
      s.verdict = Verdict::noisy;
  }
  return s;
}

}  // namespace snap
