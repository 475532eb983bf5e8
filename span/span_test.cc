// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "span/span.h"

#include "base/check_testing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

// Span memory for tests: a page-aligned block as large as any small span.
struct SpanMemory {
  SpanMemory() {
    size_t bytes = 16 * STRATA_PAGE_SIZE;
    data = static_cast<unsigned char *>(std::aligned_alloc(STRATA_PAGE_SIZE, bytes));
  }
  ~SpanMemory() { std::free(data); }
  uintptr_t base() const { return reinterpret_cast<uintptr_t>(data); }
  unsigned char *data;
};

strata_span MakeSmall(uintptr_t base, unsigned size_class) {
  strata_span s = {};
  strata_span_init_small(&s, base, strata_span_class_make(size_class, STRATA_KIND_SCAN));
  return s;
}

// The invariant strata_span_check reports broken, or "" when it passes.
std::string Why(const strata_span &s) {
  strata_testing::Heard heard;
  strata_status status = strata_span_check(&s, &heard.reporter);
  EXPECT_EQ(status == STRATA_OK, heard.invariants.empty());
  return heard.Only();
}

TEST(Span, EveryClassHandsOutEverySlotOnceInAddressOrder) {
  SpanMemory memory;
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; ++c) {
    strata_span s = MakeSmall(memory.base(), c);
    ASSERT_EQ(s.pages, strata_size_class_span_pages(c));
    ASSERT_EQ(s.object_count, strata_size_class_span_objects(c));
    uintptr_t expected = memory.base();
    for (uint32_t i = 0; i < s.object_count; ++i) {
      void *p = strata_span_alloc(&s);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(p), expected) << "class " << c << " slot " << i;
      expected += s.object_size;
    }
    EXPECT_TRUE(strata_span_is_full(&s));
    EXPECT_EQ(strata_span_alloc(&s), nullptr) << "class " << c;
    EXPECT_LE(expected, strata_span_end(&s));
    ASSERT_EQ(strata_span_check(&s, NULL), STRATA_OK) << "class " << c;
  }
}

// strata_span_object_index against a divide, at every byte offset of every
// class's span, around it, and for addresses far away: below object_count
// exactly at objects' starts.
TEST(Span, ObjectIndexIsBelowTheCountExactlyAtObjectStarts) {
  SpanMemory memory;
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; ++c) {
    strata_span s = MakeSmall(memory.base(), c);
    ASSERT_EQ(s.small_objects, s.object_count) << "class " << c;
    uintptr_t span_bytes = s.pages * STRATA_PAGE_SIZE;
    for (uintptr_t offset = 0; offset < span_bytes + 64; ++offset) {
      uintptr_t index = strata_span_object_index(&s, reinterpret_cast<void *>(s.base + offset));
      bool start = offset % s.object_size == 0 && offset / s.object_size < s.object_count;
      ASSERT_EQ(index < s.object_count, start) << "class " << c << " offset " << offset;
      if (start) {
        ASSERT_EQ(index, offset / s.object_size);
      }
    }
    const uintptr_t far[] = {s.base - 1, s.base - s.object_size, 0, UINTPTR_MAX,
                             s.base + (uintptr_t{1} << 48), s.base - (uintptr_t{1} << 40)};
    for (uintptr_t address : far) {
      EXPECT_GE(strata_span_object_index(&s, reinterpret_cast<void *>(address)), s.object_count)
          << "class " << c << " address " << address;
    }
  }
  strata_span large = {};
  strata_span_init_large(&large, memory.base(), 3);
  EXPECT_EQ(large.small_objects, 0u);
  EXPECT_EQ(strata_span_object_index(&large, memory.data), 0u);
  EXPECT_GE(strata_span_object_index(&large, memory.data + 8), 1u);
  strata_span_retire(&large, STRATA_SPAN_FREE);
  EXPECT_EQ(large.small_objects, 0u);
}

