// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// free_runs against a model: random inserts and removals of runs short and
// long; after each step, best fit, the filtered long fit and the walk must
// say what a sorted set of (pages, base) says (for short runs, whose lists
// are LIFO, the length only).
#include "pageheap/free_runs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <set>
#include <utility>
#include <vector>

namespace {

using Key = std::pair<size_t, uintptr_t>;  // (pages, base): the index's order

struct Model {
  std::set<Key> runs;
  // The best fit: the least (pages, base) with at least `pages` pages.
  const Key *BestFit(size_t pages) const {
    auto it = runs.lower_bound({pages, 0});
    return it == runs.end() ? nullptr : &*it;
  }
};

bool BaseIsOdd(const strata_span *run, void *) { return (run->base >> STRATA_PAGE_SHIFT) & 1; }

void Collect(strata_span *run, void *arg) {
  static_cast<std::vector<Key> *>(arg)->push_back({run->pages, run->base});
}

TEST(FreeRuns, AgreesWithASortedSetUnderRandomChanges) {
  constexpr size_t kRuns = 3000;
  auto spans = std::make_unique<strata_span[]>(kRuns);
  std::vector<bool> inside(kRuns, false);
  std::mt19937_64 rng(5);
  for (size_t i = 0; i < kRuns; ++i) {
    spans[i] = strata_span{};
    strata_span_set_state(&spans[i], STRATA_SPAN_FREE);
    spans[i].base = (i + 1) * (uintptr_t{1} << 30) >> 4 << STRATA_PAGE_SHIFT;  // distinct
    // Mostly long runs, many of equal length (ties go by address).
    spans[i].pages = rng() % 4 == 0 ? 1 + rng() % 127 : 128 + rng() % 64;
  }
  strata_free_runs fr;
  strata_free_runs_init(&fr);
  Model model;
  for (int step = 0; step < 20000; ++step) {
    size_t i = rng() % kRuns;
    Key key{spans[i].pages, spans[i].base};
    if (inside[i]) {
      strata_free_runs_remove(&fr, &spans[i]);
      model.runs.erase(key);
    } else {
      strata_free_runs_insert(&fr, &spans[i]);
      model.runs.insert(key);
    }
    inside[i] = !inside[i];
    ASSERT_EQ(fr.count, model.runs.size());
    for (size_t want : {size_t{1}, size_t{64}, size_t{127}, size_t{128}, size_t{150},
                        size_t{191}, size_t{192}, static_cast<size_t>(1 + rng() % 200)}) {
      const strata_span *got = strata_free_runs_best_fit(&fr, want);
      const Key *expect = model.BestFit(want);
      ASSERT_EQ(got == nullptr, expect == nullptr) << "step " << step << ", " << want << " pages";
      if (got == nullptr) continue;
      ASSERT_TRUE(model.runs.count({got->pages, got->base})) << "step " << step;
      if (got->pages < STRATA_FREE_RUNS_EXACT) {
        // A length's own list is LIFO: any run of the shortest length fits.
        ASSERT_EQ(got->pages, expect->first) << "step " << step << ", " << want << " pages";
      } else {
        ASSERT_EQ(Key(got->pages, got->base), *expect) << "step " << step << ", " << want << " pages";
      }
    }
    if (step % 97 == 0) {
      // The filtered search: the first of the `limit` best long fits whose
      // base is odd, as the model says.
      size_t want = 128 + rng() % 64, limit = 1 + rng() % 8;
      const strata_span *got = strata_free_runs_long_fit_where(&fr, want, BaseIsOdd, nullptr, limit);
      const Key *expect = nullptr;
      size_t seen = 0;
      for (auto it = model.runs.lower_bound({std::max<size_t>(want, STRATA_FREE_RUNS_EXACT), 0});
           it != model.runs.end() && seen < limit; ++it, ++seen) {
        if ((it->second >> STRATA_PAGE_SHIFT) & 1) {
          expect = &*it;
          break;
        }
      }
      ASSERT_EQ(got == nullptr, expect == nullptr) << "step " << step;
      if (got != nullptr) {
        ASSERT_EQ(Key(got->pages, got->base), *expect);
      }
      std::vector<Key> walked;
      strata_free_runs_each(&fr, Collect, &walked);
      std::vector<Key> long_walked;  // in the order the walk gave them
      for (const Key &k : walked) {
        if (k.first >= STRATA_FREE_RUNS_EXACT) long_walked.push_back(k);
      }
      std::vector<Key> expect_long(model.runs.lower_bound({STRATA_FREE_RUNS_EXACT, 0}), model.runs.end());
      ASSERT_EQ(walked.size(), model.runs.size());
      ASSERT_EQ(long_walked, expect_long) << "long runs are walked in (pages, base) order";
    }
  }
}

// The tree of long runs (left child in `next`, right in `prev`) stays
// shallow when runs come in sorted order, the worst order for a plain
// search tree (depth n) and for a sorted list (every insert walks it all).
size_t Depth(const strata_span *node) {
  if (node == nullptr) return 0;
  return 1 + std::max(Depth(node->next), Depth(node->prev));
}

TEST(FreeRuns, LongRunsInSortedOrderMakeAShallowTree) {
  constexpr size_t kRuns = 1 << 14;
  auto spans = std::make_unique<strata_span[]>(kRuns);
  strata_free_runs fr;
  strata_free_runs_init(&fr);
  for (size_t i = 0; i < kRuns; ++i) {
    spans[i] = strata_span{};
    strata_span_set_state(&spans[i], STRATA_SPAN_FREE);
    spans[i].base = (i + 1) << 20;
    spans[i].pages = STRATA_FREE_RUNS_EXACT + i;  // ascending: each sorts last
    strata_free_runs_insert(&fr, &spans[i]);
  }
  size_t depth = Depth(fr.long_runs);
  std::printf("%zu long runs inserted in order: depth %zu (log2 n = 14)\n", kRuns, depth);
  EXPECT_LE(depth, 3u * 14);
  for (size_t i = 0; i < kRuns; i += 2) strata_free_runs_remove(&fr, &spans[i]);
  EXPECT_LE(Depth(fr.long_runs), 3u * 14);
  EXPECT_EQ(strata_free_runs_best_fit(&fr, STRATA_FREE_RUNS_EXACT), &spans[1]);
}

}  // namespace
