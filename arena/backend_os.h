/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Private to the arena package: the Linux calls behind the mmap and
 * huge-page backends, in the shape of backend operations so that both
 * backends' vtables can name them directly. */
#ifndef STRATA_ARENA_BACKEND_OS_H_
#define STRATA_ARENA_BACKEND_OS_H_

#include "arena/backend.h"

strata_status strata_os_reserve(strata_backend *self, size_t size, size_t alignment,
                                void **out) STRATA_MUST_USE;
strata_status strata_os_commit(strata_backend *self, void *addr, size_t size) STRATA_MUST_USE;
strata_status strata_os_decommit(strata_backend *self, void *addr, size_t size) STRATA_MUST_USE;
strata_status strata_os_release(strata_backend *self, void *addr, size_t size) STRATA_MUST_USE;
strata_status strata_os_protect(strata_backend *self, void *addr, size_t size,
                                bool accessible) STRATA_MUST_USE;

#endif /* STRATA_ARENA_BACKEND_OS_H_ */
