// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "arena/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "arena/backends.h"
#include "tools/testing/resident.h"

namespace {

constexpr size_t kMiB = size_t{1} << 20;

// A set in storage that reads as zero is set up by
// strata_arena_set_init_zeroed without reading its 48 KiB index: after a
// grow only the pages of its header, of the arena list's first entry and
// of the one index slot used are resident. Plain init clears the set by
// reading it, so all of it is.
TEST(ArenaSet, InitZeroedReadsNothingOfItsStorage) {
  strata_mmap_backend mb;
  strata_mmap_backend_init(&mb);
  const size_t os_page = strata_testing::OsPageSize();
  const size_t bytes = (sizeof(strata_arena_set) + os_page - 1) / os_page * os_page;
  for (bool zeroed : {true, false}) {
    void *storage = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(storage, MAP_FAILED);
    auto *set = static_cast<strata_arena_set *>(storage);
    ASSERT_EQ(zeroed ? strata_arena_set_init_zeroed(set, &mb.base, 4 * kMiB)
                     : strata_arena_set_init(set, &mb.base, 4 * kMiB),
              STRATA_OK);
    strata_arena a;
    ASSERT_EQ(strata_arena_grow(set, 1, &a), STRATA_OK);
    EXPECT_TRUE(strata_arena_contains(set, reinterpret_cast<void *>(a.base + a.size - 1)));
    EXPECT_FALSE(strata_arena_contains(set, reinterpret_cast<void *>(a.base + a.size)));
    size_t resident = strata_testing::ResidentPages(storage, bytes);
    ASSERT_NE(resident, SIZE_MAX);
    if (zeroed) {
      EXPECT_LE(resident, 3u);
    } else {
      EXPECT_EQ(resident, bytes / os_page);
    }
    ASSERT_EQ(strata_arena_release_all(set), STRATA_OK);
    ASSERT_EQ(munmap(storage, bytes), 0);
  }
}

TEST(ArenaSet, GrowsInAlignedArenasOnMmap) {
  strata_mmap_backend mb;
  strata_mmap_backend_init(&mb);
  auto set = std::make_unique<strata_arena_set>();
  ASSERT_EQ(strata_arena_set_init(set.get(), &mb.base, 0), STRATA_OK);
  EXPECT_EQ(set->arena_size, STRATA_ARENA_DEFAULT_SIZE);

  strata_arena a, b;
  ASSERT_EQ(strata_arena_grow(set.get(), 1, &a), STRATA_OK);
  EXPECT_EQ(a.size, STRATA_ARENA_DEFAULT_SIZE);
  EXPECT_EQ(a.base % STRATA_ARENA_DEFAULT_SIZE, 0u);
  // A request larger than an arena gets a large enough one.
  ASSERT_EQ(strata_arena_grow(set.get(), STRATA_ARENA_DEFAULT_SIZE + 1, &b), STRATA_OK);
  EXPECT_EQ(b.size, 2 * STRATA_ARENA_DEFAULT_SIZE);
  EXPECT_EQ(b.base % STRATA_ARENA_DEFAULT_SIZE, 0u);
  EXPECT_EQ(set->arena_count, 2u);
  EXPECT_EQ(set->reserved_bytes, 3 * STRATA_ARENA_DEFAULT_SIZE);

  // Arenas are reserved, not committed: commit a page and use it.
  void *page = reinterpret_cast<void *>(b.base + b.size - mb.base.page_size);
  ASSERT_EQ(strata_backend_commit(&mb.base, page, mb.base.page_size), STRATA_OK);
  std::memset(page, 7, mb.base.page_size);
  EXPECT_EQ(strata_arena_release_all(set.get()), STRATA_OK);
  EXPECT_EQ(set->arena_count, 0u);
  EXPECT_FALSE(strata_arena_contains(set.get(), reinterpret_cast<void *>(a.base)));
}

TEST(ArenaSet, ContainsAnswersForEveryKindOfAddress) {
  strata_mmap_backend mb;
  strata_mmap_backend_init(&mb);
  auto set = std::make_unique<strata_arena_set>();
  ASSERT_EQ(strata_arena_set_init(set.get(), &mb.base, 4 * kMiB), STRATA_OK);
  std::vector<strata_arena> arenas(20);
  for (auto &arena : arenas) ASSERT_EQ(strata_arena_grow(set.get(), 4 * kMiB, &arena), STRATA_OK);
  strata_arena big;
  ASSERT_EQ(strata_arena_grow(set.get(), 10 * kMiB, &big), STRATA_OK);
  arenas.push_back(big);
  for (const auto &arena : arenas) {
    EXPECT_TRUE(strata_arena_contains(set.get(), reinterpret_cast<void *>(arena.base)));
    EXPECT_TRUE(strata_arena_contains(set.get(), reinterpret_cast<void *>(arena.base + arena.size / 2)));
    EXPECT_TRUE(strata_arena_contains(set.get(), reinterpret_cast<void *>(arena.base + arena.size - 1)));
  }
  int stack_value = 0;
  static int static_value = 0;
  auto heap_value = std::make_unique<int>(0);
  EXPECT_FALSE(strata_arena_contains(set.get(), &stack_value));
  EXPECT_FALSE(strata_arena_contains(set.get(), &static_value));
  EXPECT_FALSE(strata_arena_contains(set.get(), heap_value.get()));
  EXPECT_FALSE(strata_arena_contains(set.get(), nullptr));
  EXPECT_FALSE(strata_arena_contains(set.get(), reinterpret_cast<void *>(UINTPTR_MAX)));
  // Every 4 MiB granule next to an arena that no arena covers is outside.
  for (const auto &arena : arenas) {
    uintptr_t before = arena.base - 1, after = arena.base + arena.size;
    bool before_is_arena = false, after_is_arena = false;
    for (const auto &other : arenas) {
      before_is_arena |= before >= other.base && before < other.base + other.size;
      after_is_arena |= after >= other.base && after < other.base + other.size;
    }
    EXPECT_EQ(strata_arena_contains(set.get(), reinterpret_cast<void *>(before)), before_is_arena);
    EXPECT_EQ(strata_arena_contains(set.get(), reinterpret_cast<void *>(after)), after_is_arena);
  }
  EXPECT_EQ(strata_arena_release_all(set.get()), STRATA_OK);
}

TEST(ArenaSet, WorksOnAStaticBufferWithSmallArenas) {
  std::vector<unsigned char> buffer(9 * kMiB);
  strata_static_backend sb;
  ASSERT_EQ(strata_static_backend_init(&sb, buffer.data(), buffer.size(), 4096), STRATA_OK);
  auto set = std::make_unique<strata_arena_set>();
  ASSERT_EQ(strata_arena_set_init(set.get(), &sb.base, kMiB), STRATA_OK);
  strata_arena arena;
  int grown = 0;
  strata_status status;
  while ((status = strata_arena_grow(set.get(), kMiB, &arena)) == STRATA_OK) {
    EXPECT_EQ(arena.base % kMiB, 0u);
    EXPECT_GE(arena.base, reinterpret_cast<uintptr_t>(buffer.data()));
    EXPECT_LE(arena.base + arena.size, reinterpret_cast<uintptr_t>(buffer.data() + buffer.size()));
    grown++;
  }
  EXPECT_EQ(status, STRATA_ERR_OUT_OF_MEMORY);
  EXPECT_GE(grown, 8);  // 9 MiB holds at least 8 aligned 1 MiB arenas
  EXPECT_EQ(set->arena_count, static_cast<size_t>(grown));
  EXPECT_EQ(strata_arena_release_all(set.get()), STRATA_OK);
  EXPECT_GE(strata_static_backend_free_bytes(&sb), 8 * kMiB);
}

TEST(ArenaSet, RefusalLeavesTheSetUnchangedAndUsable) {
  strata_mmap_backend mb;
  strata_mmap_backend_init(&mb);
  strata_fault_backend fault;
  strata_fault_backend_init(&fault, &mb.base);
  auto set = std::make_unique<strata_arena_set>();
  ASSERT_EQ(strata_arena_set_init(set.get(), &fault.base, 4 * kMiB), STRATA_OK);
  strata_arena a;
  ASSERT_EQ(strata_arena_grow(set.get(), 1, &a), STRATA_OK);
  strata_fault_backend_refuse_nth(&fault, 1);
  strata_arena refused = {0, 0};
  EXPECT_EQ(strata_arena_grow(set.get(), 1, &refused), STRATA_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(refused.base, 0u);
  EXPECT_EQ(set->arena_count, 1u);
  EXPECT_EQ(set->reserved_bytes, 4 * kMiB);
  strata_arena b;
  ASSERT_EQ(strata_arena_grow(set.get(), 1, &b), STRATA_OK);
  EXPECT_EQ(set->arena_count, 2u);
  EXPECT_EQ(strata_arena_release_all(set.get()), STRATA_OK);
  EXPECT_EQ(fault.calls[STRATA_BACKEND_RELEASE], 2u);
}

TEST(ArenaSet, UndoGrowForgetsOnlyTheNewestArena) {
  strata_mmap_backend mb;
  strata_mmap_backend_init(&mb);
  auto set = std::make_unique<strata_arena_set>();
  ASSERT_EQ(strata_arena_set_init(set.get(), &mb.base, kMiB), STRATA_OK);
  EXPECT_EQ(strata_arena_undo_grow(set.get()), STRATA_ERR_INVALID_ARGUMENT);
  std::vector<strata_arena> kept(50);
  for (auto &arena : kept) ASSERT_EQ(strata_arena_grow(set.get(), kMiB, &arena), STRATA_OK);
  strata_arena newest;
  ASSERT_EQ(strata_arena_grow(set.get(), 5 * kMiB, &newest), STRATA_OK);
  ASSERT_EQ(strata_arena_undo_grow(set.get()), STRATA_OK);
  EXPECT_EQ(set->arena_count, kept.size());
  EXPECT_EQ(set->reserved_bytes, kept.size() * kMiB);
  for (uintptr_t a = newest.base; a < newest.base + newest.size; a += kMiB) {
    bool reused = false;  // the address space may have been handed out again
    for (const auto &arena : kept) reused |= a >= arena.base && a < arena.base + arena.size;
    if (!reused) {
      EXPECT_FALSE(strata_arena_contains(set.get(), reinterpret_cast<void *>(a)));
    }
  }
  for (const auto &arena : kept) {
    EXPECT_TRUE(strata_arena_contains(set.get(), reinterpret_cast<void *>(arena.base)));
  }
  EXPECT_EQ(strata_arena_release_all(set.get()), STRATA_OK);
}

TEST(ArenaSet, RejectsBadArguments) {
  strata_mmap_backend mb;
  strata_mmap_backend_init(&mb);
  auto set = std::make_unique<strata_arena_set>();
  EXPECT_EQ(strata_arena_set_init(set.get(), &mb.base, 3 * kMiB), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_arena_set_init(set.get(), &mb.base, 1024), STRATA_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(strata_arena_set_init(set.get(), &mb.base, kMiB), STRATA_OK);
  strata_arena a;
  EXPECT_EQ(strata_arena_grow(set.get(), 0, &a), STRATA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(strata_arena_grow(set.get(), SIZE_MAX, &a), STRATA_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(strata_arena_grow(set.get(), SIZE_MAX / 2, &a), STRATA_ERR_LIMIT);
  EXPECT_EQ(set->arena_count, 0u);
}

TEST(ArenaSet, FullSetReportsALimit) {
  strata_mmap_backend mb;
  strata_mmap_backend_init(&mb);
  auto set = std::make_unique<strata_arena_set>();
  const size_t page = mb.base.page_size;
  ASSERT_EQ(strata_arena_set_init(set.get(), &mb.base, page), STRATA_OK);
  strata_arena a;
  for (int i = 0; i < STRATA_ARENA_MAX_ARENAS; ++i) {
    ASSERT_EQ(strata_arena_grow(set.get(), page, &a), STRATA_OK) << i;
  }
  EXPECT_EQ(strata_arena_grow(set.get(), page, &a), STRATA_ERR_LIMIT);
  EXPECT_EQ(set->arena_count, static_cast<size_t>(STRATA_ARENA_MAX_ARENAS));
  EXPECT_TRUE(strata_arena_contains(set.get(), reinterpret_cast<void *>(a.base)));
  EXPECT_EQ(strata_arena_release_all(set.get()), STRATA_OK);
}

}  // namespace
