// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// pageheap/object.h: every lookup against every address of a few spans,
// and against freed, stale and foreign pages.
#include "pageheap/object.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "arena/backends.h"

namespace {

constexpr size_t kPage = STRATA_PAGE_SIZE;

class PageHeapObjects : public ::testing::Test {
 protected:
  void SetUp() override {
    strata_mmap_backend_init(&mmap_);
    strata_pageheap_config config = strata_pageheap_default_config();
    ASSERT_EQ(strata_pageheap_init(&ph_, &mmap_.base, &config), STRATA_OK);
  }
  void TearDown() override { EXPECT_EQ(strata_pageheap_destroy(&ph_), STRATA_OK); }

  strata_span *SmallObject(uintptr_t a) {
    return strata_pageheap_small_object(&ph_, reinterpret_cast<const void *>(a));
  }
  strata_span *ObjectStart(uintptr_t a) {
    return strata_pageheap_object_start(&ph_, reinterpret_cast<const void *>(a));
  }
  strata_span *Containing(uintptr_t a, uint32_t *slot) {
    return strata_pageheap_object_containing(&ph_, reinterpret_cast<const void *>(a), slot);
  }
  // No lookup finds anything in [from, to).
  void ExpectNothingIn(uintptr_t from, uintptr_t to) {
    for (uintptr_t a = from; a < to; a += 8) {
      uint32_t slot = 7;
      ASSERT_EQ(SmallObject(a), nullptr) << std::hex << a;
      ASSERT_EQ(ObjectStart(a), nullptr) << std::hex << a;
      ASSERT_EQ(Containing(a, &slot), nullptr) << std::hex << a;
    }
  }

