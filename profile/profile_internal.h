/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Private to the profile layer: the bucket, shared by the table and the
 * writer. */
#ifndef STRATA_PROFILE_PROFILE_INTERNAL_H_
#define STRATA_PROFILE_PROFILE_INTERNAL_H_

#include "profile/profile.h"

/* What is known of one call stack allocating objects of one size. Keyed by
 * size too (rounded, below), as the Go runtime's buckets are: a reader
 * scales a line by the sampling probability of its average size, which is
 * exact only when the line's objects have about one size. */
struct strata_profile_bucket {
  strata_profile_bucket *chain; /* the hash table's */
  strata_profile_bucket *next;  /* the list of all buckets */
  uint64_t hash;
  uint64_t size_key;
  uint64_t allocs, alloc_bytes; /* sampled, ever */
  uint64_t frees, free_bytes;   /* of those, freed */
  unsigned depth;
  void *frames[];
};

#endif /* STRATA_PROFILE_PROFILE_INTERNAL_H_ */
