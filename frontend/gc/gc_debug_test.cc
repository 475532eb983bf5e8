// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Debug builds catch a GC heap used by two threads at once. To be inside a
// heap call for certain, the test's backend starts the second thread from
// within the first thread's allocation (the heap asks its backend for an
// arena then).
#include <gtest/gtest.h>

#include <thread>

#include "arena/backends.h"
#include "frontend/gc/strata_gc.h"

namespace {

strata_gc_heap *g_heap;
bool g_armed;
strata_mmap_backend g_os;

strata_status ReserveAndIntrude(strata_backend *, size_t size, size_t alignment, void **out) {
  if (g_armed) {
    g_armed = false;
    std::thread other([] { strata_gc_alloc(g_heap, 16, STRATA_GC_SCAN); });
    other.join();
  }
  return g_os.base.ops->reserve(&g_os.base, size, alignment, out);
}

strata_status Commit(strata_backend *, void *addr, size_t size) {
  return g_os.base.ops->commit(&g_os.base, addr, size);
}
strata_status Decommit(strata_backend *, void *addr, size_t size) {
  return g_os.base.ops->decommit(&g_os.base, addr, size);
}
strata_status Release(strata_backend *, void *addr, size_t size) {
  return g_os.base.ops->release(&g_os.base, addr, size);
}

// Allocates on a heap whose backend lets another thread in meanwhile.
void AllocateWhileAnotherThreadComesIn() {
  strata_mmap_backend_init(&g_os);
  static const strata_backend_ops ops = {ReserveAndIntrude, Commit, Decommit, Release, nullptr};
  static strata_backend backend;
  backend = g_os.base;
  backend.ops = &ops;
  strata_gc_options options = strata_gc_default_options();
  options.backend = &backend;
  g_heap = strata_gc_create(&options);
  g_armed = true;
  strata_gc_alloc(g_heap, 16, STRATA_GC_SCAN);
}

TEST(GcDebugDeathTest, TwoThreadsInOneHeapAtOnce) {
  EXPECT_DEATH(AllocateWhileAnotherThreadComesIn(),
               "strata: strata_gc_alloc\\(\\): GC heap used by two threads at once");
}

TEST(GcDebug, OneThreadAfterAnotherIsFine) {
  strata_gc_heap *heap = strata_gc_create(nullptr);
  ASSERT_NE(heap, nullptr);
  std::thread a([heap] { EXPECT_NE(strata_gc_alloc(heap, 10, STRATA_GC_SCAN), nullptr); });
  a.join();
  std::thread b([heap] { strata_gc_collect(heap); });
  b.join();
  EXPECT_NE(strata_gc_alloc(heap, 10, STRATA_GC_NOSCAN), nullptr);
  strata_gc_destroy(heap);
}

}  // namespace
