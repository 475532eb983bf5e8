// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The GC heap through its C API: kinds, roots, interior pointers, large
// objects, pacing, the mark stack's overflow, backends that run out, and
// every error a caller can provoke.
#include "frontend/gc/strata_gc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "arena/backends.h"
#include "frontend/malloc/strata_malloc.h"

namespace {

struct Node {
  Node *next;
  uint64_t value;
};

// A heap that collects only when asked, unless the test says otherwise.
strata_gc_heap *Quiet(bool scan_stack = false) {
  strata_gc_options options = strata_gc_default_options();
  options.gc_percent = STRATA_GC_OFF;
  options.scan_stack = scan_stack;
  strata_gc_heap *heap = strata_gc_create(&options);
  EXPECT_NE(heap, nullptr);
  return heap;
}

uint64_t Collections(strata_gc_heap *heap) {
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  return stats.collections;
}

// A GC object given to malloc's free is not malloc's, small or large, and
// is reported as such and left alone (the GC heap has page heaps of its
// own, which malloc's page map does not know).
TEST(GcDeathTest, MallocRefusesGcObjects) {
  strata_gc_heap *heap = strata_gc_create(nullptr);
  ASSERT_NE(heap, nullptr);
  void *small = strata_gc_alloc(heap, 48, STRATA_GC_SCAN);
  void *large = strata_gc_alloc(heap, 100000, STRATA_GC_NOSCAN);
  ASSERT_TRUE(small != nullptr && large != nullptr);
  EXPECT_DEATH(strata_free(small), "strata: free\\(\\): invalid pointer 0x");
  EXPECT_DEATH(strata_free(large), "strata: free\\(\\): invalid pointer 0x");
  EXPECT_EQ(strata_gc_base(heap, large), large);
  strata_gc_destroy(heap);
}

TEST(Gc, ScanObjectsAreZeroedAndSizesRoundUp) {
  strata_gc_heap *heap = Quiet();
  for (size_t size : {0, 1, 8, 24, 100, 1000, 5000, 32768, 40000, 1 << 20}) {
    auto *p = static_cast<unsigned char *>(strata_gc_alloc(heap, size, STRATA_GC_SCAN));
    ASSERT_NE(p, nullptr) << size;
    size_t usable = strata_gc_size(heap, p);
    EXPECT_GE(usable, size);
    for (size_t i = 0; i < usable; i++) ASSERT_EQ(p[i], 0) << size << " at " << i;
    memset(p, 0xab, usable);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u);
  }
  EXPECT_EQ(strata_gc_check(heap), 0);
  strata_gc_destroy(heap);
}

TEST(Gc, UnreachableObjectsAreFreedAndTheirSlotsReused) {
  strata_gc_heap *heap = Quiet();
  static Node *root;
  ASSERT_EQ(strata_gc_add_roots(heap, &root, &root + 1), 0);
  std::vector<Node *> garbage;
  for (int i = 0; i < 1000; i++) {
    auto *n = static_cast<Node *>(strata_gc_alloc(heap, sizeof(Node), STRATA_GC_SCAN));
    ASSERT_NE(n, nullptr);
    n->value = i;
    if (i % 10 == 0) {
      n->next = root;
      root = n;
    } else {
      garbage.push_back(n);
    }
  }
  // The vector's buffer is malloc'ed, not a root: only `root` counts.
  strata_gc_collect(heap);
  for (Node *n : garbage) EXPECT_EQ(strata_gc_base(heap, n), nullptr);
  int kept = 0;
  for (Node *n = root; n != nullptr; n = n->next) {
    EXPECT_EQ(strata_gc_base(heap, n), n);
    EXPECT_EQ(n->value % 10, 0u);
    kept++;
  }
  EXPECT_EQ(kept, 100);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_EQ(stats.collections, 1u);
  EXPECT_EQ(stats.live_bytes, 100 * sizeof(Node));
  EXPECT_EQ(stats.freed_bytes, 900 * sizeof(Node));
  // New objects take the freed slots: every one of them is a former garbage
  // address.
  std::vector<Node *> sorted = garbage;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 900; i++) {
    void *p = strata_gc_alloc(heap, sizeof(Node), STRATA_GC_SCAN);
    EXPECT_TRUE(std::binary_search(sorted.begin(), sorted.end(), p)) << i;
  }
  EXPECT_EQ(strata_gc_check(heap), 0);
  root = nullptr;
  strata_gc_destroy(heap);
}

TEST(Gc, InteriorPointersKeepObjectsAlive) {
  strata_gc_heap *heap = Quiet();
  static char *roots[3];
  ASSERT_EQ(strata_gc_add_roots(heap, roots, roots + 3), 0);
  auto *small = static_cast<char *>(strata_gc_alloc(heap, 200, STRATA_GC_NOSCAN));
  auto *large = static_cast<char *>(strata_gc_alloc(heap, 100000, STRATA_GC_NOSCAN));
  auto *dropped = static_cast<char *>(strata_gc_alloc(heap, 100000, STRATA_GC_NOSCAN));
  roots[0] = small + 150;
  roots[1] = large + 99999;
  roots[2] = nullptr;
  strata_gc_collect(heap);
  EXPECT_EQ(strata_gc_base(heap, small + 3), small);
  EXPECT_EQ(strata_gc_base(heap, large + 50000), large);
  EXPECT_EQ(strata_gc_base(heap, dropped), nullptr);
  EXPECT_EQ(strata_gc_size(heap, small + 3), 0u);  // not a start
  memset(roots, 0, sizeof roots);
  strata_gc_destroy(heap);
}

