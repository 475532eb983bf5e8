/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Writing a profile in the heap-profile text format that gperftools'
 * pprof (Debian's google-pprof) reads:
 *
 *   heap profile:   12:  4096 [  40: 16384] @ heap_v2/524288
 *     3:  1024 [  10:  4096] @ 0x4005f3 0x400712 0x7f03a1c2b24a
 *   ...
 *
 *   MAPPED_LIBRARIES:
 *   <the contents of /proc/self/maps>
 *
 * Each line: in-use objects and bytes, [allocated objects and bytes], then
 * the stack, innermost first. The counts are the samples themselves;
 * "heap_v2/<rate>" tells the reader they come from Poisson sampling at
 * that rate, and it scales each line by 1 / (1 - exp(-average size / rate)).
 * The reader takes every address but the first as a return address and
 * looks up the call before it; the first is written minus one for the same
 * effect. The memory map lets it find each address's object file (and
 * the load address of position-independent ones) for symbols.
 *
 * Everything is formatted by hand into a buffer on the stack and written
 * with write(2): no stdio, no malloc. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/format.h"
#include "profile/profile_internal.h"

typedef struct out {
  int fd;
  bool failed;
  size_t used;
  char buf[4096];
} out;

static void flush(out *o) {
  size_t done = 0;
  while (done < o->used && !o->failed) {
    ssize_t n = write(o->fd, o->buf + done, o->used - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      o->failed = true;
      break;
    }
    done += (size_t)n;
  }
  o->used = 0;
}

static void put(out *o, const char *s, size_t n) {
  while (n > 0) {
    if (o->used == sizeof o->buf) flush(o);
    size_t room = sizeof o->buf - o->used;
    size_t take = n < room ? n : room;
    memcpy(o->buf + o->used, s, take);
    o->used += take;
    s += take;
    n -= take;
  }
}

static void put_str(out *o, const char *s) { put(o, s, strlen(s)); }

/* A number right-aligned in `width` columns (the format's own look). */
static void put_dec(out *o, uint64_t v, int width) {
  char text[STRATA_FORMAT_MAX];
  size_t n = strata_format_decimal(text, v);
  for (size_t i = n; i < (size_t)width; i++) put(o, " ", 1);
  put(o, text, n);
}

static void put_hex(out *o, uint64_t v) {
  char text[STRATA_FORMAT_MAX];
  put(o, text, strata_format_hex(text, v));
}

/* "<inuse>: <bytes> [<allocs>: <bytes>] @" */
static void put_counts(out *o, uint64_t in_use, uint64_t in_use_bytes, uint64_t allocs,
                       uint64_t alloc_bytes) {
  put_dec(o, in_use, 6);
  put_str(o, ": ");
  put_dec(o, in_use_bytes, 8);
  put_str(o, " [");
  put_dec(o, allocs, 6);
  put_str(o, ": ");
  put_dec(o, alloc_bytes, 8);
  put_str(o, "] @");
}

static void put_maps(out *o) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return; /* no symbols, still a profile */
  flush(o);
  for (;;) {
    ssize_t n = read(fd, o->buf, sizeof o->buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    o->used = (size_t)n;
    flush(o);
  }
  close(fd);
}

strata_status strata_profile_write(strata_profile *p, int fd) {
  out o = {.fd = fd};
  strata_lock_acquire(&p->lock);
  uint64_t in_use = 0, in_use_bytes = 0, allocs = 0, alloc_bytes = 0;
  for (strata_profile_bucket *b = p->all; b != NULL; b = b->next) {
    in_use += b->allocs - b->frees;
    in_use_bytes += b->alloc_bytes - b->free_bytes;
    allocs += b->allocs;
    alloc_bytes += b->alloc_bytes;
  }
  put_str(&o, "heap profile: ");
  put_counts(&o, in_use, in_use_bytes, allocs, alloc_bytes);
  put_str(&o, " heap_v2/");
  put_dec(&o, strata_profile_rate(p), 0);
  put_str(&o, "\n");
  for (strata_profile_bucket *b = p->all; b != NULL; b = b->next) {
    if (b->allocs == 0) continue;
    put_counts(&o, b->allocs - b->frees, b->alloc_bytes - b->free_bytes, b->allocs,
               b->alloc_bytes);
    if (b->depth == 0) put_str(&o, " 0x0"); /* the bucket of dropped stacks */
    for (unsigned i = 0; i < b->depth; i++) {
      put_str(&o, " ");
      put_hex(&o, (uintptr_t)b->frames[i] - (i == 0 ? 1 : 0));
    }
    put_str(&o, "\n");
  }
  strata_lock_release(&p->lock);
  put_str(&o, "\nMAPPED_LIBRARIES:\n");
  put_maps(&o);
  flush(&o);
  return o.failed ? STRATA_ERR_IO : STRATA_OK;
}

strata_status strata_profile_write_file(strata_profile *p, const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return STRATA_ERR_IO;
  strata_status status = strata_profile_write(p, fd);
  int saved = errno;
  if (close(fd) != 0 && status == STRATA_OK) return STRATA_ERR_IO;
  errno = saved;
  return status;
}
