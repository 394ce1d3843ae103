// snap_gen: deterministic, realistic benchmark inputs.
//
// A seeded model of one large process (a search server on a JVM: thousands
// of native libraries and memory-mapped index files, thousands of threads,
// glibc arenas, malloc'd mmaps), written the way the kernel and procps write
// it, so that the parsers do exactly the work a real capture asks of them:
//
//   DIR/60k/smaps.before     /proc/PID/smaps, 60,000 mappings (~42 MB)
//   DIR/60k/smaps.after      the same process 99 steps later (heap, an arena,
//                            a few malloc'd mmaps grew; threads were born)
//   DIR/60k/pmap-x           pmap -x PID of the "before" process (procps 4)
//   DIR/60k/pmap-x.after     pmap -x PID of the "after" process
//   DIR/60k/pmap-X           pmap -X PID of the "before" process
//   DIR/262k/...             the same for 262,144 mappings (vm.max_map_count
//                            raised to 2^18, as search engines ask)
//   DIR/series/smaps.001 .. smaps.100, times.txt
//                            a 4,000-mapping process every 30 s, in which a
//                            heap and an arena grow steadily and a thread
//                            is born every 10 snapshots
//
// With --only series, --steps, --mappings, --format pmap-x and --churn
// change the series (the HTML report's size at 500 x 60,000: pmap -x keeps
// that at about 2 GB where smaps would take 12): recycled buffers (--churn
// per mille of the anonymous mappings) are unmapped and mapped again over
// their lifetime of 2 to 20 snapshots, each time another size, so that
// blocks are born and die in every snapshot as in a real process.
//
// smaps follows kernel 6.18's show_smap(): the maps header with the name
// padded to column 74, then 23 "Key:  N kB" lines in the kernel's order
// (key padded to 16, value to 8), THPeligible, VmFlags. pmap -x and -X
// follow procps-ng 4.0.2 (column widths from the widest value, totals).
// The same seed gives byte-identical files on every machine: the generator
// uses its own integer PRNG, never <random>'s distributions.
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kArena = 64 * kMiB;          // glibc HEAP_MAX_SIZE
constexpr std::uint64_t kThreadStack = 8192 * kKiB;  // ulimit -s 8192
constexpr std::uint64_t kVsyscall = 0xffffffffff600000;
constexpr int kSeriesSteps = 100;
constexpr int kAfterStep = 99;  // smaps.after = the process at step 99
constexpr int kThreadEvery = 10;
constexpr int kHoleThreads = 24;  // room kept for threads born later

/// splitmix64: small, fast, and the same everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [lo, hi].
  std::uint64_t in(std::uint64_t lo, std::uint64_t hi) { return lo + next() % (hi - lo + 1); }
  bool chance(unsigned per_mille) { return next() % 1000 < per_mille; }
  /// Pages in [lo, hi] bytes, log-uniform-ish: small sizes are common.
  std::uint64_t pages(std::uint64_t lo, std::uint64_t hi) {
    std::uint64_t top = lo;
    const std::uint64_t steps = in(0, 30);
    for (std::uint64_t i = 0; i < steps && top < hi; ++i) top = std::min(hi, top * 2);
    return std::max<std::uint64_t>(kPage, in(lo, top) / kPage * kPage);
  }

 private:
  std::uint64_t s_;
};

/// A stateless hash, for what depends on (mapping, step) without order.
std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0) {
  Rng r(a * 0x100000001b3ull ^ b * 0xc2b2ae3d27d4eb4full ^ c * 0x165667b19e3779f9ull);
  return r.next();
}

enum class Kind {
  lib_text,   // r--p / r-xp / r--p of a shared object: shared clean pages
  lib_relro,  // r--p after relocation: private dirty (COW)
  lib_data,   // rw-p .data: private dirty
  bss,        // anonymous rw-p after a library
  anon,       // a malloc'd mmap, JVM memory, ...
  data_file,  // r--s memory-mapped index file
  guard,      // ---p thread stack guard
  stack,      // thread stack rw-p
  arena,      // rw-p part of a glibc arena
  reserve,    // ---p reserve of a glibc arena
  heap,
  main_stack,
  special,  // [vvar] [vvar_vclock] [vdso] [vsyscall]
};

struct Mapping {
  std::uint64_t start = 0, end = 0;
  char perms[5] = "---p";
  std::uint64_t offset = 0;
  unsigned dev_major = 0, dev_minor = 0;
  std::uint64_t inode = 0;
  std::string name;
  Kind kind = Kind::anon;
  const char* vm_flags = "";
  std::uint64_t sharers = 1;  // processes mapping the same file pages
  // Resident KiB and how it splits; the rest is derived when written.
  std::uint64_t rss = 0;
  bool dirty = false;    // private dirty (anonymous) vs clean file pages
  std::uint64_t id = 0;  // stable across steps, for per-mapping noise

