/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* os_page: the operating system's page size, the one place strata asks.
 *
 * Not STRATA_PAGE_SIZE (8 KiB, the unit of strata's page heap): the OS
 * page is what mmap, mprotect and madvise work in and what valloc aligns
 * to — 4 KiB on x86-64, 16 or 64 KiB on some arm64 and POWER kernels. */
#ifndef STRATA_BASE_OS_PAGE_H_
#define STRATA_BASE_OS_PAGE_H_

#include <stddef.h>
#include <unistd.h>

/* sysconf reads a value the C library took from the kernel at start-up:
 * no system call. */
static inline size_t strata_os_page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

#endif /* STRATA_BASE_OS_PAGE_H_ */
