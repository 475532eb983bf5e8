/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#define _GNU_SOURCE
#include "tools/benchkit/benchkit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t strata_bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

size_t strata_bench_resident_bytes(void) {
  long size = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) return 0;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
  fclose(f);
  return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

void strata_bench_report(const char *layer, const char *what, double value,
                         const char *unit) {
  printf("%-10s %-52s %12.2f %s\n", layer, what, value, unit);
  fflush(stdout);
}

const char *strata_bench_child(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "--callgrind-child") == 0) return argv[2];
  return NULL;
}

/* callgrind's output file has a line "summary: N" (older versions:
 * "totals: N") with the total of the first event, instructions read. */
static long long read_callgrind_total(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  char line[512];
  long long total = -1;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "summary:", 8) == 0 || strncmp(line, "totals:", 7) == 0) {
      total = strtoll(strchr(line, ':') + 1, NULL, 10);
    }
  }
  fclose(f);
  return total;
}

double strata_bench_instructions_per_op(const char *function, uint64_t operations) {
  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) {
    fprintf(stderr, "benchkit: cannot find own executable: %s\n", strerror(errno));
    return -1;
  }
  self[len] = '\0';

  char out_file[] = "/tmp/strata-callgrind-XXXXXX";
  int fd = mkstemp(out_file);
  if (fd < 0) {
    fprintf(stderr, "benchkit: mkstemp: %s\n", strerror(errno));
    return -1;
  }
  close(fd);

  char out_arg[sizeof out_file + 32];
  char toggle_arg[512];
  snprintf(out_arg, sizeof out_arg, "--callgrind-out-file=%s", out_file);
  snprintf(toggle_arg, sizeof toggle_arg, "--toggle-collect=%s", function);

  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "benchkit: fork: %s\n", strerror(errno));
    unlink(out_file);
    return -1;
  }
  if (pid == 0) {
    /* Keep the child's chatter out of the figures. */
    if (freopen("/dev/null", "w", stderr) == NULL) _exit(126);
    if (freopen("/dev/null", "w", stdout) == NULL) _exit(126);
    execlp("valgrind", "valgrind", "--tool=callgrind", "--collect-atstart=no",
           toggle_arg, out_arg, self, "--callgrind-child", function, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  long long total = read_callgrind_total(out_file);
  unlink(out_file);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || total < 0) {
    fprintf(stderr,
            "benchkit: callgrind run for %s failed (exit %d); is valgrind "
            "installed?\n",
            function, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return -1;
  }
  return (double)total / (double)operations;
}

void strata_bench_require_ok(int status, const char *what) {
  if (status == 0) return;
  fprintf(stderr, "benchmark: %s failed (status %d)\n", what, status);
  exit(1);
}
