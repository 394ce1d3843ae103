// The trend as CSV in long format: one row per snapshot, finding and
// counter, so that a script or a spreadsheet can plot any series against
// wall-clock time without knowing the report's shape.
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "snap/emit.h"

namespace snap {
namespace {

// Series are doubles summed from uint64 counters: print them as the whole
// numbers they are, and a fuzzed 2^64 as the limit rather than wrapped.
std::uint64_t whole(double v) {
  v = std::round(v);
  if (!(v > 0)) return 0;
  return v >= 18446744073709551615.0 ? UINT64_MAX : static_cast<std::uint64_t>(v);
}

}  // namespace

void emit_trend_csv(std::string& out, const TrendReport& r) {
  auto it = std::back_inserter(out);
  const std::size_t n = r.snapshots.size();
  const bool wall = r.epoch_ms.size() == n;
  // The counters of a block: the ranking one first, then every other the
  // snapshots all know, in smaps order.
  std::vector<Field> fields{r.counter};
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    const auto f = static_cast<Field>(i);
    if (f != r.counter && r.comparison.knows(f)) fields.push_back(f);
  }

  // The columns that say which snapshot a row is of, once per snapshot.
  std::vector<std::string> when(n);
  for (std::size_t i = 0; i < n; ++i)
    when[i] = fmt::format("{},{},{},{},{}", i + 1, csv_escape(r.snapshots[i]->source),
                          wall ? std::to_string(r.epoch_ms[i]) : "", wall ? iso8601_utc(r.epoch_ms[i]) : "",
                          r.times_known() ? fmt::format("{}", r.seconds[i]) : "");

  out += "snapshot,source,epoch_ms,time_iso,seconds,finding,kind,verdict,category,start,end,name,counter,value\r\n";
  for (std::size_t rank = 1; rank <= r.rows.size(); ++rank) {
    const Finding& fd = r.rows[rank - 1];
    const std::string_view verdict = verdict_name(fd.verdict);
    if (fd.block) {
      const Block& b = r.block(r.block_trend(fd));
      const std::string what = fmt::format("{},block,{},{},0x{:x},0x{:x},{}", rank, verdict,
                                           category_name(b.category), b.start, b.end, csv_escape(b.name));
      for (std::size_t i = 0; i < n; ++i) {
        const BlockSide& side = b.sides[i];
        for (Field f : fields)
          fmt::format_to(it, "{},{},{},{}\r\n", when[i], what, field_name(f), side.counters.value_or_zero(f));
        fmt::format_to(it, "{},{},regions,{}\r\n", when[i], what, side.regions);
      }
    } else if (fd.link) {
      // A link: every counter summed over its blocks; its ranges are the
      // blocks' own (JSON lists them).
      const Link& l = r.link_trend(fd).link;
      const std::string what = fmt::format("{},link,{},{},,,{}", rank, verdict, category_name(l.category),
                                           csv_escape(describe(l)));
      for (std::size_t i = 0; i < n; ++i) {
        for (Field f : fields) {
          std::uint64_t sum = 0;
          for (std::size_t b : l.blocks) sum += r.comparison.blocks[b].sides[i].counters.value_or_zero(f);
          fmt::format_to(it, "{},{},{},{}\r\n", when[i], what, field_name(f), sum);
        }
        std::uint64_t regions = 0;
        for (std::size_t b : l.blocks) regions += r.comparison.blocks[b].sides[i].regions;
        fmt::format_to(it, "{},{},regions,{}\r\n", when[i], what, regions);
      }
    } else {
      // A population is only summed in the ranking counter, and counted.
      const Population& p = r.population(fd);
      const std::string what = fmt::format("{},population,{},{},,,{}", rank, verdict,
                                           csv_escape(p.key.substr(0, p.key.find(' '))), csv_escape(p.key));
      for (std::size_t i = 0; i < n; ++i) {
        fmt::format_to(it, "{},{},{},{}\r\n", when[i], what, field_name(r.counter), whole(p.total.values[i]));
        fmt::format_to(it, "{},{},regions,{}\r\n", when[i], what, whole(p.count.values[i]));
      }
    }
  }
}

}  // namespace snap
