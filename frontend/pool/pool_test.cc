// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "frontend/pool/strata_pool.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "arena/backends.h"
#include "frontend/malloc/strata_malloc.h"
#include "pageheap/pageheap.h"
#include "tools/testing/fault_heap.h"

namespace {

size_t NaturalAlignment(size_t n) {
  size_t low = n & (~n + 1);
  return low == 0 || low > 16 ? 16 : low;
}

// A pool on a page heap of its own, so the tests can see every page.
class Pool : public ::testing::Test {
 protected:
  void SetUp() override {
    heap_.Init();
    strata_pool_options options = {heap_.get(), 0};
    pool_ = strata_pool_create(&options);
    ASSERT_NE(pool_, nullptr);
  }
  void TearDown() override {
    strata_pool_destroy(pool_);
    EXPECT_EQ(InUse(), 0u) << "destroy gave every page back";
    heap_.Destroy();
  }
  size_t InUse() { return heap_.Stats().in_use_bytes; }
  strata_pool_stats Stats(strata_pool *pool = nullptr) {
    strata_pool_stats stats;
    strata_pool_get_stats(pool ? pool : pool_, &stats);
    return stats;
  }
  strata_testing::FaultHeap heap_;
  strata_pool *pool_ = nullptr;
};

TEST_F(Pool, ObjectsAreAlignedDisjointAndKeepTheirContents) {
  struct Object {
    unsigned char *p;
    size_t size;
  };
  std::vector<Object> objects;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    size_t size = rng() % 8 == 0 ? 1 + rng() % 8192 : 1 + rng() % 200;
    auto *p = static_cast<unsigned char *>(strata_pool_alloc(pool_, size));
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % NaturalAlignment(size), 0u) << size;
    std::memset(p, static_cast<int>(i), size);
    objects.push_back({p, size});
  }
  std::map<uintptr_t, size_t> by_address;
  for (auto &o : objects) by_address[reinterpret_cast<uintptr_t>(o.p)] = o.size;
  uintptr_t end = 0;
  for (auto &[address, size] : by_address) {
    ASSERT_GE(address, end) << "objects overlap";
    end = address + size;
  }
  for (size_t i = 0; i < objects.size(); ++i) {
    for (size_t j = 0; j < objects[i].size; j += 17) {
      ASSERT_EQ(objects[i].p[j], static_cast<unsigned char>(i));
    }
  }
  EXPECT_GT(Stats().chunks, 10u);
  EXPECT_GE(Stats().held_bytes, Stats().requested_bytes);
}

TEST_F(Pool, AlignedAllocationAndBadAlignments) {
  for (size_t alignment = 1; alignment <= (size_t{1} << 16); alignment <<= 1) {
    void *p = strata_pool_alloc_aligned(pool_, 24, alignment);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u) << alignment;
  }
  for (size_t bad : {size_t{0}, size_t{3}, size_t{24}, size_t{1000}}) {
    errno = 0;
    EXPECT_EQ(strata_pool_alloc_aligned(pool_, 16, bad), nullptr);
    EXPECT_EQ(errno, EINVAL);
  }
  EXPECT_NE(strata_pool_alloc(pool_, 16), nullptr);  // still usable
}