TEST(Gc, APointerInsideANoscanObjectKeepsNothingAlive) {
  strata_gc_heap *heap = Quiet();
  static void *roots[2];
  ASSERT_EQ(strata_gc_add_roots(heap, roots, roots + 2), 0);
  auto **noscan = static_cast<void **>(strata_gc_alloc(heap, 64, STRATA_GC_NOSCAN));
  auto **scan = static_cast<void **>(strata_gc_alloc(heap, 64, STRATA_GC_SCAN));
  void *behind_noscan = strata_gc_alloc(heap, 48, STRATA_GC_SCAN);
  void *behind_scan = strata_gc_alloc(heap, 48, STRATA_GC_SCAN);
  noscan[0] = behind_noscan;
  scan[0] = behind_scan;
  roots[0] = noscan;
  roots[1] = scan;
  strata_gc_collect(heap);
  EXPECT_EQ(strata_gc_base(heap, noscan), noscan);
  EXPECT_EQ(strata_gc_base(heap, behind_noscan), nullptr);
  EXPECT_EQ(strata_gc_base(heap, behind_scan), behind_scan);
  // The same holds for large objects of both kinds.
  auto **large_noscan = static_cast<void **>(strata_gc_alloc(heap, 50000, STRATA_GC_NOSCAN));
  auto **large_scan = static_cast<void **>(strata_gc_alloc(heap, 50000, STRATA_GC_SCAN));
  behind_noscan = strata_gc_alloc(heap, 48, STRATA_GC_SCAN);
  behind_scan = strata_gc_alloc(heap, 48, STRATA_GC_SCAN);
  large_noscan[6000] = behind_noscan;  // past the first scan chunk
  large_scan[6000] = behind_scan;
  roots[0] = large_noscan;
  roots[1] = large_scan;
  strata_gc_collect(heap);
  EXPECT_EQ(strata_gc_base(heap, behind_noscan), nullptr);
  EXPECT_EQ(strata_gc_base(heap, behind_scan), behind_scan);
  memset(roots, 0, sizeof roots);
  strata_gc_destroy(heap);
}

TEST(Gc, ALongListSurvivesAMarkStackOfFourEntries) {
  strata_gc_options options = strata_gc_default_options();
  options.gc_percent = STRATA_GC_OFF;
  options.mark_stack_entries = 4;
  strata_gc_heap *heap = strata_gc_create(&options);
  ASSERT_NE(heap, nullptr);
  static Node *root;
  ASSERT_EQ(strata_gc_add_roots(heap, &root, &root + 1), 0);
  // A tree-ish list: each node also points at the node 2 back, so that
  // scanning a node finds more work than the stack holds.
  struct Wide {
    Wide *a, *b, *c, *d;
    uint64_t value;
  };
  static Wide *wide;
  ASSERT_EQ(strata_gc_add_roots(heap, &wide, &wide + 1), 0);
  std::vector<Wide *> all;
  for (int i = 0; i < 20000; i++) {
    auto *w = static_cast<Wide *>(strata_gc_alloc(heap, sizeof(Wide), STRATA_GC_SCAN));
    ASSERT_NE(w, nullptr);
    w->value = i;
    if (!all.empty()) w->a = all[all.size() - 1];
    if (all.size() > 1) w->b = all[all.size() - 2];
    if (all.size() > 5) w->c = all[all.size() / 2];
    all.push_back(w);
  }
  wide = all.back();
  // Garbage in between, so that a wrong mark would show as a freed node.
  for (int i = 0; i < 20000; i++) ASSERT_NE(strata_gc_alloc(heap, 40, STRATA_GC_SCAN), nullptr);
  strata_gc_collect(heap);
  for (size_t i = 0; i < all.size(); i++) {
    ASSERT_EQ(strata_gc_base(heap, all[i]), all[i]) << i;
    ASSERT_EQ(all[i]->value, i);
  }
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_GT(stats.mark_stack_overflows, 0u);
  EXPECT_EQ(stats.live_bytes, all.size() * 48);
  wide = nullptr;
  root = nullptr;
  strata_gc_destroy(heap);
}

