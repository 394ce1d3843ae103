// read_until_torn PID OUT SECONDS CHUNK FILE: reads /proc/PID/FILE (maps or
// smaps) CHUNK bytes a read(), as cat or a program's stdio does, again and
// again for up to SECONDS, until one read lists a mapping that starts
// before the mapping above it ends; writes that read to OUT. Exit 0: found;
// 1: not found in time; 2: the file could not be opened.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 24];

/// Whether the text lists a mapping that starts before the one above ends.
static int torn(const char* text) {
  unsigned long end_above = 0, start, end;
  int any = 0;
  for (const char* line = text; *line;) {
    const char* nl = strchr(line, '\n');
    if (!nl) break;
    const char* dash = strchr(line, '-');
    const char* space = strchr(line, ' ');
    if (dash && space && dash < space && sscanf(line, "%lx-%lx ", &start, &end) == 2) {
      if (any && start < end_above) return 1;
      end_above = end;
      any = 1;
    }
    line = nl + 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: read_until_torn PID OUT SECONDS CHUNK maps|smaps\n");
    return 2;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/%s", argv[1], argv[5]);
  const size_t chunk = (size_t)atol(argv[4]);
  const time_t until = time(NULL) + atoi(argv[3]);
  for (long tries = 1; time(NULL) < until; ++tries) {
    const int fd = open(path, O_RDONLY);
    if (fd < 0) return 2;
    size_t len = 0;
    ssize_t n;
    while (len + chunk < sizeof buf && (n = read(fd, buf + len, chunk)) > 0) len += (size_t)n;
    close(fd);
    buf[len] = 0;
    if (!torn(buf)) continue;
    FILE* out = fopen(argv[2], "w");
    if (!out || fwrite(buf, 1, len, out) != len || fclose(out) != 0) return 2;
    printf("torn after %ld reads\n", tries);
    return 0;
  }
  return 1;
}
