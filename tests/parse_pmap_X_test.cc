// procps pmap -X and -XX, read from the real captures in testdata/. Their
// columns are smaps keys named by the header line.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "snap/error.h"
#include "parse_error.h"
#include "testdata.h"


using snap::test::parse_error;

namespace {

using snap::Field;
using snap::Format;
using snap::test::KiB;

std::uint32_t mask_of(std::initializer_list<Field> fields) {
  std::uint32_t m = 0;
  for (Field f : fields) m |= 1u << static_cast<unsigned>(f);
  return m;
}

/// pmap -X's columns on kernel 6.18 (GROUND_TRUTH.md), plus Accessible.
const std::uint32_t kXFields =
    mask_of({Field::size, Field::rss, Field::pss, Field::pss_dirty, Field::referenced,
             Field::anonymous, Field::ksm, Field::lazy_free, Field::shmem_pmd_mapped,
             Field::file_pmd_mapped, Field::shared_hugetlb, Field::private_hugetlb, Field::swap,
             Field::swap_pss, Field::locked, Field::thp_eligible, Field::accessible});

/// pmap -XX's: every smaps field, plus the derived Dirty and Accessible.
const std::uint32_t kXXFields =
    mask_of({Field::size, Field::kernel_page_size, Field::mmu_page_size, Field::rss, Field::pss,
             Field::pss_dirty, Field::shared_clean, Field::shared_dirty, Field::private_clean,
             Field::private_dirty, Field::referenced, Field::anonymous, Field::ksm,
             Field::lazy_free, Field::anon_huge_pages, Field::shmem_pmd_mapped,
             Field::file_pmd_mapped, Field::shared_hugetlb, Field::private_hugetlb, Field::swap,
             Field::swap_pss, Field::locked, Field::thp_eligible, Field::dirty, Field::accessible});

/// The additive columns of a footer: -X's 16 numbers less THPeligible;
/// -XX's 24 less the page sizes and THPeligible, plus the derived Dirty.
constexpr int kXAmounts = 15;
constexpr int kXXAmounts = 21;

std::string read(const std::string& rel) { return snap::read_input(snap::test::path(rel)); }

std::vector<std::string> captures_named(const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(SNAP_TESTDATA)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name.size() == prefix.size() + 2 && name.starts_with(prefix) &&
        std::isdigit(static_cast<unsigned char>(name[prefix.size()])) &&
        std::isdigit(static_cast<unsigned char>(name[prefix.size() + 1])))
      out.push_back(std::filesystem::relative(e.path(), SNAP_TESTDATA).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Every field known in both `a` and `b` is equal; returns how many were compared.
int check_agree(const snap::Counters& a, const snap::Counters& b) {
  int n = 0;
  for (std::size_t i = 0; i < snap::kFieldCount; ++i) {
    const auto f = static_cast<Field>(i);
    if (!a.known(f) || !b.known(f)) continue;
    CAPTURE(snap::field_name(f));
    CHECK(a.get(f) == b.get(f));
    ++n;
  }
  return n;
}

/// The footer's amounts equal the sum of the rows. procps also sums the page
/// size columns (32 rows of 4 -> "128"), which is no amount: snap's totals
/// hold the largest page size there, so those columns are not compared.
void check_footer_is_sum(const snap::Snapshot& s, int amounts) {
  REQUIRE(s.reported_totals.has_value());
  int compared = 0;
  for (std::size_t i = 0; i < snap::kFieldCount; ++i) {
    const auto f = static_cast<Field>(i);
    if (!s.reported_totals->known(f) || !snap::is_additive(f)) continue;
    CAPTURE(snap::field_name(f));
    CHECK(s.totals.get(f) == s.reported_totals->get(f));
    ++compared;
  }
  CHECK(compared == amounts);
}

}  // namespace

TEST_CASE("c-malloc-leak pmap-x-ext.01: [heap] has every -X column") {
  const snap::Snapshot s = snap::test::load("c-malloc-leak/pmap-x-ext.01");
  CHECK(s.format == Format::pmap_X);
  CHECK(s.pid == 5094);
  CHECK(s.command == "/tmp/c-malloc-leak leak.log");
  CHECK(s.regions.size() == 32);
  CHECK(s.warnings.empty());

  // 55c69e02f000 rw-p 00000000  00:00        0   1672 1544 1544      1544       1544      1544   0 ... [heap]
  const std::optional<snap::Region> heap = snap::test::region_at(s, 0x55c69e02f000);
  REQUIRE(heap);
  CHECK(heap->line == 8);
  CHECK(heap->end == 0x55c69e1d1000);
  CHECK(heap->perms.str() == "rw-p");
  CHECK(heap->offset == 0u);
  REQUIRE(heap->device.has_value());
  CHECK(heap->device->major == 0u);
  CHECK(heap->device->minor == 0u);
  CHECK(heap->inode == 0u);
  CHECK(heap->name == "[heap]");  // -X prints the kernel's name
  CHECK_FALSE(heap->vm_flags.has_value());
  CHECK(heap->extra.empty());

  const snap::Counters& c = heap->counters;
  CHECK(c.get(Field::size) == 1672 * KiB);
  CHECK(c.get(Field::rss) == 1544 * KiB);
  CHECK(c.get(Field::pss) == 1544 * KiB);
  CHECK(c.get(Field::pss_dirty) == 1544 * KiB);
  CHECK(c.get(Field::referenced) == 1544 * KiB);
  CHECK(c.get(Field::anonymous) == 1544 * KiB);
  CHECK(c.get(Field::ksm) == 0u);
  CHECK(c.get(Field::lazy_free) == 0u);
  CHECK(c.get(Field::shmem_pmd_mapped) == 0u);
  CHECK(c.get(Field::file_pmd_mapped) == 0u);
  CHECK(c.get(Field::shared_hugetlb) == 0u);
  CHECK(c.get(Field::private_hugetlb) == 0u);
  CHECK(c.get(Field::swap) == 0u);
  CHECK(c.get(Field::swap_pss) == 0u);
  CHECK(c.get(Field::locked) == 0u);
  CHECK(c.get(Field::thp_eligible) == 0u);
  CHECK(c.get(Field::accessible) == 1672 * KiB);
  // -X leaves out Shared_*/Private_*, AnonHugePages and the page sizes.
  CHECK(c.get(Field::shared_clean) == std::nullopt);
  CHECK_FALSE(c.known(Field::shared_dirty));
  CHECK_FALSE(c.known(Field::private_clean));
  CHECK_FALSE(c.known(Field::private_dirty));
  CHECK_FALSE(c.known(Field::dirty));
  CHECK_FALSE(c.known(Field::anon_huge_pages));
  CHECK_FALSE(c.known(Field::kernel_page_size));
  CHECK(c.known_mask() == kXFields);

  // The same [heap] in smaps.01 agrees on every column -X has.
  const snap::Snapshot smaps = snap::test::load("c-malloc-leak/smaps.01");
  const std::optional<snap::Region> sh = snap::test::region_at(smaps, 0x55c69e02f000);
  REQUIRE(sh);
  CHECK(sh->end == heap->end);
  CHECK(check_agree(c, sh->counters) == 17);
}

TEST_CASE("c-malloc-leak pmap-x-ext.01: file and anonymous rows") {
  const snap::Snapshot s = snap::test::load("c-malloc-leak/pmap-x-ext.01");
  // 7fcd85618000 r-xp 00026000  fe:00   332835   1368 1048   71         0       1048 ... libc.so.6
  const std::optional<snap::Region> libc = snap::test::region_at(s, 0x7fcd85618000);
  REQUIRE(libc);
  CHECK(libc->perms.str() == "r-xp");
  CHECK(libc->offset == 0x26000u);
  REQUIRE(libc->device.has_value());
  CHECK(libc->device->major == 0xfeu);
  CHECK(libc->inode == 332835u);
  CHECK(libc->name == "libc.so.6");
  CHECK(libc->counters.get(Field::size) == 1368 * KiB);
  CHECK(libc->counters.get(Field::rss) == 1048 * KiB);
  CHECK(libc->counters.get(Field::pss) == 71 * KiB);
  CHECK(libc->counters.get(Field::pss_dirty) == 0u);
  CHECK(libc->counters.get(Field::referenced) == 1048 * KiB);

  const std::optional<snap::Region> arena = snap::test::region_at(s, 0x7fcd78000000);
  REQUIRE(arena);
  CHECK(arena->name.empty());  // the row ends "0 ": no name
  CHECK(arena->counters.get(Field::rss) == 388 * KiB);

  const std::optional<snap::Region> vsyscall = snap::test::region_at(s, 0xffffffffff600000);
  REQUIRE(vsyscall);
  CHECK(vsyscall->name == "[vsyscall]");
  CHECK(vsyscall->end == 0xffffffffff601000);

  // 151484 3968 2558 2440 3968 2428 0 ... KB
  REQUIRE(s.reported_totals.has_value());
  CHECK(s.reported_totals->get(Field::size) == 151484 * KiB);
  CHECK(s.reported_totals->get(Field::rss) == 3968 * KiB);
  CHECK(s.reported_totals->get(Field::pss) == 2558 * KiB);
  CHECK(s.reported_totals->get(Field::pss_dirty) == 2440 * KiB);
  CHECK(s.reported_totals->get(Field::anonymous) == 2428 * KiB);
  CHECK_FALSE(s.reported_totals->known(Field::private_dirty));
  CHECK_FALSE(s.knows(Field::dirty));
}

TEST_CASE("c-malloc-leak pmap-XX.01: a libc row has every counter, VmFlags and name") {
  const snap::Snapshot s = snap::test::load("c-malloc-leak/pmap-XX.01");
  CHECK(s.format == Format::pmap_X);
  CHECK(s.pid == 5094);
  CHECK(s.regions.size() == 32);
  CHECK(s.warnings.empty());

  // 7fcd8576e000 r--p 0017c000  fe:00   332835    332  4  4  128   25  0  112  0  16  0  128  0 ... 0  rd mr mw me libc.so.6
  const std::optional<snap::Region> r = snap::test::region_at(s, 0x7fcd8576e000);
  REQUIRE(r);
  CHECK(r->line == 20);
  CHECK(r->end == 0x7fcd857c1000);
  CHECK(r->perms.str() == "r--p");
  CHECK(r->offset == 0x17c000u);
  REQUIRE(r->device.has_value());
  CHECK(r->device->major == 0xfeu);
  CHECK(r->device->minor == 0u);
  CHECK(r->inode == 332835u);
  CHECK(r->name == "libc.so.6");
  CHECK(r->vm_flags == "rd mr mw me");
  CHECK(r->extra.empty());

  const snap::Counters& c = r->counters;
  CHECK(c.get(Field::size) == 332 * KiB);
  CHECK(c.get(Field::kernel_page_size) == 4 * KiB);
  CHECK(c.get(Field::mmu_page_size) == 4 * KiB);
  CHECK(c.get(Field::rss) == 128 * KiB);
  CHECK(c.get(Field::pss) == 25 * KiB);
  CHECK(c.get(Field::pss_dirty) == 0u);
  CHECK(c.get(Field::shared_clean) == 112 * KiB);
  CHECK(c.get(Field::shared_dirty) == 0u);
  CHECK(c.get(Field::private_clean) == 16 * KiB);
  CHECK(c.get(Field::private_dirty) == 0u);
  CHECK(c.get(Field::referenced) == 128 * KiB);
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
  CHECK_FALSE(c.known(Field::pss_anon));
  CHECK(c.known_mask() == kXXFields);
}

TEST_CASE("c-malloc-leak pmap-XX.01: VmFlags and names of special rows; [heap] agrees with smaps.01") {
  const snap::Snapshot s = snap::test::load("c-malloc-leak/pmap-XX.01");
  const snap::Snapshot smaps = snap::test::load("c-malloc-leak/smaps.01");

  const std::optional<snap::Region> heap = snap::test::region_at(s, 0x55c69e02f000);
  REQUIRE(heap);
  CHECK(heap->name == "[heap]");
  CHECK(heap->vm_flags == "rd wr mr mw me ac");
  CHECK(heap->counters.get(Field::private_dirty) == 1544 * KiB);
  CHECK(heap->counters.get(Field::dirty) == 1544 * KiB);
  const std::optional<snap::Region> sh = snap::test::region_at(smaps, 0x55c69e02f000);
  REQUIRE(sh);
  CHECK(heap->vm_flags == sh->vm_flags);
  CHECK(check_agree(heap->counters, sh->counters) == 25);
  CHECK(heap->counters == sh->counters);

  // The flags column is as wide as its widest entry ("rd wr mr mw me gd ac").
  const std::optional<snap::Region> stack = snap::test::region_at(s, 0x7ffea7d79000);
  REQUIRE(stack);
  CHECK(stack->vm_flags == "rd wr mr mw me gd ac");
  CHECK(stack->name == "[stack]");

  const std::optional<snap::Region> vsyscall = snap::test::region_at(s, 0xffffffffff600000);
  REQUIRE(vsyscall);
  CHECK(vsyscall->vm_flags == "ex");
  CHECK(vsyscall->name == "[vsyscall]");

  const std::optional<snap::Region> arena = snap::test::region_at(s, 0x7fcd78000000);
  REQUIRE(arena);
  CHECK(arena->vm_flags == "rd wr mr mw me nr");
  CHECK(arena->name.empty());

  const std::optional<snap::Region> vvar = snap::test::region_at(s, 0x7fcd857e1000);
  REQUIRE(vvar);
  CHECK(vvar->vm_flags == "rd mr pf io de dd");
  CHECK(vvar->name == "[vvar]");

  const std::optional<snap::Region> thread_stack = snap::test::region_at(s, 0x7fcd845ee000);
  REQUIRE(thread_stack);
  CHECK(thread_stack->vm_flags == "rd wr mr mw me ac nh");
  CHECK(thread_stack->has_vm_flag("nh"));

  // Every region's VmFlags agree with smaps.01's (the flags do not skew).
  REQUIRE(s.regions.size() == smaps.regions.size());
  for (std::size_t i = 0; i < s.regions.size(); ++i) {
    CAPTURE(s.regions[i].line);
    CHECK(s.regions[i].start == smaps.regions[i].start);
    CHECK(s.regions[i].vm_flags == smaps.regions[i].vm_flags);
    if (smaps.regions[i].file_backed()) CHECK(s.regions[i].name == smaps.regions[i].basename());
    else CHECK(s.regions[i].name == smaps.regions[i].name);
  }
}

TEST_CASE("c-malloc-leak pmap-XX.01: footer") {
  const snap::Snapshot s = snap::test::load("c-malloc-leak/pmap-XX.01");
  REQUIRE(s.reported_totals.has_value());
  const snap::Counters& t = *s.reported_totals;
  CHECK(t.get(Field::size) == 151484 * KiB);
  CHECK(t.get(Field::rss) == 3968 * KiB);
  CHECK(t.get(Field::pss) == 2558 * KiB);
  CHECK(t.get(Field::shared_clean) == 1512 * KiB);
  CHECK(t.get(Field::private_clean) == 16 * KiB);
  CHECK(t.get(Field::private_dirty) == 2440 * KiB);
  CHECK(t.get(Field::anonymous) == 2428 * KiB);
  check_footer_is_sum(s, kXXAmounts);
  CHECK(s.totals.get(Field::kernel_page_size) == 4 * KiB);  // every mapping has 4 KiB pages
  CHECK(s.totals.get(Field::mmu_page_size) == 4 * KiB);
}

TEST_CASE("every pmap -X and -XX capture: footer totals are the sum of the rows") {
  const auto xs = captures_named("pmap-x-ext.");
  const auto xxs = captures_named("pmap-XX.");
  CHECK(xs.size() == 18);
  CHECK(xxs.size() == 18);
  for (const auto* files : {&xs, &xxs}) {
    for (const std::string& f : *files) {
      CAPTURE(f);
      const snap::Snapshot s = snap::test::load(f);
      CHECK(s.format == Format::pmap_X);
      CHECK(s.warnings.empty());
      for (std::size_t i = 0; i < s.regions.size(); ++i) {
        const snap::Region& r = s.regions[i];
        CHECK(r.start < r.end);
        if (i > 0) CHECK(s.regions[i - 1].end <= r.start);
        CHECK(r.counters.known_mask() == (files == &xs ? kXFields : kXXFields));
        CHECK(r.vm_flags.has_value() == (files == &xxs));
      }
      check_footer_is_sum(s, files == &xs ? kXAmounts : kXXAmounts);
    }
  }
}

TEST_CASE("jvm-inflater-leak pmap-XX.01: the Java heap row") {
  const snap::Snapshot s = snap::test::load("jvm-inflater-leak/pmap-XX.01");
  CHECK(s.pid == 5599);
  CHECK(s.regions.size() == 210);
  // fc000000 rw-p 00000000  00:00  0   63488  4  4  17376  17376  17376  0  0  0  17376  17376  17376 ... rd wr mr mw me ac
  const std::optional<snap::Region> heap = snap::test::region_at(s, 0xfc000000);
  REQUIRE(heap);
  CHECK(heap->line == 3);
  CHECK(heap->counters.get(Field::size) == 63488 * KiB);
  CHECK(heap->counters.get(Field::rss) == 17376 * KiB);
  CHECK(heap->counters.get(Field::private_dirty) == 17376 * KiB);
  CHECK(heap->counters.get(Field::anonymous) == 17376 * KiB);
  CHECK(heap->vm_flags == "rd wr mr mw me ac");
  CHECK(heap->name.empty());
  REQUIRE(s.reported_totals.has_value());
  CHECK(s.reported_totals->get(Field::size) == 2642184 * KiB);
  CHECK(s.reported_totals->get(Field::rss) == 126524 * KiB);
  CHECK(s.reported_totals->get(Field::pss) == 124736 * KiB);
}

TEST_CASE("c-malloc-leak pmap-XX.01 with its blanks squeezed (pasted into a ticket)") {
  // Runs of blanks become one: the header's VmFlags column no longer lines
  // up with the rows, so flags must be found by their shape.
  const std::string original = read("c-malloc-leak/pmap-XX.01");
  std::string squeezed;
  for (char ch : original)
    if (!(ch == ' ' && !squeezed.empty() && squeezed.back() == ' ')) squeezed += ch;
  const snap::Snapshot a = snap::parse_snapshot(original, "XX");
  const snap::Snapshot b = snap::parse_snapshot(squeezed, "XX");
  REQUIRE(a.regions.size() == b.regions.size());
  for (std::size_t i = 0; i < a.regions.size(); ++i) {
    CAPTURE(a.regions[i].line);
    CHECK(b.regions[i].start == a.regions[i].start);
    CHECK(b.regions[i].counters == a.regions[i].counters);
    CHECK(b.regions[i].vm_flags == a.regions[i].vm_flags);
    CHECK(b.regions[i].name == a.regions[i].name);
  }
}

TEST_CASE("pmap -X: a column snap does not know is kept by name") {
  const std::string text =
      "5094:   /tmp/c-malloc-leak leak.log\n"
      "         Address Perm   Offset Device    Inode   Size  Rss NewCounter Mapping\n"
      "    55c6672d3000 r--p 00000000  fe:00 10952798      4    4         17 c-malloc-leak\n"
      "    55c69e02f000 rw-p 00000000  00:00        0   1672 1544          0 [heap]\n"
      "                                               ====== ==== ========== \n"
      "                                                 1676 1548         17 KB \n";
  const snap::Snapshot s = snap::parse_snapshot(text, "mem");
  CHECK(s.format == Format::pmap_X);
  CHECK(s.warnings.empty());
  REQUIRE(s.regions.size() == 2);
  const snap::Region& exe = s.regions[0];
  CHECK(exe.name == "c-malloc-leak");
  CHECK(exe.counters.get(Field::rss) == 4 * KiB);
  REQUIRE(exe.extra.size() == 1);
  CHECK(exe.extra[0].key == "NewCounter");
  CHECK(exe.extra[0].text == "17");
  const snap::Region& heap = s.regions[1];
  CHECK(heap.name == "[heap]");
  REQUIRE(heap.extra.size() == 1);
  CHECK(heap.extra[0].key == "NewCounter");
  CHECK(heap.extra[0].text == "0");
  CHECK(s.totals.get(Field::size) == 1676 * KiB);
  REQUIRE(s.reported_totals.has_value());
  CHECK(s.reported_totals->get(Field::size) == 1676 * KiB);
  CHECK(s.reported_totals->get(Field::rss) == 1548 * KiB);
}

TEST_CASE("pmap -X: a bad number is an error that names its column and quotes it") {
  std::string text = read("c-malloc-leak/pmap-x-ext.01");
  // Line 8 is the [heap] row: make its Rss "15x4".
  const std::size_t at = text.find(" 1672 1544 1544");
  REQUIRE(at != std::string::npos);
  text.replace(at, 15, " 1672 15x4 1544");
  const snap::ParseError e = parse_error([&] { snap::parse_snapshot(text, "X"); });
  CHECK(e.line() == 8);
  const std::string what = e.what();
  CHECK(what.starts_with("X:8: "));
  CHECK(what.find("Rss") != std::string::npos);
  CHECK(what.find("\"15x4\"") != std::string::npos);
}
