#include "base/check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
  char digits[16];
  int i = (int)sizeof digits - 1;
  digits[i] = '\0';
  unsigned value = line > 0 ? (unsigned)line : 0;
  do {
    digits[--i] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0 && i > 0);
  put("strata: invariant violated in ");
  put(function);
  put(" (");
  put(file);
  put(":");
  put(&digits[i]);
  put("): ");
  put(expr);
  put("\n");
  abort();
}