  std::uint64_t size_kib() const { return (end - start) / kKiB; }
};

/// Every counter smaps prints, in KiB, derived from a Mapping.
struct Counts {
  std::uint64_t size, rss, pss, pss_dirty, shared_clean, shared_dirty, private_clean, private_dirty,
      referenced, anonymous, swap, swap_pss, locked, thp;
};

Counts counts(const Mapping& m) {
  Counts c{};
  c.size = m.size_kib();
  c.rss = std::min(m.rss, c.size);
  if (m.dirty) {
    c.private_dirty = c.rss;
    c.anonymous = m.kind == Kind::lib_relro || m.kind == Kind::lib_data || m.kind == Kind::bss ||
                          m.kind == Kind::anon || m.kind == Kind::stack || m.kind == Kind::arena ||
                          m.kind == Kind::heap || m.kind == Kind::main_stack
                      ? c.rss
                      : 0;
    c.pss = c.pss_dirty = c.rss;
  } else if (m.sharers > 1) {
    c.shared_clean = c.rss;
    c.pss = c.rss / m.sharers;
  } else {
    c.private_clean = c.rss;
    c.pss = c.rss;
  }
  c.referenced = c.rss;
  return c;
}

struct Process {
  std::uint64_t pid = 0;
  std::string command;
  std::vector<Mapping> maps;  // sorted by start
  // What grows, found again by id after a step.
  std::uint64_t heap_id = 0, arena_id = 0, reserve_id = 0;
  std::vector<std::uint64_t> growers;  // anon mappings whose Rss climbs
  std::uint64_t hole_top = 0;          // threads born later go below this
  std::uint64_t next_id = 0;
};

struct Lib {
  std::string path;
  std::uint64_t inode;
};

// Real sonames first (what a JVM search server maps), then generated ones.
constexpr const char* kSystemLibs[] = {
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/x86_64-linux-gnu/libm.so.6",
    "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30",
    "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
    "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
    "/usr/lib/x86_64-linux-gnu/libssl.so.3",
    "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
    "/usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4",
    "/usr/lib/x86_64-linux-gnu/liblz4.so.1.9.4",
    "/usr/lib/x86_64-linux-gnu/libsystemd.so.0.35.0",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjava.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjimage.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/libnio.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/libnet.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/libzip.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/libmanagement.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjli.so",
};
constexpr const char* kModules[] = {"analysis-icu",   "analysis-kuromoji", "repository-s3", "ingest-geoip",
                                    "x-pack-ml",      "transport-netty4",  "lang-painless", "mapper-murmur3",
                                    "vector-faiss",   "snappy-java",       "zstd-jni",      "rocksdbjni",
                                    "netty-tcnative", "lz4-java",          "jna",           "conscrypt"};
constexpr const char* kLibWords[] = {"tokenizer", "codec",   "simd", "hnsw", "crc32c", "murmur",
                                     "bitset",    "posting", "trie", "pq",   "quant",  "stem"};

std::string base36(std::uint64_t v) {
  std::string s;
  do {
    s += "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
    v /= 36;
  } while (v);
  std::reverse(s.begin(), s.end());
  return s;
}

std::string lib_path(Rng& rng, std::size_t i) {
  if (i < std::size(kSystemLibs)) return kSystemLibs[i];
  const char* mod = kModules[rng.in(0, std::size(kModules) - 1)];
  const char* word = kLibWords[rng.in(0, std::size(kLibWords) - 1)];
  return fmt::format("/usr/share/search/modules/{}-8.{}/native/lib{}{}.so", mod, rng.in(0, 19), word, i);
}

std::string index_path(Rng& rng) {
  std::string uuid;
  for (int i = 0; i < 22; ++i)
    uuid += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[rng.in(0, 63)];
  static constexpr const char* kExt[] = {"cfs", "doc", "tim", "dvd", "kdd", "vec", "fdt", "pos"};
  return fmt::format("/var/lib/search/indices/{}/{}/index/_{}.{}", uuid, rng.in(0, 4),
                     base36(rng.in(0, 2000000)), kExt[rng.in(0, std::size(kExt) - 1)]);
}

class Builder {
 public:
  Builder(Process& p, Rng& rng) : p_(p), rng_(rng) {}

  Mapping& add(std::uint64_t start, std::uint64_t end, const char* perms, Kind kind, const char* flags) {
    Mapping& m = p_.maps.emplace_back();
    m.start = start;
    m.end = end;
    std::memcpy(m.perms, perms, 5);
    m.kind = kind;
    m.vm_flags = flags;
    m.id = p_.next_id++;
    return m;
  }

