// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Guarded sampling's slots with their default count (STRATA_GUARD_RATE=1,
// set by the BUILD rule, guards every allocation of at most a page while a
// slot is free): objects that live long do not use up the guard, and
// recently freed slots stay inaccessible before they are reused.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "frontend/malloc/strata_malloc.h"

extern "C" {
void *strata_sampled_malloc(size_t size);
bool strata_guard_owns(const void *p);
}

namespace {

uintptr_t PageOf(const void *p) {
  return reinterpret_cast<uintptr_t>(p) & ~static_cast<uintptr_t>(sysconf(_SC_PAGESIZE) - 1);
}

// Whether the page holding p may be read: mincore does not say, so ask
// the kernel by a call that reads it and fails with EFAULT when it cannot.
bool Readable(const void *p) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  bool ok = write(fds[1], p, 1) == 1;
  close(fds[0]);
  close(fds[1]);
  return ok;
}

TEST(GuardSlots, LongLivedObjectsDoNotUseUpTheGuard) {
  // 1000 objects held at once: each is guarded (the old fixed 32 slots
  // guarded the first 32 and none after).
  std::vector<char *> live;
  for (int i = 0; i < 1000; i++) {
    auto *p = static_cast<char *>(strata_sampled_malloc(48));
    ASSERT_NE(p, nullptr);
    std::memset(p, i & 0xff, 48);
    live.push_back(p);
  }
  int guarded = 0;
  for (char *p : live) guarded += strata_guard_owns(p);
  EXPECT_EQ(guarded, 1000);

  // Freed: every freed object's page is inaccessible at once.
  for (char *p : live) strata_free(p);
  for (char *p : live) ASSERT_FALSE(Readable(p));

  // Reuse starts with the oldest freed, and the 32 freed last are not
  // reused (while more than 32 wait): 100 new objects land on none of
  // their pages, and those stay inaccessible.
  std::set<uintptr_t> last_freed;
  for (size_t i = live.size() - 32; i < live.size(); i++) last_freed.insert(PageOf(live[i]));
  std::set<uintptr_t> first_freed;
  for (size_t i = 0; i < 100; i++) first_freed.insert(PageOf(live[i]));
  std::vector<char *> again;
  for (int i = 0; i < 100; i++) {
    auto *p = static_cast<char *>(strata_sampled_malloc(48));
    ASSERT_TRUE(p != nullptr && strata_guard_owns(p));
    EXPECT_EQ(last_freed.count(PageOf(p)), 0u) << "a slot freed among the last 32 was reused";
    EXPECT_EQ(first_freed.count(PageOf(p)), 1u) << "not the oldest freed slots first";
    again.push_back(p);
  }
  for (size_t i = live.size() - 32; i < live.size(); i++) EXPECT_FALSE(Readable(live[i]));
  for (char *p : again) strata_free(p);
}

}  // namespace
