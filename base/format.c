/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include "base/format.h"

#include <string.h>

/* Digits come out lowest first; they are written backwards into place. */
static size_t format(char *out, uint64_t v, unsigned base, const char *prefix) {
  char digits[20];
  size_t n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v != 0);
  size_t k = 0;
  while (*prefix != '\0') out[k++] = *prefix++;
  while (n > 0) out[k++] = digits[--n];
  out[k] = '\0';
  return k;
}

size_t strata_format_decimal(char *out, uint64_t v) { return format(out, v, 10, ""); }

size_t strata_format_hex(char *out, uint64_t v) { return format(out, v, 16, "0x"); }

bool strata_format_pid_pattern(char *out, size_t size, const char *pattern, uint64_t pid) {
  if (size == 0) return false;
  char number[STRATA_FORMAT_MAX];
  size_t number_length = strata_format_decimal(number, pid);
  size_t at = 0;
  for (const char *c = pattern; *c != '\0'; c++) {
    const char *piece = c;
    size_t length = 1;
    if (c[0] == '%' && c[1] == 'p') {
      piece = number;
      length = number_length;
      c++;
    }
    if (size - 1 - at < length) {
      out[0] = '\0';
      return false;
    }
    memcpy(out + at, piece, length);
    at += length;
  }
  out[at] = '\0';
  return true;
}
