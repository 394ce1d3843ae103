// Least squares and the verdict rule of trend.h.
#include <algorithm>
#include <array>
#include <cmath>

#include "snap/trend.h"

namespace snap {
namespace {

constexpr double kMinR2 = 0.8;

struct Shape {
  double gained = 0;    // the sum of the rising steps
  double moved = 0;     // the sum of every step's size
  double max_step = 0;  // the largest rise
  double max_drop = 0;  // the largest fall, positive
  std::size_t steps_up = 0;
};

Shape shape_of(std::span<const double> v) {
  Shape s;
  for (std::size_t i = 1; i < v.size(); ++i) {
    const double d = v[i] - v[i - 1];
    s.moved += std::abs(d);
    s.gained += std::max(0.0, d);
    s.max_step = std::max(s.max_step, d);
    s.max_drop = std::max(s.max_drop, -d);
    if (d > 0) ++s.steps_up;
  }
  return s;
}

/// The rule for a series `v` against `x` that grew by at least the floor:
/// steady, stepwise or noisy.
Verdict rising_verdict(std::span<const double> x, std::span<const double> v, double floor) {
  const Shape sh = shape_of(v);
  const std::size_t steps = v.size() - 1;
  // Against the gross gain, so that a sawtooth's big up-steps, cancelled
  // by its down-steps, do not read as one step.
  const double share = sh.max_step / sh.gained;
  // With few steps, even a steady leak puts more than half its growth in
  // one of them; allow 1.5 times an even share.
  const double share_limit = std::max(0.5, 1.5 / static_cast<double>(steps));
  // A drop of the floor or more is a real one; with no floor, any drop.
  const bool no_drop = sh.max_drop == 0 || sh.max_drop < floor;
  // A curve that flattens (a warm-up, a cache filling, a leak that
  // stopped) fits a line well enough; its second half must keep at least
  // half the pace of its first.
  bool keeps_pace = true;
  if (v.size() >= 5) {
    const std::size_t mid = v.size() / 2;
    const double first = fit_line(x.first(mid + 1), v.first(mid + 1)).slope;
    const double second = fit_line(x.subspan(mid), v.subspan(mid)).slope;
    keeps_pace = !(first > 0) || second >= 0.5 * first;
  }
  if (fit_line(x, v).r2 >= kMinR2 && no_drop && share < share_limit && keeps_pace) return Verdict::steady;
  if (share >= 0.5) return Verdict::stepwise;
  return Verdict::noisy;
}

}  // namespace

std::string_view verdict_name(Verdict v) {
  static constexpr std::array<std::string_view, 6> kNames = {"steady", "emerging", "stepwise",
                                                             "noisy",  "flat",     "shrinking"};
  return kNames[static_cast<std::size_t>(v)];
}

bool steadily_growing(Verdict v) {
  return v == Verdict::steady || v == Verdict::emerging;
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
  SeriesStats s = analyze(std::span<const double>(y), Samples(), x, x_is_seconds, floor);
  s.values = Samples(std::move(y));
  return s;
}

SeriesStats analyze(std::span<const double> v, Samples values, std::span<const double> x, bool x_is_seconds,
                    double floor) {
  SeriesStats s;
  s.values = std::move(values);
  const std::size_t n = v.size();
  if (n == 0) return s;
  s.growth = v.back() - v.front();
  s.fit = fit_line(x, v);
  const std::size_t steps = n - 1;
  if (steps == 0) return s;
  s.per_snapshot = s.growth / static_cast<double>(steps);
  if (x_is_seconds && x.size() == n && x.back() > x.front()) s.per_second = s.growth / (x.back() - x.front());

  const Shape sh = shape_of(v);
  s.steps_up = static_cast<std::uint32_t>(sh.steps_up);
  s.max_step = sh.max_step;
  s.max_drop = sh.max_drop;

  if (s.growth < 0 && s.growth <= -floor) {
    s.verdict = Verdict::shrinking;
    return s;
  }
  if (s.growth <= 0 || s.growth < floor) {
    s.verdict = sh.moved > 0 && sh.moved >= 2 * floor ? Verdict::noisy : Verdict::flat;
    return s;
  }
  if (x.size() != n) {
    s.verdict = sh.max_step / sh.gained >= 0.5 ? Verdict::stepwise : Verdict::noisy;
    return s;
  }
  s.verdict = rising_verdict(x, v, floor);

  // Emerging: flat (or absent: 0) up to k, then steady over at least two
  // steps, three snapshots holding it. Flat means within the floor of the
  // first value, rising (if at all) at under a quarter of the pace after
  // k, and for longer than any pause after k: a leak that grew from the
  // start by small steps has no flat prefix, and a staircase's first stair
  // is not one.
  std::size_t k = 0;
  while (k + 1 < n && std::abs(v[k + 1] - v[0]) < std::max(floor, 1.0)) ++k;
  if (k < 2 || steps - k < 3) return s;
  const std::span<const double> head(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k) + 1);
  const std::span<const double> tail(v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  const double tail_pace = (tail.back() - tail.front()) / static_cast<double>(steps - k);
  if (shape_of(head).gained / static_cast<double>(k) > 0.25 * tail_pace) return s;
  std::size_t pause = 0, longest_pause = 0;
  for (std::size_t i = 1; i < tail.size(); ++i) {
    pause = tail[i] > tail[i - 1] ? 0 : pause + 1;
    longest_pause = std::max(longest_pause, pause);
  }
  if (k <= longest_pause) return s;
  if (rising_verdict(x.subspan(k), tail, floor) != Verdict::steady) return s;
  s.verdict = Verdict::emerging;
  s.since = static_cast<std::uint32_t>(k + 1);
  // The pace since it appeared: the step into the first snapshot holding
  // it covers only a part of its interval, so the fit starts after it.
  s.fit = fit_line(x.subspan(s.since), std::span<const double>(v).subspan(s.since));
  return s;
}

}  // namespace snap