  /// Allocates `size` bytes below the cursor, `gap` bytes under the
  /// previous allocation, as the kernel's top-down mmap does.
  std::uint64_t below(std::uint64_t size, std::uint64_t gap, std::uint64_t align = kPage) {
    cursor_ = (cursor_ - gap - size) / align * align;
    return cursor_;
  }
  void set_cursor(std::uint64_t c) { cursor_ = c; }
  std::uint64_t cursor() const { return cursor_; }

  void library(const Lib& lib, bool with_bss) {
    // r--p headers, r-xp text, r--p rodata, r--p relro, rw-p data.
    const std::uint64_t sizes[5] = {rng_.pages(4 * kKiB, 256 * kKiB), rng_.pages(16 * kKiB, 16 * kMiB),
                                    rng_.pages(4 * kKiB, 4 * kMiB), rng_.pages(4 * kKiB, 64 * kKiB),
                                    rng_.pages(4 * kKiB, 64 * kKiB)};
    const std::uint64_t bss = with_bss ? rng_.pages(4 * kKiB, 512 * kKiB) : 0;
    std::uint64_t total = bss;
    for (auto s : sizes) total += s;
    std::uint64_t at = below(total, rng_.chance(300) ? rng_.in(1, 16) * kPage : 0);
    const std::uint64_t sharers = rng_.chance(200) ? 1 : rng_.in(2, 40);
    std::uint64_t offset = 0;
    static constexpr const char* kPerms[5] = {"r--p", "r-xp", "r--p", "r--p", "rw-p"};
    static constexpr const char* kFlags[5] = {"rd mr mw me ", "rd ex mr mw me ", "rd mr mw me ",
                                              "rd mr mw me ac ", "rd wr mr mw me ac "};
    static constexpr Kind kKinds[5] = {Kind::lib_text, Kind::lib_text, Kind::lib_text, Kind::lib_relro,
                                       Kind::lib_data};
    for (int i = 0; i < 5; ++i) {
      Mapping& m = add(at, at + sizes[i], kPerms[i], kKinds[i], kFlags[i]);
      m.offset = i == 3 ? offset - kPage : offset;  // relro shares its first page's offset
      if (i == 3) offset -= kPage;
      m.dev_major = 0xfe;
      m.inode = lib.inode;
      m.name = lib.path;
      m.sharers = sharers;
      if (kKinds[i] == Kind::lib_text) {
        m.rss = rng_.in(0, m.size_kib() / 4) * 4;
      } else {
        m.rss = m.size_kib();
        m.dirty = true;
      }
      offset += sizes[i];
      at += sizes[i];
    }
    if (bss) {
      Mapping& m = add(at, at + bss, "rw-p", Kind::bss, "rd wr mr mw me ac ");
      m.rss = rng_.in(0, m.size_kib() / 4) * 4;
      m.dirty = true;
    }
  }

  void thread() {
    const std::uint64_t at = below(kThreadStack + kPage, rng_.chance(100) ? kMiB : 0);
    add(at, at + kPage, "---p", Kind::guard, "mr mw me nh ");
    Mapping& s = add(at + kPage, at + kPage + kThreadStack, "rw-p", Kind::stack, "rd wr mr mw me ac nh ");
    s.rss = rng_.in(2, 64) * 4;
    s.dirty = true;
  }

  /// A 64 MiB-aligned arena: rw-p of `used` bytes, ---p after (none when full).
  std::pair<std::uint64_t, std::uint64_t> arena(std::uint64_t used) {
    const std::uint64_t at = below(kArena, 0, kArena);
    Mapping& a = add(at, at + used, "rw-p", Kind::arena, "rd wr mr mw me nr ");
    a.rss = a.size_kib() * rng_.in(60, 100) / 100 / 4 * 4;
    a.dirty = true;
    const std::uint64_t arena_id = a.id;
    std::uint64_t reserve_id = 0;
    if (used < kArena) reserve_id = add(at + used, at + kArena, "---p", Kind::reserve, "mr mw me nr ").id;
    return {arena_id, reserve_id};
  }

  Mapping& anon(std::uint64_t size) {
    // A gap of at least a page: the kernel would merge adjacent anonymous
    // mappings with the same flags.
    const std::uint64_t at = below(size, rng_.in(1, 8) * kPage);
    const bool ro = rng_.chance(40);
    Mapping& m =
        add(at, at + size, ro ? "r--p" : "rw-p", Kind::anon, ro ? "rd mr mw me ac " : "rd wr mr mw me ac ");
    m.rss = ro ? 0 : rng_.in(0, m.size_kib() / 8) * 4;  // a quarter resident, on average
    m.dirty = true;
    return m;
  }

  void data_file() {
    const std::uint64_t size = rng_.pages(4 * kKiB, 32 * kMiB);
    const std::uint64_t at = below(size, rng_.chance(500) ? kPage : 0);
    Mapping& m = add(at, at + size, "r--s", Kind::data_file, "rd mr me ms ");
    m.dev_major = 0xfe;
    m.dev_minor = 1;
    m.inode = rng_.in(100000, 99999999);
    m.name = index_path(rng_);
    if (rng_.chance(5)) m.name += " (deleted)";
    m.rss = rng_.in(0, m.size_kib() / 16) * 4;  // the page cache holds an eighth
  }

