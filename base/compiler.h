/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* compiler: branch hints, symbol visibility and the spin-wait pause, for
 * every layer. */
#ifndef STRATA_BASE_COMPILER_H_
#define STRATA_BASE_COMPILER_H_

/* Which way a branch goes on the fast paths: the unlikely side is laid out
 * out of the way. */
#define STRATA_LIKELY(x) __builtin_expect(!!(x), 1)
#define STRATA_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Not exported from a shared library (libstrata.so exports only the C
 * library's names and the public strata_ API). */
#define STRATA_HIDDEN __attribute__((visibility("hidden")))

/* One pause in a spin-wait: the processor's hint that the thread is
 * waiting (it saves power and lets a sibling hyperthread run). */
static inline void strata_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

#endif /* STRATA_BASE_COMPILER_H_ */
