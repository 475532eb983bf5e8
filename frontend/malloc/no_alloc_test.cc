// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The paths that say things -- a misuse report, a settings warning at
// start-up, the stats -- format text with the C library while the heap may
// be broken or not yet made; they must not call the C library's allocator
// (which, under LD_PRELOAD, is strata itself). This test replaces the C
// library's malloc family with counting wrappers (a program's own malloc
// interposes the C library's internal calls too) and counts the calls each
// path makes. The control shows the wrappers see the C library's own
// allocations.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "frontend/malloc/strata_malloc.h"

extern "C" {
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t alignment, size_t size);
void __libc_free(void *p);
}

namespace {
std::atomic<bool> counting{false};
std::atomic<long> libc_allocations{0};

void Note() {
  if (counting.load(std::memory_order_relaxed)) libc_allocations.fetch_add(1);
}

// Allocations the C library makes while `fn` runs; what the paths wrote
// on stderr meanwhile goes to *said.
template <typename Fn>
long AllocationsDuring(Fn fn, std::string *said = nullptr) {
  char path[] = "/tmp/strata-no-alloc-XXXXXX";
  int out = mkstemp(path);
  EXPECT_GE(out, 0);
  unlink(path);
  int saved = dup(STDERR_FILENO);
  dup2(out, STDERR_FILENO);
  libc_allocations = 0;
  counting = true;
  fn();
  counting = false;
  dup2(saved, STDERR_FILENO);
  close(saved);
  if (said != nullptr) {
    char buf[4096];
    ssize_t n = pread(out, buf, sizeof buf, 0);
    said->assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
  }
  close(out);
  return libc_allocations.load();
}
}  // namespace

extern "C" {
void *malloc(size_t size) {
  Note();
  return __libc_malloc(size);
}
void *calloc(size_t count, size_t size) {
  Note();
  return __libc_calloc(count, size);
}
void *realloc(void *p, size_t size) {
  Note();
  return __libc_realloc(p, size);
}
void *memalign(size_t alignment, size_t size) {
  Note();
  return __libc_memalign(alignment, size);
}
void *aligned_alloc(size_t alignment, size_t size) {
  Note();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void **out, size_t alignment, size_t size) {
  Note();
  void *p = __libc_memalign(alignment, size);
  if (p == nullptr) return 12; /* ENOMEM */
  *out = p;
  return 0;
}
void free(void *p) { __libc_free(p); }
}

namespace {

// The wrappers see what the C library allocates for itself.
TEST(NoAllocation, TheCountersSeeTheCLibrarysOwnAllocations) {
  long n = AllocationsDuring([] {
    FILE *f = std::fopen("/dev/null", "w");
    ASSERT_NE(f, nullptr);
    std::fprintf(f, "%d\n", 1);
    std::fclose(f);
  });
  EXPECT_GT(n, 0);
}

// The first call starts strata: the environment (BUILD) holds a typo, a bad
// number and a bad choice, each warned about on stderr.
TEST(NoAllocation, StartUpWithSettingsWarnings) {
  void *p = nullptr;
  std::string said;
  EXPECT_EQ(AllocationsDuring([&] { p = strata_malloc(16); }, &said), 0);
  EXPECT_NE(said.find("STRATA_TYPO_SETTING"), std::string::npos) << said;
  EXPECT_NE(said.find("STRATA_RELEASE_DELAY_MS=soon"), std::string::npos) << said;
  EXPECT_NE(said.find("STRATA_BACKEND=bogus"), std::string::npos) << said;
  strata_free(p);
}

TEST(NoAllocation, MisuseReports) {
  int on_stack = 0;
  char *p = static_cast<char *>(strata_malloc(64));
  std::string said;
  EXPECT_EQ(AllocationsDuring(
                [&] {
                  strata_free(&on_stack);  // invalid pointer
                  strata_free(p + 8);      // interior pointer
                  strata_free(p);
                  strata_free(p);  // double free
                  EXPECT_EQ(strata_realloc(&on_stack, 10), nullptr);
                },
                &said),
            0);
  EXPECT_NE(said.find("double free"), std::string::npos) << said;
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  EXPECT_EQ(stats.errors, 4u);  // each was reported (STRATA_ON_ERROR=warn)
}

TEST(NoAllocation, StatsPrint) {
  void *p = strata_malloc(1000);
  std::string said;
  EXPECT_EQ(AllocationsDuring([] { strata_malloc_stats_print(); }, &said), 0);
  EXPECT_NE(said.find("strata: heap:"), std::string::npos) << said;
  strata_free(p);
}

}  // namespace