TEST(Gc, RemovedRootsNoLongerKeepObjects) {
  strata_gc_heap *heap = Quiet();
  static void *a, *b, *pair[2];
  ASSERT_EQ(strata_gc_add_roots(heap, &a, &a + 1), 0);
  ASSERT_EQ(strata_gc_add_roots(heap, &b, &b + 1), 0);
  a = strata_gc_alloc(heap, 100, STRATA_GC_SCAN);
  b = strata_gc_alloc(heap, 100, STRATA_GC_SCAN);
  void *saved_a = a;
  EXPECT_EQ(strata_gc_remove_roots(heap, pair, pair + 2), ENOENT);  // never registered
  EXPECT_EQ(strata_gc_remove_roots(heap, &a, &a + 1), 0);
  EXPECT_EQ(strata_gc_remove_roots(heap, &a, &a + 1), ENOENT);  // already gone
  strata_gc_collect(heap);
  EXPECT_EQ(strata_gc_base(heap, saved_a), nullptr);
  EXPECT_EQ(strata_gc_base(heap, b), b);
  EXPECT_EQ(strata_gc_add_roots(heap, &b + 1, &b), EINVAL);
  // Many ranges: the table grows.
  static void *many[300];
  for (auto &slot : many) ASSERT_EQ(strata_gc_add_roots(heap, &slot, &slot + 1), 0);
  for (auto &slot : many) slot = strata_gc_alloc(heap, 32, STRATA_GC_NOSCAN);
  strata_gc_collect(heap);
  for (void *p : many) EXPECT_EQ(strata_gc_base(heap, p), p);
  a = b = nullptr;
  memset(many, 0, sizeof many);
  strata_gc_destroy(heap);
}

