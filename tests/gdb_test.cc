// End to end with a real gdb on a real leaking process: snapshots of
// fixtures/leaker.c taken with the library, the gdb file it writes, and
// `gdb -p PID -batch -x FILE` run on it. Exits 77 (CTest: skipped) where gdb
// is missing or ptrace is not permitted.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "snap/dump.h"
#include "snap/emit/gdb.h"
#include "snap/parse.h"
#include "snap/report.h"
#include "files.h"
#include "leaking_child.h"
#include "process.h"

namespace fs = std::filesystem;
using snap::test::slurp;
using snap::test::TempDir;

namespace {

constexpr std::uint64_t kBlockSize = (1u << 20) + 4096;  // as leaker.c mallocs them
constexpr unsigned char kPattern = 0xA5;                 // as leaker.c fills them
constexpr auto kTimeout = std::chrono::seconds(60);

/// The leaker (leaking_child.h: stdin and stdout on pipes, killed and
/// reaped on destruction and by stop(), whatever state it is in).
struct Leaker : snap::test::LeakingChild {
  Leaker() : LeakingChild({SNAP_LEAKER_EXE}) {}
};

using Run = snap::test::Exit;

/// Runs `argv` with stdout and stderr into `log`, killed after kTimeout.
Run run(const std::vector<std::string>& argv, const fs::path& log) {
  return snap::test::run_program(argv, log, kTimeout);
}

/// Ends the whole test binary as "skipped" (77): gdb cannot work here, and a
/// pass would claim what was not shown. std::exit runs no destructors, so
/// the child and the scratch directory go here.
[[noreturn]] void skip(Leaker& child, const std::string& why, const fs::path& scratch = {}) {
  child.stop();
  if (!scratch.empty()) fs::remove_all(scratch);
  MESSAGE("SKIPPED: " << why);
  std::fprintf(stderr, "gdb_test: skipped: %s\n", why.c_str());
  std::fflush(nullptr);
  std::exit(77);
}

void skip_unless_gdb_can_attach(Leaker& child) {
  if (std::ifstream scope("/proc/sys/kernel/yama/ptrace_scope"); scope) {
    int level = 0;
    if (scope >> level && level == 3)
      skip(child, "kernel.yama.ptrace_scope is 3: no process may ptrace another");
  }
  if (std::system("gdb --version >/dev/null 2>&1") != 0) skip(child, "gdb is not installed");
}

/// Writes the gdb file for `plan` into `tmp` and runs it as its header says,
/// `gdb -p PID -batch -x FILE`; -nx and no debuginfod so that no user
/// setting or network changes what runs.
Run run_gdb(Leaker& child, const snap::DumpPlan& plan, const TempDir& tmp) {
  std::string text;
  snap::emit_gdb(text, plan, "gdb_test \\");
  const fs::path file = tmp.path / "dump.gdb";
  std::ofstream(file, std::ios::binary) << text;
  Run r = run({"gdb", "-nx", "-iex", "set debuginfod enabled off", "-p", std::to_string(child.pid()),
               "-batch", "-x", file.string()},
              tmp.path / "gdb.log");
  if (r.output.find("ptrace: Operation not permitted") != std::string::npos)
    skip(child, "ptrace is not permitted here (gdb says: ptrace: Operation not permitted)", tmp.path);
  return r;
}

/// A fresh leaker that has leaked `blocks` blocks between two snapshots.
struct Scenario {
  Leaker child;
  std::vector<snap::Snapshot> snaps;
  snap::DiffReport report;

  explicit Scenario(int blocks) {
    skip_unless_gdb_can_attach(child);
    REQUIRE(child.line() == fmt::format("pid {}", child.pid()));
    REQUIRE(child.line() == "ready");
    snaps.push_back(snapshot());
    REQUIRE(child.ask(fmt::format("leak {}", blocks)) == "ok");
    snaps.push_back(snapshot());
    // Half a block: the leaks, not a stack page or a library page the
    // process touched for the first time between the snapshots.
    snap::DiffOptions o;
    o.min_growth = kBlockSize / 2;
    report = snap::make_report(snaps, o);
  }

