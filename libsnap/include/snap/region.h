// One mapping of a process's address space: a line of /proc/PID/maps, a block
// of smaps, a row of pmap. A plain value: no behaviour hides in it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "snap/counters.h"

namespace snap {

/// r/w/x and shared (s) vs private (p), as in maps' "rw-p".
struct Perms {
  bool read = false;
  bool write = false;
  bool exec = false;
  bool shared = false;

  /// "rw-p" form.
  std::string str() const;
  bool none() const { return !read && !write && !exec; }
  bool operator==(const Perms&) const = default;
};

struct Device {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  bool operator==(const Device&) const = default;
};

/// A smaps line snap does not know by name (newer kernels add some). Kept,
/// never rejected. `value` is in bytes when the line had a "kB" unit.
struct ExtraField {
  std::string key;
  std::optional<std::uint64_t> value;
  std::string text;  // the raw value when it is not a number
  bool operator==(const ExtraField&) const = default;
};

/// Region's predicates on a name alone (RegionStore's columns use them).
bool anonymous_name(std::string_view name);
inline bool file_backed_name(std::string_view name) { return !name.empty() && name.front() != '['; }
std::string_view basename_of(std::string_view name);

struct Region {
  std::uint64_t start = 0;  // first byte
  std::uint64_t end = 0;    // one past the last byte: [start, end)
  Perms perms;
  std::optional<std::uint64_t> offset;  // file offset; pmap and pmap -x lack it
  std::optional<Device> device;
  std::optional<std::uint64_t> inode;
  /// As the kernel names it: a path (possibly with spaces and a
  /// " (deleted)" suffix), "[heap]", "[stack]", "[vdso]", ... or empty for
  /// anonymous memory. pmap's "[ anon ]" becomes empty, "[ heap ]" "[heap]".
  std::string name;
  Counters counters;
  std::optional<std::string> vm_flags;  // smaps "VmFlags", e.g. "rd wr mr mw me ac"
  std::vector<ExtraField> extra;
  std::uint32_t line = 0;  // where the region starts in its source file (1-based)

  std::uint64_t size() const { return end - start; }
  /// No name, or a bracketed anonymous name such as "[anon:...]".
  bool anonymous() const { return anonymous_name(name); }
  /// A path: not empty and not a bracketed kernel name.
  bool file_backed() const { return file_backed_name(name); }
  bool deleted() const;
  /// The last path component of a file-backed name; the name otherwise.
  std::string_view basename() const { return basename_of(name); }
  /// True when VmFlags is known and contains the two-letter `flag`.
  bool has_vm_flag(std::string_view flag) const;

  /// Back to Region{}, keeping the name's buffer: parsers fill one Region
  /// per row, over and over.
  void clear() {
    start = end = 0;
    perms = {};
    offset.reset();
    device.reset();
    inode.reset();
    name.clear();
    counters = Counters();
    vm_flags.reset();
    extra.clear();
    line = 0;
  }

  bool operator==(const Region&) const = default;
};

}  // namespace snap
