// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "central/central.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "arena/backends.h"
#include "base/check_testing.h"
#include "tools/testing/fault_heap.h"
#include "tools/testing/resident.h"

namespace {

strata_span_class Class(size_t bytes) {
  return strata_span_class_make(strata_size_to_class(bytes), STRATA_KIND_SCAN);
}

class Central : public ::testing::Test {
 protected:
  void SetUp() override {
    heap_.Init();
    central_ = std::make_unique<strata_central>();
    strata_central_init(central_.get(), heap_.get());
  }
  void TearDown() override {
    EXPECT_EQ(strata_central_check(central_.get(), NULL), STRATA_OK);
    strata_central_destroy(central_.get());
    heap_.Destroy();
  }
  strata_central_class_stats Stats(strata_span_class sc) {
    strata_central_class_stats s;
    strata_central_class_get_stats(central_.get(), sc, &s);
    return s;
  }
  // Removes `count` objects of the class in batches.
  std::vector<void *> Take(strata_span_class sc, size_t count) {
    std::vector<void *> objects;
    void *batch[STRATA_CENTRAL_MAX_BATCH];
    while (objects.size() < count) {
      size_t want = std::min<size_t>(STRATA_CENTRAL_MAX_BATCH, count - objects.size());
      size_t got = strata_central_remove(central_.get(), sc, batch, want);
      EXPECT_GT(got, 0u);
      if (got == 0) break;
      objects.insert(objects.end(), batch, batch + got);
    }
    return objects;
  }
  // Inserts the objects one at a time: each call fills one transfer slot
  // while a slot is free, so TRANSFER_BATCHES objects fill the cache.
  void InsertOneByOne(strata_span_class sc, const std::vector<void *> &objects) {
    for (void *p : objects) {
      ASSERT_EQ(strata_central_insert(central_.get(), sc, &p, 1, nullptr), STRATA_OK);
    }
  }
  strata_testing::FaultHeap heap_;
  std::unique_ptr<strata_central> central_;
};

// The class header's layout (central.h): the lock and what it guards on
// one line, the transfer-slot states on the next, whole lines per class.
TEST(CentralLayout, ClassHeadersAreTwoWholeLinesWithTheSlotStatesOnTheSecond) {
  constexpr size_t kLine = STRATA_CACHE_LINE;
  EXPECT_EQ(alignof(strata_central_class), kLine);
  EXPECT_EQ(sizeof(strata_central_class), 2 * kLine);
  EXPECT_EQ(offsetof(strata_central_class, lock), 0u);
  EXPECT_LT(offsetof(strata_central_class, objects_out) + sizeof(size_t), kLine + 1);
  EXPECT_EQ(offsetof(strata_central_class, slot_state), kLine);
  // Finding a slot reads the states only: all of them on that one line.
  EXPECT_LE(sizeof(strata_central_class::slot_state), kLine);
  EXPECT_EQ(offsetof(strata_central, classes) % kLine, 0u);
}

TEST_F(Central, BatchSizesFollowTheObjectSize) {
  EXPECT_EQ(strata_central_batch_size(strata_size_to_class(16)), 32u);
  EXPECT_EQ(strata_central_batch_size(strata_size_to_class(4096)), 16u);
  EXPECT_EQ(strata_central_batch_size(strata_size_to_class(32768)), 2u);
  EXPECT_EQ(strata_central_batch_size(0), 0u);
}

TEST_F(Central, EveryClassHandsOutDistinctObjectsOfItsSize) {
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; ++c) {
    strata_span_class sc = strata_span_class_make(c, STRATA_KIND_NOSCAN);
    std::vector<void *> objects = Take(sc, 3 * strata_size_class_span_objects(c) + 1);
    std::set<void *> distinct(objects.begin(), objects.end());
    ASSERT_EQ(distinct.size(), objects.size()) << "class " << c;
    for (void *p : objects) {
      strata_span *s = strata_pageheap_span_of(heap_.get(), p);
      ASSERT_NE(s, nullptr);
      ASSERT_EQ(s->span_class, sc);
      std::memset(p, static_cast<int>(c), s->object_size);
    }
    EXPECT_EQ(Stats(sc).spans, 4u) << "class " << c;
    EXPECT_EQ(Stats(sc).objects_out, objects.size());
    ASSERT_EQ(strata_central_check(central_.get(), NULL), STRATA_OK);
    for (size_t i = 0; i < objects.size(); i += 7) {
      size_t n = std::min<size_t>(7, objects.size() - i);
      ASSERT_EQ(strata_central_insert(central_.get(), sc, &objects[i], n, nullptr), STRATA_OK);
    }
    ASSERT_EQ(strata_central_drain(central_.get(), nullptr), STRATA_OK);
    EXPECT_EQ(Stats(sc).objects_out, 0u);
    EXPECT_EQ(Stats(sc).spans, 0u);
  }
  strata_pageheap_stats heap;
  strata_pageheap_get_stats(heap_.get(), &heap);
  EXPECT_EQ(heap.in_use_bytes, 0u);
}

