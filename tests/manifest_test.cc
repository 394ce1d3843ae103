// The manifest (snap.manifest/1), the output directory that never loses a
// file, and the /proc readers, against fake /proc trees built in a temporary
// directory and against this process's own /proc entries.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "snap/collect.h"
#include "snap/error.h"
#include "snap/manifest.h"
#include "snap/parse.h"
#include "files.h"
#include "testdata.h"

namespace fs = std::filesystem;

using snap::test::slurp;
using snap::test::TempDir;

namespace {

/// Writes `text` to `p`, creating its parent directories.
void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

/// The names in `dir`, sorted.
std::set<std::string> names(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

snap::Counters totals(std::uint64_t size, std::uint64_t rss, std::optional<std::uint64_t> pss,
                      std::optional<std::uint64_t> swap) {
  snap::Counters c;
  c.set(snap::Field::size, size);
  c.set(snap::Field::rss, rss);
  if (pss) c.set(snap::Field::pss, *pss);
  if (swap) c.set(snap::Field::swap, *swap);
  return c;
}

/// A manifest with every field set, in all its variants: threads with and
/// without a stack pointer, cgroup v2 unlimited, v1 limited, none; NMT
/// saved or not; a counter left unknown; sizes beyond 2^53.
snap::Manifest full_manifest() {
  snap::Manifest m;
  m.pid = 4242;
  m.command = "java -Xmx64m \"Leak\" caf\xc3\xa9 a\\b";
  m.boot_id = "6f1c3a7e-2b44-4d5a-9c1e-0123456789ab";
  m.start_wall = 1795566695.114;
  m.process_start = 1795566694.87;
  m.format = "pmap-x";
  m.max_map_count = 65530;

  snap::ManifestEntry a;
  a.file = "pmap-x.0001";
  a.wall = 1795566695.125;
  a.monotonic = 12345.678901;
  a.read_seconds = 0.0042;
  a.mappings = 210;
  a.totals = totals(2642184ull << 10, 126524ull << 10, 120000ull << 10, 0);
  a.threads = {{5599, "java", 0x7ffd1234abcdull}, {5600, "worker-1", std::nullopt}};
  a.cgroup = snap::CgroupMemory{2, "/a/b", 123456789, std::nullopt};
  a.nmt = "nmt.0001";

  snap::ManifestEntry b;
  b.file = "pmap-x.0002";
  b.wall = 1795566725.5;
  b.monotonic = 12376.0;
  b.read_seconds = 0.5;
  b.mappings = 211;
  b.totals = totals(0xFFFFFFFFFFFF0000ull, (1ull << 60) + 4096, std::nullopt, std::nullopt);
  b.threads = {{5599, "java", 0x7ffd1234a000ull},
               {5600, "worker-1", 0x7f47c0385e40ull},
               {5611, "worker-2", 0xffffffffffffff00ull}};
  b.cgroup = snap::CgroupMemory{1, "/process_api/x", 4096, 536870912};

  snap::ManifestEntry c;
  c.file = "pmap-x.0004";  // numbered past a stray file
  c.wall = 1795566755.0;
  c.monotonic = 12406.0;
  c.mappings = 1;
  c.totals = totals(4096, 0, 0, 0);

  m.snapshots = {a, b, c};
  m.end_reason = "count reached";
  m.end_wall = 1795566756.25;
  return m;
}

void check_equal(const snap::Manifest& got, const snap::Manifest& want) {
  CHECK(got.pid == want.pid);
  CHECK(got.command == want.command);
  CHECK(got.boot_id == want.boot_id);
  CHECK(got.start_wall == want.start_wall);
  CHECK(got.process_start == want.process_start);
  CHECK(got.format == want.format);
  CHECK(got.max_map_count == want.max_map_count);
  CHECK(got.end_reason == want.end_reason);
  CHECK(got.end_wall == want.end_wall);
  REQUIRE(got.snapshots.size() == want.snapshots.size());
  for (std::size_t i = 0; i < want.snapshots.size(); ++i) {
    CAPTURE(i);
    const auto &g = got.snapshots[i], &w = want.snapshots[i];
    CHECK(g.file == w.file);
    CHECK(g.wall == w.wall);
    CHECK(g.monotonic == w.monotonic);
    CHECK(g.read_seconds == w.read_seconds);
    CHECK(g.mappings == w.mappings);
    CHECK(g.totals == w.totals);
    CHECK(g.threads == w.threads);
    CHECK(g.cgroup == w.cgroup);
    CHECK(g.nmt == w.nmt);
  }
}

/// A manifest whose only snapshot entry is `entry` (JSON text).
std::string with_entry(const std::string& entry) {
  return R"({"schema": "snap.manifest/1", "pid": 7, "snapshots": [)" + entry + "]}";
}

void check_rejected(const std::string& text, const std::string& why) {
  CAPTURE(why);
  const std::string shown = text.size() > 300 ? text.substr(0, 300) + "..." : text;
  CAPTURE(shown);
  const std::string path = "hunt/manifest.json";
  try {
    snap::parse_manifest(text, path);
    FAIL_CHECK("accepted");
  } catch (const snap::ParseError& e) {
    CHECK(e.path() == path);
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  } catch (const std::exception& e) {
    FAIL_CHECK("threw " << std::string(typeid(e).name())
                        << " instead of snap::ParseError: " << std::string(e.what()));
  }
}

}  // namespace

TEST_CASE("manifest: every field survives manifest_json -> parse_manifest") {
  const snap::Manifest m = full_manifest();
  const std::string text = manifest_json(m);
  check_equal(snap::parse_manifest(text, "manifest.json"), m);

  // The documented shape: a schema, "0x..." stack pointers, null for an
  // unlimited cgroup and an unknown stack pointer.
  CHECK(text.find(R"("schema": "snap.manifest/1")") != std::string::npos);
  CHECK(text.find(R"("sp": "0x7ffd1234abcd")") != std::string::npos);
  CHECK(text.find(R"("sp": null)") != std::string::npos);
  CHECK(text.find(R"("max": null)") != std::string::npos);
  CHECK(text.find(R"("max": 536870912)") != std::string::npos);
  CHECK(text.find(R"("cgroup": null)") != std::string::npos);
  CHECK(text.find(R"("nmt": "nmt.0001")") != std::string::npos);
  CHECK(text.find(R"("reason": "count reached")") != std::string::npos);

  SUBCASE("a collection still running: end is null; max_map_count unknown") {
    snap::Manifest open = m;
    open.end_reason.clear();
    open.end_wall = 0;
    open.max_map_count.reset();
    open.process_start.reset();
    const std::string t = manifest_json(open);
    CHECK(t.find(R"("end": null)") != std::string::npos);
    CHECK(t.find(R"("process_start": null)") != std::string::npos);
    CHECK(t.find(R"("max_map_count": null)") != std::string::npos);
    check_equal(snap::parse_manifest(t, "manifest.json"), open);
  }
  SUBCASE("no snapshots yet") {
    snap::Manifest empty = m;
    empty.snapshots.clear();
    check_equal(snap::parse_manifest(manifest_json(empty), "manifest.json"), empty);
  }
}

TEST_CASE("manifest: one written before process_start was recorded reads as not knowing it") {
  const auto m = snap::parse_manifest(with_entry(R"({"file": "smaps.0001", "wall": 1795566695.1})"), "m.json");
  CHECK(!m.process_start);
  CHECK(m.snapshots.size() == 1);
  check_rejected(R"({"schema": "snap.manifest/1", "pid": 7, "process_start": "yesterday", "snapshots": []})",
                 "a start time that is not a number");
}

TEST_CASE("manifest: malformed JSON and a wrong schema are ParseErrors naming the file") {
  check_rejected("", "empty");
  check_rejected("{\"schema\": \"snap.manifest/1\", \"pid\": 7, \"snapshots\": [", "cut short");
  check_rejected("not json at all\n", "text");
  check_rejected("[1, 2, 3]", "an array");
  check_rejected(R"({"schema": "snap.trend/1", "pid": 7, "snapshots": []})", "another schema");
  check_rejected(R"({"pid": 7, "snapshots": []})", "no schema");
  check_rejected(R"({"schema": 1, "pid": 7, "snapshots": []})", "schema not a string");
  check_rejected(R"({"schema": "snap.manifest/1", "snapshots": []})", "no pid");
  check_rejected(R"({"schema": "snap.manifest/1", "pid": "7", "snapshots": []})", "pid a string");
  check_rejected(R"({"schema": "snap.manifest/1", "pid": 7})", "no snapshots");
  check_rejected(with_entry(R"({"wall": 1.5})"), "no file");
  check_rejected(with_entry(R"({"file": "smaps.0001"})"), "no wall");
  check_rejected(with_entry(R"({"file": "smaps.0001", "wall": "noon"})"), "wall a string");
  check_rejected(with_entry(R"({"file": "smaps.0001", "wall": 1, "threads": [{"name": "x"}]})"),
                 "a thread without tid");
  check_rejected(with_entry(R"({"file": "smaps.0001", "wall": 1, "totals": {"rss": "lots"}})"),
                 "a total not a number");
}

TEST_CASE("manifest: a malformed stack pointer is a ParseError, not another exception") {
  // Not std::invalid_argument or std::out_of_range from a number conversion:
  // snapdiff catches only ParseError around the manifest, and a tool must
  // name the file.
  check_rejected(with_entry(R"({"file": "smaps.0001", "wall": 1, "threads": [{"tid": 1, "sp": "0xzz"}]})"),
                 "sp not hexadecimal");
  check_rejected(with_entry(R"({"file": "smaps.0001", "wall": 1, "threads": [{"tid": 1, "sp": "0x"}]})"),
                 "sp empty");
  check_rejected(with_entry(R"({"file": "smaps.0001", "wall": 1, "threads": [{"tid": 1, "sp": 140737}]})"),
                 "sp a number, not a string");
  check_rejected(
      with_entry(
          R"({"file": "smaps.0001", "wall": 1, "threads": [{"tid": 1, "sp": "0x1ffffffffffffffff"}]})"),
      "sp beyond 64 bits");
}

TEST_CASE("manifest: a snapshot file name must stay inside the directory") {
  for (std::string name :
       {"../smaps.0001", "../../etc/passwd", "/etc/passwd", "sub/smaps.0001", "..", ".", "", "smaps.0001/"}) {
    CAPTURE(name);
    snap::Manifest m = full_manifest();
    m.snapshots[1].file = name;
    check_rejected(manifest_json(m), "file " + name);
  }
  // Dots inside a plain name are a plain name.
  snap::Manifest m = full_manifest();
  m.snapshots[0].file = "smaps..0001";
  CHECK(snap::parse_manifest(manifest_json(m), "manifest.json").snapshots[0].file == "smaps..0001");
}

TEST_CASE("manifest: the NMT file name must stay inside the directory too") {
  // "nmt" names a file saved beside the snapshot, like "file"; nothing reads
  // it yet, but a manifest must not point outside its directory.
  for (std::string name : {"../nmt.0001", "/etc/shadow", ".."}) {
    CAPTURE(name);
    snap::Manifest m = full_manifest();
    m.snapshots[0].nmt = name;
    check_rejected(manifest_json(m), "nmt " + name);
  }
}

TEST_CASE("read_manifest: none, valid, invalid") {
  TempDir d;
  CHECK(!snap::read_manifest(d.path.string()));
  put(d.path / "manifest.json", manifest_json(full_manifest()));
  auto m = snap::read_manifest(d.path.string());
  REQUIRE(m);
  check_equal(*m, full_manifest());
  put(d.path / "manifest.json", "{\"schema\": \"snap.manifest/1\"");
  try {
    snap::read_manifest(d.path.string());
    FAIL("accepted");
  } catch (const snap::ParseError& e) {
    CHECK(e.path() == (d.path / "manifest.json").string());
  }
}

TEST_CASE("OutputDir: a taken number is skipped, the file there kept byte for byte") {
  TempDir d;
  const fs::path out = d.path / "hunt";
  fs::create_directories(out);
  put(out / "smaps.0001", "stray: not ours\n");
  snap::OutputDir dir(out.string());
  std::uint32_t number = 1;
  CHECK(dir.write_numbered("smaps", number, "first snapshot\n") == "smaps.0002");
  CHECK(number == 3);
  CHECK(slurp(out / "smaps.0001") == "stray: not ours\n");
  CHECK(slurp(out / "smaps.0002") == "first snapshot\n");
  CHECK(dir.write_numbered("smaps", number, "second snapshot\n") == "smaps.0003");
  CHECK(number == 4);
  // Only the snapshots and the stray file: no temporary file left behind.
  CHECK(names(out) == std::set<std::string>{"smaps.0001", "smaps.0002", "smaps.0003"});
  CHECK((fs::status(out / "smaps.0002").permissions() & fs::perms::others_write) == fs::perms::none);
}

TEST_CASE("OutputDir: a symlink planted at the next name is not followed") {
  TempDir d;
  const fs::path out = d.path / "hunt", outside = d.path / "outside-file";
  fs::create_directories(out);
  put(outside, "outside: must not change\n");
  snap::OutputDir dir(out.string());
  std::uint32_t number = 1;
  CHECK(dir.write_numbered("smaps", number, "one\n") == "smaps.0001");
  CHECK(dir.write_numbered("smaps", number, "two\n") == "smaps.0002");
  fs::create_symlink(outside, out / "smaps.0003");
  fs::create_symlink(d.path / "nowhere", out / "smaps.0004");  // dangling: O_CREAT would make it
  CHECK(dir.write_numbered("smaps", number, "three\n") == "smaps.0005");
  CHECK(number == 6);
  CHECK(slurp(outside) == "outside: must not change\n");
  CHECK(!fs::exists(d.path / "nowhere"));
  CHECK(fs::is_symlink(out / "smaps.0003"));
  CHECK(fs::read_symlink(out / "smaps.0003") == outside);
  CHECK(fs::is_symlink(out / "smaps.0004"));
  CHECK(slurp(out / "smaps.0005") == "three\n");
  CHECK(names(out) ==
        std::set<std::string>{"smaps.0001", "smaps.0002", "smaps.0003", "smaps.0004", "smaps.0005"});
}

TEST_CASE("OutputDir: a taken temporary name does not stop the collection") {
  // The temporary names are predictable (".STEM.tmp.PID"): one left by a
  // killed run with the same pid (a container's snapcollect is often the
  // same pid every time), or planted by another user of the directory,
  // must neither be followed nor end the collection.
  TempDir d;
  const fs::path out = d.path / "hunt", outside = d.path / "outside-file";
  fs::create_directories(out);
  put(outside, "outside\n");
  const std::string pid = std::to_string(::getpid());
  put(out / (".smaps.tmp." + pid), "left by a killed run");
  fs::create_symlink(outside, out / (".manifest.json.tmp." + pid));
  snap::OutputDir dir(out.string());
  std::uint32_t number = 1;
  std::string name;
  CHECK_NOTHROW(name = dir.write_numbered("smaps", number, "snapshot\n"));
  CHECK(name == "smaps.0001");
  CHECK(slurp(out / "smaps.0001") == "snapshot\n");
  snap::Manifest m = full_manifest();
  CHECK_NOTHROW(dir.write_manifest(m));
  CHECK(slurp(outside) == "outside\n");
  if (fs::exists(out / "manifest.json"))
    check_equal(snap::parse_manifest(slurp(out / "manifest.json"), "m"), m);
}

TEST_CASE("OutputDir: refuses a directory holding a collection, and a symlinked directory") {
  TempDir d;
  SUBCASE("manifest.json there") {
    put(d.path / "old" / "manifest.json", "{}\n");
    try {
      snap::OutputDir dir((d.path / "old").string());
      FAIL("accepted a directory holding manifest.json");
    } catch (const snap::ProcError& e) {
      CHECK(e.error() == EEXIST);
      CHECK(std::string(e.what()).find("manifest.json") != std::string::npos);
    }
    CHECK(slurp(d.path / "old" / "manifest.json") == "{}\n");
    CHECK(names(d.path / "old") == std::set<std::string>{"manifest.json"});
  }
  SUBCASE("manifest.json a dangling symlink there") {
    fs::create_directories(d.path / "old");
    fs::create_symlink(d.path / "nowhere", d.path / "old" / "manifest.json");
    CHECK_THROWS_AS(snap::OutputDir((d.path / "old").string()), snap::ProcError);
  }
  SUBCASE("the directory is a symlink") {
    fs::create_directories(d.path / "real");
    fs::create_directory_symlink(d.path / "real", d.path / "link");
    CHECK_THROWS_AS(snap::OutputDir((d.path / "link").string()), snap::ProcError);
    CHECK(names(d.path / "real").empty());
  }
  SUBCASE("a new directory, parents created") {
    snap::OutputDir dir((d.path / "a" / "b" / "c").string());
    CHECK(fs::is_directory(d.path / "a" / "b" / "c"));
    CHECK(dir.path() == (d.path / "a" / "b" / "c").string());
  }
  SUBCASE("a file where the directory should be") {
    put(d.path / "file", "x");
    CHECK_THROWS_AS(snap::OutputDir((d.path / "file").string()), snap::ProcError);
    CHECK(slurp(d.path / "file") == "x");
  }
}

TEST_CASE("OutputDir: write_manifest replaces manifest.json atomically") {
  TempDir d;
  snap::OutputDir dir(d.path.string());
  snap::Manifest m = full_manifest();
  m.snapshots.resize(1);
  m.end_reason.clear();  // still collecting: "end" is null
  m.end_wall = 0;
  dir.write_manifest(m);
  const fs::path file = d.path / "manifest.json";
  const std::string first = slurp(file);
  check_equal(snap::parse_manifest(first, file.string()), m);

  // A reader that opened the old manifest keeps reading it whole: the new
  // one is a new file renamed over it, not the old one rewritten in place.
  int reader = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(reader >= 0);
  struct stat before {};
  REQUIRE(::fstat(reader, &before) == 0);

  m = full_manifest();
  dir.write_manifest(m);
  check_equal(snap::parse_manifest(slurp(file), file.string()), m);
  struct stat after {};
  REQUIRE(::stat(file.c_str(), &after) == 0);
  CHECK(after.st_ino != before.st_ino);
  std::string old(first.size() + 16, '\0');
  ssize_t n = ::pread(reader, old.data(), old.size(), 0);
  ::close(reader);
  REQUIRE(n >= 0);
  old.resize(static_cast<std::size_t>(n));
  CHECK(old == first);
  CHECK(names(d.path) == std::set<std::string>{"manifest.json"});
}

namespace {

/// A tmpfs of `size` mounted on `dir`, unmounted on destruction; ok() is
/// false where mounting is not permitted.
class SmallDisk {
 public:
  SmallDisk(const fs::path& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir);
    ok_ = ::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, ("size=" + size).c_str()) == 0;
    if (!ok_) why_ = std::strerror(errno);
  }
  ~SmallDisk() {
    if (ok_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }

 private:
  fs::path dir_;
  bool ok_ = false;
  std::string why_;
};

}  // namespace

