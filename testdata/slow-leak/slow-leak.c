/* slow-leak: a slow, perfectly regular leak.  Every 300 ms (absolute
 * CLOCK_MONOTONIC schedule, no drift) the main thread mallocs 256 KiB,
 * memsets it and never frees it.  256 KiB is above glibc's default mmap
 * threshold (128 KiB), so the threshold is raised to 64 MiB first: the
 * blocks then come from the main arena, i.e. the brk heap ([heap]), which
 * grows upward by 262160 bytes (256 KiB + 16-byte chunk header) per block,
 * about 853 KiB/s.  Sampled faster than every 300 ms, [heap] Rss shows flat
 * steps between page-granular rises.
 *
 * Log (argv[1]): "# ..." comment lines, then one line per block:
 *   epoch_ms index ptr size
 * written (and fflushed) after the block's malloc+memset, so the block is
 * resident when its line appears; cumulative leaked bytes after line
 * `index` are index * size. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (256UL << 10)
#define PERIOD_MS 300
#define MAX_BLOCKS 400   /* 120 s, 100 MiB: a safety stop, then it idles */

static long long epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: slow-leak LOG\n"); return 2; }
    if (mallopt(M_MMAP_THRESHOLD, 64 << 20) != 1) {
        fprintf(stderr, "slow-leak: mallopt(M_MMAP_THRESHOLD, 64 MiB) refused\n");
        return 1;
    }
    FILE *log = fopen(argv[1], "w");
    if (!log) { perror(argv[1]); return 1; }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long long t0_epoch = epoch_ms();
    t0.tv_nsec += 100 * 1000000L;   /* first block 100 ms from now */
    t0_epoch += 100;
    if (t0.tv_nsec >= 1000000000L) { t0.tv_sec++; t0.tv_nsec -= 1000000000L; }
    fprintf(log, "# pid %d\n", (int)getpid());
    fprintf(log, "# brk before block 1 %p (the heap already holds fopen's FILE and buffer)\n", sbrk(0));
    fprintf(log, "# t0_epoch_ms %lld leak start (block i at t0 + (i-1)*%d ms)\n",
            t0_epoch, PERIOD_MS);
    fprintf(log, "# epoch_ms index ptr size\n");
    fflush(log);
    for (long i = 1; i <= MAX_BLOCKS; ++i) {
        long off = (i - 1) * PERIOD_MS;
        struct timespec at = t0;
        at.tv_sec += off / 1000;
        at.tv_nsec += (off % 1000) * 1000000L;
        if (at.tv_nsec >= 1000000000L) { at.tv_sec++; at.tv_nsec -= 1000000000L; }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) != 0) {}
        char *p = malloc(BLOCK);
        if (!p) { perror("malloc"); return 1; }
        memset(p, 1, BLOCK);
        fprintf(log, "%lld %ld %p %lu\n", epoch_ms(), i, (void *)p, BLOCK);
        fflush(log);
    }
    fprintf(log, "# done\n");
    fflush(log);
    for (;;) pause();
}
