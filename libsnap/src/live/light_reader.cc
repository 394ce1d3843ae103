// The light reader: maps + pagemap.
#include "snap/live/light_reader.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "live/proc_file.h"
#include "snap/live/proc_error.h"

namespace snap {
namespace {

// The PAGEMAP_SCAN interface (include/uapi/linux/fs.h, Linux 6.7): Debian
// 12's headers predate it; the ABI is fixed.
namespace uapi {
constexpr std::uint64_t kIsFile = 1u << 2, kIsPresent = 1u << 3, kIsSwapped = 1u << 4, kIsPfnZero = 1u << 5;
struct PageRegion {
  std::uint64_t start, end, categories;
};
struct PmScanArg {
  std::uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted, category_mask,
      category_anyof_mask, return_mask;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);
}  // namespace uapi

// The pagemap entry (Documentation/admin-guide/mm/pagemap.rst).
constexpr std::uint64_t kPmPresent = 1ull << 63, kPmSwapped = 1ull << 62, kPmFile = 1ull << 61,
                        kPmExclusive = 1ull << 56;

struct Mapping {
  std::uint64_t start = 0, end = 0;
  std::string_view line;  // the maps line, without its newline
  std::uint64_t rss = 0, anonymous = 0, swap = 0;  // pages
  std::uint64_t exclusive = 0;  // present pages mapped by this process alone (entries only)
};

/// "START-END ..." -> start, end; false for a line that is not a mapping.
bool parse_range(std::string_view line, std::uint64_t& start, std::uint64_t& end) {
  const char* p = line.data();
  const char* e = p + line.size();
  auto r = std::from_chars(p, e, start, 16);
  if (r.ec != std::errc() || r.ptr == e || *r.ptr != '-') return false;
  r = std::from_chars(r.ptr + 1, e, end, 16);
  return r.ec == std::errc() && r.ptr != e && *r.ptr == ' ' && end > start;
}

/// What a maps line says of its mapping besides the range: permissions,
/// offset, device, inode, name.
std::string_view describe(std::string_view line) {
  const std::size_t space = line.find(' ');
  return space == std::string_view::npos ? std::string_view() : line.substr(space);
}

std::vector<Mapping> parse_maps(std::string_view text) {
  std::vector<Mapping> out;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    Mapping m;
    if (!parse_range(line, m.start, m.end)) continue;
    m.line = line;
    out.push_back(m);
  }
  return out;
}

/// In address order, none overlapping the one before: maps read whole.
bool ordered(const std::vector<Mapping>& maps) {
  for (std::size_t i = 1; i < maps.size(); ++i)
    if (maps[i].start < maps[i - 1].end) return false;
  return true;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

/// The pause between calls, without the default 50 us timer slack (which
/// would make a 20 us pause 70 us, thousands of times a read).
class Pause {
 public:
  explicit Pause(double seconds) : ts_{0, static_cast<long>(seconds * 1e9)} {
    if (ts_.tv_nsec <= 0) return;
    slack_ = ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    if (slack_ > 1000) ::prctl(PR_SET_TIMERSLACK, 1000ul, 0, 0, 0);
  }
  ~Pause() {
    if (slack_ > 1000) ::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(slack_), 0, 0, 0);
  }
  void operator()() const {
    if (ts_.tv_nsec > 0) ::nanosleep(&ts_, nullptr);
  }

 private:
  timespec ts_;
  int slack_ = -1;
};

[[noreturn]] void fail(const std::string& path, int err) {
  throw ProcError(fmt::format("cannot read {}: {}", path, std::strerror(err)), err);
}

class Counter {
 public:
  Counter(int fd, std::string path, const LightOptions& o, const Clock& clock, LightRead& r)
      : fd_(fd), path_(std::move(path)), o_(o), clock_(clock), pause_(o.pause_seconds), r_(r) {}