TEST_CASE("OutputDir: a full disk leaves no partial file, earlier files intact") {
  TempDir d;
  const fs::path mnt = d.path / "small";
  SmallDisk disk(mnt, "64k");
  if (!disk.ok()) {
    MESSAGE("SKIPPED: cannot mount a 64 KiB tmpfs here (" << disk.why() << ")");
    return;
  }
  const std::string small(4096, 's'), large(256 * 1024, 'L');
  snap::Manifest m = full_manifest();
  m.snapshots.resize(1);
  std::set<std::string> before;
  std::string manifest_before;
  {
    snap::OutputDir dir((mnt / "hunt").string());
    std::uint32_t number = 1;
    CHECK(dir.write_numbered("smaps", number, small) == "smaps.0001");
    dir.write_manifest(m);
    before = names(mnt / "hunt");
    manifest_before = slurp(mnt / "hunt" / "manifest.json");

    try {
      dir.write_numbered("smaps", number, large);
      FAIL("a 256 KiB file fitted on a 64 KiB disk");
    } catch (const snap::ProcError& e) {
      CHECK(e.error() == ENOSPC);
      CHECK(std::string(e.what()).find("No space left on device") != std::string::npos);
    }
    CHECK(number == 2);  // the number was not used up
    CHECK(names(mnt / "hunt") == before);
    CHECK(slurp(mnt / "hunt" / "smaps.0001") == small);

    // The manifest too: a failed rewrite leaves the old one.
    snap::Manifest big = m;
    big.command.assign(256 * 1024, 'c');
    CHECK_THROWS_AS(dir.write_manifest(big), snap::ProcError);
    CHECK(names(mnt / "hunt") == before);
    CHECK(slurp(mnt / "hunt" / "manifest.json") == manifest_before);

    // Once there is room, numbering carries on where it was.
    CHECK(dir.write_numbered("smaps", number, small) == "smaps.0002");
  }
  CHECK(before == std::set<std::string>{"smaps.0001", "manifest.json"});
}

