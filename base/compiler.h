/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* compiler: branch hints and symbol visibility, for every layer. */
#ifndef STRATA_BASE_COMPILER_H_
#define STRATA_BASE_COMPILER_H_

/* Which way a branch goes on the fast paths: the unlikely side is laid out
 * out of the way. */
#define STRATA_LIKELY(x) __builtin_expect(!!(x), 1)
#define STRATA_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Not exported from a shared library (libstrata.so exports only the C
 * library's names and the public strata_ API). */
#define STRATA_HIDDEN __attribute__((visibility("hidden")))

#endif /* STRATA_BASE_COMPILER_H_ */
