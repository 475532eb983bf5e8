// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// operator new and delete of strata's static override, in every form, as a
// C++ program uses them: the memory is strata's, aligned new keeps its
// alignment, running out calls the new-handler and then throws
// std::bad_alloc (or returns nullptr for nothrow), and a sized delete with
// a size the object never had is reported.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "frontend/malloc/strata_malloc.h"
#include "pageheap/pageheap.h"

namespace {

bool InStrata(const void *p) {
  return strata_pageheap_span_of(strata_malloc_page_heap(), p) != nullptr;
}

// Sizes from a volatile, so the compiler neither rejects nor removes a call.
volatile std::size_t huge = SIZE_MAX / 2;
volatile std::size_t n = 10;

struct alignas(256) Aligned {
  char bytes[300];
};

struct WithDestructor {
  ~WithDestructor() { value = 0; }
  long value = 7;
};

// The operators this program calls are strata's, linked into it, not the
// C++ runtime's (which would reach strata too, through malloc, but lose
// sized delete's check and add a call).
TEST(CxxOperators, TheOperatorsAreStrataNotTheRuntimes) {
  using New = void *(*)(std::size_t);
  using SizedDelete = void (*)(void *, std::size_t) noexcept;
  const void *functions[] = {reinterpret_cast<const void *>(static_cast<New>(&::operator new)),
                             reinterpret_cast<const void *>(static_cast<SizedDelete>(&::operator delete))};
  for (const void *function : functions) {
    Dl_info info;
    ASSERT_NE(dladdr(function, &info), 0);
    EXPECT_EQ(std::string(info.dli_fname).find("libstdc++"), std::string::npos) << info.dli_fname;
  }
}

TEST(CxxOperators, EveryFormIsStrata) {
  auto *one = new int(5);
  auto *many = new int[n];
  auto *quiet = new (std::nothrow) long[n];
  auto *aligned = new Aligned;
  auto *aligned_many = new Aligned[n];
  auto *aligned_quiet = new (std::nothrow) Aligned;
  auto *destructed = new WithDestructor[n];  // a cookie, then sized delete[]
  std::vector<std::string> strings(100, std::string(100, 'x'));  // the containers too
  for (const void *p : {static_cast<const void *>(one), static_cast<const void *>(many),
                        static_cast<const void *>(quiet), static_cast<const void *>(aligned),
                        static_cast<const void *>(aligned_many),
                        static_cast<const void *>(aligned_quiet), static_cast<const void *>(strings.data())}) {
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(InStrata(p)) << p;
  }
  delete one;
  delete[] many;
  delete[] quiet;
  delete aligned;
  delete[] aligned_many;
  ::operator delete(aligned_quiet, std::align_val_t{alignof(Aligned)}, std::nothrow);
  delete[] destructed;
  EXPECT_EQ(strata_malloc_check(), STRATA_OK);
}

TEST(CxxOperators, AlignedNewOf256Bytes) {
  std::vector<Aligned *> objects;
  for (int i = 0; i < 100; i++) objects.push_back(new Aligned);
  for (Aligned *p : objects) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 256, 0u);
    std::memset(p->bytes, 1, sizeof p->bytes);
  }
  for (Aligned *p : objects) delete p;  // sized and aligned delete
  void *raw = ::operator new(1000, std::align_val_t{4096});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(raw) % 4096, 0u);
  ::operator delete(raw, 1000, std::align_val_t{4096});
  EXPECT_EQ(strata_malloc_check(), STRATA_OK);
}

// Calls new, which must throw: anything it returned would be a bug.
void NewMustThrow(void *(*allocate)()) {
  void *p = allocate();
  ADD_FAILURE() << "new returned " << p << " instead of throwing";
}

int handler_calls = 0;

void CountingHandler() {
  // The second call gives up: uninstalling the handler makes new throw.
  if (++handler_calls == 2) std::set_new_handler(nullptr);
}

TEST(CxxOperators, OutOfMemoryCallsTheHandlerThenThrows) {
  handler_calls = 0;
  std::set_new_handler(CountingHandler);
  EXPECT_THROW(NewMustThrow([] { return ::operator new(huge); }), std::bad_alloc);
  EXPECT_EQ(handler_calls, 2);
  handler_calls = 0;
  std::set_new_handler(CountingHandler);
  EXPECT_THROW(NewMustThrow([] { return ::operator new[](huge, std::align_val_t{64}); }),
               std::bad_alloc);
  EXPECT_EQ(handler_calls, 2);
  std::set_new_handler(nullptr);
  handler_calls = 0;
  EXPECT_THROW(NewMustThrow([] { return ::operator new(huge); }), std::bad_alloc);
  EXPECT_EQ(handler_calls, 0);  // no handler: at once
}

TEST(CxxOperators, NothrowReturnsNull) {
  std::set_new_handler(nullptr);
  EXPECT_EQ(::operator new(huge, std::nothrow), nullptr);
  EXPECT_EQ(::operator new[](huge, std::nothrow), nullptr);
  EXPECT_EQ(::operator new(huge, std::align_val_t{128}, std::nothrow), nullptr);
  handler_calls = 0;
  std::set_new_handler(CountingHandler);
  EXPECT_EQ(::operator new(huge, std::nothrow), nullptr);  // the handler ran first
  EXPECT_EQ(handler_calls, 2);
}

TEST(CxxOperators, ZeroBytesIsAUniquePointer) {
  void *a = ::operator new(0);
  void *b = ::operator new(0);
  EXPECT_NE(a, b);
  ::operator delete(a, std::size_t{0});
  ::operator delete(b);
}

TEST(CxxOperatorsDeathTest, SizedDeleteWithAWrongSizeIsReported) {
  void *p = ::operator new(64);
  EXPECT_DEATH(::operator delete(p, std::size_t{4096}), "strata: free_sized\\(\\): wrong size for 0x");
  ::operator delete(p, std::size_t{64});
}

}  // namespace
