/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
// For tests of what stays untouched: how much of a range is resident, by
// mincore. SIZE_MAX when the kernel will not say.
#ifndef STRATA_TOOLS_TESTING_RESIDENT_H_
#define STRATA_TOOLS_TESTING_RESIDENT_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata_testing {

inline size_t OsPageSize() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

// Resident OS pages of [p, p + bytes).
inline size_t ResidentPages(const void *p, size_t bytes) {
  const size_t os_page = OsPageSize();
  uintptr_t start = reinterpret_cast<uintptr_t>(p) & ~(os_page - 1);
  size_t pages = (reinterpret_cast<uintptr_t>(p) + bytes - start + os_page - 1) / os_page;
  std::vector<unsigned char> vec(pages);
  if (mincore(reinterpret_cast<void *>(start), pages * os_page, vec.data()) != 0) return SIZE_MAX;
  size_t resident = 0;
  for (unsigned char v : vec) resident += v & 1;
  return resident;
}

inline size_t ResidentBytes(const void *p, size_t bytes) {
  size_t pages = ResidentPages(p, bytes);
  return pages == SIZE_MAX ? SIZE_MAX : pages * OsPageSize();
}

}  // namespace strata_testing

#endif  // STRATA_TOOLS_TESTING_RESIDENT_H_
