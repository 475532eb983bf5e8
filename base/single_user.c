/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#define _GNU_SOURCE
#include "base/single_user.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void strata_die_in(const char *function, const char *what) {
  const char *parts[] = {"strata: ", function, "(): ", what, "\n"};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    ssize_t written = write(STDERR_FILENO, parts[i], strlen(parts[i]));
    (void)written; /* nowhere else to say it */
  }
  abort();
}

void strata_single_user_enter(strata_single_user *u, const char *function, const char *what) {
  uintptr_t self = (uintptr_t)pthread_self();
  if (strata_atomic_load(&u->thread, STRATA_ORDER_RELAXED) == self) {
    u->depth++; /* only the holder reads its own id here */
    return;
  }
  uintptr_t expected = 0;
  if (strata_atomic_compare_exchange(&u->thread, &expected, self, STRATA_ORDER_ACQUIRE,
                                     STRATA_ORDER_RELAXED)) {
    return;
  }
  char message[64];
  size_t n = strlen(what);
  if (n > 32) n = 32;
  memcpy(message, what, n);
  memcpy(message + n, " used by two threads at once", sizeof " used by two threads at once");
  strata_die_in(function, message);
}

void strata_single_user_leave(strata_single_user *u) {
  if (u->depth > 0) {
    u->depth--;
    return;
  }
  strata_atomic_store(&u->thread, 0, STRATA_ORDER_RELEASE);
}
