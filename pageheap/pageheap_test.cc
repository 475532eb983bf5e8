// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "pageheap/pageheap.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <sys/mman.h>
#include <unistd.h>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "arena/backends.h"
#include "base/check_testing.h"
#include "tools/testing/lock_watch_backend.h"
#include "tools/testing/resident.h"

namespace {

constexpr size_t kPage = STRATA_PAGE_SIZE;

strata_span_class Class(size_t bytes) {
  return strata_span_class_make(strata_size_to_class(bytes), STRATA_KIND_SCAN);
}

// A page heap over a fault wrapper over mmap, with a settable clock.
class PageHeap : public ::testing::Test {
 protected:
  static uint64_t FakeClock() { return now_ns; }

  void SetUp() override { Init(strata_pageheap_default_config()); }
  void Init(strata_pageheap_config config) {
    if (ph_) {
      ASSERT_EQ(strata_pageheap_destroy(ph_.get()), STRATA_OK);
    }
    strata_mmap_backend_init(&mmap_);
    strata_fault_backend_init(&fault_, &mmap_.base);
    config.clock = FakeClock;
    now_ns = 1000;
    ph_ = std::make_unique<strata_pageheap>();
    ASSERT_EQ(strata_pageheap_init(ph_.get(), &fault_.base, &config), STRATA_OK);
  }
  void TearDown() override {
    if (ph_) {
      EXPECT_EQ(strata_pageheap_destroy(ph_.get()), STRATA_OK);
    }
  }
  strata_pageheap_stats Stats() {
    strata_pageheap_stats s;
    strata_pageheap_get_stats(ph_.get(), &s);
    return s;
  }
  void ExpectStatsAddUp() {
    strata_pageheap_stats s = Stats();
    EXPECT_EQ(s.mapped_bytes, s.in_use_bytes + s.free_committed_bytes + s.released_bytes);
    EXPECT_EQ(s.committed_bytes, s.in_use_bytes + s.free_committed_bytes);
  }

  static uint64_t now_ns;
  strata_mmap_backend mmap_;
  strata_fault_backend fault_;
  std::unique_ptr<strata_pageheap> ph_;
};

uint64_t PageHeap::now_ns = 0;

TEST_F(PageHeap, SmallSpansOfEveryClassAreMappedAndUsable) {
  std::vector<strata_span *> spans;
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; ++c) {
    strata_span *s = strata_pageheap_alloc_small(ph_.get(), strata_span_class_make(c, STRATA_KIND_NOSCAN));
    ASSERT_NE(s, nullptr) << "class " << c;
    EXPECT_EQ(strata_span_state_of(s), STRATA_SPAN_SMALL);
    EXPECT_EQ(s->pages, strata_size_class_span_pages(c));
    EXPECT_EQ(s->base % kPage, 0u);
    EXPECT_EQ(strata_span_class_kind(s->span_class), STRATA_KIND_NOSCAN);
    void *object = strata_span_alloc(s);
    ASSERT_NE(object, nullptr);
    std::memset(object, 0x11, s->object_size);
    for (uintptr_t a = s->base; a < strata_span_end(s); a += 999) {
      ASSERT_EQ(strata_pageheap_span_of(ph_.get(), reinterpret_cast<void *>(a)), s);
    }
    spans.push_back(s);
  }
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
  for (strata_span *s : spans) EXPECT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
  EXPECT_EQ(Stats().in_use_bytes, 0u);
  EXPECT_EQ(Stats().free_runs, 1u);  // everything coalesced back into one run
  ExpectStatsAddUp();
}

TEST_F(PageHeap, LargeRunsFromOnePageToLargerThanAnArena) {
  for (size_t pages : {size_t{1}, size_t{4}, size_t{64}, size_t{1024}, size_t{10000}}) {
    strata_span *s = strata_pageheap_alloc_large(ph_.get(), pages);
    ASSERT_NE(s, nullptr) << pages;
    EXPECT_EQ(strata_span_state_of(s), STRATA_SPAN_LARGE);
    EXPECT_EQ(s->pages, pages);
    auto *bytes = reinterpret_cast<unsigned char *>(s->base);
    bytes[0] = 1;
    bytes[pages * kPage - 1] = 2;
    EXPECT_EQ(strata_pageheap_span_of(ph_.get(), bytes + pages * kPage - 1), s);
    EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
    EXPECT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
  }
  EXPECT_GE(Stats().mapped_bytes, 10000 * kPage);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

TEST_F(PageHeap, AlignedLargeRunsLeaveTheSkippedPagesFree) {
  ASSERT_NE(strata_pageheap_alloc_large(ph_.get(), 3), nullptr);  // unalign the front
  for (size_t alignment = kPage; alignment <= (size_t{4} << 20); alignment <<= 1) {
    strata_span *s = strata_pageheap_alloc_large_aligned(ph_.get(), 5, alignment);
    ASSERT_NE(s, nullptr) << alignment;
    EXPECT_EQ(s->base % alignment, 0u) << alignment;
    EXPECT_EQ(s->pages, 5u);
    std::memset(reinterpret_cast<void *>(s->base), 9, 5 * kPage);
    ASSERT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK) << alignment;
  }
  // The skipped pages are still usable: 1-page runs fill them.
  size_t in_use = Stats().in_use_bytes;
  for (int i = 0; i < 20; ++i) ASSERT_NE(strata_pageheap_alloc_large(ph_.get(), 1), nullptr);
  EXPECT_EQ(Stats().in_use_bytes, in_use + 20 * kPage);
  EXPECT_EQ(strata_pageheap_alloc_large_aligned(ph_.get(), 1, 3 * kPage), nullptr);
  EXPECT_EQ(strata_pageheap_alloc_large_aligned(ph_.get(), 1, 0), nullptr);
  EXPECT_EQ(strata_pageheap_alloc_large_aligned(ph_.get(), SIZE_MAX >> 14, size_t{1} << 40), nullptr);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

TEST_F(PageHeap, SaysWhetherMemoryIsZeroed) {
  strata_span *s = strata_pageheap_alloc_large(ph_.get(), 8);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->zeroed);  // fresh pages from mmap
  uintptr_t base = s->base;
  std::memset(reinterpret_cast<void *>(base), 0xCC, 8 * kPage);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
  s = strata_pageheap_alloc_large(ph_.get(), 8);
  ASSERT_EQ(s->base, base);
  EXPECT_FALSE(s->zeroed);  // reused while still committed: dirty
  ASSERT_EQ(strata_pageheap_free_and_release(ph_.get(), s), STRATA_OK);
  EXPECT_EQ(Stats().free_committed_bytes, 0u);  // released at once
  s = strata_pageheap_alloc_large(ph_.get(), 8);
  ASSERT_EQ(s->base, base);
  EXPECT_TRUE(s->zeroed);
  EXPECT_EQ(*reinterpret_cast<unsigned char *>(base), 0);
  strata_span *small = strata_pageheap_alloc_small(ph_.get(), Class(32));
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(strata_span_state_of(small), STRATA_SPAN_SMALL);  // init keeps the flag consistent
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

TEST_F(PageHeap, CheckNamesTheBrokenInvariantOnce) {
  strata_span *s = strata_pageheap_alloc_small(ph_.get(), Class(64));
  ASSERT_NE(s, nullptr);
  {
    strata_testing::Heard heard;
    ph_->committed_pages++;
    EXPECT_EQ(strata_pageheap_check(ph_.get(), &heard.reporter), STRATA_ERR_CORRUPT);
    ph_->committed_pages--;
    EXPECT_EQ(heard.Only(), "page heap: committed counter differs from the committed bits");
  }
  {
    // A span's own invariant is named by the span, and only once.
    strata_testing::Heard heard;
    s->allocated++;
    EXPECT_EQ(strata_pageheap_check(ph_.get(), &heard.reporter), STRATA_ERR_CORRUPT);
    s->allocated--;
    EXPECT_EQ(heard.Only(), "span: allocated count differs from the bitmap");
  }
  strata_testing::Heard heard;
  EXPECT_EQ(strata_pageheap_check(ph_.get(), &heard.reporter), STRATA_OK);
  EXPECT_TRUE(heard.invariants.empty());
  ASSERT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
}

TEST_F(PageHeap, PeaksAreRemembered) {
  strata_span *a = strata_pageheap_alloc_large(ph_.get(), 100);
  strata_span *b = strata_pageheap_alloc_large(ph_.get(), 50);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), a), STRATA_OK);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), b), STRATA_OK);
  strata_pageheap_release(ph_.get());
  strata_pageheap_stats stats = Stats();
  EXPECT_EQ(stats.in_use_bytes, 0u);
  EXPECT_EQ(stats.peak_in_use_bytes, 150 * kPage);
  EXPECT_GE(stats.peak_committed_bytes, 150 * kPage);
}

