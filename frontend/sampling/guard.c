/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Guarded sampling: a small fraction of allocations, chosen by the same
 * byte sampler as the heap profile (STRATA_GUARD_RATE), is placed alone on
 * an OS page between two inaccessible guard pages, so that the bugs a
 * heap most often hides fault at once:
 *
 *   - a write or read past the end reaches the guard page after it (the
 *     object sits at the end of its page, every other allocation) and one
 *     before the start reaches the guard page before it (the object sits
 *     at the start, the others);
 *   - after free the page is made inaccessible and stays so while other
 *     slots are used (below), so a use after free faults too.
 *
 * The fault handler (SIGSEGV) tells these apart by the address and prints
 * the kind, the object and the stacks that allocated and freed it, then
 * gives the signal back to whatever handled it before (by default: the
 * process dies of it, with its core). Faults elsewhere pass straight on.
 *
 * The slots are a region of address space reserved at start
 * (STRATA_GUARD_SLOTS of them, 2 pages each, inaccessible, so costing no
 * memory until used), outside the page heap: free and the other entry
 * points find a guarded object by a range check on their slow path (its
 * page-map entry is empty), never on the fast path.
 *
 * Which slot an allocation gets. Guarded objects that live long hold their
 * slots, and with a small fixed set of slots they would soon hold them all,
 * so that a program guarded at a lower rate would guard fewer allocations,
 * not more. So slots are used as needed, up to STRATA_GUARD_SLOTS: a freed
 * slot is reused (oldest freed first) only while more than
 * QUARANTINE_SLOTS freed ones wait, which keeps that many recently freed
 * objects inaccessible for use-after-free; otherwise a slot never used
 * before is taken; and only when none is left does a freed slot go below
 * the quarantine. With every slot in use, allocations are not guarded.
 * Each guarded allocation and free costs an mprotect, which is why the
 * rate is low (one in megabytes). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/os_page.h"
#include "base/format.h"
#include "base/lock.h"
#include "frontend/sampling/sampling_internal.h"

#define STACK_DEPTH 32
/* Freed slots kept inaccessible before one is reused, while never-used
 * slots remain. */
#define QUARANTINE_SLOTS 32u

typedef enum slot_state { SLOT_UNUSED, SLOT_ALLOCATED, SLOT_FREED } slot_state;

typedef struct guard_slot {
  uintptr_t object;  /* where the object starts */
  size_t size;       /* what the program asked for */
  strata_atomic_int state; /* slot_state: release store by the owner, acquire load by free */
  int alloc_tid, free_tid;
  unsigned alloc_depth, free_depth;
  strata_profile_sample *record; /* its heap-profile sample, if it is one */
  void *alloc_frames[STACK_DEPTH];
  void *free_frames[STACK_DEPTH];
} guard_slot;

/* Set once by strata_guard_init (before any guarded allocation); read
 * without a lock: `base` with acquire by strata_guard_owns. */
static struct {
  strata_atomic_uptr base; /* first guard page; 0 when guarding is off */
  uintptr_t end;
  size_t page;        /* the OS page size */
  unsigned count;     /* slots reserved */
  guard_slot *slots;  /* count of them; untouched beyond `fresh` */
  /* Under `lock`: the freed slots, oldest freed first (a ring of `count`
   * entries), and how many slots were ever used: [fresh, count) never
   * were. */
  strata_lock lock;
  unsigned *ring STRATA_GUARDED_BY(&lock);
  unsigned ring_head STRATA_GUARDED_BY(&lock);
  unsigned ring_used STRATA_GUARDED_BY(&lock);
  unsigned fresh STRATA_GUARDED_BY(&lock);
  unsigned placed STRATA_GUARDED_BY(&lock);   /* alternates end / start placement */
  uint64_t guarded STRATA_GUARDED_BY(&lock);  /* guarded allocations ever */
  struct sigaction previous; /* the SIGSEGV handling before ours */
} guard = {.lock = STRATA_LOCK_INIT_RANKED(STRATA_LOCK_RANK_GUARD)};

/* guard.base, published (release) by strata_guard_init after the slots
 * are set up: 0 until then, and when guarding is off. */
static uintptr_t guard_base(void) {
  return strata_atomic_load(&guard.base, STRATA_ORDER_ACQUIRE);
}

/* A slot's state (slot_state), stored with release by the thread that
 * allocates or frees in it (after the slot's other fields), read from any
 * thread: a free, a fault handler. */
static int state_of(const guard_slot *s) {
  return strata_atomic_load(&s->state, STRATA_ORDER_ACQUIRE);
}

static int thread_id(void) { return (int)syscall(SYS_gettid); }

static uintptr_t slot_page(unsigned i) {
  return guard_base() + (2 * (uintptr_t)i + 1) * guard.page;
}

