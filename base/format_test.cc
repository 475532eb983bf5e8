// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "base/format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace {

TEST(Format, DecimalAndHexAsPrintfWritesThem) {
  const uint64_t values[] = {0, 1, 9, 10, 4096, 123456789, UINT64_MAX};
  for (uint64_t v : values) {
    char ours[STRATA_FORMAT_MAX];
    char theirs[32];
    size_t n = strata_format_decimal(ours, v);
    std::snprintf(theirs, sizeof theirs, "%llu", static_cast<unsigned long long>(v));
    EXPECT_EQ(std::string(ours), theirs);
    EXPECT_EQ(n, std::string(theirs).size());
    n = strata_format_hex(ours, v);
    std::snprintf(theirs, sizeof theirs, "0x%llx", static_cast<unsigned long long>(v));
    EXPECT_EQ(std::string(ours), theirs);
    EXPECT_EQ(n, std::string(theirs).size());
  }
}

TEST(Format, PidPatternPutsThePidForEachPercentP) {
  char out[64];
  EXPECT_TRUE(strata_format_pid_pattern(out, sizeof out, "strata.%p.heap", 4242));
  EXPECT_STREQ(out, "strata.4242.heap");
  EXPECT_TRUE(strata_format_pid_pattern(out, sizeof out, "%p/%p", 7));
  EXPECT_STREQ(out, "7/7");
  EXPECT_TRUE(strata_format_pid_pattern(out, sizeof out, "no-pid%", 7));  // a lone % stays
  EXPECT_STREQ(out, "no-pid%");
  // Exactly full (5 characters and the NUL in 6 bytes) fits; one more does not.
  EXPECT_TRUE(strata_format_pid_pattern(out, 6, "a%pb", 123));
  EXPECT_STREQ(out, "a123b");
  EXPECT_FALSE(strata_format_pid_pattern(out, 5, "a%pb", 123));
  EXPECT_STREQ(out, "");
  EXPECT_FALSE(strata_format_pid_pattern(out, 0, "x", 1));
}

}  // namespace