TEST_F(PageHeap, LargeSpansGrowAndShrinkInPlace) {
  strata_span *s = strata_pageheap_alloc_large(ph_.get(), 4);
  ASSERT_NE(s, nullptr);
  uintptr_t base = s->base;
  std::memset(reinterpret_cast<void *>(base), 7, 4 * kPage);
  ASSERT_EQ(strata_pageheap_resize_large(ph_.get(), s, 100), STRATA_OK);  // the rest is free
  EXPECT_EQ(s->base, base);
  EXPECT_EQ(s->pages, 100u);
  EXPECT_EQ(s->object_size, 100 * kPage);
  EXPECT_EQ(*reinterpret_cast<unsigned char *>(base + 4 * kPage - 1), 7);
  std::memset(reinterpret_cast<void *>(base), 8, 100 * kPage);  // committed
  EXPECT_EQ(strata_pageheap_span_of(ph_.get(), reinterpret_cast<void *>(base + 99 * kPage)), s);
  EXPECT_EQ(Stats().in_use_bytes, 100 * kPage);
  ASSERT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
  ASSERT_EQ(strata_pageheap_resize_large(ph_.get(), s, 10), STRATA_OK);
  EXPECT_EQ(Stats().in_use_bytes, 10 * kPage);
  EXPECT_EQ(strata_pageheap_span_of(ph_.get(), reinterpret_cast<void *>(base + 50 * kPage)), nullptr);
  ASSERT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
  // Blocked by an in-use neighbour: nothing changes.
  strata_span *neighbour = strata_pageheap_alloc_large(ph_.get(), 1);
  ASSERT_EQ(neighbour->base, strata_span_end(s));
  EXPECT_EQ(strata_pageheap_resize_large(ph_.get(), s, 11), STRATA_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(s->pages, 10u);
  EXPECT_EQ(strata_pageheap_resize_large(ph_.get(), neighbour, 0), STRATA_ERR_INVALID_ARGUMENT);
  strata_span *small = strata_pageheap_alloc_small(ph_.get(), Class(64));
  EXPECT_EQ(strata_pageheap_resize_large(ph_.get(), small, 3), STRATA_ERR_NOT_OWNED);  // not large
  ASSERT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

TEST_F(PageHeap, RejectsImpossibleRequests) {
  EXPECT_EQ(strata_pageheap_alloc_large(ph_.get(), 0), nullptr);
  EXPECT_EQ(strata_pageheap_alloc_large(ph_.get(), SIZE_MAX), nullptr);
  EXPECT_EQ(strata_pageheap_alloc_large(ph_.get(), SIZE_MAX >> STRATA_PAGE_SHIFT), nullptr);
  EXPECT_EQ(strata_pageheap_alloc_small(ph_.get(), 0), nullptr);
  EXPECT_EQ(strata_pageheap_alloc_small(ph_.get(), strata_span_class_make(STRATA_SIZE_CLASS_COUNT, STRATA_KIND_SCAN)), nullptr);
  // 2^40 pages is 8 PiB: more than the address space.
  EXPECT_EQ(strata_pageheap_alloc_large(ph_.get(), size_t{1} << 40), nullptr);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
  EXPECT_NE(strata_pageheap_alloc_large(ph_.get(), 1), nullptr);
}

TEST_F(PageHeap, FreedNeighboursCoalesce) {
  strata_span *a = strata_pageheap_alloc_large(ph_.get(), 3);
  strata_span *b = strata_pageheap_alloc_large(ph_.get(), 5);
  strata_span *c = strata_pageheap_alloc_large(ph_.get(), 7);
  ASSERT_TRUE(a && b && c);
  // Lowest address first: the three runs sit in a row.
  EXPECT_EQ(strata_span_end(a), b->base);
  EXPECT_EQ(strata_span_end(b), c->base);
  uintptr_t a_base = a->base;
  size_t runs_before = Stats().free_runs;
  ASSERT_EQ(strata_pageheap_free(ph_.get(), a), STRATA_OK);
  EXPECT_EQ(Stats().free_runs, runs_before + 1);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), c), STRATA_OK);  // merges with the tail
  EXPECT_EQ(Stats().free_runs, runs_before + 1);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), b), STRATA_OK);  // joins both sides
  EXPECT_EQ(Stats().free_runs, runs_before);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
  // The merged space is reused from its lowest address.
  strata_span *d = strata_pageheap_alloc_large(ph_.get(), 15);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->base, a_base);
}

TEST_F(PageHeap, BestFitPrefersTheSmallestRunThatFits) {
  // Make holes of 8 and 3 pages, separated by in-use runs.
  strata_span *hole8 = strata_pageheap_alloc_large(ph_.get(), 8);
  strata_span *keep1 = strata_pageheap_alloc_large(ph_.get(), 1);
  strata_span *hole3 = strata_pageheap_alloc_large(ph_.get(), 3);
  strata_span *keep2 = strata_pageheap_alloc_large(ph_.get(), 1);
  ASSERT_TRUE(hole8 && keep1 && hole3 && keep2);
  uintptr_t base8 = hole8->base, base3 = hole3->base;
  ASSERT_EQ(strata_pageheap_free(ph_.get(), hole8), STRATA_OK);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), hole3), STRATA_OK);
  strata_span *two = strata_pageheap_alloc_large(ph_.get(), 2);
  EXPECT_EQ(two->base, base3);
  strata_span *six = strata_pageheap_alloc_large(ph_.get(), 6);
  EXPECT_EQ(six->base, base8);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

