// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// One conformance suite, run against every backend strata ships.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "arena/backend.h"
#include "arena/backends.h"
#include "base/constants.h"

namespace {

// Owns a backend of any kind (and what it needs) for one test.
struct BackendFixture {
  strata_mmap_backend mmap_backend;
  strata_hugepage_backend hugepage_backend;
  strata_static_backend static_backend;
  strata_fault_backend fault_backend;
  std::vector<unsigned char> buffer;
  strata_backend *backend = nullptr;
};

using Maker = std::function<void(BackendFixture *)>;

struct BackendCase {
  std::string name;
  Maker make;
};

std::vector<BackendCase> AllBackends() {
  return {
      {"mmap_lazy",
       [](BackendFixture *f) {
         strata_mmap_backend_init_with(&f->mmap_backend, STRATA_COMMIT_LAZY);
         f->backend = &f->mmap_backend.base;
       }},
      {"mmap_eager",
       [](BackendFixture *f) {
         strata_mmap_backend_init_with(&f->mmap_backend, STRATA_COMMIT_EAGER);
         f->backend = &f->mmap_backend.base;
       }},
      {"hugepage",
       [](BackendFixture *f) {
         strata_hugepage_backend_init(&f->hugepage_backend);
         f->backend = &f->hugepage_backend.base;
       }},
      {"static",
       [](BackendFixture *f) {
         f->buffer.resize(40u << 20);
         ASSERT_EQ(strata_static_backend_init(&f->static_backend, f->buffer.data(),
                                              f->buffer.size(), 4096),
                   STRATA_OK);
         f->backend = &f->static_backend.base;
       }},
      {"fault_over_mmap",
       [](BackendFixture *f) {
         strata_mmap_backend_init(&f->mmap_backend);
         strata_fault_backend_init(&f->fault_backend, &f->mmap_backend.base);
         f->backend = &f->fault_backend.base;
       }},
  };
}

class BackendConformance : public ::testing::TestWithParam<BackendCase> {
 protected:
  void SetUp() override {
    GetParam().make(&f_);
    ASSERT_NE(f_.backend, nullptr);
    page_ = f_.backend->page_size;
  }
  strata_backend *b() { return f_.backend; }
  BackendFixture f_;
  size_t page_ = 0;
};

TEST_P(BackendConformance, DescribesItself) {
  EXPECT_NE(b()->name, nullptr);
  EXPECT_GT(std::strlen(b()->name), 0u);
  EXPECT_GE(page_, 4096u);
  EXPECT_EQ(page_ & (page_ - 1), 0u);
}

TEST_P(BackendConformance, ReserveCommitWriteDecommitRelease) {
  const size_t size = 4 * page_;
  void *p = nullptr;
  ASSERT_EQ(strata_backend_reserve(b(), size, page_, &p), STRATA_OK);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(strata_backend_commit(b(), p, size), STRATA_OK);
  auto *bytes = static_cast<unsigned char *>(p);
  std::memset(bytes, 0xAB, size);
  EXPECT_EQ(bytes[size - 1], 0xAB);

  // Give the middle two pages back, then take them again.
  ASSERT_EQ(strata_backend_decommit(b(), bytes + page_, 2 * page_), STRATA_OK);
  ASSERT_EQ(strata_backend_commit(b(), bytes + page_, 2 * page_), STRATA_OK);
  if (b()->decommit_zeroes) {
    for (size_t i = page_; i < 3 * page_; i += 512) ASSERT_EQ(bytes[i], 0) << i;
  }
  bytes[page_] = 1;  // writable again, whatever it reads
  EXPECT_EQ(bytes[0], 0xAB);
  EXPECT_EQ(bytes[size - 1], 0xAB);
  EXPECT_EQ(strata_backend_release(b(), p, size), STRATA_OK);
}

// A backend that says its new reservations read as zero keeps its word,
// also when the addresses were reserved, written and released before.
TEST_P(BackendConformance, NewReservationsReadAsZeroWhenItSaysSo) {
  if (!b()->reserve_zeroes) GTEST_SKIP() << b()->name << " makes no such promise";
  const size_t size = 4 * page_;
  for (int round = 0; round < 3; round++) {
    void *p = nullptr;
    ASSERT_EQ(strata_backend_reserve(b(), size, page_, &p), STRATA_OK);
    ASSERT_EQ(strata_backend_commit(b(), p, size), STRATA_OK);
    auto *bytes = static_cast<unsigned char *>(p);
    for (size_t i = 0; i < size; i += 64) ASSERT_EQ(bytes[i], 0) << "round " << round << " byte " << i;
    std::memset(bytes, 0xCD, size);
    ASSERT_EQ(strata_backend_release(b(), p, size), STRATA_OK);
  }
}

// Guard pages: a protected strata page faults on touch, and is usable
// again once made accessible; a backend that cannot protect says so.
TEST_P(BackendConformance, ProtectMakesAPageFaultAndUnprotectMendsIt) {
  const size_t size = page_ < STRATA_PAGE_SIZE ? 4 * STRATA_PAGE_SIZE : 4 * page_;
  void *p = nullptr;
  ASSERT_EQ(strata_backend_reserve(b(), size, STRATA_PAGE_SIZE > page_ ? STRATA_PAGE_SIZE : page_, &p),
            STRATA_OK);
  ASSERT_EQ(strata_backend_commit(b(), p, size), STRATA_OK);
  auto *bytes = static_cast<unsigned char *>(p);
  std::memset(bytes, 1, size);
  unsigned char *guard = bytes + STRATA_PAGE_SIZE;
  EXPECT_EQ(strata_backend_protect(b(), guard + 1, STRATA_PAGE_SIZE, false),
            STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_backend_protect(b(), guard, STRATA_PAGE_SIZE / 2, false),
            STRATA_ERR_INVALID_ARGUMENT);
  strata_status status = strata_backend_protect(b(), guard, STRATA_PAGE_SIZE, false);
  if (std::strcmp(b()->name, "static") == 0) {
    EXPECT_EQ(status, STRATA_ERR_UNSUPPORTED);
  } else {
    ASSERT_EQ(status, STRATA_OK);
    EXPECT_DEATH(guard[100] = 2, "");
    EXPECT_EQ(bytes[STRATA_PAGE_SIZE - 1], 1);  // the neighbours are untouched
    EXPECT_EQ(bytes[2 * STRATA_PAGE_SIZE], 1);
    ASSERT_EQ(strata_backend_protect(b(), guard, STRATA_PAGE_SIZE, true), STRATA_OK);
    guard[100] = 2;
    EXPECT_EQ(guard[100], 2);
    EXPECT_EQ(guard[0], 1);  // protection keeps the contents
  }
  EXPECT_EQ(strata_backend_release(b(), p, size), STRATA_OK);
}

TEST_P(BackendConformance, HonoursAlignment) {
  for (size_t alignment = page_; alignment <= (page_ << 4); alignment <<= 1) {
    void *p = nullptr;
    ASSERT_EQ(strata_backend_reserve(b(), page_, alignment, &p), STRATA_OK) << alignment;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u) << alignment;
    EXPECT_EQ(strata_backend_release(b(), p, page_), STRATA_OK);
  }
}

