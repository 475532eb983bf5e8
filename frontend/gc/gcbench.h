/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* What gcbench's workloads share: the allocator under test, its two kinds
 * of allocation, and running a workload on the worker threads. */
#ifndef STRATA_FRONTEND_GC_GCBENCH_H_
#define STRATA_FRONTEND_GC_GCBENCH_H_

#include <stddef.h>

#include "frontend/gc/strata_gc.h"

typedef enum { STRATA, BOEHM, MALLOC } allocator_kind;

extern allocator_kind allocator;
extern strata_gc_heap *heap; /* STRATA */
extern int thread_count;

/* A zeroed object that may hold pointers. */
void *new_scan(size_t size);
/* Memory that holds no pointers, not zeroed. */
void *new_noscan(size_t size);
void out_of_memory(void) __attribute__((noreturn));

/* work(worker, workers) on thread_count threads (the calling thread alone
 * when 1), registered with the collector under test. */
void on_threads(void (*work)(int worker, int workers));

/* The string table (gcbench_table.c): 0, or 1 when what it holds is not
 * what it should. */
int table_run(void);
/* The pointer chase (gcbench_chase.c): 0, or 1 when the list lost nodes. */
int chase_run(void);
/* Binary-trees (gcbench_bintrees.c): 0, or 1 when a tree did not count
 * what was built. */
int bintrees_run(void);

#endif /* STRATA_FRONTEND_GC_GCBENCH_H_ */
