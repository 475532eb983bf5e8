// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// STRATA_ON_ERROR=warn: misuse is reported, counted and ignored, and the
// heap stays intact. The variable is set before strata's first use.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <thread>

#include "frontend/malloc/strata_malloc.h"

namespace {

uint64_t Errors() {
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  return stats.errors;
}

TEST(MallocWarnMode, MisuseIsCountedAndIgnored) {
  uint64_t before = Errors();
  int on_stack = 0;
  testing::internal::CaptureStderr();
  strata_free(&on_stack);
  auto *p = static_cast<char *>(strata_malloc(64));
  strata_free(p + 8);
  strata_free(p);
  strata_free(p);  // double free in a row: ignored, not pushed twice
  EXPECT_EQ(strata_realloc(&on_stack, 10), nullptr);
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(Errors(), before + 4);
  EXPECT_NE(out.find("strata: free(): invalid pointer"), std::string::npos) << out;
  EXPECT_NE(out.find("strata: free(): double free"), std::string::npos) << out;
  EXPECT_NE(out.find("(ignored)"), std::string::npos) << out;
  // The ignored double free did not put the object on the free list twice.
  std::set<void *> handed_out;
  for (int i = 0; i < 100; ++i) {
    void *q = strata_malloc(64);
    EXPECT_TRUE(handed_out.insert(q).second) << "an object was handed out twice";
  }
  for (void *q : handed_out) strata_free(q);
  EXPECT_EQ(strata_malloc_check(), 0);
}

// A double free with another free between the two: reported at the second
// free, which is ignored, so the object is on one list once. Three mallocs
// then hand out three distinct objects, and the thread's exit hands its
// cache back and ends (it used to loop, reporting the object over and
// over, once the object was on the list twice).
TEST(MallocWarnMode, DoubleFreeNotInARowIsIgnoredAndNothingIsHandedOutTwice) {
  uint64_t before = Errors();
  testing::internal::CaptureStderr();
  std::thread([] {
    void *a = strata_malloc(48);
    void *b = strata_malloc(48);
    strata_free(a);
    strata_free(b);
    strata_free(a);
    void *x = strata_malloc(48);
    void *y = strata_malloc(48);
    void *z = strata_malloc(48);
    EXPECT_NE(x, y);
    EXPECT_NE(y, z);
    EXPECT_NE(x, z);
    strata_free(x);
    strata_free(y);
    strata_free(z);
  }).join();
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(Errors(), before + 1) << out;
  EXPECT_NE(out.find("strata: free(): double free"), std::string::npos) << out;
  EXPECT_EQ(strata_malloc_check(), 0);
}

// A freed object's mark overwritten (a write after free) hides its second
// free, and the list then links back into itself. Handing the cache back
// must still end: what the list counted goes back (here less than nothing:
// its count went below zero), the links beyond it are reported as a
// corrupt list and dropped.
TEST(MallocWarnMode, ACorruptedListDoesNotHangTheThreadsExit) {
  uint64_t before = Errors();
  testing::internal::CaptureStderr();
  std::thread([] {
    void *a = strata_malloc(80);
    void *b = strata_malloc(80);
    strata_free(a);
    strata_free(b);
    static_cast<uintptr_t *>(a)[1] = 0;  // the write after free
    strata_free(a);                      // not seen: a -> b -> a -> ...
    // a, b, a, b, ...: the cycle hands out far more than the list counted.
    for (int i = 0; i < 500; ++i) (void)strata_malloc(80);
  }).join();
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_GT(Errors(), before) << out;
  EXPECT_NE(out.find("free list corrupted"), std::string::npos) << out;
}

}  // namespace

int main(int argc, char **argv) {
  setenv("STRATA_ON_ERROR", "warn", 1);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