TEST_P(BackendConformance, SmallAlignmentMeansPageAlignment) {
  void *p = nullptr;
  ASSERT_EQ(strata_backend_reserve(b(), page_, 1, &p), STRATA_OK);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % page_, 0u);
  EXPECT_EQ(strata_backend_release(b(), p, page_), STRATA_OK);
}

TEST_P(BackendConformance, RejectsBadArguments) {
  void *p = reinterpret_cast<void *>(1);
  EXPECT_EQ(strata_backend_reserve(b(), 0, page_, &p), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(strata_backend_reserve(b(), page_, 3 * page_, &p), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_backend_reserve(b(), page_ + 1, page_, &p), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_backend_reserve(b(), page_, 0, &p), STRATA_ERR_INVALID_ARGUMENT);

  ASSERT_EQ(strata_backend_reserve(b(), 2 * page_, page_, &p), STRATA_OK);
  auto *bytes = static_cast<unsigned char *>(p);
  EXPECT_EQ(strata_backend_commit(b(), bytes, 0), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_backend_commit(b(), bytes + 1, page_), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_backend_commit(b(), bytes, page_ - 1), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_backend_commit(b(), nullptr, page_), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_backend_decommit(b(), bytes + 1, page_), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_backend_release(b(), bytes, 0), STRATA_ERR_INVALID_ARGUMENT);
  void *near_top = reinterpret_cast<void *>(UINTPTR_MAX & ~(uintptr_t)(page_ - 1));
  EXPECT_EQ(strata_backend_commit(b(), near_top, 2 * page_), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_backend_release(b(), p, 2 * page_), STRATA_OK);
}

TEST_P(BackendConformance, RefusesImpossibleReservationWithAnError) {
  void *p = reinterpret_cast<void *>(1);
  const size_t huge = (SIZE_MAX / 4) & ~(page_ - 1);
  EXPECT_EQ(strata_backend_reserve(b(), huge, page_, &p), STRATA_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(p, nullptr);
  const size_t absurd = SIZE_MAX & ~(page_ - 1);
  EXPECT_EQ(strata_backend_reserve(b(), absurd, page_, &p), STRATA_ERR_OUT_OF_MEMORY);
  // The backend still works afterwards.
  ASSERT_EQ(strata_backend_reserve(b(), page_, page_, &p), STRATA_OK);
  EXPECT_EQ(strata_backend_release(b(), p, page_), STRATA_OK);
}

TEST_P(BackendConformance, ManyReservationsDoNotOverlap) {
  std::vector<unsigned char *> blocks;
  for (int i = 0; i < 8; ++i) {
    void *p = nullptr;
    ASSERT_EQ(strata_backend_reserve(b(), page_, page_, &p), STRATA_OK);
    ASSERT_EQ(strata_backend_commit(b(), p, page_), STRATA_OK);
    std::memset(p, i, page_);
    blocks.push_back(static_cast<unsigned char *>(p));
  }
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(blocks[i][0], i);
    EXPECT_EQ(blocks[i][page_ - 1], i);
    EXPECT_EQ(strata_backend_release(b(), blocks[i], page_), STRATA_OK);
  }
}

INSTANTIATE_TEST_SUITE_P(AllBackends, BackendConformance,
                         ::testing::ValuesIn(AllBackends()),
                         [](const ::testing::TestParamInfo<BackendCase> &info) {
                           return info.param.name;
                         });

// ---- static backend specifics -------------------------------------------

class StaticBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(strata_static_backend_init(&sb_, buffer_, sizeof buffer_, 4096), STRATA_OK);
  }
  strata_backend *b() { return &sb_.base; }
  static constexpr int kPages = 4 * STRATA_STATIC_BACKEND_MAX_HOLES;
  alignas(4096) unsigned char buffer_[kPages * 4096];
  strata_static_backend sb_;
};

