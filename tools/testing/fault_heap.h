/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
// For tests of the layers above the page heap: a page heap of the test's
// own, over a fault backend over mmap, so that the test sees every page
// its code takes and can make memory run out on cue
// (strata_fault_backend_set_budget, strata_fault_backend_refuse_nth).
#ifndef STRATA_TOOLS_TESTING_FAULT_HEAP_H_
#define STRATA_TOOLS_TESTING_FAULT_HEAP_H_

#include <gtest/gtest.h>

#include <memory>

#include "arena/backends.h"
#include "pageheap/pageheap.h"

namespace strata_testing {

class FaultHeap {
 public:
  // config NULL: the page heap's defaults.
  void Init(const strata_pageheap_config *config = nullptr) {
    strata_mmap_backend_init(&mmap_);
    strata_fault_backend_init(&fault_, &mmap_.base);
    heap_ = std::make_unique<strata_pageheap>();
    ASSERT_EQ(strata_pageheap_init(heap_.get(), &fault_.base, config), STRATA_OK);
  }
  // Checks every invariant, then gives every page back.
  void Destroy() {
    if (!heap_) return;
    EXPECT_EQ(strata_pageheap_check(heap_.get(), nullptr), STRATA_OK);
    EXPECT_EQ(strata_pageheap_destroy(heap_.get()), STRATA_OK);
    heap_.reset();
  }
  strata_pageheap *get() const { return heap_.get(); }
  strata_fault_backend *fault() { return &fault_; }
  strata_pageheap_stats Stats() const {
    strata_pageheap_stats stats;
    strata_pageheap_get_stats(heap_.get(), &stats);
    return stats;
  }

 private:
  strata_mmap_backend mmap_;
  strata_fault_backend fault_;
  std::unique_ptr<strata_pageheap> heap_;
};

}  // namespace strata_testing

#endif  // STRATA_TOOLS_TESTING_FAULT_HEAP_H_
