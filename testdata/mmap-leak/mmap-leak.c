/* mmap-leak: leaks one malloc(1 MiB) every 100 ms in the main thread.
 * glibc serves each from its own mmap of 1028 KiB (1 MiB + 16-byte chunk
 * header, page-rounded) and the kernel merges each new anonymous mapping
 * into the adjacent one, so the leak grows one mapping DOWNWARD through a
 * free gap.  To make it fill a gap and then start a new mapping part-way
 * through a capture, a PROT_NONE reservation is mapped first, laid out from
 * high to low addresses as:
 *
 *   G0   1 MiB      PROT_NONE top guard
 *   S    1024 KiB   hole, one page too small for a 1028 KiB block
 *   G1   1028 KiB   PROT_NONE guard (its top page P is unmapped later)
 *   H1   40 MiB     hole the leak fills first (39 blocks, 868 KiB left over)
 *   G2   1 MiB      PROT_NONE bottom guard
 *
 * When H1 is full the next block goes below G2 and starts a new mapping.
 * A second thread, ~3.05 s after the leak starts, unmaps page P (making S+P
 * a 1028 KiB hole above the leak) and does ONE malloc(1 MiB), which lands in
 * S+P, between two PROT_NONE guards, so it cannot merge with the leak.  It
 * holds the same lock as the leak so no leak block can take that hole.
 *
 * Log (argv[1]): "# ..." comment lines, then one line per allocation:
 *   epoch_ms index ptr size      (index 1.. for the leak, "once" for the
 *                                 one-time block; ptr as returned by malloc)
 * epoch_ms is taken after the block is memset (i.e. when it is resident). */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define KiB 1024UL
#define MiB (1024UL * KiB)
#define BLOCK (1UL << 20)
#define MAX_BLOCKS 200

static FILE *logf_;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec t0;
static char *page_p;

static long long epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_until(long offset_ms) {
    struct timespec at = t0;
    at.tv_sec += offset_ms / 1000;
    at.tv_nsec += (offset_ms % 1000) * 1000000L;
    if (at.tv_nsec >= 1000000000L) { at.tv_sec++; at.tv_nsec -= 1000000000L; }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) != 0) {}
}

static void *one_time(void *arg) {
    (void)arg;
    sleep_until(3050);
    pthread_mutex_lock(&lock);
    if (munmap(page_p, 4096) != 0) { perror("munmap P"); exit(1); }
    char *p = malloc(BLOCK);
    if (!p) { perror("malloc"); exit(1); }
    memset(p, 0x5a, BLOCK);
    fprintf(logf_, "%lld once %p %lu\n", epoch_ms(), (void *)p, BLOCK);
    fflush(logf_);
    pthread_mutex_unlock(&lock);
    return NULL;   /* p is deliberately kept */
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: mmap-leak LOG\n"); return 2; }
    logf_ = fopen(argv[1], "w");
    if (!logf_) { perror(argv[1]); return 1; }
    /* One arena: the second thread must not map a 64 MiB arena of its own. */
    mallopt(M_ARENA_MAX, 1);
    fprintf(logf_, "# pid %d\n", (int)getpid());
    fflush(logf_);

    /* The thread is created before the reservation so its stack is mapped
       first, outside the gaps the leak fills. */
    pthread_t th;

    const size_t g0 = 1 * MiB, s = 1024 * KiB, g1 = 1028 * KiB, h1 = 40 * MiB,
                 g2 = 1 * MiB;
    const size_t total = g0 + s + g1 + h1 + g2;

    /* Start time is fixed before the thread is created; it only reads it. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    t0.tv_sec += 1;   /* leak starts 1 s from now, after the layout is built */
    long long t0_epoch = epoch_ms() + 1000;
    if (pthread_create(&th, NULL, one_time, NULL) != 0) { perror("pthread_create"); return 1; }

    char *base = mmap(NULL, total, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) { perror("mmap reservation"); return 1; }
    char *top = base + total;
    char *G0 = top - g0, *S = G0 - s, *G1 = S - g1, *H1 = G1 - h1, *G2 = H1 - g2;
    page_p = G1 + g1 - 4096;
    if (munmap(S, s) != 0 || munmap(H1, h1) != 0) { perror("munmap"); return 1; }
    fprintf(logf_, "# reservation %p-%p\n", (void *)base, (void *)top);
    fprintf(logf_, "# G0 %p-%p PROT_NONE\n", (void *)G0, (void *)top);
    fprintf(logf_, "# S  %p-%p hole 1024K\n", (void *)S, (void *)G0);
    fprintf(logf_, "# G1 %p-%p PROT_NONE (its top page P %p-%p is unmapped just before the one-time malloc)\n",
            (void *)G1, (void *)S, (void *)page_p, (void *)S);
    fprintf(logf_, "# H1 %p-%p hole 40M\n", (void *)H1, (void *)G1);
    fprintf(logf_, "# G2 %p-%p PROT_NONE\n", (void *)G2, (void *)H1);
    fprintf(logf_, "# t0_epoch_ms %lld leak start (block i at t0 + (i-1)*100 ms)\n", t0_epoch);
    fprintf(logf_, "# epoch_ms index ptr size\n");
    fflush(logf_);

    for (int i = 1; i <= MAX_BLOCKS; ++i) {
        sleep_until((long)(i - 1) * 100);
        pthread_mutex_lock(&lock);
        char *p = malloc(BLOCK);
        if (!p) { perror("malloc"); return 1; }
        memset(p, 0xa5, BLOCK);
        fprintf(logf_, "%lld %d %p %lu\n", epoch_ms(), i, (void *)p, BLOCK);
        fflush(logf_);
        pthread_mutex_unlock(&lock);
    }
    fprintf(logf_, "# done\n");
    fflush(logf_);
    pthread_join(th, NULL);
    for (;;) pause();
}