TEST_F(PageHeap, SpanOfAnswersNullForAnythingNotInUse) {
  strata_span *s = strata_pageheap_alloc_large(ph_.get(), 4);
  ASSERT_NE(s, nullptr);
  int on_stack = 0;
  auto on_heap = std::make_unique<int>(0);
  EXPECT_EQ(strata_pageheap_span_of(ph_.get(), &on_stack), nullptr);
  EXPECT_EQ(strata_pageheap_span_of(ph_.get(), on_heap.get()), nullptr);
  EXPECT_EQ(strata_pageheap_span_of(ph_.get(), nullptr), nullptr);
  EXPECT_EQ(strata_pageheap_span_of(ph_.get(), reinterpret_cast<void *>(UINTPTR_MAX)), nullptr);
  EXPECT_EQ(strata_pageheap_span_of(ph_.get(), reinterpret_cast<void *>(uintptr_t{1} << 60)), nullptr);
  // Free pages after the run, inside the arena.
  EXPECT_EQ(strata_pageheap_span_of(ph_.get(), reinterpret_cast<void *>(strata_span_end(s))), nullptr);
  uintptr_t inside = s->base + kPage + 17;
  EXPECT_EQ(strata_pageheap_span_of(ph_.get(), reinterpret_cast<void *>(inside)), s);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
  EXPECT_EQ(strata_pageheap_span_of(ph_.get(), reinterpret_cast<void *>(inside)), nullptr);
}

// The page map's nodes cost resident memory only where the heap is: its
// middle nodes and leaves are never cleared by hand (the backend's memory
// reads as zero), so a leaf covering 32 MiB of address space is resident
// only in the pages whose entries and committed bits the heap has used.
// Bound: one OS page per middle node (the entries first touched), two per
// leaf (its span entries and its committed bits are apart), one pointer
// per heap page in use, and one more OS page per node whose used entries
// straddle a page boundary (nodes are 64-byte aligned, so where their
// pages begin varies from run to run: a middle node's two adjacent leaf
// pointers and a leaf's span entries did both straddle in about one run
// in 80, which one page for all of them did not cover). Clearing the
// nodes by hand, or reading them to see
// whether they need it (on kernels without a shared zero page), makes
// them wholly resident: 97 KiB here.
TEST_F(PageHeap, PageMapIsResidentOnlyWhereTheHeapIs) {
  const size_t os_page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<strata_span *> spans;
  for (int i = 0; i < 512; i++) {  // 4 MiB of one-page spans
    strata_span *s = strata_pageheap_alloc_small(ph_.get(), Class(16));
    ASSERT_NE(s, nullptr);
    spans.push_back(s);
  }
  size_t mids = 0, leaves = 0, node_bytes = 0, resident = 0;
  const strata_pagemap *map = &ph_->pagemap;
  for (const auto &root_entry : map->root) {
    const strata_pagemap_mid *mid = root_entry.value;
    if (mid == nullptr) continue;
    mids++;
    node_bytes += sizeof *mid;
    resident += strata_testing::ResidentBytes(mid, sizeof *mid);
    for (const auto &mid_entry : mid->leaves) {
      const strata_pagemap_leaf *leaf = mid_entry.value;
      if (leaf == nullptr) continue;
      leaves++;
      node_bytes += sizeof *leaf;
      resident += strata_testing::ResidentBytes(leaf, sizeof *leaf);
    }
  }
  ASSERT_GE(mids, 1u);
  ASSERT_GE(leaves, 1u);
  size_t bound = (2 * mids + 3 * leaves) * os_page + spans.size() * sizeof(void *);
  EXPECT_LE(resident, bound) << mids + leaves << " nodes of " << node_bytes << " bytes";
  for (strata_span *s : spans) ASSERT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
}

// A heap in storage that reads as zero (static storage, fresh OS memory)
// is set up by strata_pageheap_init_zeroed without reading it: of its
// 65 KiB (the page map's root, the arena index) only the pages the heap
// uses become resident — the header, the arena list, the root entry and
// the index slot of its one arena (4 pages measured), at most one more
// where a field straddles a page. Plain
// init clears the struct by reading it, which makes every page resident
// (on kernels with a shared zero page, mincore counts those too), so this
// tells the two apart on any kernel.
TEST(PageHeapZeroedStorage, InitReadsNothingAndTheHeapWorks) {
  const size_t os_page = strata_testing::OsPageSize();
  const size_t bytes = (sizeof(strata_pageheap) + os_page - 1) / os_page * os_page;
  const size_t struct_pages = bytes / os_page;
  ASSERT_GE(struct_pages, 8u);
  strata_mmap_backend mmap_backend;
  strata_mmap_backend_init(&mmap_backend);
  for (bool zeroed : {true, false}) {
    void *storage = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(storage, MAP_FAILED);
    auto *ph = static_cast<strata_pageheap *>(storage);
    ASSERT_EQ(zeroed ? strata_pageheap_init_zeroed(ph, &mmap_backend.base, nullptr)
                     : strata_pageheap_init(ph, &mmap_backend.base, nullptr),
              STRATA_OK);
    strata_span *span = strata_pageheap_alloc_small(ph, Class(64));
    ASSERT_NE(span, nullptr);
    EXPECT_EQ(strata_pageheap_span_of(ph, reinterpret_cast<void *>(span->base)), span);
    strata_span *large = strata_pageheap_alloc_large(ph, 40);
    ASSERT_NE(large, nullptr);
    EXPECT_TRUE(strata_arena_contains(&ph->arenas, reinterpret_cast<void *>(large->base)));
    size_t resident = strata_testing::ResidentPages(storage, bytes);
    ASSERT_NE(resident, SIZE_MAX);
    if (zeroed) {
      EXPECT_LE(resident, 5u) << "of " << struct_pages << " pages";
    } else {
      EXPECT_EQ(resident, struct_pages);
    }
    ASSERT_EQ(strata_pageheap_free(ph, span), STRATA_OK);
    ASSERT_EQ(strata_pageheap_free(ph, large), STRATA_OK);
    EXPECT_EQ(strata_pageheap_check(ph, nullptr), STRATA_OK);
    ASSERT_EQ(strata_pageheap_destroy(ph), STRATA_OK);
    ASSERT_EQ(munmap(storage, bytes), 0);
  }
}

TEST_F(PageHeap, FreeOfASpanItDoesNotOwnChangesNothing) {
  strata_span *s = strata_pageheap_alloc_large(ph_.get(), 2);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
  EXPECT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_ERR_NOT_OWNED);  // twice
  EXPECT_EQ(strata_pageheap_free(ph_.get(), nullptr), STRATA_ERR_NOT_OWNED);
  strata_span forged = {};
  strata_span_init_large(&forged, 0x10000000, 1);
  EXPECT_EQ(strata_pageheap_free(ph_.get(), &forged), STRATA_ERR_NOT_OWNED);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

