// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// An object's memory is first touched when it is handed out: refilling a
// thread's cache from a fresh span writes nothing into the objects it holds
// back. Its own binary, so that the heap is fresh.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "frontend/malloc/strata_malloc.h"
#include "tools/testing/resident.h"

namespace {

using strata_testing::ResidentPages;

TEST(LazyObjects, RefillFromAFreshSpanTouchesOnlyTheObjectHandedOut) {
  // 8 KiB objects: a batch is 8 of them, 16 OS pages, all from one fresh
  // span, in a thread of its own (an empty cache).
  const size_t size = 8192;
  std::thread fresh_thread([&] {
    auto *first = static_cast<unsigned char *>(strata_malloc(size));
    ASSERT_NE(first, nullptr);
    // The seven objects after it are the cache's, and untouched.
    EXPECT_EQ(ResidentPages(first + size, 7 * size), 0u);
    // Each next malloc hands out the next object with only its first OS
    // page touched (malloc clears the freed mark in its second word), and
    // writing it makes exactly its pages resident.
    const size_t os_page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char *> made = {first};
    for (int i = 1; i < 8; i++) {
      auto *p = static_cast<unsigned char *>(strata_malloc(size));
      ASSERT_EQ(p, first + i * size);
      EXPECT_EQ(ResidentPages(p, os_page), 1u) << "object " << i;
      EXPECT_EQ(ResidentPages(p + os_page, size - os_page), 0u) << "object " << i;
      std::memset(p, 0xab, size);
      EXPECT_EQ(ResidentPages(p, size), size / static_cast<size_t>(sysconf(_SC_PAGESIZE)));
      made.push_back(p);
    }
    for (unsigned char *p : made) strata_free(p);
  });
  fresh_thread.join();
  EXPECT_EQ(strata_malloc_check(), 0);
}

// Small objects: the refill links the objects that share an OS page with
// the one handed out (that page is touched anyway), and leaves every other
// page of the batch untouched.
TEST(LazyObjects, SmallObjectsTouchOnlyThePageOfTheObjectHandedOut) {
  const size_t size = 1024;  // a batch of 32: eight 4 KiB pages
  const size_t os_page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::thread fresh_thread([&] {
    auto *first = static_cast<unsigned char *>(strata_malloc(size));
    ASSERT_NE(first, nullptr);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(first) % os_page, 0u);  // a fresh span's first object
    EXPECT_EQ(ResidentPages(first, os_page), 1u);  // its page: the links of its neighbours
    EXPECT_EQ(ResidentPages(first + os_page, 31 * size + size - os_page), 0u);
    // The objects of the first page come from the list, the next page's
    // first object from the range again.
    std::vector<void *> made = {first};
    for (size_t i = 1; i < os_page / size + 1; i++) made.push_back(strata_malloc(size));
    EXPECT_EQ(made.back(), first + os_page);
    EXPECT_EQ(ResidentPages(first + 2 * os_page, 32 * size - 2 * os_page), 0u);
    for (void *p : made) strata_free(p);
  });
  fresh_thread.join();
  EXPECT_EQ(strata_malloc_check(), 0);
}

// A thread that keeps a fresh range exits: the range's objects go back like
// the rest of its cache, and the heap balances.
TEST(LazyObjects, FreshObjectsGoBackWhenTheThreadExits) {
  std::thread t([] {
    for (size_t size : {16, 100, 1000, 5000, 20000}) strata_free(strata_malloc(size));
  });
  t.join();
  strata_malloc_release();
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  EXPECT_EQ(stats.in_use_bytes, 0u);
  EXPECT_EQ(strata_malloc_check(), 0);
}

}  // namespace
