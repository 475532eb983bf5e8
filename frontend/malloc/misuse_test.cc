// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Misuse is reported with a clear message and stops the program (the
// default, STRATA_ON_ERROR=abort). Each death test checks the message.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

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

std::string Hex(const void *p) {
  char text[32];
  std::snprintf(text, sizeof text, "%p", p);
  return text;
}

// The pattern that a check of the last freed object alone misses: another
// free between the two frees of one object. Caught at the second free, for
// the smallest requests, a middle size and the largest small class.
TEST(MallocMisuseDeathTest, DoubleFreeNotInARowIsCaughtAtTheSecondFree) {
  for (size_t size : {size_t{1}, size_t{8}, size_t{16}, size_t{48}, size_t{1000},
                      size_t{STRATA_MAX_SMALL_SIZE}}) {
    void *a = strata_malloc(size);
    void *b = strata_malloc(size);
    strata_free(a);
    strata_free(b);
    EXPECT_DEATH(strata_free(a), "strata: free\\(\\): double free " + Hex(a)) << size;
    void *c = strata_malloc(size);  // the heap is intact: a and b come back once each
    void *d = strata_malloc(size);
    EXPECT_NE(c, d);
    strata_free(c);
    strata_free(d);
  }
}

// Freed in one thread, freed again in another, in either order; and freed
// after the first thread's cache handed it on (thread exit).
TEST(MallocMisuseDeathTest, DoubleFreeAcrossThreadsIsCaught) {
  // The child starts a thread: re-executed, it starts with one thread, as
  // ThreadSanitizer requires after fork (and its addresses differ: the
  // message is matched without them).
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  void *a = strata_malloc(64);
  std::thread([a] { strata_free(a); }).join();
  EXPECT_DEATH(strata_free(a), "strata: free\\(\\): double free 0x");
  void *b = strata_malloc(64);
  strata_free(b);
  EXPECT_DEATH(std::thread([b] { strata_free(b); }).join(),
               "strata: free\\(\\): double free 0x");
  void *c = strata_malloc(24);
  void *d = strata_malloc(24);
  std::thread([c, d] {
    strata_free(c);
    strata_free(d);
  }).join();  // the thread's cache went back to the central lists at its exit
  EXPECT_DEATH(strata_free(c), "strata: free\\(\\): double free 0x");
}

// realloc and malloc_usable_size of a freed object are reported at that
// call, small or large.
TEST(MallocMisuseDeathTest, ReallocAndUsableSizeOfAFreedPointer) {
  for (size_t size : {size_t{8}, size_t{100}, size_t{100000}}) {
    void *p = strata_malloc(size);
    void *keep = strata_malloc(size);  // p is not the only object of its span
    strata_free(p);
    EXPECT_DEATH(strata_realloc(p, 200), "strata: realloc\\(\\): pointer already freed " + Hex(p))
        << size;
    EXPECT_DEATH(strata_malloc_usable_size(p),
                 "strata: malloc_usable_size\\(\\): pointer already freed " + Hex(p))
        << size;
    strata_free(keep);
  }
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
