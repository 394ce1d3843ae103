// The light reader (maps + pagemap): exact page counts from a pagemap the
// test writes (a regular file has no PAGEMAP_SCAN: the reader falls back
// to reading entries), a kernel without pagemap, a mapping that changes
// during the read, a process gone; and on this process itself, against
// what smaps says of the same mappings.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "snap/live/light_reader.h"
#include "snap/live/proc_error.h"
#include "snap/live/smaps_reader.h"
#include "snap/parse.h"
#include "support/files.h"

namespace fs = std::filesystem;
using snap::Field;

namespace {

constexpr std::int64_t kPid = 4242;
constexpr std::uint64_t KiB = 1024;

struct FakeRoot : snap::test::TempDir {
  FakeRoot() : snap::test::TempDir("snap_light_test") { fs::create_directories(dir()); }
  fs::path dir() const { return path / std::to_string(kPid); }
  std::string root() const { return path.string(); }
};

/// A pagemap file: `entries` at the page numbers given.
void write_pagemap(const fs::path& p, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& entries) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  for (auto [page, entry] : entries)
    REQUIRE(::pwrite(fd, &entry, sizeof entry, static_cast<off_t>(page * sizeof entry)) == sizeof entry);
  ::close(fd);
}

constexpr std::uint64_t kPresent = 1ull << 63, kSwapped = 1ull << 62, kFile = 1ull << 61, kExclusive = 1ull << 56;

const std::string kMaps =
    "00010000-00018000 rw-p 00000000 00:00 0 \n"                                // pages 0x10-0x17
    "00020000-00022000 r-xp 00001000 fe:00 1234                     /usr/lib/libz.so.1\n"  // 0x20-0x21
    "00030000-00031000 ---p 00000000 00:00 0 \n";                               // 0x30

std::optional<snap::Region> at(const snap::Snapshot& s, std::uint64_t start) {
  for (std::size_t i = 0; i < s.regions.size(); ++i)
    if (s.regions[i].start == start) return s.regions[i];
  return std::nullopt;
}

}  // namespace

TEST_CASE("read_light: counts from pagemap entries, written smaps-shaped with only what is known") {
  FakeRoot r;
  snap::test::spit(r.dir() / "maps", kMaps);
  write_pagemap(r.dir() / "pagemap", {
                                         {0x10, kPresent | kExclusive},          // anonymous, private
                                         {0x11, kPresent | kExclusive},
                                         {0x12, kPresent | kFile},               // a file page (or shmem)
                                         {0x13, kSwapped},
                                         {0x14, 0},                              // never touched
                                         {0x20, kPresent | kFile | kExclusive},  // the library's text
                                     });
  const snap::LightRead read = snap::read_light(kPid, r.root());
  CHECK(read.method == snap::LightMethod::pagemap_read);  // a regular file: no PAGEMAP_SCAN
  CHECK(read.mappings == 3);
  CHECK(read.vanished == 0);
  CHECK(read.calls >= 3);
  CHECK(read.longest_hold <= read.read_seconds);
  CHECK(read.totals.get(Field::size) == (32 + 8 + 4) * KiB);
  CHECK(read.totals.get(Field::rss) == 16 * KiB);
  CHECK(read.totals.get(Field::anonymous) == 8 * KiB);
  CHECK(read.totals.get(Field::swap) == 4 * KiB);
  CHECK(!read.totals.known(Field::pss));

  // Every tool reads it as a snapshot: the maps lines kept, Pss unknown
  // (never 0).
  const snap::Snapshot s = snap::parse_snapshot(read.text, "light", snap::Format::smaps);
  REQUIRE(s.regions.size() == 3);
  const std::optional<snap::Region> anon = at(s, 0x10000);
  const std::optional<snap::Region> lib = at(s, 0x20000);
  REQUIRE(anon);
  REQUIRE(lib);
  CHECK(anon->counters.get(Field::rss) == 12 * KiB);
  CHECK(anon->counters.get(Field::anonymous) == 8 * KiB);
  CHECK(anon->counters.get(Field::swap) == 4 * KiB);
  CHECK(!anon->counters.known(Field::pss));
  CHECK(!anon->counters.known(Field::private_dirty));
  // Entries tell pages mapped by this process alone (bit 56): Private, the
  // rest of Rss Shared.
  CHECK(anon->counters.get(Field::private_total) == 8 * KiB);
  CHECK(anon->counters.get(Field::shared_total) == 4 * KiB);
  CHECK(lib->counters.get(Field::private_total) == 4 * KiB);
  CHECK(lib->counters.get(Field::shared_total) == 0u);
  CHECK(read.totals.get(Field::private_total) == 12 * KiB);
  CHECK(read.totals.get(Field::shared_total) == 4 * KiB);
  CHECK(lib->counters.get(Field::rss) == 4 * KiB);
  CHECK(lib->counters.get(Field::anonymous) == 0u);
  CHECK(s.totals.get(Field::rss) == read.totals.get(Field::rss));
  CHECK(read.text.find("/usr/lib/libz.so.1\nSize:") != std::string::npos);

  // Asked for PAGEMAP_SCAN by name, a file without it is an error that
  // says so, not a silent fallback.
  snap::LightOptions scan;
  scan.method = snap::LightMethod::pagemap_scan;
  try {
    (void)snap::read_light(kPid, r.root(), scan);
    FAIL("no error");
  } catch (const snap::ProcError& e) {
    CHECK(e.error() == ENOTTY);
    CHECK(std::string(e.what()).find("PAGEMAP_SCAN") != std::string::npos);
  }
}

