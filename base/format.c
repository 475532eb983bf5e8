#include "base/format.h"

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
