/* capture: snapshot /proc/PID/smaps (and optionally `pmap -x PID`) COUNT
 * times, INTERVAL_MS apart on an absolute CLOCK_MONOTONIC schedule, into
 * OUTDIR/smaps.NN and OUTDIR/pmap-x.NN, NN zero-padded to the width of
 * COUNT, at least 2 digits.  OUTDIR/times.txt gets "NN EPOCH_MS" with the wall-clock time in
 * ms taken just before each smaps read starts.
 * On stderr, one line per snapshot: "NN EPOCH_MS smaps_us pmap_us", how long
 * the smaps copy and the pmap run took (the pmap-x file shows the process
 * that much later than smaps).
 * If START_EPOCH_MS is given, the first snapshot waits for that wall-clock
 * time (so the schedule can be phased against the leaking program's log).
 * usage: capture PID INTERVAL_MS COUNT OUTDIR PMAP(0|1) [START_EPOCH_MS] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY);
    if (in < 0) return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) { close(in); return -1; }
    static char buf[1 << 16];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n) { n = -1; break; }
    close(in);
    close(out);
    return n < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: capture PID INTERVAL_MS COUNT OUTDIR PMAP(0|1) [START_EPOCH_MS]\n");
        return 2;
    }
    const char *pid = argv[1];
    long interval = atol(argv[2]);
    int count = atoi(argv[3]);
    const char *dir = argv[4];
    int with_pmap = atoi(argv[5]);
    int width = snprintf(NULL, 0, "%d", count);
    if (width < 2) width = 2;   /* 01..08, 001..125 */
    char smaps[64], path[4096];
    snprintf(smaps, sizeof smaps, "/proc/%s/smaps", pid);
    snprintf(path, sizeof path, "%s/times.txt", dir);
    FILE *times = fopen(path, "w");
    if (!times) { perror(path); return 1; }

    if (argc == 7) {
        long long start = atoll(argv[6]);
        struct timespec at = {start / 1000, (start % 1000) * 1000000L};
        clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL);
    }
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (int i = 1; i <= count; ++i) {
        long long t = epoch_ms();
        long long u0 = mono_us();
        snprintf(path, sizeof path, "%s/smaps.%0*d", dir, width, i);
        if (copy_file(smaps, path) != 0) { perror(path); return 1; }
        long long u1 = mono_us();
        if (with_pmap) {
            snprintf(path, sizeof path, "%s/pmap-x.%0*d", dir, width, i);
            pid_t child = fork();
            if (child == 0) {
                int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                dup2(fd, 1);
                execlp("pmap", "pmap", "-x", pid, (char *)NULL);
                _exit(127);
            }
            int st;
            waitpid(child, &st, 0);
        }
        long long u2 = mono_us();
        fprintf(times, "%0*d %lld\n", width, i, t);
        fprintf(stderr, "%0*d %lld %lld %lld\n", width, i, t, u1 - u0, u2 - u1);
        fflush(times);
        if (i == count) break;
        next.tv_nsec += (interval % 1000) * 1000000L;
        next.tv_sec += interval / 1000 + next.tv_nsec / 1000000000L;
        next.tv_nsec %= 1000000000L;
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    fclose(times);
    return 0;
}