TEST_F(PageHeap, ReleaseGivesFreeMemoryBackAndReuseRecommits) {
  strata_span *s = strata_pageheap_alloc_large(ph_.get(), 1024);
  ASSERT_NE(s, nullptr);
  std::memset(reinterpret_cast<void *>(s->base), 0x77, 1024 * kPage);
  uintptr_t base = s->base;
  EXPECT_EQ(Stats().in_use_bytes, 1024 * kPage);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
  EXPECT_EQ(Stats().free_committed_bytes, 1024 * kPage);
  EXPECT_EQ(strata_pageheap_release(ph_.get()), 1024 * kPage);
  EXPECT_EQ(Stats().free_committed_bytes, 0u);
  EXPECT_EQ(Stats().committed_bytes, 0u);
  ExpectStatsAddUp();
  EXPECT_EQ(strata_pageheap_release(ph_.get()), 0u);  // nothing left to give
  strata_span *again = strata_pageheap_alloc_large(ph_.get(), 1024);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->base, base);
  auto *bytes = reinterpret_cast<unsigned char *>(again->base);
  EXPECT_EQ(bytes[0], 0);  // decommitted memory came back as zero
  bytes[1024 * kPage - 1] = 1;
  EXPECT_EQ(Stats().committed_bytes, 1024 * kPage);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

TEST_F(PageHeap, ReleaseAfterADelay) {
  strata_pageheap_config config = strata_pageheap_default_config();
  config.release_delay_ns = 1000;
  Init(config);
  strata_span *s = strata_pageheap_alloc_large(ph_.get(), 64);
  strata_span *keep = strata_pageheap_alloc_large(ph_.get(), 1);
  ASSERT_TRUE(s && keep);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
  now_ns += 999;
  EXPECT_EQ(strata_pageheap_scavenge(ph_.get()), 0u);  // not idle long enough
  now_ns += 1;
  EXPECT_EQ(strata_pageheap_scavenge(ph_.get()), 64 * kPage);
  // The heap also applies the policy as it works: free, wait, allocate.
  strata_span *t = strata_pageheap_alloc_large(ph_.get(), 16);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), t), STRATA_OK);
  EXPECT_EQ(Stats().free_committed_bytes, 16 * kPage);
  now_ns += 5000;
  ASSERT_NE(strata_pageheap_alloc_large(ph_.get(), 1), nullptr);
  EXPECT_LE(Stats().free_committed_bytes, kPage);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

