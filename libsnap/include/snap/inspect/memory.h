// The bytes of another process's address space, read without stopping it:
// /proc/PID/maps says what is mapped and readable, process_vm_readv(2)
// copies the bytes (the same permission as ptrace: PTRACE_MODE_ATTACH).
// Pages that cannot be read (---p guards, [vvar], mappings that vanished
// between the maps and the read) are skipped and counted, never fatal.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace snap::inspect {

inline constexpr std::uint64_t kPage = 4096;

/// One line of /proc/PID/maps.
struct Mapping {
  std::uint64_t start = 0, end = 0;  // [start, end)
  std::string perms;                 // "rw-p"
  std::uint64_t offset = 0;          // in the file
  std::string path;                  // "/usr/lib/...", "[heap]", "" (anonymous)

  bool readable() const { return !perms.empty() && perms[0] == 'r'; }
  bool file_backed() const { return !path.empty() && path[0] == '/'; }
  bool anonymous() const { return path.empty() || path.starts_with("[anon:"); }
  bool contains(std::uint64_t a) const { return a >= start && a < end; }
};

/// /proc/PID/maps, in address order. Throws snap::ProcError (gone(),
/// denied()) when it cannot be read.
std::vector<Mapping> read_mappings(pid_t pid);
/// The same, from the text of a maps file (`origin` names it in errors).
std::vector<Mapping> parse_mappings(std::string_view text, const std::string& origin);

/// The mapping holding `address`, or nullptr. `maps` sorted by start.
const Mapping* find_mapping(const std::vector<Mapping>& maps, std::uint64_t address);

/// Where bytes come from: a live process, a core file.
class Memory {
 public:
  virtual ~Memory() = default;
  /// Copies up to `len` bytes at `address` into `out`; returns how many
  /// were copied before the first byte that could not be read (0: the
  /// first page is unreadable). Throws snap::ProcError when the source
  /// itself is lost (the process exited) or refused (permission).
  virtual std::size_t read(std::uint64_t address, void* out, std::size_t len) = 0;
  /// What is mapped, in address order.
  virtual const std::vector<Mapping>& mappings() const = 0;
};

/// A live process, read with process_vm_readv; the target is never
/// stopped, so what is read is a moving picture of a running program.
std::unique_ptr<Memory> open_process(pid_t pid);

/// An ELF core file (gcore's, the kernel's): the mappings as snap reads
/// the core as a snapshot (docs/cores.md), the bytes from its PT_LOAD
/// segments (libelf); what a segment does not hold (p_filesz below
/// p_memsz: file pages the dumper left out) cannot be read. Throws
/// snap::ParseError naming the file when it is not a readable core.
std::unique_ptr<Memory> open_core(const std::string& path);

/// The mappings of a snapshot file (any format snap reads; a core with
/// `core`), as /proc/PID/maps would list them. Throws snap::ParseError.
std::vector<Mapping> snapshot_mappings(const std::string& path, bool core = false);

/// One file written by the gdb file of snapdiff --gdb:
/// snap-[PID-]START-END-CATEGORY.bin, the bytes of [START, END).
struct DumpFile {
  std::uint64_t start = 0, end = 0;
  std::string path;
  std::string category;  // "heap", "anon", ...: what snapdiff called the block
};

/// The dump files in `dir`, by address; empty when it holds none. Other
/// files are not looked at.
std::vector<DumpFile> list_dumps(const std::string& dir);

/// The bytes of dump files: a range is readable where a file holds it.
/// The mappings are `maps` (a snapshot of the process: names, perms and
/// files for the pointer census) or, without one, a `rw-p` anonymous
/// mapping per file. Throws snap::ParseError naming a file that cannot be
/// opened or holds more bytes than its name says; one that holds fewer
/// (a disk that filled up) is read as far as it goes.
std::unique_ptr<Memory> open_dumps(const std::vector<DumpFile>& dumps, std::vector<Mapping> maps = {});

/// An allocator that leaves bytes uninitialised: a range of 64 MiB is
/// about to be overwritten by the read, and zeroing it first costs as much.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

/// The bytes of [start, end) as far as they could be read: a page that
/// could not be read is zeros in `data` and false in `page_ok`.
struct Bytes {
  std::uint64_t start = 0;
  std::vector<unsigned char, UninitializedAllocator<unsigned char>> data;
  std::vector<bool> page_ok;         // one per page from start's page
  std::uint64_t unreadable_pages = 0;

  std::uint64_t end() const { return start + data.size(); }
  bool ok_at(std::uint64_t address) const {
    return page_ok[(address / kPage) - (start / kPage)];
  }
};

/// Reads [start, end): unmapped or non-readable pages are skipped and
/// counted, as are pages the read fails on.
Bytes read_bytes(Memory& memory, std::uint64_t start, std::uint64_t end);

}  // namespace snap::inspect
