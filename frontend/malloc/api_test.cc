// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Conformance of the strata_ malloc API with the C library's contract.
#include "frontend/malloc/strata_malloc.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pageheap/pageheap.h"
#include "sizeclass/sizeclass.h"

namespace {

size_t NaturalAlignment(size_t n) {
  size_t low = n & (~n + 1);
  return low < 16 ? low : 16;
}

TEST(MallocApi, EverySmallSizeIsAlignedUsableAndDistinct) {
  std::vector<void *> live;
  for (size_t n = 1; n <= STRATA_MAX_SMALL_SIZE; n += (n < 1024 ? 1 : 61)) {
    auto *p = static_cast<unsigned char *>(strata_malloc(n));
    ASSERT_NE(p, nullptr) << n;
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % NaturalAlignment(n), 0u) << n;
    ASSERT_GE(strata_malloc_usable_size(p), n);
    p[0] = 1;
    p[n - 1] = 2;
    live.push_back(p);
  }
  std::set<void *> distinct(live.begin(), live.end());
  EXPECT_EQ(distinct.size(), live.size());
  for (void *p : live) strata_free(p);
  EXPECT_EQ(strata_malloc_check(), 0);
}

TEST(MallocApi, SixteenByteAlignmentFromSixteenBytesOn) {
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; ++c) {
    size_t size = strata_size_class_object_size(c);
    void *p = strata_malloc(size);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % NaturalAlignment(size), 0u) << size;
    strata_free(p);
  }
  void *p48 = strata_malloc(48);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p48) % 16, 0u);
  strata_free(p48);
}

TEST(MallocApi, ZeroSizes) {
  void *a = strata_malloc(0);
  void *b = strata_malloc(0);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);  // unique pointers, as glibc
  strata_free(a);
  strata_free(b);
  void *c = strata_calloc(0, 10);
  ASSERT_NE(c, nullptr);
  strata_free(c);
  void *d = strata_malloc(10);
  EXPECT_EQ(strata_realloc(d, 0), nullptr);  // glibc: frees, returns NULL
  void *e = strata_realloc(nullptr, 0);
  ASSERT_NE(e, nullptr);
  strata_free(e);
  strata_free(nullptr);
  EXPECT_EQ(strata_malloc_usable_size(nullptr), 0u);
}