TEST(Span, FreedSlotsAreReusedLowestFirst) {
  SpanMemory memory;
  strata_span s = MakeSmall(memory.base(), 1);  // 8 B: 1024 slots, 16 words
  std::vector<void *> all(s.object_count);
  for (auto &p : all) p = strata_span_alloc(&s);
  // Free slots in several words, out of order.
  for (int i : {900, 5, 70, 64, 1023, 6}) ASSERT_EQ(strata_span_free(&s, all[i]), STRATA_OK);
  EXPECT_EQ(s.allocated, s.object_count - 6);
  ASSERT_EQ(strata_span_check(&s, NULL), STRATA_OK);
  for (int i : {5, 6, 64, 70, 900, 1023}) EXPECT_EQ(strata_span_alloc(&s), all[i]);
  EXPECT_EQ(strata_span_alloc(&s), nullptr);
}

TEST(Span, FreeRejectsForeignInteriorAndDoubleFrees) {
  SpanMemory memory;
  strata_span s = MakeSmall(memory.base(), strata_size_to_class(48));
  auto *first = static_cast<unsigned char *>(strata_span_alloc(&s));
  auto *second = static_cast<unsigned char *>(strata_span_alloc(&s));
  ASSERT_EQ(second - first, 48);
  int on_stack = 0;
  EXPECT_EQ(strata_span_free(&s, &on_stack), STRATA_ERR_NOT_OWNED);
  EXPECT_EQ(strata_span_free(&s, first - 16), STRATA_ERR_NOT_OWNED);
  // The tail after the last object is not an object.
  uintptr_t tail = s.base + uintptr_t{s.object_count} * s.object_size;
  EXPECT_EQ(strata_span_free(&s, reinterpret_cast<void *>(tail)), STRATA_ERR_NOT_OWNED);
  EXPECT_EQ(strata_span_free(&s, first + 8), STRATA_ERR_INTERIOR_POINTER);
  EXPECT_EQ(strata_span_free(&s, second + 47), STRATA_ERR_INTERIOR_POINTER);
  // A slot never handed out, then a real double free.
  EXPECT_EQ(strata_span_free(&s, second + 48), STRATA_ERR_DOUBLE_FREE);
  EXPECT_EQ(strata_span_free(&s, first), STRATA_OK);
  EXPECT_EQ(strata_span_free(&s, first), STRATA_ERR_DOUBLE_FREE);
  // Errors changed nothing.
  EXPECT_EQ(s.allocated, 1u);
  EXPECT_EQ(strata_span_check(&s, NULL), STRATA_OK);
  EXPECT_TRUE(strata_span_owns_object(&s, second));
  EXPECT_FALSE(strata_span_owns_object(&s, first));
  EXPECT_FALSE(strata_span_owns_object(&s, second + 1));
}

TEST(Span, DeadOrFreeSpansOwnNothing) {
  SpanMemory memory;
  strata_span s = MakeSmall(memory.base(), 3);
  void *p = strata_span_alloc(&s);
  strata_span_set_state(&s, STRATA_SPAN_FREE);
  EXPECT_EQ(strata_span_free(&s, p), STRATA_ERR_NOT_OWNED);
  strata_span_set_state(&s, STRATA_SPAN_DEAD);
  EXPECT_EQ(strata_span_free(&s, p), STRATA_ERR_NOT_OWNED);
}

TEST(Span, LargeSpanHoldsOneObject) {
  SpanMemory memory;
  strata_span s = {};
  strata_span_init_large(&s, memory.base(), 5);
  EXPECT_EQ(s.object_size, 5 * STRATA_PAGE_SIZE);
  void *p = strata_span_alloc(&s);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p), memory.base());
  EXPECT_EQ(strata_span_alloc(&s), nullptr);
  EXPECT_EQ(strata_span_free(&s, memory.data + STRATA_PAGE_SIZE), STRATA_ERR_INTERIOR_POINTER);
  EXPECT_EQ(strata_span_free(&s, memory.data + 5 * STRATA_PAGE_SIZE), STRATA_ERR_NOT_OWNED);
  EXPECT_EQ(strata_span_free(&s, p), STRATA_OK);
  EXPECT_EQ(strata_span_free(&s, p), STRATA_ERR_DOUBLE_FREE);
  EXPECT_EQ(strata_span_check(&s, NULL), STRATA_OK);
}