TEST_CASE("read_light: maps listing a mapping twice in every read (torn by mmap during it) is a torn read") {
  FakeRoot r;
  snap::test::spit(r.dir() / "maps", kMaps + "00014000-00019000 rw-p 00000000 00:00 0 \n");
  write_pagemap(r.dir() / "pagemap", {{0x10, kPresent | kExclusive}});
  const snap::LightRead read = snap::read_light(kPid, r.root());
  CHECK(read.torn);
  CHECK(read.text.empty());
  CHECK(read.mappings == 4);
  CHECK(read.calls == 0);  // no page counted for a read that is not kept
}

TEST_CASE("read_light: a kernel without pagemap is ENOTTY (the collector reads smaps); no process is gone()") {
  FakeRoot r;
  snap::test::spit(r.dir() / "maps", kMaps);
  try {
    (void)snap::read_light(kPid, r.root());
    FAIL("no error");
  } catch (const snap::ProcError& e) {
    CHECK(e.error() == ENOTTY);
    CHECK(!e.gone());
    CHECK(std::string(e.what()).find("no pagemap") != std::string::npos);
  }
  try {
    (void)snap::read_light(kPid + 1, r.root());
    FAIL("no error");
  } catch (const snap::ProcError& e) {
    CHECK(e.gone());
  }
  // An empty maps: the process exited before the read.
  snap::test::spit(r.dir() / "maps", "");
  try {
    (void)snap::read_light(kPid, r.root());
    FAIL("no error");
  } catch (const snap::ProcError& e) {
    CHECK(e.gone());
  }
}

