// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "metadata/metadata.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "arena/backends.h"
#include "base/constants.h"
#include "tools/testing/lock_watch_backend.h"

namespace {

class Metadata : public ::testing::Test {
 protected:
  void SetUp() override {
    strata_mmap_backend_init(&mmap_);
    strata_fault_backend_init(&fault_, &mmap_.base);
    strata_persistent_init(&persistent_, &fault_.base);
  }
  void TearDown() override {
    EXPECT_EQ(strata_persistent_release_all(&persistent_), STRATA_OK);
    EXPECT_EQ(fault_.calls[STRATA_BACKEND_RESERVE], fault_.calls[STRATA_BACKEND_RELEASE] +
                                                        fault_.refusals[STRATA_BACKEND_RESERVE]);
  }
  strata_mmap_backend mmap_;
  strata_fault_backend fault_;
  strata_persistent persistent_;
};

TEST_F(Metadata, PersistentHandsOutAlignedZeroedDisjointMemory) {
  std::vector<std::pair<uintptr_t, size_t>> blocks;
  for (size_t i = 1; i < 2000; ++i) {
    size_t size = (i * 37) % 700 + 1;
    size_t alignment = size_t{1} << (i % 8);
    auto *p = static_cast<unsigned char *>(strata_persistent_alloc(&persistent_, size, alignment));
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u);
    for (size_t j = 0; j < size; ++j) ASSERT_EQ(p[j], 0);
    std::memset(p, 0xEE, size);
    blocks.emplace_back(reinterpret_cast<uintptr_t>(p), size);
  }
  std::sort(blocks.begin(), blocks.end());
  for (size_t i = 1; i < blocks.size(); ++i) {
    ASSERT_LE(blocks[i - 1].first + blocks[i - 1].second, blocks[i].first);
  }
  EXPECT_GT(persistent_.mapped_bytes, STRATA_PERSISTENT_MIN_CHUNK);  // needed several chunks
  EXPECT_LE(persistent_.used_bytes, persistent_.mapped_bytes);
}

TEST_F(Metadata, PersistentServesRequestsLargerThanAChunk) {
  size_t big = 3 * STRATA_PERSISTENT_MIN_CHUNK + 123;
  auto *p = static_cast<unsigned char *>(strata_persistent_alloc(&persistent_, big, 16));
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, big);
  EXPECT_GE(persistent_.mapped_bytes, big);
}

TEST_F(Metadata, PersistentRejectsBadArguments) {
  EXPECT_EQ(strata_persistent_alloc(&persistent_, 0, 16), nullptr);
  EXPECT_EQ(strata_persistent_alloc(&persistent_, 16, 3), nullptr);
  EXPECT_EQ(strata_persistent_alloc(&persistent_, 16, 0), nullptr);
  EXPECT_EQ(strata_persistent_alloc(&persistent_, 16, mmap_.base.page_size * 2), nullptr);
  EXPECT_EQ(strata_persistent_alloc(&persistent_, SIZE_MAX - 8, 16), nullptr);
}

TEST_F(Metadata, PersistentSurvivesRefusalAndRecovers) {
  ASSERT_NE(strata_persistent_alloc(&persistent_, 64, 16), nullptr);
  size_t mapped = persistent_.mapped_bytes;
  strata_fault_backend_refuse_nth(&fault_, 1);  // the next reserve
  EXPECT_EQ(strata_persistent_alloc(&persistent_, STRATA_PERSISTENT_MIN_CHUNK, 16), nullptr);
  EXPECT_EQ(persistent_.mapped_bytes, mapped);
  strata_fault_backend_refuse_nth(&fault_, 2);  // the commit after the reserve
  EXPECT_EQ(strata_persistent_alloc(&persistent_, STRATA_PERSISTENT_MIN_CHUNK, 16), nullptr);
  EXPECT_EQ(persistent_.mapped_bytes, mapped);
  // The refused commit's reservation went back.
  EXPECT_EQ(fault_.calls[STRATA_BACKEND_RELEASE], 1u);
  // Small requests still fit in the existing chunk, and growth works again.
  EXPECT_NE(strata_persistent_alloc(&persistent_, 64, 16), nullptr);
  EXPECT_NE(strata_persistent_alloc(&persistent_, STRATA_PERSISTENT_MIN_CHUNK, 16), nullptr);
}

TEST_F(Metadata, FixallocRecyclesObjects) {
  strata_fixalloc f;
  strata_fixalloc_init(&f, &persistent_, 200);
  EXPECT_EQ(f.object_size, 208u);
  std::vector<void *> objects;
  std::set<void *> distinct;
  for (int i = 0; i < 1000; ++i) {
    void *o = strata_fixalloc_alloc(&f);
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(o) % 16, 0u);
    std::memset(o, 0x5A, f.object_size);
    objects.push_back(o);
    distinct.insert(o);
  }
  EXPECT_EQ(distinct.size(), 1000u);
  EXPECT_EQ(f.in_use, 1000u);
  for (int i = 0; i < 500; ++i) strata_fixalloc_free(&f, objects[i]);
  EXPECT_EQ(f.in_use, 500u);
  for (int i = 0; i < 500; ++i) {
    auto *o = static_cast<unsigned char *>(strata_fixalloc_alloc(&f));
    ASSERT_TRUE(distinct.count(o)) << "a recycled object comes from the free list";
    for (size_t j = 0; j < f.object_size; ++j) ASSERT_EQ(o[j], 0) << "recycled objects are zeroed";
  }
  EXPECT_EQ(f.total, 1000u);
  EXPECT_EQ(f.in_use, 1000u);
}

