// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The settings table: every setting read from the environment, every bad
// value said in one line on stderr with the default used instead, unknown
// STRATA_ variables named as likely typos, and the README's table of
// settings exactly what the table says.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "frontend/malloc/settings.h"

namespace {

// Reads the settings with the environment as it is; returns what was said.
std::string Read(strata_malloc_config *config) {
  std::memset(config, 0, sizeof *config);
  testing::internal::CaptureStderr();
  strata_settings_read(config);
  return testing::internal::GetCapturedStderr();
}

void ClearAll() {
  for (unsigned i = 0; i < strata_setting_count; i++) unsetenv(strata_settings[i].name);
}

bool SameConfig(const strata_malloc_config &a, const strata_malloc_config &b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

TEST(Settings, UnsetMeansTheDefaultsAndSilence) {
  ClearAll();
  strata_malloc_config config;
  EXPECT_EQ(Read(&config), "");
  EXPECT_EQ(config.on_error, STRATA_ON_ERROR_ABORT);
  EXPECT_EQ(config.thread_cache_bytes, 2048u << 10);
  EXPECT_EQ(config.cache_total_bytes, 64u << 20);
  EXPECT_EQ(config.release_delay_ns, 1000u * 1000000u);
  EXPECT_EQ(config.release_limit_bytes, SIZE_MAX & ~((size_t{1} << 20) - 1));
  EXPECT_EQ(config.large_release_bytes.value, 32u << 20);
  EXPECT_TRUE(config.background_release);
  EXPECT_FALSE(config.fault_injection);
  EXPECT_EQ(config.commit_mode, STRATA_COMMIT_DEFAULT);
}

TEST(Settings, GoodValuesAreApplied) {
  ClearAll();
  setenv("STRATA_ON_ERROR", "warn", 1);
  setenv("STRATA_BACKEND", "hugepage", 1);
  setenv("STRATA_COMMIT", "eager", 1);
  setenv("STRATA_THREAD_CACHE_KB", "512", 1);
  setenv("STRATA_RELEASE_DELAY_MS", "0", 1);
  setenv("STRATA_BACKGROUND_RELEASE", "0", 1);
  setenv("STRATA_FAULT_NTH", "7", 1);
  strata_malloc_config config;
  EXPECT_EQ(Read(&config), "");
  EXPECT_EQ(config.on_error, STRATA_ON_ERROR_WARN);
  EXPECT_TRUE(config.hugepages);
  EXPECT_EQ(config.commit_mode, STRATA_COMMIT_EAGER);
  EXPECT_EQ(config.thread_cache_bytes, 512u << 10);
  EXPECT_EQ(config.release_delay_ns, 0u);
  EXPECT_FALSE(config.background_release);
  EXPECT_TRUE(config.fault_injection);
  EXPECT_EQ(config.fault_nth, 7u);
  ClearAll();
}

// Every setting, one at a time, given a value it cannot take: one line
// naming it, the value and what was expected, and the default in force.
TEST(Settings, EveryBadValueIsSaidAndTheDefaultUsed) {
  ClearAll();
  strata_malloc_config defaults;
  ASSERT_EQ(Read(&defaults), "");
  int checked = 0, texts = 0;
  for (unsigned i = 0; i < strata_setting_count; i++) {
    const strata_setting &s = strata_settings[i];
    if (s.kind == STRATA_SETTING_TEXT) {  // any text is a path
      texts++;
      continue;
    }
    const char *bad_values[] = {"bogus", "-5", "99999999999999999999999", ""};
    for (const char *bad : bad_values) {
      ClearAll();
      setenv(s.name, bad, 1);
      strata_malloc_config config;
      std::string said = Read(&config);
      std::string expected = std::string("strata: ") + s.name + "=" + bad + ": expected ";
      EXPECT_EQ(said.rfind(expected, 0), 0u) << s.name << "=" << bad << " said: " << said;
      EXPECT_NE(said.find("; using "), std::string::npos) << said;
      EXPECT_EQ(std::count(said.begin(), said.end(), '\n'), 1) << said;
      // The default is in force (STRATA_FAULT_NTH, set at all, turns on
      // counting: that is its meaning).
      if (std::strcmp(s.name, "STRATA_FAULT_NTH") == 0) {
        EXPECT_EQ(config.fault_nth, defaults.fault_nth);
      } else {
        EXPECT_TRUE(SameConfig(config, defaults)) << s.name << "=" << bad;
      }
      checked++;
    }
  }
  EXPECT_EQ(checked, 4 * (static_cast<int>(strata_setting_count) - texts));
  EXPECT_EQ(texts, 2);  // STRATA_STATS_FILE, STRATA_PROFILE_FILE
  ClearAll();
}

TEST(Settings, NamedMessagesForTheCommonMistakes) {
  ClearAll();
  strata_malloc_config config;
  setenv("STRATA_BACKEND", "bogus", 1);
  EXPECT_EQ(Read(&config), "strata: STRATA_BACKEND=bogus: expected mmap or hugepage; using mmap\n");
  ClearAll();
  setenv("STRATA_THREAD_CACHE_KB", "abc", 1);
  EXPECT_EQ(Read(&config),
            "strata: STRATA_THREAD_CACHE_KB=abc: expected a whole number from 0 to 1048576 KiB; "
            "using 2048\n");
  ClearAll();
  setenv("STRATA_ON_ERROR", "maybe", 1);
  EXPECT_EQ(Read(&config), "strata: STRATA_ON_ERROR=maybe: expected abort or warn; using abort\n");
  ClearAll();
  setenv("STRATA_CACHE_TOTAL_MB", "18446744073709551616", 1);  // 2^64: overflows
  EXPECT_NE(Read(&config).find("STRATA_CACHE_TOTAL_MB=18446744073709551616: expected a whole number"),
            std::string::npos);
  EXPECT_EQ(config.cache_total_bytes, 64u << 20);
  ClearAll();
}

TEST(Settings, UnknownStrataVariablesAreLikelyTypos) {
  ClearAll();
  setenv("STRATA_THREAD_CACHE", "512", 1);  // _KB forgotten
  strata_malloc_config config;
  EXPECT_EQ(Read(&config), "strata: STRATA_THREAD_CACHE: not a strata setting (a typo?); ignored\n");
  unsetenv("STRATA_THREAD_CACHE");
  setenv("NOT_STRATA_THING", "1", 1);  // other prefixes are none of strata's business
  EXPECT_EQ(Read(&config), "");
  unsetenv("NOT_STRATA_THING");
}

TEST(Settings, VariablesOtherPartsOfStrataReadAreNoTypos) {
  ClearAll();
  setenv("STRATA_GC_PERCENT", "50", 1);  // the GC heap's (frontend/gc)
  setenv("STRATA_GC_MEMORY_LIMIT", "512M", 1);
  setenv("STRATA_GC_MARKERS", "2", 1);
  strata_malloc_config config;
  EXPECT_EQ(Read(&config), "");
  unsetenv("STRATA_GC_MEMORY_LIMIT");
  unsetenv("STRATA_GC_MARKERS");
  setenv("STRATA_GC_PERCENTAGE", "50", 1);  // but a misspelling of it is one
  EXPECT_EQ(Read(&config), "strata: STRATA_GC_PERCENTAGE: not a strata setting (a typo?); ignored\n");
  unsetenv("STRATA_GC_PERCENT");
  unsetenv("STRATA_GC_PERCENTAGE");
}

// The README's table is the settings table, row for row.
TEST(Settings, TheReadmeTableIsTheTable) {
  std::ifstream file("frontend/malloc/README.md");
  ASSERT_TRUE(file.good()) << "README not in the test's runfiles";
  std::stringstream text;
  text << file.rdbuf();
  std::string readme = text.str();
  std::string table = "| variable | default | meaning |\n|---|---|---|\n";
  for (unsigned i = 0; i < strata_setting_count; i++) {
    const strata_setting &s = strata_settings[i];
    table += std::string("| `") + s.name + "` | " + s.default_text + " | " + s.meaning + " |\n";
  }
  EXPECT_NE(readme.find(table), std::string::npos)
      << "frontend/malloc/README.md's settings table should read:\n" << table;
}

}  // namespace
