/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* glibc's malloc extensions, answered by strata: malloc_trim, mallinfo2,
 * mallinfo, malloc_stats, malloc_info and mallopt. Programs and tools call
 * them; without these, a program under LD_PRELOAD=libstrata.so would reach
 * glibc's own arena and hear about memory nobody uses.
 *
 * mallinfo2's fields, in strata's terms (glibc's meaning in brackets):
 *   arena     address space strata has reserved [bytes from the OS, non-mmap]
 *   ordblks   free page runs in the page heap [free chunks]
 *   smblks    0 [fastbin chunks]
 *   hblks     large objects in use [mmapped chunks]
 *   hblkhd    bytes of large objects in use [bytes mmapped]
 *   usmblks   peak committed bytes [highwater mark; 0 in current glibc]
 *   fsmblks   0 [bytes in fastbins]
 *   uordblks  bytes of in-use spans and large objects; objects held in the
 *             thread and transfer caches count as in use [allocated bytes]
 *   fordblks  committed bytes in free page runs [free bytes]
 *   keepcost  the same: what malloc_trim(0) can give back [top releasable]
 * mallinfo (int fields) saturates each at INT_MAX. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <unistd.h>

#include "frontend/malloc/malloc_internal.h"

int strata_malloc_trim(size_t pad) {
  /* glibc keeps `pad` bytes at the top of its heap; strata's free memory is
   * not at a top, so it all goes back. */
  (void)pad;
  return strata_malloc_release() > 0 ? 1 : 0;
}

struct mallinfo2 strata_mallinfo2(void) {
  strata_malloc_ensure_init();
  strata_malloc_global *g = &strata_malloc_state;
  strata_pageheap_stats heap;
  strata_pageheap_get_stats(&g->heap, &heap);
  struct mallinfo2 info = {0};
  info.arena = heap.mapped_bytes;
  info.ordblks = heap.free_runs;
  info.hblks = strata_atomic_load(&g->large_objects, STRATA_ORDER_RELAXED);
  info.hblkhd = strata_atomic_load(&g->large_bytes, STRATA_ORDER_RELAXED);
  info.usmblks = heap.peak_committed_bytes;
  info.uordblks = heap.in_use_bytes;
  info.fordblks = heap.free_committed_bytes;
  info.keepcost = heap.free_committed_bytes;
  return info;
}

static int saturate(size_t value) { return value > INT_MAX ? INT_MAX : (int)value; }

struct mallinfo strata_mallinfo(void) {
  struct mallinfo2 wide = strata_mallinfo2();
  struct mallinfo info = {0};
  info.arena = saturate(wide.arena);
  info.ordblks = saturate(wide.ordblks);
  info.hblks = saturate(wide.hblks);
  info.hblkhd = saturate(wide.hblkhd);
  info.usmblks = saturate(wide.usmblks);
  info.uordblks = saturate(wide.uordblks);
  info.fordblks = saturate(wide.fordblks);
  info.keepcost = saturate(wide.keepcost);
  return info;
}

void strata_malloc_stats_glibc(void) { strata_stats_print_to(STDERR_FILENO); }

/* glibc's shape: one <heap> (strata has one page heap), its size classes
 * as <size> lines (from-to: the sizes a class serves; count: objects of it
 * outside spans, total: their bytes), then the totals. Everything is read
 * before anything is written: fprintf may call malloc. */
int strata_malloc_info(int options, FILE *out) {
  if (options != 0 || out == NULL) {
    errno = EINVAL;
    return -1;
  }
  strata_malloc_ensure_init();
  strata_malloc_global *g = &strata_malloc_state;
  struct {
    size_t from, to, count;
  } sizes[STRATA_SIZE_CLASS_COUNT];
  size_t classes = 0, small_count = 0, small_bytes = 0;
  size_t previous = 0;
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; c++) {
    size_t size = strata_size_class_object_size(c);
    strata_central_class_stats stats;
    strata_central_class_get_stats(&g->central, strata_span_class_make(c, STRATA_MALLOC_KIND),
                                   &stats);
    if (stats.objects_out > 0) {
      sizes[classes].from = previous + 1;
      sizes[classes].to = size;
      sizes[classes].count = stats.objects_out;
      classes++;
      small_count += stats.objects_out;
      small_bytes += stats.objects_out * size;
    }
    previous = size;
  }
  struct mallinfo2 info = strata_mallinfo2();
  strata_pageheap_stats heap;
  strata_pageheap_get_stats(&g->heap, &heap);
  fprintf(out, "<malloc version=\"1\">\n<heap nr=\"0\">\n<sizes>\n");
  for (size_t i = 0; i < classes; i++) {
    fprintf(out, "  <size from=\"%zu\" to=\"%zu\" total=\"%zu\" count=\"%zu\"/>\n", sizes[i].from,
            sizes[i].to, sizes[i].count * sizes[i].to, sizes[i].count);
  }
  fprintf(out, "</sizes>\n");
  for (int level = 0; level < 2; level++) {
    fprintf(out, "<total type=\"fast\" count=\"0\" size=\"0\"/>\n");
    fprintf(out, "<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n", small_count, small_bytes);
    if (level == 1) {
      fprintf(out, "<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n", info.hblks, info.hblkhd);
    }
    fprintf(out, "<system type=\"current\" size=\"%zu\"/>\n", heap.committed_bytes);
    fprintf(out, "<system type=\"max\" size=\"%zu\"/>\n", heap.peak_committed_bytes);
    fprintf(out, "<aspace type=\"total\" size=\"%zu\"/>\n", heap.mapped_bytes);
    fprintf(out, "<aspace type=\"mprotect\" size=\"%zu\"/>\n", heap.committed_bytes);
    if (level == 0) fprintf(out, "</heap>\n");
  }
  fprintf(out, "</malloc>\n");
  return 0;
}