bool strata_guard_owns(const void *p) {
  uintptr_t a = (uintptr_t)p;
  uintptr_t base = guard_base();
  return base != 0 && a >= base && a < guard.end;
}

/* ---- reports (also from the signal handler: write(2) only) ---- */

static void put(const char *s) {
  ssize_t written = write(STDERR_FILENO, s, strlen(s));
  (void)written; /* nowhere else to say it */
}

static void put_number(uintptr_t v, int base) {
  char text[STRATA_FORMAT_MAX];
  if (base == 16) {
    strata_format_hex(text, v);
  } else {
    strata_format_decimal(text, v);
  }
  put(text);
}

static void put_stack(const char *what, int tid, void *const *frames, unsigned depth) {
  put(what);
  put(" by thread ");
  put_number((uintptr_t)tid, 10);
  put(":\n");
  /* Symbols where the dynamic linker knows them; no allocation. */
  backtrace_symbols_fd((void *const *)frames, (int)depth, STDERR_FILENO);
}

static void describe(const guard_slot *s) {
  put(" the ");
  put_number(s->size, 10);
  put("-byte guarded object at ");
  put_number(s->object, 16);
  put("\n");
  put_stack("allocated", s->alloc_tid, s->alloc_frames, s->alloc_depth);
  if (state_of(s) == SLOT_FREED) put_stack("freed", s->free_tid, s->free_frames, s->free_depth);
}

/* How many of a stack's innermost frames are strata's own, when strata is a
 * shared library of its own (the frames of free up to the program's call):
 * those leading frames that lie in the object holding this function. In a
 * program linked with strata statically its frames cannot be told apart
 * that way, and all are kept. */
static unsigned strata_frames(void *const *frames, unsigned depth) {
  Dl_info self, frame;
  if (dladdr((void *)strata_frames, &self) == 0 ||
      (uintptr_t)self.dli_fbase == (getauxval(AT_PHDR) & ~(uintptr_t)(guard.page - 1))) {
    return 0;
  }
  unsigned n = 0;
  while (n < depth && dladdr(frames[n], &frame) != 0 && frame.dli_fbase == self.dli_fbase) n++;
  return n < depth ? n : 0;
}

/* ---- allocation and free ---- */

void *strata_guard_alloc(size_t size, size_t alignment, bool zero, void *const *frames,
                         unsigned depth) {
  if (guard_base() == 0 || size > guard.page || alignment > guard.page) return NULL;
  strata_lock_acquire(&guard.lock);
  unsigned i;
  if (guard.ring_used > QUARANTINE_SLOTS || (guard.fresh == guard.count && guard.ring_used > 0)) {
    i = guard.ring[guard.ring_head];
    guard.ring_head = (guard.ring_head + 1) % guard.count;
    guard.ring_used--;
  } else if (guard.fresh < guard.count) {
    i = guard.fresh++;
  } else {
    strata_lock_release(&guard.lock);
    return NULL; /* every slot in use: not guarded */
  }
  bool at_end = (guard.placed++ & 1) == 0;
  guard.guarded++;
  strata_lock_release(&guard.lock);

  uintptr_t page = slot_page(i);
  if (mprotect((void *)page, guard.page, PROT_READ | PROT_WRITE) != 0) {
    /* The OS refuses (too many mappings): give the slot back, unguarded. */
    strata_lock_acquire(&guard.lock);
    guard.ring[(guard.ring_head + guard.ring_used) % guard.count] = i;
    guard.ring_used++;
    strata_lock_release(&guard.lock);
    return NULL;
  }
  /* The alignment the program may rely on: what it asked for, and at
   * least the natural one of its size up to 16 (malloc's guarantee). */
  size_t natural = 16;
  while (natural > 1 && natural / 2 >= size) natural /= 2;
  if (alignment < natural) alignment = natural;
  uintptr_t object = at_end ? (page + guard.page - (size ? size : 1)) & ~(uintptr_t)(alignment - 1)
                            : page;
  guard_slot *s = &guard.slots[i];
  s->object = object;
  s->size = size;
  s->alloc_tid = thread_id();
  s->alloc_depth = depth < STACK_DEPTH ? depth : STACK_DEPTH;
  memcpy(s->alloc_frames, frames, s->alloc_depth * sizeof *frames);
  s->free_depth = 0;
  s->record = NULL;
  strata_atomic_store(&s->state, SLOT_ALLOCATED, STRATA_ORDER_RELEASE);
  if (zero) memset((void *)object, 0, size);
  return (void *)object;
}

void strata_guard_set_record(void *p, strata_profile_sample *record) {
  guard_slot *s = &guard.slots[((uintptr_t)p - guard_base()) / guard.page / 2];
  s->record = record;
}

