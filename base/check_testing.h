/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
// For tests of the heap checks: a strata_check_reporter that keeps what it
// is told.
#ifndef STRATA_BASE_CHECK_TESTING_H_
#define STRATA_BASE_CHECK_TESTING_H_

#include <string>
#include <vector>

#include "base/check.h"

namespace strata_testing {

struct Heard {
  std::vector<std::string> invariants;  // every report, in order
  strata_check_reporter reporter = {
      [](void *arg, const char *invariant) {
        static_cast<Heard *>(arg)->invariants.push_back(invariant);
      },
      this};
  // The one invariant reported, or "" when none (or several) was.
  std::string Only() const { return invariants.size() == 1 ? invariants[0] : ""; }
  Heard() = default;
  Heard(const Heard &) = delete;
  Heard &operator=(const Heard &) = delete;
};

}  // namespace strata_testing

#endif  // STRATA_BASE_CHECK_TESTING_H_
