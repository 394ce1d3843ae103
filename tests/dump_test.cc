// Which ranges to hand to gdb, and the gdb file that dumps them: on the real
// captures, on made-up snapshots for one rule each, and with hostile names
// run through python3 against a fake gdb module.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "snap/dump.h"
#include "snap/emit/gdb.h"
#include "snap/parse.h"
#include "snap/report.h"
#include "files.h"
#include "testdata.h"

namespace fs = std::filesystem;

using snap::test::slurp;
using snap::test::TempDir;

namespace {

using snap::DumpMode;
using snap::DumpOptions;
using snap::DumpPlan;

constexpr std::uint64_t MiB = 1024 * 1024;

/// The plan's ranges as "start-end" words, which doctest prints when a check fails.
std::string ranges(const DumpPlan& p) {
  std::string out;
  for (const snap::DumpRange& r : p.ranges)
    out += fmt::format("{}{:x}-{:x}", out.empty() ? "" : " ", r.start, r.end);
  return out;
}

std::vector<const snap::Block*> all_blocks(const snap::Comparison& c) {
  std::vector<const snap::Block*> out;
  for (const snap::Block& b : c.blocks) out.push_back(&b);
  return out;
}

/// The real c-malloc-leak pair and its report; the report points into `snaps`.
struct Leak {
  std::vector<snap::Snapshot> snaps;
  snap::DiffReport report;
  explicit Leak(const std::string& format)
      : snaps{snap::test::load("c-malloc-leak/" + format + ".01"),
              snap::test::load("c-malloc-leak/" + format + ".08")},
        report(snap::make_report(snaps, {})) {}
  DumpPlan plan(DumpOptions o = {}) const { return snap::plan_dumps(snaps, report.row_blocks(), o); }
};

snap::Snapshot smaps(const std::string& text) {
  return snap::parse_snapshot(text, "mem", snap::Format::smaps);
}

std::string region(const char* range, const char* perms, unsigned rss_kib, const char* name = "") {
  return fmt::format("{} {} 00000000 00:00 0 {}\nRss: {} kB\n", range, perms, name, rss_kib);
}

// Every range must lie inside one readable mapping of `newest`.
void check_inside_readable(const DumpPlan& p, const snap::Snapshot& newest) {
  for (const snap::DumpRange& r : p.ranges) {
    CAPTURE(r.start);
    std::optional<snap::Region> home;
    for (const snap::Region& g : newest.regions)
      if (g.start <= r.start && r.end <= g.end) home = g;
    REQUIRE(home.has_value());
    CHECK(home->perms.read);
    CHECK(home->name != "[vvar]");
    CHECK(home->name != "[vvar_vclock]");
    CHECK(home->name != "[vsyscall]");
  }
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool printable_ascii(const std::string& s) {
  for (unsigned char ch : s)
    if (ch < 0x20 || ch >= 0x7f) return false;
  return true;
}

bool have_python() {
  return std::system("python3 -c 'pass' >/dev/null 2>&1") == 0;
}

/// Runs python3 on `script` in `dir`; stdout and stderr together.
std::string run_python(const fs::path& dir, const std::string& script, int& status) {
  std::ofstream(dir / "script.py", std::ios::binary) << script;
  std::string cmd = fmt::format("cd '{}' && python3 script.py >out.txt 2>&1", dir.string());
  int rc = std::system(cmd.c_str());
  status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return slurp(dir / "out.txt");
}

/// The body of the gdb file's `python` ... `end` block, as gdb would pass it
/// to Python: the lines after "python" up to the first line that reads "end".
std::string python_block(const std::string& gdb_file) {
  std::string body;
  bool inside = false;
  for (const std::string& l : lines(gdb_file)) {
    if (!inside) {
      inside = l == "python";
      continue;
    }
    if (trim(l) == "end") return body;
    body += l + "\n";
  }
  FAIL("no python ... end block");
  return body;
}

}  // namespace

TEST_CASE("c-malloc-leak smaps.01 -> smaps.08: grown mode dumps the addresses the heap and arenas gained") {
  Leak leak("smaps");
  REQUIRE(leak.report.rows.size() == 3);
  DumpOptions o;
  o.dir = "out";
  DumpPlan p = leak.plan(o);

  // brk moved the heap's end up from 55c69e1d1000; each arena's rw-p part ate
  // into its ---p reserve, readable now and not then.
  CHECK(ranges(p) == "55c69e1d1000-55c69ea91000 7fcd80061000-7fcd802a1000 7fcd78061000-7fcd78291000");
  CHECK(p.ranges[0].end - p.ranges[0].start == 8960 * snap::test::KiB);
  CHECK(p.ranges[1].end - p.ranges[1].start == 2304 * snap::test::KiB);
  CHECK(p.ranges[2].end - p.ranges[2].start == 2240 * snap::test::KiB);
  CHECK(p.ranges[0].category == snap::Category::heap);
  CHECK(p.ranges[0].name == "[heap]");
  CHECK(p.ranges[1].category == snap::Category::arena);
  CHECK(p.ranges[1].name.empty());
  // smaps does not name the process: no pid in the file names.
  CHECK(!p.pid);
  CHECK(p.ranges[0].file == "out/snap-55c69e1d1000-55c69ea91000-heap.bin");
  CHECK(p.ranges[1].file == "out/snap-7fcd80061000-7fcd802a1000-arena.bin");
  CHECK(p.ranges[2].file == "out/snap-7fcd78061000-7fcd78291000-arena.bin");
  for (const snap::DumpRange& r : p.ranges) CHECK(!r.truncated);
  CHECK(p.notes.empty());
  CHECK(p.sources == std::vector<std::string>{snap::test::path("c-malloc-leak/smaps.01"),
                                              snap::test::path("c-malloc-leak/smaps.08")});
  check_inside_readable(p, leak.snaps[1]);

  std::string listed;
  snap::emit_ranges(listed, p);
  CHECK(listed ==
        "0x55c69e1d1000 0x55c69ea91000\n0x7fcd80061000 0x7fcd802a1000\n0x7fcd78061000 0x7fcd78291000\n");
}

TEST_CASE(
    "c-malloc-leak smaps.01 -> smaps.08: whole mode dumps the whole rw-p parts, never the ---p reserves") {
  Leak leak("smaps");
  DumpOptions o;
  o.mode = DumpMode::whole;
  DumpPlan p = leak.plan(o);
  CHECK(ranges(p) == "55c69e02f000-55c69ea91000 7fcd80000000-7fcd802a1000 7fcd78000000-7fcd78291000");
  CHECK(p.ranges[0].file == "./snap-55c69e02f000-55c69ea91000-heap.bin");
  CHECK(p.notes.empty());
  check_inside_readable(p, leak.snaps[1]);
}

TEST_CASE("every block of every capture, whole mode: one range per readable mapping, nothing else") {
  for (const char* pair :
       {"c-malloc-leak/smaps", "jvm-inflater-leak/smaps", "jvm-inflater-leak/pmap-x", "idle-sleep/smaps"}) {
    CAPTURE(pair);
    std::vector<snap::Snapshot> snaps{snap::test::load(std::string(pair) + ".01"),
                                      snap::test::load(std::string(pair) + ".02")};
    snap::Comparison c = snap::compare(snaps);
    DumpOptions o;
    o.mode = DumpMode::whole;
    o.max_total = UINT64_MAX;
    DumpPlan p = snap::plan_dumps(snaps, all_blocks(c), o);
    std::size_t readable = 0, specials = 0;
    for (const snap::Region& r : snaps[1].regions) {
      bool special = r.name == "[vvar]" || r.name == "[vvar_vclock]" || r.name == "[vsyscall]";
      specials += special;
      readable += r.perms.read && !special;
    }
    CHECK(p.ranges.size() == readable);
    check_inside_readable(p, snaps[1]);
    if (std::string(pair).ends_with("smaps")) CHECK(specials >= 2);  // the rule was exercised
  }
}

TEST_CASE(
    "c-malloc-leak pmap-x.01 -> pmap-x.08: the pid from pmap's header names the files; options.pid wins") {
  Leak leak("pmap-x");
  DumpPlan p = leak.plan();
  REQUIRE(p.pid == 5094);
  REQUIRE(p.ranges.size() == 3);
  // pmap -x prints [heap] as "[ anon ]"; it is still the heap. Its arenas
  // were read a moment before smaps.08: both had grown by 2240K then, and
  // the tie ranks them by address.
  CHECK(ranges(p) == "55c69e1d1000-55c69ea91000 7fcd78061000-7fcd78291000 7fcd80061000-7fcd80291000");
  CHECK(p.ranges[0].file == "./snap-5094-55c69e1d1000-55c69ea91000-heap.bin");

  DumpOptions o;
  o.pid = 4242;
  o.dir = "/var/tmp/dumps/";
  DumpPlan q = leak.plan(o);
  CHECK(q.pid == 4242);
  CHECK(q.ranges[0].file == "/var/tmp/dumps/snap-4242-55c69e1d1000-55c69ea91000-heap.bin");
  CHECK(q.ranges[1].file == "/var/tmp/dumps/snap-4242-7fcd78061000-7fcd78291000-arena.bin");
}

TEST_CASE(
    "max_total: ranges in order until the budget is used, the one crossing it cut short, the rest said") {
  Leak leak("smaps");
  DumpOptions o;
  o.max_total = 10 * MiB;  // heap 8960K fits, worker1's 2304K is cut to 1280K, worker2's 2240K left out
  DumpPlan p = leak.plan(o);
  REQUIRE(p.ranges.size() == 2);
  CHECK(ranges(p) == "55c69e1d1000-55c69ea91000 7fcd80061000-7fcd801a1000");
  CHECK(!p.ranges[0].truncated);
  CHECK(p.ranges[1].truncated);
  CHECK(p.ranges[1].file == "./snap-7fcd80061000-7fcd801a1000-arena.bin");
  CHECK(p.notes ==
        std::vector<std::string>{
            "the dump budget of 10485760 bytes (10M) is used up: 7fcd80061000-7fcd802a1000 is cut to "
            "its first 1310720 bytes (1.2M), leaving out 1048576 bytes (1.0M); 1 more range is left "
            "out, 2293760 bytes (2.2M)."});

  // A budget that ends exactly at a range's end cuts nothing.
  o.max_total = 8960 * snap::test::KiB;
  DumpPlan q = leak.plan(o);
  CHECK(ranges(q) == "55c69e1d1000-55c69ea91000");
  CHECK(!q.ranges[0].truncated);
  CHECK(q.notes ==
        std::vector<std::string>{"the dump budget of 9175040 bytes (8.8M) is used up: 2 more ranges "
                                 "are left out, 4653056 bytes (4.4M)."});

  o.max_total = 0;
  DumpPlan none = leak.plan(o);
  CHECK(none.ranges.empty());
  CHECK(none.notes ==
        std::vector<std::string>{"the dump budget of 0 bytes (0B) is used up: 3 more ranges are left "
                                 "out, 13828096 bytes (13M)."});
}

TEST_CASE("growth inside unchanged bounds: the whole readable block, and a note saying so") {
  std::vector<snap::Snapshot> snaps{
      smaps(region("10000-30000", "rw-p", 16) + region("30000-40000", "---p", 0)),
      smaps(region("10000-30000", "rw-p", 96) + region("30000-40000", "---p", 0))};
  snap::Comparison c = snap::compare(snaps);
  REQUIRE(c.blocks.size() == 2);  // touching regions do not join
  DumpPlan p = snap::plan_dumps(snaps, all_blocks(c), {});
  CHECK(ranges(p) == "10000-30000");
  REQUIRE(p.notes.size() == 2);
  CHECK(p.notes[0] ==
        "anon block 10000-30000: grew inside the bounds it had in the oldest snapshot (pages touched, not "
        "mapped); dumping the whole readable block");
  CHECK(p.notes[1] == "guard block 30000-40000: no readable mapping in the newest snapshot");
}

TEST_CASE("grown mode splits a difference at mapping boundaries: one dump per mapping") {
  // A reserve that became two readable mappings next to each other (rw-p,
  // then r--p after an mprotect): the difference is one interval, the
  // dumps are two.
  std::vector<snap::Snapshot> snaps{
      smaps(region("10000-20000", "rw-p", 64) + region("20000-80000", "---p", 0)),
      smaps(region("10000-30000", "rw-p", 128) + region("30000-50000", "r--p", 128) +
            region("50000-80000", "---p", 0))};
  snap::Comparison c = snap::compare(snaps);
  REQUIRE(c.blocks.size() == 1);
  DumpPlan p = snap::plan_dumps(snaps, all_blocks(c), {});
  CHECK(ranges(p) == "20000-30000 30000-50000");
  CHECK(p.notes.empty());
}

TEST_CASE("a new block is dumped whole; a gone block is skipped with a note") {
  std::vector<snap::Snapshot> snaps{smaps(region("1000-3000", "rw-p", 8) + region("a000-c000", "rw-p", 8)),
                                    smaps(region("1000-3000", "rw-p", 8) + region("5000-9000", "rw-p", 16))};
  snap::Comparison c = snap::compare(snaps);
  REQUIRE(c.blocks.size() == 3);
  REQUIRE(c.blocks[2].status == snap::Status::gone);
  std::vector<const snap::Block*> blocks{&c.blocks[2], &c.blocks[1]};
  DumpPlan p = snap::plan_dumps(snaps, blocks, {});
  CHECK(ranges(p) == "5000-9000");
  CHECK(p.notes ==
        std::vector<std::string>{"anon block a000-c000: gone from the newest snapshot, nothing to dump"});
}

TEST_CASE("a trend of three: the oldest and newest snapshots decide, whatever the one between held") {
  // 10000-80000 reaches 60000 in the middle and falls back to 40000;
  // c0000-c4000 is new in the middle; e0000-e4000 is gone from the newest,
  // f0000-f2000 was there only in the middle.
  std::vector<snap::Snapshot> snaps{
      smaps(region("10000-20000", "rw-p", 64) + region("20000-80000", "---p", 0) +
            region("e0000-e4000", "rw-p", 16)),
      smaps(region("10000-60000", "rw-p", 320) + region("60000-80000", "---p", 0) +
            region("c0000-c2000", "rw-p", 8) + region("e0000-e4000", "rw-p", 16) +
            region("f0000-f2000", "rw-p", 8)),
      smaps(region("10000-40000", "rw-p", 192) + region("40000-80000", "---p", 0) +
            region("c0000-c4000", "rw-p", 16))};
  snap::Comparison c = snap::compare(snaps);
  REQUIRE(c.blocks.size() == 4);
  DumpPlan p = snap::plan_dumps(snaps, all_blocks(c), {});
  CHECK(ranges(p) == "20000-40000 c0000-c4000");
  CHECK(p.notes ==
        std::vector<std::string>{"anon block e0000-e4000: gone from the newest snapshot, nothing to dump",
                                 "anon block f0000-f2000: gone from the newest snapshot, nothing to dump"});
}

TEST_CASE("the gdb file: a commented header, then one python block holding every range") {
  Leak leak("smaps");
  DumpOptions o;
  o.pid = 5094;
  o.max_total = 10 * MiB;
  DumpPlan p = leak.plan(o);
  std::string out;
  snap::emit_gdb(out, p, "snapdiff --gdb dump.gdb c-malloc-leak/smaps.01 c-malloc-leak/smaps.08");
  auto ls = lines(out);
  REQUIRE(!ls.empty());
  CHECK(out.find("# Generated by: snapdiff --gdb dump.gdb c-malloc-leak/smaps.01 c-malloc-leak/smaps.08\n") !=
        std::string::npos);
  CHECK(out.find("#   " + snap::test::path("c-malloc-leak/smaps.01") + "\n") != std::string::npos);
  CHECK(out.find("#   " + snap::test::path("c-malloc-leak/smaps.08") + "\n") != std::string::npos);
  CHECK(out.find("# Process: pid 5094\n") != std::string::npos);
  CHECK(out.find("#   gdb -p 5094 -batch -x THIS_FILE\n") != std::string::npos);
  CHECK(out.find("#   " + p.notes[0] + "\n") != std::string::npos);
  CHECK(
      out.find(
          "#   55c69e1d1000-55c69ea91000 heap [heap] -> ./snap-5094-55c69e1d1000-55c69ea91000-heap.bin\n") !=
      std::string::npos);
  CHECK(out.find("(cut short by the size budget)") != std::string::npos);
  CHECK(out.find(
            "        (0x55c69e1d1000, 0x55c69ea91000, './snap-5094-55c69e1d1000-55c69ea91000-heap.bin', ") !=
        std::string::npos);

  // Comments, then "python", the block, and its "end" as the very last line.
  std::size_t py = 0;
  while (py < ls.size() && ls[py].starts_with("#")) ++py;
  REQUIRE(py < ls.size());
  CHECK(ls[py] == "python");
  CHECK(ls.back() == "end");
  for (std::size_t i = py + 1; i + 1 < ls.size(); ++i) CHECK(trim(ls[i]) != "end");
  // No python tuple for a range that was left out.
  CHECK(out.find("0x7fcd78061000") == std::string::npos);

  // Without a pid, the header says so and the user fills it in.
  DumpPlan q = Leak("smaps").plan();
  std::string anon;
  snap::emit_gdb(anon, q, "x");
  CHECK(anon.find("# Process: unknown (the snapshots do not name it)\n") != std::string::npos);
  CHECK(anon.find("#   gdb -p PID -batch -x THIS_FILE\n") != std::string::npos);
  CHECK(anon.find("    pid = None\n") != std::string::npos);
}

TEST_CASE("python_literal: one line of printable ASCII that python3 reads back as the same bytes") {
  std::vector<std::string> inputs{"",
                                  "plain name",
                                  "/usr/lib/x86_64-linux-gnu/libc.so.6",
                                  "it's",
                                  "say \"hi\"",
                                  "'''",
                                  "\"\"\"",
                                  "back\\slash",
                                  "trailing\\",
                                  "\\x41",
                                  "new\nline",
                                  "cr\r\n",
                                  std::string("nul\0mid", 7),
                                  "\x1b[31mred",
                                  "caf\xc3\xa9",
                                  "\xff\xfe invalid \x80",
                                  "# not a comment",
                                  "\nend\nshell touch /tmp/pwned\npython\n'''"};
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  inputs.push_back(every_byte);

  CHECK(snap::python_literal("it's") == "'it\\x27s'");
  CHECK(snap::python_literal("a\\b\n") == "'a\\x5cb\\x0a'");
  CHECK(snap::python_literal("caf\xc3\xa9") == "'caf\\xc3\\xa9'");
  std::string script = "import sys\nvalues = [\n";
  std::string expected;
  for (const std::string& in : inputs) {
    std::string lit = snap::python_literal(in);
    CAPTURE(lit);
    CHECK(printable_ascii(lit));
    CHECK(lit.front() == '\'');
    CHECK(lit.back() == '\'');
    script += "    " + lit + ",\n";
    for (unsigned char ch : in) expected += fmt::format("{:02x}", ch);
    expected += "\n";
  }
  script += "]\nfor v in values:\n    sys.stdout.write(v.encode('latin-1').hex() + '\\n')\n";

  if (!have_python()) {
    MESSAGE("python3 not found: the round trip through Python is not checked");
    return;
  }
  TempDir tmp;
  int status = 0;
  std::string got = run_python(tmp.path, script, status);
  CHECK(status == 0);
  CHECK(got == expected);
}

TEST_CASE("hostile mapping names: no gdb command gets in, and the python block runs past a failing range") {
  // Names as the kernel could report them for a file someone else named:
  // newlines that would end the python block and start a shell command, a
  // quote run that would end a Python string, a trailing backslash (gdb's
  // line continuation), a comment sign, bytes that are not UTF-8.
  const std::vector<std::string> names{
      "/tmp/x\"\nend\nshell touch /tmp/snap-pwned\npython\n'''",
      "/tmp/y'''\n\"\"\"\\",
      "/tmp/z# \r\nend\r\nshell rm -rf ~",
      "/tmp/w\xff\xfe\x80\\",
  };
  std::vector<snap::Snapshot> snaps{
      smaps(region("f0000000-f0001000", "rw-p", 4)),
      smaps(region("10000-20000", "rw-p", 64) + region("40000-50000", "rw-p", 64) +
            region("60000-1160000", "rw-p", 17408) + region("2000000-2010000", "rw-p", 64))};
  std::vector<snap::Region> renamed = snaps[1].regions.to_vector();
  for (std::size_t i = 0; i < names.size(); ++i) renamed[i].name = names[i];
  snaps[1].regions = snap::RegionStore(renamed);
  snap::Comparison c = snap::compare(snaps);
  REQUIRE(c.blocks.size() == 5);  // and one gone, for a note in the header

  TempDir tmp;
  // The directory is hostile too: the file names travel as literals.
  const std::string dir = (tmp.path / "d'u\"m p#\\\n\xe9").string();
  DumpOptions o;
  o.pid = 4242;
  o.dir = dir;
  DumpPlan p = snap::plan_dumps(snaps, all_blocks(c), o);
  REQUIRE(p.ranges.size() == 4);
  CHECK(p.ranges[0].name == names[0]);
  std::string out;
  snap::emit_gdb(out, p, "snapdiff --gdb x \"\nshell touch /tmp/snap-pwned\n\\");

  auto ls = lines(out);
  std::size_t ends = 0, pythons = 0;
  for (const std::string& l : ls) {
    CAPTURE(l);
    CHECK(!trim(l).starts_with("shell"));
    CHECK(!l.ends_with("\\"));
    CHECK(printable_ascii(l));
    ends += trim(l) == "end";
    pythons += trim(l) == "python";
  }
  CHECK(ends == 1);
  CHECK(pythons == 1);
  // The header shows the names, escaped.
  CHECK(out.find(
            "#   10000-20000 file /tmp/x\"\\x0aend\\x0ashell touch /tmp/snap-pwned\\x0apython\\x0a''' -> ") !=
        std::string::npos);
  CHECK(out.find("# Generated by: snapdiff --gdb x \"\\x0ashell touch /tmp/snap-pwned\\x0a\\x5c\n") !=
        std::string::npos);

  if (!have_python()) {
    MESSAGE("python3 not found: the python block is not run");
    return;
  }
  // A fake gdb module: memory is one byte per page, the page number's low
  // byte; the range at 0x40000 is unmapped; every read is logged.
  std::ofstream(tmp.path / "gdb.py") << R"(
class MemoryError(RuntimeError):
    pass
reads = []
class Inferior:
    pid = 4242
    def read_memory(self, addr, n):
        reads.append((addr, n))
        if 0x40000 <= addr < 0x50000:
            raise MemoryError('Cannot access memory at address 0x%x' % addr)
        assert addr % 4096 == 0 and n % 4096 == 0
        return b''.join(bytes([(page >> 12) & 0xff]) * 4096 for page in range(addr, addr + n, 4096))
def selected_inferior():
    return Inferior()
)";
  std::string script =
      python_block(out) + "import gdb\nfor a, n in gdb.reads:\n    print('read 0x%x %d' % (a, n))\n";
  int status = 0;
  std::string got = run_python(tmp.path, script, status);
  CAPTURE(got);
  CHECK(status == 0);
  CHECK(got.find("snap: failed 0x40000-0x50000 file /tmp/y'''\\x0a\"\"\"\\x5c -> ") != std::string::npos);
  CHECK(got.find(": Cannot access memory at address 0x40000\n") != std::string::npos);
  CHECK(got.find("snap: dumped 3 of 4 ranges (17956864 bytes)\n") != std::string::npos);
  CHECK(got.find("snap: ok 0x2000000-0x2010000 65536 bytes file /tmp/w\\xff\\xfe\\x80\\x5c -> ") !=
        std::string::npos);
  // 17 MiB read in chunks of at most 16 MiB.
  CHECK(got.find("read 0x60000 16777216\nread 0x1060000 1048576\n") != std::string::npos);
  CHECK(!fs::exists("/tmp/snap-pwned"));

