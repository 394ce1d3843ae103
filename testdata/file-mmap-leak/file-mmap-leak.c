/* file-mmap-leak: maps a new file every 250 ms and never unmaps it.
 * Each file is 48 KiB (12 pages) written with data, mapped PROT_READ,
 * MAP_PRIVATE, and every page read, so all 48 KiB are resident: a leak of
 * file mappings (a cache of index segments never closed), each one below
 * the 64 KiB noise floor on its own.  The files live in DIR (argv[2]) and
 * are named seg-NNN.dat.
 * Log (argv[1]): "# t0_epoch_ms T", then per mapping
 * "EPOCH_MS INDEX START-END PATH" after the pages were read.
 * usage: file-mmap-leak LOG DIR */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SIZE (48 * 1024)
#define PERIOD_NS 250000000L

static long long epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: file-mmap-leak LOG DIR\n"); return 2; }
    FILE *log = fopen(argv[1], "w");
    if (!log) { perror(argv[1]); return 2; }
    setvbuf(log, NULL, _IOLBF, 0);
    static char buf[SIZE];
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    fprintf(log, "# t0_epoch_ms %lld\n", epoch_ms());
    volatile unsigned long sum = 0;
    for (int i = 0; i < 200; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/seg-%03d.dat", argv[2], i);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) { perror(path); return 1; }
        memset(buf, 'a' + i % 26, SIZE);
        if (write(fd, buf, SIZE) != SIZE) { perror("write"); return 1; }
        char *p = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) { perror("mmap"); return 1; }
        close(fd);
        for (int off = 0; off < SIZE; off += 4096) sum += (unsigned char)p[off];
        fprintf(log, "%lld %d %lx-%lx %s\n", epoch_ms(), i, (unsigned long)p, (unsigned long)p + SIZE, path);
        next.tv_nsec += PERIOD_NS;
        while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    return 0;
}