 private:
  Process& p_;
  Rng& rng_;
  std::uint64_t cursor_ = 0;
};

/// A process with `n` mappings, its layout from `seed`.
Process make_process(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  Process p;
  p.pid = rng.in(3000, 4000000);
  p.command =
      "/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xms31g -Xmx31g -XX:+UseG1GC "
      "-Dsearch.path.home=/usr/share/"
      "search-server -cp /usr/share/search-server/lib/* org.search.bootstrap.Server";
  p.maps.reserve(n + kHoleThreads * 2 + 64);
  Builder b(p, rng);

  // The executable and [heap], low in the address space.
  const std::uint64_t exe = 0x555555554000ull + rng.in(0, 0x1000000) * kPage;
  b.set_cursor(exe);
  {
    std::uint64_t at = exe;
    static constexpr const char* kPerms[5] = {"r--p", "r-xp", "r--p", "r--p", "rw-p"};
    static constexpr const char* kFlags[5] = {"rd mr mw me ", "rd ex mr mw me ", "rd mr mw me ",
                                              "rd mr mw me ac ", "rd wr mr mw me ac "};
    static constexpr std::uint64_t kOffsets[5] = {0, 0x1000, 0x2000, 0x2000, 0x3000};
    for (int i = 0; i < 5; ++i) {
      Mapping& m = b.add(at, at + kPage, kPerms[i], i < 3 ? Kind::lib_text : Kind::lib_data, kFlags[i]);
      m.offset = kOffsets[i];
      m.dev_major = 0xfe;
      m.inode = 317697;
      m.name = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java";
      m.rss = 4;
      m.dirty = i >= 3;
      m.sharers = i >= 3 ? 1 : 3;
      at += kPage;
    }
    const std::uint64_t heap = at + rng.in(0, 8192) * kPage;
    Mapping& h = b.add(heap, heap + 48 * kMiB, "rw-p", Kind::heap, "rd wr mr mw me ac ");
    h.name = "[heap]";
    h.rss = 44 * 1024;
    h.dirty = true;
    p.heap_id = h.id;
  }

  // The mmap area, top-down from just below the main stack's gap.
  const std::uint64_t mmap_top = 0x7ff000000000ull - rng.in(0, 0x40000) * kPage;
  b.set_cursor(mmap_top);
  {
    // ld.so, then [vdso] [vvar_vclock] [vvar] below it (ascending: vvar first).
    Lib ld{"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 332383};
    b.library(ld, false);
    const char* names[3] = {"[vdso]", "[vvar_vclock]", "[vvar]"};
    const std::uint64_t sizes[3] = {2 * kPage, 2 * kPage, 4 * kPage};
    for (int i = 0; i < 3; ++i) {
      std::uint64_t at = b.below(sizes[i], 0);
      Mapping& m = b.add(at, at + sizes[i], i == 0 ? "r-xp" : "r--p", Kind::special,
                         i == 0 ? "rd ex mr mw me de " : "rd mr pf io de dd ");
      m.name = names[i];
      m.rss = i == 0 ? 4 : 0;
      m.sharers = 200;
    }
  }

  // The mix, by share of the mappings left: libraries (5 segments, 6 with
  // a .bss), threads (guard + stack), arenas (rw-p + ---p, or full), index
  // files; anonymous mappings fill the rest, between the others.
  enum class Item : std::uint8_t { lib, lib_bss, thread, arena, arena_full, file, hole };
  auto mappings_of = [](Item it) -> std::size_t {
    switch (it) {
      case Item::lib: return 5;
      case Item::lib_bss: return 6;
      case Item::thread:
      case Item::arena: return 2;
      case Item::arena_full:
      case Item::file: return 1;
      case Item::hole: return 0;
    }
    return 0;
  };
  const std::size_t fixed = p.maps.size() + 2;  // + [stack], [vsyscall]
  const std::size_t left = n > fixed + 200 ? n - fixed : 200;
  const std::size_t arenas = std::min<std::size_t>(512, std::max<std::size_t>(4, left / 150));
  const std::size_t libs = left * 22 / 100 / 11 * 2;  // 5.5 mappings each on average
  const std::size_t threads = left * 20 / 100 / 2;
  const std::size_t files = left * 8 / 100;
  std::vector<Item> items;
  for (std::size_t i = 0; i < libs; ++i)
    items.push_back(i < 2 || (i >= std::size(kSystemLibs) && rng.chance(500)) ? Item::lib_bss : Item::lib);
  items.insert(items.end(), threads, Item::thread);
  items.push_back(Item::arena);  // the one that leaks (see below)
  for (std::size_t i = 1; i < arenas; ++i) items.push_back(rng.chance(150) ? Item::arena_full : Item::arena);
  items.insert(items.end(), files, Item::file);
  items.push_back(Item::hole);
  std::size_t planned = fixed;
  for (Item it : items) planned += mappings_of(it);
  std::size_t anon_left = n > planned ? n - planned : 0;
  // Shuffle (Fisher-Yates with our own generator).
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.in(0, i - 1)]);
  const std::size_t per_item = anon_left / items.size() + 1;

  std::size_t lib_index = 0;
  bool growing_arena_placed = false;
  auto anon = [&](std::uint64_t max_size) {
    Mapping& m = b.anon(rng.chance(20) ? rng.pages(kMiB, max_size) : rng.pages(4 * kKiB, 2 * kMiB));
    if (p.growers.size() < 4 && m.perms[1] == 'w' && m.size_kib() >= 16 * 1024 && m.rss < m.size_kib() / 4)
      p.growers.push_back(m.id);
  };
  for (Item it : items) {
    switch (it) {
      case Item::lib:
      case Item::lib_bss: {
        Lib lib{lib_path(rng, lib_index), rng.in(100000, 12000000)};
        b.library(lib, it == Item::lib_bss);
        ++lib_index;
        break;
      }
      case Item::thread: b.thread(); break;
      case Item::arena:
        if (!growing_arena_placed) {
          // The one that leaks: small now, 63 MiB of reserve to grow into.
          auto [a, r] = b.arena(kMiB);
          p.arena_id = a;
          p.reserve_id = r;
          growing_arena_placed = true;
        } else {
          b.arena(rng.pages(132 * kKiB, kArena - kMiB));
        }
        break;
      case Item::arena_full: b.arena(kArena); break;
      case Item::file: b.data_file(); break;
      case Item::hole:
        // Room for the threads born later (top-down, like mmap).
        b.below(kHoleThreads * (kThreadStack + kPage) + kMiB, kMiB);
        p.hole_top = b.cursor() + kHoleThreads * (kThreadStack + kPage) + kMiB;
        break;
    }
    const std::size_t k = std::min(anon_left, rng.in(0, 2 * per_item));
    for (std::size_t j = 0; j < k; ++j) anon(64 * kMiB);
    anon_left -= k;
  }
  while (anon_left > 0) {
    anon(4 * kMiB);
    --anon_left;
  }

  // [stack] and [vsyscall] on top.
  const std::uint64_t stack_top = 0x7ffc00000000ull + rng.in(0, 0x3ff0000) * kPage;
  Mapping& st = b.add(stack_top - 132 * kKiB, stack_top, "rw-p", Kind::main_stack, "rd wr mr mw me gd ac ");
  st.name = "[stack]";
  st.rss = 40;
  st.dirty = true;
  Mapping& vs = b.add(kVsyscall, kVsyscall + kPage, "--xp", Kind::special, "ex ");
  vs.name = "[vsyscall]";

  std::sort(p.maps.begin(), p.maps.end(),
            [](const Mapping& a, const Mapping& c) { return a.start < c.start; });
  return p;
}

