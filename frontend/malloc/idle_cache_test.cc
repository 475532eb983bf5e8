// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// A thread cache that goes a whole release delay without a slow path gives
// what it holds back at its next slow path: the background thread
// advances an epoch once per delay, and a cache two epochs behind is
// emptied (tcache.c, shrink_if_idle). The BUILD rule sets
// STRATA_RELEASE_DELAY_MS=50.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "frontend/malloc/strata_malloc.h"

namespace {

size_t CacheCapacity() {
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  return stats.thread_cache_capacity_bytes;
}

// Fills the calling thread's list of `size` objects: 2 000 of them taken
// and given back, so the list grows to its cap, through slow paths.
void FillCache(size_t size = 1024) {
  std::vector<void *> objects;
  for (int i = 0; i < 2000; i++) {
    void *p = strata_malloc(size);
    ASSERT_NE(p, nullptr);
    memset(p, 1, size);
    objects.push_back(p);
  }
  for (void *p : objects) strata_free(p);
}

// One slow path: a class this thread never used, so its list is empty.
void OneSlowPath(size_t size) {
  void *p = strata_malloc(size);
  ASSERT_NE(p, nullptr);
  strata_free(p);
}

TEST(IdleCache, AnIdleCacheGivesItsObjectsBackAtItsNextSlowPath) {
  size_t before = CacheCapacity();
  size_t filled = 0, after = 0;
  std::thread worker([&] {
    FillCache();
    filled = CacheCapacity();
    // Idle for several delays (the background thread starts with the
    // first frees).
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    OneSlowPath(3000);
    after = CacheCapacity();
    // Keep the thread (and its cache) alive while the test reads.
  });
  worker.join();
  std::printf("thread caches' capacity: %zu KiB before, %zu KiB filled, %zu KiB after idling "
              "and one slow path\n",
              before >> 10, filled >> 10, after >> 10);
  ASSERT_GE(filled, before + (size_t{256} << 10));
  // What is left is the one batch the slow path just took (64 KiB worth).
  EXPECT_LE(after, before + (size_t{64} << 10)) << "the idle cache kept its objects";
  EXPECT_EQ(strata_malloc_check(), 0);
}

// A thread that keeps reaching its slow paths (another class's list
// overflowing and running dry every 10 ms, well within a delay) is not
// idle: the 1 KiB list it filled first, and uses no more, is kept.
TEST(IdleCache, ABusyCacheKeepsItsObjects) {
  size_t filled = 0, after = 0;
  std::thread worker([&] {
    FillCache(1024);
    filled = CacheCapacity();
    for (int i = 0; i < 20; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      FillCache(2048);
    }
    after = CacheCapacity();
  });
  worker.join();
  std::printf("1 KiB list filled: %zu KiB; with the 2 KiB list busy 200 ms later: %zu KiB\n",
              filled >> 10, after >> 10);
  EXPECT_GT(after, filled) << "a busy cache was emptied";
}

// A forked child has no background thread: the epoch stops there, and the
// child's cache (the forking thread's) stays whole through idle time, with
// the heap intact. The parent's thread goes on shrinking as before.
TEST(IdleCache, AForkedChildKeepsItsCacheAndItsHeapIntact) {
  FillCache(1024);
  size_t filled = CacheCapacity();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    OneSlowPath(3000);
    size_t kept = CacheCapacity();
    _exit(kept >= filled && strata_malloc_check() == 0 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's cache shrank, or its heap check failed";
  // The parent's epoch still advances: idle here, then one slow path.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  OneSlowPath(3000);
  EXPECT_LT(CacheCapacity(), filled);
}

}  // namespace