TEST(Gc, BadArgumentsSayWhy) {
  strata_gc_heap *heap = Quiet();
  errno = 0;
  EXPECT_EQ(strata_gc_alloc(heap, 16, 4), nullptr);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(strata_gc_alloc_array(heap, SIZE_MAX / 2, 3, STRATA_GC_SCAN), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(strata_gc_alloc(heap, SIZE_MAX - 10, STRATA_GC_NOSCAN), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  auto *array = static_cast<uint32_t *>(strata_gc_alloc_array(heap, 1000, 4, STRATA_GC_SCAN));
  ASSERT_NE(array, nullptr);
  EXPECT_GE(strata_gc_size(heap, array), 4000u);
  EXPECT_EQ(strata_gc_set_percent(heap, -2), EINVAL);
  EXPECT_EQ(strata_gc_set_percent(heap, 50), 0);
  int stack_value = 0;
  EXPECT_EQ(strata_gc_base(heap, &stack_value), nullptr);
  EXPECT_EQ(strata_gc_base(heap, nullptr), nullptr);
  EXPECT_EQ(strata_gc_size(heap, &stack_value), 0u);
  strata_gc_destroy(heap);
  strata_gc_destroy(nullptr);

  strata_gc_options options = strata_gc_default_options();
  options.gc_percent = -5;
  errno = 0;
  EXPECT_EQ(strata_gc_create(&options), nullptr);
  EXPECT_EQ(errno, EINVAL);
  options = strata_gc_default_options();
  options.mark_stack_entries = 0;
  EXPECT_EQ(strata_gc_create(&options), nullptr);
  EXPECT_EQ(errno, EINVAL);
}

TEST(Gc, PercentComesFromTheEnvironment) {
  setenv("STRATA_GC_PERCENT", "250", 1);
  EXPECT_EQ(strata_gc_default_options().gc_percent, 250);
  setenv("STRATA_GC_PERCENT", "off", 1);
  EXPECT_EQ(strata_gc_default_options().gc_percent, STRATA_GC_OFF);
  setenv("STRATA_GC_PERCENT", "0", 1);
  EXPECT_EQ(strata_gc_default_options().gc_percent, 0);
  testing::internal::CaptureStderr();
  setenv("STRATA_GC_PERCENT", "lots", 1);
  EXPECT_EQ(strata_gc_default_options().gc_percent, 100);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("STRATA_GC_PERCENT"), std::string::npos);
  unsetenv("STRATA_GC_PERCENT");
  EXPECT_EQ(strata_gc_default_options().gc_percent, 100);
}

// Pacing: with 1 MiB live and gc_percent 100, a collection comes every
// ~1 MiB allocated, and the heap stays near twice the live size.
TEST(Gc, PacingKeepsTheHeapNearLiveTimesOnePlusPercent) {
  strata_gc_options options = strata_gc_default_options();
  options.gc_percent = 100;
  options.min_heap_bytes = 256 << 10;
  strata_gc_heap *heap = strata_gc_create(&options);
  ASSERT_NE(heap, nullptr);
  static void *live[1024];
  ASSERT_EQ(strata_gc_add_roots(heap, live, live + 1024), 0);
  for (auto &slot : live) slot = strata_gc_alloc(heap, 1024, STRATA_GC_NOSCAN);
  for (int i = 0; i < 64 * 1024; i++) {  // 64 MiB of garbage
    ASSERT_NE(strata_gc_alloc(heap, 1024, STRATA_GC_NOSCAN), nullptr);
  }
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_GE(stats.collections, 50u);
  EXPECT_LE(stats.collections, 70u);
  EXPECT_EQ(stats.live_bytes, 1024u * 1024u);
  // Twice the live size, or 7/8 of what the page heap holds if more.
  EXPECT_EQ(stats.next_collection_bytes,
            std::max<size_t>(2u * 1024u * 1024u, stats.committed_bytes / 8 * 7));
  EXPECT_LT(stats.peak_committed_bytes, 4u << 20);
  EXPECT_GT(stats.max_pause_ns, 0u);
  EXPECT_GE(stats.total_pause_ns, stats.total_mark_ns);
  // The markers' CPU in the pauses: some, and no more than their wall
  // time on each marker, give or take the clocks' granularity.
  EXPECT_GT(stats.total_pause_cpu_ns, 0u);
  EXPECT_GE(stats.last_markers, 1u);
  EXPECT_LE(stats.total_pause_cpu_ns, stats.total_pause_ns * stats.last_markers + 2'000'000);
  for (void *p : live) EXPECT_EQ(strata_gc_base(heap, p), p);
  // Off: no collection of its own.
  ASSERT_EQ(strata_gc_set_percent(heap, STRATA_GC_OFF), 0);
  uint64_t before = Collections(heap);
  for (int i = 0; i < 8 * 1024; i++) ASSERT_NE(strata_gc_alloc(heap, 1024, STRATA_GC_NOSCAN), nullptr);
  EXPECT_EQ(Collections(heap), before);
  strata_gc_get_stats(heap, &stats);
  EXPECT_EQ(stats.next_collection_bytes, SIZE_MAX);
  memset(live, 0, sizeof live);
  strata_gc_destroy(heap);
}

// After a peak, the heap fills the memory it already holds before it
// collects again, rather than collecting at twice a much smaller live size.
TEST(Gc, AfterAPeakTheHeapReusesWhatItHoldsBeforeCollecting) {
  strata_gc_options options = strata_gc_default_options();
  options.gc_percent = 100;
  options.min_heap_bytes = 1 << 20;
  strata_gc_heap *heap = strata_gc_create(&options);
  ASSERT_NE(heap, nullptr);
  static Node *big;
  ASSERT_EQ(strata_gc_add_roots(heap, &big, &big + 1), 0);
  for (int i = 0; i < 32 * 1024; i++) {  // 32 MiB live at the peak
    auto *n = static_cast<Node *>(strata_gc_alloc(heap, 1000, STRATA_GC_SCAN));
    ASSERT_NE(n, nullptr);
    n->next = big;
    big = n;
  }
  big = nullptr;
  strata_gc_collect(heap);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_EQ(stats.live_bytes, 0u);
  EXPECT_GE(stats.committed_bytes, 32u << 20);  // the page heap keeps it a while
  EXPECT_EQ(stats.next_collection_bytes, stats.committed_bytes / 8 * 7);
  uint64_t collections = stats.collections;
  size_t committed = stats.committed_bytes;
  // 24 MiB more: no collection, and no new memory.
  for (int i = 0; i < 24 * 1024; i++) ASSERT_NE(strata_gc_alloc(heap, 1000, STRATA_GC_SCAN), nullptr);
  strata_gc_get_stats(heap, &stats);
  EXPECT_EQ(stats.collections, collections);
  EXPECT_LE(stats.committed_bytes, committed);
  strata_gc_destroy(heap);
}

// A heap inside a fixed buffer: when the buffer is full, the heap collects
// and goes on; when what is live fills it, allocation says ENOMEM and the
// heap still works after the program lets go.
TEST(Gc, AHeapOnAStaticBufferCollectsWhenFullAndKeepsRunning) {
  size_t bytes = 8 << 20;
  void *buffer = std::aligned_alloc(4096, bytes);
  strata_static_backend backend;
  ASSERT_EQ(strata_static_backend_init(&backend, buffer, bytes, 4096), STRATA_OK);
  strata_gc_options options = strata_gc_default_options();
  options.backend = &backend.base;
  options.gc_percent = STRATA_GC_OFF;  // only running out collects
  options.arena_bytes = 1 << 20;
  strata_gc_heap *heap = strata_gc_create(&options);
  ASSERT_NE(heap, nullptr);
  static Node *root;
  ASSERT_EQ(strata_gc_add_roots(heap, &root, &root + 1), 0);
  // 64 MiB through an 8 MiB buffer, a few nodes kept each round.
  for (int i = 0; i < 64 * 1024; i++) {
    auto *n = static_cast<Node *>(strata_gc_alloc(heap, 1000, STRATA_GC_SCAN));
    ASSERT_NE(n, nullptr) << i;
    n->value = i;
    if (i % 4096 == 0) {
      n->next = root;
      root = n;
    }
  }
  EXPECT_GT(Collections(heap), 5u);
  int kept = 0;
  for (Node *n = root; n != nullptr; n = n->next, kept++) EXPECT_EQ(n->value % 4096, 0u);
  EXPECT_EQ(kept, 16);
  // Now keep everything: the buffer fills and allocation fails cleanly.
  size_t held = 0;
  for (;;) {
    auto *n = static_cast<Node *>(strata_gc_alloc(heap, 1000, STRATA_GC_SCAN));
    if (n == nullptr) {
      EXPECT_EQ(errno, ENOMEM);
      break;
    }
    n->next = root;
    root = n;
    held++;
    ASSERT_LT(held, 10000u);
  }
  EXPECT_GT(held, 4000u);
  EXPECT_EQ(strata_gc_alloc(heap, 100000, STRATA_GC_NOSCAN), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  EXPECT_EQ(strata_gc_check(heap), 0);
  root = nullptr;
  EXPECT_NE(strata_gc_alloc(heap, 100000, STRATA_GC_NOSCAN), nullptr);
  EXPECT_NE(strata_gc_alloc(heap, 1000, STRATA_GC_SCAN), nullptr);
  strata_gc_destroy(heap);
  EXPECT_EQ(strata_static_backend_free_bytes(&backend), backend.end - backend.start);
  std::free(buffer);
}

TEST(Gc, RefusedMemoryGivesENOMEMAndTheHeapGoesOn) {
  strata_mmap_backend os;
  strata_mmap_backend_init(&os);
  strata_fault_backend fault;
  strata_fault_backend_init(&fault, &os.base);
  strata_fault_backend_refuse_nth(&fault, 1);
  strata_gc_options options = strata_gc_default_options();
  options.backend = &fault.base;
  options.gc_percent = STRATA_GC_OFF;
  errno = 0;
  EXPECT_EQ(strata_gc_create(&options), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  strata_gc_heap *heap = strata_gc_create(&options);
  ASSERT_NE(heap, nullptr);
  static Node *root;
  ASSERT_EQ(strata_gc_add_roots(heap, &root, &root + 1), 0);
  // Live objects until the budget is spent: each allocation either works
  // or fails with ENOMEM after a collection that could free nothing.
  strata_fault_backend_set_budget(&fault, fault.committed + (4 << 20));
  size_t held = 0, refusals = 0;
  for (int i = 0; i < 40000; i++) {
    size_t size = i % 50 == 0 ? 40000 : 200;  // small and large
    auto *n = static_cast<Node *>(strata_gc_alloc(heap, size, STRATA_GC_SCAN));
    if (n == nullptr) {
      EXPECT_EQ(errno, ENOMEM);
      if (++refusals == 20) break;  // each one was a whole collection
      continue;
    }
    n->value = i;
    n->next = root;
    root = n;
    held++;
  }
  EXPECT_GT(refusals, 0u);
  EXPECT_GT(held, 1000u);
  EXPECT_GT(Collections(heap), 0u);  // each refusal collected first
  EXPECT_EQ(strata_gc_check(heap), 0);
  size_t counted = 0;
  for (Node *n = root; n != nullptr; n = n->next) counted++;
  EXPECT_EQ(counted, held);
  // Let go of half: the same budget serves again.
  Node *n = root;
  for (size_t i = 0; i < held / 2; i++) n = n->next;
  root = n;
  strata_gc_collect(heap);
  EXPECT_NE(strata_gc_alloc(heap, 200, STRATA_GC_SCAN), nullptr);
  EXPECT_NE(strata_gc_alloc(heap, 40000, STRATA_GC_SCAN), nullptr);
  EXPECT_EQ(strata_gc_check(heap), 0);
  root = nullptr;
  strata_gc_destroy(heap);
}

// Any backend: huge pages (2 MiB granules) and a fault wrapper counting
// calls over them, two heaps side by side.
TEST(Gc, HeapsOnHugePagesAndMmapSideBySide) {
  strata_hugepage_backend huge;
  strata_hugepage_backend_init(&huge);
  strata_gc_options options = strata_gc_default_options();
  options.backend = &huge.base;
  options.gc_percent = 50;
  options.min_heap_bytes = 1 << 20;
  strata_gc_heap *on_huge = strata_gc_create(&options);
  ASSERT_NE(on_huge, nullptr);
  strata_gc_heap *on_mmap = Quiet();
  static Node *roots[2];
  ASSERT_EQ(strata_gc_add_roots(on_huge, &roots[0], &roots[0] + 1), 0);
  ASSERT_EQ(strata_gc_add_roots(on_mmap, &roots[1], &roots[1] + 1), 0);
  strata_gc_heap *heaps[2] = {on_huge, on_mmap};
  for (int i = 0; i < 100000; i++) {
    for (int h = 0; h < 2; h++) {
      auto *n = static_cast<Node *>(strata_gc_alloc(heaps[h], i % 7 == 0 ? 40000 : 48, STRATA_GC_SCAN));
      ASSERT_NE(n, nullptr);
      n->value = uint64_t(h) << 32 | uint64_t(i);
      if (i % 1000 == 0) {
        n->next = roots[h];
        roots[h] = n;
      }
    }
  }
  strata_gc_collect(on_huge);
  strata_gc_collect(on_mmap);
  for (int h = 0; h < 2; h++) {
    int count = 0;
    for (Node *n = roots[h]; n != nullptr; n = n->next, count++) {
      EXPECT_EQ(n->value >> 32, uint64_t(h));
      EXPECT_EQ((n->value & 0xffffffff) % 1000, 0u);
      // An object of one heap is not the other's.
      EXPECT_EQ(strata_gc_base(heaps[1 - h], n), nullptr);
    }
    EXPECT_EQ(count, 100);
    EXPECT_EQ(strata_gc_check(heaps[h]), 0);
  }
  EXPECT_GT(Collections(on_huge), 0u);
  roots[0] = roots[1] = nullptr;
  strata_gc_destroy(on_huge);
  strata_gc_destroy(on_mmap);
}

// Kept alive only by a local variable: seen through the stack scan.
__attribute__((noinline)) void *AllocOnStack(strata_gc_heap *heap, void **out_garbage) {
  void *kept = strata_gc_alloc(heap, 200, STRATA_GC_SCAN);
  void *garbage = strata_gc_alloc(heap, 200, STRATA_GC_SCAN);
  // Hide the garbage's address so the stack does not keep it.
  *out_garbage = reinterpret_cast<void *>(reinterpret_cast<uintptr_t>(garbage) ^ 0x5a5a);
  return kept;
}

TEST(Gc, TheStackScanKeepsWhatLocalsHold) {
  strata_gc_heap *heap = Quiet(/*scan_stack=*/true);
  void *hidden = nullptr;
  void *kept = AllocOnStack(heap, &hidden);
  static_cast<Node *>(kept)->value = 42;
  strata_gc_collect(heap);
  EXPECT_EQ(strata_gc_base(heap, kept), kept);
  EXPECT_EQ(static_cast<Node *>(kept)->value, 42u);
  void *garbage = reinterpret_cast<void *>(reinterpret_cast<uintptr_t>(hidden) ^ 0x5a5a);
  (void)garbage;  // may survive through a stale copy on the stack: conservative
  // Without stack scanning the same object goes.
  strata_gc_heap *blind = Quiet(/*scan_stack=*/false);
  void *lost = AllocOnStack(blind, &hidden);
  strata_gc_collect(blind);
  EXPECT_EQ(strata_gc_base(blind, lost), nullptr);
  strata_gc_destroy(blind);
  strata_gc_destroy(heap);
}

// Marking on several threads finds what one finds: a graph of lists and
// trees built with four markers keeps every object, and the helpers did
// take part.
TEST(Gc, SeveralMarkersKeepWhatOneKeeps) {
  for (unsigned markers : {1u, 4u}) {
    strata_gc_options options = strata_gc_default_options();
    options.mark_threads = markers;
    options.mark_stack_entries = 256;  // small: the pool and the overflow passes both work
    options.gc_percent = STRATA_GC_OFF;
    strata_gc_heap *heap = strata_gc_create(&options);
    ASSERT_NE(heap, nullptr);
    static Node *lists[64];
    ASSERT_EQ(strata_gc_add_roots(heap, lists, lists + 64), 0);
    for (int l = 0; l < 64; l++) {
      for (int i = 0; i < 4000; i++) {
        auto *n = static_cast<Node *>(strata_gc_alloc(heap, sizeof(Node), STRATA_GC_SCAN));
        ASSERT_NE(n, nullptr);
        n->next = lists[l];
        n->value = uint64_t(l) << 32 | i;
        lists[l] = n;
        strata_gc_alloc(heap, 64, STRATA_GC_SCAN);  // garbage between
      }
    }
    strata_gc_collect(heap);
    strata_gc_stats stats;
    strata_gc_get_stats(heap, &stats);
    EXPECT_EQ(stats.last_markers, markers);
    EXPECT_EQ(stats.live_bytes, 64u * 4000 * strata_gc_size(heap, lists[0]));
    for (int l = 0; l < 64; l++) {
      int count = 0;
      for (Node *n = lists[l]; n != nullptr; n = n->next, count++) {
        ASSERT_EQ(n->value, uint64_t(l) << 32 | (3999 - count));
      }
      EXPECT_EQ(count, 4000);
    }
    strata_gc_remove_roots(heap, lists, lists + 64);
    for (auto &l : lists) l = nullptr;
    strata_gc_destroy(heap);
  }
}

// Separate heaps on separate threads share nothing.
TEST(Gc, HeapsOnSeparateThreadsAreIndependent) {
  auto work = [](uint64_t seed, bool *ok) {
    strata_gc_options options = strata_gc_default_options();
    options.gc_percent = 50;
    options.min_heap_bytes = 128 << 10;
    strata_gc_heap *heap = strata_gc_create(&options);
    Node *list = nullptr;
    strata_gc_add_roots(heap, &list, &list + 1);
    for (int i = 0; i < 100000; i++) {
      auto *n = static_cast<Node *>(strata_gc_alloc(heap, sizeof(Node), STRATA_GC_SCAN));
      n->value = seed + i;
      if (i % 100 == 0) {
        n->next = list;
        list = n;
      }
    }
    bool good = strata_gc_check(heap) == 0;
    int count = 0;
    for (Node *n = list; n != nullptr; n = n->next, count++) good &= (n->value - seed) % 100 == 0;
    strata_gc_stats stats;
    strata_gc_get_stats(heap, &stats);
    *ok = good && count == 1000 && stats.collections > 0;
    strata_gc_remove_roots(heap, &list, &list + 1);
    strata_gc_destroy(heap);
  };
  bool ok[4] = {};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) threads.emplace_back(work, uint64_t(t) << 32, &ok[t]);
  for (auto &t : threads) t.join();
  for (bool b : ok) EXPECT_TRUE(b);
}

}  // namespace

// STRATA_GC_MEMORY_LIMIT caps the goal: the heap collects at the limit
// whatever gc_percent allows, and with more live than the limit, every
// sixteenth of the live size more.
TEST(Gc, AMemoryLimitCapsTheGoal) {
  strata_gc_options options = strata_gc_default_options();
  options.gc_percent = 1000;  // alone: a goal of 11 MiB for 1 MiB live
  options.min_heap_bytes = 256 << 10;
  options.memory_limit_bytes = 3 << 20;
  strata_gc_heap *heap = strata_gc_create(&options);
  ASSERT_NE(heap, nullptr);
  static void *live[4096];
  ASSERT_EQ(strata_gc_add_roots(heap, live, live + 4096), 0);
  for (int i = 0; i < 1024; i++) live[i] = strata_gc_alloc(heap, 1024, STRATA_GC_NOSCAN);
  for (int i = 0; i < 32 * 1024; i++) ASSERT_NE(strata_gc_alloc(heap, 1024, STRATA_GC_NOSCAN), nullptr);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_EQ(stats.live_bytes, 1u << 20);
  EXPECT_EQ(stats.next_collection_bytes, 3u << 20);
  EXPECT_GE(stats.collections, 14u);  // 32 MiB in steps of 2 MiB; at 1000 %, about 3
  // Past the limit: 4 MiB live.
  for (int i = 1024; i < 4096; i++) live[i] = strata_gc_alloc(heap, 1024, STRATA_GC_NOSCAN);
  strata_gc_collect(heap);
  strata_gc_get_stats(heap, &stats);
  EXPECT_EQ(stats.live_bytes, 4u << 20);
  EXPECT_EQ(stats.next_collection_bytes, (4u << 20) + (4u << 20) / 16);
  memset(live, 0, sizeof live);
  strata_gc_destroy(heap);
}

TEST(Gc, MemoryLimitComesFromTheEnvironment) {
  setenv("STRATA_GC_MEMORY_LIMIT", "512M", 1);
  EXPECT_EQ(strata_gc_default_options().memory_limit_bytes, size_t{512} << 20);
  setenv("STRATA_GC_MEMORY_LIMIT", "1048576", 1);
  EXPECT_EQ(strata_gc_default_options().memory_limit_bytes, size_t{1} << 20);
  setenv("STRATA_GC_MEMORY_LIMIT", "off", 1);
  EXPECT_EQ(strata_gc_default_options().memory_limit_bytes, 0u);
  setenv("STRATA_GC_MEMORY_LIMIT", "lots", 1);
  testing::internal::CaptureStderr();
  EXPECT_EQ(strata_gc_default_options().memory_limit_bytes, 0u);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("STRATA_GC_MEMORY_LIMIT"),
            std::string::npos);
  unsetenv("STRATA_GC_MEMORY_LIMIT");
  EXPECT_EQ(strata_gc_default_options().memory_limit_bytes, 0u);
}