TEST_F(Central, TransferCacheHandsBackWhatWasJustInserted) {
  strata_span_class sc = Class(64);
  std::vector<void *> objects = Take(sc, 32);
  size_t out = Stats(sc).objects_out;
  ASSERT_EQ(strata_central_insert(central_.get(), sc, objects.data(), 32, nullptr), STRATA_OK);
  EXPECT_EQ(Stats(sc).transfer_cached, 32u);
  EXPECT_EQ(Stats(sc).objects_out, out);  // no span was touched
  void *batch[32];
  ASSERT_EQ(strata_central_remove(central_.get(), sc, batch, 32), 32u);
  EXPECT_EQ(std::set<void *>(batch, batch + 32), std::set<void *>(objects.begin(), objects.end()));
  EXPECT_EQ(Stats(sc).transfer_cached, 0u);
}

// Objects out, batches in the transfer slots, partial and full spans of
// several classes: destroy gives every page back, and the central works as
// fresh afterwards.
TEST_F(Central, DestroyGivesEverySpanBack) {
  std::vector<void *> small = Take(Class(16), 3000);  // several spans, some full
  std::vector<void *> large = Take(Class(32768), 9);
  InsertOneByOne(Class(16), {small.begin(), small.begin() + 4});  // into transfer slots
  ASSERT_GT(heap_.Stats().in_use_bytes, 0u);
  ASSERT_GT(Stats(Class(16)).spans, 1u);
  strata_central_destroy(central_.get());
  EXPECT_EQ(heap_.Stats().in_use_bytes, 0u);
  for (strata_span_class sc : {Class(16), Class(32768)}) {
    strata_central_class_stats s = Stats(sc);
    EXPECT_EQ(s.spans, 0u);
    EXPECT_EQ(s.objects_out, 0u);
    EXPECT_EQ(s.transfer_cached, 0u);
  }
  EXPECT_EQ(strata_central_check(central_.get(), nullptr), STRATA_OK);
  EXPECT_EQ(Take(Class(16), 40).size(), 40u);  // and it works as fresh
}

TEST_F(Central, CheckNamesTheBrokenInvariant) {
  strata_span_class sc = Class(64);
  std::vector<void *> objects = Take(sc, 4);
  strata_testing::Heard heard;
  central_->classes[sc].spans++;
  EXPECT_EQ(strata_central_check(central_.get(), &heard.reporter), STRATA_ERR_CORRUPT);
  central_->classes[sc].spans--;
  EXPECT_EQ(heard.Only(), "central: a class's span or object counts differ from its lists");
  ASSERT_EQ(strata_central_insert(central_.get(), sc, objects.data(), objects.size(), nullptr),
            STRATA_OK);
}

// Spans refuse an object freed twice, but a transfer slot stores a batch
// as given: the check names an object that is in a batch twice.
TEST_F(Central, CheckNamesAnObjectTwiceInATransferBatch) {
  strata_span_class sc = Class(64);
  std::vector<void *> objects = Take(sc, 32);
  void *spare = objects[31];
  objects[31] = objects[5];
  ASSERT_EQ(strata_central_insert(central_.get(), sc, objects.data(), 32, nullptr), STRATA_OK);
  ASSERT_EQ(Stats(sc).transfer_cached, 32u);
  strata_testing::Heard heard;
  EXPECT_EQ(strata_central_check(central_.get(), &heard.reporter), STRATA_ERR_CORRUPT);
  EXPECT_EQ(heard.Only(), "central: a transfer batch holds one object twice (a double free)");
  // Mend it for TearDown's check: take the batch back, free each once.
  void *batch[32];
  ASSERT_EQ(strata_central_remove(central_.get(), sc, batch, 32), 32u);
  objects[31] = spare;
  ASSERT_EQ(strata_central_insert(central_.get(), sc, objects.data(), 31, nullptr), STRATA_OK);
  ASSERT_EQ(strata_central_insert(central_.get(), sc, &spare, 1, nullptr), STRATA_OK);
}

