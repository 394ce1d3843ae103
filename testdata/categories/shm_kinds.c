// Maps one of each kind of shared memory, touches it, writes where each
// one is and sleeps: MAP_SHARED|MAP_ANONYMOUS (kernel name "/dev/zero
// (deleted)"), the same named with PR_SET_VMA_ANON_NAME ("[anon_shmem:NAME]"),
// MAP_SHARED of /dev/zero, a memfd ("/memfd:NAME (deleted)") and a SysV
// segment ("/SYSV00000000 (deleted)").
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

static void report(const char* what, void* p, size_t len) {
  memset(p, 0x5a, len);
  printf("%s %lx-%lx\n", what, (unsigned long)p, (unsigned long)p + len);
}

int main(void) {
  size_t len = 1 << 20;
  void* anon = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  report("shared-anon", anon, len);

  void* named = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)named, 2 * len, "ring") != 0)
    printf("shared-anon-named: PR_SET_VMA_ANON_NAME failed: %s\n", strerror(errno));
  report("shared-anon-named", named, 2 * len);

  int zero = open("/dev/zero", O_RDWR);
  void* z = mmap(NULL, 3 * len, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0);
  report("dev-zero-shared", z, 3 * len);

  int mfd = memfd_create("snapbuf", 0);
  ftruncate(mfd, 4 * len);
  void* m = mmap(NULL, 4 * len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
  report("memfd", m, 4 * len);

  int id = shmget(IPC_PRIVATE, 5 * len, IPC_CREAT | 0600);
  void* sv = shmat(id, NULL, 0);
  shmctl(id, IPC_RMID, NULL);  // freed when the process detaches: nothing left behind
  printf("sysv-shmid %d\n", id);
  report("sysv", sv, 5 * len);

  fflush(stdout);
  pause();
  return 0;
}
