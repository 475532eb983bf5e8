// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The sampled allocation functions (sampled.c) and the process's profile
// (profiling.c), called directly: STRATA_PROFILE_RATE=1 (set by the BUILD
// rule) samples an allocation of `size` bytes with probability
// 1 - exp(-size): every counted object here has 64 bytes or more, so the
// counts are exact (short of 1e-27); with
// STRATA_GUARD_RATE=1 the first of them are guarded objects as well. Its
// own binary: the profile's counts are this file's alone. Runs under the
// sanitizers too (the threads test under TSan).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "frontend/malloc/strata_malloc.h"

// Hidden in the library; a static link sees them.
extern "C" {
void *strata_sampled_malloc(size_t size);
void *strata_sampled_calloc(size_t count, size_t size);
void *strata_sampled_realloc(void *p, size_t size);
void *strata_sampled_reallocarray(void *p, size_t count, size_t size);
void *strata_sampled_aligned_alloc(size_t alignment, size_t size);
int strata_sampled_posix_memalign(void **out, size_t alignment, size_t size);
void *strata_sampled_memalign(size_t alignment, size_t size);
void *strata_sampled_valloc(size_t size);
void *strata_sampled_pvalloc(size_t size);
void *strata_sampled_new(size_t size, size_t alignment, void *caller);
}

namespace {

uint64_t InUse() {
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  return stats.profile_samples_in_use;
}

bool Aligned(const void *p, size_t alignment) {
  return reinterpret_cast<uintptr_t>(p) % alignment == 0;
}

TEST(Sampled, TheRateComesFromTheEnvironment) {
  // The BUILD rule sets STRATA_PROFILE_RATE=1.
  ASSERT_STREQ(getenv("STRATA_PROFILE_RATE"), "1");
  uint64_t before = InUse();
  void *p = strata_sampled_malloc(64);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(InUse(), before + 1);
  strata_free(p);
  EXPECT_EQ(InUse(), before);
}

TEST(Sampled, SampledObjectsBehaveAsAnyOther) {
  uint64_t before = InUse();
  auto *p = static_cast<unsigned char *>(strata_sampled_malloc(100));
  ASSERT_NE(p, nullptr);
  EXPECT_GE(strata_malloc_usable_size(p), 100u);
  for (int i = 0; i < 100; i++) p[i] = static_cast<unsigned char>(i);
  auto *q = static_cast<unsigned char *>(strata_sampled_realloc(p, 50000));
  ASSERT_NE(q, nullptr);
  for (int i = 0; i < 100; i++) ASSERT_EQ(q[i], i);
  auto *r = static_cast<unsigned char *>(strata_sampled_reallocarray(q, 10, 20));
  ASSERT_NE(r, nullptr);
  for (int i = 0; i < 100; i++) ASSERT_EQ(r[i], i);
  strata_free_sized(r, 200);  // the size asked for: no misuse

  auto *z = static_cast<unsigned char *>(strata_sampled_calloc(1000, 7));
  ASSERT_NE(z, nullptr);
  for (int i = 0; i < 7000; i++) ASSERT_EQ(z[i], 0);
  strata_free(z);

  void *a = strata_sampled_aligned_alloc(1 << 16, 100);
  EXPECT_TRUE(a != nullptr && Aligned(a, 1 << 16));
  void *m = nullptr;
  EXPECT_EQ(strata_sampled_posix_memalign(&m, 256, 64), 0);
  EXPECT_TRUE(m != nullptr && Aligned(m, 256));
  void *ma = strata_sampled_memalign(100, 64);  // rounded up to 128
  EXPECT_TRUE(ma != nullptr && Aligned(ma, 128));
  void *v = strata_sampled_valloc(64);
  EXPECT_TRUE(v != nullptr && Aligned(v, 4096));
  void *pv = strata_sampled_pvalloc(5000);
  EXPECT_TRUE(pv != nullptr && Aligned(pv, 4096) && strata_malloc_usable_size(pv) >= 8192);
  void *n = strata_sampled_new(64, 0, nullptr);
  EXPECT_NE(n, nullptr);
  EXPECT_EQ(InUse(), before + 6);
  for (void *x : {a, m, ma, v, pv, n}) strata_free(x);
  EXPECT_EQ(InUse(), before);
}

TEST(Sampled, ALargeObjectGrowsAsASampleOnce) {
  uint64_t before = InUse();
  auto *p = static_cast<unsigned char *>(strata_sampled_malloc(100000));
  ASSERT_NE(p, nullptr);
  std::memset(p, 7, 100000);
  for (size_t size = 200000; size <= 3200000; size *= 2) {
    p = static_cast<unsigned char *>(strata_sampled_realloc(p, size));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p[0], 7);
    EXPECT_EQ(p[99999], 7);
    EXPECT_EQ(InUse(), before + 1) << "one object, one sample, at " << size;
  }
  strata_free(p);
  EXPECT_EQ(InUse(), before);
}

