// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The malloc frontend's metadata — thread caches, span descriptors and
// page-map nodes, the heap profile's buckets — grows many times over in a
// process with hundreds of threads, many sizes and a profile, and every
// chunk of it is made ahead of need with the lock dropped
// (strata_persistent_prepare): no allocation under a lock had to call the
// backend itself. Its own binary, with profiling on (BUILD).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "frontend/malloc/malloc_internal.h"
#include "frontend/sampling/sampling_internal.h"
#include "frontend/malloc/strata_malloc.h"

// The sampled entry (hidden; the static link sees it): what
// libstrata_profiled.so's malloc is.
extern "C" void *strata_sampled_malloc(size_t size);

namespace {

TEST(MetadataGrowth, NoChunkIsMadeUnderALock) {
  constexpr int kThreads = 200;
  std::atomic<int> started{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Every thread's cache is alive at once: none is recycled.
      void *first = strata_malloc(16 + t);
      started++;
      while (!go) std::this_thread::yield();
      std::vector<void *> blocks;
      for (int i = 0; i < 200; ++i) {
        size_t size = i % 20 == 0 ? (size_t{1} << (15 + (i + t) % 6)) + 8 * t : 8 + (i * 97 + t) % 4000;
        blocks.push_back(strata_sampled_malloc(size));
      }
      for (void *b : blocks) strata_free(b);
      strata_free(first);
    });
  }
  while (started < kThreads) std::this_thread::yield();
  go = true;
  for (auto &th : threads) th.join();

  strata_malloc_global *g = &strata_malloc_state;
  strata_lock_acquire(&g->threads_lock);
  size_t cache_bytes = g->cache_memory.mapped_bytes;
  size_t cache_unprepared = g->cache_memory.unprepared_chunks;
  strata_lock_release(&g->threads_lock);
  strata_pageheap_lock(&g->heap);
  size_t heap_bytes = g->heap.metadata.mapped_bytes;
  size_t heap_unprepared = g->heap.metadata.unprepared_chunks;
  strata_pageheap_unlock(&g->heap);
  strata_profile *profile = &strata_sampling_state.profile;
  strata_profile_lock(profile);
  size_t profile_bytes = profile->memory.mapped_bytes;
  size_t profile_unprepared = profile->memory.unprepared_chunks;
  strata_profile_unlock(profile);
  std::printf("metadata: thread caches %zu KiB, page heap %zu KiB, profile %zu KiB; chunks an "
              "allocation made itself: %zu, %zu, %zu\n",
              cache_bytes >> 10, heap_bytes >> 10, profile_bytes >> 10, cache_unprepared,
              heap_unprepared, profile_unprepared);
  // Each grew past one chunk: the prepares were exercised.
  EXPECT_GT(cache_bytes, STRATA_PERSISTENT_MIN_CHUNK);
  EXPECT_GT(heap_bytes, STRATA_PERSISTENT_MIN_CHUNK);
  EXPECT_GT(profile_bytes, 0u);
  EXPECT_EQ(cache_unprepared, 0u);
  EXPECT_EQ(heap_unprepared, 0u);
  EXPECT_EQ(profile_unprepared, 0u);
}

}  // namespace
