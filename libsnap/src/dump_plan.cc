#include <algorithm>
#include <filesystem>
#include <iterator>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "range_map.h"
#include "snap/dump.h"
#include "snap/size.h"

namespace snap {
namespace {

// ptrace cannot read [vvar] (a PFN map of kernel data) nor [vsyscall]; both
// may still say "r". pmap prints them as "[ anon ]", but never with Rss, so
// they cannot be part of a growing block there.
bool readable(const Region& r) {
  return r.perms.read && r.name != "[vvar]" && r.name != "[vvar_vclock]" && r.name != "[vsyscall]";
}

// Without the name: notes reach stderr and comment lines, and a name is
// untrusted bytes. The range and category identify the block.
std::string block_label(const Block& b) {
  return fmt::format("{} block {:x}-{:x}", category_name(b.category), b.start, b.end);
}

std::string bytes_text(std::uint64_t n) {
  return fmt::format("{} bytes ({})", n, format_size(n, SizeStyle::human));
}

// Ranges before the budget is applied; `file` is filled in afterwards, when
// a truncated range's end is known.
void plan_block(std::span<const Snapshot> snapshots, const Block& b, DumpMode mode, DumpPlan& plan) {
  const std::uint32_t newest = static_cast<std::uint32_t>(snapshots.size() - 1);
  if (!b.sides.present(newest)) {
    plan.notes.push_back(fmt::format("{}: gone from the newest snapshot, nothing to dump", block_label(b)));
    return;
  }
  // Only the oldest and newest snapshots' sides: those of a trend's
  // snapshots between them say nothing here.
  std::vector<Region> now;  // copies: the store hands out values
  const SideRows newest_rows = b.sides.rows(newest);
  for (std::uint32_t k = newest_rows.first; k < newest_rows.first + newest_rows.count; ++k)
    if (Region r = snapshots[newest].regions[k]; readable(r)) now.push_back(std::move(r));
  range::RangeSet before;
  const SideRows oldest_rows = b.sides.rows(0);
  for (std::uint32_t k = oldest_rows.first; k < oldest_rows.first + oldest_rows.count; ++k)
    if (const Region r = snapshots[0].regions[k]; readable(r)) before.add(r.start, r.end);
  if (now.empty()) {
    plan.notes.push_back(fmt::format("{}: no readable mapping in the newest snapshot", block_label(b)));
    return;
  }

  auto add = [&](const Region& r, std::uint64_t start, std::uint64_t end) {
    DumpRange d;
    d.start = start;
    d.end = end;
    d.category = b.category;
    d.name = r.name;
    plan.ranges.push_back(std::move(d));
  };
  const std::size_t first = plan.ranges.size();
  if (mode == DumpMode::grown) {
    // Region by region, so that a difference spanning two adjacent mappings
    // still gives one dump per mapping.
    for (const Region& r : now) {
      for (const range::Span& gap : before.missing(r.start, r.end)) add(r, gap.start, gap.end);
    }
    if (plan.ranges.size() != first) return;
    plan.notes.push_back(
        fmt::format("{}: grew inside the bounds it had in the oldest snapshot (pages touched, not mapped); "
                    "dumping the whole readable block",
                    block_label(b)));
  }
  for (const Region& r : now) add(r, r.start, r.end);
}

void apply_budget(std::uint64_t max_total, DumpPlan& plan) {
  std::uint64_t used = 0;
  std::size_t kept = 0;
  std::uint64_t cut = 0;  // bytes dropped from the range that crossed the budget
  for (DumpRange& r : plan.ranges) {
    const std::uint64_t size = r.end - r.start;
    if (used + size <= max_total) {
      used += size;
      ++kept;
      continue;
    }
    if (used < max_total) {
      cut = size - (max_total - used);
      r.end = r.start + (max_total - used);
      r.truncated = true;
      used = max_total;
      ++kept;
    }
    break;
  }
  std::uint64_t dropped = 0;
  for (std::size_t i = kept; i < plan.ranges.size(); ++i)
    dropped += plan.ranges[i].end - plan.ranges[i].start;
  const std::size_t left_out = plan.ranges.size() - kept;
  plan.ranges.resize(kept);
  if (cut == 0 && left_out == 0) return;

  std::string note = fmt::format("the dump budget of {} is used up:", bytes_text(max_total));
  if (cut != 0) {
    const DumpRange& t = plan.ranges.back();
    note += fmt::format(" {:x}-{:x} is cut to its first {}, leaving out {};", t.start, t.end + cut,
                        bytes_text(t.end - t.start), bytes_text(cut));
  }
  if (left_out != 0)
    note += fmt::format(" {} more range{} left out, {};", left_out, left_out == 1 ? " is" : "s are",
                        bytes_text(dropped));
  note.back() = '.';
  plan.notes.push_back(std::move(note));
}

}  // namespace

DumpPlan plan_dumps(std::span<const Snapshot> snapshots, std::span<const Block* const> blocks,
                    const DumpOptions& options) {
  DumpPlan plan;
  for (const Snapshot& s : snapshots) plan.sources.push_back(s.source);
  if (snapshots.empty()) return plan;
  plan.pid = options.pid ? options.pid : snapshots.back().pid;

  for (const Block* b : blocks) plan_block(snapshots, *b, options.mode, plan);
  apply_budget(options.max_total, plan);

  const auto& first = snapshots.front().threads;
  const auto& last = snapshots.back().threads;
  if (!first.empty() && last.size() > first.size()) {
    std::unordered_set<std::int64_t> old;
    for (const ThreadInfo& t : first) old.insert(t.tid);
    for (const ThreadInfo& t : last) {
      if (old.count(t.tid)) continue;
      if (plan.new_threads.size() < kMaxBacktraces) plan.new_threads.push_back(t);
      ++plan.new_threads_total;
    }
  }

  const std::filesystem::path dir(options.dir);
  for (DumpRange& r : plan.ranges) {
    std::string name = plan.pid ? fmt::format("snap-{}-", *plan.pid) : std::string("snap-");
    fmt::format_to(std::back_inserter(name), "{:x}-{:x}-{}.bin", r.start, r.end, category_name(r.category));
    r.file = (dir / name).string();
  }
  return plan;
}

}  // namespace snap
