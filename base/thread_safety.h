/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* thread_safety: clang's thread-safety attributes, named for strata.
 *
 * Which lock guards which field, which function needs a lock held and which
 * must be called without one, written where a compiler checks them: the
 * clang build (`--config=fuzz`, clang 19) compiles every layer with
 * -Wthread-safety -Werror, so a guarded field written without its lock, a
 * helper that needs the page-heap lock called without it, or a page-heap
 * call made under a class lock does not build. Other compilers see nothing.
 *
 * How precise the check is in C. Function attributes name the lock through
 * the parameter (STRATA_REQUIRES(&ph->lock)) and are checked per object:
 * holding one class's lock does not satisfy a function that needs
 * another's. A field's guard (STRATA_GUARDED_BY(&lock)) is, in C, the lock
 * field of the same struct type, not of the same object: writing
 * a->field while holding b->lock passes. Clang before 19 cannot parse a
 * field guard in C at all, so the macros are empty there. */
#ifndef STRATA_BASE_THREAD_SAFETY_H_
#define STRATA_BASE_THREAD_SAFETY_H_

#if defined(__clang__) && __clang_major__ >= 19
#define STRATA_THREAD_ATTRIBUTE(x) __attribute__((x))
#else
#define STRATA_THREAD_ATTRIBUTE(x)
#endif

/* On a lock type. */
#define STRATA_CAPABILITY(name) STRATA_THREAD_ATTRIBUTE(capability(name))
/* On a field: read or written only with `lock` (an address) held. */
#define STRATA_GUARDED_BY(lock) STRATA_THREAD_ATTRIBUTE(guarded_by(lock))
/* On a function: takes, gives back, needs, or must not hold the lock. */
#define STRATA_ACQUIRE(...) STRATA_THREAD_ATTRIBUTE(acquire_capability(__VA_ARGS__))
#define STRATA_TRY_ACQUIRE(...) STRATA_THREAD_ATTRIBUTE(try_acquire_capability(__VA_ARGS__))
#define STRATA_RELEASE(...) STRATA_THREAD_ATTRIBUTE(release_capability(__VA_ARGS__))
#define STRATA_REQUIRES(...) STRATA_THREAD_ATTRIBUTE(requires_capability(__VA_ARGS__))
#define STRATA_EXCLUDES(...) STRATA_THREAD_ATTRIBUTE(locks_excluded(__VA_ARGS__))
/* Tells the analysis the lock is held from here on (after a check that
 * proves it, or where a caller the analysis cannot see took it). */
#define STRATA_ASSERT_CAPABILITY(...) STRATA_THREAD_ATTRIBUTE(assert_capability(__VA_ARGS__))
/* The lock's own code, and the few places that take or give back a lock
 * in a way the analysis cannot follow (a loop over every class lock); each
 * says why beside it. */
#define STRATA_NO_THREAD_SAFETY_ANALYSIS STRATA_THREAD_ATTRIBUTE(no_thread_safety_analysis)

#endif /* STRATA_BASE_THREAD_SAFETY_H_ */
