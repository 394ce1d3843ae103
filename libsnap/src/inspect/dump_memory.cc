// The bytes of the files a gdb file of snapdiff --gdb wrote, for
// snapinspect DUMPDIR: the process may be long gone, or on another host.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "file_segments.h"
#include "hex.h"
#include "snap/error.h"
#include "snap/inspect/memory.h"

namespace snap::inspect {

namespace {

namespace fs = std::filesystem;

/// "snap-4242-55aa000-55ab000-heap.bin" (the pid is left out when the
/// snapshots did not name the process): the range and the category.
bool parse_name(std::string_view name, DumpFile& d) {
  if (!name.starts_with("snap-") || !name.ends_with(".bin")) return false;
  name.remove_prefix(5);
  name.remove_suffix(4);
  std::vector<std::string_view> parts;
  for (std::size_t at = 0;;) {
    const std::size_t dash = name.find('-', at);
    parts.push_back(name.substr(at, dash - at));
    if (dash == std::string_view::npos) break;
    at = dash + 1;
  }
  // snap-PID-START-END-CATEGORY, or snap-START-END-CATEGORY when the
  // snapshots did not name the process; a category may hold dashes
  // ("thread-stack") but never starts with a hexadecimal word.
  auto take = [&](std::size_t first) {
    std::uint64_t start = 0, end = 0;
    if (parts.size() < first + 3 || !parse_hex(parts[first], start) || !parse_hex(parts[first + 1], end) || start >= end)
      return false;
    std::string category;
    for (std::size_t k = first + 2; k < parts.size(); ++k) {
      if (!category.empty()) category += '-';
      category += parts[k];
    }
    d.start = start;
    d.end = end;
    d.category = std::move(category);
    return true;
  };
  const bool decimal = !parts[0].empty() && parts[0].find_first_not_of("0123456789") == std::string_view::npos;
  if (decimal && take(1)) return true;
  return take(0);
}

class DumpMemory final : public Memory {
 public:
  DumpMemory(const std::vector<DumpFile>& dumps, std::vector<Mapping> maps) : maps_(std::move(maps)) {
    for (const DumpFile& d : dumps) {
      const int fd = ::open(d.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw ParseError(d.path, 0, 0, std::strerror(errno));
      struct stat st {};
      ::fstat(fd, &st);
      const auto size = static_cast<std::uint64_t>(st.st_size);
      if (size > d.end - d.start) {
        ::close(fd);
        throw ParseError(d.path, 0, 0,
                         fmt::format("holds {} bytes, more than the {} of the range its name says", size,
                                     d.end - d.start));
      }
      files_.push_back(FileSegment{d.start, d.start + size, fd, 0});
    }
    std::sort(files_.begin(), files_.end(),
              [](const FileSegment& a, const FileSegment& b) { return a.start < b.start; });
    if (maps_.empty())
      for (const DumpFile& d : dumps) maps_.push_back(Mapping{d.start, d.end, "rw-p", 0, ""});
    std::sort(maps_.begin(), maps_.end(), [](const Mapping& a, const Mapping& b) { return a.start < b.start; });
  }
  ~DumpMemory() override {
    for (const FileSegment& f : files_) ::close(f.fd);
  }
  DumpMemory(const DumpMemory&) = delete;
  DumpMemory& operator=(const DumpMemory&) = delete;

  std::size_t read(std::uint64_t address, void* out, std::size_t len) override {
    return read_segments(files_, address, out, len);
  }
  const std::vector<Mapping>& mappings() const override { return maps_; }

 private:
  std::vector<FileSegment> files_;  // what each file holds
  std::vector<Mapping> maps_;
};

}  // namespace

std::vector<DumpFile> list_dumps(const std::string& dir) {
  std::vector<DumpFile> dumps;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    DumpFile d;
    if (!parse_name(e.path().filename().string(), d) || !e.is_regular_file(ec)) continue;
    d.path = e.path().string();
    dumps.push_back(std::move(d));
  }
  std::sort(dumps.begin(), dumps.end(), [](const DumpFile& a, const DumpFile& b) {
    return a.start != b.start ? a.start < b.start : a.path < b.path;
  });
  return dumps;
}

std::unique_ptr<Memory> open_dumps(const std::vector<DumpFile>& dumps, std::vector<Mapping> maps) {
  return std::make_unique<DumpMemory>(dumps, std::move(maps));
}

}  // namespace snap::inspect