// A class that moved no batch since the previous plunder has its transfer
// slots emptied into its spans; one that did keeps them.
TEST_F(Central, PlunderEmptiesOnlyIdleTransferSlots) {
  strata_span_class sc = Class(64);
  std::vector<void *> objects = Take(sc, 32);
  size_t out = Stats(sc).objects_out;
  ASSERT_EQ(strata_central_insert(central_.get(), sc, objects.data(), 32, nullptr), STRATA_OK);
  ASSERT_EQ(Stats(sc).transfer_cached, 32u);
  strata_status status = STRATA_ERR_CORRUPT;
  EXPECT_EQ(strata_central_plunder(central_.get(), &status, nullptr), 0u);  // just used
  EXPECT_EQ(status, STRATA_OK);
  EXPECT_EQ(Stats(sc).transfer_cached, 32u);
  EXPECT_EQ(strata_central_plunder(central_.get(), &status, nullptr), 32u);  // idle since
  EXPECT_EQ(status, STRATA_OK);
  EXPECT_EQ(Stats(sc).transfer_cached, 0u);
  EXPECT_EQ(Stats(sc).objects_out, out - 32);
  EXPECT_EQ(strata_central_plunder(central_.get(), &status, nullptr), 0u);  // nothing left
}

TEST_F(Central, ASmallerRemoveTakesPartOfATransferBatch) {
  strata_span_class sc = Class(64);
  std::vector<void *> objects = Take(sc, 32);
  ASSERT_EQ(strata_central_insert(central_.get(), sc, objects.data(), 32, nullptr), STRATA_OK);
  void *batch[10];
  ASSERT_EQ(strata_central_remove(central_.get(), sc, batch, 10), 10u);
  EXPECT_EQ(Stats(sc).transfer_cached, 22u);
  for (void *p : batch) EXPECT_NE(std::find(objects.begin(), objects.end(), p), objects.end());
}

TEST_F(Central, MoreThanABatchGoesStraightToTheSpans) {
  strata_span_class sc = Class(64);
  std::vector<void *> objects = Take(sc, STRATA_CENTRAL_MAX_BATCH + 8);
  ASSERT_EQ(strata_central_insert(central_.get(), sc, objects.data(), objects.size(), nullptr),
            STRATA_OK);
  EXPECT_EQ(Stats(sc).transfer_cached, 0u);
  EXPECT_EQ(Stats(sc).objects_out, 0u);
}

TEST_F(Central, ForgetInFlightFreesOnlyBusySlots) {
  strata_span_class sc = Class(64);
  std::vector<void *> objects = Take(sc, 2);
  InsertOneByOne(sc, objects);  // slots 0 and 1 full
  strata_central_class *k = &central_->classes[sc];
  k->slot_state[2].value = STRATA_TRANSFER_BUSY;  // as if a thread was mid-copy at a fork
  strata_central_forget_in_flight(central_.get());
  EXPECT_EQ(k->slot_state[0].value, static_cast<uint32_t>(STRATA_TRANSFER_FULL));
  EXPECT_EQ(k->slot_state[1].value, static_cast<uint32_t>(STRATA_TRANSFER_FULL));
  EXPECT_EQ(k->slot_state[2].value, static_cast<uint32_t>(STRATA_TRANSFER_EMPTY));
  EXPECT_EQ(Stats(sc).transfer_cached, 2u);
}

TEST_F(Central, EmptySpansGoBackToThePageHeapKeepingOneSpare) {
  strata_span_class sc = Class(1024);  // 8 objects per span
  // Fill the transfer cache so that the next inserts reach the spans.
  std::vector<void *> filler = Take(sc, STRATA_CENTRAL_TRANSFER_BATCHES);
  std::vector<void *> objects = Take(sc, 8 * 10);
  InsertOneByOne(sc, filler);
  EXPECT_EQ(Stats(sc).transfer_cached, size_t{STRATA_CENTRAL_TRANSFER_BATCHES});
  size_t spans = Stats(sc).spans;
  for (void *p : objects) ASSERT_EQ(strata_central_insert(central_.get(), sc, &p, 1, nullptr), STRATA_OK);
  EXPECT_LE(Stats(sc).spans, spans - 10 + 1);
  EXPECT_EQ(strata_central_check(central_.get(), NULL), STRATA_OK);
}

