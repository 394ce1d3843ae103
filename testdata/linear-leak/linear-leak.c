/* linear-leak: a perfectly linear leak.  Every 10 ms (absolute
 * CLOCK_MONOTONIC schedule, no drift) it mallocs 64 KiB, memsets it and
 * never frees it.  64 KiB is below glibc's mmap threshold (128 KiB), so the
 * blocks come from the main arena, i.e. the brk heap ([heap]), which grows
 * upward: 65552 bytes (64 KiB + 16-byte chunk header) per block, about
 * 6.25 MiB/s.
 *
 * Log (argv[1]): "# ..." comment lines, then one line per block:
 *   epoch_ms index ptr size
 * epoch_ms is taken after the block is memset (i.e. when it is resident);
 * cumulative leaked bytes after line `index` are index * size. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (64UL * 1024)
#define PERIOD_MS 10
#define MAX_BLOCKS 6000   /* 60 s, 384 MiB: a safety stop, then it idles */

static long long epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: linear-leak LOG\n"); return 2; }
    FILE *log = fopen(argv[1], "w");
    if (!log) { perror(argv[1]); return 1; }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    t0.tv_sec += 1;   /* first block 1 s from now */
    fprintf(log, "# pid %d\n", (int)getpid());
    fprintf(log, "# initial brk %p\n", sbrk(0));
    fprintf(log, "# t0_epoch_ms %lld leak start (block i at t0 + (i-1)*%d ms)\n",
            epoch_ms() + 1000, PERIOD_MS);
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
        memset(p, 0xa5, BLOCK);
        fprintf(log, "%lld %ld %p %lu\n", epoch_ms(), i, (void *)p, BLOCK);
        fflush(log);
    }
    fprintf(log, "# done\n");
    fflush(log);
    for (;;) pause();
}
