/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* startup: starts and exits, allocating only what the C library's own start
 * and exit allocate. What it measures is the allocator's fixed cost: the
 * peak RSS and the page faults of loading and initialising it. */
#include "bench/workloads/workload.h"

int main(void) {
  workload_finish(0);
  return 0;
}