// A run goes back one delay after it was freed, whenever the walks before
// happened: a walk just before the run became due (here at 2.0 delays, the
// run freed at 1.5) must not hold it back for another whole delay. The
// heap keeps the next due time, so the call at 2.6 delays releases it;
// strata_pageheap_release_wait_ns tells a background thread how long to
// sleep for it.
TEST_F(PageHeap, AFreedRunGoesBackOneDelayAfterItsFreeNotTwo) {
  strata_pageheap_config config = strata_pageheap_default_config();
  const uint64_t delay = 1600;
  config.release_delay_ns = delay;
  Init(config);
  const uint64_t start = now_ns;
  strata_span *keep = strata_pageheap_alloc_large(ph_.get(), 1);
  strata_span *s = strata_pageheap_alloc_large(ph_.get(), 64);
  strata_span *keep2 = strata_pageheap_alloc_large(ph_.get(), 1);
  ASSERT_TRUE(keep && s && keep2);
  EXPECT_EQ(strata_pageheap_release_wait_ns(ph_.get()), delay);  // the arena's untouched tail
  now_ns = start + delay;
  EXPECT_EQ(strata_pageheap_scavenge(ph_.get()), 0u);  // nothing committed is due
  EXPECT_EQ(strata_pageheap_release_wait_ns(ph_.get()), UINT64_MAX);
  now_ns = start + delay * 3 / 2;
  ASSERT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
  EXPECT_EQ(strata_pageheap_release_wait_ns(ph_.get()), delay);
  now_ns = start + delay * 2;
  EXPECT_EQ(strata_pageheap_scavenge(ph_.get()), 0u);  // idle half a delay: kept
  EXPECT_EQ(strata_pageheap_release_wait_ns(ph_.get()), delay / 2);
  EXPECT_EQ(Stats().free_committed_bytes, 64 * kPage);
  now_ns = start + delay * 5 / 2 - 1;
  EXPECT_EQ(strata_pageheap_release_wait_ns(ph_.get()), 1u);
  // 0.6 delays after the last walk, 1.1 after the free: the heap's own
  // calls apply the policy too (the page comes from the freed run, the
  // rest of it goes back).
  now_ns = start + delay * 13 / 5;
  strata_span *u = strata_pageheap_alloc_large(ph_.get(), 1);
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(Stats().free_committed_bytes, 0u);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

TEST_F(PageHeap, ReleaseAtOnceWithZeroDelay) {
  strata_pageheap_config config = strata_pageheap_default_config();
  config.release_delay_ns = 0;
  Init(config);
  strata_span *s = strata_pageheap_alloc_large(ph_.get(), 32);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
  EXPECT_EQ(Stats().free_committed_bytes, 0u);
  EXPECT_EQ(Stats().committed_bytes, 0u);
}

TEST_F(PageHeap, FreeCommittedBytesStayUnderTheLimit) {
  strata_pageheap_config config = strata_pageheap_default_config();
  config.release_delay_ns = UINT64_MAX;
  config.free_committed_limit = 100 * kPage;
  Init(config);
  std::vector<strata_span *> spans;
  for (int i = 0; i < 20; ++i) {
    spans.push_back(strata_pageheap_alloc_large(ph_.get(), 10));
    spans.push_back(strata_pageheap_alloc_large(ph_.get(), 1));  // keeps runs apart
  }
  for (size_t i = 0; i < spans.size(); i += 2) {
    ASSERT_EQ(strata_pageheap_free(ph_.get(), spans[i]), STRATA_OK);
    EXPECT_LE(Stats().free_committed_bytes, 100 * kPage);
  }
  EXPECT_GT(Stats().free_committed_bytes, 0u);  // the limit, not zero
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

// Randomised operations checked against a model after every step.
// The lock a fork handler takes from outside: while it is held, no other
// thread gets into the heap; once released, the waiting call goes through.
TEST_F(PageHeap, LockFromOutsideKeepsOtherThreadsOut) {
  strata_pageheap_lock(ph_.get());
  std::atomic<bool> done{false};
  std::thread other([&] {
    strata_span *s = strata_pageheap_alloc_large(ph_.get(), 4);
    EXPECT_NE(s, nullptr);
    if (s != nullptr) {
      EXPECT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
    }
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(done.load());
  strata_pageheap_unlock(ph_.get());
  other.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

TEST_F(PageHeap, RandomOperationsKeepEveryInvariant) {
  std::mt19937_64 rng(42);
  struct Live {
    strata_span *span;
    uint64_t tag;
  };
  std::map<uintptr_t, Live> live;  // by base address
  for (int step = 0; step < 3000; ++step) {
    unsigned op = rng() % 100;
    if (op < 55 || live.empty()) {
      strata_span *s;
      if (op % 2 == 0) {
        unsigned c = 1 + rng() % (STRATA_SIZE_CLASS_COUNT - 1);
        s = strata_pageheap_alloc_small(ph_.get(), strata_span_class_make(c, STRATA_KIND_SCAN));
      } else {
        size_t pages = (rng() % 8 == 0) ? 1 + rng() % 3000 : 1 + rng() % 40;
        s = strata_pageheap_alloc_large(ph_.get(), pages);
      }
      ASSERT_NE(s, nullptr);
      // No overlap with any live span.
      auto next = live.lower_bound(s->base);
      if (next != live.end()) {
        ASSERT_LE(strata_span_end(s), next->first);
      }
      if (next != live.begin()) {
        ASSERT_LE(strata_span_end(std::prev(next)->second.span), s->base);
      }
      if (strata_span_state_of(s) == STRATA_SPAN_SMALL) {
        // Use some of its slots: the heap check verifies every span's bitmap.
        uint32_t take = static_cast<uint32_t>(rng() % (s->object_count + 1));
        for (uint32_t i = 0; i < take; ++i) ASSERT_NE(strata_span_alloc(s), nullptr);
        if (take > 1) {
          uintptr_t second = s->base + s->object_size;
          ASSERT_EQ(strata_span_free(s, reinterpret_cast<void *>(second)), STRATA_OK);
        }
      }
      uint64_t tag = rng();
      std::memcpy(reinterpret_cast<void *>(s->base), &tag, sizeof tag);
      std::memcpy(reinterpret_cast<void *>(strata_span_end(s) - sizeof tag), &tag, sizeof tag);
      live[s->base] = {s, tag};
    } else if (op < 95) {
      auto it = live.begin();
      std::advance(it, rng() % live.size());
      strata_span *s = it->second.span;
      uint64_t head, tail;
      std::memcpy(&head, reinterpret_cast<void *>(s->base), sizeof head);
      std::memcpy(&tail, reinterpret_cast<void *>(strata_span_end(s) - sizeof tail), sizeof tail);
      ASSERT_EQ(head, it->second.tag) << "memory of a live span changed";
      ASSERT_EQ(tail, it->second.tag) << "memory of a live span changed";
      ASSERT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
      live.erase(it);
    } else {
      strata_pageheap_release(ph_.get());
    }
    ASSERT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK) << "step " << step;
    strata_pageheap_stats stats = Stats();
    size_t in_use = 0;
    for (auto &entry : live) in_use += entry.second.span->pages * kPage;
    ASSERT_EQ(stats.in_use_bytes, in_use);
    ASSERT_EQ(stats.in_use_runs, live.size());
    ASSERT_EQ(stats.mapped_bytes, stats.in_use_bytes + stats.free_committed_bytes + stats.released_bytes);
  }
}

// The backend refusing memory at every point of a growing workload: each
// refusal is a clean NULL, the heap stays consistent, and the same request
// succeeds once memory comes back.
TEST_F(PageHeap, OutOfMemoryAtEveryBackendCallIsClean) {
  for (uint64_t k = 1; k <= 12; ++k) {
    Init(strata_pageheap_default_config());
    std::vector<strata_span *> spans;
    strata_fault_backend_refuse_nth(&fault_, k);
    bool refused = false;
    for (int i = 0; i < 6; ++i) {
      size_t pages = i % 2 == 0 ? 9000 : 3;  // every other request needs a new arena
      strata_span *s = strata_pageheap_alloc_large(ph_.get(), pages);
      if (s == nullptr) {
        refused = true;
        ASSERT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK) << "k=" << k;
        s = strata_pageheap_alloc_large(ph_.get(), pages);  // memory is back
        ASSERT_NE(s, nullptr) << "k=" << k;
      }
      std::memset(reinterpret_cast<void *>(s->base), 1, kPage);
      spans.push_back(s);
    }
    EXPECT_TRUE(refused) << "k=" << k << " never reached a backend call";
    for (strata_span *s : spans) ASSERT_EQ(strata_pageheap_free(ph_.get(), s), STRATA_OK);
    ASSERT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
    EXPECT_EQ(Stats().in_use_bytes, 0u);
    EXPECT_EQ(strata_pageheap_destroy(ph_.get()), STRATA_OK);
    ph_.reset();
  }
}

TEST_F(PageHeap, BudgetExhaustedMidGrowthThenLifted) {
  strata_fault_backend_set_budget(&fault_, 200 * kPage);
  std::vector<strata_span *> spans;
  strata_span *s;
  while ((s = strata_pageheap_alloc_large(ph_.get(), 16)) != nullptr) spans.push_back(s);
  EXPECT_GE(spans.size(), 5u);
  EXPECT_LE(Stats().committed_bytes, 200 * kPage);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
  strata_fault_backend_set_budget(&fault_, SIZE_MAX);
  EXPECT_NE(strata_pageheap_alloc_large(ph_.get(), 16), nullptr);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
}

TEST(PageHeapSideBySide, OneOnMmapOneOnAStaticBuffer) {
  strata_mmap_backend mb;
  strata_mmap_backend_init(&mb);
  std::vector<unsigned char> buffer(24u << 20);
  strata_static_backend sb;
  ASSERT_EQ(strata_static_backend_init(&sb, buffer.data(), buffer.size(), 4096), STRATA_OK);
  strata_fault_backend counted;  // proves the static heap never reaches the OS
  strata_fault_backend_init(&counted, &sb.base);
  auto on_mmap = std::make_unique<strata_pageheap>();
  auto on_buffer = std::make_unique<strata_pageheap>();
  ASSERT_EQ(strata_pageheap_init(on_mmap.get(), &mb.base, nullptr), STRATA_OK);
  strata_pageheap_config config = strata_pageheap_default_config();
  config.arena_size = 4u << 20;
  ASSERT_EQ(strata_pageheap_init(on_buffer.get(), &counted.base, &config), STRATA_OK);

  strata_span *a = strata_pageheap_alloc_small(on_mmap.get(), Class(64));
  strata_span *b = strata_pageheap_alloc_small(on_buffer.get(), Class(64));
  ASSERT_TRUE(a && b);
  EXPECT_GE(b->base, reinterpret_cast<uintptr_t>(buffer.data()));
  EXPECT_LT(b->base, reinterpret_cast<uintptr_t>(buffer.data() + buffer.size()));
  EXPECT_EQ(strata_pageheap_span_of(on_mmap.get(), reinterpret_cast<void *>(b->base)), nullptr);
  EXPECT_EQ(strata_pageheap_span_of(on_buffer.get(), reinterpret_cast<void *>(a->base)), nullptr);
  EXPECT_EQ(strata_pageheap_free(on_mmap.get(), b), STRATA_ERR_NOT_OWNED);
  EXPECT_EQ(strata_pageheap_free(on_buffer.get(), a), STRATA_ERR_NOT_OWNED);

  // The buffer runs out with a clean NULL.
  std::vector<strata_span *> taken;
  strata_span *s;
  while ((s = strata_pageheap_alloc_large(on_buffer.get(), 64)) != nullptr) taken.push_back(s);
  EXPECT_GE(taken.size(), 20u);
  EXPECT_EQ(strata_pageheap_check(on_buffer.get(), NULL), STRATA_OK);
  for (strata_span *t : taken) ASSERT_EQ(strata_pageheap_free(on_buffer.get(), t), STRATA_OK);
  EXPECT_NE(strata_pageheap_alloc_large(on_buffer.get(), 64), nullptr);
  EXPECT_EQ(counted.calls[STRATA_BACKEND_RESERVE] + counted.calls[STRATA_BACKEND_COMMIT] > 0, true);

  EXPECT_EQ(strata_pageheap_check(on_mmap.get(), NULL), STRATA_OK);
  EXPECT_EQ(strata_pageheap_destroy(on_mmap.get()), STRATA_OK);
  EXPECT_EQ(strata_pageheap_destroy(on_buffer.get()), STRATA_OK);
  EXPECT_EQ(strata_static_backend_free_bytes(&sb), sb.end - sb.start);  // all of it back
}

TEST(PageHeapHugepage, CommitsAndReleasesWholeHugePages) {
  strata_hugepage_backend hb;
  strata_hugepage_backend_init(&hb);
  auto ph = std::make_unique<strata_pageheap>();
  ASSERT_EQ(strata_pageheap_init(ph.get(), &hb.base, nullptr), STRATA_OK);
  EXPECT_EQ(ph->commit_granule_pages, STRATA_HUGEPAGE_SIZE / kPage);
  strata_span *s = strata_pageheap_alloc_small(ph.get(), Class(16));
  ASSERT_NE(s, nullptr);
  strata_pageheap_stats stats;
  strata_pageheap_get_stats(ph.get(), &stats);
  EXPECT_EQ(stats.committed_bytes, STRATA_HUGEPAGE_SIZE);  // one whole huge page
  strata_span *big = strata_pageheap_alloc_large(ph.get(), 600);
  ASSERT_NE(big, nullptr);
  std::memset(reinterpret_cast<void *>(big->base), 3, 600 * kPage);
  ASSERT_EQ(strata_pageheap_free(ph.get(), big), STRATA_OK);
  strata_pageheap_release(ph.get());
  strata_pageheap_get_stats(ph.get(), &stats);
  // The huge page holding the small span stays; the rest went back.
  EXPECT_EQ(stats.committed_bytes, STRATA_HUGEPAGE_SIZE);
  EXPECT_EQ(strata_pageheap_check(ph.get(), NULL), STRATA_OK);
  EXPECT_EQ(strata_pageheap_destroy(ph.get()), STRATA_OK);
}

TEST(PageHeapThreads, ConcurrentAllocFreeAndLookups) {
  strata_mmap_backend mb;
  strata_mmap_backend_init(&mb);
  auto ph = std::make_unique<strata_pageheap>();
  ASSERT_EQ(strata_pageheap_init(ph.get(), &mb.base, nullptr), STRATA_OK);
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      std::vector<strata_span *> mine;
      for (int i = 0; i < 2000; ++i) {
        if (mine.empty() || rng() % 2) {
          strata_span *s = strata_pageheap_alloc_large(ph.get(), 1 + rng() % 16);
          if (s == nullptr) { failed = true; return; }
          std::memset(reinterpret_cast<void *>(s->base), t, kPage);
          mine.push_back(s);
        } else {
          size_t i2 = rng() % mine.size();
          strata_span *s = mine[i2];
          if (strata_pageheap_span_of(ph.get(), reinterpret_cast<void *>(s->base)) != s) failed = true;
          if (*reinterpret_cast<unsigned char *>(s->base) != t) failed = true;
          if (strata_pageheap_free(ph.get(), s) != STRATA_OK) failed = true;
          mine[i2] = mine.back();
          mine.pop_back();
        }
      }
      for (strata_span *s : mine) EXPECT_EQ(strata_pageheap_free(ph.get(), s), STRATA_OK);
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(strata_pageheap_check(ph.get(), NULL), STRATA_OK);
  EXPECT_EQ(strata_pageheap_destroy(ph.get()), STRATA_OK);
}

}  // namespace

namespace {

// Long free runs: memory that is still committed is used before memory that
// was never touched or was given back, whichever run best fit would pick.
class PageHeapCommitted : public PageHeap {
 protected:
  void SetUp() override {
    strata_pageheap_config config = strata_pageheap_default_config();
    config.arena_size = 4 << 20;  // 512 pages
    Init(config);
  }
};

TEST_F(PageHeapCommitted, ARunIsCarvedFromItsCommittedEnd) {
  // [released 362 pages | committed 150 pages]: one free run, the whole arena.
  strata_span *released = strata_pageheap_alloc_large(ph_.get(), 362);
  strata_span *committed = strata_pageheap_alloc_large(ph_.get(), 150);
  ASSERT_TRUE(released && committed);
  ASSERT_EQ(committed->base, released->base + 362 * kPage);  // the arena's tail
  uintptr_t committed_base = committed->base;
  ASSERT_EQ(strata_pageheap_free_and_release(ph_.get(), released), STRATA_OK);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), committed), STRATA_OK);
  EXPECT_EQ(Stats().free_runs, 1u);
  size_t before = Stats().committed_bytes;
  strata_span *one = strata_pageheap_alloc_small(ph_.get(), Class(64));
  ASSERT_NE(one, nullptr);
  EXPECT_GE(one->base, committed_base);  // from the committed end
  EXPECT_EQ(Stats().committed_bytes, before);
  EXPECT_FALSE(one->zeroed);  // old memory: it says so
  strata_span *big = strata_pageheap_alloc_large(ph_.get(), 140);
  ASSERT_NE(big, nullptr);
  EXPECT_GE(big->base, committed_base);
  EXPECT_EQ(Stats().committed_bytes, before);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
  ExpectStatsAddUp();
}

