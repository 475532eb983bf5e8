// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "base/status.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

TEST(Status, EveryValueHasItsOwnName) {
  std::set<std::string> names;
  for (int s = STRATA_OK; s <= STRATA_STATUS_LAST; ++s) {
    std::string name = strata_status_str(static_cast<strata_status>(s));
    EXPECT_NE(name, "unknown status") << "status " << s;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(STRATA_STATUS_LAST + 1));
}

TEST(Status, OutOfRangeValueIsNamedUnknown) {
  EXPECT_STREQ(strata_status_str(static_cast<strata_status>(9999)),
               "unknown status");
}