TEST(MallocApi, HugeSizesFailWithEnomem) {
  for (size_t n : {SIZE_MAX, SIZE_MAX - 4096, SIZE_MAX / 2, size_t{1} << 50}) {
    errno = 0;
    EXPECT_EQ(strata_malloc(n), nullptr) << n;
    EXPECT_EQ(errno, ENOMEM) << n;
  }
  errno = 0;
  EXPECT_EQ(strata_calloc(SIZE_MAX / 2, 3), nullptr);  // count * size overflows
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(strata_calloc(size_t{1} << 33, size_t{1} << 33), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  void *p = strata_malloc(100);
  errno = 0;
  EXPECT_EQ(strata_reallocarray(p, SIZE_MAX / 4, 8), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(strata_realloc(p, SIZE_MAX), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  static_cast<char *>(p)[99] = 1;  // a failed realloc leaves the block alone
  strata_free(p);
  EXPECT_EQ(strata_malloc_check(), 0);
}

TEST(MallocApi, CallocZeroesEvenReusedMemory) {
  for (size_t n : {size_t{24}, size_t{1000}, size_t{30000}, size_t{100000}, size_t{3} << 20}) {
    auto *dirty = static_cast<unsigned char *>(strata_malloc(n));
    std::memset(dirty, 0xFF, n);
    strata_free(dirty);
    auto *p = static_cast<unsigned char *>(strata_calloc(1, n));
    ASSERT_NE(p, nullptr);
    for (size_t i = 0; i < n; i += 7) ASSERT_EQ(p[i], 0) << n << " at " << i;
    ASSERT_EQ(p[n - 1], 0);
    strata_free(p);
  }
}

TEST(MallocApi, ReallocKeepsContentsGrowingAndShrinking) {
  size_t size = 1;
  auto *p = static_cast<unsigned char *>(strata_malloc(size));
  p[0] = 0;
  std::vector<size_t> steps;
  for (size_t s = 2; s < (size_t{4} << 20); s = s * 3 / 2 + 1) steps.push_back(s);
  for (size_t i = steps.size(); i-- > 0;) steps.push_back(steps[i] / 2 + 1);
  for (size_t next : steps) {
    auto *q = static_cast<unsigned char *>(strata_realloc(p, next));
    ASSERT_NE(q, nullptr) << next;
    size_t kept = next < size ? next : size;
    for (size_t i = 0; i < kept; i += 13) ASSERT_EQ(q[i], static_cast<unsigned char>(i * 7)) << next;
    for (size_t i = 0; i < next; ++i) q[i] = static_cast<unsigned char>(i * 7);
    p = q;
    size = next;
  }
  strata_free(p);
  EXPECT_EQ(strata_malloc_check(), 0);
}

TEST(MallocApi, ReallocStaysInPlaceWhileTheClassFits) {
  void *p = strata_malloc(100);  // class of 112 bytes
  EXPECT_EQ(strata_realloc(p, 110), p);
  EXPECT_EQ(strata_realloc(p, 60), p);    // still more than half
  void *moved = strata_realloc(p, 200);
  EXPECT_NE(moved, p);
  void *big = strata_malloc(200000);
  EXPECT_EQ(strata_realloc(big, 150000), big);
  strata_free(moved);
  strata_free(big);
}

TEST(MallocApi, AlignedAllocationsHonourEveryAlignment) {
  for (size_t alignment = sizeof(void *); alignment <= (size_t{4} << 20); alignment <<= 1) {
    for (size_t size : {size_t{1}, size_t{24}, alignment, alignment + 1, size_t{40000}}) {
      void *p = nullptr;
      ASSERT_EQ(strata_posix_memalign(&p, alignment, size), 0) << alignment << " " << size;
      ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u) << alignment << " " << size;
      ASSERT_GE(strata_malloc_usable_size(p), size);
      std::memset(p, 0x5A, size);
      strata_free(p);
      void *q = strata_aligned_alloc(alignment, size);
      ASSERT_NE(q, nullptr);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(q) % alignment, 0u);
      strata_free(q);
    }
  }
  EXPECT_EQ(strata_malloc_check(), 0);
}

TEST(MallocApi, BadAlignmentsAreEinval) {
  void *p = reinterpret_cast<void *>(0x1);
  EXPECT_EQ(strata_posix_memalign(&p, 0, 16), EINVAL);
  EXPECT_EQ(strata_posix_memalign(&p, 24, 16), EINVAL);
  EXPECT_EQ(strata_posix_memalign(&p, 4, 16), EINVAL);  // not a multiple of sizeof(void*)
  EXPECT_EQ(p, reinterpret_cast<void *>(0x1));          // untouched on error
  errno = 0;
  EXPECT_EQ(strata_aligned_alloc(3, 16), nullptr);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(strata_aligned_alloc(0, 16), nullptr);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(strata_memalign(SIZE_MAX, 16), nullptr);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(strata_posix_memalign(&p, 64, SIZE_MAX), ENOMEM);
}

TEST(MallocApi, MemalignValllocPvalloc) {
  void *p = strata_memalign(24, 10);  // rounded up to 32, as glibc does
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 32, 0u);
  strata_free(p);
  void *v = strata_valloc(100);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v) % 4096, 0u);
  strata_free(v);
  void *pv = strata_pvalloc(100);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(pv) % 4096, 0u);
  EXPECT_GE(strata_malloc_usable_size(pv), 4096u);
  strata_free(pv);
  void *pv0 = strata_pvalloc(0);
  EXPECT_GE(strata_malloc_usable_size(pv0), 4096u);
  strata_free(pv0);
}

// memalign honours every alignment it is given, for every size: with 16,
// the sizes whose class is only 8-aligned (0 to 8, 17 to 24) too. Ten
// objects of each stay live, so that a class that hands out 8-aligned
// slots shows one.
TEST(MallocApi, MemalignAlignsEverySize) {
  for (size_t alignment = 1; alignment <= 8192; alignment <<= 1) {
    std::vector<void *> live;
    for (size_t size = 0; size <= 80; ++size) {
      for (int i = 0; i < 10; ++i) {
        void *p = strata_memalign(alignment, size);
        ASSERT_NE(p, nullptr);
        ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u)
            << "memalign(" << alignment << ", " << size << ")";
        ASSERT_GE(strata_malloc_usable_size(p), size);
        live.push_back(p);
      }
    }
    for (void *p : live) strata_free(p);
  }
  EXPECT_EQ(strata_malloc_check(), 0);
}

// Every object holds two words (a free-list link and the freed mark), so
// the smallest requests get 16 bytes, 16-aligned.
TEST(MallocApi, SmallestObjectsAreSixteenBytes) {
  std::vector<void *> live;
  for (size_t size = 0; size <= 16; ++size) {
    for (int i = 0; i < 10; ++i) {
      void *p = strata_malloc(size);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(strata_malloc_usable_size(p), 16u) << size;
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u) << size;
      live.push_back(p);
    }
  }
  for (void *p : live) strata_free(p);
}