TEST_F(PageHeapCommitted, ACommittedRunIsPreferredToATighterUntouchedOne) {
  // [released 200 | kept 1 | committed 300 | kept 11]
  strata_span *released = strata_pageheap_alloc_large(ph_.get(), 200);
  strata_span *keep1 = strata_pageheap_alloc_large(ph_.get(), 1);
  strata_span *committed = strata_pageheap_alloc_large(ph_.get(), 300);
  strata_span *keep2 = strata_pageheap_alloc_large(ph_.get(), 11);
  ASSERT_TRUE(released && keep1 && committed && keep2);
  uintptr_t committed_base = committed->base;
  ASSERT_EQ(strata_pageheap_free_and_release(ph_.get(), released), STRATA_OK);
  ASSERT_EQ(strata_pageheap_free(ph_.get(), committed), STRATA_OK);
  size_t before = Stats().committed_bytes;
  // Best fit alone would take the 200-page run, which holds no memory.
  strata_span *span = strata_pageheap_alloc_large(ph_.get(), 150);
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(span->base, committed_base);
  EXPECT_EQ(Stats().committed_bytes, before);
  // When only untouched memory fits, it is used.
  strata_span *more = strata_pageheap_alloc_large(ph_.get(), 180);
  ASSERT_NE(more, nullptr);
  EXPECT_GT(Stats().committed_bytes, before);
  EXPECT_EQ(strata_pageheap_check(ph_.get(), NULL), STRATA_OK);
  ExpectStatsAddUp();
}

}  // namespace

