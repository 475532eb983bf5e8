// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The sampler's statistics: each allocation of `size` bytes is sampled with
// probability 1 - exp(-size/rate). Tolerances are six standard deviations
// (a correct sampler fails one run in about five hundred million).
#include <gtest/gtest.h>

#include <cmath>

#include "profile/profile.h"

namespace {

// How many of `n` allocations of `size` bytes a sampler takes.
uint64_t CountSampled(strata_sampler *s, uint64_t rate, size_t size, uint64_t n) {
  uint64_t sampled = 0;
  for (uint64_t i = 0; i < n; i++) {
    s->bytes_until_sample -= static_cast<int64_t>(size);
    if (s->bytes_until_sample < 0 && strata_sampler_crossed(s, size, rate)) sampled++;
  }
  return sampled;
}

void ExpectSampledFraction(uint64_t rate, size_t size, uint64_t n, uint64_t seed) {
  strata_sampler s;
  strata_sampler_seed(&s, seed);
  double p = 1 - std::exp(-static_cast<double>(size) / static_cast<double>(rate));
  double expected = p * static_cast<double>(n);
  double sigma = std::sqrt(static_cast<double>(n) * p * (1 - p));
  double got = static_cast<double>(CountSampled(&s, rate, size, n));
  EXPECT_NEAR(got, expected, 6 * sigma + 1) << "size " << size << " rate " << rate;
}

TEST(Sampler, SmallObjectsAreSampledInProportionToTheirSize) {
  ExpectSampledFraction(512 << 10, 16, 20000000, 1);
  ExpectSampledFraction(64 << 10, 1000, 1000000, 2);
  ExpectSampledFraction(4096, 4096, 1000000, 3);  // p = 1 - 1/e
}

TEST(Sampler, ObjectsFarLargerThanTheRateAreAlwaysSampled) {
  strata_sampler s;
  strata_sampler_seed(&s, 4);
  // p = 1 - exp(-40): missing one of 10000 has a chance of 4e-14.
  EXPECT_EQ(CountSampled(&s, 1 << 20, 40 << 20, 10000), 10000u);
}

TEST(Sampler, IntervalsAreExponentialWithTheRateAsMean) {
  strata_sampler s;
  strata_sampler_seed(&s, 5);
  const uint64_t rate = 512 << 10;
  const int n = 400000;
  double sum = 0, sum_squares = 0;
  for (int i = 0; i < n; i++) {
    double x = static_cast<double>(strata_sampler_draw(&s, rate));
    ASSERT_GE(x, 1);
    sum += x;
    sum_squares += x * x;
  }
  double mean = sum / n;
  // An exponential's standard deviation equals its mean.
  EXPECT_NEAR(mean, rate, 6 * rate / std::sqrt(n));
  double variance = sum_squares / n - mean * mean;
  EXPECT_NEAR(std::sqrt(variance) / mean, 1.0, 0.03);
}

TEST(Sampler, ZeroRateNeverSamplesAndAsksAgainLater) {
  strata_sampler s = {};
  EXPECT_EQ(CountSampled(&s, 0, 1 << 20, 1000), 0u);
  EXPECT_GT(s.bytes_until_sample, 0);
  EXPECT_LE(s.bytes_until_sample, STRATA_SAMPLER_OFF_INTERVAL);
}

TEST(Sampler, AZeroedSamplerStartsOnItsFirstAllocation) {
  strata_sampler s = {};
  s.bytes_until_sample -= 16;
  ASSERT_LT(s.bytes_until_sample, 0);
  // A 16-byte first allocation at a 1 MiB rate is almost never a sample,
  // but the sampler must have started: a random state and an interval.
  (void)strata_sampler_crossed(&s, 16, 1 << 20);
  EXPECT_NE(s.random, 0u);
  EXPECT_GT(s.bytes_until_sample, 0);
}

TEST(Sampler, SeedsGiveRepeatableRuns) {
  strata_sampler a, b;
  strata_sampler_seed(&a, 42);
  strata_sampler_seed(&b, 42);
  for (int i = 0; i < 100; i++) EXPECT_EQ(strata_sampler_draw(&a, 1000), strata_sampler_draw(&b, 1000));
}

}  // namespace