/* The slot of an address in a slot page; -1 for a guard page. */
static int slot_of(uintptr_t a) {
  size_t page = (a - guard_base()) / guard.page;
  return page % 2 == 1 ? (int)(page / 2) : -1;
}

size_t strata_guard_usable_size(const char *function, const void *p) {
  int i = slot_of((uintptr_t)p);
  guard_slot *s = i >= 0 ? &guard.slots[i] : NULL;
  if (s == NULL || state_of(s) != SLOT_ALLOCATED || s->object != (uintptr_t)p) {
    bool twice = s != NULL && state_of(s) == SLOT_FREED && s->object == (uintptr_t)p;
    strata_report_misuse(function, twice ? STRATA_MISUSE_DOUBLE_FREE : STRATA_MISUSE_INVALID, p);
    return 0;
  }
  return s->size > 0 ? s->size : 1;
}

void strata_guard_free(const char *function, void *p) {
  int i = slot_of((uintptr_t)p);
  guard_slot *s = i >= 0 ? &guard.slots[i] : NULL;
  /* The stack first, outside the lock: the unwinder and dladdr take time
   * and locks of their own. */
  void *frames[STACK_DEPTH + 8];
  unsigned depth = strata_profile_backtrace(frames, STACK_DEPTH + 8, 0);
  unsigned own = strata_frames(frames, depth);
  strata_lock_acquire(&guard.lock);
  bool live = s != NULL && state_of(s) == SLOT_ALLOCATED && s->object == (uintptr_t)p;
  if (!live) {
    strata_lock_release(&guard.lock);
    bool twice = s != NULL && state_of(s) == SLOT_FREED && s->object == (uintptr_t)p;
    if (s != NULL && state_of(s) != SLOT_UNUSED) {
      put("strata: ");
      put(function);
      put(twice ? "(): double free of" : "(): invalid pointer into");
      describe(s);
    }
    strata_report_misuse(function, twice ? STRATA_MISUSE_DOUBLE_FREE : STRATA_MISUSE_INVALID, p);
    return;
  }
  s->free_tid = thread_id();
  s->free_depth = depth - own < STACK_DEPTH ? depth - own : STACK_DEPTH;
  memcpy(s->free_frames, frames + own, s->free_depth * sizeof *frames);
  strata_atomic_store(&s->state, SLOT_FREED, STRATA_ORDER_RELEASE);
  strata_profile_sample *record = s->record;
  s->record = NULL;
  strata_lock_release(&guard.lock);
  if (record != NULL) {
    strata_thread_in_profiler = 1;
    strata_profile_record_free(&strata_sampling_state.profile, record);
    strata_profiling_leave();
  }
  /* Inaccessible from now on, until the slot's turn comes again. If the
   * OS refuses, the slot is not reused: guarding it would lie. */
  if (mprotect((void *)slot_page((unsigned)i), guard.page, PROT_NONE) != 0) return;
  strata_lock_acquire(&guard.lock);
  guard.ring[(guard.ring_head + guard.ring_used) % guard.count] = (unsigned)i;
  guard.ring_used++;
  strata_lock_release(&guard.lock);
}

/* ---- the fault handler ---- */

/* Whether the signal was sent (kill, raise, sigqueue, tgkill: si_code <= 0)
 * rather than raised by the kernel for a fault. A sent signal's si_addr
 * is not an address (it shares its storage with the sender's pid and
 * uid), and no instruction runs again to take it a second time. */
static bool was_sent(const siginfo_t *info) { return info->si_code <= 0; }

/* Hands the signal to whatever handled SIGSEGV before the guard: its
 * function is called as the kernel would call it (its mask blocked
 * meanwhile, and reset to the default first if it was one-shot); a
 * default disposition kills the process with the signal, as it would have
 * without the guard. For a fault, restoring the default and returning is
 * enough: the faulting access runs again and the kernel delivers SIGSEGV
 * once more (a fault cannot be ignored: the kernel kills). A sent signal
 * is raised again instead: it stays pending while this handler runs (the
 * signal is blocked here) and kills at its return. A sent signal that
 * was ignored before stays ignored. */
static void give_back_signal(int signal_number, siginfo_t *info, void *context) {
  struct sigaction previous = guard.previous;
  /* sa_handler and sa_sigaction share their storage: the two dispositions
   * that are not functions read the same through either. */
  bool has_function = previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN;
  if (has_function) {
    if (previous.sa_flags & SA_RESETHAND) {
      memset(&guard.previous, 0, sizeof guard.previous);
      guard.previous.sa_handler = SIG_DFL;
    }
    sigset_t before;
    pthread_sigmask(SIG_BLOCK, &previous.sa_mask, &before);
    if (previous.sa_flags & SA_SIGINFO) {
      previous.sa_sigaction(signal_number, info, context);
    } else {
      previous.sa_handler(signal_number);
    }
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    return;
  }
  if (previous.sa_handler == SIG_IGN && was_sent(info)) return;
  signal(SIGSEGV, SIG_DFL);
  if (was_sent(info)) raise(SIGSEGV);
}

