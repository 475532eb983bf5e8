// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// What a thread costs in resident memory: a thread that allocates a few
// objects costs a few KiB, however large its cache may grow. Its own
// binary, so that nothing else runs while it measures.
#include <fcntl.h>
#include <sys/mman.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <thread>

#include "frontend/malloc/malloc_internal.h"
#include "frontend/malloc/strata_malloc.h"

namespace {

// The process's resident anonymous memory in KiB (heap, metadata, stacks;
// not the program's code, whose first run pages it in), from
// /proc/self/smaps_rollup, read into a buffer on the stack: measuring must
// not allocate.
long ResidentAnonymousKiB() {
  int fd = open("/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char text[4096];
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = '\0';
  const char *anonymous = std::strstr(text, "\nAnonymous:");
  return anonymous == nullptr ? -1 : std::strtol(anonymous + 11, nullptr, 10);
}

// The allocator's global state (the page heap with its page-map root and
// arena index, the central lists with their transfer slots: about 360 KiB
// of static storage) is resident only where it is used: initialisation
// reads none of it (the layers' init_zeroed forms), so a process that has
// allocated objects of a few dozen classes holds a few pages of it.
// Clearing it by reading, as a plain init does, made 21 pages resident on
// kernels without a shared zero page (9 now; mincore counts the zero
// page too, so the bound holds on any kernel).
TEST(Resident, TheGlobalStateIsResidentOnlyWhereUsed) {
  for (size_t size = 16; size <= 4096; size *= 2) strata_free(strata_malloc(size));
  const size_t os_page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  uintptr_t begin = reinterpret_cast<uintptr_t>(&strata_malloc_state);
  uintptr_t start = begin & ~(os_page - 1);
  size_t pages = (begin + sizeof strata_malloc_state - start + os_page - 1) / os_page;
  unsigned char vec[256];
  ASSERT_LE(pages, sizeof vec);
  ASSERT_EQ(mincore(reinterpret_cast<void *>(start), pages * os_page, vec), 0) << errno;
  size_t resident = 0;
  for (size_t i = 0; i < pages; i++) resident += vec[i] & 1;
  RecordProperty("global_state_resident_pages", static_cast<int>(resident));
  EXPECT_LE(resident, 12u) << "of " << pages << " pages";
}

// The cache itself is thread-local storage, made when the thread is: one
// free-list head, counter and fresh range per class.
TEST(Resident, ThreadCacheStorageIsAFewKiB) {
  EXPECT_LE(sizeof(strata_tcache), 4096u);
}

// A new thread allocates and writes four objects of each of four classes.
// What that adds to the process's resident memory is bounded by what it
// must touch: per class the OS page of the objects handed out (a refill
// links only the fresh objects on that page) and at most one more for the
// metadata a new span needs: 4 classes x 2 pages = 32 KiB (16 KiB measured
// on x86-64 Linux). A refill that wrote a link into every object of its
// batch, as strata's once did, would touch 12 more pages here (the whole
// 32 KiB batch of 1 KiB objects): objects held back in the thread's cache
// must stay untouched.
TEST(Resident, AThreadThatAllocatesAFewObjectsCostsAFewKiB) {
  // A sanitizer's shadow memory and per-thread state are resident memory
  // of their own, many times the bound.
  if (std::getenv("TEST_SANITIZER") != nullptr) GTEST_SKIP() << "under a sanitizer";
  // The heap exists before the thread starts: its first use is not the
  // thread's cost.
  strata_free(strata_malloc(8));
  long before = -1, after = -1;
  std::thread thread([&] {
    const size_t sizes[] = {16, 64, 256, 1024};
    void *objects[4][4];
    before = ResidentAnonymousKiB();
    for (int c = 0; c < 4; c++) {
      for (int i = 0; i < 4; i++) {
        objects[c][i] = strata_malloc(sizes[c]);
        if (objects[c][i] != nullptr) std::memset(objects[c][i], 0x5a, sizes[c]);
      }
    }
    after = ResidentAnonymousKiB();
    for (auto &row : objects) {
      for (void *p : row) strata_free(p);
    }
  });
  thread.join();
  ASSERT_GT(before, 0) << "no /proc/self/smaps_rollup";
  ASSERT_GT(after, 0);
  EXPECT_LE(after - before, 32) << "KiB added by a thread's first 16 objects";
  RecordProperty("thread_first_objects_kib", static_cast<int>(after - before));
  EXPECT_EQ(strata_malloc_check(), 0);
}

}  // namespace
