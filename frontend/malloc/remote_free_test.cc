// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Objects freed by threads that did not allocate them: traded at random by
// many threads, left in the caches of threads that exit, in flight at a
// fork, and freed twice from two threads. Its own binary, so that "nothing
// in use" at the end means nothing of these tests.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "frontend/malloc/strata_malloc.h"

namespace {

// An object that says who made it: size and a tag in its first 16 bytes,
// the tag's low byte repeated through the rest.
struct Stamp {
  uint64_t size;
  uint64_t tag;
};

void *MakeStamped(std::mt19937_64 &rng) {
  size_t size = 16 + (rng() % 4 == 0 ? rng() % 8192 : rng() % 500);
  auto *p = static_cast<unsigned char *>(strata_malloc(size));
  if (p == nullptr) return nullptr;
  Stamp s = {size, rng()};
  std::memcpy(p, &s, sizeof s);
  std::memset(p + sizeof s, static_cast<int>(s.tag & 0xff), size - sizeof s);
  return p;
}

bool StampIntact(const void *object) {
  auto *p = static_cast<const unsigned char *>(object);
  Stamp s;
  std::memcpy(&s, p, sizeof s);
  if (s.size < 16 || s.size > 16 + 8192) return false;
  for (size_t i = sizeof s; i < s.size; i++) {
    if (p[i] != static_cast<unsigned char>(s.tag & 0xff)) return false;
  }
  return strata_malloc_usable_size(object) >= s.size;
}

size_t InUseBytes() {
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  return stats.in_use_bytes;
}

// 8 threads swap objects into 1024 shared slots at random and free what
// they take out, so almost every object dies in another thread than its
// own; all contents are checked. At the end nothing is lost: the heap
// checks clean and, once the caches are emptied, no page is in use.
TEST(RemoteFree, EightThreadsTradeAtRandomAndNothingIsLost) {
  constexpr int kThreads = 8;
  constexpr int kSteps = 60000;
  std::vector<std::atomic<void *>> slots(1024);
  for (auto &s : slots) s.store(nullptr);
  std::atomic<int> corrupt{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(1000 + t);
      for (int i = 0; i < kSteps; ++i) {
        void *mine = MakeStamped(rng);
        if (mine == nullptr) {
          failed++;
          continue;
        }
        void *theirs = slots[rng() % slots.size()].exchange(mine, std::memory_order_acq_rel);
        if (theirs != nullptr) {
          if (!StampIntact(theirs)) corrupt++;
          strata_free(theirs);
        }
      }
    });
  }
  for (auto &th : threads) th.join();
  for (auto &s : slots) {
    void *p = s.exchange(nullptr);
    if (p == nullptr) continue;
    if (!StampIntact(p)) corrupt++;
    strata_free(p);
  }
  EXPECT_EQ(corrupt.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(strata_malloc_check(), 0);
  strata_malloc_release();
  EXPECT_EQ(InUseBytes(), 0u);
  EXPECT_EQ(strata_malloc_check(), 0);
}

// A thread that frees another thread's objects and exits at once holds them
// in its cache when it exits: they go back with the cache, none is lost.
// A thread that only frees (the consumer of a producer) keeps at most one
// batch of the class in its cache: the rest goes back for the producer to
// reuse, instead of up to the class cap of 256 KiB sitting in the consumer.
TEST(RemoteFree, AThreadThatOnlyFreesCachesOneBatch) {
  std::vector<void *> objects(20000);
  for (auto &p : objects) {
    p = strata_malloc(64);
    ASSERT_NE(p, nullptr);
  }
  strata_malloc_stats before, after;
  std::thread consumer([&] {
    strata_malloc_get_stats(&before);
    for (void *p : objects) strata_free(p);
    strata_malloc_get_stats(&after);  // while this thread's cache lives
  });
  consumer.join();
  // One batch of 64-byte objects is 32 of them: 2 KiB of capacity.
  EXPECT_LE(after.thread_cache_capacity_bytes, before.thread_cache_capacity_bytes + 32 * 64);
  EXPECT_EQ(after.threads, before.threads + 1);
}

TEST(RemoteFree, ThreadExitingWithOthersObjectsInItsCacheLosesNone) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 20; ++round) {
    std::vector<void *> made;
    for (int i = 0; i < 3000; ++i) made.push_back(MakeStamped(rng));
    std::atomic<int> corrupt{0};
    std::thread freer([&] {
      for (void *p : made) {
        if (!StampIntact(p)) corrupt++;
        strata_free(p);
      }
    });
    freer.join();
    EXPECT_EQ(corrupt.load(), 0);
  }
  EXPECT_EQ(strata_malloc_check(), 0);
  strata_malloc_release();
  EXPECT_EQ(InUseBytes(), 0u);
}

// fork() while other threads pass objects between them at full rate (so
// transfer batches are being filled and emptied at the moment of the fork):
// the child allocates, frees and checks clean, again and again.
TEST(RemoteFree, ForkWhileRemoteFreesAreInFlight) {
  std::atomic<bool> stop{false};
  std::vector<std::atomic<void *>> slots(64);
  for (auto &s : slots) s.store(nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      while (!stop.load(std::memory_order_relaxed)) {
        void *theirs = slots[rng() % slots.size()].exchange(MakeStamped(rng));
        if (theirs != nullptr) strata_free(theirs);
      }
    });
  }
  for (int round = 0; round < 10; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::mt19937_64 rng(7);
      std::vector<void *> made;
      for (int i = 0; i < 20000; ++i) made.push_back(MakeStamped(rng));
      bool ok = true;
      for (void *p : made) {
        ok = ok && p != nullptr && StampIntact(p);
        strata_free(p);
      }
      strata_malloc_release();
      ok = ok && strata_malloc_check() == 0;
      _exit(ok ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  stop = true;
  for (auto &th : threads) th.join();
  for (auto &s : slots) strata_free(s.exchange(nullptr));
  EXPECT_EQ(strata_malloc_check(), 0);
}

// An object freed by another thread, which then exits (its cache goes back
// to the shared transfer cache), and freed again by this thread: the second
// free passes the fast path's check (the object is not at the head of this
// thread's list) and is reported when the copies reach their span (here:
// strata_malloc_release drains the caches), with the same message as a
// local double free.
TEST(RemoteFreeDeathTest, DoubleFreeFromAnotherThreadIsReported) {
  EXPECT_DEATH(
      {
        void *p = strata_malloc(48);
        std::thread other([p] { strata_free(p); });
        other.join();
        strata_free(p);
        strata_malloc_release();
      },
      "strata: free\\(\\): double free");
}

}  // namespace
