// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Random object graphs against a model. Objects carry an id, child slots
// and a checksummed payload; the model knows which objects the roots reach
// (through scan objects only). After every collection, every reachable
// object must be intact and every unreachable one gone (its slot free, or
// taken by an object allocated since). Links are sometimes interior
// pointers; noscan objects hold "pointers" that must keep nothing alive.
// Runs on the invariant-checking build of the heap, with collections the
// pacer starts, small mark stacks and a heap on a fixed buffer.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

#include "arena/backends.h"
#include "frontend/gc/strata_gc.h"

namespace {

constexpr int kRoots = 16;
constexpr int kMaxSlots = 6;

// The heap-side layout of every object.
struct Header {
  uint64_t id;
  uint64_t sum;          // of the payload bytes
  uint32_t slots;        // child pointers after the header
  uint32_t payload;      // bytes after the slots
  uintptr_t child[];     // scan: children (maybe interior); noscan: decoys
};

struct Model {
  uintptr_t address;
  size_t size;
  bool noscan;
  uint32_t slots;
  uint32_t payload;
  std::vector<uint64_t> children;  // id per slot, 0 for none
  std::vector<uint32_t> offsets;   // interior offset of each link
};

uint64_t Checksum(const unsigned char *p, size_t n, uint64_t id) {
  uint64_t h = 1469598103934665603ull ^ id;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

Header *At(uintptr_t address) { return reinterpret_cast<Header *>(address); }

unsigned char *Payload(const Model &m) {
  return reinterpret_cast<unsigned char *>(m.address + sizeof(Header) + m.slots * sizeof(uintptr_t));
}

struct Params {
  uint64_t seed;
  int gc_percent;
  size_t mark_stack;
  bool static_buffer;
  unsigned markers;  // mark_threads
};

void PrintTo(const Params &p, std::ostream *os) {
  *os << "seed " << p.seed << ", gc_percent " << p.gc_percent << ", mark stack " << p.mark_stack
      << (p.static_buffer ? ", static buffer" : ", mmap") << ", " << p.markers << " markers";
}

class GcModel : public ::testing::TestWithParam<Params> {
 protected:
  void SetUp() override {
    strata_gc_options options = strata_gc_default_options();
    options.gc_percent = GetParam().gc_percent;
    options.min_heap_bytes = 512 << 10;
    options.mark_stack_entries = GetParam().mark_stack;
    options.mark_threads = GetParam().markers;
    if (GetParam().static_buffer) {
      buffer_ = std::aligned_alloc(4096, kBufferBytes);
      ASSERT_EQ(strata_static_backend_init(&backend_, buffer_, kBufferBytes, 4096), STRATA_OK);
      options.backend = &backend_.base;
      options.arena_bytes = 1 << 20;
    }
    heap_ = strata_gc_create(&options);
    ASSERT_NE(heap_, nullptr);
    memset(roots_, 0, sizeof roots_);
    ASSERT_EQ(strata_gc_add_roots(heap_, roots_, roots_ + kRoots), 0);
    random_.seed(GetParam().seed);
  }
  void TearDown() override {
    EXPECT_EQ(strata_gc_check(heap_), 0);
    strata_gc_destroy(heap_);
    if (buffer_ != nullptr) std::free(buffer_);
  }

  uint64_t Below(uint64_t n) { return random_() % n; }

  // A new object, linked from a root or a reachable scan object.
  void Allocate() {
    bool noscan = Below(4) == 0;
    bool large = Below(40) == 0;
    uint32_t slots = noscan ? 2 : 1 + Below(kMaxSlots);
    uint32_t payload = large ? 40000 + Below(60000) : Below(600);
    size_t size = sizeof(Header) + slots * sizeof(uintptr_t) + payload;
    void *p = strata_gc_alloc(heap_, size, noscan ? STRATA_GC_NOSCAN : STRATA_GC_SCAN);
    if (p == nullptr) {
      ASSERT_EQ(errno, ENOMEM);
      ASSERT_TRUE(GetParam().static_buffer) << "only a fixed buffer runs out";
      out_of_memory_++;
      return;
    }
    uintptr_t address = reinterpret_cast<uintptr_t>(p);
    if (freed_addresses_.count(address)) reused_++;
    uint64_t id = next_id_++;
    Model m{address, size, noscan, slots, payload, std::vector<uint64_t>(slots, 0),
            std::vector<uint32_t>(slots, 0)};
    Header *h = At(address);
    h->id = id;
    h->slots = slots;
    h->payload = payload;
    for (uint32_t s = 0; s < slots; s++) {
      // Scan objects start with no children (zeroed memory is checked);
      // a noscan object's decoys point at live objects and keep nothing.
      if (!noscan) {
        EXPECT_EQ(h->child[s], 0u);
      } else {
        h->child[s] = live_.empty() ? 0 : Any() + 8;
      }
    }
    unsigned char *bytes = Payload(m);
    for (uint32_t i = 0; i < payload; i++) bytes[i] = static_cast<unsigned char>(random_());
    h->sum = Checksum(bytes, payload, id);
    live_[id] = m;
    by_address_[address] = id;
    // Make it reachable at once, or the pacer may take it.
    if (Below(3) == 0 || !LinkFrom(id)) SetRoot(Below(kRoots), id);
  }

  // Some live object's address.
  uintptr_t Any() {
    auto it = live_.begin();
    std::advance(it, Below(live_.size() < 64 ? live_.size() : 64));
    return it->second.address;
  }

  void SetRoot(int r, uint64_t id) {
    uint32_t offset = id != 0 && Below(4) == 0 ? Below(live_[id].size) : 0;
    roots_[r] = id == 0 ? 0 : live_[id].address + offset;
    root_ids_[r] = id;
    changed_ = true;
  }

  // Links child from a random reachable scan object's slot. False when
  // there is none.
  bool LinkFrom(uint64_t child) {
    for (int tries = 0; tries < 8; tries++) {
      uint64_t parent = root_ids_[Below(kRoots)];
      if (parent == 0 || live_[parent].noscan) continue;
      Model &p = live_[parent];
      uint32_t s = Below(p.slots);
      uint32_t offset = child != 0 && Below(4) == 0 ? Below(live_[child].size) : 0;
      p.children[s] = child;
      p.offsets[s] = offset;
      At(p.address)->child[s] = child == 0 ? 0 : live_[child].address + offset;
      changed_ = true;
      return true;
    }
    return false;
  }

  // Forgets objects the roots no longer reach: the heap may free them at
  // any allocation from now on.
  void Prune() {
    if (!changed_) return;
    changed_ = false;
    std::set<uint64_t> reached;
    std::vector<uint64_t> work;
    for (uint64_t id : root_ids_) {
      if (id != 0 && reached.insert(id).second) work.push_back(id);
    }
    while (!work.empty()) {
      const Model &m = live_[work.back()];
      work.pop_back();
      if (m.noscan) continue;
      for (uint64_t c : m.children) {
        if (c != 0 && reached.insert(c).second) work.push_back(c);
      }
    }
    for (auto it = live_.begin(); it != live_.end();) {
      if (reached.count(it->first)) {
        ++it;
        continue;
      }
      garbage_.push_back(it->second.address);
      by_address_.erase(it->second.address);
      it = live_.erase(it);
    }
  }

  void Verify(const Model &m, uint64_t id) {
    Header *h = At(m.address);
    ASSERT_EQ(strata_gc_base(heap_, reinterpret_cast<void *>(m.address + m.size - 1)),
              reinterpret_cast<void *>(m.address))
        << "object " << id << " was freed while reachable";
    ASSERT_EQ(h->id, id);
    ASSERT_EQ(h->sum, Checksum(Payload(m), m.payload, id)) << "payload of " << id;
    if (m.noscan) return;
    for (uint32_t s = 0; s < m.slots; s++) {
      uint64_t c = m.children[s];
      ASSERT_EQ(h->child[s], c == 0 ? 0 : live_.at(c).address + m.offsets[s]);
    }
  }

  void Collect() {
    strata_gc_collect(heap_);
    for (const auto &[id, m] : live_) {
      Verify(m, id);
      if (HasFatalFailure()) return;
    }
    // Unreachable objects are gone, unless an object allocated since took
    // the same place.
    for (uintptr_t address : garbage_) {
      void *base = strata_gc_base(heap_, reinterpret_cast<void *>(address));
      if (base != nullptr) {
        auto it = by_address_.find(reinterpret_cast<uintptr_t>(base));
        ASSERT_NE(it, by_address_.end()) << "unreachable object at " << address << " survived";
      }
      freed_addresses_.insert(address);
    }
    garbage_.clear();
  }

  void Run(int steps) {
    for (int i = 0; i < steps && !HasFatalFailure(); i++) {
      switch (Below(20)) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
          Allocate();
          break;
        case 8: case 9: case 10:  // link two live objects (cycles allowed)
          if (!live_.empty()) LinkFrom(by_address_[Any()]);
          break;
        case 11: case 12:  // unlink
          LinkFrom(0);
          break;
        case 13:  // drop a root
          SetRoot(Below(kRoots), 0);
          break;
        case 14: case 15: {  // a root to a reachable object
          if (!live_.empty()) SetRoot(Below(kRoots), by_address_[Any()]);
          break;
        }
        case 16:
          Collect();
          break;
        default:  // check a few objects
          for (int k = 0; k < 4 && !live_.empty(); k++) {
            uint64_t id = by_address_[Any()];
            Verify(live_[id], id);
          }
      }
      Prune();
    }
    Collect();
    strata_gc_stats stats;
    strata_gc_get_stats(heap_, &stats);
    EXPECT_GT(stats.collections, 0u);
    EXPECT_GT(reused_, 0u) << "freed slots should be allocated again";
    // Stacks this small overflow; with helpers the pool takes some of it,
    // so only a marker alone is sure to.
    if (GetParam().mark_stack < 64 && GetParam().markers == 1) {
      EXPECT_GT(stats.mark_stack_overflows, 0u);
    }
    // Dropping every root frees everything.
    for (int r = 0; r < kRoots; r++) SetRoot(r, 0);
    Prune();
    Collect();
    strata_gc_get_stats(heap_, &stats);
    EXPECT_EQ(stats.live_bytes, 0u);
  }

  static constexpr size_t kBufferBytes = 24 << 20;
  strata_gc_heap *heap_ = nullptr;
  void *buffer_ = nullptr;
  strata_static_backend backend_;
  std::mt19937_64 random_;
  uintptr_t roots_[kRoots];
  uint64_t root_ids_[kRoots] = {};
  std::map<uint64_t, Model> live_;
  std::unordered_map<uintptr_t, uint64_t> by_address_;
  std::vector<uintptr_t> garbage_;
  std::set<uintptr_t> freed_addresses_;
  uint64_t next_id_ = 1;
  size_t reused_ = 0;
  size_t out_of_memory_ = 0;
  bool changed_ = false;
};

TEST_P(GcModel, ReachableObjectsStayIntactAndTheRestIsReused) { Run(30000); }

INSTANTIATE_TEST_SUITE_P(
    Graphs, GcModel,
    ::testing::Values(Params{1, STRATA_GC_OFF, 16384, false, 1}, Params{2, 0, 16384, false, 4},
                      Params{3, 50, 4, false, 1}, Params{4, 100, 16384, true, 2},
                      Params{5, STRATA_GC_OFF, 8, true, 1}, Params{6, 50, 8, false, 4},
                      Params{7, 100, 16384, false, 8}));

}  // namespace
