#include "snap/category.h"

#include <array>

namespace snap {
namespace {

constexpr std::array<std::string_view, 15> kNames = {
    "heap",    "stack",   "thread-stack", "arena",       "java-heap",  "anon", "file", "shm",
    "deleted", "special", "guard",        "class-space", "code-cache", "metaspace", "jvm",
};

// glibc's HEAP_MAX_SIZE on 64-bit: 2 * DEFAULT_MMAP_THRESHOLD_MAX.
constexpr std::uint64_t kArenaSize = 64ull << 20;
// The kernel randomises brk within 1 GiB after the executable's end.
constexpr std::uint64_t kBrkWindow = 1ull << 30;
// A thread stack's guard: glibc uses one page by default, the JVM 16 KiB.
constexpr std::uint64_t kMaxGuard = 1ull << 20;

bool anon_private(const Region& r) {
  return r.anonymous() && !r.perms.shared;
}

Category by_name(const Region& r) {
  const std::string& n = r.name;
  if (n == "[heap]") return Category::heap;
  if (n == "[stack]" || n.starts_with("[stack:")) return Category::stack;
  if (n == "[vdso]" || n == "[vvar]" || n == "[vsyscall]" || n == "[vvar_vclock]" || n == "[uprobes]")
    return Category::special;
  if (n.starts_with("/dev/shm/") || n.starts_with("/SYSV") || n.starts_with("/memfd:") ||
      n.starts_with("[shmid=") || n.starts_with("[anon_shmem:") || n.starts_with("[ism ") ||
      n.starts_with("[dism "))
    return Category::shm;
  if (r.anonymous()) {
    std::string_view label = n;
    if (label.starts_with("[anon:java heap") || label.starts_with("[anon:Java Heap"))
      return Category::java_heap;
    if (r.perms.shared) return Category::shm;
    return r.perms.none() ? Category::guard : Category::anon;
  }
  if (r.deleted()) return Category::deleted;
  if (r.file_backed()) return Category::file;
  return Category::anon;  // another bracketed kernel name
}

/// glibc arena heaps: a 64 MiB-aligned, 64 MiB reservation of anonymous
/// memory, rw-p from its start, the rest ---p. A full heap has no ---p
/// part; then MAP_NORESERVE ("nr" in VmFlags) is what tells it from other
/// 64 MiB mappings, when the format shows VmFlags.
void mark_arenas(const Snapshot& s, std::vector<Category>& out) {
  const auto& regs = s.regions;
  for (std::size_t i = 0; i < regs.size(); ++i) {
    const Region& first = regs[i];
    if (first.start % kArenaSize != 0 || !anon_private(first) || !first.perms.read || !first.perms.write)
      continue;
    std::uint64_t limit = first.start + kArenaSize;
    std::size_t j = i;
    bool reserve = false;
    while (j + 1 < regs.size() && regs[j].end < limit && regs[j + 1].start == regs[j].end &&
           anon_private(regs[j + 1]) && regs[j + 1].end <= limit) {
      ++j;
      reserve |= regs[j].perms.none();
    }
    if (regs[j].end != limit) continue;
    if (!reserve && !(j == i && first.has_vm_flag("nr"))) continue;
    for (std::size_t k = i; k <= j; ++k) out[k] = Category::arena;
    i = j;
  }
}

void mark_thread_stacks(const Snapshot& s, std::vector<Category>& out) {
  const auto& regs = s.regions;
  for (std::size_t i = 1; i < regs.size(); ++i) {
    const Region& guard = regs[i - 1];
    const Region& stack = regs[i];
    if (out[i] != Category::anon || out[i - 1] != Category::guard) continue;
    if (guard.end != stack.start || guard.size() > kMaxGuard) continue;
    if (!stack.perms.read || !stack.perms.write || stack.perms.exec || stack.size() <= guard.size()) continue;
    out[i] = Category::thread_stack;
  }
}

/// procps pmap and pmap -x print [heap] as "[ anon ]". The heap is the
/// first anonymous rw region after the executable's last mapping, within
/// the brk randomisation window; the executable is the header's argv[0].
void infer_heap(const Snapshot& s, std::vector<Category>& out) {
  if (s.format != Format::pmap && s.format != Format::pmap_x && s.format != Format::pmap_d) return;
  if (s.command.empty()) return;
  std::string_view argv0 = std::string_view(s.command).substr(0, s.command.find(' '));
  if (auto slash = argv0.rfind('/'); slash != std::string_view::npos) argv0.remove_prefix(slash + 1);
  std::optional<std::size_t> last_exe;
  for (std::size_t i = 0; i < s.regions.size(); ++i)
    if (s.regions[i].basename() == argv0)
      last_exe = i;
    else if (last_exe)
      break;  // the executable's mappings are contiguous
  if (!last_exe) return;
  std::uint64_t exe_end = s.regions[*last_exe].end;
  for (std::size_t i = *last_exe + 1; i < s.regions.size(); ++i) {
    const Region& r = s.regions[i];
    if (r.start - exe_end > kBrkWindow) return;
    if (out[i] == Category::anon && r.perms.read && r.perms.write) {
      out[i] = Category::heap;
      return;
    }
    if (!r.anonymous()) return;
  }
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
  for (const Region& r : s.regions) out.push_back(by_name(r));
  mark_arenas(s, out);
  mark_thread_stacks(s, out);
  infer_heap(s, out);
  return out;
}

}  // namespace snap
