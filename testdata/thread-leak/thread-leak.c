// Leaks one thread every 250 ms. Each blocks forever in pause() and keeps
// its 8 MiB stack, its 4 KiB guard and the 64 KiB of stack it touched. No
// single mapping ever grows: the leak is a population of new regions.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void* worker(void* arg) {
  volatile char buf[64 * 1024];
  for (size_t i = 0; i < sizeof buf; ++i) buf[i] = 0x5a;
  (void)arg;
  for (;;) pause();
  return NULL;
}

int main(void) {
  for (unsigned i = 0;; i = (i + 1) % 100000) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0) return 1;
    char name[16];
    snprintf(name, sizeof name, "worker-%u", i);
    pthread_setname_np(t, name);
    usleep(250 * 1000);
  }
}
