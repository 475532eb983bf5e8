// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// glibc's malloc extensions, linked from strata's static override as a
// program calls them: each answers with strata's figures and acts on
// strata's heap.
#include <gtest/gtest.h>
#include <malloc.h>
#include <dlfcn.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "frontend/malloc/strata_malloc.h"

namespace {

// Every extension the program calls is strata's (linked into it), not
// glibc's.
TEST(GlibcExtensions, AreStrata) {
  const void *functions[] = {reinterpret_cast<const void *>(&malloc_trim),
                             reinterpret_cast<const void *>(&mallinfo2),
                             reinterpret_cast<const void *>(&malloc_stats),
                             reinterpret_cast<const void *>(&malloc_info),
                             reinterpret_cast<const void *>(&mallopt)};
  for (const void *function : functions) {
    Dl_info info;
    ASSERT_NE(dladdr(function, &info), 0);
    EXPECT_EQ(std::string(info.dli_fname).find("libc.so"), std::string::npos) << info.dli_fname;
  }
}

TEST(GlibcExtensions, Mallinfo2FollowsTheHeap) {
  struct mallinfo2 before = mallinfo2();
  std::vector<void *> small;
  for (int i = 0; i < 2000; i++) small.push_back(malloc(1000));
  void *large = malloc(10 << 20);
  std::memset(large, 1, 10 << 20);
  struct mallinfo2 during = mallinfo2();
  EXPECT_GE(during.uordblks, before.uordblks + 2000 * 1000 + (10 << 20));
  EXPECT_EQ(during.hblks, before.hblks + 1);
  EXPECT_GE(during.hblkhd, before.hblkhd + (10 << 20));
  EXPECT_GE(during.arena, during.uordblks);
  EXPECT_GE(during.usmblks, during.uordblks);
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  EXPECT_EQ(during.arena, stats.mapped_bytes);
  free(large);
  for (void *p : small) free(p);
  struct mallinfo2 after = mallinfo2();
  EXPECT_EQ(after.hblks, before.hblks);
  EXPECT_EQ(after.hblkhd, before.hblkhd);
  // The old interface says the same, in ints (deprecated by glibc, still
  // called by programs).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  struct mallinfo narrow = mallinfo();
#pragma GCC diagnostic pop
  EXPECT_EQ(static_cast<size_t>(narrow.hblks), after.hblks);
  EXPECT_GT(narrow.arena, 0);
}

TEST(GlibcExtensions, MallocTrimGivesFreeMemoryBack) {
  std::vector<void *> blocks;
  for (int i = 0; i < 40; i++) {
    blocks.push_back(malloc(256 << 10));  // large: page runs of their own
    std::memset(blocks.back(), 1, 256 << 10);
  }
  for (void *p : blocks) free(p);
  struct mallinfo2 before = mallinfo2();
  EXPECT_GT(before.fordblks, 0u);
  EXPECT_EQ(malloc_trim(0), 1);
  struct mallinfo2 after = mallinfo2();
  EXPECT_LT(after.fordblks, before.fordblks);
  EXPECT_EQ(after.keepcost, after.fordblks);
  EXPECT_EQ(malloc_trim(0), 0);  // nothing left to give
}

TEST(GlibcExtensions, MallocStatsWritesStrataStats) {
  testing::internal::CaptureStderr();
  malloc_stats();
  std::string said = testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("strata: heap:"), std::string::npos) << said;
}

TEST(GlibcExtensions, MallocInfoIsXmlInGlibcsShape) {
  void *keep = malloc(100);
  char *text = nullptr;
  size_t length = 0;
  FILE *out = open_memstream(&text, &length);
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(malloc_info(0, out), 0);
  std::fclose(out);
  std::string xml(text, length);
  std::free(text);
  EXPECT_EQ(xml.rfind("<malloc version=\"1\">", 0), 0u) << xml;
  EXPECT_NE(xml.find("<heap nr=\"0\">"), std::string::npos);
  EXPECT_NE(xml.find("<size from="), std::string::npos);
  EXPECT_NE(xml.find("<total type=\"mmap\""), std::string::npos);
  EXPECT_NE(xml.find("<system type=\"current\""), std::string::npos);
  EXPECT_NE(xml.find("</malloc>\n"), std::string::npos);
  errno = 0;
  EXPECT_EQ(malloc_info(1, stderr), -1);  // no option is defined
  EXPECT_EQ(errno, EINVAL);
  free(keep);
}

TEST(GlibcExtensions, MalloptAppliesWhatStrataHas) {
  // M_MMAP_THRESHOLD: large objects this big go back to the OS when freed.
  EXPECT_EQ(mallopt(M_MMAP_THRESHOLD, 64 << 10), 1);
  EXPECT_EQ(malloc_trim(0) >= 0, true);
  struct mallinfo2 before = mallinfo2();
  void *p = malloc(1 << 20);
  std::memset(p, 1, 1 << 20);
  free(p);
  struct mallinfo2 after = mallinfo2();
  EXPECT_LE(after.fordblks, before.fordblks) << "the freed MiB stayed committed";
  // M_TRIM_THRESHOLD: free memory beyond it goes back.
  EXPECT_EQ(mallopt(M_MMAP_THRESHOLD, 32 << 20), 1);
  EXPECT_EQ(mallopt(M_TRIM_THRESHOLD, 0), 1);
  void *q = malloc(2 << 20);
  std::memset(q, 1, 2 << 20);
  free(q);
  EXPECT_EQ(mallinfo2().fordblks, 0u);
  // -1: glibc's "never trim": free memory stays committed, however much.
  EXPECT_EQ(mallopt(M_TRIM_THRESHOLD, -1), 1);
  void *r = malloc(2 << 20);
  std::memset(r, 1, 2 << 20);
  free(r);
  EXPECT_GE(mallinfo2().fordblks, 2u << 20) << "freed memory went back under \"never trim\"";
  EXPECT_EQ(mallopt(M_TRIM_THRESHOLD, 0), 1);
  EXPECT_EQ(mallinfo2().fordblks, 0u) << "a threshold of 0 gives it all back at once";
  EXPECT_EQ(mallopt(M_MMAP_THRESHOLD, -1), 0);  // not a size (glibc refuses it too)
  // The others are accepted and have no strata meaning.
  EXPECT_EQ(mallopt(M_ARENA_MAX, 2), 1);
  EXPECT_EQ(mallopt(M_TOP_PAD, 1 << 20), 1);
  EXPECT_EQ(mallopt(M_PERTURB, 0), 1);
  EXPECT_EQ(strata_malloc_check(), STRATA_OK);
}

}  // namespace
