// Holds 1.6 MiB of brk heap (malloc below the mmap threshold, 100 KiB at a
// time) and sleeps, so pmap -x and smaps can be read from the same process.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  for (int i = 0; i < 16; ++i) {
    char* p = malloc(100 << 10);  // under M_MMAP_THRESHOLD (128 KiB): brk
    memset(p, i + 1, 100 << 10);
    printf("malloc %d %p\n", i, (void*)p);
  }
  fflush(stdout);
  sleep(600);
  return 0;
}
