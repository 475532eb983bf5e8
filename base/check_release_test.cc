// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// STRATA_ASSERT in a release build (this file is compiled without
// STRATA_DEBUG, whatever the configuration): the expression is not even
// evaluated, so an invariant costs nothing where strata ships.
#include "base/check.h"

#include <gtest/gtest.h>

namespace {

#ifdef STRATA_DEBUG
#error "check_release_test must be compiled without STRATA_DEBUG"
#endif

TEST(CheckRelease, AssertionsAreNotEvaluated) {
  int evaluated = 0;
  STRATA_ASSERT(++evaluated == 100);
  STRATA_ASSERT((evaluated += 5) < 0);
  EXPECT_EQ(evaluated, 0);
}

}  // namespace
