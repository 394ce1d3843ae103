// Reading a whole input into memory: a file, stdin ("-"), or either
// compressed (gzip, xz, bzip2, zstd: decompress.h).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <atomic>
#include <exception>

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "decompress.h"
#include "parallel.h"
#include "parsers.h"
#include "pmap_frame.h"
#include "snap/error.h"
#include "snap/parse.h"

namespace snap {
namespace {

[[noreturn]] void fail_errno(const std::string& path, const char* what) {
  throw ParseError(path, 0, 0, fmt::format("{}: {}", what, std::strerror(errno)));
}

/// A whole number from 1 to `fallback` in the environment variable `name`,
/// else `fallback`: the test hook of parse.h, which can only lower a limit.
std::uint64_t lowered(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v < '1' || *v > '9') return fallback;
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(v, &end, 10);
  if (*end != '\0' || errno != 0 || n > fallback) return fallback;
  return n;
}

/// kMaxInputBytes and kInputIdleSeconds, or lower (parse.h), read once.
struct Limits {
  std::uint64_t max_bytes;
  int idle_seconds;
};

const Limits& limits() {
  static const Limits l{
      lowered("SNAP_TEST_MAX_INPUT_MIB", kMaxInputBytes >> 20) << 20,
      static_cast<int>(lowered("SNAP_TEST_INPUT_IDLE_SECONDS", static_cast<std::uint64_t>(kInputIdleSeconds)))};
  return l;
}

[[noreturn]] void too_large(const std::string& path, const char* what) {
  throw ParseError(path, 0, 0,
                   fmt::format("{} more than {} MiB: not a snapshot (262,144 smaps mappings are about 200 MB)",
                               what, limits().max_bytes >> 20));
}

/// A snapshot's first bytes, checked as soon as they are in (check_start):
/// given to the reads of snapshots, not to those of other files (NMT).
struct Probe {
  std::optional<Format> format;
};

std::string read_fd(int fd, const std::string& path, const Probe* probe) {
  std::string data;
  bool probed = probe == nullptr;
  struct stat st {};
  const bool stat_ok = fstat(fd, &st) == 0;
  if (stat_ok && S_ISDIR(st.st_mode)) throw ParseError(path, 0, 0, "is a directory, not a snapshot file");
  const Limits& limit = limits();
  if (stat_ok && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > limit.max_bytes)
    too_large(path, "holds");
  if (stat_ok && S_ISREG(st.st_mode) && st.st_size > 0)
    data.reserve(static_cast<std::size_t>(st.st_size) + 1);
  // A pipe, FIFO, socket or terminal may never end: bounded by size, and by
  // how long it may stay silent.
  const bool stream = !stat_ok || !S_ISREG(st.st_mode);
  char buf[1 << 16];
  for (;;) {
    if (stream) {
      pollfd p{fd, POLLIN, 0};
      int ready = ::poll(&p, 1, limit.idle_seconds * 1000);
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0)
        throw ParseError(path, 0, 0,
                         fmt::format("no data for {} s after {} bytes: a pipe whose writer never ends?",
                                     limit.idle_seconds, data.size()));
    }
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(path, "cannot read");
    }
    if (data.size() + static_cast<std::size_t>(n) > limit.max_bytes) too_large(path, "reads");
    data.append(buf, static_cast<std::size_t>(n));
    // A compressed file is judged by what it decompresses to.
    if (!probed && data.size() >= kProbeBytes) {
      probed = true;
      if (!detail::compression_of(data)) detail::check_start(data, false, path, probe->format);
    }
  }
  return data;
}

/// `data` decompressed (decompress.h), within the size limit, its start
/// checked as soon as it is out (as read_fd checks a plain file's).
std::string decompressed(const detail::Compression& c, std::string_view data, const std::string& path,
                         const Probe* probe) {
  bool probed = probe == nullptr;
  std::string out;
  const std::uint64_t max_bytes = limits().max_bytes;
  if (c.supported) out.reserve(std::min<std::size_t>(data.size() * 4, max_bytes));
  detail::decompress(c, data, path, [&](const char* p, std::size_t n) {
    if (out.size() + n > max_bytes) too_large(path, fmt::format("{}: {} to", c.name, c.name == "gzip" ? "inflates" : "decompresses").c_str());
    out.append(p, n);
    if (!probed && out.size() >= kProbeBytes) {
      probed = true;
      detail::check_start(out, false, path, probe->format);
    }
  });
  return out;
}