TEST_F(Central, InvalidObjectsAreReportedAndLeftAlone) {
  strata_span_class sc = Class(48);
  std::vector<void *> filler = Take(sc, STRATA_CENTRAL_TRANSFER_BATCHES);
  std::vector<void *> objects = Take(sc, 4);
  InsertOneByOne(sc, filler);
  int on_stack = 0;
  void *bad = nullptr;
  void *foreign[] = {&on_stack};
  EXPECT_EQ(strata_central_insert(central_.get(), sc, foreign, 1, &bad), STRATA_ERR_NOT_OWNED);
  EXPECT_EQ(bad, &on_stack);
  void *interior[] = {static_cast<char *>(objects[0]) + 8};
  EXPECT_EQ(strata_central_insert(central_.get(), sc, interior, 1, &bad), STRATA_ERR_INTERIOR_POINTER);
  void *wrong_class = Take(Class(16), 1)[0];
  void *other[] = {wrong_class};
  EXPECT_EQ(strata_central_insert(central_.get(), sc, other, 1, &bad), STRATA_ERR_NOT_OWNED);
  // A double free in the middle of a batch: the valid objects still go back.
  void *batch[] = {objects[1], objects[1], objects[2]};
  EXPECT_EQ(strata_central_insert(central_.get(), sc, batch, 3, &bad), STRATA_ERR_DOUBLE_FREE);
  EXPECT_EQ(bad, objects[1]);
  strata_span *s = strata_pageheap_span_of(heap_.get(), objects[2]);
  EXPECT_FALSE(strata_span_owns_object(s, objects[2]));
  EXPECT_TRUE(strata_span_owns_object(s, objects[0]));  // untouched
  EXPECT_EQ(strata_central_check(central_.get(), NULL), STRATA_OK);
}

TEST_F(Central, DrainFindsADoubleFreeHiddenInTheTransferCache) {
  strata_span_class sc = Class(32);
  std::vector<void *> objects = Take(sc, 2);
  void *twice[] = {objects[0], objects[0]};
  ASSERT_EQ(strata_central_insert(central_.get(), sc, twice, 2, nullptr), STRATA_OK);
  void *bad = nullptr;
  EXPECT_EQ(strata_central_drain(central_.get(), &bad), STRATA_ERR_DOUBLE_FREE);
  EXPECT_EQ(bad, objects[0]);
  ASSERT_EQ(strata_central_insert(central_.get(), sc, &objects[1], 1, nullptr), STRATA_OK);
}

TEST_F(Central, PageHeapRefusalGivesZeroObjectsThenRecovers) {
  strata_span_class sc = Class(256);
  strata_fault_backend_set_budget(heap_.fault(), 0);
  void *batch[8];
  EXPECT_EQ(strata_central_remove(central_.get(), sc, batch, 8), 0u);
  EXPECT_EQ(Stats(sc).spans, 0u);
  strata_fault_backend_set_budget(heap_.fault(), SIZE_MAX);
  EXPECT_EQ(strata_central_remove(central_.get(), sc, batch, 8), 8u);
  ASSERT_EQ(strata_central_insert(central_.get(), sc, batch, 8, nullptr), STRATA_OK);
}

TEST_F(Central, ThreadsExchangingBatchesNeverShareAnObject) {
  strata_span_class sc = Class(128);
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      std::vector<uint64_t *> mine;
      void *batch[STRATA_CENTRAL_MAX_BATCH];
      for (int round = 0; round < 3000; ++round) {
        if (mine.size() < 64 || rng() % 2) {
          size_t got = strata_central_remove(central_.get(), sc, batch, 1 + rng() % 32);
          for (size_t i = 0; i < got; ++i) {
            auto *o = static_cast<uint64_t *>(batch[i]);
            *o = static_cast<uint64_t>(t) << 32 | round;
            o[15] = *o;
            mine.push_back(o);
          }
        } else {
          size_t n = 1 + rng() % std::min<size_t>(mine.size(), 32);
          for (size_t i = 0; i < n; ++i) {
            uint64_t *o = mine.back();
            mine.pop_back();
            if (o[0] != o[15] || (o[0] >> 32) != static_cast<uint64_t>(t)) failed = true;
            batch[i] = o;
          }
          if (strata_central_insert(central_.get(), sc, batch, n, nullptr) != STRATA_OK) failed = true;
        }
      }
      for (uint64_t *o : mine) {
        void *p = o;
        EXPECT_EQ(strata_central_insert(central_.get(), sc, &p, 1, nullptr), STRATA_OK);
      }
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(strata_central_drain(central_.get(), nullptr), STRATA_OK);
  EXPECT_EQ(Stats(sc).objects_out, 0u);
}

}  // namespace

