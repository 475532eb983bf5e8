// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The pool core alone (no malloc frontend linked): a pool needs the page
// heap it is given, and says so when given none.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "frontend/pool/strata_pool.h"
#include "pageheap/pageheap.h"
#include "tools/testing/fault_heap.h"

namespace {

TEST(PoolCore, WithoutAHeapThereIsNoDefault) {
  errno = 0;
  EXPECT_EQ(strata_pool_create(nullptr), nullptr);
  EXPECT_EQ(errno, EINVAL);
  strata_pool_options options = {nullptr, 0};
  errno = 0;
  EXPECT_EQ(strata_pool_create(&options), nullptr);
  EXPECT_EQ(errno, EINVAL);
}

TEST(PoolCore, OnTheHeapItIsGiven) {
  strata_testing::FaultHeap heap;
  heap.Init();
  strata_pool_options options = {heap.get(), 0};
  strata_pool *pool = strata_pool_create(&options);
  ASSERT_NE(pool, nullptr);
  auto *p = static_cast<char *>(strata_pool_alloc(pool, 100));
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, 100);
  EXPECT_NE(strata_pageheap_span_of(heap.get(), p), nullptr);  // its pages are this heap's
  strata_pool_destroy(pool);
  EXPECT_EQ(heap.Stats().in_use_bytes, 0u);
  heap.Destroy();
}

}  // namespace