Mapping* find(Process& p, std::uint64_t id) {
  for (Mapping& m : p.maps)
    if (m.id == id) return &m;
  return nullptr;
}

/// The process `step` snapshots later (one every 30 s): the heap grows
/// 256 KiB and the leaking arena 320 KiB a step, a few malloc'd mmaps are
/// touched further, a thread is born every 10 steps, and shared file pages
/// come and go with other processes (Pss noise, no growth).
Process at_step(const Process& base, int step, std::uint64_t seed, unsigned churn = 0) {
  Process p = base;
  const std::uint64_t s = static_cast<std::uint64_t>(step);
  if (Mapping* h = find(p, p.heap_id)) {
    h->end += s * 256 * kKiB;
    h->rss += s * 256;
  }
  Mapping* a = find(p, p.arena_id);
  Mapping* r = find(p, p.reserve_id);
  if (a && r) {
    const std::uint64_t grow = std::min(s * 320 * kKiB, r->end - r->start - kPage);
    a->end += grow;
    r->start += grow;
    a->rss += grow / kKiB;
  }
  for (std::uint64_t id : p.growers)
    if (Mapping* g = find(p, id)) g->rss = std::min(g->size_kib(), g->rss + s * 64);
  for (Mapping& m : p.maps)
    if (m.kind == Kind::lib_text && m.sharers > 1 && mix(seed, m.id) % 8 == 0)
      m.sharers = std::max<std::uint64_t>(2, m.sharers + mix(seed, m.id, s) % 3 - 1);
  if (churn) {
    // Recycled buffers: in each generation of its lifetime, a buffer is
    // either unmapped or mapped at the same start with another size (never
    // past its first end: nothing overlaps). Growers never churn.
    for (Mapping& m : p.maps) {
      if (m.kind != Kind::anon || m.perms[1] != 'w') continue;
      const std::uint64_t h = mix(seed, m.id, 0xc4u);
      if (h % 1000 >= churn || std::find(p.growers.begin(), p.growers.end(), m.id) != p.growers.end()) continue;
      const std::uint64_t life = 2 + (h >> 10) % 19;
      const std::uint64_t gen = (s + (h >> 20) % life) / life;
      const std::uint64_t g = mix(seed, m.id, gen);
      if (g % 4 == 0) {
        m.end = m.start;  // unmapped in this generation: dropped below
        continue;
      }
      const std::uint64_t pages = (m.end - m.start) / kPage;
      m.end = m.start + std::max<std::uint64_t>(1, pages * (1 + (g >> 8) % 4) / 4) * kPage;
      m.rss = (g >> 16) % (m.size_kib() / 4 + 1) * 4;
    }
    std::erase_if(p.maps, [](const Mapping& m) { return m.end == m.start; });
  }
  // Threads born since the start, top-down in the hole kept for them.
  const int born = std::min(kHoleThreads, step / kThreadEvery);
  std::uint64_t cursor = p.hole_top - kMiB;
  for (int t = 0; t < born; ++t) {
    cursor -= kThreadStack + kPage;
    Mapping& g = p.maps.emplace_back();
    g.start = cursor;
    g.end = cursor + kPage;
    std::memcpy(g.perms, "---p", 5);
    g.kind = Kind::guard;
    g.vm_flags = "mr mw me nh ";
    g.id = p.next_id++;
    Mapping& st = p.maps.emplace_back();
    st.start = cursor + kPage;
    st.end = cursor + kPage + kThreadStack;
    std::memcpy(st.perms, "rw-p", 5);
    st.kind = Kind::stack;
    st.vm_flags = "rd wr mr mw me ac nh ";
    st.rss = 16 + 4 * (mix(seed, t) % 16);
    st.dirty = true;
    st.id = p.next_id++;
  }
  std::sort(p.maps.begin(), p.maps.end(),
            [](const Mapping& x, const Mapping& y) { return x.start < y.start; });
  return p;
}