namespace {

// What a finalizer saw: how often it ran, the object, and the value it
// read through the object (from a child the object reaches).
struct Finalized {
  int runs = 0;
  void *object = nullptr;
  uint64_t value = 0;
};

void RecordFinalizer(void *object, void *data) {
  auto *f = static_cast<Finalized *>(data);
  f->runs++;
  f->object = object;
  f->value = static_cast<Node *>(object)->next->value;  // the child, kept with it
}

strata_gc_heap *SmallHeap() {
  strata_gc_options options = strata_gc_default_options();
  options.min_heap_bytes = 256 << 10;
  return strata_gc_create(&options);
}

// *root (registered as a root) holds a node whose next is a second node.
void RootedPair(strata_gc_heap *heap, Node **root) {
  ASSERT_EQ(strata_gc_add_roots(heap, root, root + 1), 0);
  *root = static_cast<Node *>(strata_gc_alloc(heap, sizeof(Node), STRATA_GC_SCAN));
  (*root)->next = static_cast<Node *>(strata_gc_alloc(heap, sizeof(Node), STRATA_GC_SCAN));
}

}  // namespace

// A finalizer runs once, after its object is found unreachable, with the
// object and what it reaches still there; the next collection frees it.
TEST(GcFinalizer, RunsOnceAfterTheObjectIsUnreachableAndCanReadIt) {
  strata_gc_heap *heap = SmallHeap();
  ASSERT_NE(heap, nullptr);
  static Node *root;
  RootedPair(heap, &root);
  root->next->value = 4242;
  Finalized f;
  ASSERT_EQ(strata_gc_set_finalizer(heap, root, RecordFinalizer, &f), 0);
  strata_gc_collect(heap);
  EXPECT_EQ(f.runs, 0) << "reachable: no finalizer";
  void *object = root;
  root = nullptr;
  strata_gc_collect(heap);
  EXPECT_EQ(f.runs, 1);
  EXPECT_EQ(f.object, object);
  EXPECT_EQ(f.value, 4242u);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_EQ(stats.finalizers_run, 1u);
  EXPECT_EQ(stats.live_bytes, 2 * strata_gc_size(heap, object)) << "kept for one more cycle";
  strata_gc_collect(heap);
  strata_gc_get_stats(heap, &stats);
  EXPECT_EQ(f.runs, 1) << "once";
  EXPECT_EQ(stats.live_bytes, 0u) << "and freed by the next collection";
  strata_gc_destroy(heap);
}

