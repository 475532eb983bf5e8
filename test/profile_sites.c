/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Allocation sites of known sizes, for the heap-profile test
 * (profile_test.py), run under LD_PRELOAD=libstrata_profiled.so. Each
 * site is a function of its own, so that the profile attributes bytes to
 * it by name:
 *
 *   site_pages   100 MiB in 4 KiB objects (malloc), kept
 *   site_small    10 MiB in 256 B objects (calloc), kept
 *   site_tiny     16 MiB in 16 B objects (aligned_alloc), kept
 *   site_huge     32 MiB in 8 MiB objects (malloc), kept
 *   site_freed    50 MiB in 1 KiB objects (malloc), all freed
 *
 * Modes (argv[1]): "sites"; "signal" (site_pages, then the profile
 * signal); "fork" (site_pages in the parent, site_child in a child that
 * exits on its own); "threads" (site_thread on four threads, 8 MiB each in
 * 2 KiB objects); "exit_thread" (site_huge on a thread that calls exit()
 * while main waits); "dump" (strata_malloc_profile_dump, found with dlsym,
 * to argv[2] after site_pages, then to a path that cannot exist). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB ((size_t)1 << 20)

/* Every object kept is stored here, so that no compiler may drop its
 * allocation as unused. */
static void *volatile *kept;
static size_t kept_count;
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;

static void keep(void *p) {
  if (p == NULL) {
    fprintf(stderr, "profile_sites: out of memory\n");
    exit(2);
  }
  pthread_mutex_lock(&kept_lock);
  kept[kept_count++] = p;
  pthread_mutex_unlock(&kept_lock);
}

__attribute__((noinline)) void site_pages(void) {
  for (size_t i = 0; i < 100 * MIB / 4096; i++) keep(malloc(4096));
}

__attribute__((noinline)) void site_small(void) {
  for (size_t i = 0; i < 10 * MIB / 256; i++) keep(calloc(1, 256));
}

__attribute__((noinline)) void site_tiny(void) {
  for (size_t i = 0; i < 16 * MIB / 16; i++) keep(aligned_alloc(16, 16));
}

__attribute__((noinline)) void site_huge(void) {
  for (int i = 0; i < 4; i++) keep(malloc(8 * MIB));
}

__attribute__((noinline)) void site_freed(void) {
  for (size_t i = 0; i < 50 * MIB / 1024; i++) {
    void *volatile p = malloc(1024);
    free(p);
  }
}

__attribute__((noinline)) void site_child(void) {
  for (size_t i = 0; i < 20 * MIB / 4096; i++) keep(malloc(4096));
}

__attribute__((noinline)) void site_thread(void) {
  for (size_t i = 0; i < 8 * MIB / 2048; i++) keep(malloc(2048));
}

static void *thread_main(void *arg) {
  (void)arg;
  site_thread();
  return NULL;
}

static void *exiting_thread(void *arg) {
  (void)arg;
  site_huge();
  exit(0); /* from this thread, while main waits */
}

int main(int argc, char **argv) {
  kept = calloc(4 * MIB, sizeof *kept);
  const char *mode = argc > 1 ? argv[1] : "sites";
  if (strcmp(mode, "sites") == 0) {
    site_pages();
    site_small();
    site_tiny();
    site_huge();
    site_freed();
  } else if (strcmp(mode, "signal") == 0) {
    site_pages();
    raise(SIGUSR2);
    site_small();
  } else if (strcmp(mode, "fork") == 0) {
    site_pages();
    pid_t child = fork();
    if (child == 0) {
      site_child();
      exit(0);
    }
    int status;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      fprintf(stderr, "profile_sites: the child failed\n");
      return 1;
    }
  } else if (strcmp(mode, "threads") == 0) {
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, thread_main, NULL);
    for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  } else if (strcmp(mode, "exit_thread") == 0) {
    pthread_t thread;
    pthread_create(&thread, NULL, exiting_thread, NULL);
    pthread_join(thread, NULL);
    fprintf(stderr, "profile_sites: the thread did not exit the process\n");
    return 1;
  } else if (strcmp(mode, "dump") == 0 && argc > 2) {
    int (*dump)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT,
                                                             "strata_malloc_profile_dump");
    if (dump == NULL) {
      fprintf(stderr, "profile_sites: no strata_malloc_profile_dump\n");
      return 1;
    }
    site_pages();
    if (dump(argv[2]) != 0) {
      perror("profile_sites: strata_malloc_profile_dump");
      return 1;
    }
    errno = 0;
    if (dump("/nonexistent-directory/profile.heap") != -1 || errno != ENOENT) {
      fprintf(stderr, "profile_sites: a dump to a missing directory did not fail with ENOENT\n");
      return 1;
    }
  } else {
    fprintf(stderr, "profile_sites: unknown mode %s\n", mode);
    return 1;
  }
  printf("%zu objects kept\n", kept_count);
  return 0;
}
