// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Many threads: producer/consumer cross-thread frees, thread exit, threads
// that never free, and fork while other threads allocate.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "frontend/malloc/strata_malloc.h"

namespace {

struct Block {
  unsigned char *p;
  size_t size;
};

unsigned char Pattern(const unsigned char *p, size_t i) {
  return static_cast<unsigned char>((reinterpret_cast<uintptr_t>(p) >> 4) + i * 31);
}

Block Make(std::mt19937_64 &rng) {
  size_t size = rng() % 16 == 0 ? 1 + rng() % 70000 : 1 + rng() % 600;
  auto *p = static_cast<unsigned char *>(strata_malloc(size));
  for (size_t i = 0; i < size; i += (size > 256 ? 61 : 1)) p[i] = Pattern(p, i);
  return {p, size};
}

bool Intact(const Block &b) {
  for (size_t i = 0; i < b.size; i += (b.size > 256 ? 61 : 1)) {
    if (b.p[i] != Pattern(b.p, i)) return false;
  }
  return true;
}

// A bounded queue from producers to consumers.
class Queue {
 public:
  void Push(Block b) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return items_.size() < 512; });
    items_.push_back(b);
    not_empty_.notify_one();
  }
  bool Pop(Block *b) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return false;
    *b = items_.front();
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Block> items_;
  bool closed_ = false;
};

TEST(MallocThreads, ProducersConsumersAndLocalChurn) {
  constexpr int kPairs = 4;  // 4 producers + 4 consumers = 8 threads
  constexpr int kPerProducer = 20000;
  std::vector<Queue> queues(kPairs);
  std::atomic<int> corrupt{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kPairs; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      std::vector<Block> local;
      for (int i = 0; i < kPerProducer; ++i) {
        queues[t].Push(Make(rng));
        // Some objects stay with the producer for a while.
        local.push_back(Make(rng));
        if (local.size() > 64) {
          size_t k = rng() % local.size();
          if (!Intact(local[k])) corrupt++;
          strata_free(local[k].p);
          local[k] = local.back();
          local.pop_back();
        }
      }
      for (Block &b : local) {
        if (!Intact(b)) corrupt++;
        strata_free(b.p);
      }
      queues[t].Close();
    });
    threads.emplace_back([&, t] {
      Block b;
      while (queues[t].Pop(&b)) {
        if (!Intact(b)) corrupt++;
        strata_free(b.p);  // freed by a thread that did not allocate it
      }
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_EQ(corrupt.load(), 0);
  EXPECT_EQ(strata_malloc_check(), 0);
}

size_t ThreadCount() {
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  return stats.threads;
}

TEST(MallocThreads, ExitingThreadsGiveTheirCachesBack) {
  strata_free(strata_malloc(8));  // this thread has a cache
  size_t before = ThreadCount();
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([] {
      std::vector<void *> mine;
      for (int i = 0; i < 2000; ++i) mine.push_back(strata_malloc(16 + i % 300));
      for (void *p : mine) strata_free(p);
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_EQ(ThreadCount(), before);
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  EXPECT_LE(stats.thread_cache_capacity_bytes, size_t{4} << 20);  // only live threads
  EXPECT_EQ(strata_malloc_check(), 0);
}

size_t MetadataBytes() {
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  return stats.metadata_bytes;
}

// A cache lives in metadata, not in the thread's storage: an exited
// thread's is reused by the next thread. 300 threads one after another
// would take about 900 KiB of caches if none were reused.
TEST(MallocThreads, ThreadsOneAfterAnotherReuseOneCache) {
  std::thread([] { strata_free(strata_malloc(100)); }).join();
  size_t before = MetadataBytes();
  for (int t = 0; t < 300; ++t) {
    std::thread([] {
      void *p = strata_malloc(100);
      ASSERT_NE(p, nullptr);
      strata_free(p);
    }).join();
  }
  EXPECT_LE(MetadataBytes() - before, size_t{64} << 10);
  EXPECT_EQ(strata_malloc_check(), 0);
}

// A thread whose first call is free (the consumer of another thread's
// objects) gets a cache there, and all it frees is intact afterwards.
TEST(MallocThreads, AThreadWhoseFirstCallIsFree) {
  std::mt19937_64 rng(11);
  std::vector<Block> blocks;
  for (int i = 0; i < 3000; ++i) blocks.push_back(Make(rng));
  size_t before = ThreadCount();
  size_t during = 0;
  std::thread([&] {
    for (size_t i = 0; i < blocks.size(); i += 2) strata_free(blocks[i].p);
    during = ThreadCount();
  }).join();
  EXPECT_EQ(during, before + 1);
  for (size_t i = 1; i < blocks.size(); i += 2) {
    EXPECT_TRUE(Intact(blocks[i]));
    strata_free(blocks[i].p);
  }
  EXPECT_EQ(strata_malloc_check(), 0);
}

// Allocations after the thread's cache went back (another key's
// destructor, run after strata's) are served uncached: nothing is left
// behind in a cache, and no cache is registered again.
pthread_key_t late_key;
std::atomic<int> late_ok{0};

void LateDestructor(void *) {
  std::mt19937_64 rng(5);
  std::vector<Block> blocks;
  blocks.reserve(500);  // strata's own vector memory: uncached too
  for (int i = 0; i < 500; ++i) blocks.push_back(Make(rng));
  bool ok = true;
  for (Block &b : blocks) {
    ok = ok && Intact(b);
    strata_free(b.p);
  }
  late_ok = ok ? 1 : -1;
}

TEST(MallocThreads, AllocationsInALaterDestructorAreUncached) {
  strata_free(strata_malloc(8));  // strata's key exists before this one
  ASSERT_EQ(pthread_key_create(&late_key, LateDestructor), 0);
  size_t before = ThreadCount();
  std::thread([] {
    strata_free(strata_malloc(64));
    pthread_setspecific(late_key, &late_key);
  }).join();
  EXPECT_EQ(late_ok.load(), 1);
  EXPECT_EQ(ThreadCount(), before);
  EXPECT_EQ(strata_malloc_check(), 0);
  pthread_key_delete(late_key);
}

TEST(MallocThreads, ThreadsThatNeverFree) {
  std::vector<std::vector<Block>> made(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&made, t] {
      std::mt19937_64 rng(100 + t);
      for (int i = 0; i < 3000; ++i) made[t].push_back(Make(rng));
    });
  }
  for (auto &th : threads) th.join();
  for (auto &blocks : made) {
    for (Block &b : blocks) {
      EXPECT_TRUE(Intact(b));
      strata_free(b.p);
    }
  }
  EXPECT_EQ(strata_malloc_check(), 0);
}

TEST(MallocThreads, ForkWhileOtherThreadsAllocate) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&stop, t] {
      std::mt19937_64 rng(t);
      while (!stop) {
        Block b = Make(rng);
        strata_free(b.p);
      }
    });
  }
  for (int round = 0; round < 5; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The child allocates freely: no lock was left held by another thread.
      std::mt19937_64 rng(7);
      std::vector<Block> blocks;
      for (int i = 0; i < 5000; ++i) blocks.push_back(Make(rng));
      bool ok = true;
      for (Block &b : blocks) {
        ok = ok && Intact(b);
        strata_free(b.p);
      }
      ok = ok && strata_malloc_check() == 0;
      // The other threads' caches went with them.
      strata_malloc_stats stats;
      strata_malloc_get_stats(&stats);
      ok = ok && stats.threads == 1;
      _exit(ok ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  stop = true;
  for (auto &th : threads) th.join();
  EXPECT_EQ(strata_malloc_check(), 0);
}

}  // namespace