namespace {

// Releasing a large free run gives its memory back with system calls that
// take milliseconds (madvise over 256 MiB of touched memory: 8-25 ms here).
// The heap's lock is not held across them, so another thread taking and
// giving back spans meanwhile is not stopped by the lock: it completes
// hundreds of spans during the release (250-1 132 in three runs here); with
// the lock held across the madvise it completed 1, waiting out the whole
// release. Printed, not bounded: under TSan it sometimes completed 2 (the
// sanitizer's own work around madvise), and its slowest call tracks the
// scheduler's time slice on two shared cores. The bound is the gated test
// below (AnotherThreadsSpansDoNotWaitForAStalledDecommit), which does not
// depend on timing.
TEST(PageHeapRelease, AnotherThreadsSpansDoNotWaitForTheSystemCall) {
  strata_mmap_backend backend;
  strata_mmap_backend_init(&backend);
  strata_pageheap_config config = strata_pageheap_default_config();
  config.release_delay_ns = UINT64_MAX;  // only the explicit release below:
  config.free_committed_limit = SIZE_MAX;  // not by age, not by a limit
  auto ph = std::make_unique<strata_pageheap>();
  ASSERT_EQ(strata_pageheap_init(ph.get(), &backend.base, &config), STRATA_OK);
  const size_t pages = (size_t{256} << 20) / STRATA_PAGE_SIZE;
  strata_span *big = strata_pageheap_alloc_large(ph.get(), pages);
  ASSERT_NE(big, nullptr);
  memset(reinterpret_cast<void *>(big->base), 1, pages * STRATA_PAGE_SIZE);
  ASSERT_EQ(strata_pageheap_free(ph.get(), big), STRATA_OK);

  std::atomic<bool> releasing{false}, released{false};
  double worst_ms = 0, release_ms = 0;
  int spans = 0;
  std::thread other([&] {
    strata_span_class sc = strata_span_class_make(strata_size_to_class(64), STRATA_KIND_SCAN);
    while (!releasing) std::this_thread::yield();
    while (!released) {
      auto t0 = std::chrono::steady_clock::now();
      strata_span *s = strata_pageheap_alloc_small(ph.get(), sc);
      ASSERT_NE(s, nullptr);
      ASSERT_EQ(strata_pageheap_free(ph.get(), s), STRATA_OK);
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (ms > worst_ms) worst_ms = ms;
      spans++;
    }
  });
  releasing = true;
  auto t0 = std::chrono::steady_clock::now();
  size_t bytes = strata_pageheap_release(ph.get());
  release_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  released = true;
  other.join();
  std::printf("released %zu MiB in %.1f ms; meanwhile another thread took and gave back %d spans, "
              "the slowest in %.3f ms\n",
              bytes >> 20, release_ms, spans, worst_ms);
  EXPECT_GE(bytes, size_t{256} << 20);
  EXPECT_GT(spans, 0);
  EXPECT_EQ(strata_pageheap_check(ph.get(), nullptr), STRATA_OK);
  ASSERT_EQ(strata_pageheap_destroy(ph.get()), STRATA_OK);
}

}  // namespace

namespace {

// Which backend call the gated backend holds up.
enum class Stall { kCommit, kReserve, kDecommit };

// A backend whose next call of one kind waits, holding up the thread that
// made it until the test opens the gate (or 5 s pass): how a commit of a
// huge page, a madvise over much memory, or any call under memory pressure
// can stall.
struct GatedBackend {
  strata_backend base;
  strata_backend *inner;
  std::atomic<bool> armed{false}, stalled_call{false}, open{false};
  Stall which = Stall::kCommit;
};

// Whether this call is the one to hold up (once).
bool Gated(GatedBackend *g, Stall call) { return g->which == call && g->armed.exchange(false); }

void WaitAtTheGate(GatedBackend *g) {
  g->stalled_call = true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!g->open && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  g->stalled_call = false;
}

strata_status GatedReserve(strata_backend *self, size_t size, size_t alignment, void **out) {
  auto *g = reinterpret_cast<GatedBackend *>(self);
  if (Gated(g, Stall::kReserve)) WaitAtTheGate(g);
  return strata_backend_reserve(g->inner, size, alignment, out);
}

strata_status GatedCommit(strata_backend *self, void *addr, size_t size) {
  auto *g = reinterpret_cast<GatedBackend *>(self);
  if (Gated(g, Stall::kCommit)) WaitAtTheGate(g);
  return strata_backend_commit(g->inner, addr, size);
}

strata_status GatedDecommit(strata_backend *self, void *addr, size_t size) {
  auto *g = reinterpret_cast<GatedBackend *>(self);
  if (Gated(g, Stall::kDecommit)) WaitAtTheGate(g);
  return strata_backend_decommit(g->inner, addr, size);
}

strata_status GatedRelease(strata_backend *self, void *addr, size_t size) {
  return strata_backend_release(reinterpret_cast<GatedBackend *>(self)->inner, addr, size);
}

const strata_backend_ops kGatedOps = {GatedReserve, GatedCommit, GatedDecommit, GatedRelease,
                                      nullptr};

// One thread takes a span of `cold_pages` whose commit (or new arena's
// reservation) stalls at the gated backend, or releases a freed span of
// that size whose decommit stalls; meanwhile this thread takes and gives
// back 100 one-page spans and checks the heap. With the heap's lock held
// across the stalled call, these would wait for the whole stall (5 s) and
// the test fail.
void SpansFlowDuringAStalledCall(Stall which, size_t cold_pages, const char *call) {
  strata_mmap_backend mmap_backend;
  strata_mmap_backend_init(&mmap_backend);
  GatedBackend gated;
  gated.base = mmap_backend.base;
  gated.base.ops = &kGatedOps;
  gated.inner = &mmap_backend.base;
  strata_pageheap_config config = strata_pageheap_default_config();
  config.release_delay_ns = UINT64_MAX;
  auto ph = std::make_unique<strata_pageheap>();
  ASSERT_EQ(strata_pageheap_init(ph.get(), &gated.base, &config), STRATA_OK);
  // A committed free run of 8 pages, which the cold span does not fit in.
  strata_span *warm = strata_pageheap_alloc_large(ph.get(), 8);
  ASSERT_NE(warm, nullptr);
  ASSERT_EQ(strata_pageheap_free(ph.get(), warm), STRATA_OK);
  strata_span *cold = nullptr;
  if (which == Stall::kDecommit) {
    // Freed, but kept committed (no release by age), for the release below.
    strata_span *freed = strata_pageheap_alloc_large(ph.get(), cold_pages);
    ASSERT_NE(freed, nullptr);
    memset(reinterpret_cast<void *>(freed->base), 1, cold_pages * STRATA_PAGE_SIZE);
    ASSERT_EQ(strata_pageheap_free(ph.get(), freed), STRATA_OK);
  }

  gated.which = which;
  gated.armed = true;
  size_t released = 0;
  std::thread stalled([&] {
    if (which == Stall::kDecommit) {
      released = strata_pageheap_release(ph.get());
    } else {
      cold = strata_pageheap_alloc_large(ph.get(), cold_pages);
    }
  });
  while (!gated.stalled_call) std::this_thread::yield();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; i++) {
    strata_span *s = strata_pageheap_alloc_large(ph.get(), 1);
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(strata_pageheap_free(ph.get(), s), STRATA_OK);
  }
  EXPECT_EQ(strata_pageheap_check(ph.get(), nullptr), STRATA_OK);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  bool still_stalled = gated.stalled_call;
  gated.open = true;
  stalled.join();
  std::printf("100 spans taken and given back in %.3f ms while another thread's %s waited\n", ms,
              call);
  EXPECT_TRUE(still_stalled) << "the other thread's spans waited for the " << call;
  if (which == Stall::kDecommit) {
    EXPECT_GE(released, cold_pages * STRATA_PAGE_SIZE);
  } else {
    ASSERT_NE(cold, nullptr);
    EXPECT_EQ(cold->pages, cold_pages);
    ASSERT_EQ(strata_pageheap_free(ph.get(), cold), STRATA_OK);
  }
  EXPECT_EQ(strata_pageheap_check(ph.get(), nullptr), STRATA_OK);
  ASSERT_EQ(strata_pageheap_destroy(ph.get()), STRATA_OK);
}

