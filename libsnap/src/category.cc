#include "snap/category.h"

#include <array>
#include <optional>
#include <utility>

namespace snap {
namespace {

constexpr std::array<std::string_view, 15> kNames = {
    "heap",    "stack",   "thread-stack", "arena",       "java-heap",  "anon",      "file", "shm",
    "deleted", "special", "guard",        "class-space", "code-cache", "metaspace", "jvm",
};

// glibc's HEAP_MAX_SIZE on 64-bit: 2 * DEFAULT_MMAP_THRESHOLD_MAX.
constexpr std::uint64_t kArenaSize = 64ull << 20;
// The kernel randomises brk within 1 GiB after the end of the executable's .bss.
constexpr std::uint64_t kBrkWindow = 1ull << 30;
// A thread stack's guard: glibc uses one page by default, the JVM 16 KiB.
constexpr std::uint64_t kMaxGuard = 1ull << 20;
// [vvar] ([vvar_vclock]) and [vdso] together: 8 pages, 32 KiB, on x86-64
// 6.18; a few hundred KiB where pages are 64 KiB (arm64, ppc64).
constexpr std::uint64_t kMaxVdso = 1ull << 20;

bool anon_private(const RegionStore& regs, std::size_t i) {
  return regs.anonymous(i) && !regs.perms(i).shared;
}

/// The names the kernel gives shmem-backed shared memory, with their path
/// (smaps, maps, pmap -p) or as procps pmap prints them without it
/// ("zero (deleted)", "SYSV00000000 (deleted)", "memfd:x (deleted)"): a
/// name without a slash can only have lost its directory, so the bare forms
/// are matched only then.
bool shared_memory_name(std::string_view n, Perms perms) {
  if (n.starts_with("[shmid=") || n.starts_with("[anon_shmem:") || n.starts_with("[ism ") ||
      n.starts_with("[dism "))
    return true;
  if (n.starts_with("/dev/shm/") || n.starts_with("/SYSV") || n.starts_with("/memfd:")) return true;
  // MAP_SHARED|MAP_ANONYMOUS and MAP_SHARED of /dev/zero: a shmem file the
  // kernel names "dev/zero", never linked anywhere.
  if (perms.shared && n == "/dev/zero (deleted)") return true;
  if (n.find('/') != std::string_view::npos || !n.ends_with(" (deleted)")) return false;
  return n.starts_with("SYSV") || n.starts_with("memfd:") || (perms.shared && n == "zero (deleted)");
}

Category by_name(std::string_view n, Perms perms) {
  if (n == "[heap]") return Category::heap;
  if (n == "[stack]" || n.starts_with("[stack:")) return Category::stack;
  if (n == "[vdso]" || n == "[vvar]" || n == "[vsyscall]" || n == "[vvar_vclock]" || n == "[uprobes]")
    return Category::special;
  if (shared_memory_name(n, perms)) return Category::shm;
  if (anonymous_name(n)) {
    std::string_view label = n;
    if (label.starts_with("[anon:java heap") || label.starts_with("[anon:Java Heap"))
      return Category::java_heap;
    if (perms.shared) return Category::shm;
    return perms.none() ? Category::guard : Category::anon;
  }
  if (n.ends_with(" (deleted)")) return Category::deleted;
  if (file_backed_name(n)) return Category::file;
  return Category::anon;  // another bracketed kernel name
}

/// glibc arena heaps: a 64 MiB-aligned, 64 MiB reservation of anonymous
/// memory, rw-p from its start, the rest ---p. A full heap has no ---p
/// part; then MAP_NORESERVE ("nr" in VmFlags) is what tells it from other
/// 64 MiB mappings, when the format shows VmFlags.
void mark_arenas(const Snapshot& s, std::vector<Category>& out) {
  const auto& regs = s.regions;
  for (std::size_t i = 0; i < regs.size(); ++i) {
    const Perms first = regs.perms(i);
    if (regs.start(i) % kArenaSize != 0 || !anon_private(regs, i) || !first.read || !first.write) continue;
    std::uint64_t limit = regs.start(i) + kArenaSize;
    std::size_t j = i;
    bool reserve = false;
    while (j + 1 < regs.size() && regs.end(j) < limit && regs.start(j + 1) == regs.end(j) &&
           anon_private(regs, j + 1) && regs.end(j + 1) <= limit) {
      ++j;
      reserve |= regs.perms(j).none();
    }
    if (regs.end(j) != limit) continue;
    if (!reserve && !(j == i && regs[i].has_vm_flag("nr"))) continue;
    for (std::size_t k = i; k <= j; ++k) out[k] = Category::arena;
    i = j;
  }
}

void mark_thread_stacks(const Snapshot& s, std::vector<Category>& out) {
  const auto& regs = s.regions;
  for (std::size_t i = 1; i < regs.size(); ++i) {
    if (out[i] != Category::anon || out[i - 1] != Category::guard) continue;
    if (regs.end(i - 1) != regs.start(i) || regs.bytes(i - 1) > kMaxGuard) continue;
    const Perms stack = regs.perms(i);
    if (!stack.read || !stack.write || stack.exec || regs.bytes(i) <= regs.bytes(i - 1)) continue;
    out[i] = Category::thread_stack;
  }
}

/// Formats where procps prints every bracketed kernel name but [stack] as
/// "[ anon ]": [heap], [vdso] and [vvar] are known there only by shape.
bool names_hidden(const Snapshot& s) {
  return s.format == Format::pmap || s.format == Format::pmap_x || s.format == Format::pmap_d;
}

/// The index of the executable's last mapping. The executable is named by
/// the header's argv[0] when a mapping has that file name; argv[0] is often
/// not the file's name (python3 runs python3.11, sh runs dash, argv[0]
/// rewritten by the program), so otherwise it is the first file in the
/// address space with an executable mapping: the kernel maps the program
/// below the mmap area (and below any data file mapped low, such as the
/// JVM's CDS archive, which has no r-x part), and the entry point lies in it.
std::optional<std::size_t> executable_end(const Snapshot& s) {
  const auto& regs = s.regions;
  std::string_view argv0 = std::string_view(s.command).substr(0, s.command.find(' '));
  if (auto slash = argv0.rfind('/'); slash != std::string_view::npos) argv0.remove_prefix(slash + 1);
  std::optional<std::size_t> first;
  for (std::size_t i = 0; i < regs.size() && !first && !argv0.empty(); ++i)
    if (regs.file_backed(i) && regs.basename(i) == argv0) first = i;
  for (std::size_t i = 0; i < regs.size() && !first; ++i)
    if (regs.file_backed(i) && regs.perms(i).exec) first = i;
  if (!first) return std::nullopt;
  std::size_t last = *first;  // the executable's mappings are contiguous
  while (last + 1 < regs.size() && regs.file_backed(last + 1) && regs.basename(last + 1) == regs.basename(*first))
    ++last;
  return last;
}

/// The brk heap where procps prints [heap] as "[ anon ]": the first
/// anonymous rw region after the executable's last mapping, within the
/// 1 GiB the kernel randomises brk over. An anonymous rw region touching
/// the executable's last mapping is its BSS tail (the part of .bss past the
/// last file page), not the heap: with brk randomised, the heap starts
/// after a gap; without (setarch -R, a program started by gdb), it directly
/// follows the BSS tail. So a process that never called brk (only a BSS
/// tail) has no heap, and the one case this misses is an unrandomised heap
/// of a program with no BSS tail, which touches the executable itself.
void infer_heap(const Snapshot& s, std::vector<Category>& out) {
  if (!names_hidden(s)) return;
  // Solaris pmap names its heap, and so does a pmap that some day prints [heap].
  for (Category c : out)
    if (c == Category::heap) return;
  auto last = executable_end(s);
  if (!last) return;
  std::uint64_t bss_end = s.regions[*last].end;  // where the kernel randomises brk from
  for (std::size_t i = *last + 1; i < s.regions.size(); ++i) {
    const Region& r = s.regions[i];
    if (r.start < bss_end || r.start - bss_end > kBrkWindow || !r.anonymous()) return;
    if (out[i] != Category::anon || !r.perms.read || !r.perms.write) continue;
    if (i == *last + 1 && r.start == bss_end) {  // the BSS tail
      bss_end = r.end;
      continue;
    }
    out[i] = Category::heap;
    return;
  }
}

/// [vvar] (with [vvar_vclock] on newer kernels) and [vdso] where procps
/// prints them as "[ anon ]": a few pages of private read-only anonymous
/// memory directly followed by private r-x anonymous memory, together at
/// most kMaxVdso. JIT code rarely looks like that, but a process has only
/// one vDSO: when the shape shows up more than once, none is marked.
void infer_vdso(const Snapshot& s, std::vector<Category>& out) {
  if (!names_hidden(s)) return;
  const auto& regs = s.regions;
  auto private_anon = [&](std::size_t i) { return regs.name(i).empty() && !regs.perms(i).shared; };
  std::optional<std::pair<std::size_t, std::size_t>> found;  // [first, last]
  for (std::size_t i = 1; i < regs.size(); ++i) {
    const Perms p = regs.perms(i);
    if (!private_anon(i) || !p.read || p.write || !p.exec) continue;
    std::size_t first = i;
    while (first > 0 && regs.end(first - 1) == regs.start(first) && private_anon(first - 1) &&
           regs.perms(first - 1) == Perms{true, false, false, false})
      --first;
    if (first == i || regs.end(i) - regs.start(first) > kMaxVdso) continue;
    if (found) return;  // two candidates: neither is known to be the vDSO
    found.emplace(first, i);
  }
  if (!found) return;
  for (std::size_t k = found->first; k <= found->second; ++k)
    if (out[k] == Category::anon) out[k] = Category::special;
}

}  // namespace

std::string_view category_name(Category c) {
  return kNames[static_cast<std::size_t>(c)];
}

std::optional<Category> category_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<Category>(i);
  return std::nullopt;
}

std::vector<Category> classify(const Snapshot& s) {
  std::vector<Category> out;
  out.reserve(s.regions.size());
  for (std::size_t i = 0; i < s.regions.size(); ++i) out.push_back(by_name(s.regions.name(i), s.regions.perms(i)));
  mark_arenas(s, out);
  mark_thread_stacks(s, out);
  infer_heap(s, out);
  infer_vdso(s, out);
  return out;
}

}  // namespace snap
