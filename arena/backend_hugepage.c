/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The huge-page backend: the mmap calls in 2 MiB units, plus the advice. */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "arena/backend_os.h"
#include "arena/backends.h"

static strata_status huge_commit(strata_backend *self, void *addr, size_t size) {
  strata_hugepage_backend *b = (strata_hugepage_backend *)self;
  strata_status status = strata_os_commit(self, addr, size);
  if (status != STRATA_OK) return status;
  /* The advice is a wish, not a requirement: with transparent huge pages set
   * to "never", or on a kernel without them, madvise fails and the range is
   * simply backed by ordinary pages. */
  bool advised = madvise(addr, size, MADV_HUGEPAGE) == 0;
  strata_atomic_store(&b->huge_pages, advised, STRATA_ORDER_RELAXED);
  if (!advised) strata_atomic_add(&b->advice_refusals, 1, STRATA_ORDER_RELAXED);
  return STRATA_OK;
}

static const strata_backend_ops hugepage_ops = {
    .reserve = strata_os_reserve,
    .commit = huge_commit,
    .decommit = strata_os_decommit,
    .release = strata_os_release,
    .protect = strata_os_protect,
};

void strata_hugepage_backend_init(strata_hugepage_backend *b) {
  b->base.ops = &hugepage_ops;
  b->base.name = "hugepage";
  b->base.page_size = STRATA_HUGEPAGE_SIZE;
  b->base.decommit_zeroes = true;
  b->base.reserve_zeroes = true;
  strata_atomic_store(&b->huge_pages, false, STRATA_ORDER_RELAXED);
  strata_atomic_store(&b->advice_refusals, 0, STRATA_ORDER_RELAXED);
}