TEST(Span, BatchAllocationTakesUpToN) {
  SpanMemory memory;
  strata_span s = MakeSmall(memory.base(), strata_size_to_class(1024));  // 8 objects
  void *out[16];
  EXPECT_EQ(strata_span_alloc_batch(&s, out, 3), 3u);
  EXPECT_EQ(strata_span_alloc_batch(&s, out + 3, 16), 5u);
  EXPECT_EQ(strata_span_alloc_batch(&s, out, 16), 0u);
  for (int i = 1; i < 8; ++i) EXPECT_EQ(static_cast<char *>(out[i]) - static_cast<char *>(out[i - 1]), 1024);
  EXPECT_EQ(strata_span_check(&s, NULL), STRATA_OK);
}

TEST(Span, CheckCatchesCorruptionAndNamesTheInvariant) {
  SpanMemory memory;
  strata_span s = MakeSmall(memory.base(), 1);
  strata_span_alloc(&s);
  EXPECT_EQ(Why(s), "");
  strata_span bad = s;
  bad.allocated = 7;
  EXPECT_EQ(Why(bad), "span: allocated count differs from the bitmap");
  bad = s;
  bad.cache |= 1;  // slot 0 is allocated, so the cache may not offer it
  EXPECT_EQ(Why(bad), "span: cache differs from the free slots of its word");
  strata_span small = MakeSmall(memory.base(), strata_size_to_class(1024));
  small.alloc_bits[0] |= uint64_t{1} << 20;  // beyond the 8 objects
  small.allocated = 1;
  EXPECT_EQ(Why(small), "span: bitmap bit beyond the last object");
  bad = s;
  bad.small_objects = 0;  // a small span whose free check would reject everything
  EXPECT_EQ(Why(bad), "span: small_objects is not the object count of a small span");
  bad = s;
  bad.index_inverse += 2;  // no longer the inverse of the object size
  EXPECT_EQ(Why(bad), "span: index_inverse is not the inverse of the object size");
  bad = s;
  bad.object_count = 0;
  EXPECT_EQ(Why(bad), "span: object count out of range");
  EXPECT_EQ(strata_span_check(&bad, nullptr), STRATA_ERR_CORRUPT);  // no reporter: status only
}

// Random allocate/free sequences on every class, against a set model.
TEST(Span, RandomSequencesMatchAModel) {
  SpanMemory memory;
  std::mt19937_64 rng(1234);
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; ++c) {
    strata_span s = MakeSmall(memory.base(), c);
    std::set<uintptr_t> live;
    for (int step = 0; step < 4000; ++step) {
      bool allocate = live.empty() || (rng() % 100) < 55;
      if (allocate) {
        void *p = strata_span_alloc(&s);
        if (live.size() == s.object_count) {
          ASSERT_EQ(p, nullptr);
          continue;
        }
        ASSERT_NE(p, nullptr);
        uintptr_t a = reinterpret_cast<uintptr_t>(p);
        ASSERT_TRUE(live.insert(a).second) << "slot handed out twice";
        // The lowest free slot is the one given.
        for (uintptr_t lower = s.base; lower < a; lower += s.object_size) {
          ASSERT_TRUE(live.count(lower)) << "a lower slot was free";
        }
      } else {
        auto it = live.begin();
        std::advance(it, rng() % live.size());
        ASSERT_EQ(strata_span_free(&s, reinterpret_cast<void *>(*it)), STRATA_OK);
        live.erase(it);
      }
      ASSERT_EQ(s.allocated, live.size());
      ASSERT_EQ(strata_span_check(&s, NULL), STRATA_OK) << "class " << c << " step " << step;
    }
  }
}

}  // namespace