TEST_CASE("read_light: a mapping unmapped or replaced during the read is left out and counted; one grown is kept") {
  FakeRoot r;
  const fs::path maps = r.dir() / "maps";
  write_pagemap(r.dir() / "pagemap", {{0x10, kPresent}, {0x20, kPresent}, {0x30, kPresent}, {0x40, kPresent}});
  const std::string before =
      "00010000-00018000 rw-p 00000000 00:00 0 \n"                                // stays
      "00020000-00022000 r-xp 00001000 fe:00 1234                     /usr/lib/libz.so.1\n"  // unmapped
      "00030000-00031000 rw-p 00000000 00:00 0                        [heap]\n"    // grows (brk)
      "00040000-00041000 rw-p 00000000 00:00 0 \n";                               // replaced
  const std::string after =
      "00010000-00018000 rw-p 00000000 00:00 0 \n"
      "00030000-00032000 rw-p 00000000 00:00 0                        [heap]\n"
      "00040000-00041000 r--p 00000000 00:01 77                       /memfd:cache (deleted)\n";
  // maps is a FIFO: the reader gets `before`; before it sees the end, maps
  // is replaced by what the process looks like after the read.
  REQUIRE(::mkfifo(maps.c_str(), 0600) == 0);
  std::thread writer([&] {
    const int fd = ::open(maps.c_str(), O_WRONLY | O_CLOEXEC);  // blocks until the reader opens it
    if (fd < 0) return;
    (void)!::write(fd, before.data(), before.size());
    const fs::path next = r.dir() / "maps.new";
    snap::test::spit(next, after);
    fs::rename(next, maps);
    ::close(fd);
  });
  const snap::LightRead read = snap::read_light(kPid, r.root());
  writer.join();
  CHECK(read.mappings == 2);
  CHECK(read.vanished == 2);
  CHECK(read.totals.get(Field::rss) == 8 * KiB);
  const snap::Snapshot s = snap::parse_snapshot(read.text, "light", snap::Format::smaps);
  REQUIRE(s.regions.size() == 2);
  CHECK(s.regions[0].start == 0x10000);
  // The heap at the extent its pages were counted over.
  CHECK(s.regions[1].start == 0x30000);
  CHECK(s.regions[1].end == 0x31000);
  CHECK(s.regions[1].counters.get(Field::rss) == 4 * KiB);
}

