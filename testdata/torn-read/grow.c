// A thread that grows and shrinks the read-write start of a 64 MiB
// PROT_NONE reservation, as glibc does with its arenas, without a pause:
// a reader of /proc/PID/smaps sees that mapping change between read()s.
// Prints "PID ADDRESS" (the reservation's), runs about 60 s.
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char* arena;

static void* churn(void* arg) {
  (void)arg;
  const size_t page = 4096;
  for (size_t n = 1;; n = n % 64 + 1) {
    mprotect(arena, n * page, PROT_READ | PROT_WRITE);
    arena[n * page - 1] = 1;
    mprotect(arena + page, (n + 1) * page, PROT_NONE);
  }
  return NULL;
}

int main(int argc, char** argv) {
  arena = mmap(NULL, 64 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  pthread_t t;
  pthread_create(&t, NULL, churn, NULL);
  printf("%d %p\n", getpid(), (void*)arena);
  fflush(stdout);
  if (argc < 2 || strcmp(argv[1], "pages") != 0) {
    sleep(60);
    return 0;
  }
  // "pages": one page more every 20 ms, below the reservation and unmergeable with
  // its neighbours: the mappings listed before the reservation keep
  // changing, so the page boundaries of a read fall everywhere in turn.
  for (int i = 0; i < 3000; ++i) {
    mmap(NULL, 4096, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    usleep(20000);
  }
  return 0;
}
