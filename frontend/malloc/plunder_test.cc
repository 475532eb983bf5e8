// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Batches parked in transfer slots of a class the program stopped using go
// back to their spans once a release delay passes with no batch moving
// (the background thread's plunder), so their spans become free and leave
// the in-use count, with no further call into the allocator. The BUILD rule
// sets STRATA_RELEASE_DELAY_MS=100.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "frontend/malloc/strata_malloc.h"

namespace {

size_t InUseBytes() {
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  return stats.in_use_bytes;
}

TEST(Plunder, IdleTransferSlotsGoBackToTheirSpans) {
  // 32 KiB objects: a batch is two of them, and the class's 8 transfer
  // slots park up to 16 (512 KiB), which keeps their spans in use.
  const size_t size = 32 << 10;
  std::vector<void *> objects;
  std::thread maker([&] {
    for (int i = 0; i < 64; i++) {
      void *p = strata_malloc(size);
      ASSERT_NE(p, nullptr);
      memset(p, 1, size);
      objects.push_back(p);
    }
  });
  maker.join();
  // Freed by a thread that then exits: its cache goes back, filling the
  // class's transfer slots first.
  std::thread freer([&] {
    for (void *p : objects) strata_free(p);
  });
  freer.join();
  size_t parked = InUseBytes();
  // A few release delays: the background thread wakes at least once per
  // delay, and a class is plundered at its second look when idle.
  size_t after = parked;
  for (int i = 0; i < 50 && parked - after < (size_t{512} << 10); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    after = InUseBytes();
  }
  std::printf("in use after the frees: %zu KiB; after idling: %zu KiB\n", parked >> 10,
              after >> 10);
  EXPECT_GE(parked - after, size_t{512} << 10);
  EXPECT_EQ(strata_malloc_check(), 0);
}

}  // namespace
