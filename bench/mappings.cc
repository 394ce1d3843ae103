// snap_mappings: a live process holding N real mappings, for capture
// benchmarks (cat /proc/PID/smaps, snapcollect, pmap -x/-X, smem).
//
//   snap_mappings [N] [--pages P] [--timeout SECONDS]
//
// Reserves N * P pages in one mmap, writes one byte to each mapping's first
// page (so the kernel's smaps walk finds resident pages), then mprotects
// every other P-page stretch read-only: the kernel splits the reservation
// into N VMAs (rw-p, r--p, rw-p, ...) that it cannot merge back. Prints
// "ready PID" on stdout once they exist, and waits for SIGTERM, SIGINT or
// SIGHUP, or --timeout (default 1800 s, so a forgotten helper goes away).
//
// Never asks for more than vm.max_map_count allows: N plus the mappings the
// process already has (and a margin) must stay below it, or it refuses.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>

namespace {

constexpr std::size_t kMargin = 256;  // mappings left free for the loader, stdio, the kernel

std::size_t count_lines(const char* path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

std::size_t max_map_count() {
  std::ifstream in("/proc/sys/vm/max_map_count");
  std::size_t n = 0;
  return (in >> n) ? n : 65530;
}

[[noreturn]] void usage(int status) {
  std::fprintf(status ? stderr : stdout,
               "Usage: snap_mappings [N] [--pages P] [--timeout SECONDS]\n"
               "Holds N distinct mappings (default 60000) of P pages each (default 1), prints\n"
               "\"ready PID\", and waits for SIGTERM/SIGINT/SIGHUP or the timeout (default 1800 s).\n");
  std::exit(status);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 60000, pages = 1;
  unsigned timeout = 1800;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help") usage(0);
    if ((a == "--pages" || a == "--timeout") && i + 1 < argc) {
      const unsigned long v = std::strtoul(argv[++i], nullptr, 10);
      if (a == "--pages")
        pages = v;
      else
        timeout = static_cast<unsigned>(v);
    } else if (!a.empty() && a[0] != '-') {
      n = std::strtoul(a.c_str(), nullptr, 10);
    } else {
      usage(2);
    }
  }
  if (n < 2 || pages < 1) usage(2);

  const std::size_t have = count_lines("/proc/self/maps");
  const std::size_t limit = max_map_count();
  if (have + n + kMargin >= limit) {
    std::fprintf(stderr,
                 "snap_mappings: %zu mappings plus the %zu this process has would come within %zu of "
                 "vm.max_map_count (%zu); ask for at most %zu\n",
                 n, have, kMargin, limit, limit > have + kMargin ? limit - have - kMargin - 1 : 0);
    return 2;
  }

  // Block the signals we wait for before anything else can deliver them.
  sigset_t wait_for;
  sigemptyset(&wait_for);
  sigaddset(&wait_for, SIGTERM);
  sigaddset(&wait_for, SIGINT);
  sigaddset(&wait_for, SIGHUP);
  sigprocmask(SIG_BLOCK, &wait_for, nullptr);

  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t stride = pages * page;
  auto* base = static_cast<char*>(
      mmap(nullptr, n * stride, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
  if (base == MAP_FAILED) {
    std::fprintf(stderr, "snap_mappings: mmap of %zu bytes: %s\n", n * stride, std::strerror(errno));
    return 2;
  }
  for (std::size_t i = 0; i < n; ++i) base[i * stride] = static_cast<char>(i);
  for (std::size_t i = 1; i < n; i += 2)
    if (mprotect(base + i * stride, stride, PROT_READ) != 0) {
      std::fprintf(stderr, "snap_mappings: mprotect #%zu: %s\n", i, std::strerror(errno));
      return 2;
    }

  const std::size_t now = count_lines("/proc/self/maps");
  std::printf("ready %ld\n", static_cast<long>(getpid()));
  std::fflush(stdout);
  std::fprintf(stderr, "snap_mappings: pid %ld holds %zu mappings (%zu of them made here)\n",
               static_cast<long>(getpid()), now, n);

  timespec ts{static_cast<time_t>(timeout), 0};
  int sig = sigtimedwait(&wait_for, nullptr, &ts);
  munmap(base, n * stride);
  return sig > 0 || errno == EAGAIN ? 0 : 1;
}
