// The dump planner and the gdb command file, as snapdiff --gdb does them:
// the input is split at every form feed into 2 to 6 snapshots (two: the
// diff's growing blocks; three or more: the trend's), each detected and
// parsed; the dump options come from the input's last byte (a newline:
// the defaults, so that real captures replayed get them). Then
// plan_dumps, emit_gdb and emit_ranges, and a second time with names,
// snapshot sources, notes and the command line taken raw from the input,
// so that every byte value reaches the script whatever the parsers accept.
//
// What is checked: every range to dump is non-empty, inside a readable
// mapping of the newest snapshot that belongs to a growing block, disjoint
// from the others, within the budget; its file is DIR/snap-...bin. The
// script is printable ASCII lines; comments before one "python" line, no
// line of the block reads "end" or ends in a backslash, and the range list
// holds exactly the plan's ranges, each file name a Python literal that
// decodes to the name's bytes and stays inside its quotes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "check.h"
#include "snap/dump.h"
#include "snap/emit/gdb.h"
#include "snap/parse.h"
#include "snap/report.h"
#include "snap/timeline.h"
#include "snap/trend.h"

namespace {

constexpr std::size_t kMaxSnapshots = 6;

// A directory name that tries every way out of a Python literal or a gdb
// command line.
constexpr std::string_view kHostileDir = "d'ir\"\\\nend\n\\x41#\x1b[2J\xc2\x9b\xff";

bool readable(const snap::Region& r) {
  return r.perms.read && r.name != "[vvar]" && r.name != "[vvar_vclock]" && r.name != "[vsyscall]";
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    SNAP_FUZZ_CHECK(nl != std::string_view::npos);  // every line ends in a newline
    out.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// A Python literal as python_literal writes it, at the front of `text`:
/// its bytes, and `text` moved past the closing quote. Nothing but
/// printable ASCII and \xNN escapes may be inside the quotes.
std::string take_literal(std::string_view& text) {
  SNAP_FUZZ_CHECK(!text.empty() && text.front() == '\'');
  text.remove_prefix(1);
  std::string bytes;
  for (;;) {
    SNAP_FUZZ_CHECK(!text.empty());  // the literal closes on its line
    const char c = text.front();
    if (c == '\'') break;
    if (c == '\\') {
      SNAP_FUZZ_CHECK(text.size() >= 4 && text[1] == 'x');
      const int hi = hex_digit(text[2]), lo = hex_digit(text[3]);
      SNAP_FUZZ_CHECK(hi >= 0 && lo >= 0);
      bytes += static_cast<char>(hi * 16 + lo);
      text.remove_prefix(4);
      continue;
    }
    SNAP_FUZZ_CHECK(c >= 0x20 && c < 0x7f);
    bytes += c;
    text.remove_prefix(1);
  }
  text.remove_prefix(1);
  return bytes;
}

void expect(std::string_view& text, std::string_view what) {
  SNAP_FUZZ_CHECK(text.starts_with(what));
  text.remove_prefix(what.size());
}

std::uint64_t take_hex(std::string_view& text) {
  expect(text, "0x");
  std::uint64_t v = 0;
  std::size_t n = 0;
  for (; n < text.size() && hex_digit(text[n]) >= 0; ++n) v = v * 16 + static_cast<unsigned>(hex_digit(text[n]));
  SNAP_FUZZ_CHECK(n > 0 && n <= 16);
  text.remove_prefix(n);
  return v;
}

void check_script(const std::string& script, const snap::DumpPlan& plan) {
  // Printable ASCII and newlines: no name byte reaches gdb raw.
  for (unsigned char c : script) SNAP_FUZZ_CHECK(c == '\n' || (c >= 0x20 && c < 0x7f));
  const std::vector<std::string_view> lines = lines_of(script);
  std::size_t i = 0;
  for (; i < lines.size() && lines[i] != "python"; ++i) {
    SNAP_FUZZ_CHECK(lines[i].starts_with("# "));
    SNAP_FUZZ_CHECK(!lines[i].ends_with('\\'));  // gdb would join the next line to the comment
  }
  SNAP_FUZZ_CHECK(i < lines.size());
  SNAP_FUZZ_CHECK(lines.size() >= i + 3 && lines.back() == "end" && lines[lines.size() - 2] == "snap_dump()");
  std::size_t tuples = 0;
  bool in_ranges = false;
  for (std::size_t k = i + 1; k + 1 < lines.size(); ++k) {
    std::string_view l = lines[k];
    SNAP_FUZZ_CHECK(!l.ends_with('\\'));
    const std::size_t text = l.find_first_not_of(' ');
    SNAP_FUZZ_CHECK(text == std::string_view::npos || (l.substr(text) != "end" && !l.substr(text).starts_with("end ")));
    SNAP_FUZZ_CHECK(l != "python");
    if (l == "    ranges = [") {
      SNAP_FUZZ_CHECK(!in_ranges && tuples == 0);
      in_ranges = true;
      continue;
    }
    if (!in_ranges) continue;
    if (l == "    ]") {
      in_ranges = false;
      continue;
    }
    // "        (0xLO, 0xHI, 'FILE', 'WHAT'),"
    SNAP_FUZZ_CHECK(tuples < plan.ranges.size());
    const snap::DumpRange& r = plan.ranges[tuples++];
    expect(l, "        (");
    SNAP_FUZZ_CHECK(take_hex(l) == r.start);
    expect(l, ", ");
    SNAP_FUZZ_CHECK(take_hex(l) == r.end);
    expect(l, ", ");
    SNAP_FUZZ_CHECK(take_literal(l) == r.file);
    expect(l, ", ");
    take_literal(l);
    SNAP_FUZZ_CHECK(l == "),");
  }
  SNAP_FUZZ_CHECK(!in_ranges && tuples == plan.ranges.size());
}

void check_ranges_text(const std::string& text, const snap::DumpPlan& plan) {
  const std::vector<std::string_view> lines = lines_of(text);
  SNAP_FUZZ_CHECK(lines.size() == plan.ranges.size());
  for (std::size_t k = 0; k < lines.size(); ++k)
    SNAP_FUZZ_CHECK(lines[k] == fmt::format("0x{:x} 0x{:x}", plan.ranges[k].start, plan.ranges[k].end));
}

void check_plan(const std::vector<snap::Snapshot>& snaps, const std::vector<const snap::Block*>& growing,
                const snap::DumpOptions& o, const snap::DumpPlan& plan) {
  SNAP_FUZZ_CHECK(plan.sources.size() == snaps.size());
  SNAP_FUZZ_CHECK(plan.pid == (o.pid ? o.pid : snaps.back().pid));
  const std::uint32_t newest = static_cast<std::uint32_t>(snaps.size() - 1);
  std::uint64_t total = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> sorted;
  for (std::size_t k = 0; k < plan.ranges.size(); ++k) {
    const snap::DumpRange& r = plan.ranges[k];
    SNAP_FUZZ_CHECK(r.start < r.end);
    SNAP_FUZZ_CHECK(!r.truncated || k + 1 == plan.ranges.size());
    total += r.end - r.start;
    sorted.emplace_back(r.start, r.end);
    // Inside one readable mapping of the newest snapshot, a member of a
    // growing block of the range's category.
    bool inside = false;
    for (const snap::Block* b : growing)
      for (const snap::RegionRef& m : b->members()) {
        if (m.snapshot != newest) continue;
        const snap::Region& reg = snaps[newest].regions[m.region];
        if (readable(reg) && reg.start <= r.start && r.end <= reg.end && b->category == r.category &&
            reg.name == r.name)
          inside = true;
      }
    SNAP_FUZZ_CHECK(inside);
    std::string name = plan.pid ? fmt::format("snap-{}-", *plan.pid) : std::string("snap-");
    name += fmt::format("{:x}-{:x}-{}.bin", r.start, r.end, snap::category_name(r.category));
    SNAP_FUZZ_CHECK(r.file == (std::filesystem::path(o.dir) / name).string());
  }
  SNAP_FUZZ_CHECK(total <= o.max_total);
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t k = 1; k < sorted.size(); ++k) SNAP_FUZZ_CHECK(sorted[k - 1].second <= sorted[k].first);
  // Notes carry no mapping name: they go to stderr as they are.
  for (const std::string& n : plan.notes) {
    SNAP_FUZZ_CHECK(!n.empty());
    SNAP_FUZZ_CHECK(!snap::fuzz::has_control_byte(n));
  }
}

snap::DumpOptions options_from(std::uint8_t byte) {
  snap::DumpOptions o;
  o.mode = (byte & 1) ? snap::DumpMode::whole : snap::DumpMode::grown;
  switch ((byte >> 1) & 3) {
    case 1: o.max_total = 0; break;
    case 2: o.max_total = 4096; break;
    case 3: o.max_total = (1u << 20) + 4096 + 1; break;
    default: break;
  }
  switch ((byte >> 3) & 3) {
    case 1: o.dir = "dumps/today"; break;
    case 2: o.dir = std::string(kHostileDir); break;
    case 3: o.dir = "/"; break;
    default: break;
  }
  if (byte & 0x20) o.pid = 4242;
  return o;
}

/// `plan` with every name, source and note replaced by raw slices of
/// `input`, and file names under a hostile directory.
snap::DumpPlan hostile(snap::DumpPlan plan, std::string_view input) {
  std::size_t at = 0;
  auto slice = [&](std::size_t n) {
    if (input.empty()) return std::string();
    at %= input.size();
    std::string s(input.substr(at, n));
    at += n;
    return s;
  };
  for (std::string& s : plan.sources) s = slice(24);
  for (std::string& n : plan.notes) n = slice(40);
  plan.notes.push_back(slice(64));
  for (snap::DumpRange& r : plan.ranges) {
    r.name = slice(32);
    r.file = std::string(kHostileDir) + "/" + slice(16);
  }
  return plan;
}

void run(const std::vector<snap::Snapshot>& snaps, std::string_view input, std::uint8_t byte) {
  std::vector<const snap::Block*> growing;
  std::optional<snap::DiffReport> diff;
  std::optional<snap::TrendReport> trend;
  if (snaps.size() >= 3) {
    trend = snap::make_trend(snaps, snap::Timeline{}, snap::TrendOptions{});
    growing = trend->growing_blocks();
  } else {
    diff = snap::make_report(snaps, snap::DiffOptions{});
    growing = diff->growing_blocks();
  }
  const snap::DumpOptions o = options_from(byte);
  const snap::DumpPlan plan = snap::plan_dumps(snaps, growing, o);
  check_plan(snaps, growing, o, plan);
  std::string script, ranges;
  snap::emit_gdb(script, plan, "snapdiff --gdb dump.gdb a b");
  check_script(script, plan);
  snap::emit_ranges(ranges, plan);
  check_ranges_text(ranges, plan);

  const snap::DumpPlan raw = hostile(plan, input);
  std::string raw_script;
  snap::emit_gdb(raw_script, raw, input.substr(0, 80));
  check_script(raw_script, raw);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size - 1);
  std::vector<std::string_view> parts;
  for (std::size_t from = 0; parts.size() < kMaxSnapshots;) {
    const std::size_t ff = input.find('\f', from);
    parts.push_back(input.substr(from, ff == std::string_view::npos ? std::string_view::npos : ff - from));
    if (ff == std::string_view::npos) break;
    from = ff + 1;
  }
  if (parts.size() < 2) return 0;
  std::vector<snap::Snapshot> snaps;
  try {
    for (std::size_t i = 0; i < parts.size(); ++i) {
      snaps.push_back(snap::parse_snapshot(parts[i], fmt::format("snap.{:02}", i + 1)));
      snap::fuzz::check_snapshot(snaps.back());
    }
    // A newline (how a capture ends) gives the default options.
    run(snaps, input, static_cast<std::uint8_t>(data[size - 1] ^ '\n'));
  } catch (const snap::ParseError& e) {
    // A parse error, or a snapshot without ranges refused by the diff.
    SNAP_FUZZ_CHECK(std::string_view(e.what()).starts_with("snap."));
  }
  return 0;
}
