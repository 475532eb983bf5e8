// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "tools/benchkit/benchkit.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

TEST(Benchkit, ClockMovesForward) {
  uint64_t a = strata_bench_now_ns();
  uint64_t b = strata_bench_now_ns();
  EXPECT_GE(b, a);
  EXPECT_GT(a, 0u);
}

TEST(Benchkit, RngIsDeterministicAndStaysBelowBound) {
  strata_bench_rng a = {42}, b = {42};
  std::set<uint64_t> values;
  for (int i = 0; i < 1000; ++i) {
    uint64_t x = strata_bench_rng_below(&a, 100);
    EXPECT_EQ(x, strata_bench_rng_below(&b, 100));
    EXPECT_LT(x, 100u);
    values.insert(x);
  }
  EXPECT_GT(values.size(), 90u);  // covers the range, not stuck
}

TEST(Benchkit, ChildModeIsRecognised) {
  char prog[] = "bench", flag[] = "--callgrind-child", fn[] = "loop";
  char *argv[] = {prog, flag, fn, nullptr};
  EXPECT_STREQ(strata_bench_child(3, argv), "loop");
  EXPECT_EQ(strata_bench_child(1, argv), nullptr);
}

TEST(Benchkit, ResidentMemoryGrowsWhenTouched) {
  size_t before = strata_bench_resident_bytes();
  EXPECT_GT(before, 0u);
  std::vector<char> block(size_t{32} << 20, 1);
  EXPECT_GT(strata_bench_resident_bytes(), before + (size_t{16} << 20));
}