TEST_CASE("read_cgroup_memory: cgroup v2, memory.max \"max\" is unlimited") {
  TempDir d;
  const fs::path proc = d.path / "proc", cg = d.path / "cg2";
  put(proc / "42" / "cgroup", "0::/a/b\n");
  put(proc / "42" / "mountinfo",
      "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
      "30 22 0:26 / " +
          cg.string() + " rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n");
  put(cg / "a" / "b" / "memory.current", "123456789\n");
  put(cg / "a" / "b" / "memory.max", "max\n");
  auto got = snap::read_cgroup_memory(42, proc.string());
  REQUIRE(got);
  CHECK(*got == snap::CgroupMemory{2, "/a/b", 123456789, std::nullopt});

  put(cg / "a" / "b" / "memory.max", "1073741824\n");
  CHECK(snap::read_cgroup_memory(42, proc.string()) == snap::CgroupMemory{2, "/a/b", 123456789, 1073741824});

  SUBCASE("a namespaced mount: the path is relative to the mount's root") {
    put(proc / "43" / "cgroup", "0::/pod7/ctr\n");
    put(proc / "43" / "mountinfo", "30 22 0:26 /pod7 " + cg.string() + " rw,relatime - cgroup2 cgroup2 rw\n");
    put(cg / "ctr" / "memory.current", "4096\n");
    CHECK(snap::read_cgroup_memory(43, proc.string()) ==
          snap::CgroupMemory{2, "/pod7/ctr", 4096, std::nullopt});
  }
  SUBCASE("no memory.current (the controller is not enabled there): nothing") {
    fs::remove(cg / "a" / "b" / "memory.current");
    CHECK(!snap::read_cgroup_memory(42, proc.string()));
  }
  SUBCASE("no such process: nothing") {
    CHECK(!snap::read_cgroup_memory(99, proc.string()));
  }
}

