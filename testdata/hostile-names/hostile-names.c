// A process whose names are hostile to a terminal and a spreadsheet: it maps
// a file whose name holds an OSC title sequence, a clear-screen CSI, the
// one-byte C1 CSI (U+009B), bytes that are not UTF-8, a newline and a
// backslash, and a file whose name is a spreadsheet formula; it names a
// thread with escape bytes; its own command line (set by whoever starts it)
// carries more. Then, on SIGUSR1, it grows both file mappings from 64 KiB
// to 1 MiB and starts that thread. It logs every step with addresses to LOG.
//
// Usage: hostile-names LOG DIR [ARG...]   (ARGs only show in the command line)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

// ESC ] 0 ; title BEL, ESC [ 2 J, C1 CSI 31m, invalid UTF-8 FF FE, a newline,
// a backslash: in that order, after "evil-".
static const char kName[] = "evil-\x1b]0;pwned\x07\x1b[2J\xc2\x9b" "31m\xff\xfe\nx\\y";
// A cell a spreadsheet would run (pmap shows a file's base name).
static const char kFormula[] = "=HYPERLINK(\"x\",\"y\")";
// 15 bytes at most (the kernel's TASK_COMM_LEN): ESC [ 2 J, C1 CSI, FF.
static const char kThread[] = "\x1b[2J\xc2\x9bthr\xff";

static FILE* logf;
static volatile sig_atomic_t go;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_usr1(int sig) {
  (void)sig;
  go = 1;
}

static void* idle(void* arg) {
  (void)arg;
  prctl(PR_SET_NAME, kThread);
  fprintf(logf, "%lld thread named (hex) ", now_ms());
  for (const char* p = kThread; *p; ++p) fprintf(logf, "%02x", (unsigned char)*p);
  fprintf(logf, " tid %d\n", gettid());
  fflush(logf);
  for (;;) pause();
  return NULL;
}

/// Maps the first 64 KiB of a 1 MiB file DIR/NAME at the start of a 1 MiB
/// gap of address space, touched; grow() maps the rest adjacent, at the next
/// file offset, so that the kernel merges both into one mapping that grows.
struct Grower {
  int fd;
  char* base;
};

static struct Grower map_file(const char* dir, const char* name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ftruncate(fd, 1024 * 1024) != 0) {
    fprintf(stderr, "hostile-names: %s: %s\n", path, strerror(errno));
    exit(2);
  }
  fprintf(logf, "%lld file name (hex) ", now_ms());
  for (const char* p = name; *p; ++p) fprintf(logf, "%02x", (unsigned char)*p);
  fprintf(logf, "\n");
  char* base = mmap(NULL, 1024 * 1024, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(base, 1024 * 1024);
  char* a = mmap(base, 64 * 1024, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
  if (a != base) exit(2);
  memset(a, 'a', 64 * 1024);
  fprintf(logf, "%lld step 1: mapped %p-%p (64 KiB, file offset 0), all touched\n", now_ms(), (void*)a,
          (void*)(a + 64 * 1024));
  fflush(logf);
  return (struct Grower){fd, base};
}

static void grow(struct Grower g) {
  char* b = mmap(g.base + 64 * 1024, 960 * 1024, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, g.fd,
                 64 * 1024);
  if (b != g.base + 64 * 1024) exit(2);
  memset(b, 'b', 960 * 1024);
  fprintf(logf, "%lld step 2: mapped %p-%p (960 KiB more, file offset 64 KiB), all touched: %p-%p, 1 MiB\n",
          now_ms(), (void*)b, (void*)(b + 960 * 1024), (void*)g.base, (void*)(g.base + 1024 * 1024));
  fflush(logf);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: hostile-names LOG DIR [ARG...]\n");
    return 2;
  }
  logf = fopen(argv[1], "w");
  if (!logf) return 2;
  signal(SIGUSR1, on_usr1);
  fprintf(logf, "%lld pid %d\n", now_ms(), getpid());
  struct Grower evil = map_file(argv[2], kName);
  struct Grower formula = map_file(argv[2], kFormula);
  while (!go) pause();
  grow(evil);
  grow(formula);
  pthread_t t;
  pthread_create(&t, NULL, idle, NULL);
  for (;;) pause();
}
