// What an address in a file mapping is: the library (or program) and the
// offset in it, and the symbol that covers it when the file has one,
// demangled. elfutils' libdwfl reads the files (symbol tables, and the
// separate debug files where they are installed); libdw stays private to
// libsnap.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "snap/inspect/memory.h"

namespace snap::inspect {

struct Symbol {
  std::string module;        // the file's name without its directory: "libz.so.1.2.13"
  std::uint64_t offset = 0;  // in the module as nm counts (address - load bias)
  std::string name;          // demangled; empty when no symbol covers the address
  std::uint64_t name_offset = 0;  // from the symbol's start

  /// "vtable for LeakyWidget+0x10", or "libz.so.1.2.13+0x3a40" without a symbol.
  std::string label() const;
  /// "LeakyWidget" when the symbol is a C++ vtable; empty otherwise.
  std::string vtable_class() const;
};

/// Resolves addresses of one process, each answer kept: the same vtable
/// or type pointer comes back thousands of times.
class Symbolizer {
 public:
  /// For a live process: its mappings as /proc/PID/maps lists them.
  Symbolizer(pid_t pid, const std::vector<Mapping>& maps);
  /// For an ELF core: the files its NT_FILE note names, found by build id
  /// or path (dwfl_core_file_report).
  Symbolizer(const std::string& core, const std::vector<Mapping>& maps);
  /// For memory read elsewhere (dump files): the mappings of a snapshot of
  /// the process; the files are found at their paths on this machine
  /// (dwfl_linux_proc_maps_report), so the libraries must not have been
  /// replaced since.
  explicit Symbolizer(const std::vector<Mapping>& maps);
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  /// `address` must lie in a file mapping of `maps`.
  const Symbol& resolve(std::uint64_t address);
  /// Why symbols are missing ("" when libdwfl reported the process).
  const std::string& trouble() const { return trouble_; }

 private:
  struct Dw;
  std::unique_ptr<Dw> dw_;
  const std::vector<Mapping>& maps_;
  std::unordered_map<std::uint64_t, Symbol> cache_;
  std::string trouble_;
};

/// abi::__cxa_demangle, or `name` as it is when it is not a C++ name.
std::string demangle(const std::string& name);

}  // namespace snap::inspect