  snap::Snapshot snapshot() const { return snap::read_snapshot(fmt::format("/proc/{}/smaps", child.pid())); }

  snap::DumpPlan plan(const fs::path& dir) const {
    snap::DumpOptions o;
    o.dir = dir.string();
    o.pid = child.pid();
    return snap::plan_dumps(snaps, report.row_blocks(), o);
  }
};

/// The dump `r` exists, has the range's size, and is the leaked pattern but
/// for glibc's 16-byte chunk header and the page's slack after the block.
void check_dump(const snap::DumpRange& r) {
  CAPTURE(r.file);
  REQUIRE(fs::exists(r.file));
  std::string bytes = slurp(r.file);
  CHECK(bytes.size() == r.end - r.start);
  const auto pattern =
      static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), static_cast<char>(kPattern)));
  CAPTURE(pattern);
  CHECK(pattern >= bytes.size() * 99 / 100);
}

}  // namespace

TEST_CASE("leaker: gdb dumps the three blocks leaked between two snapshots, each full of 0xA5") {
  Scenario s(3);
  REQUIRE(s.report.rows.size() == 3);
  TempDir tmp;
  // A directory that does not exist yet: the gdb file makes it.
  snap::DumpPlan plan = s.plan(tmp.path / "dumps");
  REQUIRE(plan.ranges.size() == 3);
  std::uint64_t total = 0;
  for (const snap::DumpRange& r : plan.ranges) {
    CHECK(r.end - r.start >= kBlockSize);
    CHECK(r.end - r.start < 2 * kBlockSize);
    CHECK(fs::path(r.file).filename().string().starts_with(fmt::format("snap-{}-", s.child.pid())));
    total += r.end - r.start;
  }

  Run gdb = run_gdb(s.child, plan, tmp);
  CAPTURE(gdb.output);
  CHECK(gdb.status == 0);
  CHECK(gdb.output.find(fmt::format("snap: dumped 3 of 3 ranges ({} bytes)\n", total)) != std::string::npos);
  for (const snap::DumpRange& r : plan.ranges) {
    CHECK(gdb.output.find(fmt::format("snap: ok 0x{:x}-0x{:x} {} bytes ", r.start, r.end, r.end - r.start)) !=
          std::string::npos);
    check_dump(r);
  }
  // gdb detached and the process runs on.
  CHECK(s.child.ask("leak 0") == "ok");
}

TEST_CASE(
    "leaker: a block freed after the snapshot fails alone; gdb dumps the others and says which failed") {
  Scenario s(3);
  REQUIRE(s.report.rows.size() == 3);
  TempDir tmp;
  snap::DumpPlan plan = s.plan(tmp.path);
  REQUIRE(plan.ranges.size() == 3);

  // glibc returns a freed mmapped block to the kernel at once (a sanitizer's
  // allocator linked into the leaker would keep it: then none is gone).
  REQUIRE(s.child.ask("free 2") == "ok");
  const snap::Snapshot after = s.snapshot();
  std::vector<const snap::DumpRange*> gone;
  for (const snap::DumpRange& r : plan.ranges) {
    bool mapped = std::any_of(after.regions.begin(), after.regions.end(),
                              [&](const snap::Region& g) { return g.start <= r.start && r.end <= g.end; });
    if (!mapped) gone.push_back(&r);
  }
  REQUIRE(gone.size() == 1);

  Run gdb = run_gdb(s.child, plan, tmp);
  CAPTURE(gdb.output);
  CHECK(gdb.status == 0);
  std::uint64_t total = 0;
  for (const snap::DumpRange& r : plan.ranges) {
    if (&r == gone[0]) {
      CHECK(gdb.output.find(fmt::format("snap: failed 0x{:x}-0x{:x} ", r.start, r.end)) != std::string::npos);
      CHECK(gdb.output.find(fmt::format("Cannot access memory at address 0x{:x}", r.start)) !=
            std::string::npos);
      CHECK(!fs::exists(r.file));
      continue;
    }
    check_dump(r);
    total += r.end - r.start;
  }
  CHECK(gdb.output.find(fmt::format("snap: dumped 2 of 3 ranges ({} bytes)\n", total)) != std::string::npos);
  CHECK(s.child.ask("leak 0") == "ok");
}

