// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Many threads on one GC heap: registration and its errors, objects
// allocated by several threads and shared between them while collections
// stop them, threads blocked in system calls, thread exit, fork, and two
// shared heaps collecting at once.
#include <gtest/gtest.h>

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "frontend/gc/strata_gc.h"

namespace {

#if defined(__SANITIZE_THREAD__)
constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kThreadSanitizer = true;
#else
constexpr bool kThreadSanitizer = false;
#endif
#else
constexpr bool kThreadSanitizer = false;
#endif

struct Node {
  Node *next;
  uint64_t value;
  uint64_t check;  // value * a constant: a reused slot shows
};

constexpr uint64_t kCheck = 0x9e3779b97f4a7c15ull;

strata_gc_heap *Shared(int gc_percent = 100, size_t min_heap = 1 << 20, unsigned markers = 2) {
  strata_gc_options options = strata_gc_default_options();
  options.gc_percent = gc_percent;
  options.min_heap_bytes = min_heap;
  options.scan_stack = true;
  options.mark_threads = markers;
  return strata_gc_create(&options);
}

Node *Push(strata_gc_heap *heap, Node *list, uint64_t value) {
  auto *n = static_cast<Node *>(strata_gc_alloc(heap, sizeof(Node), STRATA_GC_SCAN));
  if (n == nullptr) return nullptr;
  n->next = list;
  n->value = value;
  n->check = value * kCheck;
  return n;
}

// Walks a list built by Push with values first..first+count-1 from the
// tail: whether every node is intact.
bool Intact(const Node *list, uint64_t first, uint64_t count) {
  uint64_t expect = first + count;
  uint64_t seen = 0;
  for (const Node *n = list; n != nullptr; n = n->next, seen++) {
    expect--;
    if (n->value != expect || n->check != n->value * kCheck) return false;
  }
  return seen == count;
}

TEST(GcThreads, RegistrationAndItsErrors) {
  strata_gc_heap *heap = Shared();
  ASSERT_NE(heap, nullptr);
  EXPECT_EQ(strata_gc_register_thread(heap), EEXIST);  // the creator is registered
  std::thread([heap] {
    EXPECT_EQ(strata_gc_unregister_thread(heap), ENOENT);
    EXPECT_EQ(strata_gc_register_thread(heap), 0);
    EXPECT_EQ(strata_gc_register_thread(heap), EEXIST);
    EXPECT_NE(strata_gc_alloc(heap, 16, STRATA_GC_SCAN), nullptr);
    EXPECT_EQ(strata_gc_unregister_thread(heap), 0);
    EXPECT_EQ(strata_gc_unregister_thread(heap), ENOENT);
  }).join();
  strata_gc_destroy(heap);

  // A heap that does not scan stacks has one thread.
  strata_gc_heap *blind = strata_gc_create(nullptr);
  ASSERT_NE(blind, nullptr);
  std::thread([blind] { EXPECT_EQ(strata_gc_register_thread(blind), EINVAL); }).join();
  // Its creator may hand it over.
  EXPECT_EQ(strata_gc_unregister_thread(blind), 0);
  std::thread([blind] {
    EXPECT_EQ(strata_gc_register_thread(blind), 0);
    EXPECT_NE(strata_gc_alloc(blind, 16, STRATA_GC_SCAN), nullptr);
    EXPECT_EQ(strata_gc_unregister_thread(blind), 0);
  }).join();
  strata_gc_destroy(blind);

  strata_gc_options options = strata_gc_default_options();
  options.stop_signal = SIGKILL;
  errno = 0;
  EXPECT_EQ(strata_gc_create(&options), nullptr);
  EXPECT_EQ(errno, EINVAL);
  options.stop_signal = 4096;
  EXPECT_EQ(strata_gc_create(&options), nullptr);
}

TEST(GcThreadsDeathTest, AllocationFromAThreadNotRegistered) {
  EXPECT_DEATH(
      {
        strata_gc_heap *heap = Shared();
        std::thread([heap] { strata_gc_alloc(heap, 16, STRATA_GC_SCAN); }).join();
      },
      "strata: strata_gc_alloc\\(\\): thread not registered with this GC heap");
}

void DestroyWhileAnotherThreadIsRegistered() {
  strata_gc_heap *heap = Shared();
  std::atomic<bool> registered{false};
  std::atomic<bool> done{false};
  std::thread other([&] {
    strata_gc_register_thread(heap);
    registered = true;
    while (!done) usleep(1000);
  });
  while (!registered) usleep(1000);
  strata_gc_destroy(heap);
  done = true;
  other.join();
}

TEST(GcThreadsDeathTest, DestroyWhileAnotherThreadIsRegistered) {
  EXPECT_DEATH(DestroyWhileAnotherThreadIsRegistered(),
               "strata: strata_gc_destroy\\(\\): other threads are still registered");
}

// Threads allocate lists held only on their own stacks while the heap
// collects (started by any of them); each hands every other list to a
// shared root table, and the others check it. No node is lost or reused.
TEST(GcThreads, ManyMutatorsShareObjectsAcrossCollections) {
  strata_gc_heap *heap = Shared(50, 256 << 10);
  ASSERT_NE(heap, nullptr);
  constexpr int kThreads = 4;
  constexpr uint64_t kLength = 2000;
  constexpr int kRounds = 12;
  static Node *published[kThreads];
  ASSERT_EQ(strata_gc_add_roots(heap, published, published + kThreads), 0);
  std::atomic<int> failures{0};
  std::atomic<uint64_t> checked{0};
  auto work = [&](int t) {
    ASSERT_EQ(strata_gc_register_thread(heap), 0);
    for (int round = 0; round < kRounds; round++) {
      uint64_t first = (uint64_t(t) << 40) + (uint64_t(round) << 20);
      Node *mine = nullptr;  // on this stack only
      for (uint64_t i = 0; i < kLength; i++) {
        mine = Push(heap, mine, first + i);
        // garbage between the nodes, so that collections come often
        strata_gc_alloc(heap, 48, STRATA_GC_SCAN);
        strata_gc_alloc(heap, 200, STRATA_GC_NOSCAN);
      }
      if (!Intact(mine, first, kLength)) failures++;
      __atomic_store_n(&published[t], mine, __ATOMIC_RELEASE);
      // Another thread's list, reached through the roots only.
      Node *theirs = __atomic_load_n(&published[(t + 1) % kThreads], __ATOMIC_ACQUIRE);
      if (theirs != nullptr) {
        uint64_t value = theirs->value - (kLength - 1);
        if (!Intact(theirs, value, kLength)) failures++;
        checked++;
      }
      if (round % 4 == 3) strata_gc_collect(heap);
    }
    EXPECT_EQ(strata_gc_unregister_thread(heap), 0);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) threads.emplace_back(work, t);
  for (auto &thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(checked.load(), 0u);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_GE(stats.collections, 20u);
  // Every thread's allocations counted: 3 objects per node, each its size
  // class's size.
  size_t per_node = 0;
  for (auto [size, flags] : {std::pair<size_t, unsigned>{sizeof(Node), STRATA_GC_SCAN},
                             {48, STRATA_GC_SCAN}, {200, STRATA_GC_NOSCAN}}) {
    per_node += strata_gc_size(heap, strata_gc_alloc(heap, size, flags));
  }
  EXPECT_EQ(stats.allocated_bytes, uint64_t(kThreads) * kRounds * kLength * per_node);
  EXPECT_EQ(strata_gc_check(heap), 0);
  for (int t = 0; t < kThreads; t++) {
    Node *list = published[t];
    EXPECT_TRUE(Intact(list, list->value - (kLength - 1), kLength)) << t;
  }
  strata_gc_remove_roots(heap, published, published + kThreads);
  strata_gc_destroy(heap);
}

// A thread blocked in read() holds an object only on its stack. The
// collections stop it (the signal interrupts the call, which resumes) and
// keep the object; the read then returns what was written.
TEST(GcThreads, ThreadsBlockedInSystemCallsStopAndKeepTheirObjects) {
  if (kThreadSanitizer) {
    // The sanitizer holds a signal to a thread blocked in read() until the
    // call returns (its read interceptor is not one it delivers signals
    // in): the collection would wait for the write below.
    GTEST_SKIP() << "the thread sanitizer holds signals during read()";
  }
  strata_gc_heap *heap = Shared();
  ASSERT_NE(heap, nullptr);
  constexpr int kThreads = 3;
  int pipes[kThreads][2];
  std::atomic<int> ready{0};
  bool ok[kThreads] = {};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    ASSERT_EQ(pipe(pipes[t]), 0);
    threads.emplace_back([&, t] {
      strata_gc_register_thread(heap);
      Node *list = nullptr;
      for (uint64_t i = 0; i < 100; i++) list = Push(heap, list, 1000 * t + i);
      ready++;
      char byte = 0;
      ssize_t got = read(pipes[t][0], &byte, 1);  // blocked through the collections
      ok[t] = got == 1 && byte == 'x' + t && Intact(list, 1000 * t, 100);
      strata_gc_unregister_thread(heap);
    });
  }
  while (ready.load() < kThreads) usleep(1000);
  usleep(20000);  // into read()
  for (int c = 0; c < 5; c++) {
    strata_gc_collect(heap);
    // Memory the blocked threads' lists would be reused for, if freed.
    for (int i = 0; i < 20000; i++) {
      auto *n = static_cast<Node *>(strata_gc_alloc(heap, sizeof(Node), STRATA_GC_SCAN));
      n->value = ~0ull;
      n->check = 0;
    }
  }
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_GE(stats.collections, 5u);
  for (int t = 0; t < kThreads; t++) {
    char byte = static_cast<char>('x' + t);
    ASSERT_EQ(write(pipes[t][1], &byte, 1), 1);
  }
  for (auto &thread : threads) thread.join();
  for (int t = 0; t < kThreads; t++) {
    EXPECT_TRUE(ok[t]) << t;
    close(pipes[t][0]);
    close(pipes[t][1]);
  }
  strata_gc_destroy(heap);
}

// A heap given its own stop signal stops its threads with it (here a
// real-time signal, for a program that uses SIGPWR itself): a worker
// allocating in a loop is stopped by five collections of the main thread
// and its list, held only on its stack, comes through intact.
TEST(GcThreads, AnotherStopSignalStopsTheThreads) {
  strata_gc_options options = strata_gc_default_options();
  options.scan_stack = true;
  options.stop_signal = SIGRTMIN + 3;
  options.min_heap_bytes = 1 << 20;
  strata_gc_heap *heap = strata_gc_create(&options);
  ASSERT_NE(heap, nullptr);
  std::atomic<bool> ready{false}, done{false};
  bool intact = false;
  std::thread worker([&] {
    strata_gc_register_thread(heap);
    Node *list = nullptr;
    for (uint64_t i = 0; i < 1000; i++) list = Push(heap, list, i);
    ready = true;
    while (!done) strata_gc_alloc(heap, 64, STRATA_GC_SCAN);  // garbage, and refills
    intact = Intact(list, 0, 1000);
    strata_gc_unregister_thread(heap);
  });
  while (!ready) usleep(1000);
  for (int c = 0; c < 5; c++) strata_gc_collect(heap);
  struct sigaction installed;
  ASSERT_EQ(sigaction(SIGRTMIN + 3, nullptr, &installed), 0);
  EXPECT_NE(installed.sa_handler, SIG_DFL);  // the heap's handler
  done = true;
  worker.join();
  EXPECT_TRUE(intact);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_GE(stats.collections, 5u);
  strata_gc_destroy(heap);
}

// A thread that exits registered is unregistered: collections after it
// need not stop it, and the heap can be destroyed.
TEST(GcThreads, AThreadThatExitsRegisteredIsUnregistered) {
  strata_gc_heap *heap = Shared();
  ASSERT_NE(heap, nullptr);
  for (int t = 0; t < 8; t++) {
    std::thread([heap] {
      ASSERT_EQ(strata_gc_register_thread(heap), 0);
      for (int i = 0; i < 1000; i++) ASSERT_NE(strata_gc_alloc(heap, 64, STRATA_GC_SCAN), nullptr);
    }).join();
  }
  strata_gc_collect(heap);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  EXPECT_EQ(stats.allocated_bytes, 8u * 1000 * 64);
  EXPECT_EQ(stats.live_bytes, 0u);  // the exited threads' cached slots freed too
  EXPECT_EQ(strata_gc_check(heap), 0);  // their lent spans back on the lists
  strata_gc_destroy(heap);          // no other thread registered: no abort
}

// Each thread allocates from a span lent to it alone (alloc.c): a second
// thread's first object of a class is not on the page of the first
// thread's, as it was when threads took batches from one shared span (the
// second batch right behind the first). A collection in between gives the
// spans back, and the heap's check counts lent spans.
TEST(GcThreads, ThreadsAllocateFromSpansOfTheirOwn) {
  strata_gc_heap *heap = Shared();
  ASSERT_NE(heap, nullptr);
  auto page = [](const void *p) { return reinterpret_cast<uintptr_t>(p) >> 13; };
  void *mine = strata_gc_alloc(heap, 32, STRATA_GC_NOSCAN);
  ASSERT_NE(mine, nullptr);
  void *theirs = nullptr;
  std::thread([heap, &theirs] {
    ASSERT_EQ(strata_gc_register_thread(heap), 0);
    theirs = strata_gc_alloc(heap, 32, STRATA_GC_NOSCAN);
    EXPECT_EQ(strata_gc_check(heap), 0);
    ASSERT_EQ(strata_gc_unregister_thread(heap), 0);
  }).join();
  ASSERT_NE(theirs, nullptr);
  EXPECT_NE(page(mine), page(theirs));
  EXPECT_EQ(strata_gc_check(heap), 0);
  strata_gc_collect(heap);
  EXPECT_EQ(strata_gc_check(heap), 0);
  EXPECT_NE(strata_gc_alloc(heap, 32, STRATA_GC_NOSCAN), nullptr);
  strata_gc_destroy(heap);
}

// A collection gives back the span a stopped thread allocates from before
// it marks, so the sweep counts what is kept there and frees the rest:
// without that, the kept objects in the lent span would be missing from
// live_bytes and its garbage never freed.
TEST(GcThreads, AStoppedThreadsLentSpanIsSweptToo) {
  strata_gc_heap *heap = Shared();
  ASSERT_NE(heap, nullptr);
  constexpr int kObjects = 224;  // 7 batches of 64-byte slots: the cache ends empty
  constexpr size_t kSize = 64;
  static void *kept[kObjects / 8];
  ASSERT_EQ(strata_gc_add_roots(heap, kept, kept + kObjects / 8), 0);
  std::atomic<int> stage{0};
  std::thread other([&] {
    ASSERT_EQ(strata_gc_register_thread(heap), 0);
    for (int i = 0; i < kObjects; i++) {
      void *p = strata_gc_alloc(heap, kSize, STRATA_GC_NOSCAN);
      ASSERT_NE(p, nullptr);
      if (i % 8 == 7) kept[i / 8] = p;  // the last one too: the cache's last pop
    }
    stage.store(1);
    while (stage.load() != 2) usleep(1000);  // stopped here by the collection
    EXPECT_EQ(strata_gc_unregister_thread(heap), 0);
  });
  while (stage.load() != 1) usleep(1000);
  strata_gc_collect(heap);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  stage.store(2);
  other.join();
  // Every kept object, and of the garbage at most what stale words on the
  // stopped thread's stack may still reach.
  EXPECT_GE(stats.live_bytes, sizeof kept / sizeof kept[0] * kSize);
  EXPECT_LE(stats.live_bytes, (sizeof kept / sizeof kept[0] + 8) * kSize);
  EXPECT_EQ(strata_gc_check(heap), 0);
  strata_gc_remove_roots(heap, kept, kept + kObjects / 8);
  strata_gc_destroy(heap);
}

// After fork, the child's heap has the forking thread only: it allocates
// and collects although the parent's other registered threads (and its
// marking helpers) do not exist in it: it starts helpers of its own.
TEST(GcThreads, AChildOfForkUsesTheHeap) {
  // The thread sanitizer does not let a child of a threaded fork start
  // threads: there the heap marks alone.
  strata_gc_heap *heap = Shared(100, 1 << 20, kThreadSanitizer ? 1 : 2);
  strata_gc_collect(heap);  // the parent's helpers started
  ASSERT_NE(heap, nullptr);
  int gate[2];
  ASSERT_EQ(pipe(gate), 0);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; t++) {
    threads.emplace_back([&] {
      strata_gc_register_thread(heap);
      ready++;
      char byte;
      EXPECT_EQ(read(gate[0], &byte, 1), 1);
      strata_gc_unregister_thread(heap);
    });
  }
  while (ready.load() < 3) usleep(1000);
  usleep(20000);
  pid_t child = fork();
  if (child == 0) {
    Node *list = nullptr;
    for (uint64_t i = 0; i < 50000; i++) list = Push(heap, list, i);
    strata_gc_collect(heap);
    strata_gc_stats stats;
    strata_gc_get_stats(heap, &stats);
    bool good = Intact(list, 0, 50000) && stats.collections >= 1 && strata_gc_check(heap) == 0;
    _exit(good ? 0 : 1);
  }
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  char bytes[3] = {'a', 'b', 'c'};
  ASSERT_EQ(write(gate[1], bytes, 3), 3);
  for (auto &thread : threads) thread.join();
  close(gate[0]);
  close(gate[1]);
  // The parent's heap still stops its threads.
  strata_gc_collect(heap);
  strata_gc_destroy(heap);
}

