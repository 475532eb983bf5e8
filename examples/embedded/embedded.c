/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* strata with no operating system memory at all: a page heap, size-class
 * spans and a request pool on a buffer the program owns, as firmware or a
 * sandboxed runtime would run them.
 *
 * To prove it, the program first forbids itself every memory system call
 * (mmap, munmap, mprotect, madvise, mremap, brk) with a seccomp filter that
 * kills the process on use; then it works the heap until the buffer runs
 * out, checks that running out is a clean NULL with the heap intact, frees
 * everything and works again. Output goes through write(2): stdio may
 * allocate. Exit status 0 means all of it held. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena/backends.h"
#include "frontend/pool/strata_pool.h"
#include "pageheap/pageheap.h"
#include "span/span.h"

#define BUFFER_BYTES (8u << 20)
static unsigned char buffer[BUFFER_BYTES] __attribute__((aligned(4096)));
static strata_static_backend backend;
static strata_pageheap heap;

static void say(const char *text) {
  ssize_t n = write(STDOUT_FILENO, text, strlen(text));
  (void)n;
}

/* Kills the process on any system call that maps, unmaps or changes memory. */
static int forbid_os_memory(void) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 6, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_munmap, 5, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mprotect, 4, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_madvise, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mremap, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_brk, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
  };
  struct sock_fprog program = {sizeof filter / sizeof filter[0], filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
}

/* The filter must bite: a child that breaks the rule dies of it. */
static int filter_bites(void) {
  pid_t pid = fork();
  if (pid == 0) {
    if (forbid_os_memory() != 0) _exit(2);
    syscall(SYS_mmap, NULL, 4096, 3, 0x22, -1, 0);
    _exit(0); /* not reached when the filter works */
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

/* Fills the heap with spans of 64-byte objects until it refuses. */
static size_t fill(strata_span **spans, size_t max) {
  strata_span_class sc = strata_span_class_make(strata_size_to_class(64), STRATA_KIND_NOSCAN);
  size_t n = 0;
  while (n < max) {
    strata_span *s = strata_pageheap_alloc_small(&heap, sc);
    if (s == NULL) break;
    void *objects[STRATA_SPAN_MAX_OBJECTS];
    size_t got = strata_span_alloc_batch(s, objects, STRATA_SPAN_MAX_OBJECTS);
    for (size_t i = 0; i < got; i++) memset(objects[i], (int)n, 64);
    spans[n++] = s;
  }
  return n;
}

int main(void) {
  if (!filter_bites()) {
    say("seccomp filter does not work here\n");
    return 1;
  }
  if (strata_static_backend_init(&backend, buffer, sizeof buffer, 4096) != STRATA_OK) return 1;
  strata_pageheap_config config = strata_pageheap_default_config();
  config.arena_size = 1u << 20;
  if (strata_pageheap_init(&heap, &backend.base, &config) != STRATA_OK) return 1;
  if (forbid_os_memory() != 0) return 1;
  say("memory system calls are forbidden from here on\n");

  static strata_span *spans[2048];
  size_t n = fill(spans, 2048);
  int ok = n > 500;
  ok = ok && strata_pageheap_check(&heap, NULL) == STRATA_OK;
  for (size_t i = 0; i < n; i++) ok = ok && strata_pageheap_free(&heap, spans[i]) == STRATA_OK;
  size_t again = fill(spans, 2048);
  ok = ok && again == n;
  for (size_t i = 0; i < again; i++) ok = ok && strata_pageheap_free(&heap, spans[i]) == STRATA_OK;

  /* A request pool on the same buffer. */
  strata_pool_options options = {&heap, 16u << 10};
  strata_pool *pool = strata_pool_create(&options);
  size_t objects = 0;
  while (pool != NULL && strata_pool_alloc(pool, 200) != NULL) objects++;
  ok = ok && pool != NULL && objects > 10000 && errno == ENOMEM;
  strata_pool_destroy(pool);
  ok = ok && strata_pageheap_check(&heap, NULL) == STRATA_OK;

  char line[400];
  snprintf(line, sizeof line,
           "%zu one-page spans of 64-byte objects filled the 8 MiB buffer; the next "
           "request was refused cleanly; %zu again after freeing; a pool then held %zu "
           "objects before ENOMEM; no memory system call was made: %s\n",
           n, again, objects, ok ? "ok" : "FAILED");
  say(line);
  return ok ? 0 : 1;
}