TEST_CASE("read_cgroup_memory: cgroup v1, the huge \"no limit\" value is unlimited") {
  TempDir d;
  const fs::path proc = d.path / "proc", cg = d.path / "cgroup";
  // A hybrid host, as this one: v1 memory controller, an empty v2 "unified".
  put(proc / "42" / "cgroup", "9:name=systemd:/\n5:memory:/x\n4:cpu,cpuacct:/\n0::/\n");
  put(proc / "42" / "mountinfo",
      "31 23 0:28 / " + cg.string() + " rw,relatime - tmpfs tmpfs rw,mode=755\n" +  //
          "32 31 0:29 / " + (cg / "cpu,cpuacct").string() + " rw,relatime - cgroup cgroup rw,cpu,cpuacct\n" +
          "35 31 0:32 / " + (cg / "memory").string() + " rw,relatime - cgroup cgroup rw,memory\n" +
          "41 31 0:38 / " + (cg / "unified").string() + " rw,relatime - cgroup2 cgroup2 rw\n");
  put(cg / "memory" / "x" / "memory.usage_in_bytes", "4096000\n");
  put(cg / "memory" / "x" / "memory.limit_in_bytes", "9223372036854771712\n");
  CHECK(snap::read_cgroup_memory(42, proc.string()) == snap::CgroupMemory{1, "/x", 4096000, std::nullopt});

  put(cg / "memory" / "x" / "memory.limit_in_bytes", "536870912\n");
  CHECK(snap::read_cgroup_memory(42, proc.string()) == snap::CgroupMemory{1, "/x", 4096000, 536870912});

  SUBCASE("v1 unreadable, v2 readable: v2") {
    fs::remove(cg / "memory" / "x" / "memory.usage_in_bytes");
    put(cg / "unified" / "memory.current", "8192\n");
    put(cg / "unified" / "memory.max", "max\n");
    CHECK(snap::read_cgroup_memory(42, proc.string()) == snap::CgroupMemory{2, "/", 8192, std::nullopt});
  }
  SUBCASE("memory among several controllers of one hierarchy") {
    put(proc / "44" / "cgroup", "3:cpuset,memory:/y\n");
    put(proc / "44" / "mountinfo",
        "36 31 0:40 / " + (cg / "cm").string() + " rw,relatime - cgroup cgroup rw,cpuset,memory\n");
    put(cg / "cm" / "y" / "memory.usage_in_bytes", "1\n");
    put(cg / "cm" / "y" / "memory.limit_in_bytes", "2\n");
    CHECK(snap::read_cgroup_memory(44, proc.string()) == snap::CgroupMemory{1, "/y", 1, 2});
  }
}