namespace {

// A sweep keeps exactly the marked allocated slots, whatever else the mark
// bitmap says, and the span allocates lowest-first from what it freed.
TEST(Span, SweepKeepsMarkedSlotsAndFreesTheRest) {
  SpanMemory memory;
  std::mt19937_64 random(7);
  for (unsigned size_class : {1u, 5u, 20u, STRATA_SIZE_CLASS_COUNT - 1u}) {
    strata_span s = MakeSmall(memory.base(), size_class);
    std::vector<void *> objects;
    while (void *p = strata_span_alloc(&s)) objects.push_back(p);
    // Free a few so that the bitmap holds free slots the marks cover.
    std::set<size_t> freed_before;
    for (size_t i = 0; i < objects.size(); i += 7) {
      ASSERT_EQ(strata_span_free(&s, objects[i]), STRATA_OK);
      freed_before.insert(i);
    }
    uint64_t keep[STRATA_SPAN_BITMAP_WORDS];
    for (auto &word : keep) word = random();  // bits beyond the last object too
    uint32_t allocated_before = s.allocated;
    uint32_t freed = strata_span_sweep(&s, keep);
    EXPECT_EQ(Why(s), "") << "class " << size_class;
    size_t kept = 0;
    for (size_t i = 0; i < objects.size(); i++) {
      bool marked = (keep[i / 64] >> (i % 64)) & 1;
      bool want = marked && freed_before.count(i) == 0;
      EXPECT_EQ(strata_span_owns_object(&s, objects[i]), want) << "slot " << i;
      kept += want;
    }
    EXPECT_EQ(s.allocated, kept);
    EXPECT_EQ(freed, allocated_before - kept);
    // The lowest free slot comes first.
    size_t lowest = 0;
    while (lowest < objects.size() && strata_span_owns_object(&s, objects[lowest])) lowest++;
    if (lowest < objects.size()) {
      EXPECT_EQ(strata_span_alloc(&s), objects[lowest]);
    }
  }
}

TEST(Span, SweepWithEveryMarkKeepsAFullSpanFull) {
  SpanMemory memory;
  strata_span s = MakeSmall(memory.base(), 3);
  while (strata_span_alloc(&s) != nullptr) {
  }
  uint64_t keep[STRATA_SPAN_BITMAP_WORDS];
  for (auto &word : keep) word = ~uint64_t{0};
  EXPECT_EQ(strata_span_sweep(&s, keep), 0u);
  EXPECT_TRUE(strata_span_is_full(&s));
  EXPECT_EQ(Why(s), "");
  for (auto &word : keep) word = 0;
  EXPECT_EQ(strata_span_sweep(&s, keep), s.object_count);
  EXPECT_TRUE(strata_span_is_empty(&s));
  EXPECT_EQ(Why(s), "");
}

}  // namespace

namespace {

// The layout span.h promises: what a free on any thread reads lies on the
// descriptor's first cache line, what the span's owner writes while it is
// in use on others, and descriptors are whole lines.
TEST(SpanLayout, TheFreePathsFieldsShareOneLineTheOwnersFieldsAnother) {
  const size_t line = STRATA_CACHE_LINE;
  auto line_of = [line](size_t offset) { return offset / line; };
  EXPECT_EQ(alignof(strata_span), line);
  EXPECT_EQ(sizeof(strata_span) % line, 0u);
  for (size_t offset :
       {offsetof(strata_span, state), offsetof(strata_span, small_class),
        offsetof(strata_span, small_objects), offsetof(strata_span, base),
        offsetof(strata_span, index_inverse), offsetof(strata_span, index_shift),
        offsetof(strata_span, object_size), offsetof(strata_span, object_count),
        offsetof(strata_span, owner)}) {
    EXPECT_EQ(line_of(offset), 0u) << "a field the free path reads at offset " << offset;
  }
  for (size_t offset :
       {offsetof(strata_span, next), offsetof(strata_span, prev), offsetof(strata_span, list),
        offsetof(strata_span, allocated), offsetof(strata_span, cache_word),
        offsetof(strata_span, cache), offsetof(strata_span, alloc_bits)}) {
    EXPECT_GE(line_of(offset), 1u) << "a field the owner writes at offset " << offset;
  }
}

}  // namespace
