/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* arith: the small integer helpers every layer uses, written once.
 *
 * All inline and branch-light: several sit on allocation paths. */
#ifndef STRATA_BASE_ARITH_H_
#define STRATA_BASE_ARITH_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1, 2, 4, ...: 0 is not a power of two. */
static inline bool strata_is_power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* x rounded up to a multiple of `alignment` (a power of two). Wraps to a
 * value below x when x is within alignment - 1 of the top: callers that
 * take sizes from outside compare the result with x. */
static inline uintptr_t strata_align_up(uintptr_t x, size_t alignment) {
  return (x + alignment - 1) & ~(uintptr_t)(alignment - 1);
}

/* Raises *peak to `value` if it is higher: the high-water marks of the
 * stats. */
static inline void strata_raise_peak(size_t *peak, size_t value) {
  if (value > *peak) *peak = value;
}

/* xorshift64* (Vigna): a fast generator, plenty for choosing sample points
 * and benchmark sizes, not for anything an attacker may predict. The state
 * must not be 0. */
static inline uint64_t strata_xorshift64star(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

#ifdef __cplusplus
}
#endif

#endif /* STRATA_BASE_ARITH_H_ */
