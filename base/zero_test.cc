// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "base/zero.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

TEST(ZeroUntouched, ClearsEveryByteAtAnyAlignment) {
  std::vector<unsigned char> buffer(300);
  for (size_t start = 0; start < 9; ++start) {
    for (size_t length : {0, 1, 7, 8, 9, 100, 250}) {
      std::memset(buffer.data(), 0xAB, buffer.size());
      strata_zero_untouched(buffer.data() + start, length);
      for (size_t i = 0; i < buffer.size(); ++i) {
        bool inside = i >= start && i < start + length;
        ASSERT_EQ(buffer[i], inside ? 0 : 0xAB) << start << " " << length << " " << i;
      }
    }
  }
}

size_t ResidentBytes() {
  long size = 0, resident = 0;
  FILE *f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
  std::fclose(f);
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Whether reading untouched anonymous memory maps the kernel's shared zero
// page (most kernels) or gives the process a page of its own (kernels that
// turn the zero page off, such as some virtual machines'), found by reading
// 16 MiB of a fresh mapping.
bool ReadsMapTheZeroPage() {
  const size_t bytes = size_t{16} << 20;
  void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return false;
  madvise(p, bytes, MADV_NOHUGEPAGE);
  size_t before = ResidentBytes();
  unsigned sum = 0;
  for (size_t i = 0; i < bytes; i += 4096) sum += static_cast<volatile unsigned char *>(p)[i];
  size_t after = ResidentBytes();
  munmap(p, bytes);
  return sum == 0 && after < before + (size_t{8} << 20);
}

TEST(ZeroUntouched, LeavesUntouchedPagesOutOfResidentMemory) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "a sanitizer's shadow memory grows with every read";
#endif
  if (!ReadsMapTheZeroPage()) {
    GTEST_SKIP() << "this kernel gives a page of its own on a read fault (no zero page): "
                    "reading untouched memory costs resident memory here";
  }
  const size_t bytes = size_t{64} << 20;
  void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  // Where transparent huge pages are "always", a read fault may map a huge
  // zero page that the kernel counts as resident; the promise is about the
  // 4 KiB zero page.
  madvise(p, bytes, MADV_NOHUGEPAGE);
  auto *data = static_cast<unsigned char *>(p);
  data[5 << 20] = 1;  // one page holds data
  size_t before = ResidentBytes();
  strata_zero_untouched(p, bytes);
  size_t after = ResidentBytes();
  EXPECT_EQ(data[5 << 20], 0);
  // Reading maps the kernel's shared zero page, which is not resident
  // memory of the process; a memset would add all 64 MiB.
  EXPECT_LT(after, before + (size_t{4} << 20)) << before << " -> " << after;
  std::memset(p, 0, bytes);
  EXPECT_GT(ResidentBytes(), before + (size_t{60} << 20)) << "the test can tell";
  munmap(p, bytes);
}