TEST_F(StaticBackend, RunsOutCleanlyAndReusesReleasedRanges) {
  EXPECT_EQ(strata_static_backend_free_bytes(&sb_), sizeof buffer_);
  void *a = nullptr, *c = nullptr, *d = nullptr;
  ASSERT_EQ(strata_backend_reserve(b(), 32 * 4096, 4096, &a), STRATA_OK);
  ASSERT_EQ(strata_backend_reserve(b(), (kPages - 32) * 4096, 4096, &c), STRATA_OK);
  EXPECT_EQ(strata_static_backend_free_bytes(&sb_), 0u);
  EXPECT_EQ(strata_backend_reserve(b(), 4096, 4096, &d), STRATA_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(d, nullptr);
  ASSERT_EQ(strata_backend_release(b(), a, 32 * 4096), STRATA_OK);
  ASSERT_EQ(strata_backend_reserve(b(), 16 * 4096, 4096, &d), STRATA_OK);
  EXPECT_EQ(d, a);  // first fit in the released hole
  EXPECT_EQ(strata_static_backend_free_bytes(&sb_), 16u * 4096);
  ASSERT_EQ(strata_backend_release(b(), d, 16 * 4096), STRATA_OK);
  ASSERT_EQ(strata_backend_release(b(), c, (kPages - 32) * 4096), STRATA_OK);
  EXPECT_EQ(strata_static_backend_free_bytes(&sb_), sizeof buffer_);
  EXPECT_EQ(sb_.hole_count, 0u);  // everything merged back into the top
}

TEST_F(StaticBackend, RejectsRangesItDoesNotOwn) {
  void *a = nullptr;
  ASSERT_EQ(strata_backend_reserve(b(), 4 * 4096, 4096, &a), STRATA_OK);
  alignas(4096) static unsigned char elsewhere[2 * 4096];
  EXPECT_EQ(strata_backend_commit(b(), elsewhere, 4096), STRATA_ERR_NOT_OWNED);
  EXPECT_EQ(strata_backend_release(b(), elsewhere, 4096), STRATA_ERR_NOT_OWNED);
  // Beyond what was reserved, though inside the buffer.
  EXPECT_EQ(strata_backend_commit(b(), buffer_ + 8 * 4096, 4096), STRATA_ERR_NOT_OWNED);
  ASSERT_EQ(strata_backend_release(b(), a, 4 * 4096), STRATA_OK);
  // A double release.
  EXPECT_EQ(strata_backend_release(b(), a, 4 * 4096), STRATA_ERR_NOT_OWNED);
  EXPECT_EQ(strata_backend_commit(b(), a, 4096), STRATA_ERR_NOT_OWNED);
}

TEST_F(StaticBackend, AlignmentGapStaysUsable) {
  // Reserve single pages until the next free page is not 64 KiB aligned, so
  // that a 64 KiB-aligned reservation must leave a gap below it.
  void *small = nullptr, *aligned = nullptr, *gap = nullptr;
  size_t taken = 0;
  do {
    ASSERT_EQ(strata_backend_reserve(b(), 4096, 4096, &small), STRATA_OK);
    taken++;
  } while ((reinterpret_cast<uintptr_t>(small) + 4096) % (16 * 4096) == 0);
  ASSERT_EQ(strata_backend_reserve(b(), 4096, 16 * 4096, &aligned), STRATA_OK);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(aligned) % (16 * 4096), 0u);
  ASSERT_EQ(strata_backend_reserve(b(), 4096, 4096, &gap), STRATA_OK);
  EXPECT_LT(gap, aligned);  // came from the gap, not from the top
  EXPECT_GT(gap, small);
  EXPECT_EQ(strata_static_backend_free_bytes(&sb_) + (taken + 2) * 4096, sizeof buffer_);
}

