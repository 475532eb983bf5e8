/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* malloc benchmark: one malloc + free pair at 16, 64, 512 and 4096 bytes,
 * for strata and the allocators people compare it with, side by side in one
 * run: instructions per pair (callgrind, repeatable) and ns per pair (best
 * of several runs; noisy on a shared machine).
 *
 * The same binary measures every allocator: it calls plain malloc and free,
 * and the driver re-runs it with LD_PRELOAD set to each allocator's shared
 * library (none for glibc). strata runs three times: on its default mmap
 * backend, on huge pages (STRATA_BACKEND=hugepage, column "strata-hp"), and
 * hardened (libstrata_hardened.so, column "strata-hard"). */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/benchkit/benchkit.h"

#define TIMED_PAIRS 5000000
#define CALLGRIND_PAIRS 200000
#define SIZES 4

static const size_t sizes[SIZES] = {16, 64, 512, 4096};

#define PAIR_LOOP(name, size)                             \
  __attribute__((noinline)) void name(long n) {           \
    for (long i = 0; i < n; i++) {                        \
      void *p = malloc(size);                             \
      if (p == NULL) abort(); /* a failing malloc is no fast path */ \
      STRATA_BENCH_KEEP(p);                               \
      free(p);                                            \
    }                                                     \
  }
PAIR_LOOP(pairs_16, 16)
PAIR_LOOP(pairs_64, 64)
PAIR_LOOP(pairs_512, 512)
PAIR_LOOP(pairs_4096, 4096)

static void (*const loops[SIZES])(long) = {pairs_16, pairs_64, pairs_512, pairs_4096};
static const char *const loop_names[SIZES] = {"pairs_16", "pairs_64", "pairs_512", "pairs_4096"};

typedef struct allocator {
  const char *name;
  char preload[4096]; /* empty: the system allocator */
  const char *backend; /* STRATA_BACKEND for strata, or NULL */
} allocator;

/* Child side: run one loop, after a warm-up that fills the allocator's
 * caches, and print ns per pair. */
static int run_child(const char *which, bool timed) {
  for (int s = 0; s < SIZES; s++) {
    if (strcmp(which, loop_names[s]) != 0) continue;
    loops[s](1000); /* warm up: not counted by callgrind (other function) */
    if (!timed) {
      loops[s](CALLGRIND_PAIRS);
      return 0;
    }
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
      uint64_t start = strata_bench_now_ns();
      loops[s](TIMED_PAIRS);
      double ns = (double)(strata_bench_now_ns() - start) / TIMED_PAIRS;
      if (ns < best) best = ns;
    }
    printf("%.3f\n", best);
    return 0;
  }
  return 2;
}

static double timed_run(const allocator *a, int s) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    if (a->preload[0] != '\0') setenv("LD_PRELOAD", a->preload, 1);
    if (a->backend != NULL) setenv("STRATA_BACKEND", a->backend, 1);
    execl("/proc/self/exe", "malloc_bench", "--timed", loop_names[s], (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  char buf[64] = {0};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return atof(buf);
}

static double instructions(const allocator *a, int s) {
  if (a->preload[0] != '\0') setenv("LD_PRELOAD", a->preload, 1);
  if (a->backend != NULL) setenv("STRATA_BACKEND", a->backend, 1);
  double ir = strata_bench_instructions_per_op(loop_names[s], CALLGRIND_PAIRS);
  unsetenv("LD_PRELOAD");
  unsetenv("STRATA_BACKEND");
  return ir;
}

int main(int argc, char **argv) {
  const char *child = strata_bench_child(argc, argv);
  if (child != NULL) return run_child(child, false);
  if (argc == 3 && strcmp(argv[1], "--timed") == 0) return run_child(argv[2], true);

  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) return 1;
  self[len] = '\0';
  allocator all[] = {
      {"strata", "", "mmap"},
      {"strata-hp", "", "hugepage"},
      {"strata-hard", "", "mmap"},
      {"glibc", "", NULL},
      {"mimalloc", "/usr/lib/x86_64-linux-gnu/libmimalloc.so", NULL},
      {"jemalloc", "/usr/lib/x86_64-linux-gnu/libjemalloc.so", NULL},
      {"tcmalloc", "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so", NULL},
  };
  const char *dir = dirname(self);
  snprintf(all[0].preload, sizeof all[0].preload, "%s/libstrata.so", dir);
  snprintf(all[1].preload, sizeof all[1].preload, "%s/libstrata.so", dir);
  snprintf(all[2].preload, sizeof all[2].preload, "%s/libstrata_hardened.so", dir);
  const int count = sizeof all / sizeof all[0];
  for (int i = 0; i < count; i++) {
    if (all[i].preload[0] != '\0' && access(all[i].preload, R_OK) != 0) {
      fprintf(stderr, "malloc_bench: %s not found at %s\n", all[i].name, all[i].preload);
      all[i].name = NULL;
    }
  }

  double ns[7][SIZES], ir[7][SIZES];
  for (int i = 0; i < count; i++) {
    for (int s = 0; s < SIZES; s++) {
      ns[i][s] = all[i].name ? timed_run(&all[i], s) : -1;
      ir[i][s] = all[i].name ? instructions(&all[i], s) : -1;
    }
  }
  printf("%-10s %-36s", "malloc", "malloc + free pair, per pair");
  for (int i = 0; i < count; i++) printf(" %11s", all[i].name ? all[i].name : "-");
  printf("\n");
  for (int s = 0; s < SIZES; s++) {
    char what[64];
    snprintf(what, sizeof what, "%zu B, instructions (callgrind)", sizes[s]);
    printf("%-10s %-36s", "malloc", what);
    for (int i = 0; i < count; i++) printf(" %11.1f", ir[i][s]);
    printf("\n");
  }
  for (int s = 0; s < SIZES; s++) {
    char what[64];
    snprintf(what, sizeof what, "%zu B, ns (best of 5)", sizes[s]);
    printf("%-10s %-36s", "malloc", what);
    for (int i = 0; i < count; i++) printf(" %11.2f", ns[i][s]);
    printf("\n");
  }
  return 0;
}
