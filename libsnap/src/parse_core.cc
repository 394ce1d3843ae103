// ELF core files (gcore, the kernel's dumps, systemd-coredump's) read as a
// snapshot: one mapping per PT_LOAD segment, named from the NT_FILE note.
// elfutils' libelf reads the headers and notes; what this file checks by
// itself is that every offset and count they give stays inside the file,
// since a cut or damaged core must be an error, never a read past its end.
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#if defined(__x86_64__)
#include <sys/procfs.h>
#include <sys/reg.h>  // RSP: the index of the stack pointer in pr_reg
#endif

#include "parsers.h"

namespace snap::detail {
namespace {

// The note types of linux/elf.h; elf.h has them too, but not every libc's.
constexpr GElf_Word kNtPrstatus = 1, kNtPrpsinfo = 3, kNtFile = 0x46494c45;

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};
using ElfPtr = std::unique_ptr<Elf, ElfCloser>;

void init_libelf() {
  static std::once_flag once;
  std::call_once(once, [] { elf_version(EV_CURRENT); });
}

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw ParseError(source, 0, 0, what);
}
[[noreturn]] void fail_libelf(const std::string& source, const char* doing) {
  fail(source, fmt::format("corrupt ELF core: {}: {}", doing, elf_errmsg(-1)));
}

/// One NT_FILE entry: the file mapped at [start, end) from page `page` of it.
struct FileMapping {
  std::uint64_t start = 0, end = 0, offset = 0;
  std::string path;
};

/// A little-endian or big-endian word of the core's class, from `p`.
std::uint64_t read_word(const unsigned char* p, std::size_t size, bool big) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < size; ++i) v |= std::uint64_t{p[big ? i : size - 1 - i]} << (8 * (size - 1 - i));
  return v;
}

/// NT_FILE: count and page size, count (start, end, page offset) triples,
/// then count NUL-terminated paths; each word of the core's class.
std::vector<FileMapping> parse_nt_file(const unsigned char* desc, std::size_t size, std::size_t word, bool big,
                                       const std::string& source) {
  auto bad = [&](const std::string& why) { fail(source, fmt::format("corrupt ELF core: NT_FILE note: {}", why)); };
  if (size < 2 * word) bad(fmt::format("{} bytes, shorter than its header", size));
  const std::uint64_t count = read_word(desc, word, big), page = read_word(desc + word, word, big);
  if (count > (size - 2 * word) / (3 * word))
    bad(fmt::format("{} files do not fit in its {} bytes", count, size));
  if (page == 0 || (page & (page - 1)) != 0) bad(fmt::format("page size {} is not a power of two", page));
  std::vector<FileMapping> out(static_cast<std::size_t>(count));
  const unsigned char* p = desc + 2 * word;
  for (FileMapping& f : out) {
    f.start = read_word(p, word, big);
    f.end = read_word(p + word, word, big);
    const std::uint64_t pages = read_word(p + 2 * word, word, big);
    if (f.end <= f.start) bad(fmt::format("empty or inverted range {:x}-{:x}", f.start, f.end));
    if (pages > UINT64_MAX / page) bad(fmt::format("file offset of {} pages is past 2^64 bytes", pages));
    f.offset = pages * page;
    p += 3 * word;
  }
  const char* names = reinterpret_cast<const char*>(p);
  std::size_t left = size - static_cast<std::size_t>(p - desc);
  for (FileMapping& f : out) {
    const void* nul = std::memchr(names, '\0', left);
    if (nul == nullptr) bad(fmt::format("its paths end before the {}th", &f - out.data() + 1));
    const auto len = static_cast<std::size_t>(static_cast<const char*>(nul) - names);
    f.path.assign(names, len);
    names += len + 1;
    left -= len + 1;
  }
  std::sort(out.begin(), out.end(), [](const FileMapping& a, const FileMapping& b) { return a.start < b.start; });
  return out;
}

/// What the notes tell besides the files: the process and its threads.
void read_process_note(GElf_Word type, const unsigned char* desc, std::size_t size, const GElf_Ehdr& eh,
                       Snapshot& s) {
#if defined(__x86_64__)
  // The layouts of the host's <sys/procfs.h>: valid for an x86-64 core only.
  if (eh.e_machine != EM_X86_64 || eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) return;
  if (type == kNtPrpsinfo && size >= sizeof(prpsinfo_t)) {
    prpsinfo_t info;
    std::memcpy(&info, desc, sizeof info);
    s.pid = info.pr_pid;
    s.command.assign(info.pr_fname, strnlen(info.pr_fname, sizeof info.pr_fname));
  } else if (type == kNtPrstatus && size >= sizeof(prstatus_t)) {
    prstatus_t status;
    std::memcpy(&status, desc, sizeof status);
    ThreadInfo t;
    t.tid = status.pr_pid;
    t.sp = static_cast<std::uint64_t>(status.pr_reg[RSP]);
    s.threads.push_back(t);
  }
#else
  (void)type, (void)desc, (void)size, (void)eh, (void)s;
#endif
}

