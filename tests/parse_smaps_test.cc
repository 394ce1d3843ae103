// /proc/PID/smaps and smaps_rollup, read from the real captures in testdata/
// (see GROUND_TRUTH.md). Literal values are copied from the files, in KiB.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "snap/error.h"
#include "parse_error.h"
#include "testdata.h"


using snap::test::parse_error;

namespace {

using snap::Field;
using snap::Format;
using snap::test::KiB;

/// The 23 counters a smaps block of kernel 6.18 gives (VmFlags aside), plus
/// the two every smaps parser derives.
constexpr Field kSmapsFields[] = {
    Field::size,          Field::kernel_page_size, Field::mmu_page_size,   Field::rss,
    Field::pss,           Field::pss_dirty,        Field::shared_clean,    Field::shared_dirty,
    Field::private_clean, Field::private_dirty,    Field::referenced,      Field::anonymous,
    Field::ksm,           Field::lazy_free,        Field::anon_huge_pages, Field::shmem_pmd_mapped,
    Field::file_pmd_mapped, Field::shared_hugetlb, Field::private_hugetlb, Field::swap,
    Field::swap_pss,      Field::locked,           Field::thp_eligible,    Field::dirty,
    Field::accessible,
};

std::uint32_t mask_of(std::initializer_list<Field> fields) {
  std::uint32_t m = 0;
  for (Field f : fields) m |= 1u << static_cast<unsigned>(f);
  return m;
}

std::uint32_t smaps_mask() {
  std::uint32_t m = 0;
  for (Field f : kSmapsFields) m |= 1u << static_cast<unsigned>(f);
  return m;
}

std::string read(const std::string& rel) { return snap::read_input(snap::test::path(rel)); }

/// Every smaps capture in testdata/ ("smaps.NN"), sorted by path.
std::vector<std::string> captures_named(const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(SNAP_TESTDATA)) {
    if (!e.is_regular_file()) continue;
    std::string name = e.path().filename().string();
    if (name.size() == prefix.size() + 2 && name.starts_with(prefix) &&
        std::isdigit(static_cast<unsigned char>(name[prefix.size()])) &&
        std::isdigit(static_cast<unsigned char>(name[prefix.size() + 1])))
      out.push_back(std::filesystem::relative(e.path(), SNAP_TESTDATA).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Catches the ParseError `f` throws; fails the test when it throws none.
/// One real block of c-malloc-leak/smaps.01 (lines 126-150): the [heap].
constexpr const char* kHeapBlock =
    "55c69e02f000-55c69e1d1000 rw-p 00000000 00:00 0                          [heap]\n"
    "Size:               1672 kB\n"
    "KernelPageSize:        4 kB\n"
    "MMUPageSize:           4 kB\n"
    "Rss:                1544 kB\n"
    "Pss:                1544 kB\n"
    "Pss_Dirty:          1544 kB\n"
    "Shared_Clean:          0 kB\n"
    "Shared_Dirty:          0 kB\n"
    "Private_Clean:         0 kB\n"
    "Private_Dirty:      1544 kB\n"
    "Referenced:         1544 kB\n"
    "Anonymous:          1544 kB\n"
    "KSM:                   0 kB\n"
    "LazyFree:              0 kB\n"
    "AnonHugePages:         0 kB\n"
    "ShmemPmdMapped:        0 kB\n"
    "FilePmdMapped:         0 kB\n"
    "Shared_Hugetlb:        0 kB\n"
    "Private_Hugetlb:       0 kB\n"
    "Swap:                  0 kB\n"
    "SwapPss:               0 kB\n"
    "Locked:                0 kB\n"
    "THPeligible:           0\n"
    "VmFlags: rd wr mr mw me ac \n";

}  // namespace

TEST_CASE("c-malloc-leak smaps.01: [heap] has every counter") {
  const snap::Snapshot s = snap::test::load("c-malloc-leak/smaps.01");
  CHECK(s.format == Format::smaps);
  CHECK(s.regions.size() == 32);
  CHECK(s.warnings.empty());
  CHECK_FALSE(s.pid.has_value());
  CHECK_FALSE(s.reported_totals.has_value());

  const std::optional<snap::Region> r = snap::test::region_at(s, 0x55c69e02f000);
  REQUIRE(r.has_value());
  CHECK(r->end == 0x55c69e1d1000);
  CHECK(r->perms.str() == "rw-p");
  CHECK(r->offset == 0u);
  REQUIRE(r->device.has_value());
  CHECK(r->device->major == 0u);
  CHECK(r->device->minor == 0u);
  CHECK(r->inode == 0u);
  CHECK(r->name == "[heap]");
  CHECK(r->line == 126);
  CHECK(r->vm_flags == "rd wr mr mw me ac");
  CHECK(r->has_vm_flag("ac"));
  CHECK(r->extra.empty());

  const snap::Counters& c = r->counters;
  CHECK(c.get(Field::size) == 1672 * KiB);
  CHECK(c.get(Field::kernel_page_size) == 4 * KiB);
  CHECK(c.get(Field::mmu_page_size) == 4 * KiB);
  CHECK(c.get(Field::rss) == 1544 * KiB);
  CHECK(c.get(Field::pss) == 1544 * KiB);
  CHECK(c.get(Field::pss_dirty) == 1544 * KiB);
  CHECK(c.get(Field::shared_clean) == 0u);
  CHECK(c.get(Field::shared_dirty) == 0u);
  CHECK(c.get(Field::private_clean) == 0u);
  CHECK(c.get(Field::private_dirty) == 1544 * KiB);
  CHECK(c.get(Field::referenced) == 1544 * KiB);
  CHECK(c.get(Field::anonymous) == 1544 * KiB);
  CHECK(c.get(Field::ksm) == 0u);
  CHECK(c.get(Field::lazy_free) == 0u);
  CHECK(c.get(Field::anon_huge_pages) == 0u);
  CHECK(c.get(Field::shmem_pmd_mapped) == 0u);
  CHECK(c.get(Field::file_pmd_mapped) == 0u);
  CHECK(c.get(Field::shared_hugetlb) == 0u);
  CHECK(c.get(Field::private_hugetlb) == 0u);
  CHECK(c.get(Field::swap) == 0u);
  CHECK(c.get(Field::swap_pss) == 0u);
  CHECK(c.get(Field::locked) == 0u);
  CHECK(c.get(Field::thp_eligible) == 0u);  // a plain number, not kB
  CHECK(c.get(Field::dirty) == 1544 * KiB);  // Shared_Dirty + Private_Dirty
  CHECK(c.get(Field::accessible) == 1672 * KiB);

  // smaps (unlike smaps_rollup) has no Pss_Anon/File/Shmem; 6.18 prints no
  // ProtectionKey. Unknown, not 0.
  CHECK_FALSE(c.known(Field::pss_anon));
  CHECK_FALSE(c.known(Field::pss_file));
  CHECK_FALSE(c.known(Field::pss_shmem));
  CHECK_FALSE(c.known(Field::protection_key));
  CHECK(c.get(Field::pss_anon) == std::nullopt);
  CHECK(c.known_mask() == smaps_mask());
}

TEST_CASE("idle-sleep smaps.02: shared libc r--p has every counter") {
  // Lines 426-450: a file mapping whose pages other processes share, so
  // Pss, Shared_Clean and Private_Clean all differ.
  const snap::Snapshot s = snap::test::load("idle-sleep/smaps.02");
  CHECK(s.regions.size() == 37);
  const std::optional<snap::Region> r = snap::test::region_at(s, 0x7ff7ae270000);
  REQUIRE(r.has_value());
  CHECK(r->end == 0x7ff7ae2c3000);
  CHECK(r->perms == snap::Perms{true, false, false, false});
  CHECK(r->offset == 0x17c000u);
  REQUIRE(r->device.has_value());
  CHECK(r->device->major == 0xfeu);
  CHECK(r->device->minor == 0u);
  CHECK(r->inode == 332835u);
  CHECK(r->name == "/usr/lib/x86_64-linux-gnu/libc.so.6");
  CHECK(r->basename() == "libc.so.6");
  CHECK(r->file_backed());
  CHECK(r->line == 426);
  CHECK(r->vm_flags == "rd mr mw me");

  const snap::Counters& c = r->counters;
  CHECK(c.get(Field::size) == 332 * KiB);
  CHECK(c.get(Field::kernel_page_size) == 4 * KiB);
  CHECK(c.get(Field::mmu_page_size) == 4 * KiB);
  CHECK(c.get(Field::rss) == 192 * KiB);
  CHECK(c.get(Field::pss) == 24 * KiB);
  CHECK(c.get(Field::pss_dirty) == 0u);
  CHECK(c.get(Field::shared_clean) == 184 * KiB);
  CHECK(c.get(Field::shared_dirty) == 0u);
  CHECK(c.get(Field::private_clean) == 8 * KiB);
  CHECK(c.get(Field::private_dirty) == 0u);
  CHECK(c.get(Field::referenced) == 192 * KiB);
  CHECK(c.get(Field::anonymous) == 0u);
  CHECK(c.get(Field::ksm) == 0u);
  CHECK(c.get(Field::lazy_free) == 0u);
  CHECK(c.get(Field::anon_huge_pages) == 0u);
  CHECK(c.get(Field::shmem_pmd_mapped) == 0u);
  CHECK(c.get(Field::file_pmd_mapped) == 0u);
  CHECK(c.get(Field::shared_hugetlb) == 0u);
  CHECK(c.get(Field::private_hugetlb) == 0u);
  CHECK(c.get(Field::swap) == 0u);
  CHECK(c.get(Field::swap_pss) == 0u);
  CHECK(c.get(Field::locked) == 0u);
  CHECK(c.get(Field::thp_eligible) == 0u);
  CHECK(c.get(Field::dirty) == 0u);
  CHECK(c.get(Field::accessible) == 332 * KiB);
  CHECK(c.get(Field::pss_file) == std::nullopt);
  CHECK(c.known_mask() == smaps_mask());

  // The same region in smaps.01, 2 s earlier (GROUND_TRUTH.md section 3).
  const snap::Snapshot before = snap::test::load("idle-sleep/smaps.01");
  const std::optional<snap::Region> b = snap::test::region_at(before, 0x7ff7ae270000);
  REQUIRE(b.has_value());
  CHECK(b->counters.get(Field::pss) == 20 * KiB);
  CHECK(b->counters.get(Field::shared_clean) == 192 * KiB);
  CHECK(b->counters.get(Field::private_clean) == 0u);
}

TEST_CASE("c-malloc-leak smaps.01: special and anonymous mappings") {
  const snap::Snapshot s = snap::test::load("c-malloc-leak/smaps.01");

  const std::optional<snap::Region> arena = snap::test::region_at(s, 0x7fcd78000000);
  REQUIRE(arena.has_value());
  CHECK(arena->end == 0x7fcd78061000);
  CHECK(arena->name.empty());  // "0 \n": nothing after the inode but a blank
  CHECK(arena->anonymous());
  CHECK(arena->vm_flags == "rd wr mr mw me nr");

  const std::optional<snap::Region> reserve = snap::test::region_at(s, 0x7fcd78061000);
  REQUIRE(reserve.has_value());
  CHECK(reserve->perms.str() == "---p");
  CHECK(reserve->counters.get(Field::size) == 65148 * KiB);
  CHECK(reserve->counters.get(Field::accessible) == 0u);  // PROT_NONE
  CHECK(reserve->vm_flags == "mr mw me nr");

  const std::optional<snap::Region> stack = snap::test::region_at(s, 0x7ffea7d79000);
  REQUIRE(stack.has_value());
  CHECK(stack->name == "[stack]");
  CHECK(stack->counters.get(Field::rss) == 12 * KiB);
  CHECK(stack->vm_flags == "rd wr mr mw me gd ac");

  const std::optional<snap::Region> vdso = snap::test::region_at(s, 0x7fcd857e7000);
  REQUIRE(vdso.has_value());
  CHECK(vdso->name == "[vdso]");
  CHECK(vdso->counters.get(Field::rss) == 4 * KiB);
  CHECK(vdso->counters.get(Field::pss) == 0u);

  const std::optional<snap::Region> vsyscall = snap::test::region_at(s, 0xffffffffff600000);
  REQUIRE(vsyscall.has_value());
  CHECK(vsyscall->end == 0xffffffffff601000);
  CHECK(vsyscall->perms.str() == "--xp");
  CHECK(vsyscall->name == "[vsyscall]");
  CHECK(vsyscall->vm_flags == "ex");
  CHECK(s.regions.back() == *vsyscall);
}

TEST_CASE("c-malloc-leak smaps_rollup.01: totals are the file's lines") {
  const snap::Snapshot s = snap::test::load("c-malloc-leak/smaps_rollup.01");
  CHECK(s.format == Format::smaps_rollup);
  CHECK_FALSE(s.has_ranges());
  CHECK(s.regions.empty());
  CHECK(s.warnings.empty());

  const snap::Counters& t = s.totals;
  CHECK(t.get(Field::rss) == 3968 * KiB);
  CHECK(t.get(Field::pss) == 2563 * KiB);
  CHECK(t.get(Field::pss_dirty) == 2440 * KiB);
  CHECK(t.get(Field::pss_anon) == 2428 * KiB);
  CHECK(t.get(Field::pss_file) == 135 * KiB);
  CHECK(t.get(Field::pss_shmem) == 0u);
  CHECK(t.get(Field::shared_clean) == 1512 * KiB);
  CHECK(t.get(Field::shared_dirty) == 0u);
  CHECK(t.get(Field::private_clean) == 16 * KiB);
  CHECK(t.get(Field::private_dirty) == 2440 * KiB);
  CHECK(t.get(Field::referenced) == 3968 * KiB);
  CHECK(t.get(Field::anonymous) == 2428 * KiB);
  CHECK(t.get(Field::ksm) == 0u);
  CHECK(t.get(Field::lazy_free) == 0u);
  CHECK(t.get(Field::anon_huge_pages) == 0u);
  CHECK(t.get(Field::shmem_pmd_mapped) == 0u);
  CHECK(t.get(Field::file_pmd_mapped) == 0u);
  CHECK(t.get(Field::shared_hugetlb) == 0u);
  CHECK(t.get(Field::private_hugetlb) == 0u);
  CHECK(t.get(Field::swap) == 0u);
  CHECK(t.get(Field::swap_pss) == 0u);
  CHECK(t.get(Field::locked) == 0u);
  CHECK(t.get(Field::dirty) == 2440 * KiB);

  // The header's range spans the address space; it is not a Size. The
  // rollup has no KernelPageSize, MMUPageSize or THPeligible lines.
  CHECK(t.get(Field::size) == std::nullopt);
  CHECK_FALSE(t.known(Field::accessible));
  CHECK_FALSE(t.known(Field::kernel_page_size));
  CHECK_FALSE(t.known(Field::mmu_page_size));
  CHECK_FALSE(t.known(Field::thp_eligible));
  CHECK_FALSE(t.known(Field::protection_key));

  REQUIRE(s.reported_totals.has_value());
  CHECK(*s.reported_totals == t);
}

TEST_CASE("smaps_rollup 01 and 08 of every scenario: Rss as GROUND_TRUTH.md quotes it") {
  CHECK(snap::test::load("c-malloc-leak/smaps_rollup.08").totals.get(Field::rss) == 17792 * KiB);
  CHECK(snap::test::load("jvm-inflater-leak/smaps_rollup.01").totals.get(Field::rss) == 126524 * KiB);
  CHECK(snap::test::load("jvm-inflater-leak/smaps_rollup.08").totals.get(Field::rss) == 164492 * KiB);
  const snap::Snapshot idle1 = snap::test::load("idle-sleep/smaps_rollup.01");
  const snap::Snapshot idle2 = snap::test::load("idle-sleep/smaps_rollup.02");
  CHECK(idle1.totals.get(Field::pss) == 306 * KiB);
  CHECK(idle2.totals.get(Field::pss) == 307 * KiB);
  CHECK(idle1.totals.get(Field::pss_file) == 198 * KiB);
  CHECK(idle2.totals.get(Field::pss_file) == 199 * KiB);
}

TEST_CASE("every smaps_rollup capture: no ranges, and the kernel's sums hold") {
  const auto files = captures_named("smaps_rollup.");
  CHECK(files.size() == 18);
  for (const std::string& f : files) {
    CAPTURE(f);
    const snap::Snapshot s = snap::test::load(f);
    CHECK(s.format == Format::smaps_rollup);
    CHECK_FALSE(s.has_ranges());
    CHECK(s.regions.empty());
    CHECK(s.warnings.empty());
    const snap::Counters& t = s.totals;
    CHECK_FALSE(t.known(Field::size));
    CHECK(t.known_mask() ==
          mask_of({Field::rss, Field::pss, Field::pss_dirty, Field::pss_anon, Field::pss_file,
                   Field::pss_shmem, Field::shared_clean, Field::shared_dirty, Field::private_clean,
                   Field::private_dirty, Field::referenced, Field::anonymous, Field::ksm,
                   Field::lazy_free, Field::anon_huge_pages, Field::shmem_pmd_mapped,
                   Field::file_pmd_mapped, Field::shared_hugetlb, Field::private_hugetlb,
                   Field::swap, Field::swap_pss, Field::locked, Field::dirty}));
    // Rss splits into the four Shared/Private kinds; Pss into anon/file/shmem.
    CHECK(t.value_or_zero(Field::rss) ==
          t.value_or_zero(Field::shared_clean) + t.value_or_zero(Field::shared_dirty) +
              t.value_or_zero(Field::private_clean) + t.value_or_zero(Field::private_dirty));
    CHECK(t.value_or_zero(Field::pss) == t.value_or_zero(Field::pss_anon) +
                                             t.value_or_zero(Field::pss_file) +
                                             t.value_or_zero(Field::pss_shmem));
  }
}

TEST_CASE("every smaps capture: sorted, no overlap, Size is the range, totals are the sum") {
  const auto files = captures_named("smaps.");
  // 8 + 8 + 2 + 4 (pmap -d run) + 8 (thread-leak) + 8 (mmap-leak) + 14 + 9 (linear-leak 1s, 5s)
  // + 14 + 9 (slow-leak 1s, 5s) + 16 (jvm-direct-buffers) + 8 (file-mmap-leak); the 100 ms runs are
  // gzipped (smaps.NNN.gz)
  CHECK(files.size() == 108);
  for (const std::string& f : files) {
    CAPTURE(f);
    const snap::Snapshot s = snap::test::load(f);
    CHECK(s.format == Format::smaps);
    CHECK(s.warnings.empty());
    REQUIRE_FALSE(s.regions.empty());

    snap::Counters sum;
    for (std::size_t i = 0; i < s.regions.size(); ++i) {
      const snap::Region& r = s.regions[i];
      CAPTURE(r.line);
      CHECK(r.start < r.end);
      if (i > 0) CHECK(s.regions[i - 1].end <= r.start);
      CHECK(r.counters.get(Field::size) == r.end - r.start);
      CHECK(r.counters.known_mask() == smaps_mask());
      CHECK(r.vm_flags.has_value());
      CHECK(r.counters.value_or_zero(Field::rss) ==
            r.counters.value_or_zero(Field::shared_clean) +
                r.counters.value_or_zero(Field::shared_dirty) +
                r.counters.value_or_zero(Field::private_clean) +
                r.counters.value_or_zero(Field::private_dirty));
      // Amounts add up; page sizes and THPeligible are properties of a
      // mapping, and the total holds the largest (counters.h, is_additive).
      for (Field fld : kSmapsFields) {
        const std::uint64_t v = r.counters.value_or_zero(fld);
        sum.set(fld, snap::is_additive(fld) ? sum.value_or_zero(fld) + v
                                            : std::max(sum.value_or_zero(fld), v));
      }
    }
    CHECK(s.totals == sum);
    CHECK(s.totals.get(Field::kernel_page_size) == 4 * KiB);
    CHECK(s.totals.get(Field::thp_eligible) == 0u);
  }
}

TEST_CASE("GROUND_TRUTH.md region counts and totals of smaps captures") {
  CHECK(snap::test::load("c-malloc-leak/smaps.08").regions.size() == 32);
  CHECK(snap::test::load("jvm-inflater-leak/smaps.01").regions.size() == 210);
  CHECK(snap::test::load("jvm-inflater-leak/smaps.08").regions.size() == 210);
  CHECK(snap::test::load("c-malloc-leak-pmap-d/smaps.01").regions.size() == 32);

  // c-malloc-leak-pmap-d: "smaps Rss total (the sum over regions): 5880 / 7800 / 9720 / 11640".
  CHECK(snap::test::load("c-malloc-leak-pmap-d/smaps.01").totals.get(Field::rss) == 5880 * KiB);
  CHECK(snap::test::load("c-malloc-leak-pmap-d/smaps.04").totals.get(Field::rss) == 11640 * KiB);

  // idle-sleep does not change, so smaps and smaps_rollup agree on what
  // does not round per mapping (Pss does: 292 summed vs 306 in the rollup).
  const snap::Snapshot smaps = snap::test::load("idle-sleep/smaps.01");
  const snap::Snapshot rollup = snap::test::load("idle-sleep/smaps_rollup.01");
  CHECK(smaps.totals.get(Field::size) == 2924 * KiB);
  for (Field f : {Field::rss, Field::referenced, Field::anonymous, Field::private_dirty,
                  Field::shared_dirty, Field::swap, Field::locked}) {
    CAPTURE(snap::field_name(f));
    CHECK(smaps.totals.get(f) == rollup.totals.get(f));
  }
  CHECK(smaps.totals.get(Field::rss) == 1808 * KiB);
  CHECK(smaps.totals.get(Field::pss) == 292 * KiB);
  CHECK(rollup.totals.get(Field::pss) == 306 * KiB);
}

TEST_CASE("smaps: unknown fields are kept by name") {
  std::string text = kHeapBlock;
  // Insert after "Locked:" a made-up kB field, a bare number and a text value.
  const std::string locked = "Locked:                0 kB\n";
  text.insert(text.find(locked) + locked.size(),
              "NewField:             12 kB\n"
              "NewCount:              7\n"
              "NewText:      some words here\n");
  const snap::Snapshot s = snap::parse_snapshot(text, "mem");
  CHECK(s.format == Format::smaps);
  REQUIRE(s.regions.size() == 1);
  const snap::Region& r = s.regions[0];
  REQUIRE(r.extra.size() == 3);
  CHECK(r.extra[0].key == "NewField");
  CHECK(r.extra[0].value == 12 * KiB);
  CHECK(r.extra[1].key == "NewCount");
  CHECK(r.extra[1].value == 7u);
  CHECK(r.extra[2].key == "NewText");
  CHECK_FALSE(r.extra[2].value.has_value());
  CHECK(r.extra[2].text == "some words here");
  // The known counters around them are untouched.
  CHECK(r.counters.get(Field::locked) == 0u);
  CHECK(r.counters.get(Field::thp_eligible) == 0u);
  CHECK(r.counters.get(Field::rss) == 1544 * KiB);
  CHECK(r.counters.known_mask() == smaps_mask());
  CHECK(r.vm_flags == "rd wr mr mw me ac");
}

TEST_CASE("smaps: names with spaces and \" (deleted)\"") {
  const std::string text =
      "7f0000000000-7f0000002000 rw-s 00000000 00:01 4242                       /dev/shm/my  shared file (deleted)\n"
      "Size:                  8 kB\n"
      "Rss:                   4 kB\n"
      "7f0000002000-7f0000003000 r--p 00001000 103:02 77   /home/u/My Documents/lib x.so\n"
      "Size:                  4 kB\n"
      "Rss:                   4 kB\n";
  const snap::Snapshot s = snap::parse_snapshot(text, "mem");
  REQUIRE(s.regions.size() == 2);
  const snap::Region& shm = s.regions[0];
  CHECK(shm.name == "/dev/shm/my  shared file (deleted)");
  CHECK(shm.deleted());
  CHECK(shm.basename() == "my  shared file");
  CHECK(shm.perms.shared);
  CHECK(shm.inode == 4242u);
  const snap::Region& lib = s.regions[1];
  CHECK(lib.name == "/home/u/My Documents/lib x.so");
  CHECK_FALSE(lib.deleted());
  CHECK(lib.basename() == "lib x.so");
  CHECK(lib.offset == 0x1000u);
  REQUIRE(lib.device.has_value());
  CHECK(lib.device->major == 0x103u);
  CHECK(lib.device->minor == 2u);
}

TEST_CASE("c-malloc-leak smaps.01 with CRLF line ends parses as with LF") {
  const std::string lf = read("c-malloc-leak/smaps.01");
  std::string crlf;
  for (char ch : lf) {
    if (ch == '\n') crlf += '\r';
    crlf += ch;
  }
  REQUIRE(crlf.size() == lf.size() + 800);
  const snap::Snapshot a = snap::parse_snapshot(lf, "smaps.01");
  const snap::Snapshot b = snap::parse_snapshot(crlf, "smaps.01");
  CHECK(b.format == Format::smaps);
  CHECK(b.warnings.empty());
  REQUIRE(a.regions.size() == b.regions.size());
  for (std::size_t i = 0; i < a.regions.size(); ++i) {
    CAPTURE(a.regions[i].line);
    CHECK(a.regions[i] == b.regions[i]);
  }
  CHECK(a.totals == b.totals);
  CHECK(b.regions[5].name == "[heap]");  // no '\r' left on a name
  CHECK(b.regions[5].vm_flags == "rd wr mr mw me ac");
}

TEST_CASE("smaps: a Size line that disagrees with the range is an error at that line") {
  const std::string text =
      "7f0000000000-7f0000002000 rw-p 00000000 00:00 0 \n"
      "Size:                  4 kB\n"
      "Rss:                   4 kB\n";
  const snap::ParseError e = parse_error([&] { snap::parse_snapshot(text, "mem"); });
  CHECK(e.path() == "mem");
  CHECK(e.line() == 2);  // the Size line
  const std::string what = e.what();
  CHECK(what.starts_with("mem:2: "));
  CHECK(what.find("4 kB") != std::string::npos);  // the bad value
  CHECK(what.find("8 kB") != std::string::npos);  // what the range says
}

TEST_CASE("smaps: a bad number is an error that quotes it") {
  const std::string text =
      "7f0000000000-7f0000002000 rw-p 00000000 00:00 0 \n"
      "Size:                  8 kB\n"
      "Rss:                  4x kB\n";
  const snap::ParseError e = parse_error([&] { snap::parse_snapshot(text, "mem"); });
  CHECK(e.line() == 3);
  CHECK(e.column() == 23);  // where "4x" starts
  CHECK(std::string(e.what()) == "mem:3: expected a number for Rss, got \"4x\"");
}

TEST_CASE("smaps: a field given twice in one block is an error") {
  const std::string text =
      "7f0000000000-7f0000002000 rw-p 00000000 00:00 0 \n"
      "Size:                  8 kB\n"
      "Rss:                   4 kB\n"
      "Rss:                   8 kB\n";
  const snap::ParseError e = parse_error([&] { snap::parse_snapshot(text, "mem"); });
  CHECK(e.line() == 4);
  CHECK(std::string(e.what()).find("Rss") != std::string::npos);
}

TEST_CASE("smaps: a field before any mapping header is an error") {
  const std::string text =
      "\n"
      "Size:                  8 kB\n"
      "7f0000000000-7f0000002000 rw-p 00000000 00:00 0 \n"
      "Rss:                   4 kB\n";
  const snap::ParseError e =
      parse_error([&] { snap::parse_snapshot(text, "mem", Format::smaps); });
  CHECK(e.line() == 2);
  CHECK(e.column() == 1);
  CHECK(std::string(e.what()) == "mem:2: field \"Size\" before any mapping header");
}

TEST_CASE("smaps: a line that is neither a header nor a field is an error that quotes it") {
  const std::string text = std::string(kHeapBlock) + "garbage here\n";
  const snap::ParseError e = parse_error([&] { snap::parse_snapshot(text, "mem"); });
  CHECK(e.line() == 26);
  CHECK(std::string(e.what()).find("\"garbage here\"") != std::string::npos);
}

TEST_CASE("c-malloc-leak smaps.01 cut after the last block's Rss line: a warning, no false totals") {
  // The last block ([vsyscall]) starts at line 776; keep its header, Size,
  // KernelPageSize, MMUPageSize and Rss (lines 776-780).
  const std::string full = read("c-malloc-leak/smaps.01");
  std::size_t cut = 0;
  for (int i = 0; i < 780; ++i) cut = full.find('\n', cut) + 1;
  const snap::Snapshot s = snap::parse_snapshot(full.substr(0, cut), "smaps.01");
  REQUIRE(s.regions.size() == 32);
  const snap::Region& last = s.regions.back();
  CHECK(last.start == 0xffffffffff600000);
  CHECK(last.counters.get(Field::rss) == 0u);
  CHECK_FALSE(last.counters.known(Field::pss));
  CHECK_FALSE(last.counters.known(Field::locked));
  CHECK_FALSE(last.vm_flags.has_value());

  REQUIRE_FALSE(s.warnings.empty());
  CHECK(s.warnings[0].line == 776);
  CHECK(s.warnings[0].message.find("ffffffffff600000") != std::string::npos);
  // What every block has is summed; what the last lacks is not claimed.
  CHECK(s.totals.get(Field::size) == 151484 * KiB);
  CHECK(s.totals.get(Field::rss) == 3968 * KiB);
  CHECK_FALSE(s.totals.known(Field::pss));
  CHECK_FALSE(s.totals.known(Field::private_dirty));
  CHECK_FALSE(s.totals.known(Field::dirty));
  CHECK_FALSE(s.totals.known(Field::swap));
  CHECK_FALSE(s.totals.known(Field::thp_eligible));
}

TEST_CASE("c-malloc-leak smaps.01 cut in the middle of a line of the last block") {
  // Drop the [vsyscall] block so that [stack] (line 751, Rss 12 kB at line
  // 755) is last, then cut the file inside a line, as a killed copy does.
  const std::string full = read("c-malloc-leak/smaps.01");
  auto line_start = [&](int n) {
    std::size_t p = 0;
    for (int i = 1; i < n; ++i) p = full.find('\n', p) + 1;
    return p;
  };
  const std::size_t rss_line = line_start(755);
  REQUIRE(full.compare(rss_line, 27, "Rss:                  12 kB") == 0);

  SUBCASE("inside the number: Rss \"1\" of \"12 kB\" is not 1 byte") {
    const std::string text = full.substr(0, rss_line + 23);  // "Rss:                  1"
    const snap::Snapshot s = snap::parse_snapshot(text, "smaps.01");
    REQUIRE(s.regions.size() == 31);
    CHECK_FALSE(s.warnings.empty());
    CHECK(s.regions.back().name == "[stack]");
    CHECK_FALSE(s.regions.back().counters.known(Field::rss));
    CHECK_FALSE(s.totals.known(Field::rss));
    CHECK(s.totals.get(Field::size) == (151484 - 4) * KiB);
  }
  SUBCASE("inside the unit: \"12 k\"") {
    const std::string text = full.substr(0, rss_line + 26);  // "Rss:                  12 k"
    const snap::Snapshot s = snap::parse_snapshot(text, "smaps.01");
    REQUIRE(s.regions.size() == 31);
    CHECK_FALSE(s.warnings.empty());
    CHECK_FALSE(s.totals.known(Field::rss));
  }
  SUBCASE("inside the Size line: \"Size:                13\" of \"132 kB\"") {
    const std::size_t size_line = line_start(752);
    REQUIRE(full.compare(size_line, 27, "Size:                132 kB") == 0);
    const std::string text = full.substr(0, size_line + 23);
    const snap::Snapshot s = snap::parse_snapshot(text, "smaps.01");
    REQUIRE(s.regions.size() == 31);
    CHECK_FALSE(s.warnings.empty());
    CHECK(s.regions.back().name == "[stack]");
    CHECK(s.regions.back().counters.get(Field::size) == 132 * KiB);  // the range's
    CHECK_FALSE(s.totals.known(Field::rss));
    CHECK(s.totals.get(Field::size) == (151484 - 4) * KiB);
  }
  SUBCASE("inside the key: \"Pss_Di\"") {
    const std::size_t pss_dirty_line = line_start(757);
    REQUIRE(full.compare(pss_dirty_line, 10, "Pss_Dirty:") == 0);
    const std::string text = full.substr(0, pss_dirty_line + 6);
    const snap::Snapshot s = snap::parse_snapshot(text, "smaps.01");
    REQUIRE(s.regions.size() == 31);
    CHECK_FALSE(s.warnings.empty());
    CHECK(s.regions.back().counters.get(Field::pss) == 12 * KiB);
    CHECK_FALSE(s.totals.known(Field::pss_dirty));
    CHECK(s.totals.get(Field::rss) == 3968 * KiB);
  }
}
