/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* format: numbers to text without stdio or malloc, for code that must not
 * allocate (an allocator's reports, a signal handler's, a profile
 * writer's). */
#ifndef STRATA_BASE_FORMAT_H_
#define STRATA_BASE_FORMAT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest text either function writes: 20 digits, or "0x" and 16. */
#define STRATA_FORMAT_MAX 21

/* Writes `v` in decimal into out (at least STRATA_FORMAT_MAX bytes),
 * NUL-terminated; returns its length. */
size_t strata_format_decimal(char *out, uint64_t v);

/* The same in hexadecimal with "0x" before it, lower case. */
size_t strata_format_hex(char *out, uint64_t v);

/* A file name from a pattern: `pattern` copied into out (`size` bytes,
 * NUL-terminated), each "%p" in it made the decimal `pid`, as
 * STRATA_PROFILE_FILE and STRATA_STATS_FILE name one file per process.
 * False, out then holding "", when it does not fit. */
bool strata_format_pid_pattern(char *out, size_t size, const char *pattern, uint64_t pid);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_BASE_FORMAT_H_ */