TEST_F(Metadata, FixallocReportsExhaustion) {
  strata_fixalloc f;
  strata_fixalloc_init(&f, &persistent_, 4096);
  strata_fault_backend_set_budget(&fault_, 0);
  EXPECT_EQ(strata_fixalloc_alloc(&f), nullptr);
  EXPECT_EQ(f.in_use, 0u);
  strata_fault_backend_set_budget(&fault_, SIZE_MAX);
  EXPECT_NE(strata_fixalloc_alloc(&f), nullptr);
}

// Batches of requests of any size and alignment: once prepared, a batch is
// served without a backend call, and the prepare made its chunk with the
// lock dropped.
TEST(MetadataPrepare, APreparedBatchCallsNoBackendAndTheChunkIsMadeUnlocked) {
  strata_mmap_backend mmap;
  strata_mmap_backend_init(&mmap);
  strata_testing::LockWatchBackend watch;
  strata_testing::WatchLocks(&watch, &mmap.base);
  strata_persistent p;
  strata_persistent_init(&p, &watch.base);
  strata_lock lock = STRATA_LOCK_INIT;
  watch.watched = &lock;
  std::mt19937_64 rng(3);
  size_t prepares_that_grew = 0;
  for (int batch = 0; batch < 300; ++batch) {
    std::vector<std::pair<size_t, size_t>> requests;  // size, alignment
    size_t bytes = 0;
    for (int i = 0; i < 1 + static_cast<int>(rng() % 12); ++i) {
      size_t size = batch % 50 == 0 ? 40000 + rng() % 90000 : 1 + rng() % 3000;
      size_t alignment = size_t{1} << (rng() % 7);
      requests.emplace_back(size, alignment);
      bytes += strata_persistent_bytes_for(1, size, alignment);
    }
    strata_lock_acquire(&lock);
    size_t calls_before = watch.calls;
    ASSERT_EQ(strata_persistent_prepare(&p, bytes, &lock), STRATA_OK);
    ASSERT_NE(strata_atomic_load(&lock.state, STRATA_ORDER_RELAXED), 0) << "held again";
    if (watch.calls != calls_before) prepares_that_grew++;
    EXPECT_TRUE(strata_persistent_ready(&p, bytes));
    calls_before = watch.calls;
    for (auto [size, alignment] : requests) {
      void *o = strata_persistent_alloc(&p, size, alignment);
      ASSERT_NE(o, nullptr);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(o) % alignment, 0u);
      std::memset(o, 0xA5, size);
    }
    EXPECT_EQ(watch.calls, calls_before) << "batch " << batch << " called the backend";
    strata_lock_release(&lock);
  }
  EXPECT_GE(prepares_that_grew, 10u);
  EXPECT_EQ(watch.calls_under_lock, 0u);
  EXPECT_EQ(p.unprepared_chunks, 0u);
  watch.watched = nullptr;
  EXPECT_EQ(strata_persistent_release_all(&p), STRATA_OK);
}

// Reaching for a spare when another holder made one while the lock was
// dropped: both chunks are kept (the older is cut from first), counted,
// and given back.
struct RacingPrepare {
  strata_testing::LockWatchBackend watch;
  strata_persistent *p = nullptr;
  strata_lock *lock = nullptr;
  bool raced = false;
};

TEST(MetadataPrepare, TwoSparesMadeAtOnceAreBothKept) {
  strata_mmap_backend mmap;
  strata_mmap_backend_init(&mmap);
  static RacingPrepare race;
  strata_testing::WatchLocks(&race.watch, &mmap.base);
  static strata_backend_ops ops = strata_testing::kWatchedOps;
  ops.reserve = [](strata_backend *self, size_t size, size_t alignment, void **out) {
    if (!race.raced) {
      // Another holder prepares while this one's reserve is under way.
      race.raced = true;
      strata_lock_acquire(race.lock);
      strata_status status = strata_persistent_prepare(race.p, 1000, race.lock);
      strata_lock_release(race.lock);
      if (status != STRATA_OK) return status;
    }
    return strata_testing::WatchedReserve(self, size, alignment, out);
  };
  race.watch.base.ops = &ops;
  strata_persistent p;
  strata_persistent_init(&p, &race.watch.base);
  strata_lock lock = STRATA_LOCK_INIT;
  race.p = &p;
  race.lock = &lock;
  strata_lock_acquire(&lock);
  ASSERT_EQ(strata_persistent_prepare(&p, 5000, &lock), STRATA_OK);
  EXPECT_TRUE(race.raced);
  EXPECT_EQ(p.mapped_bytes, 2 * STRATA_PERSISTENT_MIN_CHUNK);
  // Both chunks serve allocations without the backend: the first one's
  // room and then the spare's.
  size_t calls = race.watch.calls;
  for (int i = 0; i < 100; ++i) ASSERT_NE(strata_persistent_alloc(&p, 1000, 16), nullptr);
  EXPECT_EQ(race.watch.calls, calls);
  EXPECT_EQ(p.unprepared_chunks, 0u);
  strata_lock_release(&lock);
  EXPECT_EQ(strata_persistent_release_all(&p), STRATA_OK);
  EXPECT_EQ(race.watch.calls, calls + 2) << "both chunks went back";
}

