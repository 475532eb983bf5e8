/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Private to the malloc frontend: its settings, one table (settings.c)
 * that drives reading the environment, the defaults, the ranges, the
 * warnings about bad values and the README's table of settings. */
#ifndef STRATA_FRONTEND_MALLOC_SETTINGS_H_
#define STRATA_FRONTEND_MALLOC_SETTINGS_H_

#include <stdint.h>

#include "frontend/malloc/malloc_internal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_setting_kind {
  STRATA_SETTING_CHOICE, /* one of a few words */
  STRATA_SETTING_NUMBER, /* a whole decimal number of `unit_name`s */
  STRATA_SETTING_TEXT,   /* any text (a path) */
} strata_setting_kind;

typedef struct strata_setting {
  const char *name;
  strata_setting_kind kind;
  /* CHOICE: the words accepted, NULL-terminated; `fallback` is the index
   * used when unset or wrong. */
  const char *choices[4];
  /* NUMBER: the value is taken in units of `unit` (bytes, nanoseconds),
   * `unit_name` ("KiB", "ms") for people, at most `max` units;
   * `fallback` (already in units) when unset or wrong. */
  uint64_t unit;
  const char *unit_name;
  uint64_t max;
  uint64_t fallback;
  /* Stores the value read: the choice's index, the number times unit, or
   * (TEXT) the text's address. */
  void (*apply)(strata_malloc_config *c, uint64_t value);
  const char *default_text; /* for the README */
  const char *meaning;      /* for the README */
} strata_setting;

extern const strata_setting strata_settings[] STRATA_HIDDEN;
extern const unsigned strata_setting_count STRATA_HIDDEN;

/* Fills `c` from the environment. Every bad value (a word not among the
 * choices, a number malformed or out of range) and every unknown STRATA_*
 * variable (a likely typo) is said in one line on stderr, without
 * allocating, and the default is used. */
void strata_settings_read(strata_malloc_config *c) STRATA_HIDDEN;

#ifdef __cplusplus
}
#endif

#endif /* STRATA_FRONTEND_MALLOC_SETTINGS_H_ */