TEST_F(StaticBackend, TooManyHolesIsALimitThatLosesNothing) {
  std::vector<unsigned char *> pages;
  for (int i = 0; i < kPages; ++i) {
    void *p = nullptr;
    ASSERT_EQ(strata_backend_reserve(b(), 4096, 4096, &p), STRATA_OK);
    pages.push_back(static_cast<unsigned char *>(p));
  }
  // Every other page released: each is a hole of its own.
  for (int i = 0; i < 2 * STRATA_STATIC_BACKEND_MAX_HOLES; i += 2) {
    ASSERT_EQ(strata_backend_release(b(), pages[i], 4096), STRATA_OK) << i;
  }
  const int one_too_many = 2 * STRATA_STATIC_BACKEND_MAX_HOLES;
  EXPECT_EQ(strata_backend_release(b(), pages[one_too_many], 4096), STRATA_ERR_LIMIT);
  EXPECT_EQ(strata_static_backend_free_bytes(&sb_), STRATA_STATIC_BACKEND_MAX_HOLES * 4096u);
  // The refused page is still reserved and usable.
  EXPECT_EQ(strata_backend_commit(b(), pages[one_too_many], 4096), STRATA_OK);
  // Releasing the page between two holes merges them and makes room.
  ASSERT_EQ(strata_backend_release(b(), pages[1], 4096), STRATA_OK);
  EXPECT_EQ(sb_.hole_count, STRATA_STATIC_BACKEND_MAX_HOLES - 1u);
  EXPECT_EQ(strata_backend_release(b(), pages[one_too_many], 4096), STRATA_OK);
}

