/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Fuzz target: records and frees of samples on a profile with a small
 * memory bound, against a model of the totals; the written header must
 * state them exactly, and the profile's memory must stay within its bound. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arena/backends.h"
#include "profile/profile.h"
#include "tools/fuzzkit/fuzz_input.h"

#define MAX_LIVE 256

static void expect_header(strata_profile *p, unsigned long long in_use,
                          unsigned long long in_use_bytes, unsigned long long allocs,
                          unsigned long long alloc_bytes) {
  int fd = memfd_create("profile_fuzz", 0);
  FUZZ_ASSERT(fd >= 0);
  FUZZ_ASSERT(strata_profile_write(p, fd) == STRATA_OK);
  char head[160] = {0};
  FUZZ_ASSERT(pread(fd, head, sizeof head - 1, 0) > 0);
  close(fd);
  unsigned long long a, b, c, d;
  FUZZ_ASSERT(sscanf(head, "heap profile: %llu: %llu [ %llu: %llu]", &a, &b, &c, &d) == 4);
  FUZZ_ASSERT(a == in_use && b == in_use_bytes && c == allocs && d == alloc_bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_input in = {data, size, 0};
  static strata_mmap_backend backend;
  strata_mmap_backend_init(&backend);
  strata_profile p;
  size_t bound = (size_t)(1 + fuzz_u8(&in) % 4) << 16;
  strata_profile_init(&p, &backend.base, 4096, bound);
  strata_profile_sample *live[MAX_LIVE];
  size_t live_sizes[MAX_LIVE];
  unsigned live_count = 0;
  unsigned long long in_use = 0, in_use_bytes = 0, allocs = 0, alloc_bytes = 0;
  while (fuzz_more(&in)) {
    uint8_t op = fuzz_u8(&in);
    if (op < 160 && live_count < MAX_LIVE) {
      /* A stack of 0 to 63 frames from a small alphabet, so that stacks
       * repeat and new ones keep coming. */
      void *frames[STRATA_PROFILE_MAX_DEPTH];
      unsigned depth = fuzz_u8(&in) % STRATA_PROFILE_MAX_DEPTH;
      for (unsigned i = 0; i < depth; i++) frames[i] = (void *)(uintptr_t)(0x1000 + fuzz_u8(&in) % 8);
      size_t bytes = 1 + fuzz_u16(&in) * (size_t)(1 + op % 16);
      strata_profile_sample *s = strata_profile_record_alloc(&p, &in, bytes, frames, depth);
      if (s != NULL) {
        FUZZ_ASSERT(s->size == bytes);
        live[live_count] = s;
        live_sizes[live_count++] = bytes;
        in_use++;
        in_use_bytes += bytes;
        allocs++;
        alloc_bytes += bytes;
      }
    } else if (op < 240 && live_count > 0) {
      unsigned i = fuzz_u8(&in) % live_count;
      strata_profile_record_free(&p, live[i]);
      in_use--;
      in_use_bytes -= live_sizes[i];
      live[i] = live[--live_count];
      live_sizes[i] = live_sizes[live_count];
    } else {
      expect_header(&p, in_use, in_use_bytes, allocs, alloc_bytes);
    }
    strata_profile_stats stats;
    strata_profile_get_stats(&p, &stats);
    FUZZ_ASSERT(stats.samples_in_use == in_use && stats.samples == allocs);
    FUZZ_ASSERT(stats.memory_bytes <= bound + STRATA_PERSISTENT_MIN_CHUNK);
  }
  expect_header(&p, in_use, in_use_bytes, allocs, alloc_bytes);
  FUZZ_ASSERT(strata_profile_destroy(&p) == STRATA_OK);
  return 0;
}