TEST_CASE("read_threads: names, stack pointers from syscall, sorted by tid") {
  TempDir d;
  const fs::path task = d.path / "42" / "task";
  put(task / "42" / "comm", "snap_threads\n");
  put(task / "42" / "syscall",
      "202 0x7f00aa001000 0x80 0x0 0x0 0x0 0x0 0x7ffd1234 0x7f00aa0abcde\n");  // futex: blocked
  put(task / "100" / "comm", "worker-10\n");
  put(task / "100" / "syscall", "running\n");
  put(task / "7" / "comm", "worker-1\n");
  put(task / "7" / "syscall", "0 0x3 0x7f00b0ffea7f 0x1 0x0 0x0 0x0 0x7f00b0ffe9e0 0x7f00aa11d7e2\n");
  put(task / "8" / "comm", "worker 2\n");  // syscall unreadable (another user's): no sp
  fs::create_directories(task / "not-a-tid");

  auto threads = snap::read_threads(42, d.path.string());
  REQUIRE(threads.size() == 4);
  CHECK(threads[0] == snap::ThreadInfo{7, "worker-1", 0x7f00b0ffe9e0ull});
  CHECK(threads[1] == snap::ThreadInfo{8, "worker 2", std::nullopt});
  CHECK(threads[2] == snap::ThreadInfo{42, "snap_threads", 0x7ffd1234ull});
  CHECK(threads[3] == snap::ThreadInfo{100, "worker-10", std::nullopt});

  CHECK(snap::read_threads(99, d.path.string()).empty());
}

