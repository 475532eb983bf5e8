// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The profile table and its written form, with made-up stacks.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "arena/backends.h"
#include "profile/profile.h"

namespace {

class Profile : public ::testing::Test {
 protected:
  void SetUp() override {
    strata_mmap_backend_init(&backend);
    strata_profile_init(&profile, &backend.base, 4096, 0);
  }
  void TearDown() override { EXPECT_EQ(strata_profile_destroy(&profile), STRATA_OK); }

  // The profile as written.
  std::string Written() {
    int fd = memfd_create("profile", 0);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(strata_profile_write(&profile, fd), STRATA_OK);
    std::string text;
    char buf[4096];
    lseek(fd, 0, SEEK_SET);
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    close(fd);
    return text;
  }

  // The line whose stack is `stack` (as written), or "".
  std::string LineFor(const std::string &text, const std::string &stack) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      size_t at = line.find("] @ ");
      if (at != std::string::npos && line.substr(at + 4) == stack) return line;
    }
    return "";
  }

  strata_mmap_backend backend;
  strata_profile profile;
};

void *Frame(uintptr_t a) { return reinterpret_cast<void *>(a); }

TEST_F(Profile, CountsAllocationsAndFreesPerStackAndSize) {
  void *f[] = {Frame(0x1001), Frame(0x2000), Frame(0x3000)};
  void *g[] = {Frame(0x4001), Frame(0x3000)};
  strata_profile_sample *a = strata_profile_record_alloc(&profile, Frame(0x10000), 100, f, 3);
  strata_profile_sample *b = strata_profile_record_alloc(&profile, Frame(0x20000), 100, f, 3);
  strata_profile_sample *c = strata_profile_record_alloc(&profile, Frame(0x30000), 5000, g, 2);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->bucket, b->bucket);
  EXPECT_NE(a->bucket, c->bucket);
  EXPECT_EQ(c->size, 5000u);
  EXPECT_EQ(c->address, 0x30000u);
  strata_profile_record_free(&profile, b);

  std::string text = Written();
  EXPECT_EQ(text.rfind("heap profile:      2:     5100 [     3:     5200] @ heap_v2/4096\n", 0), 0u)
      << text;
  // The first address is written minus one: a reader takes it as the call.
  EXPECT_EQ(LineFor(text, "0x1000 0x2000 0x3000"), "     1:      100 [     2:      200] @ 0x1000 0x2000 0x3000");
  EXPECT_EQ(LineFor(text, "0x4000 0x3000"), "     1:     5000 [     1:     5000] @ 0x4000 0x3000");
  EXPECT_NE(text.find("\nMAPPED_LIBRARIES:\n"), std::string::npos);
  // The memory map follows: this test's own executable is in it.
  EXPECT_NE(text.find("profile_test"), std::string::npos);

  strata_profile_stats stats;
  strata_profile_get_stats(&profile, &stats);
  EXPECT_EQ(stats.samples, 3u);
  EXPECT_EQ(stats.samples_in_use, 2u);
  EXPECT_EQ(stats.buckets, 2u);
  EXPECT_EQ(stats.truncated, 0u);
  EXPECT_GT(stats.memory_bytes, 0u);
  strata_profile_record_free(&profile, a);
  strata_profile_record_free(&profile, c);
  EXPECT_EQ(Written().rfind("heap profile:      0:        0 [     3:     5200]", 0), 0u);
}

TEST_F(Profile, ObjectsOfVeryDifferentSizesFromOneStackGetTheirOwnLines) {
  void *f[] = {Frame(0x1001)};
  strata_profile_sample *small = strata_profile_record_alloc(&profile, Frame(1), 64, f, 1);
  strata_profile_sample *large = strata_profile_record_alloc(&profile, Frame(2), 1 << 20, f, 1);
  ASSERT_TRUE(small && large);
  EXPECT_NE(small->bucket, large->bucket);
  // Close sizes share one.
  strata_profile_sample *close = strata_profile_record_alloc(&profile, Frame(3), 60, f, 1);
  EXPECT_EQ(close->bucket, small->bucket);
}

TEST_F(Profile, MemoryIsBoundedAndTheTotalsStayRight) {
  strata_profile bounded;
  strata_profile_init(&bounded, &backend.base, 4096, 128 << 10);
  const int n = 20000;
  for (int i = 0; i < n; i++) {
    void *f[] = {Frame(0x1000 + 16 * static_cast<uintptr_t>(i)), Frame(0x2000)};
    strata_profile_sample *s = strata_profile_record_alloc(&bounded, Frame(i), 32, f, 2);
    if (s != nullptr) strata_profile_record_free(&bounded, s);
  }
  strata_profile_stats stats;
  strata_profile_get_stats(&bounded, &stats);
  EXPECT_EQ(stats.samples, static_cast<uint64_t>(n));
  EXPECT_GT(stats.truncated, 0u);
  EXPECT_LT(stats.buckets, static_cast<uint64_t>(n));
  // Within the bound and one backend chunk of slack.
  EXPECT_LE(stats.memory_bytes, (128u << 10) + STRATA_PERSISTENT_MIN_CHUNK);
  int fd = memfd_create("bounded", 0);
  ASSERT_EQ(strata_profile_write(&bounded, fd), STRATA_OK);
  char head[128] = {};
  ASSERT_GT(pread(fd, head, sizeof head - 1, 0), 0);
  close(fd);
  EXPECT_EQ(std::string(head).rfind("heap profile:      0:        0 [ 20000:   640000]", 0), 0u)
      << head;
  EXPECT_EQ(strata_profile_destroy(&bounded), STRATA_OK);
}

