// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Guarded sampling (guard.c), through the sampled allocation functions
// called directly. STRATA_GUARD_RATE=1 (set by the BUILD rule) guards
// every allocation of at most a page while a slot is free;
// STRATA_GUARD_SLOTS=4 makes running out easy. The death tests check the
// report of each kind of bug: its kind, the distance, the object and the
// stacks (the binary is linked with -rdynamic, so the stacks name this
// file's functions).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "frontend/malloc/strata_malloc.h"

extern "C" {
void *strata_sampled_malloc(size_t size);
void *strata_sampled_calloc(size_t count, size_t size);
void *strata_sampled_realloc(void *p, size_t size);
void *strata_sampled_aligned_alloc(size_t alignment, size_t size);
bool strata_guard_owns(const void *p);

// Out of line and exported, so that the reports' stacks name them.
__attribute__((noinline)) char *GuardTestAllocate(size_t size) {
  char *p = static_cast<char *>(strata_sampled_malloc(size));
  __asm__ volatile("");
  return p;
}
__attribute__((noinline)) void GuardTestFree(void *p) {
  strata_free(p);
  __asm__ volatile("");
}
}

namespace {

// Two guarded objects of `size`: the slots alternate between the end and
// the start of their page, so one of each.
struct Pair {
  char *a, *b;
};
Pair TwoGuarded(size_t size) {
  Pair pair = {GuardTestAllocate(size), GuardTestAllocate(size)};
  EXPECT_TRUE(strata_guard_owns(pair.a) && strata_guard_owns(pair.b));
  return pair;
}

void Touch(volatile char *p) { *p = 1; }

TEST(Guard, GuardedObjectsWorkAsAnyOther) {
  char *p = GuardTestAllocate(32);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(strata_guard_owns(p));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
  EXPECT_GE(strata_malloc_usable_size(p), 32u);
  std::memset(p, 0x5a, 32);
  auto *z = static_cast<unsigned char *>(strata_sampled_calloc(3, 10));
  ASSERT_TRUE(z != nullptr && strata_guard_owns(z));
  for (int i = 0; i < 30; i++) ASSERT_EQ(z[i], 0);
  void *aligned = strata_sampled_aligned_alloc(256, 10);
  EXPECT_TRUE(aligned != nullptr && reinterpret_cast<uintptr_t>(aligned) % 256 == 0);
  // realloc out of a guarded object keeps the contents.
  auto *q = static_cast<char *>(strata_sampled_realloc(p, 100000));
  ASSERT_NE(q, nullptr);
  for (int i = 0; i < 32; i++) ASSERT_EQ(q[i], 0x5a);
  strata_free(q);
  strata_free(z);
  strata_free(aligned);
}

TEST(Guard, LargerThanAPageIsNotGuarded) {
  void *p = strata_sampled_malloc(100000);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(strata_guard_owns(p));
  strata_free(p);
}

TEST(Guard, WithEverySlotInUseAllocationsAreNotGuarded) {
  std::vector<void *> kept;
  for (int i = 0; i < 10; i++) kept.push_back(GuardTestAllocate(64));
  int guarded = 0;
  for (void *p : kept) {
    ASSERT_NE(p, nullptr);
    std::memset(p, 1, 64);
    guarded += strata_guard_owns(p);
  }
  EXPECT_EQ(guarded, 4);  // STRATA_GUARD_SLOTS
  for (void *p : kept) strata_free(p);
  // The slots come back: guarded again.
  void *p = GuardTestAllocate(64);
  EXPECT_TRUE(strata_guard_owns(p));
  strata_free(p);
}

TEST(Guard, AProgramWithoutBugsRunsAsWithoutGuards) {
  std::vector<unsigned char *> live;
  uint64_t sum = 0;
  for (int round = 0; round < 2000; round++) {
    size_t size = 1 + static_cast<size_t>(round * 37 % 3000);
    auto *p = static_cast<unsigned char *>(strata_sampled_malloc(size));
    ASSERT_NE(p, nullptr);
    for (size_t i = 0; i < size; i++) p[i] = static_cast<unsigned char>(i + round);
    live.push_back(p);
    if (live.size() > 6) {
      unsigned char *old = live.front();
      sum += old[0];
      strata_free(old);
      live.erase(live.begin());
    }
  }
  for (unsigned char *p : live) strata_free(p);
  EXPECT_GT(sum, 0u);
}

TEST(GuardDeathTest, AWritePastTheEndIsReported) {
  EXPECT_DEATH(
      {
        Pair pair = TwoGuarded(32);
        Touch(pair.a + 32);
        Touch(pair.b + 32);
      },
      "strata: heap-buffer-overflow at address 0x[0-9a-f]+: 0 bytes after the 32-byte guarded "
      "object at 0x[0-9a-f]+\nallocated by thread [0-9]+:\n(.*\n)*.*GuardTestAllocate");
}

TEST(GuardDeathTest, AReadBeforeTheStartIsReported) {
  EXPECT_DEATH(
      {
        Pair pair = TwoGuarded(48);
        Touch(pair.a - 1);
        Touch(pair.b - 1);
      },
      "strata: heap-buffer-overflow at address 0x[0-9a-f]+: 1 bytes before the 48-byte guarded "
      "object");
}

TEST(GuardDeathTest, AUseAfterFreeIsReportedWithBothStacks) {
  EXPECT_DEATH(
      {
        char *p = GuardTestAllocate(40);
        GuardTestFree(p);
        Touch(p + 8);
      },
      "strata: use-after-free at address 0x[0-9a-f]+: 8 bytes into the 40-byte guarded object "
      "at 0x[0-9a-f]+\nallocated by thread [0-9]+:\n(.*\n)*.*GuardTestAllocate(.*\n)*freed by "
      "thread [0-9]+:\n(.*\n)*.*GuardTestFree");
}

TEST(GuardDeathTest, ADoubleFreeIsReported) {
  EXPECT_DEATH(
      {
        char *p = GuardTestAllocate(16);
        GuardTestFree(p);
        GuardTestFree(p);
      },
      "strata: free\\(\\): double free of the 16-byte guarded object(.*\n)*freed by "
      "thread(.*\n)*strata: free\\(\\): double free");
}

TEST(GuardDeathTest, AFreeInsideTheObjectIsReported) {
  EXPECT_DEATH(
      {
        char *p = GuardTestAllocate(64);
        GuardTestFree(p + 8);
      },
      "strata: free\\(\\): invalid pointer into the 64-byte guarded object(.*\n)*strata: "
      "free\\(\\): invalid pointer");
}

}  // namespace