TEST(Sampled, BadArgumentsFailAsTheUnsampledOnes) {
  uint64_t before = InUse();
  errno = 0;
  EXPECT_EQ(strata_sampled_aligned_alloc(3, 16), nullptr);
  EXPECT_EQ(errno, EINVAL);
  void *out = reinterpret_cast<void *>(1);
  EXPECT_EQ(strata_sampled_posix_memalign(&out, 3, 16), EINVAL);
  EXPECT_EQ(out, reinterpret_cast<void *>(1));
  errno = 0;
  EXPECT_EQ(strata_sampled_calloc(SIZE_MAX / 2, 3), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(strata_sampled_malloc(SIZE_MAX / 4), nullptr);  // sampled, and too big
  EXPECT_EQ(errno, ENOMEM);
  EXPECT_EQ(InUse(), before);
}

TEST(Sampled, MisuseOfASampledObjectIsReported) {
  void *p = strata_sampled_malloc(32);
  ASSERT_NE(p, nullptr);
  EXPECT_DEATH(strata_free(static_cast<char *>(p) + 8), "free\\(\\): invalid pointer");
  strata_free(p);
  EXPECT_DEATH(strata_free(p), "free\\(\\): double free");
}

TEST(Sampled, ThreadsSampleAndFreeEachOthersObjects) {
  uint64_t before = InUse();
  std::mutex lock;
  std::vector<void *> traded;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&] {
      std::vector<void *> mine;
      for (int i = 0; i < 500; i++) {
        void *p = strata_sampled_malloc(64 + static_cast<size_t>(i % 100));
        ASSERT_NE(p, nullptr);
        std::memset(p, 0x5a, 16);
        mine.push_back(p);
      }
      for (size_t i = 0; i < mine.size(); i += 2) strata_free(mine[i]);
      std::lock_guard<std::mutex> hold(lock);
      for (size_t i = 1; i < mine.size(); i += 2) traded.push_back(mine[i]);
    });
  }
  for (auto &t : threads) t.join();
  EXPECT_EQ(InUse(), before + 1000);
  std::thread freer([&] {
    for (void *p : traded) strata_free(p);
  });
  freer.join();
  EXPECT_EQ(InUse(), before);
}

TEST(Sampled, DumpWritesWhatIsInUse) {
  uint64_t before = InUse();
  std::vector<void *> kept;
  for (int i = 0; i < 10; i++) kept.push_back(strata_sampled_malloc(1000));
  char path[] = "/tmp/strata_sampled_test_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_EQ(strata_malloc_profile_dump(path), 0);
  FILE *f = fopen(path, "r");
  ASSERT_NE(f, nullptr);
  unsigned long long in_use = 0, bytes = 0;
  ASSERT_EQ(fscanf(f, "heap profile: %llu: %llu", &in_use, &bytes), 2);
  fclose(f);
  unlink(path);
  EXPECT_EQ(in_use, before + 10);
  EXPECT_GE(bytes, 10000u);
  errno = 0;
  EXPECT_EQ(strata_malloc_profile_dump("/nonexistent-directory/x.heap"), -1);
  EXPECT_EQ(errno, ENOENT);
  errno = 0;
  EXPECT_EQ(strata_malloc_profile_dump(nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  for (void *p : kept) strata_free(p);
}

TEST(Sampled, ARateOfZeroStopsSamplingAndARateSetLaterStartsIt) {
  ASSERT_EQ(strata_malloc_profile_set_rate(0), 0);
  uint64_t before = InUse();
  std::vector<void *> kept;
  for (int i = 0; i < 1000; i++) kept.push_back(strata_sampled_malloc(64));
  EXPECT_EQ(InUse(), before);
  // With the rate at 0 a thread asks again only every
  // STRATA_SAMPLER_OFF_INTERVAL bytes (64 MiB): a rate set meanwhile
  // takes effect from there.
  ASSERT_EQ(strata_malloc_profile_set_rate(1), 0);
  for (int i = 0; i < 1000; i++) kept.push_back(strata_sampled_malloc(64));
  EXPECT_EQ(InUse(), before);
  for (int i = 0; i < (64 << 20) / 4096; i++) strata_free(strata_sampled_malloc(4096));
  for (int i = 0; i < 1000; i++) kept.push_back(strata_sampled_malloc(64));
  EXPECT_EQ(InUse(), before + 1000);
  for (void *p : kept) strata_free(p);
}

}  // namespace
