/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* atomic: the fields strata's threads share without a lock, as types.
 *
 * A field that one thread writes while another reads it without holding a
 * lock is declared with STRATA_ATOMIC(type) rather than as a plain
 * integer or pointer. Its value sits inside a struct, so a plain read or
 * write of it does not compile: every access goes through one of the
 * macros below, which name their memory order at the access, as the Go
 * runtime's atomic types and mimalloc's _Atomic fields do. (Not C11's
 * _Atomic: strata's headers are also compiled as C++ by the tests, and
 * C++17 has no _Atomic.)
 *
 * The orders strata uses, and what each means here:
 *   STRATA_ORDER_RELAXED  a counter or flag whose readers need no other
 *                         memory to be ready with it (stats, a hint);
 *   STRATA_ORDER_ACQUIRE  a load that publishes: what the storing thread
 *                         wrote before its release store is visible after;
 *   STRATA_ORDER_RELEASE  the store that publishes;
 *   STRATA_ORDER_ACQ_REL  a read-modify-write that does both;
 *   STRATA_ORDER_SEQ_CST  two threads that each write one field and then
 *                         read the other's, where both must not miss
 *                         (a sleeper and its waker).
 * Each field's comment says who writes it, who reads it, with which
 * order. */
#ifndef STRATA_BASE_ATOMIC_H_
#define STRATA_BASE_ATOMIC_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STRATA_ORDER_RELAXED __ATOMIC_RELAXED
#define STRATA_ORDER_ACQUIRE __ATOMIC_ACQUIRE
#define STRATA_ORDER_RELEASE __ATOMIC_RELEASE
#define STRATA_ORDER_ACQ_REL __ATOMIC_ACQ_REL
#define STRATA_ORDER_SEQ_CST __ATOMIC_SEQ_CST

/* A field of `type` (an integer or a pointer) shared without a lock. */
#define STRATA_ATOMIC(type) \
  struct {                  \
    type value;             \
  }

/* The integer kinds strata shares, named, for fields and parameters. */
typedef STRATA_ATOMIC(uint8_t) strata_atomic_u8;
typedef STRATA_ATOMIC(uint32_t) strata_atomic_u32;
typedef STRATA_ATOMIC(uint64_t) strata_atomic_u64;
typedef STRATA_ATOMIC(int) strata_atomic_int;
typedef STRATA_ATOMIC(size_t) strata_atomic_size;
typedef STRATA_ATOMIC(uintptr_t) strata_atomic_uptr;

/* `a` is the address of a STRATA_ATOMIC field. */
#define strata_atomic_load(a, order) __atomic_load_n(&(a)->value, (order))
#define strata_atomic_store(a, v, order) __atomic_store_n(&(a)->value, (v), (order))
#define strata_atomic_exchange(a, v, order) __atomic_exchange_n(&(a)->value, (v), (order))
/* Strong: fails only when the value was not *expected (which then holds
 * the value seen). */
#define strata_atomic_compare_exchange(a, expected, desired, success_order, failure_order) \
  __atomic_compare_exchange_n(&(a)->value, (expected), (desired), false, (success_order),  \
                              (failure_order))
/* Return the new value. */
#define strata_atomic_add(a, v, order) __atomic_add_fetch(&(a)->value, (v), (order))
#define strata_atomic_sub(a, v, order) __atomic_sub_fetch(&(a)->value, (v), (order))
/* The field's address as a plain pointer, for the one caller that needs a
 * word's address for the kernel (the futex of base/lock.c). */
#define strata_atomic_address(a) (&(a)->value)

#endif /* STRATA_BASE_ATOMIC_H_ */
