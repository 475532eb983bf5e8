// STRATA_ON_ERROR=warn: misuse is reported, counted and ignored, and the
// heap stays intact. The variable is set before strata's first use.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>

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

}  // namespace

int main(int argc, char **argv) {
  setenv("STRATA_ON_ERROR", "warn", 1);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
