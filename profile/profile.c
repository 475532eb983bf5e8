/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The profile's table: buckets by (call stack, size) in a hash table, and
 * one record per sampled object.
 *
 * All of it lives in the profile's own backend chunks (strata_persistent):
 * the profile may be the malloc's, so it must never call malloc. Buckets
 * are never freed, as in the Go runtime: a stack that allocated once stays
 * in the cumulative profile for good. Their memory is therefore bounded by
 * max_bytes; past it, samples of new stacks go to one bucket without a
 * stack, so that the totals stay right and the loss is visible
 * (strata_profile_stats.truncated). */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include "base/check.h"
#include "profile/profile_internal.h"

#define DEFAULT_MAX_BYTES ((size_t)16 << 20)
#define FIRST_TABLE_SIZE 256

/* Init and destroy are not analysed: no other thread may use the profile
 * meanwhile. */
void strata_profile_init(strata_profile *p, strata_backend *backend, uint64_t rate,
                         size_t max_bytes) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  memset(p, 0, sizeof *p);
  strata_lock_init(&p->lock, STRATA_LOCK_RANK_PROFILE);
  strata_atomic_store(&p->rate, rate, STRATA_ORDER_RELAXED);
  p->max_bytes = max_bytes != 0 ? max_bytes : DEFAULT_MAX_BYTES;
  strata_persistent_init(&p->memory, backend);
  strata_fixalloc_init(&p->samples, &p->memory, sizeof(strata_profile_sample));
}

strata_status strata_profile_destroy(strata_profile *p) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  strata_status status = strata_persistent_release_all(&p->memory);
  strata_backend *backend = p->memory.backend;
  uint64_t rate = strata_atomic_load(&p->rate, STRATA_ORDER_RELAXED);
  size_t max_bytes = p->max_bytes;
  strata_profile_init(p, backend, rate, max_bytes);
  return status;
}

void strata_profile_set_rate(strata_profile *p, uint64_t rate) {
  strata_atomic_store(&p->rate, rate, STRATA_ORDER_RELAXED);
}

void strata_profile_lock(strata_profile *p) { strata_lock_acquire(&p->lock); }
void strata_profile_unlock(strata_profile *p) { strata_lock_release(&p->lock); }

/* Sizes below 1 KiB to 16 bytes, below 64 KiB to 1 KiB, above to 64 KiB:
 * a few keys per order of magnitude, so that a line's objects have nearly
 * one size and a program with many sizes does not make a bucket per byte. */
static uint64_t size_key(size_t size) {
  if (size < 1024) return (size + 15) & ~(uint64_t)15;
  if (size < (64u << 10)) return (size + 1023) & ~(uint64_t)1023;
  return (size + 0xffff) & ~(uint64_t)0xffff;
}

static uint64_t hash_stack(void *const *frames, unsigned depth, uint64_t key) {
  uint64_t h = key * 0x9E3779B97F4A7C15ull;
  for (unsigned i = 0; i < depth; i++) {
    h ^= (uint64_t)(uintptr_t)frames[i];
    h *= 0x100000001B3ull;
    h ^= h >> 29;
  }
  return h;
}

/* Memory for the profile's own structures, within max_bytes. Lock held. */
static void *take(strata_profile *p, size_t size, size_t alignment) STRATA_REQUIRES(&p->lock) {
  STRATA_ASSERT_LOCK_HELD(&p->lock);
  if (p->memory.used_bytes + size > p->max_bytes) return NULL;
  return strata_persistent_alloc(&p->memory, size, alignment);
}

static size_t next_table_size(const strata_profile *p) STRATA_REQUIRES(&p->lock) {
  return p->table_size == 0 ? FIRST_TABLE_SIZE : p->table_size * 2;
}

/* Doubles the hash table when it holds as many buckets as chains (the old
 * table's memory stays with the profile: at most as much as the new one). */
static void grow_table(strata_profile *p) STRATA_REQUIRES(&p->lock) {
  size_t size = next_table_size(p);
  strata_profile_bucket **table = take(p, size * sizeof *table, sizeof *table);
  if (table == NULL) return; /* the chains just get longer */
  for (strata_profile_bucket *b = p->all; b != NULL; b = b->next) {
    size_t i = b->hash & (size - 1);
    b->chain = table[i];
    table[i] = b;
  }
  p->table = table;
  p->table_size = size;
}

