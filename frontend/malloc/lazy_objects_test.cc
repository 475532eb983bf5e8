// An object's memory is first touched by the program that receives it:
// refilling a thread's cache from a fresh span writes nothing into the
// objects it holds back. Its own binary, so that the heap is fresh.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "frontend/malloc/strata_malloc.h"

namespace {

// How many of the OS pages of [p, p + bytes) are resident.
size_t ResidentPages(const void *p, size_t bytes) {
  const size_t os_page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  uintptr_t start = reinterpret_cast<uintptr_t>(p) & ~(os_page - 1);
  size_t pages = (reinterpret_cast<uintptr_t>(p) + bytes - start + os_page - 1) / os_page;
  std::vector<unsigned char> vec(pages);
  if (mincore(reinterpret_cast<void *>(start), pages * os_page, vec.data()) != 0) return SIZE_MAX;
  size_t resident = 0;
  for (unsigned char v : vec) resident += v & 1;
  return resident;
}

TEST(LazyObjects, RefillFromAFreshSpanTouchesOnlyTheObjectHandedOut) {
  // 8 KiB objects: a batch is 8 of them, 16 OS pages, all from one fresh
  // span, in a thread of its own (an empty cache).
  const size_t size = 8192;
  std::thread fresh_thread([&] {
    auto *first = static_cast<unsigned char *>(strata_malloc(size));
    ASSERT_NE(first, nullptr);
    // The seven objects after it are the cache's, and untouched.
    EXPECT_EQ(ResidentPages(first + size, 7 * size), 0u);
    // Each next malloc hands out the next object, still untouched, and
    // writing it makes exactly its pages resident.
    std::vector<unsigned char *> made = {first};
    for (int i = 1; i < 8; i++) {
      auto *p = static_cast<unsigned char *>(strata_malloc(size));
      ASSERT_EQ(p, first + i * size);
      EXPECT_EQ(ResidentPages(p, size), 0u) << "object " << i;
      std::memset(p, 0xab, size);
      EXPECT_EQ(ResidentPages(p, size), size / static_cast<size_t>(sysconf(_SC_PAGESIZE)));
      made.push_back(p);
    }
    for (unsigned char *p : made) strata_free(p);
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
