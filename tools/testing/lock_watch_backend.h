/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
// A backend wrapper that counts the calls made while a watched strata_lock
// is held: how the tests show that no system call is made under a lock.
// It reads the lock's word, so it says "held by someone"; the tests using
// it are single-threaded, so a held lock is the caller's.
#ifndef STRATA_TOOLS_TESTING_LOCK_WATCH_BACKEND_H_
#define STRATA_TOOLS_TESTING_LOCK_WATCH_BACKEND_H_

#include <cstddef>

#include "arena/backend.h"
#include "base/lock.h"

namespace strata_testing {

struct LockWatchBackend {
  strata_backend base;
  strata_backend *inner = nullptr;
  const strata_lock *watched = nullptr;
  size_t calls = 0, calls_under_lock = 0;
};

inline strata_backend *WatchedInner(strata_backend *self) {
  auto *w = reinterpret_cast<LockWatchBackend *>(self);
  w->calls++;
  if (w->watched != nullptr &&
      strata_atomic_load(&w->watched->state, STRATA_ORDER_RELAXED) != 0) {
    w->calls_under_lock++;
  }
  return w->inner;
}

inline strata_status WatchedReserve(strata_backend *self, size_t size, size_t alignment,
                                    void **out) {
  return strata_backend_reserve(WatchedInner(self), size, alignment, out);
}

inline strata_status WatchedCommit(strata_backend *self, void *addr, size_t size) {
  return strata_backend_commit(WatchedInner(self), addr, size);
}

inline strata_status WatchedDecommit(strata_backend *self, void *addr, size_t size) {
  return strata_backend_decommit(WatchedInner(self), addr, size);
}

inline strata_status WatchedRelease(strata_backend *self, void *addr, size_t size) {
  return strata_backend_release(WatchedInner(self), addr, size);
}

inline const strata_backend_ops kWatchedOps = {WatchedReserve, WatchedCommit, WatchedDecommit,
                                               WatchedRelease, nullptr};

// Wraps `inner` (its page size and flags are kept).
inline void WatchLocks(LockWatchBackend *w, strata_backend *inner) {
  w->base = *inner;
  w->base.ops = &kWatchedOps;
  w->inner = inner;
}

}  // namespace strata_testing

#endif  // STRATA_TOOLS_TESTING_LOCK_WATCH_BACKEND_H_