// A 64-page span from untouched pages needs a commit; the heap's lock is
// free while it waits, and the heap check sees the run being committed in
// place.
TEST(PageHeapCommit, AnotherThreadsSpansDoNotWaitForACommit) {
  SpansFlowDuringAStalledCall(Stall::kCommit, 64, "commit");
}

// A span bigger than an arena needs a new one: the reservation is made
// with the lock dropped too.
TEST(PageHeapGrow, AnotherThreadsSpansDoNotWaitForANewArena) {
  SpansFlowDuringAStalledCall(Stall::kReserve, STRATA_ARENA_DEFAULT_SIZE / STRATA_PAGE_SIZE + 1,
                              "arena reservation");
}

// A release's decommit (madvise) that stalls: the lock is dropped across it
// as well (release.c). The measured case with real memory and no stall is
// PageHeapRelease above.
TEST(PageHeapRelease, AnotherThreadsSpansDoNotWaitForAStalledDecommit) {
  SpansFlowDuringAStalledCall(Stall::kDecommit, 64, "decommit");
}

}  // namespace

namespace {

// Every kind of page-heap work that takes metadata — new arenas (their
// page-map nodes; one arena spans several leaves), splits of free runs
// (span descriptors, thousands of them), growth and shrinking in place,
// releases — and not one backend call is made with the heap's lock held:
// the metadata chunks are made ahead of need with the lock dropped
// (strata_persistent_prepare).
TEST(PageHeapMetadata, NoBackendCallIsMadeWithTheLockHeld) {
  strata_mmap_backend mmap_backend;
  strata_mmap_backend_init(&mmap_backend);
  strata_testing::LockWatchBackend watch;
  strata_testing::WatchLocks(&watch, &mmap_backend.base);
  strata_pageheap_config config = strata_pageheap_default_config();
  config.release_delay_ns = 0;  // every free releases: decommits too
  auto ph = std::make_unique<strata_pageheap>();
  ASSERT_EQ(strata_pageheap_init(ph.get(), &watch.base, &config), STRATA_OK);
  watch.watched = &ph->lock;
  std::mt19937_64 rng(7);
  std::vector<strata_span *> live;
  for (int step = 0; step < 20000; ++step) {
    unsigned op = rng() % 100;
    if (op < 60 || live.empty()) {
      strata_span *s;
      if (op % 3 == 0) {
        unsigned c = 1 + rng() % (STRATA_SIZE_CLASS_COUNT - 1);
        s = strata_pageheap_alloc_small(ph.get(), strata_span_class_make(c, STRATA_KIND_SCAN));
      } else if (op % 3 == 1) {
        s = strata_pageheap_alloc_large_aligned(ph.get(), 1 + rng() % 20, kPage << (rng() % 4));
      } else {
        // Now and then more than an arena: a new, bigger one.
        size_t pages = step % 2000 == 0 ? (96u << 20) / kPage : 1 + rng() % 60;
        s = strata_pageheap_alloc_large(ph.get(), pages);
      }
      ASSERT_NE(s, nullptr) << "step " << step;
      live.push_back(s);
    } else if (op < 70) {
      strata_span *s = live[rng() % live.size()];
      if (strata_span_state_of(s) == STRATA_SPAN_LARGE) {
        size_t pages = 1 + rng() % (2 * s->pages);
        strata_status status = strata_pageheap_resize_large(ph.get(), s, pages);
        ASSERT_TRUE(status == STRATA_OK || status == STRATA_ERR_OUT_OF_MEMORY);
      }
    } else {
      size_t i = rng() % live.size();
      ASSERT_EQ(strata_pageheap_free(ph.get(), live[i]), STRATA_OK);
      live[i] = live.back();
      live.pop_back();
    }
  }
  ASSERT_EQ(strata_pageheap_check(ph.get(), nullptr), STRATA_OK);
  strata_pageheap_stats stats;
  strata_pageheap_get_stats(ph.get(), &stats);
  std::printf("%zu backend calls, %zu with the lock held; %zu KiB of metadata, %zu chunks made "
              "by an allocation itself\n",
              watch.calls, watch.calls_under_lock, stats.metadata_bytes >> 10,
              ph->metadata.unprepared_chunks);
  // The workload grew the metadata many times over.
  EXPECT_GE(stats.metadata_bytes, 8 * STRATA_PERSISTENT_MIN_CHUNK);
  EXPECT_GT(stats.mapped_bytes, 2 * STRATA_ARENA_DEFAULT_SIZE);
  EXPECT_EQ(watch.calls_under_lock, 0u);
  EXPECT_EQ(ph->metadata.unprepared_chunks, 0u);
  for (strata_span *s : live) ASSERT_EQ(strata_pageheap_free(ph.get(), s), STRATA_OK);
  watch.watched = nullptr;
  ASSERT_EQ(strata_pageheap_destroy(ph.get()), STRATA_OK);
}

}  // namespace