void read_core(Elf* elf, std::uint64_t file_size, Snapshot& s, RegionStore::Builder& rows) {
  const std::string& src = s.source;
  // Sizes checked against the file before libelf is asked: past the end it
  // answers "invalid data", where the truth is a file cut short.
  std::size_t ident_size = 0;
  const char* ident = elf_getident(elf, &ident_size);
  if (file_size < EI_NIDENT || ((ident == nullptr || ident_size < EI_NIDENT) && file_size < 64))
    fail(src, fmt::format("truncated ELF core: {} bytes, shorter than an ELF header", file_size));
  if (ident == nullptr || ident_size < EI_NIDENT) fail_libelf(src, "ELF identification");
  const int elf_class = ident[EI_CLASS];
  if (elf_class != ELFCLASS32 && elf_class != ELFCLASS64)
    fail(src, fmt::format("corrupt ELF core: ELF class {} is neither 32 nor 64 bits", elf_class));
  const std::uint64_t header = elf_class == ELFCLASS64 ? 64 : 52, phentsize = elf_class == ELFCLASS64 ? 56 : 32,
                      shentsize = elf_class == ELFCLASS64 ? 64 : 40;
  if (file_size < header)
    fail(src, fmt::format("truncated ELF core: {} bytes, shorter than its ELF header ({} bytes)", file_size, header));
  if (elf_kind(elf) != ELF_K_ELF) fail_libelf(src, "ELF header");
  GElf_Ehdr eh;
  if (gelf_getehdr(elf, &eh) == nullptr) fail_libelf(src, "ELF header");
  if (eh.e_type != ET_CORE)
    fail(src, fmt::format("an ELF file, but not a core (ELF type {}: a program or a library?)", eh.e_type));
  auto table_fits = [&](std::uint64_t offset, std::uint64_t entries, std::uint64_t entry, const char* what) {
    const std::uint64_t bytes = entries * entry;  // at most 65535 * 64: no overflow
    if (offset > file_size || bytes > file_size - offset)
      fail(src, fmt::format("truncated ELF core: its {} {} end at offset {}, the file at {}", entries, what,
                            offset + bytes, file_size));
  };
  // PN_XNUM and 0 sections with an offset: the real counts are in section 0.
  table_fits(eh.e_shoff, eh.e_shoff != 0 && eh.e_shnum == 0 ? 1 : eh.e_shnum, shentsize, "section headers");
  if (eh.e_phnum != PN_XNUM) table_fits(eh.e_phoff, eh.e_phnum, phentsize, "program headers");
  std::size_t count = 0;
  if (elf_getphdrnum(elf, &count) != 0) fail_libelf(src, "program headers");
  if (count > kMaxRegions) fail(src, fmt::format("corrupt ELF core: {} program headers", count));
  table_fits(eh.e_phoff, count, phentsize, "program headers");
  const std::size_t word = elf_class == ELFCLASS32 ? 4 : 8;
  const bool big = eh.e_ident[EI_DATA] == ELFDATA2MSB;

  std::vector<GElf_Phdr> loads;
  std::vector<FileMapping> files;
  bool saw_file_note = false;
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf, static_cast<int>(i), &ph) == nullptr) fail_libelf(src, "program header");
    if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
      fail(src, fmt::format("truncated ELF core: segment {} ends at offset {}, the file at {}", i,
                            ph.p_offset + ph.p_filesz, file_size));
    if (ph.p_type == PT_LOAD) {
      if (ph.p_memsz == 0) continue;
      if (ph.p_vaddr > UINT64_MAX - ph.p_memsz)
        fail(src, fmt::format("corrupt ELF core: segment {} at {:x} of {} bytes ends past 2^64", i, ph.p_vaddr,
                              ph.p_memsz));
      if (loads.size() >= kMaxRegions) fail(src, fmt::format("more than {} segments: not a process's core", kMaxRegions));
      loads.push_back(ph);
      continue;
    }
    if (ph.p_type != PT_NOTE || ph.p_filesz == 0) continue;
    Elf_Data* data = elf_getdata_rawchunk(elf, static_cast<int64_t>(ph.p_offset), ph.p_filesz, ELF_T_NHDR);
    if (data == nullptr) fail_libelf(src, "notes");
    GElf_Nhdr nh;
    std::size_t name_at = 0, desc_at = 0;
    for (std::size_t at = 0; at < data->d_size;) {
      const std::size_t next = gelf_getnote(data, at, &nh, &name_at, &desc_at);
      if (next == 0) break;  // libelf stops at a note that does not fit
      at = next;
      const auto* base = static_cast<const unsigned char*>(data->d_buf);
      const std::string_view name(reinterpret_cast<const char*>(base + name_at),
                                  nh.n_namesz > 0 ? nh.n_namesz - 1 : 0);
      if (name != "CORE") continue;
      if (nh.n_type == kNtFile && !saw_file_note) {
        saw_file_note = true;
        files = parse_nt_file(base + desc_at, nh.n_descsz, word, big, src);
      } else {
        read_process_note(nh.n_type, base + desc_at, nh.n_descsz, eh, s);
      }
    }
  }
  if (loads.empty()) fail(src, "an ELF core with no memory segments (PT_LOAD)");

  std::stable_sort(loads.begin(), loads.end(),
                   [](const GElf_Phdr& a, const GElf_Phdr& b) { return a.p_vaddr < b.p_vaddr; });
  rows.reserve_counted(loads.size());
  auto file = files.begin();
  for (std::size_t i = 0; i < loads.size(); ++i) {
    const GElf_Phdr& ph = loads[i];
    if (i > 0 && ph.p_vaddr < loads[i - 1].p_vaddr + loads[i - 1].p_memsz)
      fail(src, fmt::format("corrupt ELF core: segment {:x}-{:x} overlaps {:x}-{:x}", ph.p_vaddr,
                            ph.p_vaddr + ph.p_memsz, loads[i - 1].p_vaddr, loads[i - 1].p_vaddr + loads[i - 1].p_memsz));
    Region& r = rows.add();
    r.start = ph.p_vaddr;
    r.end = ph.p_vaddr + ph.p_memsz;
    r.perms = Perms{(ph.p_flags & PF_R) != 0, (ph.p_flags & PF_W) != 0, (ph.p_flags & PF_X) != 0, false};
    // The NT_FILE entry that holds the segment: the kernel writes one per
    // file mapping, gdb's gcore too; a core has no names for the others
    // ([heap], [stack] and [vdso] are anonymous here).
    while (file != files.end() && file->end <= r.start) ++file;
    if (file != files.end() && file->start <= r.start && r.end <= file->end) {
      r.name = file->path;
      r.offset = file->offset + (r.start - file->start);
    }
    r.line = static_cast<std::uint32_t>(i + 1);
    r.counters.set(Field::size, r.size());
  }
}