// A backend that refuses during a prepare: the error, the lock held again,
// nothing changed; the next prepare succeeds.
TEST_F(Metadata, PrepareReportsRefusalAndChangesNothing) {
  strata_lock lock = STRATA_LOCK_INIT;
  strata_lock_acquire(&lock);
  strata_fault_backend_refuse_nth(&fault_, 1);
  EXPECT_EQ(strata_persistent_prepare(&persistent_, 100, &lock), STRATA_ERR_OUT_OF_MEMORY);
  EXPECT_NE(strata_atomic_load(&lock.state, STRATA_ORDER_RELAXED), 0);
  EXPECT_EQ(persistent_.mapped_bytes, 0u);
  EXPECT_FALSE(strata_persistent_ready(&persistent_, 100));
  strata_fault_backend_refuse_nth(&fault_, 2);  // the commit
  EXPECT_EQ(strata_persistent_prepare(&persistent_, 100, &lock), STRATA_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(persistent_.mapped_bytes, 0u);
  EXPECT_EQ(strata_persistent_prepare(&persistent_, 100, &lock), STRATA_OK);
  EXPECT_TRUE(strata_persistent_ready(&persistent_, 100));
  strata_lock_release(&lock);
}

// A fixalloc's prepare asks nothing while its free list holds the objects,
// and the whole objects (aligned) otherwise.
TEST_F(Metadata, FixallocAsksForWhatItsFreeListLacks) {
  strata_fixalloc f;
  strata_fixalloc_init(&f, &persistent_, 4 * STRATA_CACHE_LINE);
  EXPECT_EQ(strata_fixalloc_bytes_for(&f, 3), 3 * (4 * STRATA_CACHE_LINE + STRATA_CACHE_LINE - 1));
  void *a = strata_fixalloc_alloc(&f), *b = strata_fixalloc_alloc(&f);
  strata_fixalloc_free(&f, a);
  strata_fixalloc_free(&f, b);
  EXPECT_EQ(strata_fixalloc_bytes_for(&f, 2), 0u);
  EXPECT_NE(strata_fixalloc_bytes_for(&f, 3), 0u);
}

TEST(MetadataStatic, RunsOnAStaticBufferWithoutTheOs) {
  alignas(4096) static unsigned char buffer[256 << 10];
  strata_static_backend sb;
  ASSERT_EQ(strata_static_backend_init(&sb, buffer, sizeof buffer, 4096), STRATA_OK);
  std::memset(buffer, 0xFF, sizeof buffer);  // a static buffer need not be zero
  strata_persistent p;
  strata_persistent_init(&p, &sb.base);
  int count = 0;
  void *o;
  while ((o = strata_persistent_alloc(&p, 1000, 8)) != nullptr) {
    auto *bytes = static_cast<unsigned char *>(o);
    ASSERT_EQ(bytes[0], 0);
    ASSERT_EQ(bytes[999], 0);
    ++count;
  }
  EXPECT_EQ(count, 4 * 65);  // four 64 KiB chunks of 65 objects each
  EXPECT_EQ(strata_persistent_release_all(&p), STRATA_OK);
  EXPECT_EQ(strata_static_backend_free_bytes(&sb), sizeof buffer);
}

}  // namespace

namespace {

// Objects a whole number of cache lines long start on a line (the span
// descriptors' layout relies on it); others keep 16-byte alignment.
TEST(FixallocAlignment, WholeLineObjectsStartOnALine) {
  strata_mmap_backend backend;
  strata_mmap_backend_init(&backend);
  strata_persistent source;
  strata_persistent_init(&source, &backend.base);
  strata_fixalloc lines, small;
  strata_fixalloc_init(&lines, &source, 4 * STRATA_CACHE_LINE);
  strata_fixalloc_init(&small, &source, 24);
  for (int i = 0; i < 100; i++) {
    void *a = strata_fixalloc_alloc(&lines);
    void *b = strata_fixalloc_alloc(&small);  // between them: shifts the bump pointer
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % STRATA_CACHE_LINE, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 16, 0u);
  }
  ASSERT_EQ(strata_persistent_release_all(&source), STRATA_OK);
}

}  // namespace