// ---------------------------------------------------------------- writers

using Out = fmt::memory_buffer;

void field(Out& out, const char* padded_key, std::uint64_t kib) {
  out.append(std::string_view(padded_key));
  fmt::format_to(std::back_inserter(out), "{:>8} kB\n", kib);
}

std::string smaps(const Process& p) {
  Out out;
  for (const Mapping& m : p.maps) {
    const std::size_t line_start = out.size();
    fmt::format_to(std::back_inserter(out), "{:08x}-{:08x} {} {:08x} {:02x}:{:02x} {} ", m.start, m.end,
                   std::string_view(m.perms, 4), m.offset, m.dev_major, m.dev_minor, m.inode);
    if (!m.name.empty()) {
      // seq_pad(): to column 73, then one blank, then the name.
      const std::size_t width = out.size() - line_start;
      for (std::size_t i = width; i < 73; ++i) out.push_back(' ');
      out.push_back(' ');
      out.append(std::string_view(m.name));
    }
    out.push_back('\n');
    const Counts c = counts(m);
    field(out, "Size:           ", c.size);
    field(out, "KernelPageSize: ", 4);
    field(out, "MMUPageSize:    ", 4);
    field(out, "Rss:            ", c.rss);
    field(out, "Pss:            ", c.pss);
    field(out, "Pss_Dirty:      ", c.pss_dirty);
    field(out, "Shared_Clean:   ", c.shared_clean);
    field(out, "Shared_Dirty:   ", c.shared_dirty);
    field(out, "Private_Clean:  ", c.private_clean);
    field(out, "Private_Dirty:  ", c.private_dirty);
    field(out, "Referenced:     ", c.referenced);
    field(out, "Anonymous:      ", c.anonymous);
    field(out, "KSM:            ", 0);
    field(out, "LazyFree:       ", 0);
    field(out, "AnonHugePages:  ", 0);
    field(out, "ShmemPmdMapped: ", 0);
    field(out, "FilePmdMapped:  ", 0);
    field(out, "Shared_Hugetlb: ", 0);
    field(out, "Private_Hugetlb:", 0);
    field(out, "Swap:           ", c.swap);
    field(out, "SwapPss:        ", c.swap_pss);
    field(out, "Locked:         ", c.locked);
    fmt::format_to(std::back_inserter(out), "THPeligible:    {:>8}\n", c.thp);
    out.append(std::string_view("VmFlags: "));
    out.append(std::string_view(m.vm_flags));
    out.push_back('\n');
  }
  return fmt::to_string(out);
}

