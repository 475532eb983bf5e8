/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Call stacks of sampled allocations.
 *
 * A frame-pointer walk is the fastest way to a stack, but most of a
 * program's code (Debian's libraries among it) is built without frame
 * pointers, and following a register that holds something else reads
 * arbitrary memory. The C runtime's unwinder (_Unwind_Backtrace, in libgcc)
 * instead steps frames by the call-frame information that every x86-64
 * and AArch64 object carries for exceptions: exact without frame pointers,
 * bounded by what the information describes, and it does not call malloc
 * (it finds an address's object with _dl_find_object, or dl_iterate_phdr
 * on older C libraries). A few microseconds per stack, paid once per
 * sample. */
#include <unwind.h>

#include "profile/profile.h"

typedef struct walk {
  void **frames;
  unsigned max;
  unsigned skip;
  unsigned count;
} walk;

static _Unwind_Reason_Code take_frame(struct _Unwind_Context *context, void *arg) {
  walk *w = arg;
  uintptr_t ip = _Unwind_GetIP(context);
  if (ip == 0) return _URC_END_OF_STACK;
  if (w->skip > 0) {
    w->skip--;
    return _URC_NO_REASON;
  }
  w->frames[w->count++] = (void *)ip;
  return w->count == w->max ? _URC_END_OF_STACK : _URC_NO_REASON;
}

__attribute__((noinline)) unsigned strata_profile_backtrace(void **frames, unsigned max,
                                                            unsigned skip) {
  if (max == 0) return 0;
  /* The first frame the unwinder reports is this function's own. */
  walk w = {frames, max, skip + 1, 0};
  _Unwind_Backtrace(take_frame, &w);
  return w.count;
}

unsigned strata_profile_backtrace_from(void **frames, unsigned max, const void *caller,
                                       unsigned *first) {
  unsigned depth = strata_profile_backtrace(frames, max, 0);
  unsigned i = 0;
  while (i < depth && frames[i] != caller) i++;
  *first = i < depth ? i : 0;
  return depth - *first;
}
