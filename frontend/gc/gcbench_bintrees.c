/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* gcbench's binary-trees: the Computer Language Benchmarks Game's program
 * (written here from its published rules), the allocation test language
 * runtimes are compared on, with its work shared among worker threads as
 * its multi-threaded entries do.
 *
 * Nodes are two pointers (16 bytes), built bottom up. A stretch tree of
 * depth 19 is built, checked and dropped; a long-lived tree of depth 18
 * stays alive to the end; then for depths 4, 6, ..., 18, 2^(22 - depth)
 * trees of that depth are built, checked (their nodes counted) and
 * dropped, the trees of every depth shared among the workers. Each check
 * must count what was built: every figure is compared with the tree
 * sizes at the end. With malloc, each tree is freed after its check. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "frontend/gc/gcbench.h"

enum { MIN_DEPTH = 4, MAX_DEPTH = 18, MAX_WORKERS = 64 };

typedef struct tree {
  struct tree *left, *right;
} tree;

static tree *bottom_up(int depth) {
  tree *t = new_scan(sizeof(tree));
  if (depth > 0) {
    t->left = bottom_up(depth - 1);
    t->right = bottom_up(depth - 1);
  }
  return t;
}

static uint64_t check(const tree *t) {
  return t->left == NULL ? 1 : 1 + check(t->left) + check(t->right);
}

static void drop(tree *t) {
  if (allocator != MALLOC || t == NULL) return;
  drop(t->left);
  drop(t->right);
  free(t);
}

static uint64_t nodes(int depth) { return ((uint64_t)1 << (depth + 1)) - 1; }
static int trees_of(int depth) { return 1 << (MAX_DEPTH - depth + MIN_DEPTH); }

/* What each worker counted, per depth. */
static uint64_t counted[MAX_WORKERS][MAX_DEPTH + 1];

static void churn(int worker, int workers) {
  for (int depth = MIN_DEPTH; depth <= MAX_DEPTH; depth += 2) {
    int n = trees_of(depth);
    int share = n / workers + (worker < n % workers);
    uint64_t sum = 0;
    for (int k = 0; k < share; k++) {
      tree *t = bottom_up(depth);
      sum += check(t);
      drop(t);
    }
    counted[worker][depth] = sum;
  }
}

int bintrees_run(void) {
  if (thread_count > MAX_WORKERS) return 1;
  tree *stretch = bottom_up(MAX_DEPTH + 1);
  uint64_t stretch_nodes = check(stretch);
  drop(stretch);
  stretch = NULL;
  tree *long_lived = bottom_up(MAX_DEPTH);

  on_threads(churn);

  int bad = stretch_nodes != nodes(MAX_DEPTH + 1) || check(long_lived) != nodes(MAX_DEPTH);
  for (int depth = MIN_DEPTH; depth <= MAX_DEPTH; depth += 2) {
    uint64_t sum = 0;
    for (int w = 0; w < thread_count; w++) sum += counted[w][depth];
    bad |= sum != (uint64_t)trees_of(depth) * nodes(depth);
  }
  if (bad) {
    fprintf(stderr, "gcbench: a binary tree did not count what was built\n");
    return 1;
  }
  drop(long_lived);
  return 0;
}