/* The parameters with a strata meaning are applied; the others are
 * accepted and ignored (glibc's contract: 1 on success). 0 for a value the
 * parameter cannot take. */
int strata_mallopt(int param, int value) {
  strata_malloc_ensure_init();
  strata_malloc_global *g = &strata_malloc_state;
  switch (param) {
    case M_TRIM_THRESHOLD:
      /* Free memory kept committed beyond this is given back. A negative
       * threshold is glibc's "never trim" (it reads the int as an unsigned
       * size, -1 the largest): no limit, as STRATA_RELEASE_LIMIT_MB unset;
       * pages idle for the release delay still go back. */
      strata_pageheap_set_free_committed_limit(&g->heap,
                                               value < 0 ? SIZE_MAX : (size_t)value);
      return 1;
    case M_MMAP_THRESHOLD:
      /* Large objects at least this big go back to the OS when freed. */
      if (value < 0) return 0;
      strata_atomic_store(&g->config.large_release_bytes, (size_t)value, STRATA_ORDER_RELAXED);
      return 1;
    default:
      /* M_ARENA_MAX, M_ARENA_TEST (strata has one heap and per-thread
       * caches), M_TOP_PAD, M_MMAP_MAX, M_MXFAST, M_PERTURB,
       * M_CHECK_ACTION (misuse is always checked; STRATA_ON_ERROR says
       * what then) and any other. */
      return 1;
  }
}

#ifdef STRATA_OVERRIDE_LIBC
#define STRATA_ALIAS(name) __attribute__((alias(#name), visibility("default")))
int malloc_trim(size_t pad) STRATA_ALIAS(strata_malloc_trim);
struct mallinfo2 mallinfo2(void) STRATA_ALIAS(strata_mallinfo2);
struct mallinfo mallinfo(void) STRATA_ALIAS(strata_mallinfo);
void malloc_stats(void) STRATA_ALIAS(strata_malloc_stats_glibc);
int malloc_info(int options, FILE *out) STRATA_ALIAS(strata_malloc_info);
int mallopt(int param, int value) STRATA_ALIAS(strata_mallopt);
#endif
