// A tiny process for testdata/core: one 64 KiB malloc in its heap, one
// anonymous 3-page mmap, then it waits to be dumped (gcore) and killed.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
  char* block = malloc(64 * 1024);
  memset(block, 0x5A, 64 * 1024);
  char* pages = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (block == NULL || pages == MAP_FAILED) return 1;
  memset(pages, 0xA5, 3 * 4096);
  printf("pid %d heap block %p mmap %p\n", (int)getpid(), (void*)block, (void*)pages);
  fflush(stdout);
  pause();
  return 0;
}
