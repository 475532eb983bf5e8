// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The replaceable C++ allocation functions, on strata: every form of
// operator new and delete (plain, array, nothrow, aligned, sized), exported
// by libstrata.so and the static override library, so that a C++ program
// reaches strata in one call, keeps sized delete (C++14) and aligned new
// (C++17) rather than getting libstdc++'s versions.
//
// Semantics are the standard's. new of size 0 returns a unique pointer.
// When memory runs out, new calls the installed new-handler and tries
// again, and with no handler throws std::bad_alloc; the nothrow forms
// return nullptr instead of throwing (a handler that throws is let
// through: catching would tie this file to the C++ runtime, see below).
// Sized delete checks the size against the object (strata_free_sized): a
// wrong one is misuse, reported as such.
//
// No dependency on the C++ runtime. libstrata.so is preloaded into C
// programs too, which must not pay for loading libstdc++ (about 1.2 MiB of
// resident memory); so this file calls nothing of libstdc++ directly. The
// two things it needs from it only when memory has run out, the current
// new-handler and throwing std::bad_alloc, it looks up by name in the
// process (dlsym): a program that calls operator new is a C++ program and
// has the runtime loaded. Compiled without RTTI and without exception
// handling of its own (-fno-exceptions: no landing pads, which would need
// the runtime's personality routine), but with unwind tables, so that the
// new-handler's exceptions and std::bad_alloc pass through these frames.
#include <dlfcn.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

#include "frontend/malloc/strata_malloc.h"

#define STRATA_EXPORT __attribute__((visibility("default")))

namespace {

// std::get_new_handler() and std::__throw_bad_alloc() of the loaded C++
// runtime, by their mangled names.
using get_new_handler_fn = std::new_handler (*)();
using throw_bad_alloc_fn = void (*)();

[[noreturn]] void die(const char *message) {
  ssize_t written = write(STDERR_FILENO, message, std::strlen(message));
  (void)written;
  abort();
}

std::new_handler current_new_handler() {
  auto get = reinterpret_cast<get_new_handler_fn>(dlsym(RTLD_DEFAULT, "_ZSt15get_new_handlerv"));
  return get != nullptr ? get() : nullptr;
}

[[noreturn]] void throw_bad_alloc() {
  auto raise = reinterpret_cast<throw_bad_alloc_fn>(dlsym(RTLD_DEFAULT, "_ZSt17__throw_bad_allocv"));
  if (raise != nullptr) raise();
  die("strata: operator new: out of memory, and no C++ runtime to throw std::bad_alloc\n");
}

// Sampled heap profiling (frontend/sampling/sampled.c): operator new's sampled twin.
extern "C" void *strata_sampled_new(std::size_t size, std::size_t alignment, void *caller)
    __attribute__((visibility("hidden")));

template <bool kSampled>
inline void *allocate(std::size_t size, std::size_t alignment, void *caller) {
  if (kSampled) {
    return strata_sampled_new(size, alignment <= __STDCPP_DEFAULT_NEW_ALIGNMENT__ ? 0 : alignment,
                              caller);
  }
  (void)caller;
  return alignment <= __STDCPP_DEFAULT_NEW_ALIGNMENT__ ? strata_malloc(size)
                                                        : strata_aligned_alloc(alignment, size);
}

// The new-handler loop ([new.delete.single]): out of line, so that the
// fast path is a call to strata_malloc and a test.
template <bool kSampled>
__attribute__((noinline, cold)) void *allocate_retrying(std::size_t size, std::size_t alignment,
                                                        bool nothrow, void *caller) {
  for (;;) {
    void *p = allocate<kSampled>(size, alignment, caller);
    if (p != nullptr) return p;
    std::new_handler handler = current_new_handler();
    if (handler == nullptr) {
      if (nothrow) return nullptr;
      throw_bad_alloc();
    }
    handler();
  }
}

// `caller`: where the program's call returns to, so that a sampled stack
// starts in the program (the operator is the function it called).
template <bool kSampled>
__attribute__((always_inline)) inline void *new_impl(std::size_t size, std::size_t alignment,
                                                     bool nothrow, void *caller) {
  void *p = allocate<kSampled>(size, alignment, caller);
  if (__builtin_expect(p != nullptr, 1)) return p;
  return allocate_retrying<kSampled>(size, alignment, nothrow, caller);
}

inline std::size_t alignment_of(std::align_val_t alignment) {
  return static_cast<std::size_t>(alignment);
}

}  // namespace