TEST_CASE("read_smaps, read_command, read_max_map_count, read_boot_id from a fake /proc") {
  TempDir d;
  const std::string smaps =
      "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]\n"
      "Size:                132 kB\nRss:                   8 kB\nPss:                   8 kB\n";
  put(d.path / "42" / "smaps", smaps);
  put(d.path / "42" / "cmdline", std::string("snap_threads\0"
                                             "20\0"
                                             "150\0",
                                             20));
  put(d.path / "sys" / "vm" / "max_map_count", "65530\n");
  put(d.path / "sys" / "kernel" / "random" / "boot_id", "6f1c3a7e-2b44-4d5a-9c1e-0123456789ab\n");

  const auto t0 = std::chrono::system_clock::now();
  snap::SmapsRead r = snap::read_smaps(42, d.path.string());
  CHECK(r.text == smaps);
  CHECK(r.read_seconds >= 0);
  CHECK(r.read_seconds < 5);
  CHECK(r.wall ==
        doctest::Approx(std::chrono::duration<double>(t0.time_since_epoch()).count()).epsilon(1e-8));
  CHECK(snap::read_command(42, d.path.string()) == "snap_threads 20 150");
  CHECK(snap::read_max_map_count(d.path.string()) == 65530u);
  CHECK(snap::read_boot_id(d.path.string()) == "6f1c3a7e-2b44-4d5a-9c1e-0123456789ab");

  // Gone: no directory, or the empty smaps of a process that has exited.
  try {
    snap::read_smaps(99, d.path.string());
    FAIL("read a process that is not there");
  } catch (const snap::ProcError& e) {
    CHECK(e.gone());
    CHECK(!e.denied());
  }
  put(d.path / "43" / "smaps", "");
  try {
    snap::read_smaps(43, d.path.string());
    FAIL("an empty smaps read as a snapshot");
  } catch (const snap::ProcError& e) {
    CHECK(e.gone());
  }
  CHECK(snap::read_command(99, d.path.string()).empty());
  CHECK(!snap::read_max_map_count((d.path / "none").string()));
  put(d.path / "sys" / "vm" / "max_map_count", "lots\n");
  CHECK(!snap::read_max_map_count(d.path.string()));
}