namespace {

// What a collector's sweep does through update_spans: keep the objects it
// marked, and let the class file the spans again.
struct KeepOnly {
  std::set<void *> keep;
  size_t calls = 0;
};

void SweepKeeping(strata_span *span, void *arg) {
  auto *k = static_cast<KeepOnly *>(arg);
  k->calls++;
  uint64_t bits[STRATA_SPAN_BITMAP_WORDS] = {};
  for (uint32_t i = 0; i < span->object_count; i++) {
    void *p = reinterpret_cast<void *>(span->base + i * span->object_size);
    if (k->keep.count(p)) bits[i / 64] |= uint64_t{1} << (i % 64);
  }
  strata_span_sweep(span, bits);
}

// Central lists in storage that reads as zero are set up by
// strata_central_init_zeroed without reading it: using one class makes
// resident its header's page and its transfer slots' pages only (3 pages
// at most: a header, a batch that may straddle two), where plain init
// clears (so reads, so makes resident) all the class headers.
TEST(CentralZeroedStorage, InitReadsNothingAndAClassCostsOnlyItsOwnPages) {
  const size_t os_page = strata_testing::OsPageSize();
  const size_t bytes = (sizeof(strata_central) + os_page - 1) / os_page * os_page;
  const size_t header_pages = sizeof(((strata_central *)nullptr)->classes) / os_page;
  ASSERT_GE(header_pages, 2u);
  for (bool zeroed : {true, false}) {
    strata_testing::FaultHeap heap;
    heap.Init();
    void *storage = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(storage, MAP_FAILED);
    auto *central = static_cast<strata_central *>(storage);
    if (zeroed) {
      strata_central_init_zeroed(central, heap.get());
    } else {
      strata_central_init(central, heap.get());
    }
    strata_span_class sc = Class(256);
    void *objects[4];
    ASSERT_EQ(strata_central_remove(central, sc, objects, 4), 4u);
    ASSERT_EQ(strata_central_insert(central, sc, objects, 4, nullptr), STRATA_OK);
    ASSERT_EQ(strata_central_remove(central, sc, objects, 4), 4u);
    ASSERT_EQ(strata_central_insert(central, sc, objects, 4, nullptr), STRATA_OK);
    size_t resident = strata_testing::ResidentPages(storage, bytes);
    ASSERT_NE(resident, SIZE_MAX);
    if (zeroed) {
#ifdef STRATA_DEBUG
      // Debug builds write every class lock's rank (base/lock_rank.h).
      EXPECT_LE(resident, header_pages + 3u);
#else
      EXPECT_LE(resident, 3u);
#endif
    } else {
      EXPECT_GE(resident, header_pages);
    }
    EXPECT_EQ(strata_central_check(central, nullptr), STRATA_OK);
    void *bad = nullptr;
    EXPECT_EQ(strata_central_drain(central, &bad), STRATA_OK);
    strata_central_destroy(central);
    ASSERT_EQ(munmap(storage, bytes), 0);
    heap.Destroy();
  }
}

TEST_F(Central, UpdateSpansFilesSweptSpansAndReturnsEmptyOnes) {
  strata_span_class sc = Class(1024);  // 8 objects per span
  std::vector<void *> objects = Take(sc, 8 * 6);  // six full spans
  EXPECT_EQ(Stats(sc).spans, 6u);
  KeepOnly k;
  // Keep everything of the first two spans' worth and one object of the
  // third: three spans go back, one is partial, two stay full.
  std::vector<void *> sorted = objects;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < 16; i++) k.keep.insert(sorted[i]);
  k.keep.insert(sorted[16]);
  size_t freed = strata_central_update_spans(central_.get(), sc, SweepKeeping, &k);
  EXPECT_EQ(k.calls, 6u);
  EXPECT_EQ(freed, objects.size() - 17);
  EXPECT_EQ(Stats(sc).spans, 3u);
  EXPECT_EQ(Stats(sc).objects_out, 17u);
  EXPECT_EQ(strata_central_check(central_.get(), NULL), STRATA_OK);
  // The partial span's seven free slots come out first, then a new span.
  std::vector<void *> again = Take(sc, 7);
  for (void *p : again) {
    EXPECT_EQ(strata_pageheap_span_of(heap_.get(), p), strata_pageheap_span_of(heap_.get(), sorted[16]));
  }
  EXPECT_EQ(Stats(sc).spans, 3u);
  // Give back what the test holds, so TearDown's check balances.
  for (void *p : again) ASSERT_EQ(strata_central_insert(central_.get(), sc, &p, 1, nullptr), STRATA_OK);
  void *bad = nullptr;
  ASSERT_EQ(strata_central_drain(central_.get(), &bad), STRATA_OK);
  EXPECT_EQ(Stats(sc).objects_out, 17u);
}