  strata_mmap_backend mmap_;
  strata_pageheap ph_;
};

// Sizes with power-of-two and odd object sizes, one page and several.
TEST_F(PageHeapObjects, SmallSpansAnswerEveryAddressExactly) {
  for (size_t bytes : {16, 48, 112, 1024, 3072, 32768}) {
    unsigned c = strata_size_to_class(bytes);
    strata_span *s = strata_pageheap_alloc_small(&ph_, strata_span_class_make(c, STRATA_KIND_SCAN));
    ASSERT_NE(s, nullptr);
    // Every slot taken, then all but every third given back.
    std::vector<bool> allocated(s->object_count);
    for (uint32_t i = 0; i < s->object_count; ++i) {
      void *p = strata_span_alloc(s);
      ASSERT_EQ(p, reinterpret_cast<void *>(s->base + i * s->object_size));
      allocated[i] = true;
    }
    for (uint32_t i = 0; i < s->object_count; ++i) {
      if (i % 3 == 0) continue;
      ASSERT_EQ(strata_span_free(s, reinterpret_cast<void *>(s->base + i * s->object_size)), STRATA_OK);
      allocated[i] = false;
    }
    size_t size = s->object_size;
    uintptr_t objects_end = s->base + s->object_count * size;
    for (uintptr_t a = s->base; a < strata_span_end(s); ++a) {
      uintptr_t offset = a - s->base;
      bool start = a < objects_end && offset % size == 0;
      strata_span *expect_start = start ? s : nullptr;
      ASSERT_EQ(SmallObject(a), expect_start) << bytes << " B, offset " << offset;
      ASSERT_EQ(ObjectStart(a), expect_start) << bytes << " B, offset " << offset;
      uint32_t slot = UINT32_MAX;
      bool inside_allocated = a < objects_end && allocated[offset / size];
      ASSERT_EQ(Containing(a, &slot), inside_allocated ? s : nullptr) << bytes << " B, offset " << offset;
      if (inside_allocated) {
        ASSERT_EQ(slot, offset / size);
      }
      ASSERT_TRUE(strata_pageheap_has_page(&ph_, reinterpret_cast<void *>(a)));
    }
    ASSERT_EQ(strata_pageheap_free(&ph_, s), STRATA_OK);
  }
}

TEST_F(PageHeapObjects, ALargeSpanHasOneObjectAtItsBase) {
  strata_span *s = strata_pageheap_alloc_large(&ph_, 5);
  ASSERT_NE(s, nullptr);
  for (uintptr_t a = s->base; a < strata_span_end(s); a += 8) {
    uint32_t slot = 7;
    ASSERT_EQ(SmallObject(a), nullptr);
    ASSERT_EQ(ObjectStart(a), a == s->base ? s : nullptr);
    ASSERT_EQ(Containing(a, &slot), s);
    ASSERT_EQ(slot, 0u);
  }
  ASSERT_EQ(strata_pageheap_free(&ph_, s), STRATA_OK);
}

// A freed run keeps page-map entries inside it (only its ends are kept up
// to date): the lookups must see through them.
TEST_F(PageHeapObjects, FreedAndStalePagesFindNothing) {
  strata_span *small = strata_pageheap_alloc_small(
      &ph_, strata_span_class_make(strata_size_to_class(64), STRATA_KIND_SCAN));
  strata_span *large = strata_pageheap_alloc_large(&ph_, 8);
  strata_span *keep = strata_pageheap_alloc_large(&ph_, 1);  // no merge past it
  ASSERT_NE(small, nullptr);
  ASSERT_NE(large, nullptr);
  ASSERT_NE(keep, nullptr);
  ASSERT_NE(strata_span_alloc(small), nullptr);
  uintptr_t small_base = small->base, small_end = strata_span_end(small);
  uintptr_t large_base = large->base, large_end = strata_span_end(large);
  ASSERT_EQ(strata_pageheap_free(&ph_, large), STRATA_OK);
  ExpectNothingIn(large_base, large_end);
  // A span made again over part of the freed run: only its own pages answer.
  strata_span *again = strata_pageheap_alloc_large(&ph_, 2);
  ASSERT_NE(again, nullptr);
  for (uintptr_t a = large_base; a < large_end; a += kPage) {
    bool mine = a >= again->base && a < strata_span_end(again);
    ASSERT_EQ(ObjectStart(a), mine && a == again->base ? again : nullptr);
    EXPECT_TRUE(strata_pageheap_has_page(&ph_, reinterpret_cast<void *>(a)));
  }
  // The small span's objects were taken; a freed small span answers nothing.
  ASSERT_EQ(strata_span_free(small, reinterpret_cast<void *>(small_base)), STRATA_OK);
  ASSERT_EQ(strata_pageheap_free(&ph_, small), STRATA_OK);
  for (uintptr_t a = small_base; a < small_end; a += 8) {
    if (again->base <= a && a < strata_span_end(again)) continue;  // reused meanwhile
    uint32_t slot = 7;
    ASSERT_EQ(SmallObject(a), nullptr);
    ASSERT_EQ(Containing(a, &slot), nullptr);
  }
  ASSERT_EQ(strata_pageheap_free(&ph_, again), STRATA_OK);
  ASSERT_EQ(strata_pageheap_free(&ph_, keep), STRATA_OK);
}

TEST_F(PageHeapObjects, ForeignPointersAreNeverTheHeaps) {
  int on_stack = 0;
  static int in_data;
  for (const void *p : {static_cast<const void *>(&on_stack), static_cast<const void *>(&in_data),
                        static_cast<const void *>(nullptr), reinterpret_cast<const void *>(UINTPTR_MAX),
                        reinterpret_cast<const void *>(uintptr_t{1} << 60)}) {
    uint32_t slot = 7;
    EXPECT_EQ(strata_pageheap_small_object(&ph_, p), nullptr);
    EXPECT_EQ(strata_pageheap_object_start(&ph_, p), nullptr);
    EXPECT_EQ(strata_pageheap_object_containing(&ph_, p, &slot), nullptr);
    EXPECT_FALSE(strata_pageheap_has_page(&ph_, p));
  }
}

}  // namespace