  /// PAGEMAP_SCAN over [m.start, m.end): false when the kernel has no such
  /// ioctl (only ever on the first call).
  bool scan(Mapping& m) {
    std::array<uapi::PageRegion, 512> vec;
    uapi::PmScanArg arg{};
    arg.size = sizeof arg;
    arg.vec = reinterpret_cast<std::uintptr_t>(vec.data());
    arg.vec_len = vec.size();
    arg.category_anyof_mask = uapi::kIsPresent | uapi::kIsSwapped;
    arg.return_mask = uapi::kIsPresent | uapi::kIsSwapped | uapi::kIsFile | uapi::kIsPfnZero;
    const std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    for (std::uint64_t at = m.start; at < m.end;) {
      arg.start = at;
      arg.end = m.end;
      arg.walk_end = 0;
      arg.max_pages = o_.pages_per_call;
      const int n = timed([&] { return ::ioctl(fd_, uapi::kPagemapScan, &arg); });
      if (n < 0) {
        const int err = errno;
        if (err == EINTR) continue;
        if ((err == ENOTTY || err == EINVAL) && r_.calls == 1) return false;
        // Above the user address space ([vsyscall]): no page tables of the
        // process's own; smaps says 0 too.
        if (err == EFAULT) break;
        fail(path_, err);
      }
      std::uint64_t counted = 0;
      for (int i = 0; i < n; ++i) {
        const auto& reg = vec[static_cast<std::size_t>(i)];
        const std::uint64_t pages = (reg.end - reg.start) / page;
        counted += pages;
        if (reg.categories & uapi::kIsSwapped) m.swap += pages;
        // smaps counts neither the shared zero page nor special (PFN) pages:
        // the ioctl skips the latter and marks the former.
        if (!(reg.categories & uapi::kIsPresent) || (reg.categories & uapi::kIsPfnZero)) continue;
        m.rss += pages;
        if (!(reg.categories & uapi::kIsFile)) m.anonymous += pages;
      }
      // walk_end: where this call stopped (max_pages reached, or the end).
      pace(counted);
      if (arg.walk_end <= at) break;  // no progress: never loop
      at = arg.walk_end;
    }
    return true;
  }

  /// Reading pagemap's entries, pages_per_call at a time.
  void read(Mapping& m) {
    const std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t per_call = std::max<std::uint64_t>(o_.pages_per_call, 1);
    std::vector<std::uint64_t> entries(per_call);
    for (std::uint64_t at = m.start / page; at < m.end / page;) {
      const std::uint64_t want = std::min(per_call, m.end / page - at);
      const ssize_t got = timed([&] {
        return ::pread(fd_, entries.data(), want * sizeof(std::uint64_t), static_cast<off_t>(at * sizeof(std::uint64_t)));
      });
      if (got < 0) {
        if (errno == EINTR) continue;
        fail(path_, errno);
      }
      const std::uint64_t n = static_cast<std::uint64_t>(got) / sizeof(std::uint64_t);
      if (n == 0) break;  // past the end of the address space the kernel reports
      for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint64_t e = entries[i];
        if (e & kPmPresent) {
          ++m.rss;
          if (!(e & kPmFile)) ++m.anonymous;
          if (e & kPmExclusive) ++m.exclusive;
        } else if (e & kPmSwapped) {
          ++m.swap;
        }
      }
      at += n;
      pace(n);
    }
  }

 private:
  /// Pauses once pages_per_call pages were counted since the last pause,
  /// or after kCallsPerPause calls: a process of 60,000 small mappings would
  /// otherwise see its lock taken again and again, back to back, one call a
  /// mapping, and a waiting writer overtaken until the rwsem hands it off.
  void pace(std::uint64_t pages) {
    constexpr std::uint64_t kCallsPerPause = 64;
    pages_since_ += pages;
    if (pages_since_ < o_.pages_per_call && ++calls_since_ < kCallsPerPause) return;
    pause_();
    pages_since_ = calls_since_ = 0;
  }

  template <class F>
  std::invoke_result_t<F> timed(F&& f) {
    const double before = clock_.monotonic();
    auto result = f();
    r_.longest_hold = std::max(r_.longest_hold, clock_.monotonic() - before);
    ++r_.calls;
    return result;
  }

  int fd_;
  std::string path_;
  const LightOptions& o_;
  const Clock& clock_;
  Pause pause_;
  LightRead& r_;
  std::uint64_t pages_since_ = 0, calls_since_ = 0;
};

void put_kb(std::string& out, std::string_view key, std::uint64_t bytes) {
  fmt::format_to(std::back_inserter(out), "{:<16}{:>8} kB\n", fmt::format("{}:", key), bytes >> 10);
}

}  // namespace

std::string_view light_method_name(LightMethod m) {
  switch (m) {
    case LightMethod::automatic: return "automatic";
    case LightMethod::pagemap_scan: return "pagemap_scan";
    case LightMethod::pagemap_read: return "pagemap_read";
  }
  return "";
}

std::optional<LightMethod> light_method_from_name(std::string_view name) {
  if (name == "auto") return LightMethod::automatic;
  if (name == "scan") return LightMethod::pagemap_scan;
  if (name == "entries") return LightMethod::pagemap_read;
  return std::nullopt;
}

std::uint32_t light_known_mask(LightMethod m) {
  std::uint32_t mask = 0;
  for (Field f : {Field::size, Field::rss, Field::anonymous, Field::swap}) mask |= 1u << static_cast<unsigned>(f);
  if (m == LightMethod::pagemap_read)
    for (Field f : {Field::private_total, Field::shared_total}) mask |= 1u << static_cast<unsigned>(f);
  return mask;
}

