// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// strata_version() is the macros' version, and STRATA_VERSION orders them.
#include <gtest/gtest.h>

#include <string>

#include "base/version.h"

namespace {

TEST(Version, StringIsTheMacros) {
  std::string expected = std::to_string(STRATA_VERSION_MAJOR) + "." +
                         std::to_string(STRATA_VERSION_MINOR) + "." +
                         std::to_string(STRATA_VERSION_PATCH);
  EXPECT_EQ(expected, strata_version());
}

TEST(Version, NumberOrdersMajorMinorPatch) {
  EXPECT_EQ(STRATA_VERSION, STRATA_VERSION_MAJOR * 10000 + STRATA_VERSION_MINOR * 100 +
                                STRATA_VERSION_PATCH);
  EXPECT_LT(STRATA_VERSION_MINOR, 100);
  EXPECT_LT(STRATA_VERSION_PATCH, 100);
}

}  // namespace
