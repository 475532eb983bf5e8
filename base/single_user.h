/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* single_user: the debug-build check that an object meant for one thread
 * at a time (a request pool, a GC heap) is not used by two at once.
 *
 * Each entry point enters on the way in and leaves on the way out. The
 * first thread in claims the object (compare-and-swap, acquire); a second
 * thread arriving meanwhile finds it claimed and the program stops with
 *
 *   strata: strata_pool_alloc(): pool used by two threads at once
 *
 * rather than corrupt the object's lists. The holder may enter again (a
 * pool's cleanup that allocates from the pool); the object is given back
 * (release store) when the outermost call leaves. Messages are written
 * with write(2): nothing here allocates. */
#ifndef STRATA_BASE_SINGLE_USER_H_
#define STRATA_BASE_SINGLE_USER_H_

#include "base/atomic.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_single_user {
  /* The holder's pthread_self(), 0 when free: claimed by compare-and-swap
   * (acquire), given back by a release store; read by any thread. */
  strata_atomic_uptr thread;
  /* Entries beyond the first; read and written by the holder only. */
  unsigned depth;
} strata_single_user;

/* `what` names the object in the message ("pool", "GC heap"). */
void strata_single_user_enter(strata_single_user *u, const char *function, const char *what);
void strata_single_user_leave(strata_single_user *u);

/* Writes "strata: <function>(): <what>" and aborts: for the debug checks
 * of a frontend's entry points. */
void strata_die_in(const char *function, const char *what) __attribute__((noreturn, cold));

#ifdef __cplusplus
}
#endif

#endif /* STRATA_BASE_SINGLE_USER_H_ */
