// The bytes of an ELF core, for snapinspect CORE RANGE.
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "file_segments.h"
#include "snap/error.h"
#include "snap/inspect/memory.h"
#include "snap/parse.h"

namespace snap::inspect {

namespace {

class CoreMemory final : public Memory {
 public:
  explicit CoreMemory(const std::string& path) : path_(path) {
    // The mappings as snap reads a core everywhere else (names from NT_FILE).
    maps_ = snapshot_mappings(path, true);
    fd_.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_.fd < 0) throw ParseError(path, 0, 0, std::strerror(errno));
    elf_version(EV_CURRENT);
    // Both closed by their owners when a check below throws: a library
    // that refuses a core must not keep it open.
    const std::unique_ptr<Elf, int (*)(Elf*)> owned(elf_begin(fd_.fd, ELF_C_READ_MMAP, nullptr), elf_end);
    Elf* elf = owned.get();
    std::size_t count = 0;
    if (!elf || elf_getphdrnum(elf, &count) != 0)
      throw ParseError(path, 0, 0, fmt::format("corrupt ELF core: {}", elf_errmsg(-1)));
    // The chunk walk and the 8-byte pointer census are x86-64's; the core
    // as a snapshot (snapshow, snapdiff) is any architecture's.
    GElf_Ehdr eh{};
    const bool header = gelf_getehdr(elf, &eh) != nullptr;
    if (!header || eh.e_machine != EM_X86_64 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != ELFDATA2LSB) {
      const unsigned machine = header ? eh.e_machine : 0;
      const unsigned bits = eh.e_ident[EI_CLASS] == ELFCLASS32 ? 32 : 64;
      throw ParseError(path, 0, 0,
                       fmt::format("a core of another architecture (ELF machine {}, {}-bit): snapinspect reads "
                                   "x86-64 cores only; snapshow and snapdiff read it as a snapshot",
                                   machine, bits));
    }
    for (std::size_t i = 0; i < count; ++i) {
      GElf_Phdr ph;
      // What a segment does not hold (p_filesz below p_memsz: pages the
      // dumper left out) cannot be read.
      if (gelf_getphdr(elf, static_cast<int>(i), &ph) && ph.p_type == PT_LOAD)
        segments_.push_back(
            FileSegment{ph.p_vaddr, ph.p_vaddr + std::min(ph.p_filesz, ph.p_memsz), fd_.fd, ph.p_offset});
    }
    std::sort(segments_.begin(), segments_.end(),
              [](const FileSegment& a, const FileSegment& b) { return a.start < b.start; });
  }
  CoreMemory(const CoreMemory&) = delete;
  CoreMemory& operator=(const CoreMemory&) = delete;

  std::size_t read(std::uint64_t address, void* out, std::size_t len) override {
    return read_segments(segments_, address, out, len);  // a truncated core stops the read where it ends
  }
  const std::vector<Mapping>& mappings() const override { return maps_; }

 private:
  struct OwnedFd {
    int fd = -1;
    OwnedFd() = default;
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
    ~OwnedFd() {
      if (fd >= 0) ::close(fd);
    }
  };
  std::string path_;
  OwnedFd fd_;
  std::vector<Mapping> maps_;
  std::vector<FileSegment> segments_;
};

}  // namespace

std::vector<Mapping> snapshot_mappings(const std::string& path, bool core) {
  const Snapshot snapshot = core ? read_snapshot(path, Format::core) : read_snapshot(path);
  std::vector<Mapping> maps;
  for (const Region& r : snapshot.regions)
    maps.push_back(Mapping{r.start, r.end, r.perms.str(), r.offset.value_or(0), r.name});
  std::sort(maps.begin(), maps.end(), [](const Mapping& a, const Mapping& b) { return a.start < b.start; });
  return maps;
}

std::unique_ptr<Memory> open_core(const std::string& path) {
  return std::make_unique<CoreMemory>(path);
}

}  // namespace snap::inspect