// A collection an allocation starts queues the finalizer; the object stays
// until the program runs it, whatever collections come between.
TEST(GcFinalizer, CollectionsFromAllocationQueueUntilTheProgramRunsThem) {
  strata_gc_heap *heap = SmallHeap();
  ASSERT_NE(heap, nullptr);
  auto *n = static_cast<Node *>(strata_gc_alloc(heap, sizeof(Node), STRATA_GC_SCAN));
  n->next = static_cast<Node *>(strata_gc_alloc(heap, sizeof(Node), STRATA_GC_SCAN));
  n->next->value = 7;
  Finalized f;
  ASSERT_EQ(strata_gc_set_finalizer(heap, n, RecordFinalizer, &f), 0);
  n = nullptr;
  uint64_t before = Collections(heap);
  for (int i = 0; i < 64 * 1024; i++) {  // 4 MiB of garbage: several collections
    ASSERT_NE(strata_gc_alloc(heap, 64, STRATA_GC_NOSCAN), nullptr);
  }
  EXPECT_GE(Collections(heap), before + 3);
  EXPECT_EQ(f.runs, 0);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_EQ(stats.finalizers_queued, 1u);
  EXPECT_EQ(strata_gc_run_finalizers(heap), 1u);
  EXPECT_EQ(f.runs, 1);
  EXPECT_EQ(f.value, 7u) << "kept through the collections while queued";
  EXPECT_EQ(strata_gc_run_finalizers(heap), 0u);
  strata_gc_destroy(heap);
}