// Two heaps, both threads registered with both, each collecting its own
// heap over and over: one world is stopped at a time, and neither waits
// for the other forever.
TEST(GcThreads, TwoSharedHeapsCollectAtOnce) {
  strata_gc_heap *heaps[2] = {Shared(), Shared()};
  ASSERT_NE(heaps[0], nullptr);
  ASSERT_NE(heaps[1], nullptr);
  bool ok[2] = {};
  auto work = [&](int me) {
    strata_gc_heap *mine = heaps[me], *other = heaps[1 - me];
    if (strata_gc_register_thread(mine) == EEXIST) {
      // the creator (this test's thread) is registered with both; the
      // workers register themselves
    }
    strata_gc_register_thread(other);
    Node *a = nullptr, *b = nullptr;
    for (uint64_t i = 0; i < 3000; i++) {
      a = Push(mine, a, i);
      b = Push(other, b, i);
      if (i % 500 == 0) strata_gc_collect(mine);
    }
    ok[me] = Intact(a, 0, 3000) && Intact(b, 0, 3000);
    strata_gc_unregister_thread(mine);
    strata_gc_unregister_thread(other);
  };
  std::thread first(work, 0), second(work, 1);
  first.join();
  second.join();
  EXPECT_TRUE(ok[0]);
  EXPECT_TRUE(ok[1]);
  strata_gc_destroy(heaps[0]);
  strata_gc_destroy(heaps[1]);
}

}  // namespace