TEST(MallocApi, SizedFreesFree) {
  void *p = strata_malloc(64);
  strata_free_sized(p, 64);
  void *q = strata_aligned_alloc(256, 256);
  strata_free_aligned_sized(q, 256, 256);
  EXPECT_EQ(strata_malloc_check(), 0);
}

// Every size a program may rightly pass: each size of every class (and of
// large objects), after malloc and after a realloc that stays in place.
TEST(MallocApi, SizedFreeAcceptsEveryRightSize) {
  for (size_t size = 0; size <= 70000; size += size < 2048 ? 1 : 97) {
    strata_free_sized(strata_malloc(size), size);
    void *p = strata_malloc(size + size / 3 + 1);
    void *q = strata_realloc(p, size);  // in place or not, q is of `size` now
    if (size == 0) continue;  // realloc(p, 0) frees
    strata_free_sized(q, size);
  }
  void *a = strata_aligned_alloc(4096, 10);  // a class far larger than 10
  strata_free_aligned_sized(a, 4096, 10);
  EXPECT_EQ(strata_malloc_check(), 0);
}

TEST(MallocApi, LargeObjectsComeAndGo) {
  strata_malloc_stats during, after;
  auto *p = static_cast<unsigned char *>(strata_malloc(size_t{64} << 20));
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, size_t{64} << 20);
  strata_malloc_get_stats(&during);
  // At least the object (not "what was in use before + 64 MiB": the
  // background thread may hand idle classes' spans back meanwhile).
  EXPECT_GE(during.in_use_bytes, size_t{64} << 20);
  strata_free(p);
  strata_malloc_get_stats(&after);
  // Very large objects go back to the OS as they are freed.
  EXPECT_LE(after.committed_bytes + (size_t{60} << 20), during.committed_bytes);
  EXPECT_EQ(strata_malloc_check(), 0);
}

TEST(MallocApi, ReleaseEmptiesCachesAndGivesMemoryBack) {
  std::vector<void *> blocks;
  for (int i = 0; i < 20000; ++i) blocks.push_back(strata_malloc(200));
  for (void *p : blocks) strata_free(p);
  EXPECT_GT(strata_malloc_release(), 0u);
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  EXPECT_LT(stats.committed_bytes, size_t{2} << 20);
  EXPECT_EQ(strata_malloc_check(), 0);
}

}  // namespace

namespace {

// strata_malloc_check names the invariant it finds broken. The heap is
// corrupted by hand through the public page-heap API (a span's allocated
// count off by one), checked, and mended.
TEST(MallocApi, CheckNamesTheBrokenInvariant) {
  void *p = strata_malloc(48);
  ASSERT_NE(p, nullptr);
  strata_span *span = strata_pageheap_span_of(strata_malloc_page_heap(), p);
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(strata_malloc_check(), STRATA_OK);
  span->allocated++;
  testing::internal::CaptureStderr();
  EXPECT_EQ(strata_malloc_check(), STRATA_ERR_CORRUPT);
  std::string said = testing::internal::GetCapturedStderr();
  span->allocated--;
  EXPECT_NE(said.find("strata: heap check failed: span: allocated count differs from the bitmap"),
            std::string::npos)
      << said;
  EXPECT_EQ(strata_malloc_check(), STRATA_OK);
  strata_free(p);
}

// The check walks the calling thread's cache: an object on a list whose
// freed mark was overwritten (a write after free), and a list linked into
// a cycle, are named; put back, the check passes again.
TEST(MallocApi, CheckWalksTheThreadCache) {
  std::thread([] {
    auto *a = static_cast<uintptr_t *>(strata_malloc(64));
    auto *b = static_cast<uintptr_t *>(strata_malloc(64));
    strata_free(a);
    strata_free(b);  // the list: b -> a -> ...
    EXPECT_EQ(strata_malloc_check(), STRATA_OK);
    auto expect_broken = [](const char *invariant) {
      testing::internal::CaptureStderr();
      EXPECT_EQ(strata_malloc_check(), STRATA_ERR_CORRUPT);
      std::string said = testing::internal::GetCapturedStderr();
      EXPECT_NE(said.find(std::string("strata: heap check failed: ") + invariant), std::string::npos)
          << said;
    };
    uintptr_t mark = a[1];
    a[1] = 0;  // a write after free over the mark
    expect_broken("thread cache: an object on a list lacks the freed mark");
    a[1] = mark;
    EXPECT_EQ(strata_malloc_check(), STRATA_OK);
    uintptr_t link = a[0];
    a[0] = reinterpret_cast<uintptr_t>(b);  // b -> a -> b -> ... (the plain build's links are raw)
    expect_broken("thread cache: a list is longer than its count (a cycle?)");
    a[0] = link;
    EXPECT_EQ(strata_malloc_check(), STRATA_OK);
  }).join();
}

}  // namespace