TEST_CASE("leaker: hostile mapping names and a hostile dump directory reach gdb only as data") {
  Scenario s(2);
  REQUIRE(s.report.rows.size() == 2);
  TempDir tmp;
  const fs::path marker = tmp.path / "pwned";
  // What a file could be named to break out of a comment, a Python string or
  // the python block, or to continue a line into the next (trailing '\').
  const std::vector<std::string> names{
      fmt::format("/x\"\nshell touch {0}\nend\npython\nimport os; os.system('touch {0}')\n'''\\",
                  marker.string()),
      fmt::format("/y'''\r\nend\r\n# \\\nshell touch {}\n\xff\xfe", marker.string()),
  };
  std::size_t renamed = 0;
  std::vector<snap::Region> rows = s.snaps[1].regions.to_vector();
  for (snap::Region& g : rows)
    for (const snap::Block* b : s.report.row_blocks())
      if (g.start >= b->start && g.end <= b->end && renamed < names.size()) g.name = names[renamed++];
  s.snaps[1].regions = snap::RegionStore(rows);
  REQUIRE(renamed == 2);

  snap::DumpPlan plan = s.plan(tmp.path / "d'u\"m p#\\\nend\nshell touch x\n\xe9");
  REQUIRE(plan.ranges.size() == 2);
  CHECK((plan.ranges[0].name == names[0] || plan.ranges[0].name == names[1]));
  Run gdb = run_gdb(s.child, plan, tmp);
  CAPTURE(gdb.output);
  CHECK(gdb.status == 0);
  CHECK(!fs::exists(marker));
  CHECK(gdb.output.find("snap: dumped 2 of 2 ranges") != std::string::npos);
  for (const snap::DumpRange& r : plan.ranges) check_dump(r);
}