TEST(GcFinalizer, ARemovedFinalizerDoesNotRunAndBadObjectsAreRefused) {
  strata_gc_heap *heap = SmallHeap();
  ASSERT_NE(heap, nullptr);
  auto *n = static_cast<Node *>(strata_gc_alloc(heap, sizeof(Node), STRATA_GC_SCAN));
  Finalized f;
  ASSERT_EQ(strata_gc_set_finalizer(heap, n, RecordFinalizer, &f), 0);
  ASSERT_EQ(strata_gc_set_finalizer(heap, n, nullptr, nullptr), 0);
  n = nullptr;
  strata_gc_collect(heap);
  EXPECT_EQ(f.runs, 0);
  int on_stack = 0;
  EXPECT_EQ(strata_gc_set_finalizer(heap, &on_stack, RecordFinalizer, &f), EINVAL);
  EXPECT_EQ(strata_gc_set_finalizer(heap, nullptr, RecordFinalizer, &f), EINVAL);
  auto *m = static_cast<char *>(strata_gc_alloc(heap, 64, STRATA_GC_SCAN));
  EXPECT_EQ(strata_gc_set_finalizer(heap, m + 8, RecordFinalizer, &f), EINVAL);  // interior
  errno = 0;
  EXPECT_EQ(strata_gc_weak_new(heap, m + 8), nullptr);
  EXPECT_EQ(errno, EINVAL);
  strata_gc_destroy(heap);
}

