// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Pools sampling into a heap profile (strata_pool_set_profile): what is
// sampled, when it leaves the in-use figures, where its stack starts.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>

#include "arena/backends.h"
#include "frontend/pool/strata_pool.h"
#include "profile/profile.h"
#include "tools/testing/fault_heap.h"

namespace {

class PoolProfile : public ::testing::Test {
 protected:
  void SetUp() override {
    heap_.Init();
    strata_mmap_backend_init(&backend_);
    // Rate 1: an allocation of `size` bytes is a sample with probability
    // 1 - exp(-size); the tests' objects have 64 bytes or more, so that is 1
    // (short of 1e-27).
    strata_profile_init(&profile_, &backend_.base, 1, 0);
    strata_pool_options options = {heap_.get(), 64 << 10};
    pool_ = strata_pool_create(&options);
    ASSERT_NE(pool_, nullptr);
    ASSERT_EQ(strata_pool_set_profile(pool_, &profile_), 0);
  }
  void TearDown() override {
    strata_pool_destroy(pool_);
    EXPECT_EQ(Stats().samples_in_use, 0u) << "destroy takes the samples out";
    EXPECT_EQ(strata_profile_destroy(&profile_), STRATA_OK);
    heap_.Destroy();
  }
  strata_profile_stats Stats() {
    strata_profile_stats stats;
    strata_profile_get_stats(&profile_, &stats);
    return stats;
  }
  std::string Written() {
    int fd = memfd_create("pool-profile", 0);
    EXPECT_EQ(strata_profile_write(&profile_, fd), STRATA_OK);
    std::string text(1 << 16, '\0');
    ssize_t n = pread(fd, text.data(), text.size(), 0);
    close(fd);
    text.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return text;
  }

  strata_testing::FaultHeap heap_;
  strata_mmap_backend backend_;
  strata_profile profile_;
  strata_pool *pool_ = nullptr;
};

TEST_F(PoolProfile, EveryAllocationCallIsSampledAtRateOne) {
  for (int i = 0; i < 50; i++) ASSERT_NE(strata_pool_alloc(pool_, 64), nullptr);
  ASSERT_NE(strata_pool_calloc(pool_, 10, 10), nullptr);
  const std::string text(100, 'x');
  ASSERT_NE(strata_pool_strdup(pool_, text.c_str()), nullptr);
  ASSERT_NE(strata_pool_memdup(pool_, text.data(), 64), nullptr);
  ASSERT_NE(strata_pool_alloc_aligned(pool_, 100, 256), nullptr);
  EXPECT_EQ(Stats().samples_in_use, 54u);
  strata_pool_reset(pool_);
  EXPECT_EQ(Stats().samples_in_use, 0u);
  EXPECT_EQ(Stats().samples, 54u) << "the cumulative figures keep them";
}

TEST_F(PoolProfile, LargeObjectsLeaveWhenFreedEarly) {
  void *large = strata_pool_alloc(pool_, 1 << 20);
  void *other = strata_pool_alloc(pool_, 1 << 20);
  ASSERT_TRUE(large != nullptr && other != nullptr);
  EXPECT_EQ(Stats().samples_in_use, 2u);
  EXPECT_EQ(strata_pool_free(pool_, large), 0);
  EXPECT_EQ(Stats().samples_in_use, 1u);
  strata_pool_reset(pool_);
  EXPECT_EQ(Stats().samples_in_use, 0u);
}

TEST_F(PoolProfile, ChildrenSampleIntoTheSameProfile) {
  strata_pool *child = strata_pool_create_child(pool_);
  ASSERT_NE(child, nullptr);
  ASSERT_NE(strata_pool_alloc(child, 64), nullptr);
  ASSERT_NE(strata_pool_alloc(child, 1 << 20), nullptr);
  EXPECT_EQ(Stats().samples_in_use, 2u);
  strata_pool_reset(pool_);  // resets the child too
  EXPECT_EQ(Stats().samples_in_use, 0u);
}

TEST_F(PoolProfile, AnotherProfileWaitsForAReset) {
  strata_profile other;
  strata_profile_init(&other, &backend_.base, 1, 0);
  ASSERT_NE(strata_pool_alloc(pool_, 64), nullptr);
  EXPECT_EQ(strata_pool_set_profile(pool_, &other), EBUSY);
  EXPECT_EQ(strata_pool_set_profile(pool_, &profile_), 0) << "the same one is no change";
  strata_pool_reset(pool_);
  EXPECT_EQ(strata_pool_set_profile(pool_, &other), 0);
  ASSERT_NE(strata_pool_alloc(pool_, 64), nullptr);
  strata_profile_stats stats;
  strata_profile_get_stats(&other, &stats);
  EXPECT_EQ(stats.samples_in_use, 1u);
  strata_pool_reset(pool_);
  EXPECT_EQ(strata_pool_set_profile(pool_, nullptr), 0);
  ASSERT_NE(strata_pool_alloc(pool_, 64), nullptr);
  strata_profile_get_stats(&other, &stats);
  EXPECT_EQ(stats.samples, 1u) << "no profile: no samples";
  EXPECT_EQ(strata_profile_destroy(&other), STRATA_OK);
}

__attribute__((noinline)) void *AllocateHere(strata_pool *pool) {
  void *p = strata_pool_alloc(pool, 48);
  __asm__ volatile("");  // no tail call: the call returns into this function
  return p;
}

TEST_F(PoolProfile, TheStackStartsInTheProgram) {
  ASSERT_NE(AllocateHere(pool_), nullptr);
  std::string text = Written();
  size_t at = text.find("] @ 0x");
  ASSERT_NE(at, std::string::npos) << text;
  uintptr_t first = std::stoull(text.substr(at + 4), nullptr, 16);
  uintptr_t start = reinterpret_cast<uintptr_t>(&AllocateHere);
  // The call site, inside AllocateHere: not a frame of the pool.
  EXPECT_GT(first, start);
  EXPECT_LT(first, start + 256) << text.substr(0, 200);
}

TEST_F(PoolProfile, SamplesAtARateAreWithinTheirError) {
  strata_pool_reset(pool_);
  strata_profile_set_rate(&profile_, 64 << 10);
  ASSERT_EQ(strata_pool_set_profile(pool_, &profile_), 0);  // a fresh sampler at the new rate
  const uint64_t n = (16u << 20) / 1024;
  for (uint64_t i = 0; i < n; i++) ASSERT_NE(strata_pool_alloc(pool_, 1024), nullptr);
  double p = 1 - std::exp(-1024.0 / (64 << 10));
  double expected = static_cast<double>(n) * p;
  double sigma = std::sqrt(expected * (1 - p));
  EXPECT_NEAR(static_cast<double>(Stats().samples_in_use), expected, 5.5 * sigma);
}

}  // namespace