static strata_profile_bucket *find_bucket(strata_profile *p, void *const *frames, unsigned depth,
                                          uint64_t key) STRATA_REQUIRES(&p->lock) {
  STRATA_ASSERT_LOCK_HELD(&p->lock);
  uint64_t hash = hash_stack(frames, depth, key);
  if (p->table_size != 0) {
    for (strata_profile_bucket *b = p->table[hash & (p->table_size - 1)]; b != NULL; b = b->chain) {
      if (b->hash == hash && b->size_key == key && b->depth == depth &&
          memcmp(b->frames, frames, depth * sizeof *frames) == 0) {
        return b;
      }
    }
  }
  if (p->bucket_count >= p->table_size) grow_table(p);
  strata_profile_bucket *b = NULL;
  if (p->table_size != 0) {
    b = take(p, sizeof *b + depth * sizeof *frames, 16);
  }
  if (b == NULL) {
    /* Out of room: the stackless bucket takes it. */
    p->truncated++;
    if (p->truncated_bucket == NULL) {
      p->truncated_bucket = strata_persistent_alloc(&p->memory, sizeof *b, 16);
      if (p->truncated_bucket == NULL) return NULL;
      p->truncated_bucket->next = p->all;
      p->all = p->truncated_bucket;
      p->bucket_count++;
    }
    return p->truncated_bucket;
  }
  b->hash = hash;
  b->size_key = key;
  b->depth = depth;
  memcpy(b->frames, frames, depth * sizeof *frames);
  size_t i = hash & (p->table_size - 1);
  b->chain = p->table[i];
  p->table[i] = b;
  b->next = p->all;
  p->all = b;
  p->bucket_count++;
  return b;
}

/* The coarse clock (the kernel's tick, a few ms): a sample's age needs no
 * more, and the precise one cost 4 % of a large-object workload's time on
 * a virtual machine whose clock source is slow to read. */
static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* What recording a sample may take from the profile's chunks: a bigger
 * table, a bucket, the stackless bucket and the sample, the first three
 * within max_bytes as take() allows. It is prepared with the lock dropped
 * (strata_persistent_prepare), so that the record makes no system call
 * under the lock. */
static size_t record_bytes(const strata_profile *p, unsigned depth) STRATA_REQUIRES(&p->lock) {
  size_t bytes = strata_persistent_bytes_for(
      1, sizeof(strata_profile_bucket) + depth * sizeof(void *), 16);
  if (p->bucket_count >= p->table_size) {
    bytes += strata_persistent_bytes_for(1, next_table_size(p) * sizeof(strata_profile_bucket *),
                                         sizeof(strata_profile_bucket *));
  }
  size_t room = p->max_bytes > p->memory.used_bytes ? p->max_bytes - p->memory.used_bytes : 0;
  if (bytes > room) bytes = room;
  if (p->truncated_bucket == NULL) {
    bytes += strata_persistent_bytes_for(1, sizeof(strata_profile_bucket), 16);
  }
  return bytes + strata_fixalloc_bytes_for(&p->samples, 1);
}

strata_profile_sample *strata_profile_record_alloc(strata_profile *p, const void *address,
                                                   size_t size, void *const *frames,
                                                   unsigned depth) {
  if (depth > STRATA_PROFILE_MAX_DEPTH) depth = STRATA_PROFILE_MAX_DEPTH;
  uint64_t time = now_ns();
  strata_lock_acquire(&p->lock);
  /* If the backend refuses, the allocations below fail as they would. */
  strata_status_ignore(strata_persistent_prepare(&p->memory, record_bytes(p, depth), &p->lock));
  strata_profile_bucket *bucket = find_bucket(p, frames, depth, size_key(size));
  strata_profile_sample *sample =
      bucket != NULL && p->memory.used_bytes + sizeof *sample <= p->max_bytes
          ? strata_fixalloc_alloc(&p->samples)
          : NULL;
  if (sample == NULL && bucket != NULL && p->samples.free_list != NULL) {
    sample = strata_fixalloc_alloc(&p->samples); /* recycled: no new memory */
  }
  if (sample != NULL) {
    sample->bucket = bucket;
    sample->address = (uintptr_t)address;
    sample->size = size;
    sample->time_ns = time;
    sample->next = NULL;
    bucket->allocs++;
    bucket->alloc_bytes += size;
    p->sample_count++;
    p->samples_in_use++;
  }
  strata_lock_release(&p->lock);
  return sample;
}

void strata_profile_record_free(strata_profile *p, strata_profile_sample *sample) {
  strata_lock_acquire(&p->lock);
  STRATA_ASSERT(p->samples_in_use > 0 && sample->bucket->frees < sample->bucket->allocs);
  sample->bucket->frees++;
  sample->bucket->free_bytes += sample->size;
  p->samples_in_use--;
  strata_fixalloc_free(&p->samples, sample);
  strata_lock_release(&p->lock);
}

void strata_profile_get_stats(strata_profile *p, strata_profile_stats *out) {
  strata_lock_acquire(&p->lock);
  out->rate = strata_profile_rate(p);
  out->samples = p->sample_count;
  out->samples_in_use = p->samples_in_use;
  out->buckets = p->bucket_count;
  out->truncated = p->truncated;
  out->memory_bytes = p->memory.mapped_bytes;
  out->max_bytes = p->max_bytes;
  strata_lock_release(&p->lock);
}