bool has_elf_magic(std::string_view bytes) {
  return bytes.size() >= SELFMAG && std::memcmp(bytes.data(), ELFMAG, SELFMAG) == 0;
}

}  // namespace

bool is_elf(std::string_view head) {
  return has_elf_magic(head);
}

void parse_core(std::string_view bytes, Snapshot& s, RegionStore::Builder& rows) {
  init_libelf();
  if (!has_elf_magic(bytes)) fail(s.source, "not an ELF core (no ELF magic number)");
  // libelf may convert a foreign byte order in place: its own copy.
  std::vector<char> copy(bytes.begin(), bytes.end());
  ElfPtr elf(elf_memory(copy.data(), copy.size()));
  if (!elf && copy.size() < 64)
    fail(s.source, fmt::format("truncated ELF core: {} bytes, shorter than an ELF header", copy.size()));
  if (!elf) fail_libelf(s.source, "ELF header");
  read_core(elf.get(), copy.size(), s, rows);
}

void parse_core_fd(int fd, Snapshot& s, RegionStore::Builder& rows) {
  init_libelf();
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(s.source, fmt::format("cannot stat: {}", std::strerror(errno)));
  // Mapped, not read: a core holds the whole address space's contents,
  // of which only the headers and notes are looked at.
  ElfPtr elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr));
  if (!elf && st.st_size < 64)
    fail(s.source, fmt::format("truncated ELF core: {} bytes, shorter than an ELF header", st.st_size));
  if (!elf) fail_libelf(s.source, "ELF header");
  read_core(elf.get(), static_cast<std::uint64_t>(st.st_size), s, rows);
}

}  // namespace snap::detail