  REQUIRE(fs::is_directory(dir));
  for (const snap::DumpRange& r : p.ranges) {
    CAPTURE(r.file);
    if (r.start == 0x40000) {
      CHECK(!fs::exists(r.file));  // a failed range leaves nothing behind
      continue;
    }
    REQUIRE(fs::exists(r.file));
    std::string bytes = slurp(r.file);
    REQUIRE(bytes.size() == r.end - r.start);
    std::size_t misplaced = 0;  // bytes not where the fake memory had them
    for (std::uint64_t off = 0; off < bytes.size(); ++off)
      misplaced += static_cast<unsigned char>(bytes[off]) != (((r.start + off) >> 12) & 0xff);
    CHECK(misplaced == 0);
  }
  CHECK(fs::path(p.ranges[0].file).filename() == "snap-4242-10000-20000-file.bin");
}

TEST_CASE("a thread leak: the plan lists the threads the newest snapshot added, the gdb file their backtraces") {
  Leak leak("smaps");
  // As a collection records them: two threads, then three more (one gone).
  leak.snaps.front().threads = {{100, "main", std::nullopt}, {101, "old", std::nullopt}};
  leak.snaps.back().threads = {{100, "main", std::nullopt},
                               {102, "worker-1", std::nullopt},
                               {103, "worker-\x1b[2J", std::nullopt},
                               {104, "worker-3", std::nullopt}};
  DumpPlan plan = leak.plan();
  REQUIRE(plan.new_threads.size() == 3);
  CHECK(plan.new_threads_total == 3);
  CHECK(plan.new_threads[0].tid == 102);
  CHECK(plan.new_threads[1].tid == 103);
  CHECK(plan.new_threads[2].tid == 104);
  std::string script;
  snap::emit_gdb(script, plan, "snapdiff --gdb F");
  CHECK(script.find("# Threads started since the first snapshot: 3; the backtraces of 3 follow the dumps:\n") !=
        std::string::npos);
  // The name escaped for the terminal (\x1b as four characters), then
  // made a Python literal (its backslash as \x5c): gdb prints it escaped.
  CHECK(script.find("        (103, 'worker-\\x5cx1b[2J'),\n") != std::string::npos);
  CHECK(script.ends_with("snap_dump()\nsnap_backtraces()\nend\n"));
  CHECK(script.find('\x1b') == std::string::npos);

  // Fewer threads than before (none leaked): no backtraces.
  leak.snaps.back().threads = {{100, "main", std::nullopt}};
  plan = leak.plan();
  CHECK(plan.new_threads.empty());
  script.clear();
  snap::emit_gdb(script, plan, "snapdiff --gdb F");
  CHECK(script.ends_with("snap_dump()\nend\n"));
  CHECK(script.find("snap_backtraces") == std::string::npos);

  // More than kMaxBacktraces new threads: the first 32 listed, all counted.
  leak.snaps.back().threads.clear();
  for (std::int64_t tid = 200; tid < 240; ++tid) leak.snaps.back().threads.push_back({tid, "w", std::nullopt});
  plan = leak.plan();
  CHECK(plan.new_threads.size() == snap::kMaxBacktraces);
  CHECK(plan.new_threads_total == 40);
}
