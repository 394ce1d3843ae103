// Never calls malloc: the process has no [heap] in smaps. The 64 KiB of
// zeroed globals give the executable a BSS tail (an anonymous rw mapping
// right after its last file segment) that is not the heap.
#include <unistd.h>

static char bss[64 << 10];

int main(void) {
  bss[0] = 1;
  bss[sizeof bss - 1] = 1;
  pause();
  return bss[0];
}