TEST_CASE("process_start_from_stat: field 22 in clock ticks since boot, placed on the wall clock") {
  // Field 22 (starttime) is the 20th after the command name, which may hold
  // spaces and parentheses.
  const std::string tail = " S 1 5094 5094 0 -1 4194560 182 0 0 0 3 1 0 0 20 0 3 0 123456 11255808 371 "
                           "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  // 123456 ticks at 100 Hz: 1234.56 s after boot; now is 2000 s after boot.
  auto at = snap::process_start_from_stat("5094 (leak)" + tail, 2000, 1795566695.0, 100);
  REQUIRE(at);
  CHECK(*at == doctest::Approx(1795566695.0 - (2000 - 1234.56)));
  CHECK(snap::process_start_from_stat("5094 (a) b) (c )" + tail, 2000, 1795566695.0, 100) == at);
  CHECK(!snap::process_start_from_stat("5094 (leak) S 1 5094", 2000, 1795566695.0, 100));  // cut short
  CHECK(!snap::process_start_from_stat("5094 leak" + tail, 2000, 1795566695.0, 100));      // no name
  CHECK(!snap::process_start_from_stat("", 2000, 1795566695.0, 100));
  CHECK(!snap::process_start_from_stat("5094 (leak)" + tail, 2000, 1795566695.0, 0));
  // A start after now is another clock's (another boot's): not believed.
  CHECK(!snap::process_start_from_stat("5094 (leak)" + tail, 1000, 1795566695.0, 100));
  std::string bad = "5094 (leak)" + tail;
  bad.replace(bad.find("123456"), 6, "12x456");
  CHECK(!snap::process_start_from_stat(bad, 2000, 1795566695.0, 100));

  // A fake /proc: its stat read; no stat, no start.
  TempDir d;
  // Started 1 s after boot (100 ticks): before now, whenever this runs.
  std::string early = "42 (leak)" + tail;
  early.replace(early.find("123456"), 6, "100");
  put(d.path / "42" / "stat", early);
  auto fake = snap::read_process_start(42, d.path.string());
  REQUIRE(fake);
  CHECK(*fake < std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  CHECK(!snap::read_process_start(99, d.path.string()));
  CHECK(snap::process_running(42, d.path.string()));
  CHECK(!snap::process_running(99, d.path.string()));
  put(d.path / "43" / "stat", "43 (leak) Z 1 43 43 0 -1 4194560 182 0 0 0 3 1 0 0 20 0 1 0 123456 0 0\n");
  CHECK(!snap::process_running(43, d.path.string()));
}

TEST_CASE("read_process_start: a child started now, by the clock; running until it is a zombie") {
  const double before = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  const double after = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto start = snap::read_process_start(child);
  CHECK(snap::process_running(child));
  ::kill(child, SIGKILL);
  // Killed, not yet reaped: a zombie has exited.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (snap::process_running(child) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(!snap::process_running(child));
  int ws = 0;
  ::waitpid(child, &ws, 0);
  CHECK(!snap::process_running(child));
  REQUIRE(start);
  // Clock ticks are 10 ms at most (CLK_TCK 100): the start is the tick it fell in.
  const double tick = 1.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  CHECK(*start >= before - tick - 0.005);
  CHECK(*start <= after + 0.005);
  // This process started before this test ran, this boot.
  auto self = snap::read_process_start(::getpid());
  REQUIRE(self);
  CHECK(*self <= before);
  CHECK(*self > before - 3600);
}

TEST_CASE("the real /proc/self: this process's threads, a blocked thread's stack pointer, smaps") {
  // A named thread blocked in read(2): its stack pointer lies in its stack.
  int pipefd[2];
  REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
  std::atomic<long> blocked_tid{0};
  std::atomic<std::uintptr_t> stack_lo{0}, stack_hi{0};
  std::thread blocker([&] {
    pthread_attr_t attr;
    void* addr = nullptr;
    std::size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      pthread_attr_getstack(&attr, &addr, &size);
      pthread_attr_destroy(&attr);
    }
    stack_lo = reinterpret_cast<std::uintptr_t>(addr);
    stack_hi = reinterpret_cast<std::uintptr_t>(addr) + size;
    pthread_setname_np(pthread_self(), "snap-blocker");
    blocked_tid = static_cast<long>(::syscall(SYS_gettid));
    char c;
    (void)!::read(pipefd[0], &c, 1);
  });
  struct Join {
    std::thread& t;
    int fd;
    ~Join() {
      (void)!::write(fd, "x", 1);
      t.join();
    }
  } join{blocker, pipefd[1]};

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::optional<snap::ThreadInfo> seen;
  std::vector<snap::ThreadInfo> threads;
  while (std::chrono::steady_clock::now() < deadline) {
    threads = snap::read_threads(::getpid());
    for (const auto& t : threads)
      if (t.tid == blocked_tid && t.sp && t.name == "snap-blocker") seen = t;
    if (seen) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const long self = static_cast<long>(::syscall(SYS_gettid));
  CHECK(std::any_of(threads.begin(), threads.end(), [&](const auto& t) { return t.tid == self; }));
  CHECK(std::is_sorted(threads.begin(), threads.end(),
                       [](const auto& a, const auto& b) { return a.tid < b.tid; }));
  REQUIRE(seen);
  CHECK(*seen->sp >= stack_lo.load());
  CHECK(*seen->sp < stack_hi.load());

  snap::SmapsRead r = snap::read_smaps(::getpid());
  CHECK(r.read_seconds > 0);
  snap::Snapshot s = snap::parse_snapshot(r.text, "/proc/self/smaps", snap::Format::smaps);
  CHECK(s.regions.size() > 5);
  CHECK(s.totals.known(snap::Field::pss));
  CHECK(std::any_of(s.regions.begin(), s.regions.end(), [](const auto& g) { return g.name == "[stack]"; }));
  // The blocked thread's stack is one of the mappings, as snapdiff will need.
  CHECK(std::any_of(s.regions.begin(), s.regions.end(),
                    [&](const auto& g) { return *seen->sp >= g.start && *seen->sp < g.end; }));

  CHECK(snap::read_command(::getpid()).find("manifest_test") != std::string::npos);
  CHECK(snap::read_max_map_count().value_or(0) > 0);
  CHECK(snap::read_boot_id().size() == 36);
  if (auto cg = snap::read_cgroup_memory(::getpid())) {
    CHECK((cg->version == 1 || cg->version == 2));
    CHECK(cg->current.value_or(0) > 0);
    CHECK(!cg->path.empty());
  } else {
    MESSAGE("no cgroup memory controller readable here");
  }
}

TEST_CASE("smaps_totals: the manifest's totals equal the parser's, however the reads cut the lines") {
  // Real captures; chunk sizes that cut lines, records and the 64-byte
  // steps of the newline scan everywhere.
  for (const char* rel : {"c-malloc-leak/smaps.08", "jvm-inflater-leak/smaps.08"}) {
    CAPTURE(rel);
    std::ifstream in(snap::test::path(rel), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const snap::Snapshot s = snap::parse_snapshot(text, rel);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{63}, std::size_t{64}, std::size_t{65},
                              std::size_t{4093}, std::size_t{1} << 20, SIZE_MAX}) {
      CAPTURE(chunk);
      const auto t = snap::smaps_totals(text, chunk);
      REQUIRE(t);
      CHECK(t->second == s.regions.size());
      for (snap::Field f : {snap::Field::size, snap::Field::rss, snap::Field::pss, snap::Field::swap}) {
        CAPTURE(snap::field_name(f));
        CHECK(t->first.get(f) == s.totals.get(f));
      }
    }
    // A read cut mid-line is not a snapshot.
    CHECK_FALSE(snap::smaps_totals(std::string_view(text).substr(0, text.size() - 1), 64));
  }
}