TEST_F(Pool, ZeroSizesOverflowAndCopies) {
  void *a = strata_pool_alloc(pool_, 0);
  void *b = strata_pool_alloc(pool_, 0);
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a, b);
  errno = 0;
  EXPECT_EQ(strata_pool_calloc(pool_, SIZE_MAX / 2, 3), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(strata_pool_alloc(pool_, SIZE_MAX), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  auto *zeros = static_cast<unsigned char *>(strata_pool_calloc(pool_, 100, 7));
  for (int i = 0; i < 700; ++i) ASSERT_EQ(zeros[i], 0);
  EXPECT_STREQ(strata_pool_strdup(pool_, "request"), "request");
  EXPECT_STREQ(strata_pool_strndup(pool_, "request", 3), "req");
  EXPECT_STREQ(strata_pool_strndup(pool_, "ab", 10), "ab");
  const char bytes[] = {1, 2, 3, 0, 5};
  EXPECT_EQ(std::memcmp(strata_pool_memdup(pool_, bytes, 5), bytes, 5), 0);
  EXPECT_NE(strata_pool_memdup(pool_, bytes, 0), nullptr);
}

TEST_F(Pool, ResetKeepsOneChunkAndReusesIt) {
  void *first = strata_pool_alloc(pool_, 64);
  for (int i = 0; i < 5000; ++i) strata_pool_alloc(pool_, 100);
  strata_pool_alloc(pool_, 200000);  // a large object
  EXPECT_GT(Stats().chunks, 1u);
  EXPECT_EQ(Stats().large_objects, 1u);
  size_t peak = Stats().held_bytes;
  strata_pool_reset(pool_);
  EXPECT_EQ(Stats().chunks, 1u);
  EXPECT_EQ(Stats().large_objects, 0u);
  EXPECT_EQ(Stats().requested_bytes, 0u);
  EXPECT_EQ(Stats().held_bytes, size_t{64} << 10);
  EXPECT_EQ(Stats().peak_held_bytes, peak);
  EXPECT_EQ(InUse(), size_t{64} << 10);
  EXPECT_EQ(strata_pool_alloc(pool_, 64), first);  // the same memory again
}

std::vector<int> *g_order;
void Record(void *arg) { g_order->push_back(static_cast<int>(reinterpret_cast<intptr_t>(arg))); }

TEST_F(Pool, CleanupsRunOnceNewestFirst) {
  std::vector<int> order;
  g_order = &order;
  for (intptr_t i = 1; i <= 5; ++i) {
    ASSERT_EQ(strata_pool_cleanup(pool_, Record, reinterpret_cast<void *>(i)), 0);
  }
  strata_pool_reset(pool_);
  EXPECT_EQ(order, (std::vector<int>{5, 4, 3, 2, 1}));
  strata_pool_reset(pool_);
  EXPECT_EQ(order.size(), 5u) << "each cleanup runs once";
  ASSERT_EQ(strata_pool_cleanup(pool_, Record, reinterpret_cast<void *>(9)), 0);
  strata_pool *other = strata_pool_create(nullptr);
  ASSERT_EQ(strata_pool_cleanup(other, Record, reinterpret_cast<void *>(7)), 0);
  strata_pool_destroy(other);  // on malloc's shared page heap
  EXPECT_EQ(order.back(), 7);
  strata_pool_reset(pool_);
  EXPECT_EQ(order.back(), 9);
}

TEST_F(Pool, ChildrenGoWithTheirParent) {
  std::vector<int> order;
  g_order = &order;
  strata_pool *child = strata_pool_create_child(pool_);
  strata_pool *grandchild = strata_pool_create_child(child);
  strata_pool *early = strata_pool_create_child(pool_);
  ASSERT_TRUE(child && grandchild && early);
  strata_pool_cleanup(child, Record, reinterpret_cast<void *>(1));
  strata_pool_cleanup(grandchild, Record, reinterpret_cast<void *>(2));
  strata_pool_cleanup(early, Record, reinterpret_cast<void *>(3));
  for (int i = 0; i < 3000; ++i) strata_pool_alloc(grandchild, 100);
  strata_pool_destroy(early);  // on its own, before the parent
  EXPECT_EQ(order, (std::vector<int>{3}));
  strata_pool_reset(pool_);  // resets the children too
  EXPECT_EQ(order, (std::vector<int>{3, 1, 2}));
  EXPECT_EQ(Stats(grandchild).chunks, 1u);
  strata_pool_cleanup(grandchild, Record, reinterpret_cast<void *>(4));
  strata_pool_cleanup(child, Record, reinterpret_cast<void *>(5));
  size_t before = InUse();
  strata_pool_destroy(child);  // its own child goes with it, cleanups first
  EXPECT_EQ(order, (std::vector<int>{3, 1, 2, 5, 4}));
  EXPECT_EQ(InUse(), before - 2 * (size_t{64} << 10));
  strata_pool *last = strata_pool_create_child(pool_);
  strata_pool_alloc(last, 50000);
  // TearDown destroys the parent: `last` goes too, and every page.
}

TEST_F(Pool, LargeObjectsCanBeFreedEarly) {
  size_t before = Stats().held_bytes;
  void *big = strata_pool_alloc(pool_, 100000);
  void *small = strata_pool_alloc(pool_, 100);
  ASSERT_TRUE(big && small);
  EXPECT_EQ(Stats().large_objects, 1u);
  EXPECT_EQ(Stats().held_bytes, before + 13 * STRATA_PAGE_SIZE);
  EXPECT_EQ(strata_pool_free(pool_, big), 0);
  EXPECT_EQ(Stats().held_bytes, before);
  EXPECT_EQ(strata_pool_free(pool_, big), EINVAL);   // twice
  EXPECT_EQ(strata_pool_free(pool_, small), 0);      // stays until reset
  int on_stack = 0;
  EXPECT_EQ(strata_pool_free(pool_, &on_stack), EINVAL);
  EXPECT_EQ(strata_pool_free(pool_, nullptr), EINVAL);
}

TEST_F(Pool, RefusedMemoryIsAnErrorAndThePoolGoesOn) {
  for (uint64_t k = 1; k <= 3; ++k) {
    strata_fault_backend_set_budget(heap_.fault(), 0);
    errno = 0;
    void *p = nullptr;
    int tries = 0;
    // Allocate until a new chunk is needed: that allocation fails.
    while ((p = strata_pool_alloc(pool_, 1000)) != nullptr && ++tries < 1000) {
    }
    EXPECT_EQ(p, nullptr);
    EXPECT_EQ(errno, ENOMEM);
    EXPECT_EQ(strata_pool_alloc(pool_, 500000), nullptr);  // large: refused too
    strata_fault_backend_set_budget(heap_.fault(), SIZE_MAX);
    EXPECT_NE(strata_pool_alloc(pool_, 1000), nullptr);
    EXPECT_NE(strata_pool_alloc(pool_, 500000), nullptr);
    strata_pool_reset(pool_);
    // Freed chunks stay committed in the page heap and would be reused
    // without asking the backend: give them back so the next round must.
    strata_pageheap_release(heap_.get());
  }
}

TEST(PoolOnAStaticBuffer, RunsOutCleanlyWithoutTheOs) {
  std::vector<unsigned char> buffer(4u << 20);
  strata_static_backend sb;
  ASSERT_EQ(strata_static_backend_init(&sb, buffer.data(), buffer.size(), 4096), STRATA_OK);
  auto heap = std::make_unique<strata_pageheap>();
  strata_pageheap_config config = strata_pageheap_default_config();
  config.arena_size = 1u << 20;
  ASSERT_EQ(strata_pageheap_init(heap.get(), &sb.base, &config), STRATA_OK);
  strata_pool_options options = {heap.get(), 16 << 10};
  strata_pool *pool = strata_pool_create(&options);
  ASSERT_NE(pool, nullptr);
  uintptr_t lo = reinterpret_cast<uintptr_t>(buffer.data());
  uintptr_t hi = lo + buffer.size();
  size_t count = 0;
  void *p;
  while ((p = strata_pool_alloc(pool, 256)) != nullptr) {
    ASSERT_GE(reinterpret_cast<uintptr_t>(p), lo);
    ASSERT_LT(reinterpret_cast<uintptr_t>(p), hi);
    ++count;
  }
  EXPECT_EQ(errno, ENOMEM);
  EXPECT_GT(count, 8000u);  // most of 4 MiB
  strata_pool_reset(pool);
  EXPECT_NE(strata_pool_alloc(pool, 256), nullptr);
  strata_pool_destroy(pool);
  EXPECT_EQ(strata_pageheap_check(heap.get(), NULL), STRATA_OK);
  EXPECT_EQ(strata_pageheap_destroy(heap.get()), STRATA_OK);
}

TEST(PoolOnSharedHeap, SharesMallocsPageHeap) {
  strata_pool *pool = strata_pool_create(nullptr);
  ASSERT_NE(pool, nullptr);
  void *p = strata_pool_alloc(pool, 100);
  // The pool's chunk is a large span of malloc's page heap.
  strata_span *span = strata_pageheap_span_of(strata_malloc_page_heap(), p);
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(strata_span_state_of(span), STRATA_SPAN_LARGE);
  strata_pool_destroy(pool);
  EXPECT_EQ(strata_pageheap_span_of(strata_malloc_page_heap(), p), nullptr);
}

// The pool's memory given to malloc's free, realloc or malloc_usable_size
// is reported as the pool's and left alone: its pages look like a large
// malloc object (a span of the same page heap), and freeing them would
// hand them to malloc while the pool still uses them.
TEST(PoolOnSharedHeapDeathTest, MallocRefusesThePoolsMemory) {
  strata_pool *pool = strata_pool_create(nullptr);
  ASSERT_NE(pool, nullptr);
  void *large = strata_pool_alloc(pool, 100000);  // a span of its own
  void *small = strata_pool_alloc(pool, 100);     // inside a chunk
  ASSERT_NE(large, nullptr);
  const char *foreign = "not allocated by malloc: 0x[0-9a-f]+ belongs to a request pool";
  EXPECT_DEATH(strata_free(large), std::string("strata: free\\(\\): ") + foreign);
  EXPECT_DEATH(strata_free(pool), std::string("strata: free\\(\\): ") + foreign);  // the handle: its first chunk
  EXPECT_DEATH(strata_realloc(large, 10), std::string("strata: realloc\\(\\): ") + foreign);
  EXPECT_DEATH(strata_malloc_usable_size(large),
               std::string("strata: malloc_usable_size\\(\\): ") + foreign);
  EXPECT_DEATH(strata_free_sized(large, 100000), std::string("strata: free_sized\\(\\): ") + foreign);
  EXPECT_DEATH(strata_free(small), "strata: free\\(\\): invalid pointer 0x");
  // None of it was freed: the pool still owns and frees all of it.
  std::memset(large, 0x5a, 100000);
  EXPECT_EQ(strata_pool_free(pool, large), 0);
  strata_pool_destroy(pool);
  EXPECT_EQ(strata_malloc_check(), 0);
}

// And the other way round: a malloc object given to a pool's free is
// refused (EINVAL) and left intact.
TEST(PoolOnSharedHeap, APoolRefusesMallocsMemory) {
  strata_pool *pool = strata_pool_create(nullptr);
  ASSERT_NE(pool, nullptr);
  auto *large = static_cast<unsigned char *>(strata_malloc(100000));
  auto *small = static_cast<unsigned char *>(strata_malloc(64));
  std::memset(large, 7, 100000);
  std::memset(small, 8, 64);
  EXPECT_EQ(strata_pool_free(pool, large), EINVAL);
  EXPECT_EQ(strata_pool_free(pool, small), EINVAL);
  strata_pool_destroy(pool);
  EXPECT_EQ(large[99999], 7);
  EXPECT_EQ(small[63], 8);
  EXPECT_EQ(strata_malloc_usable_size(large), size_t{100000} + (STRATA_PAGE_SIZE - 100000 % STRATA_PAGE_SIZE));
  strata_free(large);
  strata_free(small);
  EXPECT_EQ(strata_malloc_check(), 0);
}

// Random operations against a model: no overlap, alignment, contents kept
// until reset, cleanups exactly once in order.
TEST_F(Pool, RandomOperationsMatchAModel) {
  struct Object {
    unsigned char *p;
    size_t size;
    unsigned char tag;
    bool large;
  };
  std::vector<Object> live;
  std::vector<int> ran, expected;
  g_order = &ran;
  std::vector<int> pending;
  std::mt19937_64 rng(77);
  int next_cleanup = 0;
  auto verify_all = [&] {
    for (auto &o : live) {
      for (size_t i = 0; i < o.size; i += 11) ASSERT_EQ(o.p[i], o.tag);
    }
  };
  for (int step = 0; step < 20000; ++step) {
    unsigned op = rng() % 1000;
    if (op < 900) {
      size_t size = rng() % 50 == 0 ? 16385 + rng() % 100000 : rng() % 2000;
      size_t alignment = rng() % 10 == 0 ? size_t{1} << (rng() % 13) : 0;
      auto *p = static_cast<unsigned char *>(alignment ? strata_pool_alloc_aligned(pool_, size, alignment)
                                                       : strata_pool_alloc(pool_, size));
      ASSERT_NE(p, nullptr);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % (alignment ? alignment : NaturalAlignment(size)), 0u);
      unsigned char tag = static_cast<unsigned char>(rng());
      std::memset(p, tag, size);
      live.push_back({p, size, tag, size > 16384});
    } else if (op < 950) {
      // Free a large object early, if there is one.
      for (size_t i = 0; i < live.size(); ++i) {
        if (live[i].large) {
          ASSERT_EQ(strata_pool_free(pool_, live[i].p), 0);
          live[i] = live.back();
          live.pop_back();
          break;
        }
      }
    } else if (op < 990) {
      ASSERT_EQ(strata_pool_cleanup(pool_, Record, reinterpret_cast<void *>(intptr_t{next_cleanup})), 0);
      pending.push_back(next_cleanup++);
    } else {
      verify_all();
      strata_pool_reset(pool_);
      expected.insert(expected.end(), pending.rbegin(), pending.rend());
      pending.clear();
      ASSERT_EQ(ran, expected);
      live.clear();
    }
    if (step % 500 == 0) verify_all();
  }
  std::map<uintptr_t, size_t> by_address;
  for (auto &o : live) by_address[reinterpret_cast<uintptr_t>(o.p)] = o.size;
  uintptr_t end = 0;
  for (auto &[address, size] : by_address) {
    ASSERT_GE(address, end);
    end = address + (size ? size : 1);
  }
  verify_all();
  strata_pool_reset(pool_);  // the last cleanups run here, while `ran` lives
  expected.insert(expected.end(), pending.rbegin(), pending.rend());
  EXPECT_EQ(ran, expected);
}

}  // namespace
