/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The byte sampler: exponential intervals between samples.
 *
 * Why exponential. Sampling "the allocation containing every rate-th byte"
 * with a fixed interval would lock onto programs whose allocation pattern
 * repeats with a period dividing the interval, and would make the chance
 * of an allocation being sampled depend on its neighbours. With intervals
 * drawn from an exponential distribution the sample points form a Poisson
 * process: each allocation of `size` bytes contains a point with
 * probability 1 - exp(-size/rate), whatever came before (the process has
 * no memory), which is what a reader of the profile divides by.
 *
 * The draw needs a natural logarithm of a uniform number in (0, 1]. libm
 * is not linked into the allocator (a preloaded malloc must not pull in
 * libraries), so the logarithm is computed here: split off the binary
 * exponent, then ln(m) = 2 atanh((m - 1)/(m + 1)) by its series, six terms
 * for a mantissa within [1/sqrt 2, sqrt 2]: relative error below 1e-10,
 * far below the sampling noise. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "base/arith.h"
#include "profile/profile.h"

#define LN2 0.69314718055994530942
#define SQRT2 1.41421356237309504880

/* ln(x) for x in (0, 1]. */
static double natural_log(double x) {
  union {
    double d;
    uint64_t u;
  } bits = {.d = x};
  int exponent = (int)((bits.u >> 52) & 0x7ff) - 1023;
  bits.u = (bits.u & ~((uint64_t)0x7ff << 52)) | ((uint64_t)1023 << 52); /* mantissa in [1, 2) */
  double m = bits.d;
  if (m > SQRT2) {
    m *= 0.5;
    exponent++;
  }
  double s = (m - 1) / (m + 1);
  double s2 = s * s;
  double series = 1 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 + s2 / 11))));
  return exponent * LN2 + 2 * s * series;
}

void strata_sampler_seed(strata_sampler *s, uint64_t seed) {
  if (seed == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    seed = (uint64_t)(uintptr_t)s * 0x9E3779B97F4A7C15ull ^ (uint64_t)ts.tv_nsec ^
           ((uint64_t)ts.tv_sec << 32);
  }
  s->random = seed != 0 ? seed : 1; /* xorshift's state must not be 0 */
  s->bytes_until_sample = 0;
}

int64_t strata_sampler_draw(strata_sampler *s, uint64_t rate) {
  if (s->random == 0) strata_sampler_seed(s, 0);
  /* 53 random bits: u uniform in (0, 1]. */
  double u = (double)((strata_xorshift64star(&s->random) >> 11) + 1) * (1.0 / 9007199254740992.0);
  double interval = -natural_log(u) * (double)rate;
  if (interval < 1) return 1;
  if (interval > (double)(INT64_MAX / 2)) return INT64_MAX / 2;
  return (int64_t)interval;
}

bool strata_sampler_crossed(strata_sampler *s, size_t size, uint64_t rate) {
  if (rate == 0) {
    s->bytes_until_sample = STRATA_SAMPLER_OFF_INTERVAL;
    return false;
  }
  if (s->random == 0) {
    /* A sampler's first allocation: start the process here, then ask
     * whether this allocation already contains a point. */
    s->bytes_until_sample = strata_sampler_draw(s, rate) - (int64_t)size;
    if (s->bytes_until_sample >= 0) return false;
  }
  /* The rest of this allocation is sampled already: by the lack of memory
   * of the process, the next point lies an exponential interval after
   * its end. */
  s->bytes_until_sample = strata_sampler_draw(s, rate);
  return true;
}