std::string_view basename(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string_view(path) : std::string_view(path).substr(slash + 1);
}

bool file_backed(const Mapping& m) {
  return !m.name.empty() && m.name[0] == '/';
}

/// procps-ng 4.0.2 pmap -x.
std::string pmap_x(const Process& p) {
  Out out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{}:   {}\n", p.pid, p.command);
  out.append(std::string_view("Address           Kbytes     RSS   Dirty Mode  Mapping\n"));
  std::uint64_t size = 0, rss = 0, dirty = 0;
  for (const Mapping& m : p.maps) {
    const Counts c = counts(m);
    const char mode[6] = {m.perms[0], m.perms[1], m.perms[2], m.perms[3] == 's' ? 's' : '-', '-', 0};
    std::string_view name = file_backed(m)        ? basename(m.name)
                            : m.name == "[stack]" ? std::string_view("  [ stack ]")
                                                  : std::string_view("  [ anon ]");
    const std::uint64_t d = c.shared_dirty + c.private_dirty;
    fmt::format_to(it, "{:016x} {:>7} {:>7} {:>7} {} {}\n", m.start, c.size, c.rss, d, mode, name);
    size += c.size, rss += c.rss, dirty += d;
  }
  out.append(std::string_view("---------------- ------- ------- ------- \n"));
  fmt::format_to(it, "total kB {:>15} {:>7} {:>7}\n", size, rss, dirty);
  return fmt::to_string(out);
}

/// procps-ng 4.0.2 pmap -X: the kernel 6.18 column set, each column as wide
/// as its widest value (the total included) or its heading.
std::string pmap_X(const Process& p) {
  static constexpr const char* kCols[] = {"Size",
                                          "Rss",
                                          "Pss",
                                          "Pss_Dirty",
                                          "Referenced",
                                          "Anonymous",
                                          "KSM",
                                          "LazyFree",
                                          "ShmemPmdMapped",
                                          "FilePmdMapped",
                                          "Shared_Hugetlb",
                                          "Private_Hugetlb",
                                          "Swap",
                                          "SwapPss",
                                          "Locked",
                                          "THPeligible"};
  constexpr std::size_t kN = std::size(kCols);
  auto values = [](const Mapping& m) {
    const Counts c = counts(m);
    return std::array<std::uint64_t, kN>{
        c.size, c.rss, c.pss, c.pss_dirty, c.referenced, c.anonymous, 0,        0,
        0,      0,     0,     0,           c.swap,       c.swap_pss,  c.locked, c.thp};
  };
  auto digits = [](std::uint64_t v) { return fmt::formatted_size("{}", v); };
  std::array<std::uint64_t, kN> totals{};
  std::size_t w_addr = 7, w_inode = 5;
  for (const Mapping& m : p.maps) {
    auto v = values(m);
    for (std::size_t i = 0; i < kN; ++i) totals[i] += v[i];
    w_addr = std::max(w_addr, fmt::formatted_size("{:x}", m.start));
    w_inode = std::max(w_inode, digits(m.inode));
  }
  std::array<std::size_t, kN> w{};
  for (std::size_t i = 0; i < kN; ++i) w[i] = std::max(std::strlen(kCols[i]), digits(totals[i]));

  Out out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{}:   {}\n", p.pid, p.command);
  fmt::format_to(it, "{:>{}} Perm   Offset Device {:>{}}", "Address", w_addr, "Inode", w_inode);
  for (std::size_t i = 0; i < kN; ++i) fmt::format_to(it, " {:>{}}", kCols[i], w[i]);
  out.append(std::string_view(" Mapping\n"));
  for (const Mapping& m : p.maps) {
    fmt::format_to(it, "{:>{}} {} {:08x} {:>6} {:>{}}", fmt::format("{:08x}", m.start), w_addr,
                   std::string_view(m.perms, 4), m.offset,
                   fmt::format("{:02x}:{:02x}", m.dev_major, m.dev_minor), m.inode, w_inode);
    auto v = values(m);
    for (std::size_t i = 0; i < kN; ++i) fmt::format_to(it, " {:>{}}", v[i], w[i]);
    out.push_back(' ');
    out.append(file_backed(m) ? basename(m.name) : std::string_view(m.name));
    out.push_back('\n');
  }
  const std::size_t indent = w_addr + 1 + 4 + 1 + 8 + 1 + 6 + 1 + w_inode + 1;
  out.append(std::string(indent, ' '));
  for (std::size_t i = 0; i < kN; ++i) {
    out.append(std::string(w[i], '='));
    out.push_back(' ');
  }
  out.push_back('\n');
  out.append(std::string(indent, ' '));
  for (std::size_t i = 0; i < kN; ++i) fmt::format_to(it, "{:>{}} ", totals[i], w[i]);
  out.append(std::string_view("KB \n"));
  return fmt::to_string(out);
}