static void on_fault(int signal_number, siginfo_t *info, void *context) {
  uintptr_t a = (uintptr_t)info->si_addr;
  if (was_sent(info) || !strata_guard_owns((const void *)a)) {
    give_back_signal(signal_number, info, context);
    return;
  }
  int saved = errno;
  size_t page = (a - guard_base()) / guard.page;
  const guard_slot *s = NULL;
  const char *kind = "wild access to strata's guard pages";
  uintptr_t distance = 0;
  bool after = true;
  if (page % 2 == 1) {
    s = &guard.slots[page / 2];
    if (state_of(s) == SLOT_FREED) kind = "use-after-free";
    else s = NULL;
  } else {
    /* A guard page: the overflowed object is the live one next to it
     * that lies closest (objects sit at the end or the start of their
     * page, so one of the two is usually right against it). */
    const guard_slot *left = page >= 2 ? &guard.slots[page / 2 - 1] : NULL;
    const guard_slot *right = page / 2 < guard.count ? &guard.slots[page / 2] : NULL;
    uintptr_t left_gap = left && state_of(left) == SLOT_ALLOCATED ? a - (left->object + left->size)
                                                               : UINTPTR_MAX;
    uintptr_t right_gap = right && state_of(right) == SLOT_ALLOCATED ? right->object - a
                                                                  : UINTPTR_MAX;
    if (left_gap <= right_gap && left_gap != UINTPTR_MAX) {
      s = left;
      distance = left_gap;
    } else if (right_gap != UINTPTR_MAX) {
      s = right;
      distance = right_gap;
      after = false;
    }
    if (s != NULL) kind = "heap-buffer-overflow";
  }
  put("strata: ");
  put(kind);
  put(" at address ");
  put_number(a, 16);
  if (s != NULL && state_of(s) == SLOT_ALLOCATED) {
    put(": ");
    put_number(distance, 10);
    put(after ? " bytes after" : " bytes before");
  } else if (s != NULL) {
    put(": ");
    put_number(a - s->object, 10);
    put(" bytes into");
  }
  if (s != NULL) {
    describe(s);
  } else {
    put("\n");
  }
  errno = saved;
  give_back_signal(signal_number, info, context);
}

/* Not analysed: what it writes no other thread reads before the release
 * store of guard.base publishes it. */
void strata_guard_init(unsigned slots) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  if (slots == 0) return;
  size_t page = strata_os_page_size();
  size_t region = (2 * (size_t)slots + 1) * page;
  void *base = mmap(NULL, region, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  size_t meta = slots * (sizeof(guard_slot) + sizeof(unsigned));
  /* Touched only as slots come into use. */
  void *slot_memory = mmap(NULL, meta, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED || slot_memory == MAP_FAILED) {
    if (base != MAP_FAILED) munmap(base, region);
    if (slot_memory != MAP_FAILED) munmap(slot_memory, meta);
    put("strata: STRATA_GUARD_RATE: no memory for the guarded slots; not guarding\n");
    return;
  }
  guard.page = page;
  guard.count = slots;
  guard.slots = slot_memory;
  guard.ring = (unsigned *)(guard.slots + slots);
  guard.end = (uintptr_t)base + region;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSEGV, &action, &guard.previous) != 0) {
    put("strata: STRATA_GUARD_RATE: cannot install the fault handler; not guarding\n");
    return;
  }
  strata_atomic_store(&guard.base, (uintptr_t)base, STRATA_ORDER_RELEASE);
}

/* The guard's line of the stats: guarded allocations ever, slots in use
 * now (guarded objects live, or freed ones whose page could not be made
 * inaccessible), slots. Nothing when guarding is off. */
void strata_guard_print_stats(int fd) {
  if (guard_base() == 0) return;
  strata_lock_acquire(&guard.lock);
  uint64_t guarded = guard.guarded;
  unsigned in_use = guard.fresh - guard.ring_used;
  strata_lock_release(&guard.lock);
  strata_stats_line(fd, "strata: guard: 1 guarded allocation per %llu bytes, %llu guarded, %u of "
                    "%u slots in use\n", (unsigned long long)strata_malloc_state.config.guard_rate,
                    (unsigned long long)guarded, in_use, guard.count);
}

/* Not analysed, as every fork handler: the prepare handler takes the lock
 * that the parent and child handlers give back. */
void strata_guard_before_fork(void) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  if (guard_base() != 0) strata_lock_acquire(&guard.lock);
}

void strata_guard_after_fork(void) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  if (guard_base() != 0) strata_lock_release(&guard.lock);
}