/// The read: a file descriptor's bytes, decompressed.
std::string read_open(int fd, const std::string& path, const Probe* probe = nullptr) {
  std::string data = read_fd(fd, path, probe);
  if (const detail::Compression* c = detail::compression_of(data)) return decompressed(*c, data, path, probe);
  return data;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

class Unmap {
 public:
  Unmap(void* p, std::size_t n) : p_(p), n_(n) {}
  Unmap(const Unmap&) = delete;
  Unmap& operator=(const Unmap&) = delete;
  ~Unmap() { ::munmap(p_, n_); }

 private:
  void* p_;
  std::size_t n_;
};

thread_local detail::MappedText* t_mapped = nullptr;

/// While it lives, the parsers on this thread may give back the pages of
/// `text` behind their cursor (detail::release_behind).
}  // namespace

namespace detail {
void populate(const MappedText& m, std::size_t from, std::size_t bytes);
void fill_first_window(MappedText& m);
}

namespace {

class MappedScope {
 public:
  explicit MappedScope(std::string_view text) : m_{text.data(), text.size(), 0, 0}, prev_(t_mapped) {
    t_mapped = &m_;
    // A window ahead of the parser (release_behind), whatever the file's
    // size: a file is never resident at once.
    detail::fill_first_window(m_);
  }
  MappedScope(const MappedScope&) = delete;
  MappedScope& operator=(const MappedScope&) = delete;
  ~MappedScope() { t_mapped = prev_; }

 private:
  detail::MappedText m_;
  detail::MappedText* prev_;
};

}  // namespace