namespace {

/// The permission bits of `p` (not following a symlink).
unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

/// The umask for the scope of a test: gdb inherits it.
struct Umask {
  mode_t old;
  explicit Umask(mode_t m) : old(::umask(m)) {}
  ~Umask() { ::umask(old); }
};

/// Another user: nobody, who owns the planted symlink or directory. Only
/// root can give a file away; elsewhere the whole binary is skipped.
uid_t other_user(Leaker& child) {
  if (::geteuid() != 0) skip(child, "giving a file to another user (nobody) needs root");
  const passwd* pw = ::getpwnam("nobody");
  if (pw == nullptr) skip(child, "there is no user nobody");
  return pw->pw_uid;
}

/// Every file under `dir`, as paths relative to it.
std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("leaker: the dumps are the user's alone: directories made 0700, files 0600, the umask only takes away") {
  Scenario s(2);
  REQUIRE(s.report.rows.size() == 2);
  TempDir tmp;
  struct Case {
    mode_t umask;
    unsigned dir, file;
  };
  // umask 0 would have given 0777/0666; 0277 takes the write bits too,
  // which only root can write through (its directories are 0500).
  for (const Case c : {Case{0, 0700, 0600}, Case{022, 0700, 0600}, Case{0277, 0500, 0400}}) {
    if (c.dir == 0500 && ::geteuid() != 0) continue;
    CAPTURE(c.umask);
    const fs::path top = tmp.path / fmt::format("umask{:o}", c.umask);
    snap::DumpPlan plan = s.plan(top / "nested" / "dumps");
    REQUIRE(plan.ranges.size() == 2);
    Run gdb;
    {
      Umask mask(c.umask);
      gdb = run_gdb(s.child, plan, tmp);
    }
    CAPTURE(gdb.output);
    CHECK(gdb.status == 0);
    CHECK(gdb.output.find("snap: dumped 2 of 2 ranges") != std::string::npos);
    CHECK(mode_of(top) == c.dir);
    CHECK(mode_of(top / "nested") == c.dir);
    CHECK(mode_of(top / "nested" / "dumps") == c.dir);
    for (const snap::DumpRange& r : plan.ranges) {
      CHECK(mode_of(r.file) == c.file);
      check_dump(r);
    }
    fs::remove(tmp.path / "dump.gdb");
  }
}

TEST_CASE("leaker: a dump directory reached through another user's symlink in a sticky directory is refused") {
  Scenario s(2);
  REQUIRE(s.report.rows.size() == 2);
  const uid_t nobody = other_user(s.child);
  TempDir tmp;
  // /tmp in small: a sticky directory anyone may write in, and a symlink
  // another user planted there, pointing at a directory root can write.
  const fs::path shared = tmp.path / "shared";
  const fs::path elsewhere = tmp.path / "elsewhere";
  fs::create_directory(shared);
  fs::create_directory(elsewhere);
  REQUIRE(::chmod(shared.c_str(), 01777) == 0);
  const fs::path link = shared / "snapdumps";
  fs::create_directory_symlink(elsewhere, link);
  REQUIRE(::lchown(link.c_str(), nobody, nobody) == 0);

  // The link as the dump directory, and as a parent of one.
  for (const fs::path& dir : {link, link / "more"}) {
    CAPTURE(dir);
    snap::DumpPlan plan = s.plan(dir);
    REQUIRE(plan.ranges.size() == 2);
    Run gdb = run_gdb(s.child, plan, tmp);
    CAPTURE(gdb.output);
    CHECK(gdb.status == 0);
    CHECK(gdb.output.find(fmt::format("snap: refusing the dump directory {}: it goes through the symlink "
                                      "snapdumps owned by uid {} in the sticky directory {}, where anyone",
                                      dir.string(), nobody, shared.string())) != std::string::npos);
    CHECK(gdb.output.find("snap: dumped 0 of 2 ranges (0 bytes)") != std::string::npos);
    for (const snap::DumpRange& r : plan.ranges) {
      CHECK(gdb.output.find(fmt::format("snap: failed 0x{:x}-0x{:x} ", r.start, r.end)) != std::string::npos);
      CHECK(!fs::exists(r.file));
    }
    CHECK(files_under(elsewhere).empty());
    fs::remove(tmp.path / "dump.gdb");
  }

  // The same symlink as the user's own is followed: the refusal is about
  // who planted it.
  REQUIRE(::lchown(link.c_str(), ::geteuid(), ::getegid()) == 0);
  snap::DumpPlan plan = s.plan(link);
  Run gdb = run_gdb(s.child, plan, tmp);
  CAPTURE(gdb.output);
  CHECK(gdb.output.find("snap: dumped 2 of 2 ranges") != std::string::npos);
  for (const snap::DumpRange& r : plan.ranges) check_dump(r);
  CHECK(files_under(elsewhere).size() == 2);
}

TEST_CASE("leaker: a dump directory that belongs to another user is refused, and nothing is written in it") {
  Scenario s(1);
  REQUIRE(s.report.rows.size() == 1);
  const uid_t nobody = other_user(s.child);
  TempDir tmp;
  const fs::path theirs = tmp.path / "theirs";
  fs::create_directory(theirs);
  REQUIRE(::chown(theirs.c_str(), nobody, nobody) == 0);
  REQUIRE(::chmod(theirs.c_str(), 0777) == 0);
  for (const fs::path& dir : {theirs, theirs / "sub"}) {
    CAPTURE(dir);
    snap::DumpPlan plan = s.plan(dir);
    REQUIRE(plan.ranges.size() == 1);
    Run gdb = run_gdb(s.child, plan, tmp);
    CAPTURE(gdb.output);
    CHECK(gdb.status == 0);
    CHECK(gdb.output.find(fmt::format("snap: refusing the dump directory {}: {} belongs to uid {}, not to uid 0",
                                      dir.string(), theirs.string(), nobody)) != std::string::npos);
    CHECK(gdb.output.find("snap: dumped 0 of 1 ranges (0 bytes)") != std::string::npos);
    CHECK(!fs::exists(plan.ranges[0].file));
    fs::remove(tmp.path / "dump.gdb");
  }
  CHECK(files_under(theirs).empty());
}
