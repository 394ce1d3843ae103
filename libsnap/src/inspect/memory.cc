#include "snap/inspect/memory.h"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "hex.h"
#include "live/proc_file.h"
#include "snap/error.h"
#include "snap/live/proc_error.h"

namespace snap::inspect {

namespace {

std::string_view next_field(std::string_view& line) {
  const std::size_t b = line.find_first_not_of(' ');
  if (b == std::string_view::npos) {
    line = {};
    return {};
  }
  line.remove_prefix(b);
  const std::size_t e = line.find(' ');
  std::string_view f = line.substr(0, e);
  line = e == std::string_view::npos ? std::string_view() : line.substr(e);
  return f;
}

/// A live process: process_vm_readv, one call per contiguous request.
class ProcessMemory final : public Memory {
 public:
  explicit ProcessMemory(pid_t pid) : pid_(pid), maps_(read_mappings(pid)) {}

  std::size_t read(std::uint64_t address, void* out, std::size_t len) override {
    iovec local{out, len};
    iovec remote{reinterpret_cast<void*>(address), len};
    const ssize_t n = ::process_vm_readv(pid_, &local, 1, &remote, 1, 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    const int err = errno;
    if (err == EFAULT || err == EIO || err == ENOMEM) return 0;  // this page, not the process
    if (err == ESRCH)
      throw ProcError(fmt::format("process {} exited while its memory was read", pid_), err);
    if (err == EPERM || err == EACCES)
      throw ProcError(fmt::format("cannot read the memory of process {}: {} (reading another "
                                  "process's memory needs the rights of ptrace: the same user and "
                                  "kernel.yama.ptrace_scope 0, or CAP_SYS_PTRACE)",
                                  pid_, std::strerror(err)),
                      err);
    throw ProcError(fmt::format("cannot read the memory of process {}: {}", pid_, std::strerror(err)), err);
  }
  const std::vector<Mapping>& mappings() const override { return maps_; }

 private:
  pid_t pid_;
  std::vector<Mapping> maps_;
};

}  // namespace

std::vector<Mapping> parse_mappings(std::string_view text, const std::string& origin) {
  std::vector<Mapping> maps;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    const std::string_view whole = line;
    const std::string_view range = next_field(line), perms = next_field(line), offset = next_field(line);
    next_field(line);  // device
    next_field(line);  // inode
    const std::size_t dash = range.find('-');
    Mapping m;
    if (dash == std::string_view::npos || !parse_hex(range.substr(0, dash), m.start) ||
        !parse_hex(range.substr(dash + 1), m.end) || m.end < m.start || perms.size() < 4 || !parse_hex(offset, m.offset))
      throw ParseError(origin, line_no, 0, fmt::format("not a maps line: '{}'", whole));
    m.perms = std::string(perms);
    const std::size_t b = line.find_first_not_of(' ');
    if (b != std::string_view::npos) m.path = std::string(line.substr(b));
    maps.push_back(std::move(m));
  }
  std::sort(maps.begin(), maps.end(), [](const Mapping& a, const Mapping& b) { return a.start < b.start; });
  return maps;
}

std::vector<Mapping> read_mappings(pid_t pid) {
  const std::string path = fmt::format("/proc/{}/maps", pid);
  const std::string text = detail::read_proc_file(path);
  if (text.empty()) throw ProcError(fmt::format("{} is empty: process {} exited", path, pid), ESRCH);
  return parse_mappings(text, path);
}

const Mapping* find_mapping(const std::vector<Mapping>& maps, std::uint64_t address) {
  auto it = std::upper_bound(maps.begin(), maps.end(), address,
                             [](std::uint64_t a, const Mapping& m) { return a < m.start; });
  if (it == maps.begin()) return nullptr;
  --it;
  return it->contains(address) ? &*it : nullptr;
}

std::unique_ptr<Memory> open_process(pid_t pid) {
  return std::make_unique<ProcessMemory>(pid);
}

Bytes read_bytes(Memory& memory, std::uint64_t start, std::uint64_t end) {
  Bytes b;
  b.start = start;
  b.data.resize(end - start);  // uninitialised: what is not read is zeroed below
  const std::uint64_t first_page = start / kPage, last_page = (end + kPage - 1) / kPage;
  b.page_ok.assign(last_page - first_page, false);
  const auto& maps = memory.mappings();
  std::uint64_t at = start;
  // Large requests: one system call per megabyte; a failure inside one is
  // narrowed to its page, and the read goes on past it.
  constexpr std::uint64_t kBlock = 1 << 20;
  while (at < end) {
    const Mapping* m = find_mapping(maps, at);
    if (!m || !m->readable()) {
      // Up to the next mapping (or the end): skipped whole.
      std::uint64_t next = end;
      for (const Mapping& n : maps)
        if (n.start > at) {
          next = std::min(next, n.start);
          break;
        }
      if (m) next = std::min(end, m->end);
      std::fill(b.data.begin() + static_cast<std::ptrdiff_t>(at - start),
                b.data.begin() + static_cast<std::ptrdiff_t>(next - start), 0);
      at = next;
      continue;
    }
    const std::uint64_t stop = std::min({end, m->end, (at / kBlock + 1) * kBlock});
    const std::size_t got = memory.read(at, b.data.data() + (at - start), stop - at);
    const std::uint64_t good_end = at + got;
    for (std::uint64_t p = at / kPage; p * kPage < good_end; ++p)
      if ((p + 1) * kPage <= good_end || good_end == end) b.page_ok[p - first_page] = true;
    if (got == stop - at) {
      at = stop;
    } else {
      // The page holding good_end could not be read: skip it.
      const std::uint64_t bad_page_end = (good_end / kPage + 1) * kPage;
      std::fill(b.data.begin() + static_cast<std::ptrdiff_t>(good_end / kPage * kPage > start ? good_end / kPage * kPage - start : 0),
                b.data.begin() + static_cast<std::ptrdiff_t>(std::min(end, bad_page_end) - start), 0);
      if (good_end / kPage * kPage >= start) b.page_ok[good_end / kPage - first_page] = false;
      at = std::min(end, bad_page_end);
    }
  }
  for (bool ok : b.page_ok) b.unreadable_pages += !ok;
  return b;
}

}  // namespace snap::inspect