TEST(StaticBackendInit, RejectsBadBuffers) {
  strata_static_backend sb;
  alignas(4096) static unsigned char buf[3 * 4096];
  EXPECT_EQ(strata_static_backend_init(&sb, nullptr, 4096, 4096), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_static_backend_init(&sb, buf, 100, 4096), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_static_backend_init(&sb, buf, sizeof buf, 3000), STRATA_ERR_INVALID_ARGUMENT);
  // An unaligned buffer keeps only its whole pages.
  ASSERT_EQ(strata_static_backend_init(&sb, buf + 1, sizeof buf - 1, 4096), STRATA_OK);
  EXPECT_EQ(strata_static_backend_free_bytes(&sb), 2u * 4096);
  ASSERT_EQ(strata_static_backend_init(&sb, buf, sizeof buf, 0), STRATA_OK);
  EXPECT_EQ(sb.base.page_size, 4096u);
}

// With the hole table full, releasing the highest reservation still works:
// it joins the never-used top and needs no hole (found by
// backend_static_fuzz; it used to answer STRATA_ERR_LIMIT). A reservation
// in the middle still cannot be released then, and says so.
TEST(StaticBackendHoles, TheTopmostReleaseNeedsNoHole) {
  const size_t page = 4096, n = 2 * STRATA_STATIC_BACKEND_MAX_HOLES + 2;
  std::vector<unsigned char> buffer((n + 1) * page);
  strata_static_backend sb;
  ASSERT_EQ(strata_static_backend_init(&sb, buffer.data(), buffer.size(), page), STRATA_OK);
  std::vector<void *> r(n);
  for (void *&p : r) ASSERT_EQ(strata_backend_reserve(&sb.base, page, page, &p), STRATA_OK);
  // Every other one from the bottom: one hole each, until the table is full.
  for (size_t i = 0; i < 2 * STRATA_STATIC_BACKEND_MAX_HOLES; i += 2) {
    ASSERT_EQ(strata_backend_release(&sb.base, r[i], page), STRATA_OK) << i;
  }
  ASSERT_EQ(sb.hole_count, STRATA_STATIC_BACKEND_MAX_HOLES);
  size_t before = strata_static_backend_free_bytes(&sb);
  EXPECT_EQ(strata_backend_release(&sb.base, r[n - 2], page), STRATA_ERR_LIMIT);  // mid: a hole
  EXPECT_EQ(strata_static_backend_free_bytes(&sb), before);                        // unchanged
  EXPECT_EQ(strata_backend_release(&sb.base, r[n - 1], page), STRATA_OK);          // top
  EXPECT_EQ(strata_static_backend_free_bytes(&sb), before + page);
  EXPECT_EQ(strata_backend_release(&sb.base, r[n - 2], page), STRATA_OK);  // now the top
}

// ---- mmap commit strategies ---------------------------------------------

// The protection the kernel shows for the mapping that holds p, from
// /proc/self/maps: "rw-p", "---p", ...
std::string ProtectionAt(const void *p) {
  FILE *maps = std::fopen("/proc/self/maps", "r");
  if (maps == nullptr) return "";
  char line[512];
  std::string found;
  while (found.empty() && std::fgets(line, sizeof line, maps) != nullptr) {
    unsigned long start = 0, end = 0;
    char perms[8] = {0};
    if (std::sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 &&
        reinterpret_cast<uintptr_t>(p) >= start && reinterpret_cast<uintptr_t>(p) < end) {
      found = perms;
    }
  }
  std::fclose(maps);
  return found;
}

// The VmFlags line of /proc/self/smaps for the mapping that holds p.
std::string VmFlagsAt(const void *p) {
  FILE *smaps = std::fopen("/proc/self/smaps", "r");
  if (smaps == nullptr) return "";
  char line[512];
  bool inside = false;
  std::string found;
  while (found.empty() && std::fgets(line, sizeof line, smaps) != nullptr) {
    unsigned long start = 0, end = 0;
    if (std::sscanf(line, "%lx-%lx ", &start, &end) == 2 && std::strchr(line, ':') != nullptr &&
        std::strncmp(line, "VmFlags", 7) != 0) {
      inside = reinterpret_cast<uintptr_t>(p) >= start && reinterpret_cast<uintptr_t>(p) < end;
    } else if (inside && std::strncmp(line, "VmFlags:", 8) == 0) {
      found = line;
    }
  }
  std::fclose(smaps);
  return found;
}