namespace {

/// snap_grower with BALLAST_MIB of written 4 KiB pages and no leak, once it
/// says "ready"; killed and reaped at the end. A process of its own, not
/// this one: under ASan this test's address space holds terabytes of
/// shadow reservations, which reading pagemap's entries would walk.
class Grower {
 public:
  explicit Grower(int ballast_mib) {
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      const std::string mib = std::to_string(ballast_mib);
      ::execl(SNAP_GROWER_EXE, SNAP_GROWER_EXE, mib.c_str(), "0", "1000", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    std::string said;
    char buf[256];
    for (ssize_t n; said.find("ready\n") == std::string::npos && (n = ::read(out[0], buf, sizeof buf)) > 0;)
      said.append(buf, static_cast<std::size_t>(n));
    ::close(out[0]);
    REQUIRE(said.find("ready\n") != std::string::npos);
  }
  ~Grower() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Grower(const Grower&) = delete;
  Grower& operator=(const Grower&) = delete;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("read_light on a live process: per mapping Rss and Anonymous as smaps has them, by both methods") {
  // 24 MiB of written 4 KiB pages (no THP) in one mapping of its own.
  constexpr std::uint64_t kMiB = 1 << 20;
  Grower g(24);
  const snap::SmapsRead smaps = snap::read_smaps(g.pid());
  const snap::Snapshot full = snap::parse_snapshot(smaps.text, "smaps", snap::Format::smaps);
  // The ballast: the mapping with the most Rss (the kernel may have merged
  // it with a neighbouring anonymous mapping).
  std::optional<snap::Region> ballast;
  for (std::size_t i = 0; i < full.regions.size(); ++i)
    if (!ballast || full.regions[i].counters.value_or_zero(Field::rss) > ballast->counters.value_or_zero(Field::rss))
      ballast = full.regions[i];
  REQUIRE(ballast);
  const std::uint64_t rss = ballast->counters.value_or_zero(Field::rss);
  REQUIRE(rss >= 24 * kMiB);
  REQUIRE(rss < 26 * kMiB);
  for (snap::LightMethod method : {snap::LightMethod::automatic, snap::LightMethod::pagemap_read}) {
    CAPTURE(snap::light_method_name(method));
    snap::LightOptions o;
    o.method = method;
    const snap::LightRead read = snap::read_light(g.pid(), "/proc", o);
    CHECK(!read.cut);
    const snap::Snapshot light = snap::parse_snapshot(read.text, "light", snap::Format::smaps);
    const std::optional<snap::Region> b = at(light, ballast->start);
    REQUIRE(b);
    // The grower's mapper thread maps and unmaps one page in a loop, which
    // the kernel may merge into the ballast's mapping and split off again:
    // one page either way between the two reads.
    constexpr std::uint64_t kPage = 4096;
    const auto within_a_page = [](std::uint64_t a, std::uint64_t b) { return a + kPage >= b && b + kPage >= a; };
    CHECK(within_a_page(b->end, ballast->end));
    CHECK(within_a_page(b->counters.value_or_zero(Field::rss), rss));
    CHECK(within_a_page(b->counters.value_or_zero(Field::anonymous), ballast->counters.value_or_zero(Field::anonymous)));
    CHECK(b->counters.get(Field::swap) == 0u);
    // Every mapping's Rss as smaps says it, but for the one or two the
    // mapper thread's page comes and goes beside.
    std::size_t same = 0;
    for (std::size_t i = 0; i < full.regions.size(); ++i) {
      const std::optional<snap::Region> l = at(light, full.regions[i].start);
      if (l && l->end == full.regions[i].end &&
          l->counters.get(Field::rss) == full.regions[i].counters.get(Field::rss))
        ++same;
    }
    CHECK(same + 3 >= full.regions.size());
    if (read.method == snap::LightMethod::pagemap_read) {
      // Private and Shared from the exclusively-mapped bit, as smaps splits
      // them (clean and dirty together): the ballast is the grower's alone;
      // a library's text is shared with every other process mapping it.
      const auto priv = [](const snap::Region& r) {
        return r.counters.value_or_zero(Field::private_clean) + r.counters.value_or_zero(Field::private_dirty);
      };
      REQUIRE(b->counters.known(Field::private_total));
      REQUIRE(b->counters.known(Field::shared_total));
      CHECK(within_a_page(b->counters.value_or_zero(Field::private_total), priv(*ballast)));
      CHECK(b->counters.value_or_zero(Field::private_total) + b->counters.value_or_zero(Field::shared_total) ==
            b->counters.get(Field::rss));
      std::size_t same_private = 0, shared_somewhere = 0;
      for (std::size_t i = 0; i < full.regions.size(); ++i) {
        const std::optional<snap::Region> l = at(light, full.regions[i].start);
        if (l && l->end == full.regions[i].end && l->counters.get(Field::private_total) == priv(full.regions[i]))
          ++same_private;
        if (l && l->counters.value_or_zero(Field::shared_total) > 0) ++shared_somewhere;
      }
      CHECK(same_private + 3 >= full.regions.size());
      CHECK(shared_somewhere > 0);  // libc's text, at least
      CHECK(read.totals.value_or_zero(Field::private_total) + read.totals.value_or_zero(Field::shared_total) ==
            read.totals.get(Field::rss));
    } else {
      CHECK(!b->counters.known(Field::private_total));
      CHECK(!read.totals.known(Field::shared_total));
    }
    // Each call held the lock for far less than the whole read.
    CHECK(read.calls > 1);
    CHECK(read.longest_hold < read.read_seconds);
  }
}

TEST_CASE("read_light: a process that has exited is gone(), not an error of the kernel's") {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  try {
    (void)snap::read_light(child);
    FAIL("no error");
  } catch (const snap::ProcError& e) {
    CHECK(e.gone());
  }
}

TEST_CASE("read_light: the process exiting during the read (maps gone after) is a cut read, not a snapshot") {
  FakeRoot r;
  const fs::path maps = r.dir() / "maps";
  write_pagemap(r.dir() / "pagemap", {{0x10, kPresent}});
  REQUIRE(::mkfifo(maps.c_str(), 0600) == 0);
  std::thread writer([&] {
    const int fd = ::open(maps.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    (void)!::write(fd, kMaps.data(), kMaps.size());
    fs::remove(maps);  // /proc/PID is gone once the process is reaped
    ::close(fd);
  });
  const snap::LightRead read = snap::read_light(kPid, r.root());
  writer.join();
  CHECK(read.cut);
  CHECK(read.mappings == 3);  // what maps listed
  CHECK(read.text.empty());
}
