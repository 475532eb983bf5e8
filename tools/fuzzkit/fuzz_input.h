/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* fuzz_input: reading a fuzzer's bytes as a program of operations.
 *
 * strata's fuzz targets interpret their input as a sequence of operations
 * (allocate this size, free that object, ...) against one layer and a
 * simple model of what the layer must hold; any disagreement, or a failed
 * invariant check, stops with FUZZ_ASSERT, which libFuzzer reports as a
 * crash with the input that caused it. Running out of bytes reads zeros. */
#ifndef STRATA_TOOLS_FUZZKIT_FUZZ_INPUT_H_
#define STRATA_TOOLS_FUZZKIT_FUZZ_INPUT_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct fuzz_input {
  const uint8_t *data;
  size_t size;
  size_t at;
} fuzz_input;

static inline int fuzz_more(const fuzz_input *in) { return in->at < in->size; }

static inline uint8_t fuzz_u8(fuzz_input *in) {
  return in->at < in->size ? in->data[in->at++] : 0;
}

static inline uint16_t fuzz_u16(fuzz_input *in) {
  uint16_t lo = fuzz_u8(in);
  return (uint16_t)(lo | (uint16_t)fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(fuzz_input *in) {
  uint32_t lo = fuzz_u16(in);
  return lo | (uint32_t)fuzz_u16(in) << 16;
}

#define FUZZ_ASSERT(cond)                                                  \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                      \
      abort();                                                             \
    }                                                                      \
  } while (0)

#endif /* STRATA_TOOLS_FUZZKIT_FUZZ_INPUT_H_ */