// The operators: sampled in the profiled variants (STRATA_ENTRY_SAMPLED,
// frontend/sampling/sampled.c), unsampled otherwise.
#if defined(STRATA_ENTRY_SAMPLED)
#define STRATA_SAMPLED true
#else
#define STRATA_SAMPLED false
#endif
STRATA_EXPORT void *operator new(std::size_t size) {
  return new_impl<STRATA_SAMPLED>(size, 0, false, __builtin_return_address(0));
}
STRATA_EXPORT void *operator new[](std::size_t size) {
  return new_impl<STRATA_SAMPLED>(size, 0, false, __builtin_return_address(0));
}
STRATA_EXPORT void *operator new(std::size_t size, const std::nothrow_t &) noexcept {
  return new_impl<STRATA_SAMPLED>(size, 0, true, __builtin_return_address(0));
}
STRATA_EXPORT void *operator new[](std::size_t size, const std::nothrow_t &) noexcept {
  return new_impl<STRATA_SAMPLED>(size, 0, true, __builtin_return_address(0));
}
STRATA_EXPORT void *operator new(std::size_t size, std::align_val_t alignment) {
  return new_impl<STRATA_SAMPLED>(size, alignment_of(alignment), false,
                                  __builtin_return_address(0));
}
STRATA_EXPORT void *operator new[](std::size_t size, std::align_val_t alignment) {
  return new_impl<STRATA_SAMPLED>(size, alignment_of(alignment), false,
                                  __builtin_return_address(0));
}
STRATA_EXPORT void *operator new(std::size_t size, std::align_val_t alignment,
                                 const std::nothrow_t &) noexcept {
  return new_impl<STRATA_SAMPLED>(size, alignment_of(alignment), true,
                                  __builtin_return_address(0));
}
STRATA_EXPORT void *operator new[](std::size_t size, std::align_val_t alignment,
                                   const std::nothrow_t &) noexcept {
  return new_impl<STRATA_SAMPLED>(size, alignment_of(alignment), true,
                                  __builtin_return_address(0));
}

STRATA_EXPORT void operator delete(void *p) noexcept { strata_free(p); }
STRATA_EXPORT void operator delete[](void *p) noexcept { strata_free(p); }
STRATA_EXPORT void operator delete(void *p, const std::nothrow_t &) noexcept { strata_free(p); }
STRATA_EXPORT void operator delete[](void *p, const std::nothrow_t &) noexcept { strata_free(p); }
STRATA_EXPORT void operator delete(void *p, std::size_t size) noexcept {
  strata_free_sized(p, size);
}
STRATA_EXPORT void operator delete[](void *p, std::size_t size) noexcept {
  strata_free_sized(p, size);
}
STRATA_EXPORT void operator delete(void *p, std::align_val_t) noexcept { strata_free(p); }
STRATA_EXPORT void operator delete[](void *p, std::align_val_t) noexcept { strata_free(p); }
STRATA_EXPORT void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept {
  strata_free(p);
}
STRATA_EXPORT void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept {
  strata_free(p);
}
STRATA_EXPORT void operator delete(void *p, std::size_t size, std::align_val_t alignment) noexcept {
  strata_free_aligned_sized(p, alignment_of(alignment), size);
}
STRATA_EXPORT void operator delete[](void *p, std::size_t size,
                                     std::align_val_t alignment) noexcept {
  strata_free_aligned_sized(p, alignment_of(alignment), size);
}
