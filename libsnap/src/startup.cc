#include "snap/startup.h"

#include <algorithm>

#include <fmt/format.h>

#include "startup_json.h"

namespace snap {

std::optional<StartupCheck> check_startup(const Snapshot& first) {
  if (!first.captured || !first.process_start) return std::nullopt;
  StartupCheck c;
  // Clock ticks round the start down: a snapshot at once can read a hair
  // early, never really before the start.
  c.seconds_after_start = std::max(0.0, *first.captured - *first.process_start);
  c.in_startup = c.seconds_after_start < kStartupSeconds;
  if (c.in_startup)
    c.note = fmt::format(
        "the first snapshot compared was taken {:.{}f} s after the process started: its start-up (libraries "
        "mapped, heap committed) counts as growth and may rank above a leak; leave it out with --skip N or "
        "--since DURATION (or snapcollect --delay)",
        c.seconds_after_start, c.seconds_after_start < 1 ? 2 : 1);
  return c;
}

namespace detail {

nlohmann::ordered_json startup_json(const Snapshot& first) {
  auto c = check_startup(first);
  if (!c) return nullptr;
  return {{"seconds_after_start", c->seconds_after_start},
          {"in_startup", c->in_startup},
          {"note", c->in_startup ? nlohmann::ordered_json(c->note) : nlohmann::ordered_json(nullptr)}};
}

}  // namespace detail
}  // namespace snap
