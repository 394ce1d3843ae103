#include "snap/inspect/symbols.h"

#include <cxxabi.h>
#include <fcntl.h>
#include <unistd.h>
#include <elfutils/libdwfl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace snap::inspect {

struct Symbolizer::Dw {
  Dwfl_Callbacks callbacks{};
  char* debuginfo_path = nullptr;
  Dwfl* dwfl = nullptr;
  Elf* core = nullptr;
  int core_fd = -1;
  /// A libdwfl session whose files `find_elf` opens; the reason when
  /// libdwfl cannot start one.
  std::string begin(decltype(Dwfl_Callbacks::find_elf) find_elf) {
    callbacks.find_elf = find_elf;
    callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
    callbacks.debuginfo_path = &debuginfo_path;
    dwfl = dwfl_begin(&callbacks);
    return dwfl ? std::string() : fmt::format("libdwfl: {}", dwfl_errmsg(-1));
  }
  ~Dw() {
    if (dwfl) dwfl_end(dwfl);
    if (core) elf_end(core);
    if (core_fd >= 0) ::close(core_fd);
  }
};

std::string demangle(const std::string& name) {
  if (!name.starts_with("_Z")) return name;
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !out) return name;
  std::string result(out);
  std::free(out);
  return result;
}

std::string Symbol::label() const {
  if (name.empty()) return fmt::format("{}+{:#x}", module, offset);
  if (name_offset == 0) return name;
  return fmt::format("{}+{:#x}", name, name_offset);
}

std::string Symbol::vtable_class() const {
  constexpr std::string_view kVtable = "vtable for ";
  return name.starts_with(kVtable) ? name.substr(kVtable.size()) : std::string();
}

Symbolizer::Symbolizer(pid_t pid, const std::vector<Mapping>& maps) : dw_(std::make_unique<Dw>()), maps_(maps) {
  trouble_ = dw_->begin(dwfl_linux_proc_find_elf);
  if (!dw_->dwfl) return;
  dwfl_report_begin(dw_->dwfl);
  const int r = dwfl_linux_proc_report(dw_->dwfl, pid);
  if (r != 0) {
    trouble_ = r > 0 ? fmt::format("libdwfl cannot report process {}: {}", pid, std::strerror(r))
                     : fmt::format("libdwfl cannot report process {}: {}", pid, dwfl_errmsg(-1));
  }
  dwfl_report_end(dw_->dwfl, nullptr, nullptr);
}

Symbolizer::Symbolizer(const std::string& core, const std::vector<Mapping>& maps)
    : dw_(std::make_unique<Dw>()), maps_(maps) {
  elf_version(EV_CURRENT);
  dw_->core_fd = ::open(core.c_str(), O_RDONLY | O_CLOEXEC);
  if (dw_->core_fd < 0) {
    trouble_ = fmt::format("cannot open {}: {}", core, std::strerror(errno));
    return;
  }
  dw_->core = elf_begin(dw_->core_fd, ELF_C_READ_MMAP, nullptr);
  if (!dw_->core) {
    trouble_ = fmt::format("libelf: {}", elf_errmsg(-1));
    return;
  }
  trouble_ = dw_->begin(dwfl_build_id_find_elf);
  if (!dw_->dwfl) return;
  dwfl_report_begin(dw_->dwfl);
  if (dwfl_core_file_report(dw_->dwfl, dw_->core, nullptr) < 0)
    trouble_ = fmt::format("libdwfl cannot read the files of {}: {}", core, dwfl_errmsg(-1));
  dwfl_report_end(dw_->dwfl, nullptr, nullptr);
}

Symbolizer::Symbolizer(const std::vector<Mapping>& maps) : dw_(std::make_unique<Dw>()), maps_(maps) {
  trouble_ = dw_->begin(dwfl_linux_proc_find_elf);
  if (!dw_->dwfl) return;
  // libdwfl reads a maps file's lines. It takes a line for a file only
  // with a device or an inode, and joins consecutive lines of the same
  // device and inode into one module: a number per path stands in for the
  // inode, which a snapshot may not have (pmap -x).
  std::string text;
  std::unordered_map<std::string, std::size_t> inode;
  for (const Mapping& m : maps)
    if (m.file_backed()) {
      const std::size_t ino = inode.emplace(m.path, inode.size() + 1).first->second;
      fmt::format_to(std::back_inserter(text), "{:x}-{:x} {} {:08x} 00:00 {} {}\n", m.start, m.end,
                     m.perms.empty() ? "r--p" : m.perms, m.offset, ino, m.path);
    }
  if (text.empty()) {
    trouble_ = "the mappings name no file";
    dwfl_end(dw_->dwfl);
    dw_->dwfl = nullptr;
    return;
  }
  FILE* f = fmemopen(text.data(), text.size(), "r");
  if (!f) {
    trouble_ = fmt::format("fmemopen: {}", std::strerror(errno));
    return;
  }
  dwfl_report_begin(dw_->dwfl);
  const int r = dwfl_linux_proc_maps_report(dw_->dwfl, f);
  std::fclose(f);
  if (r != 0)
    trouble_ = r > 0 ? fmt::format("libdwfl cannot report the mappings: {}", std::strerror(r))
                     : fmt::format("libdwfl cannot report the mappings: {}", dwfl_errmsg(-1));
  dwfl_report_end(dw_->dwfl, nullptr, nullptr);
}

Symbolizer::~Symbolizer() = default;

const Symbol& Symbolizer::resolve(std::uint64_t address) {
  if (auto it = cache_.find(address); it != cache_.end()) return it->second;
  Symbol s;
  if (const Mapping* m = find_mapping(maps_, address)) {
    s.module = std::filesystem::path(m->path).filename().string();
    s.offset = address - m->start + m->offset;  // a file offset, until libdwfl knows better
  }
  if (Dwfl_Module* mod = dw_->dwfl ? dwfl_addrmodule(dw_->dwfl, address) : nullptr) {
    Dwarf_Addr low = 0;
    const char* name = dwfl_module_info(mod, nullptr, &low, nullptr, nullptr, nullptr, nullptr, nullptr);
    if (name && *name) s.module = std::filesystem::path(name).filename().string();
    Dwarf_Addr bias = 0;
    if (dwfl_module_getelf(mod, &bias)) s.offset = address - bias;
    GElf_Off off = 0;
    GElf_Sym sym;
    if (const char* sname = dwfl_module_addrinfo(mod, address, &off, &sym, nullptr, nullptr, nullptr)) {
      s.name = demangle(sname);
      s.name_offset = off;
    }
  }
  return cache_.emplace(address, std::move(s)).first->second;
}

}  // namespace snap::inspect