TEST(MmapCommit, LazyReservesUsableMemoryAndCommitsWithoutAChange) {
  strata_mmap_backend m;
  strata_mmap_backend_init_with(&m, STRATA_COMMIT_LAZY);
  EXPECT_EQ(m.commit_mode, STRATA_COMMIT_LAZY);
  const size_t page = m.base.page_size;
  void *p = nullptr;
  ASSERT_EQ(strata_backend_reserve(&m.base, 64 * page, page, &p), STRATA_OK);
  EXPECT_EQ(ProtectionAt(p), "rw-p");
  // Opted out of transparent huge pages: one touch must not make 2 MiB
  // resident ("nh" in the mapping's flags).
  EXPECT_NE(VmFlagsAt(p).find(" nh"), std::string::npos) << VmFlagsAt(p);
  ASSERT_EQ(strata_backend_commit(&m.base, p, 4 * page), STRATA_OK);
  EXPECT_EQ(ProtectionAt(p), "rw-p");
  static_cast<unsigned char *>(p)[0] = 1;
  ASSERT_EQ(strata_backend_decommit(&m.base, p, 4 * page), STRATA_OK);
  EXPECT_EQ(static_cast<unsigned char *>(p)[0], 0);  // decommitted pages read zero
  EXPECT_EQ(strata_backend_release(&m.base, p, 64 * page), STRATA_OK);
}

TEST(MmapCommit, EagerReservesInaccessibleMemoryAndCommitsWithMprotect) {
  strata_mmap_backend m;
  strata_mmap_backend_init_with(&m, STRATA_COMMIT_EAGER);
  EXPECT_EQ(m.commit_mode, STRATA_COMMIT_EAGER);
  const size_t page = m.base.page_size;
  void *p = nullptr;
  ASSERT_EQ(strata_backend_reserve(&m.base, 64 * page, page, &p), STRATA_OK);
  EXPECT_EQ(ProtectionAt(p), "---p");
  ASSERT_EQ(strata_backend_commit(&m.base, p, 4 * page), STRATA_OK);
  EXPECT_EQ(ProtectionAt(p), "rw-p");
  EXPECT_EQ(ProtectionAt(static_cast<char *>(p) + 4 * page), "---p");
  EXPECT_EQ(strata_backend_release(&m.base, p, 64 * page), STRATA_OK);
}

TEST(MmapCommit, DefaultFollowsTheKernelsAccounting) {
  strata_mmap_backend m;
  strata_mmap_backend_init(&m);
  FILE *f = std::fopen("/proc/sys/vm/overcommit_memory", "r");
  int mode = 0;
  if (f != nullptr) {
    if (std::fscanf(f, "%d", &mode) != 1) mode = 0;
    std::fclose(f);
  }
  EXPECT_EQ(m.commit_mode, mode == 2 ? STRATA_COMMIT_EAGER : STRATA_COMMIT_LAZY);
}

// ---- fault backend specifics --------------------------------------------

class FaultBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    strata_mmap_backend_init(&mmap_);
    strata_fault_backend_init(&fault_, &mmap_.base);
  }
  strata_backend *b() { return &fault_.base; }
  strata_mmap_backend mmap_;
  strata_fault_backend fault_;
};

