#include "base/lock.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace {

TEST(Lock, ZeroIsReleased) {
  strata_lock lock = STRATA_LOCK_INIT;
  EXPECT_FALSE(strata_lock_is_held(&lock));
  strata_lock_acquire(&lock);
  EXPECT_TRUE(strata_lock_is_held(&lock));
  EXPECT_FALSE(strata_lock_try_acquire(&lock));
  strata_lock_release(&lock);
  EXPECT_FALSE(strata_lock_is_held(&lock));
  EXPECT_TRUE(strata_lock_try_acquire(&lock));
  strata_lock_release(&lock);
}

// More threads than this machine has cores, each adding to a plain counter
// under the lock in a read-modify-write spread over two statements: a lost
// update shows as a total below the expected one. Holders are preempted
// mid-section, so the spin-then-yield path runs.
TEST(Lock, ExcludesUnderOversubscription) {
  strata_lock lock = STRATA_LOCK_INIT;
  volatile long counter = 0;
  const int threads = 8, rounds = 200000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; t++) {
    pool.emplace_back([&] {
      for (int i = 0; i < rounds; i++) {
        strata_lock_acquire(&lock);
        long seen = counter;
        counter = seen + 1;
        strata_lock_release(&lock);
      }
    });
  }
  for (auto &t : pool) t.join();
  EXPECT_EQ(counter, (long)threads * rounds);
  EXPECT_FALSE(strata_lock_is_held(&lock));
}

// A holder that keeps the lock for a long time (here: sleeping) makes the
// waiter go through every spin round to the yields, and it still gets the
// lock once the holder lets go.
TEST(Lock, WaiterGetsLockAfterLongHold) {
  strata_lock lock = STRATA_LOCK_INIT;
  strata_lock_acquire(&lock);
  bool got = false;
  std::thread waiter([&] {
    strata_lock_acquire(&lock);
    got = true;
    strata_lock_release(&lock);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(__atomic_load_n(&got, __ATOMIC_ACQUIRE));
  strata_lock_release(&lock);
  waiter.join();
  EXPECT_TRUE(got);
}

}  // namespace