namespace detail {

void populate(const MappedText& m, std::size_t from, std::size_t bytes) {
  constexpr std::size_t kPage = 4096;
  from = from / kPage * kPage;
  if (from >= m.size) return;
  bytes = std::min(bytes, m.size - from);
  // Page tables filled in one call instead of a fault every 16 pages (a
  // third of snapdiff DIR's kernel time); ignored where unsupported.
  ::madvise(const_cast<char*>(m.base) + from, bytes, MADV_POPULATE_READ);
}

void release_behind(const char* p) {
  MappedText* m = t_mapped;
  if (!m || p < m->base || p > m->base + m->size) return;
  constexpr std::size_t kPage = 4096;
  const std::size_t at = static_cast<std::size_t>(p - m->base);
  const std::size_t upto = at / kPage * kPage;
  if (upto > m->released) {
    // A private, read-only file mapping: the pages re-fault from the file if
    // read again (an error's second pass over the text does).
    ::madvise(const_cast<char*>(m->base) + m->released, upto - m->released, MADV_DONTNEED);
    m->released = upto;
  }
  if (at + kPopulateAhead / 2 >= m->populated) {
    populate(*m, m->populated, kPopulateAhead);
    m->populated = std::min(m->size, m->populated / kPage * kPage + kPopulateAhead);
  }
}

void fill_first_window(MappedText& m) {
  populate(m, 0, kPopulateAhead);
  m.populated = std::min(m.size, kPopulateAhead);
}

void restart_mapped() {
  MappedText* m = t_mapped;
  if (!m) return;
  ::madvise(const_cast<char*>(m->base) + m->released, m->size - m->released, MADV_DONTNEED);
  m->released = 0;
  fill_first_window(*m);
}

std::optional<Snapshot> read_streaming(int fd, const std::string& path, std::size_t size,
                                             std::optional<Format> format, std::size_t chunk) {
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  chunk = std::max<std::size_t>(chunk, 1);
  // Not zeroed: a page of it becomes resident only when a read fills it (a
  // file of another format reads its head alone).
  std::size_t capacity = std::max(chunk, kProbeBytes);
  auto buf = std::make_unique_for_overwrite<char[]>(capacity);
  std::size_t have = 0;      // bytes in buf
  std::uint64_t offset = 0;  // pread: the fd's own offset stays at 0 for the whole-text path
  bool eof = false;
  // At most `most` bytes more.
  auto fill = [&](std::size_t most) {
    if (have == capacity) {  // a line longer than the buffer
      auto wider = std::make_unique_for_overwrite<char[]>(capacity * 2);
      std::memcpy(wider.get(), buf.get(), have);
      buf = std::move(wider);
      capacity *= 2;
    }
    for (;;) {
      const ssize_t n =
          ::pread(fd, buf.get() + have, std::min(most, capacity - have), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno(path, "cannot read");
      if (offset + static_cast<std::uint64_t>(n) > limits().max_bytes) too_large(path, "reads");
      offset += static_cast<std::uint64_t>(n);
      have += static_cast<std::size_t>(n);
      eof = n == 0;
      return;
    }
  };
  // The head alone first: a file of another format is left for the
  // whole-text path after one small read.
  while (!eof && have < std::min(size, kProbeBytes)) fill(kProbeBytes - have);
  const std::string_view head(buf.get(), have);
  // What the whole-text path judges on its own terms, before anything is parsed.
  if (compression_of(head) || is_elf(head) || head.find('\r') != std::string_view::npos)
    return std::nullopt;
  if (size > kProbeBytes) check_start(head.substr(0, kProbeBytes), false, path, format);
  Snapshot s;
  s.source = path;
  if (format) {
    s.format = *format;
  } else {
    // detect_format reads at most four lines that are not blank (a pmap
    // header and three more): with them among the head's whole lines it
    // decides as on the whole text. With fewer (blank lines or a long line
    // past the head), the whole text decides.
    const std::string_view lines_of_head = head.substr(0, head.rfind('\n') + 1);  // npos + 1 == 0
    std::size_t meaningful = 0;
    Lines it(lines_of_head);
    for (std::string_view line; meaningful < 4 && it.next(line);) meaningful += !trim(line).empty();
    if (meaningful < 4) return std::nullopt;
    try {
      s.format = detect_format(lines_of_head, path);
    } catch (const ParseError&) {
      return std::nullopt;
    }
  }
  // Every piece read, whole lines at most `chunk` bytes (a longer line
  // whole), to `feed`; false when the file does not end in a newline.
  auto read_pieces = [&](auto&& feed) {
    for (;;) {
      std::size_t fed = 0;
      for (;;) {
        const std::string_view rest(buf.get() + fed, have - fed);
        std::size_t nl = rest.substr(0, chunk).rfind('\n');
        if (nl == std::string_view::npos) nl = rest.find('\n', chunk);
        if (nl == std::string_view::npos) break;
        feed(rest.substr(0, nl + 1));
        fed += nl + 1;
      }
      // The start of a line the next read completes.
      std::memmove(buf.get(), buf.get() + fed, have - fed);
      have -= fed;
      if (eof) return have == 0;
      fill(SIZE_MAX);
    }
  };
  RegionStore::Builder rows;
  try {
    switch (s.format) {
      case Format::smaps: {
        SmapsFeed feed(s, rows, size);
        // No newline at the end: a cut last line is judged on the whole text.
        if (!read_pieces([&](std::string_view piece) { feed.feed(piece); })) return std::nullopt;
        feed.finish();
        break;
      }
      case Format::pmap:
      case Format::pmap_x:
      case Format::pmap_d:
      case Format::solaris_pmap_x:
      case Format::pmap_X: {
        // Rows estimated from the head's lines (a pass over the whole file
        // to count them would read it twice), and made resident at once,
        // cheaper than a fault each: within reserve_rows' bounds (a row is
        // at least 30 bytes).
        {
          const std::string_view lines_of_head = head.substr(0, head.rfind('\n') + 1);
          const auto newlines = static_cast<std::size_t>(std::count(lines_of_head.begin(), lines_of_head.end(), '\n'));
          const std::size_t estimate =
              size / std::max<std::size_t>(lines_of_head.size() / std::max<std::size_t>(newlines, 1), 1) + 16;
          rows.reserve_counted(std::min({estimate + estimate / 64, size / 30 + 1, kMaxReservedRows}));
        }
        const std::unique_ptr<LineParser> parser =
            s.format == Format::pmap_X ? pmap_X_parser(s, rows) : pmap_parser(s, rows);
        std::size_t lines = 0;
        if (!read_pieces([&](std::string_view piece) { feed_lines(piece, *parser, lines); })) return std::nullopt;
        parser->finish(lines);
        break;
      }
      default: return std::nullopt;
    }
  } catch (const ParseError&) {
    return std::nullopt;
  }
  finish_snapshot(s, rows);
  return s;
}

}  // namespace detail

std::string read_input(const std::string& path) {
  if (path == "-") return read_open(STDIN_FILENO, path);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail_errno(path, "cannot open");
  return read_open(fd.get(), path);
}

Snapshot read_snapshot(const std::string& path, std::optional<Format> format) {
  const Probe probe{format};
  if (path != "-") {
    // A regular smaps or pmap file streams through one small buffer
    // (read_streaming). Any other regular file is mapped, not copied:
    // no read() into a fresh heap buffer, and the parser gives the pages it
    // has passed back as it goes, so a 200 MB file is never resident at
    // once. Pipes, /proc (size 0), and compressed files are read whole.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) fail_errno(path, "cannot open");
    struct stat st {};
    if (fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      // An ELF core: libelf maps it itself, past the text formats' size
      // limit (a core holds the address space's contents).
      char magic[4] = {};
      if ((!format || *format == Format::core) && ::pread(fd.get(), magic, sizeof magic, 0) == sizeof magic &&
          detail::is_elf(std::string_view(magic, sizeof magic))) {
        Snapshot s;
        s.source = path;
        s.format = Format::core;
        RegionStore::Builder rows;
        detail::parse_core_fd(fd.get(), s, rows);
        detail::finish_snapshot(s, rows);
        return s;
      }
      if (static_cast<std::uint64_t>(st.st_size) > limits().max_bytes) too_large(path, "holds");
      const auto size = static_cast<std::size_t>(st.st_size);
      if (std::optional<Snapshot> s = detail::read_streaming(fd.get(), path, size, format))
        return std::move(*s);
      void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
      if (m != MAP_FAILED) {
        Unmap unmap(m, size);
        const std::string_view text(static_cast<const char*>(m), size);
        if (const detail::Compression* c = detail::compression_of(text))
          return parse_snapshot(decompressed(*c, text, path, &probe), path, format);
        if (size > kProbeBytes) detail::check_start(text.substr(0, kProbeBytes), false, path, format);
        ::madvise(m, size, MADV_SEQUENTIAL);
        MappedScope scope(text);
        return parse_snapshot(text, path, format);
      }
    }
    std::string text = read_open(fd.get(), path, &probe);
    return parse_snapshot(text, path, format);
  }
  std::string text = read_open(STDIN_FILENO, path, &probe);
  return parse_snapshot(text, path, format);
}

std::vector<Snapshot> read_snapshots(const std::vector<std::string>& paths, std::optional<Format> format,
                                     const std::function<void(const Snapshot&)>& each,
                                     const std::function<void(const ParseError&)>& bad) {
  const std::size_t n = paths.size();
  std::vector<std::optional<Snapshot>> done(n);
  std::vector<std::exception_ptr> errors(n);
  std::atomic<std::size_t> next{0}, first_error{SIZE_MAX};
  // The files of a series name the same paths: one copy of each for all.
  NamePool names;
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      if (!bad && i > first_error.load()) return;  // as one thread would: nothing after a failure
      try {
        done[i] = read_snapshot(paths[i], format);
        done[i]->regions.share_names(names);
      } catch (...) {
        errors[i] = std::current_exception();
        std::size_t seen = first_error.load();
        while (i < seen && !first_error.compare_exchange_weak(seen, i)) {
        }
      }
    }
  };
  detail::parallel_for(detail::threads_for(n, 1, 4), [&](std::size_t) { work(); });
  // What the parses freed (their name indexes, the names now shared) is
  // free space inside each thread's malloc arena, still resident: given
  // back before the comparison allocates its blocks.
  ::malloc_trim(0);

  std::vector<Snapshot> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (errors[i] && bad) {
      try {
        std::rethrow_exception(errors[i]);
      } catch (const ParseError& e) {
        bad(e);
        continue;
      }
    }
    if (errors[i]) std::rethrow_exception(errors[i]);
    out.push_back(std::move(*done[i]));
    done[i].reset();
    if (each) each(out.back());
  }
  return out;
}

}  // namespace snap