// A weak reference gives its object while the program reaches it and NULL
// once a collection has found it unreachable, before its finalizer runs.
TEST(GcWeak, ClearedWhenTheObjectDiesNotBefore) {
  strata_gc_heap *heap = SmallHeap();
  ASSERT_NE(heap, nullptr);
  static Node *root;
  RootedPair(heap, &root);
  strata_gc_weak *weak = strata_gc_weak_new(heap, root);
  strata_gc_weak *finalized_weak = strata_gc_weak_new(heap, root->next);
  ASSERT_NE(weak, nullptr);
  ASSERT_NE(finalized_weak, nullptr);
  Finalized f;
  Node *child = root->next;
  child->next = root;  // the finalizer reads child->next->value
  ASSERT_EQ(strata_gc_set_finalizer(heap, child, RecordFinalizer, &f), 0);
  child = nullptr;
  strata_gc_collect(heap);
  EXPECT_EQ(strata_gc_weak_get(heap, weak), root) << "reachable: not cleared";
  EXPECT_NE(strata_gc_weak_get(heap, finalized_weak), nullptr);
  root = nullptr;
  strata_gc_collect(heap);
  EXPECT_EQ(strata_gc_weak_get(heap, weak), nullptr);
  EXPECT_EQ(strata_gc_weak_get(heap, finalized_weak), nullptr) << "cleared before its finalizer";
  EXPECT_EQ(f.runs, 1);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_EQ(stats.weak_cleared, 2u);
  strata_gc_weak_free(heap, weak);
  strata_gc_weak_free(heap, finalized_weak);
  strata_gc_destroy(heap);
}
