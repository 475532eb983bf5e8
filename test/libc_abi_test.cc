// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The C library's allocation functions, linked from strata's static
// override, as any program calls them: each resolves to strata (the memory
// is in strata's page heap), keeps the C contract, and leaves every
// layer's invariants intact (strata_malloc_check), with GoogleTest's own
// allocations going through strata all along.
#include <gtest/gtest.h>
#include <malloc.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "frontend/malloc/strata_malloc.h"
#include "pageheap/pageheap.h"

namespace {

bool InStrata(const void *p) {
  return strata_pageheap_span_of(strata_malloc_page_heap(), p) != nullptr;
}

TEST(LibcAbi, EveryAllocatingFunctionIsStrata) {
  void *m = malloc(100);
  void *c = calloc(10, 10);
  void *r = realloc(nullptr, 100);
  void *a = aligned_alloc(256, 512);
  void *pm = nullptr;
  ASSERT_EQ(posix_memalign(&pm, 64, 100), 0);
  void *big = malloc(1 << 20);
  for (void *p : {m, c, r, a, pm, big}) {
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(InStrata(p)) << p;
  }
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 256, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(pm) % 64, 0u);
  EXPECT_GE(malloc_usable_size(m), 100u);
  for (int i = 0; i < 100; i++) EXPECT_EQ(static_cast<unsigned char *>(c)[i], 0);
  for (void *p : {m, c, r, a, pm, big}) free(p);
  EXPECT_EQ(strata_malloc_check(), STRATA_OK);
}

// Sizes from a volatile, so the compiler does not reject the call itself.
volatile size_t huge = SIZE_MAX;

TEST(LibcAbi, ErrorsFollowTheCLibrary) {
  errno = 0;
  EXPECT_EQ(malloc(huge), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(calloc(huge / 2, 3), nullptr);  // count * size overflows
  EXPECT_EQ(errno, ENOMEM);
  void *p = nullptr;
  EXPECT_EQ(posix_memalign(&p, 3, 16), EINVAL);  // not a power of two
  free(nullptr);                                  // nothing, no report
  EXPECT_EQ(strata_malloc_check(), STRATA_OK);
}

TEST(LibcAbi, ReallocKeepsTheBytesAcrossEveryClassAndLarge) {
  auto *p = static_cast<unsigned char *>(malloc(1));
  ASSERT_NE(p, nullptr);
  p[0] = 1;
  size_t size = 1;
  while (size < (size_t{4} << 20)) {
    size_t next = size * 3 + 5;
    p = static_cast<unsigned char *>(realloc(p, next));
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(InStrata(p));
    for (size_t i = 0; i < size; i++) ASSERT_EQ(p[i], static_cast<unsigned char>(i * 7 + 1)) << i;
    for (size_t i = size; i < next; i++) p[i] = static_cast<unsigned char>(i * 7 + 1);
    size = next;
  }
  free(p);
  EXPECT_EQ(strata_malloc_check(), STRATA_OK);
}

// Objects made by one thread and freed by others, through the libc names;
// C++ containers on every thread allocate through strata as well.
TEST(LibcAbi, ThreadsHandObjectsToEachOther) {
  constexpr int kThreads = 4, kObjects = 20000;
  std::vector<std::vector<void *>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kObjects; i++) {
        void *p = malloc(16 + (i % 64) * 16);
        std::memset(p, t, 16);
        made[t].push_back(p);
      }
    });
  }
  for (auto &thread : threads) thread.join();
  threads.clear();
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&made, t] {
      for (void *p : made[(t + 1) % kThreads]) {
        if (static_cast<unsigned char *>(p)[0] != (t + 1) % kThreads) std::abort();
        free(p);
      }
    });
  }
  for (auto &thread : threads) thread.join();
  EXPECT_EQ(strata_malloc_check(), STRATA_OK);
}

}  // namespace