// Lending (central.h): a partial span first, off the lists and out of
// objects_out while lent; a new span when none is partial; on return a
// span is filed by what is left in it, or goes back to the page heap
// empty. The check balances throughout.
TEST_F(Central, ALentSpanLeavesTheListsAndIsFiledAgainOnReturn) {
  strata_span_class sc = Class(1024);  // 8 objects per span
  std::vector<void *> held = Take(sc, 3);
  strata_span *partial = strata_pageheap_span_of(heap_.get(), held[0]);
  strata_span *lent = strata_central_lend_span(central_.get(), sc);
  ASSERT_EQ(lent, partial);
  EXPECT_EQ(Stats(sc).spans, 1u);
  EXPECT_EQ(Stats(sc).objects_out, 0u);
  EXPECT_EQ(strata_central_check(central_.get(), NULL), STRATA_OK);
  // Its five free slots are the borrower's alone; then the class has no
  // partial span, and the next lend is a new span.
  void *mine[8];
  EXPECT_EQ(strata_span_alloc_batch(lent, mine, 8), 5u);
  void *batch[8];
  EXPECT_EQ(strata_central_remove(central_.get(), sc, batch, 8), 8u);
  EXPECT_NE(strata_pageheap_span_of(heap_.get(), batch[0]), lent);
  strata_span *fresh = strata_central_lend_span(central_.get(), sc);
  ASSERT_NE(fresh, nullptr);
  EXPECT_NE(fresh, lent);
  EXPECT_EQ(Stats(sc).spans, 3u);
  EXPECT_EQ(Stats(sc).objects_out, 8u);
  EXPECT_EQ(strata_central_check(central_.get(), NULL), STRATA_OK);
  // Back: the full one onto the full list with its 8 objects counted; the
  // untouched one to the page heap.
  strata_central_return_span(central_.get(), sc, lent);
  strata_central_return_span(central_.get(), sc, fresh);
  EXPECT_EQ(Stats(sc).spans, 2u);
  EXPECT_EQ(Stats(sc).objects_out, 16u);
  EXPECT_EQ(strata_central_check(central_.get(), NULL), STRATA_OK);
  ASSERT_EQ(strata_central_insert(central_.get(), sc, mine, 5, nullptr), STRATA_OK);
  ASSERT_EQ(strata_central_insert(central_.get(), sc, held.data(), held.size(), nullptr), STRATA_OK);
  ASSERT_EQ(strata_central_insert(central_.get(), sc, batch, 8, nullptr), STRATA_OK);
  void *bad = nullptr;
  ASSERT_EQ(strata_central_drain(central_.get(), &bad), STRATA_OK);
  EXPECT_EQ(Stats(sc).objects_out, 0u);
}

TEST_F(Central, LendingWhenThePageHeapRefusesGivesNullAndCountsNothing) {
  strata_span_class sc = Class(256);
  strata_fault_backend_set_budget(heap_.fault(), 0);
  EXPECT_EQ(strata_central_lend_span(central_.get(), sc), nullptr);
  EXPECT_EQ(Stats(sc).spans, 0u);
  EXPECT_EQ(strata_central_check(central_.get(), NULL), STRATA_OK);
  strata_fault_backend_set_budget(heap_.fault(), SIZE_MAX);
  strata_span *span = strata_central_lend_span(central_.get(), sc);
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(Stats(sc).spans, 1u);
  strata_central_return_span(central_.get(), sc, span);
  EXPECT_EQ(Stats(sc).spans, 0u);
}

}  // namespace
