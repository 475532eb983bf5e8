/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* release_probe [fork | phase MS]: frees 200 MiB of large objects and then
 * makes no allocator call that could apply the release policy: it only
 * sleeps and reads the stats (which take the heap's lock, nothing more) and
 * its own resident memory, for up to 6 seconds. Prints
 *   probe: rss_after_free_mib=... rss_end_mib=... released_gain_mib=... seconds=...
 * With "fork", the same runs again in a child forked after a first round
 * (a child starts no releasing thread). With "phase MS", a small large
 * free first starts the releasing thread, and the round begins MS
 * milliseconds later: memory freed between two of the thread's wake-ups
 * must still go back one release delay after the free. Used by
 * release_test.sh. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frontend/malloc/strata_malloc.h"

#define OBJECTS 200
#define OBJECT_BYTES (1u << 20)

/* Resident MiB from /proc/self/statm, read with plain system calls. */
static double resident_mib(void) {
  char buf[128] = {0};
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  long size = 0, resident = 0;
  if (sscanf(buf, "%ld %ld", &size, &resident) != 2) return -1;
  return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static double released_mib(void) {
  strata_malloc_stats s;
  strata_malloc_get_stats(&s);
  return (double)s.released_bytes / (1024.0 * 1024.0);
}

static void round_of_frees(void) {
  void *objects[OBJECTS];
  for (int i = 0; i < OBJECTS; i++) {
    objects[i] = strata_malloc(OBJECT_BYTES);
    if (objects[i] == NULL) {
      printf("probe: malloc failed\n");
      exit(2);
    }
    memset(objects[i], i, OBJECT_BYTES);
  }
  for (int i = 0; i < OBJECTS; i++) strata_free(objects[i]);
  double rss_after = resident_mib(), released_before = released_mib();
  struct timespec start, now, nap = {0, 20 * 1000 * 1000};
  clock_gettime(CLOCK_MONOTONIC, &start);
  double seconds = 0, gain = 0;
  while (seconds < 6.0) {
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &now);
    seconds = (double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
    gain = released_mib() - released_before;
    if (gain >= 190) break;
  }
  printf("probe: rss_after_free_mib=%.1f rss_end_mib=%.1f released_gain_mib=%.1f seconds=%.1f\n",
         rss_after, resident_mib(), gain, seconds);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "fork") == 0) {
    round_of_frees();
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
      printf("probe: child\n");
      round_of_frees();
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
  }
  if (argc > 2 && strcmp(argv[1], "phase") == 0) {
    strata_free(strata_malloc(OBJECT_BYTES)); /* memory flows back: the thread starts */
    long ms = atol(argv[2]);
    struct timespec wait = {ms / 1000, (ms % 1000) * 1000 * 1000};
    nanosleep(&wait, NULL);
  }
  round_of_frees();
  return 0;
}