TEST_F(Profile, AFailedWriteIsAnError) {
  void *f[] = {Frame(0x1001)};
  ASSERT_NE(strata_profile_record_alloc(&profile, Frame(1), 64, f, 1), nullptr);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);  // writing to a pipe with no reader fails (EPIPE)
  signal(SIGPIPE, SIG_IGN);
  EXPECT_EQ(strata_profile_write(&profile, fds[1]), STRATA_ERR_IO);
  close(fds[1]);
  EXPECT_EQ(strata_profile_write_file(&profile, "/nonexistent-dir/x.heap"), STRATA_ERR_IO);
  EXPECT_EQ(errno, ENOENT);
}

TEST_F(Profile, DeepStacksKeepTheirInnermostFrames) {
  std::vector<void *> deep(STRATA_PROFILE_MAX_DEPTH + 10);
  for (size_t i = 0; i < deep.size(); i++) deep[i] = Frame(0x1000 * (i + 1));
  strata_profile_sample *s = strata_profile_record_alloc(&profile, Frame(1), 8, deep.data(),
                                                         static_cast<unsigned>(deep.size()));
  ASSERT_NE(s, nullptr);
  std::string text = Written();
  EXPECT_NE(text.find(" @ 0xfff 0x2000 "), std::string::npos);
  std::ostringstream last;
  last << std::hex << "0x" << 0x1000 * STRATA_PROFILE_MAX_DEPTH << "\n";
  EXPECT_NE(text.find(last.str()), std::string::npos);
  std::ostringstream beyond;
  beyond << std::hex << " 0x" << 0x1000 * (STRATA_PROFILE_MAX_DEPTH + 1);
  EXPECT_EQ(text.find(beyond.str()), std::string::npos);
}

TEST_F(Profile, ThreadsRecordAndFreeTogether) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 5000; i++) {
        void *f[] = {Frame(0x1000 + static_cast<uintptr_t>(t)), Frame(0x100 + static_cast<uintptr_t>(i % 50))};
        strata_profile_sample *s = strata_profile_record_alloc(&profile, Frame(i), 24, f, 2);
        ASSERT_NE(s, nullptr);
        if (i % 2 == 0) strata_profile_record_free(&profile, s);
      }
    });
  }
  for (auto &t : threads) t.join();
  strata_profile_stats stats;
  strata_profile_get_stats(&profile, &stats);
  EXPECT_EQ(stats.samples, 20000u);
  EXPECT_EQ(stats.samples_in_use, 10000u);
  EXPECT_EQ(stats.buckets, 200u);
}

// Frames of a known chain of calls.
__attribute__((noinline)) unsigned Inner(void **frames, unsigned skip, void **return_address) {
  *return_address = __builtin_return_address(0);
  unsigned n = strata_profile_backtrace(frames, 16, skip);
  __asm__ volatile("");  // no tail call: this frame stays on the stack
  return n;
}

// The frames as an allocator entry point takes them: cut at its caller.
__attribute__((noinline)) unsigned InnerFrom(void **frames, void **return_address,
                                             unsigned *first) {
  *return_address = __builtin_return_address(0);
  unsigned n = strata_profile_backtrace_from(frames, 16, *return_address, first);
  __asm__ volatile("");  // no tail call: this frame stays on the stack
  return n;
}

TEST(Backtrace, FromACallerSetsAsideTheFramesInsideIt) {
  void *frames[16];
  void *return_address;
  unsigned first;
  unsigned n = InnerFrom(frames, &return_address, &first);
  ASSERT_GE(n, 1u);
  EXPECT_GE(first, 1u) << "InnerFrom's own frame is set aside";
  EXPECT_EQ(frames[first], return_address);
  n = strata_profile_backtrace_from(frames, 16, reinterpret_cast<void *>(1), &first);
  EXPECT_EQ(first, 0u) << "a caller not on the stack keeps every frame";
  EXPECT_GE(n, 2u);
}

TEST(Backtrace, StartsAtTheCallerAndSkipsWhatItIsTold) {
  void *frames[16];
  void *return_address;
  unsigned n = Inner(frames, 0, &return_address);
  ASSERT_GE(n, 2u);
  // frames[0] is inside Inner, frames[1] the return into this test.
  EXPECT_EQ(frames[1], return_address);
  n = Inner(frames, 1, &return_address);
  ASSERT_GE(n, 1u);
  EXPECT_EQ(frames[0], return_address);
  EXPECT_EQ(strata_profile_backtrace(frames, 0, 0), 0u);
  EXPECT_EQ(strata_profile_backtrace(frames, 1, 0), 1u);
}

}  // namespace