TEST_F(FaultBackend, RefusesExactlyTheKthAcquiringCall) {
  const size_t page = b()->page_size;
  void *p = nullptr;
  ASSERT_EQ(strata_backend_reserve(b(), 8 * page, page, &p), STRATA_OK);
  strata_fault_backend_refuse_nth(&fault_, 3);
  auto *bytes = static_cast<unsigned char *>(p);
  EXPECT_EQ(strata_backend_commit(b(), bytes, page), STRATA_OK);             // 1st
  EXPECT_EQ(strata_backend_decommit(b(), bytes, page), STRATA_OK);           // not counted
  EXPECT_EQ(strata_backend_commit(b(), bytes + page, page), STRATA_OK);      // 2nd
  EXPECT_EQ(strata_backend_commit(b(), bytes + 2 * page, page), STRATA_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(strata_backend_commit(b(), bytes + 2 * page, page), STRATA_OK);  // once only
  EXPECT_EQ(fault_.refusals[STRATA_BACKEND_COMMIT], 1u);
  EXPECT_EQ(fault_.calls[STRATA_BACKEND_COMMIT], 4u);
  EXPECT_EQ(fault_.calls[STRATA_BACKEND_DECOMMIT], 1u);
  EXPECT_EQ(strata_backend_release(b(), p, 8 * page), STRATA_OK);
  EXPECT_EQ(fault_.calls[STRATA_BACKEND_RELEASE], 1u);
}

TEST_F(FaultBackend, RefusesReserveToo) {
  strata_fault_backend_refuse_nth(&fault_, 1);
  void *p = nullptr;
  EXPECT_EQ(strata_backend_reserve(b(), b()->page_size, 0 + 1, &p), STRATA_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(fault_.refusals[STRATA_BACKEND_RESERVE], 1u);
}

TEST_F(FaultBackend, BudgetCapsCommittedBytesUntilLifted) {
  const size_t page = b()->page_size;
  void *p = nullptr;
  ASSERT_EQ(strata_backend_reserve(b(), 8 * page, page, &p), STRATA_OK);
  auto *bytes = static_cast<unsigned char *>(p);
  strata_fault_backend_set_budget(&fault_, 2 * page);
  EXPECT_EQ(strata_backend_commit(b(), bytes, 2 * page), STRATA_OK);
  EXPECT_EQ(strata_backend_commit(b(), bytes + 2 * page, page), STRATA_ERR_OUT_OF_MEMORY);
  void *q = nullptr;
  EXPECT_EQ(strata_backend_reserve(b(), page, page, &q), STRATA_ERR_OUT_OF_MEMORY);
  // Giving memory back makes room under the budget.
  EXPECT_EQ(strata_backend_decommit(b(), bytes, page), STRATA_OK);
  EXPECT_EQ(fault_.committed, page);
  EXPECT_EQ(strata_backend_commit(b(), bytes + 2 * page, page), STRATA_OK);
  strata_fault_backend_set_budget(&fault_, SIZE_MAX);
  EXPECT_EQ(strata_backend_commit(b(), bytes + 3 * page, 4 * page), STRATA_OK);
  EXPECT_EQ(strata_backend_release(b(), p, 8 * page), STRATA_OK);
}

TEST_F(FaultBackend, StaticBackendUnderneathMakesNoOsCall) {
  // A fault wrapper over a static buffer counts every call: the layers above
  // can prove that a heap on a buffer never reaches the OS.
  alignas(4096) static unsigned char buf[16 * 4096];
  strata_static_backend sb;
  ASSERT_EQ(strata_static_backend_init(&sb, buf, sizeof buf, 4096), STRATA_OK);
  strata_fault_backend counting;
  strata_fault_backend_init(&counting, &sb.base);
  void *p = nullptr;
  ASSERT_EQ(strata_backend_reserve(&counting.base, 4 * 4096, 4096, &p), STRATA_OK);
  EXPECT_GE(p, static_cast<void *>(buf));
  EXPECT_LT(p, static_cast<void *>(buf + sizeof buf));
  EXPECT_EQ(counting.calls[STRATA_BACKEND_RESERVE], 1u);
}

// ---- hugepage specifics -------------------------------------------------

TEST(HugepageBackend, CommitsWithOrWithoutTransparentHugePages) {
  strata_hugepage_backend hb;
  strata_hugepage_backend_init(&hb);
  EXPECT_EQ(hb.base.page_size, STRATA_HUGEPAGE_SIZE);
  void *p = nullptr;
  ASSERT_EQ(strata_backend_reserve(&hb.base, 2 * STRATA_HUGEPAGE_SIZE, 0 + 1, &p), STRATA_OK);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % STRATA_HUGEPAGE_SIZE, 0u);
  ASSERT_EQ(strata_backend_commit(&hb.base, p, 2 * STRATA_HUGEPAGE_SIZE), STRATA_OK);
  // Either the kernel took the advice or the commit fell back and said so.
  EXPECT_TRUE(hb.huge_pages.value || hb.advice_refusals.value == 1);
  std::memset(p, 1, 2 * STRATA_HUGEPAGE_SIZE);
  // 2 MiB granularity: a 4 KiB range is a bad argument here.
  EXPECT_EQ(strata_backend_commit(&hb.base, p, 4096), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_backend_release(&hb.base, p, 2 * STRATA_HUGEPAGE_SIZE), STRATA_OK);
}

}  // namespace