LightRead read_light(std::int64_t pid, const std::string& root, const LightOptions& o, const Clock& clock) {
  LightRead r;
  r.wall = clock.wall();
  r.monotonic = clock.monotonic();
  const std::string maps_path = fmt::format("{}/{}/maps", root, pid);
  const std::string pagemap_path = fmt::format("{}/{}/pagemap", root, pid);
  // maps comes a page of text a read(), the lock dropped between: a
  // process mapping meanwhile can have one mapping listed at two extents.
  // Read again (a read of maps takes no lock on this kernel, and is cheap).
  std::string before;
  std::vector<Mapping> maps;
  for (int attempt = 0; attempt < 4; ++attempt) {
    before = detail::read_proc_file(maps_path);
    if (before.empty()) throw ProcError(fmt::format("{} is empty: the process exited", maps_path), ESRCH);
    maps = parse_maps(before);
    if (ordered(maps)) break;
  }
  if (!ordered(maps)) {
    r.torn = true;
    r.mappings = maps.size();
    r.read_seconds = clock.monotonic() - r.monotonic;
    return r;
  }

  Fd fd(::open(pagemap_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    // maps was there a moment ago: a pagemap missing beside it is a kernel
    // built without it (CONFIG_PROC_PAGE_MONITOR), unless the process went.
    if (err == ENOENT && ::access(maps_path.c_str(), F_OK) == 0)
      throw ProcError(fmt::format("cannot read {}: this kernel has no pagemap", pagemap_path), ENOTTY);
    fail(pagemap_path, err);
  }
  Counter counter(fd.get(), pagemap_path, o, clock, r);
  r.method = o.method;
  // The process exiting after maps was read: pagemap's read then ends
  // early (EOF) or fails (ESRCH), and maps empties. The read is cut, said
  // as such, never a snapshot of part of the process.
  auto cut = [&] {
    r.cut = true;
    r.mappings = maps.size();
    r.read_seconds = clock.monotonic() - r.monotonic;
    return r;
  };
  try {
    for (Mapping& m : maps) {
      if (r.method != LightMethod::pagemap_read) {
        if (counter.scan(m)) {
          r.method = LightMethod::pagemap_scan;
          continue;
        }
        if (r.method == LightMethod::pagemap_scan)
          throw ProcError(fmt::format("cannot use PAGEMAP_SCAN on {}: the kernel has no such ioctl (Linux 6.7+)",
                                      pagemap_path),
                          ENOTTY);
        r.method = LightMethod::pagemap_read;
      }
      counter.read(m);
    }
  } catch (const ProcError& e) {
    if (!e.gone()) throw;
    return cut();
  }
  if (maps.empty()) r.method = o.method == LightMethod::automatic ? LightMethod::pagemap_scan : o.method;

  // A mapping unmapped (or replaced by another) while its pages were
  // counted is not what the counts describe: left out. One that only grew
  // or shrank ([heap] under brk, a stack, mremap in place) or was split is
  // kept, at the extent it had when counted: a leaking heap grows during
  // every read, and is the mapping that matters most.
  const std::optional<std::string> after = detail::try_read_proc_file(maps_path);
  if (!after || after->empty()) return cut();
  const std::vector<Mapping> now = parse_maps(*after);
  r.text.reserve(maps.size() * 96 + before.size());
  const std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const bool split = r.method == LightMethod::pagemap_read;
  std::uint64_t rss = 0, anonymous = 0, swap = 0, size = 0, exclusive = 0;
  auto still = now.begin();
  for (const Mapping& m : maps) {
    while (still != now.end() && still->start < m.start) ++still;
    if (still == now.end() || still->start != m.start || describe(still->line) != describe(m.line)) {
      ++r.vanished;
      continue;
    }
    r.text.append(m.line);
    r.text.push_back('\n');
    put_kb(r.text, "Size", m.end - m.start);
    put_kb(r.text, "Rss", m.rss * page);
    put_kb(r.text, "Anonymous", m.anonymous * page);
    put_kb(r.text, "Swap", m.swap * page);
    if (split) {
      put_kb(r.text, "Private", m.exclusive * page);
      put_kb(r.text, "Shared", (m.rss - m.exclusive) * page);
    }
    size += m.end - m.start;
    rss += m.rss * page;
    anonymous += m.anonymous * page;
    swap += m.swap * page;
    exclusive += m.exclusive * page;
    ++r.mappings;
  }
  r.totals.set(Field::size, size);
  r.totals.set(Field::rss, rss);
  r.totals.set(Field::anonymous, anonymous);
  r.totals.set(Field::swap, swap);
  if (split) {
    r.totals.set(Field::private_total, exclusive);
    r.totals.set(Field::shared_total, rss - exclusive);
  }
  r.read_seconds = clock.monotonic() - r.monotonic;
  return r;
}

}  // namespace snap
