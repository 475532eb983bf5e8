// Misuse is reported with a clear message and stops the program (the
// default, STRATA_ON_ERROR=abort). Each death test checks the message.
#include <gtest/gtest.h>

#include <cstdint>

#include "frontend/malloc/strata_malloc.h"
#include "sizeclass/sizeclass.h"

namespace {

static char global_buffer[256];

TEST(MallocMisuseDeathTest, FreeOfAPointerStrataNeverGaveOut) {
  int on_stack = 0;
  EXPECT_DEATH(strata_free(&on_stack), "strata: free\\(\\): invalid pointer 0x[0-9a-f]+");
  EXPECT_DEATH(strata_free(global_buffer + 16), "strata: free\\(\\): invalid pointer 0x");
  EXPECT_DEATH(strata_free(reinterpret_cast<void *>(uintptr_t{0xdeadbeef000})),
               "strata: free\\(\\): invalid pointer 0xdeadbeef000");
}

// A sized free whose size the object never had (more than it holds, or of
// a smaller class) is reported, not trusted.
TEST(MallocMisuseDeathTest, SizedFreeWithAWrongSize) {
  void *small = strata_malloc(64);
  EXPECT_DEATH(strata_free_sized(small, 1000), "strata: free_sized\\(\\): wrong size for 0x[0-9a-f]+");
  void *mid = strata_malloc(1000);
  EXPECT_DEATH(strata_free_sized(mid, 24), "strata: free_sized\\(\\): wrong size for 0x");
  void *large = strata_malloc(200000);
  EXPECT_DEATH(strata_free_sized(large, 300000), "strata: free_sized\\(\\): wrong size for 0x");
  EXPECT_DEATH(strata_free_sized(large, 40000), "strata: free_sized\\(\\): wrong size for 0x");
  EXPECT_DEATH(strata_free_aligned_sized(small, 64, 65), "strata: free_aligned_sized\\(\\): wrong size");
  int on_stack = 0;
  EXPECT_DEATH(strata_free_sized(&on_stack, 4), "strata: free_sized\\(\\): invalid pointer 0x");
  strata_free_sized(small, 64);
  strata_free_sized(mid, 1000);
  strata_free_sized(large, 200000);
}

TEST(MallocMisuseDeathTest, FreeOfAnInteriorPointer) {
  auto *small = static_cast<char *>(strata_malloc(64));
  EXPECT_DEATH(strata_free(small + 8), "strata: free\\(\\): invalid pointer 0x");
  auto *large = static_cast<char *>(strata_malloc(100000));
  EXPECT_DEATH(strata_free(large + 4096), "strata: free\\(\\): invalid pointer 0x");
  strata_free(small);
  strata_free(large);
}

TEST(MallocMisuseDeathTest, FreeOfASpanTailThatHoldsNoObject) {
  // 48-byte objects fill a page up to 170 * 48 = 8160 bytes; the last 32
  // bytes of the span are not an object.
  auto *p = static_cast<char *>(strata_malloc(48));
  uintptr_t page = reinterpret_cast<uintptr_t>(p) & ~uintptr_t{STRATA_PAGE_SIZE - 1};
  void *tail = reinterpret_cast<void *>(page + 170 * 48);
  EXPECT_DEATH(strata_free(tail), "strata: free\\(\\): invalid pointer 0x");
  strata_free(p);
}

TEST(MallocMisuseDeathTest, DoubleFreeInARow) {
  void *p = strata_malloc(32);
  strata_free(p);
  EXPECT_DEATH(strata_free(p), "strata: free\\(\\): double free 0x");
}

TEST(MallocMisuseDeathTest, DoubleFreeOfALargeObject) {
  void *p = strata_malloc(size_t{2} << 20);
  strata_free(p);
  EXPECT_DEATH(strata_free(p), "strata: free\\(\\): double free 0x");
  void *q = strata_malloc(100000);
  strata_free(q);
  EXPECT_DEATH(strata_free(q), "strata: free\\(\\): double free 0x");
}

TEST(MallocMisuseDeathTest, DoubleFreeFoundWhenTheObjectReturnsToItsSpan) {
  void *a = strata_malloc(48);
  void *b = strata_malloc(48);
  strata_free(a);
  strata_free(b);
  EXPECT_DEATH(
      {
        strata_free(a);  // not in a row: b was freed last
        strata_malloc_release();
      },
      "strata: free\\(\\): double free 0x");
}

TEST(MallocMisuseDeathTest, ReallocAndUsableSizeOfForeignPointers) {
  int on_stack = 0;
  EXPECT_DEATH(strata_realloc(&on_stack, 100), "strata: realloc\\(\\): invalid pointer 0x");
  EXPECT_DEATH(strata_malloc_usable_size(&on_stack),
               "strata: malloc_usable_size\\(\\): invalid pointer 0x");
  auto *p = static_cast<char *>(strata_malloc(80));
  EXPECT_DEATH(strata_realloc(p + 16, 10), "strata: realloc\\(\\): invalid pointer 0x");
  strata_free(p);
}

}  // namespace