void write_file(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "snap_gen: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    std::exit(2);
  }
}

void make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "snap_gen: cannot create %s: %s\n", path.c_str(), std::strerror(errno));
    std::exit(2);
  }
}

void big(const std::string& dir, std::size_t n, std::uint64_t seed, bool quiet) {
  make_dir(dir);
  const Process before = make_process(n, seed);
  const Process after = at_step(before, kAfterStep, seed);
  const std::string s = smaps(before);
  write_file(dir + "/smaps.before", s);
  write_file(dir + "/smaps.after", smaps(after));
  write_file(dir + "/pmap-x", pmap_x(before));
  write_file(dir + "/pmap-x.after", pmap_x(after));
  write_file(dir + "/pmap-X", pmap_X(before));
  if (!quiet)
    std::printf("%s: %zu mappings, smaps %.1f MB (%.0f bytes/mapping); after: %zu mappings\n", dir.c_str(),
                before.maps.size(), static_cast<double>(s.size()) / 1e6,
                static_cast<double>(s.size()) / static_cast<double>(before.maps.size()), after.maps.size());
}

struct SeriesOptions {
  std::size_t mappings = 4000;
  int steps = kSeriesSteps;
  bool pmap_x = false;  // pmap -x instead of smaps
  unsigned churn = 0;   // per mille of the anonymous mappings recycled
};

void series(const std::string& dir, const SeriesOptions& so, std::uint64_t seed, bool quiet) {
  make_dir(dir);
  const Process base = make_process(so.mappings, seed);
  std::string times;
  constexpr std::uint64_t kStartMs = 1795600000000ull;  // a fixed epoch: output is reproducible
  const int width = std::max<int>(3, static_cast<int>(fmt::formatted_size("{}", so.steps)));
  const char* stem = so.pmap_x ? "pmap-x" : "smaps";
  std::size_t bytes = 0;
  for (int k = 0; k < so.steps; ++k) {
    const Process p = at_step(base, k, seed, so.churn);
    const std::string text = so.pmap_x ? pmap_x(p) : smaps(p);
    bytes += text.size();
    write_file(fmt::format("{}/{}.{:0{}}", dir, stem, k + 1, width), text);
    times += fmt::format("{:0{}} {}\n", k + 1, width, kStartMs + static_cast<std::uint64_t>(k) * 30000);
  }
  write_file(dir + "/times.txt", times);
  if (!quiet)
    std::printf("%s: %d snapshots of %zu mappings, %.1f MB in all\n", dir.c_str(), so.steps, base.maps.size(),
                static_cast<double>(bytes) / 1e6);
}

[[noreturn]] void usage(int status) {
  std::fprintf(status ? stderr : stdout,
               "Usage: snap_gen --out DIR [--seed N] [--quiet] [--only 60k|262k|series] [--mappings N]\n"
               "Writes DIR/60k, DIR/262k (smaps.before, smaps.after, pmap-x, pmap-X) and DIR/series\n"
               "(smaps.001 .. smaps.100, times.txt). The same seed gives the same bytes.\n"
               "--mappings N with --only 60k: that many mappings instead (for profiling runs).\n"
               "With --only series: --mappings N (default 4000), --steps N (default 100),\n"
               "--format smaps|pmap-x (default smaps), --churn PERMILLE (default 0: the\n"
               "anonymous mappings recycled, unmapped and mapped again with another size).\n");
  std::exit(status);
}

}  // namespace

int main(int argc, char** argv) {
  std::string out, only;
  std::uint64_t seed = 20261125;
  std::size_t mappings = 60000;
  bool mappings_given = false;
  SeriesOptions so;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    if (a == "--out")
      out = value();
    else if (a == "--seed")
      seed = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--only")
      only = value();
    else if (a == "--mappings") {
      mappings = std::strtoull(value().c_str(), nullptr, 10);
      mappings_given = true;
    } else if (a == "--steps")
      so.steps = std::atoi(value().c_str());
    else if (a == "--churn")
      so.churn = static_cast<unsigned>(std::strtoul(value().c_str(), nullptr, 10));
    else if (a == "--format") {
      const std::string f = value();
      if (f != "smaps" && f != "pmap-x") usage(2);
      so.pmap_x = f == "pmap-x";
    }
    else if (a == "--quiet")
      quiet = true;
    else if (a == "--help")
      usage(0);
    else
      usage(2);
  }
  if (out.empty() || so.steps < 1 || so.churn > 1000) usage(2);
  if (only == "series" && mappings_given) so.mappings = mappings;
  make_dir(out);
  if (only.empty() || only == "60k") big(out + "/60k", mappings, seed, quiet);
  if (only.empty() || only == "262k") big(out + "/262k", 262144, seed + 1, quiet);
  if (only.empty() || only == "series") series(out + "/series", so, seed + 2, quiet);
  return 0;
}
