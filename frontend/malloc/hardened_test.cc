// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The hardened build: a write after free into a freed object's link stops
// the program at the next malloc instead of steering it; running off the
// end of a large object hits its guard page.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <vector>

#include "frontend/malloc/strata_malloc.h"

namespace {

TEST(Hardened, StillAnAllocator) {
  std::vector<void *> blocks;
  for (size_t n = 1; n < 70000; n = n * 3 / 2 + 1) {
    auto *p = static_cast<unsigned char *>(strata_malloc(n));
    ASSERT_NE(p, nullptr);
    std::memset(p, 0x5A, n);
    ASSERT_GE(strata_malloc_usable_size(p), n);
    blocks.push_back(p);
  }
  for (int round = 0; round < 3; ++round) {
    for (void *p : blocks) strata_free(p);
    for (auto &p : blocks) p = strata_malloc(100);
  }
  for (void *p : blocks) strata_free(p);
  void *big = strata_malloc(100000);
  void *grown = strata_realloc(big, 300000);
  ASSERT_NE(grown, nullptr);
  strata_free(grown);
  EXPECT_EQ(strata_malloc_check(), 0);
}

TEST(HardenedDeathTest, WriteAfterFreeIntoALinkIsCaught) {
  EXPECT_DEATH(
      {
        void *a = strata_malloc(64);
        void *b = strata_malloc(64);
        strata_free(a);
        strata_free(b);  // b's first word now links to a
        *static_cast<uintptr_t *>(b) = 0x4141414141414141ull;  // the stray write
        void *x = strata_malloc(64);  // pops b and follows the forged link
        void *y = strata_malloc(64);
        std::fprintf(stderr, "not caught: %p %p\n", x, y);
      },
      "strata: malloc\\(\\): free list corrupted at 0x");
}

// A link forged with the key (a program whose key leaked, or a stray
// write that happens to decode there) into the middle of a live object of
// the same class: following it would hand out memory that overlaps that
// object. The link must lead to an object's start (pageheap/object.h).
TEST(HardenedDeathTest, ALinkIntoALiveObjectIsCaught) {
  EXPECT_DEATH(
      {
        auto *a = static_cast<unsigned char *>(strata_malloc(64));
        auto *b = static_cast<unsigned char *>(strata_malloc(64));
        auto *live = static_cast<unsigned char *>(strata_malloc(64));
        strata_free(a);
        strata_free(b);  // b's first word: a ^ key ^ (b >> 12)
        uintptr_t tweak = reinterpret_cast<uintptr_t>(b) >> 12;
        uintptr_t key = *reinterpret_cast<uintptr_t *>(b) ^ reinterpret_cast<uintptr_t>(a) ^ tweak;
        *reinterpret_cast<uintptr_t *>(b) = reinterpret_cast<uintptr_t>(live + 16) ^ key ^ tweak;
        // The live object's own bytes where the forged "object" keeps its
        // link: an encoded end of list, so nothing else trips first.
        *reinterpret_cast<uintptr_t *>(live + 16) =
            key ^ (reinterpret_cast<uintptr_t>(live + 16) >> 12);
        void *x = strata_malloc(64);  // pops b and follows the forged link
        void *y = strata_malloc(64);  // would be live + 16
        std::fprintf(stderr, "not caught: %p %p (live %p)\n", x, y, static_cast<void *>(live));
      },
      "strata: malloc\\(\\): free list corrupted at 0x");
}

// A fault on the guard page: SIGSEGV, or, where a sanitizer's handler
// reports the SEGV first, its abort or its error exit. Never a clean exit.
bool KilledByTheGuard(int status) {
  if (WIFSIGNALED(status)) return WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGABRT;
  return WIFEXITED(status) && WEXITSTATUS(status) != 0;
}

TEST(HardenedDeathTest, RunningOffALargeObjectHitsTheGuardPage) {
  EXPECT_EXIT(
      {
        auto *p = static_cast<volatile unsigned char *>(strata_malloc(100000));
        size_t usable = strata_malloc_usable_size(const_cast<unsigned char *>(p));
        p[usable - 1] = 1;  // the last usable byte is fine
        p[usable] = 1;      // one past it is not
        std::exit(0);
      },
      KilledByTheGuard, "");
}

}  // namespace
