// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Checks every documented bound of the size-class table, for every request
// size from 1 to 32768 and every class.
#include "sizeclass/sizeclass.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

namespace {

size_t natural_alignment(size_t n) {
  size_t lowest_bit = n & (~n + 1);
  return lowest_bit < STRATA_MAX_NATURAL_ALIGN ? lowest_bit : STRATA_MAX_NATURAL_ALIGN;
}

TEST(SizeClass, EveryRequestGetsTheSmallestClassThatFits) {
  for (size_t n = 1; n <= STRATA_MAX_SMALL_SIZE; ++n) {
    unsigned c = strata_size_to_class(n);
    ASSERT_GE(c, 1u) << "size " << n;
    ASSERT_LT(c, static_cast<unsigned>(STRATA_SIZE_CLASS_COUNT)) << "size " << n;
    ASSERT_GE(strata_size_class_object_size(c), n) << "size " << n;
    if (c > 1) {
      ASSERT_LT(strata_size_class_object_size(c - 1), n) << "size " << n;
    }
  }
}

TEST(SizeClass, RoundingWasteIsBounded) {
  size_t worst_small = 0;
  double worst_fraction = 0;
  for (size_t n = 1; n <= STRATA_MAX_SMALL_SIZE; ++n) {
    size_t object = strata_size_class_object_size(strata_size_to_class(n));
    size_t waste = object - n;
    if (n <= STRATA_SIZECLASS_SMALL_ROUNDING_LIMIT) {
      ASSERT_LT(waste, 16u) << "size " << n;
      if (waste > worst_small) worst_small = waste;
    } else {
      ASSERT_LE(waste * 100, object * STRATA_SIZECLASS_ROUNDING_WASTE_PERCENT)
          << "size " << n;
      double fraction = static_cast<double>(waste) / object;
      if (fraction > worst_fraction) worst_fraction = fraction;
    }
  }
  std::printf("worst rounding: %zu B up to 128 B, %.1f %% above\n", worst_small,
              100 * worst_fraction);
}

TEST(SizeClass, ObjectsKeepNaturalAlignment) {
  for (size_t n = 1; n <= STRATA_MAX_SMALL_SIZE; ++n) {
    size_t object = strata_size_class_object_size(strata_size_to_class(n));
    // Slots sit at multiples of the object size from a page-aligned base.
    ASSERT_EQ(object % natural_alignment(n), 0u) << "size " << n;
    ASSERT_EQ(STRATA_PAGE_SIZE % natural_alignment(n), 0u);
  }
  EXPECT_EQ(strata_size_class_object_size(strata_size_to_class(48)) % 16, 0u);
  EXPECT_EQ(strata_size_class_object_size(strata_size_to_class(24)) % 8, 0u);
}

TEST(SizeClass, SpanTailWasteAtMostOneEighth) {
  double worst = 0;
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; ++c) {
    const strata_size_class_info *info = strata_size_class_get(c);
    size_t span = info->span_pages * STRATA_PAGE_SIZE;
    ASSERT_GE(info->span_pages, 1u) << "class " << c;
    ASSERT_EQ(info->span_objects, span / info->object_size) << "class " << c;
    size_t tail = span - static_cast<size_t>(info->span_objects) * info->object_size;
    ASSERT_LE(tail * STRATA_SIZECLASS_TAIL_WASTE_DIVISOR, span) << "class " << c;
    if (static_cast<double>(tail) / span > worst) worst = static_cast<double>(tail) / span;
  }
  std::printf("worst span tail waste: %.1f %%\n", 100 * worst);
}

TEST(SizeClass, ClassesIncreaseAndSpanTheSmallRange) {
  EXPECT_EQ(strata_size_class_object_size(1), 8u);
  EXPECT_EQ(strata_size_class_object_size(STRATA_SIZE_CLASS_COUNT - 1),
            static_cast<size_t>(STRATA_MAX_SMALL_SIZE));
  for (unsigned c = 2; c < STRATA_SIZE_CLASS_COUNT; ++c) {
    EXPECT_GT(strata_size_class_object_size(c), strata_size_class_object_size(c - 1));
  }
  EXPECT_EQ(strata_size_class_object_size(0), 0u);
}

TEST(SizeClass, DivisionMagicIsExactForEveryOffsetInASpan) {
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; ++c) {
    const strata_size_class_info *info = strata_size_class_get(c);
    uint32_t span = info->span_pages * STRATA_PAGE_SIZE;
    for (uint32_t offset = 0; offset < span; ++offset) {
      ASSERT_EQ(strata_size_class_index(c, offset), offset / info->object_size)
          << "class " << c << " offset " << offset;
    }
  }
}

TEST(SizeClass, ZeroAndOversizedRequests) {
  EXPECT_EQ(strata_size_to_class(0), 1u);
  EXPECT_EQ(strata_size_to_class(STRATA_MAX_SMALL_SIZE + 1), 0u);
  EXPECT_EQ(strata_size_to_class(SIZE_MAX), 0u);
  EXPECT_EQ(strata_size_to_class(SIZE_MAX - 6), 0u);  // no wrap in (size + 7)
}

// The two-word lookup is the plain one for 16 bytes and more, and the
// 16-byte class below: no object it serves is smaller than 16 bytes.
TEST(SizeClass, MinimumSixteenLookupRaisesOnlyTheSmallestSizes) {
  for (size_t n = 0; n <= STRATA_MAX_SMALL_SIZE + 1; ++n) {
    unsigned c = strata_size_to_class_min16(n);
    ASSERT_EQ(c, strata_size_to_class(n < 16 ? 16 : n)) << "size " << n;
    if (c != 0) {
      ASSERT_GE(strata_size_class_object_size(c), 16u) << "size " << n;
    }
  }
  EXPECT_EQ(strata_size_to_class_min16(0), strata_size_to_class(16));
  EXPECT_NE(strata_size_to_class_min16(8), strata_size_to_class(8));
  EXPECT_EQ(strata_size_to_class_min16(SIZE_MAX), 0u);
}

TEST(SpanClass, PacksSizeClassAndKind) {
  std::set<int> seen;
  for (unsigned c = 0; c < STRATA_SIZE_CLASS_COUNT; ++c) {
    for (strata_object_kind kind : {STRATA_KIND_SCAN, STRATA_KIND_NOSCAN}) {
      strata_span_class sc = strata_span_class_make(c, kind);
      EXPECT_EQ(strata_span_class_size_class(sc), c);
      EXPECT_EQ(strata_span_class_kind(sc), kind);
      EXPECT_LT(sc, STRATA_SPAN_CLASS_COUNT);
      EXPECT_TRUE(seen.insert(sc).second) << "span class " << int(sc) << " twice";
    }
  }
}

}  // namespace
