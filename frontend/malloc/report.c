/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Misuse reports. They are written with write(2) from a stack buffer: the
 * heap may be corrupt, and reporting must not allocate (no_alloc_test
 * counts the C library's allocations during reports: none). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/format.h"
#include "frontend/malloc/malloc_internal.h"

static size_t append(char *buf, size_t at, const char *text) {
  size_t n = strlen(text);
  memcpy(buf + at, text, n);
  return at + n;
}

static size_t append_hex(char *buf, size_t at, uintptr_t value) {
  return at + strata_format_hex(buf + at, value);
}

/* A misuse report's buffer: long enough for the longest function name,
 * text, address, owner and " (ignored)". */
#define REPORT_MAX 256

/* Starts a misuse report: "strata: <function>(): ". */
static size_t begin_report(char *buf, const char *function) {
  strata_malloc_ensure_init();
  size_t n = append(buf, 0, "strata: ");
  n = append(buf, n, function);
  return append(buf, n, "(): ");
}

/* Counts the misuse, ends the line (" (ignored)" in warn mode), writes it,
 * and aborts unless in warn mode. */
static void end_report(char *buf, size_t n) {
  strata_malloc_global *g = &strata_malloc_state;
  strata_atomic_add(&g->errors, 1, STRATA_ORDER_RELAXED);
  if (g->config.on_error == STRATA_ON_ERROR_WARN) n = append(buf, n, " (ignored)");
  buf[n++] = '\n';
  ssize_t written = write(STDERR_FILENO, buf, n);
  (void)written;
  if (g->config.on_error == STRATA_ON_ERROR_ABORT) abort();
}

void strata_report_misuse(const char *function, strata_misuse what, const void *p) {
  char buf[REPORT_MAX];
  size_t n = begin_report(buf, function);
  n = append(buf, n, what == STRATA_MISUSE_DOUBLE_FREE ? "double free "
                     : what == STRATA_MISUSE_FREED      ? "pointer already freed "
                     : what == STRATA_MISUSE_WRONG_SIZE ? "wrong size for "
                     : what == STRATA_MISUSE_CORRUPT_LIST
                         ? "free list corrupted (a double free hidden by a write after free?) at "
                         : "invalid pointer ");
  n = append_hex(buf, n, (uintptr_t)p);
  end_report(buf, n);
}

void strata_report_foreign(const char *function, const void *p, unsigned owner) {
  char buf[REPORT_MAX];
  size_t n = begin_report(buf, function);
  n = append(buf, n, "not allocated by malloc: ");
  n = append_hex(buf, n, (uintptr_t)p);
  n = append(buf, n, " belongs to ");
  n = append(buf, n, strata_span_owner_name(owner));
  end_report(buf, n);
}

void strata_report_fatal(const char *what) {
  char buf[REPORT_MAX];
  size_t n = append(buf, 0, "strata: ");
  size_t room = sizeof buf - n - 1;
  size_t len = strlen(what) < room ? strlen(what) : room;
  memcpy(buf + n, what, len);
  n += len;
  buf[n++] = '\n';
  ssize_t written = write(STDERR_FILENO, buf, n);
  (void)written;
  abort();
}

void strata_report_status(const char *function, strata_status status, const void *p) {
  strata_report_misuse(function,
                       status == STRATA_ERR_DOUBLE_FREE ? STRATA_MISUSE_DOUBLE_FREE
                                                        : STRATA_MISUSE_INVALID,
                       p);
}

#ifdef STRATA_HARDENED
void strata_report_corrupt_list(const void *p) {
  char buf[128];
  size_t n = append(buf, 0, "strata: malloc(): free list corrupted at ");
  n = append_hex(buf, n, (uintptr_t)p);
  n = append(buf, n, " (a write after free?)\n");
  ssize_t written = write(STDERR_FILENO, buf, n);
  (void)written;
  abort();
}
#endif
