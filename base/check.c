/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include "base/check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/format.h"

static void put(const char *text) {
  size_t left = strlen(text);
  while (left > 0) {
    ssize_t n = write(STDERR_FILENO, text, left);
    if (n <= 0) return; /* nowhere to say it: abort regardless */
    text += n;
    left -= (size_t)n;
  }
}

void strata_assert_failed(const char *expr, const char *function, const char *file, int line) {
  /* The line number without snprintf (which may allocate). */
  char digits[STRATA_FORMAT_MAX];
  strata_format_decimal(digits, line > 0 ? (uint64_t)line : 0);
  put("strata: invariant violated in ");
  put(function);
  put(" (");
  put(file);
  put(":");
  put(digits);
  put("): ");
  put(expr);
  put("\n");
  abort();
}
