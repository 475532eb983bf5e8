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

}  // namespace
