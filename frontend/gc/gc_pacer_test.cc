// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The pacer: under steady churn (a live set of constant size, replaced
// object by object, 1e8 allocations, 1e7 under the sanitizers) committed
// memory stays flat; after a peak, the reuse of held memory decays back
// to the live-size goal.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>

#include "frontend/gc/strata_gc.h"

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr uint64_t kAllocations = 10000000;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr uint64_t kAllocations = 10000000;
#else
constexpr uint64_t kAllocations = 100000000;
#endif
#else
constexpr uint64_t kAllocations = 100000000;
#endif

// A string table: entries (scanned, 32 bytes) each holding a string (not
// scanned) of 8 bytes to 128 KiB, large ones included; about 32 MiB live.
constexpr size_t kSlots = 2048;

TEST(GcPacer, SteadyChurnDoesNotCreep) {
  strata_gc_options options = strata_gc_default_options();
  options.gc_percent = 100;
  options.min_heap_bytes = 1 << 20;
  strata_gc_heap *heap = strata_gc_create(&options);
  ASSERT_NE(heap, nullptr);
  static void *live[kSlots];
  ASSERT_EQ(strata_gc_add_roots(heap, live, live + kSlots), 0);
  uint64_t state = 88172645463325252ull;  // xorshift
  size_t committed_after_first_tenth = 0, peak_live = 0, max_committed = 0;
  strata_gc_stats stats;
  // Two allocations a step: an entry (scanned) and its string (not).
  for (uint64_t i = 0; i < kAllocations; i += 2) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    size_t size = size_t(8) << ((state >> 40) % 14);  // 8 B to 64 KiB
    size += (state >> 20) % size;
    void **entry = static_cast<void **>(strata_gc_alloc(heap, 32, STRATA_GC_SCAN));
    ASSERT_NE(entry, nullptr);
    entry[0] = strata_gc_alloc(heap, size, STRATA_GC_NOSCAN);
    ASSERT_NE(entry[0], nullptr);
    live[(state >> 8) % kSlots] = entry;
    if (i % (kAllocations / 100) == 0 && i > 0) {  // a hundred looks
      strata_gc_get_stats(heap, &stats);
      if (stats.live_bytes > peak_live) peak_live = stats.live_bytes;
      if (i <= kAllocations / 10) {
        committed_after_first_tenth = stats.committed_bytes;
      } else if (stats.committed_bytes > max_committed) {
        max_committed = stats.committed_bytes;
      }
    }
  }
  strata_gc_get_stats(heap, &stats);
  std::printf("allocations %llu, collections %llu, peak live %.1f MiB, committed after a tenth "
              "%.1f MiB, most after %.1f MiB, at the end %.1f MiB\n",
              (unsigned long long)kAllocations, (unsigned long long)stats.collections,
              peak_live / 1048576.0, committed_after_first_tenth / 1048576.0,
              max_committed / 1048576.0, stats.committed_bytes / 1048576.0);
  // Flat: no more than an eighth above what the first tenth settled at.
  EXPECT_LE(max_committed, committed_after_first_tenth / 8 * 9);
  // And bounded by the goal: twice the live size, and the slack of partly
  // filled spans and page runs.
  EXPECT_LE(max_committed, 3 * peak_live);
  EXPECT_GT(stats.collections, 100u);
  strata_gc_remove_roots(heap, live, live + kSlots);
  strata_gc_destroy(heap);
}

uint64_t g_now_ns;
uint64_t FakeClock() { return g_now_ns; }

// After a peak, the heap first reuses what it holds (no collection for
// most of it), and then, as the program churns on at a small live size,
// the reuse floor decays: the goal and committed memory come back to the
// live-size goal instead of holding the peak for ever. The clock is the
// test's: 1 MiB of allocation takes 10 ms.
TEST(GcPacer, AfterAPeakTheFloorDecaysToTheLiveGoal) {
  g_now_ns = 1;
  strata_gc_options options = strata_gc_default_options();
  options.gc_percent = 100;
  options.min_heap_bytes = 1 << 20;
  options.clock = FakeClock;
  strata_gc_heap *heap = strata_gc_create(&options);
  ASSERT_NE(heap, nullptr);
  static void *peak[64 * 1024];
  static void *live[2048];
  ASSERT_EQ(strata_gc_add_roots(heap, peak, peak + 64 * 1024), 0);
  ASSERT_EQ(strata_gc_add_roots(heap, live, live + 2048), 0);
  for (size_t i = 0; i < 64 * 1024; i++) {  // 64 MiB live at the peak
    peak[i] = strata_gc_alloc(heap, 1024, STRATA_GC_NOSCAN);
    ASSERT_NE(peak[i], nullptr);
  }
  for (auto &p : peak) p = nullptr;
  strata_gc_collect(heap);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  size_t held_after_peak = stats.committed_bytes;
  EXPECT_GE(held_after_peak, size_t(64) << 20);
  EXPECT_EQ(stats.next_collection_bytes, held_after_peak / 8 * 7);  // the floor set the goal
  // Churn at 2 MiB live: 1 KiB objects into 2048 slots.
  uint64_t collections_at_peak = stats.collections;
  uint64_t state = 88172645463325252ull;
  size_t goal_after_a_second = 0;
  for (uint64_t i = 0; i < 20 * 1000 * 1024; i++) {  // 20 GiB: 200 s of the test's clock
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    live[state % 2048] = strata_gc_alloc(heap, 1024, STRATA_GC_NOSCAN);
    if ((i & 1023) == 1023) g_now_ns += 10000000;  // 10 ms a MiB
    if (i == 100 * 1024) {                          // 1 s in
      strata_gc_get_stats(heap, &stats);
      goal_after_a_second = stats.next_collection_bytes;
      // The first 56 MiB reused the held memory with one collection.
      EXPECT_LE(stats.collections - collections_at_peak, 2u);
    }
  }
  strata_gc_get_stats(heap, &stats);
  std::printf("held after the peak %.1f MiB; goal 1 s later %.1f MiB; after 200 s: goal %.1f MiB, "
              "committed %.1f MiB, live %.1f MiB\n",
              held_after_peak / 1048576.0, goal_after_a_second / 1048576.0,
              stats.next_collection_bytes / 1048576.0, stats.committed_bytes / 1048576.0,
              stats.live_bytes / 1048576.0);
  EXPECT_GT(goal_after_a_second, size_t(32) << 20);  // still reusing the peak's memory
  // Back to the live goal (2 x 2 MiB), and the memory back to the OS.
  EXPECT_LE(stats.next_collection_bytes, 2 * stats.live_bytes + (256 << 10));
  EXPECT_LE(stats.committed_bytes, size_t(8) << 20);
  strata_gc_remove_roots(heap, peak, peak + 64 * 1024);
  strata_gc_remove_roots(heap, live, live + 2048);
  strata_gc_destroy(heap);
}

}  // namespace
