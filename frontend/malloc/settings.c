/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The malloc frontend's settings, from the environment, read once at first
 * use. getenv, environ and this parser never allocate, so reading is safe
 * before main and inside malloc; the warnings are formatted on the stack
 * and written with write(2). */
#define _GNU_SOURCE
#include "frontend/malloc/settings.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void set_on_error(strata_malloc_config *c, uint64_t choice) {
  c->on_error = choice == 1 ? STRATA_ON_ERROR_WARN : STRATA_ON_ERROR_ABORT;
}
static void set_show_stats(strata_malloc_config *c, uint64_t choice) { c->show_stats = choice == 1; }
/* Naming a file for the stats asks for them (read after STRATA_SHOW_STATS). */
static void set_stats_file(strata_malloc_config *c, uint64_t text) {
  c->stats_file = (const char *)(uintptr_t)text;
  if (c->stats_file != NULL) c->show_stats = true;
}
static void set_backend(strata_malloc_config *c, uint64_t choice) { c->hugepages = choice == 1; }
static void set_commit(strata_malloc_config *c, uint64_t choice) {
  c->commit_mode = choice == 1   ? STRATA_COMMIT_LAZY
                   : choice == 2 ? STRATA_COMMIT_EAGER
                                 : STRATA_COMMIT_DEFAULT;
}
static void set_background(strata_malloc_config *c, uint64_t choice) {
  c->background_release = choice == 0;
}
static void set_release_delay(strata_malloc_config *c, uint64_t ns) { c->release_delay_ns = ns; }
static void set_release_limit(strata_malloc_config *c, uint64_t bytes) {
  c->release_limit_bytes = (size_t)bytes;
}
static void set_thread_cache(strata_malloc_config *c, uint64_t bytes) {
  c->thread_cache_bytes = (size_t)bytes;
}
static void set_cache_total(strata_malloc_config *c, uint64_t bytes) {
  c->cache_total_bytes = (size_t)bytes;
}
static void set_large_release(strata_malloc_config *c, uint64_t bytes) {
  strata_atomic_store(&c->large_release_bytes, (size_t)bytes, STRATA_ORDER_RELAXED);
}
static void set_fault_nth(strata_malloc_config *c, uint64_t nth) { c->fault_nth = nth; }
static void set_profile_rate(strata_malloc_config *c, uint64_t bytes) { c->profile_rate = bytes; }
static void set_profile_file(strata_malloc_config *c, uint64_t text) {
  c->profile_file = (const char *)(uintptr_t)text;
}
static void set_guard_rate(strata_malloc_config *c, uint64_t bytes) { c->guard_rate = bytes; }
static void set_guard_slots(strata_malloc_config *c, uint64_t n) { c->guard_slots = n; }
static void set_profile_pid(strata_malloc_config *c, uint64_t pid) { c->profile_pid = pid; }
static void set_profile_signal(strata_malloc_config *c, uint64_t choice) {
  c->profile_signal = choice == 1 ? SIGUSR1 : choice == 2 ? SIGUSR2 : 0;
}

#define KIB ((uint64_t)1 << 10)
#define MIB ((uint64_t)1 << 20)
#define MS ((uint64_t)1000000)

/* Unlimited, in MiB: what SIZE_MAX bytes is, rounded down. */
#define UNLIMITED_MIB ((uint64_t)SIZE_MAX / MIB)

const strata_setting strata_settings[] = {
    {"STRATA_ON_ERROR", STRATA_SETTING_CHOICE, {"abort", "warn", NULL}, 0, NULL, 0, 0,
     set_on_error, "`abort`", "`warn`: report misuse, count it and go on"},
    {"STRATA_SHOW_STATS", STRATA_SETTING_CHOICE, {"0", "1", NULL}, 0, NULL, 0, 0, set_show_stats,
     "`0`", "`1`: print the stats on stderr at exit"},
    {"STRATA_STATS_FILE", STRATA_SETTING_TEXT, {NULL}, 0, NULL, 0, 0, set_stats_file, "unset",
     "print the stats at exit, appended to this file instead of stderr (for programs, like "
     "GNU tar and coreutils, that close stderr before exiting; `%p`: the process id, a file "
     "per process); one that cannot be opened is reported, and the stats go to stderr"},
    {"STRATA_BACKEND", STRATA_SETTING_CHOICE, {"mmap", "hugepage", NULL}, 0, NULL, 0, 0,
     set_backend, "`mmap`", "`hugepage`: 2 MiB pages with transparent huge pages"},
    {"STRATA_COMMIT", STRATA_SETTING_CHOICE, {"default", "lazy", "eager", NULL}, 0, NULL, 0, 0,
     set_commit, "`lazy` (`eager` under `vm.overcommit_memory=2`)",
     "the mmap backend's commit strategy: `lazy` reserves read-write with `MAP_NORESERVE` and "
     "lets the first touch commit (no system call per span); `eager` reserves inaccessible and "
     "commits with `mprotect`"},
    {"STRATA_BACKGROUND_RELEASE", STRATA_SETTING_CHOICE, {"1", "0", NULL}, 0, NULL, 0, 0,
     set_background, "`1`",
     "`0`: no releasing thread. By default, the first time memory flows back towards the page "
     "heap, strata starts one thread that sleeps until the oldest free run has been idle for the "
     "release delay and then gives back the pages idle that long (so they go back between one "
     "and 1 1/16 delays after the free), so memory freed before a quiet period is returned even if "
     "the program makes no further call; once per delay it also empties the transfer slots of "
     "size classes that moved no batch for a delay back into their spans (`plunder_test`: 544 "
     "KiB parked by an idle class fell to 32 KiB in use), and advances the idle-cache epoch: a "
     "thread cache whose last slow path is two epochs old (a thread idle for at least a delay) "
     "gives everything it holds back at its next slow path, its lists' limits regrowing with "
     "use (`idle_cache_test`: 256 KiB cached, 62 KiB after 400 ms idle and one slow path, the "
     "batch that slow path took; a thread whose slow paths keep coming every 10 ms keeps its "
     "idle list). A thread that never reaches a slow path again keeps its cache until it exits: "
     "nothing but the thread touches its lists. It blocks all signals and never allocates; a "
     "forked child does not start one. A program that must stay single-threaded (one that calls "
     "`unshare(CLONE_NEWUSER)` or enters a user namespace with `setns` after it has freed "
     "memory) sets `0`"},
    {"STRATA_RELEASE_DELAY_MS", STRATA_SETTING_NUMBER, {NULL}, MS, "ms", 24 * 3600 * 1000, 1000,
     set_release_delay, "`1000`", "free pages idle this long go back to the OS (0: at once)"},
    {"STRATA_RELEASE_LIMIT_MB", STRATA_SETTING_NUMBER, {NULL}, MIB, "MiB", UNLIMITED_MIB,
     UNLIMITED_MIB, set_release_limit, "unlimited", "free committed memory kept at most"},
    {"STRATA_THREAD_CACHE_KB", STRATA_SETTING_NUMBER, {NULL}, KIB, "KiB", 1 << 20, 2048,
     set_thread_cache, "`2048`", "what one thread's cache may hold"},
    {"STRATA_CACHE_TOTAL_MB", STRATA_SETTING_NUMBER, {NULL}, MIB, "MiB", 1 << 20, 64,
     set_cache_total, "`64`", "what all thread caches together may hold"},
    {"STRATA_LARGE_RELEASE_KB", STRATA_SETTING_NUMBER, {NULL}, KIB, "KiB", 1 << 30, 32768,
     set_large_release, "`32768`",
     "large frees at least this big are decommitted at once (smaller ones follow the release "
     "delay, so that a program that frees and reallocates big buffers does not fault them in "
     "again each time); `mallopt(M_MMAP_THRESHOLD)` changes it while running"},
    {"STRATA_PROFILE_RATE", STRATA_SETTING_NUMBER, {NULL}, 1, "bytes", (uint64_t)1 << 40, 0,
     set_profile_rate, "`0` (off)",
     "sampled heap profile (with `libstrata_profiled.so` or the profiled override; "
     "`libstrata.so` says it has no sampling): one allocation per this many bytes on average "
     "(`524288` is Go's and tcmalloc's rate); `strata_malloc_profile_set_rate` changes it "
     "while running"},
    {"STRATA_PROFILE_FILE", STRATA_SETTING_TEXT, {NULL}, 0, NULL, 0, 0, set_profile_file,
     "`strata.%p.heap`",
     "where the profile is written at exit (`%p`: the process id); a dump on the signal "
     "goes to this name followed by `.1`, `.2`, ..."},
    {"STRATA_PROFILE_PID", STRATA_SETTING_NUMBER, {NULL}, 1, "", (uint64_t)1 << 32, 0,
     set_profile_pid, "unset",
     "the process that writes `STRATA_PROFILE_FILE` as named; every other process that "
     "inherits the settings (one the program starts) writes it with `.<its pid>` appended, so "
     "that no process overwrites another's profile (`strata-run --profile` sets it)"},
    {"STRATA_PROFILE_SIGNAL", STRATA_SETTING_CHOICE, {"none", "USR1", "USR2", NULL}, 0, NULL, 0,
     0, set_profile_signal, "`none`",
     "`USR1` or `USR2`: on that signal, write the profile (strata installs the handler)"},
    {"STRATA_GUARD_RATE", STRATA_SETTING_NUMBER, {NULL}, 1, "bytes", (uint64_t)1 << 40, 0,
     set_guard_rate, "`0` (off)",
     "guarded sampling (with `libstrata_profiled.so` or the profiled override): one allocation "
     "of at most a page per this many bytes on average (`10485760` is a common choice) goes on "
     "a page of its own between inaccessible pages, and is made inaccessible when freed; an "
     "overflow, underflow or use after free of it stops the program with a report and both "
     "stacks"},
    {"STRATA_GUARD_SLOTS", STRATA_SETTING_NUMBER, {NULL}, 1, "", 1 << 20, 4096, set_guard_slots,
     "`4096`",
     "with `STRATA_GUARD_RATE`: guarded objects at most at once, live or recently freed (two "
     "pages of address space each, memory only while used); with all in use, allocations are "
     "not guarded"},
    {"STRATA_FAULT_NTH", STRATA_SETTING_NUMBER, {NULL}, 1, "", UINT64_MAX, 0, set_fault_nth,
     "unset",
     "testing: the backend refuses its n-th reserve or commit, once, so that a program's "
     "out-of-memory paths run (0: count the calls only, in `strata_malloc_get_stats`)"},
};

const unsigned strata_setting_count = sizeof strata_settings / sizeof strata_settings[0];

/* Warnings are formatted with snprintf into stack buffers during malloc's
 * start-up; glibc allocates nothing for these formats (no_alloc_test: a
 * typo, a bad number and a bad choice warned with no allocation). */
static void say(const char *line) {
  ssize_t written = write(STDERR_FILENO, line, strlen(line));
  (void)written; /* nowhere else to say it */
}

/* A whole decimal number, or false. */
static bool parse_number(const char *text, uint64_t *out) {
  if (*text == '\0') return false;
  uint64_t value = 0;
  for (const char *c = text; *c != '\0'; c++) {
    if (*c < '0' || *c > '9') return false;
    uint64_t digit = (uint64_t)(*c - '0');
    if (value > (UINT64_MAX - digit) / 10) return false; /* overflows 64 bits */
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

static void read_choice(const strata_setting *s, const char *text, strata_malloc_config *c) {
  for (uint64_t i = 0; s->choices[i] != NULL; i++) {
    if (strcmp(text, s->choices[i]) == 0) {
      s->apply(c, i);
      return;
    }
  }
  char expected[96] = "";
  for (int i = 0; s->choices[i] != NULL; i++) {
    const char *separator = i == 0 ? "" : s->choices[i + 1] == NULL ? " or " : ", ";
    strncat(expected, separator, sizeof expected - strlen(expected) - 1);
    strncat(expected, s->choices[i], sizeof expected - strlen(expected) - 1);
  }
  char line[256];
  snprintf(line, sizeof line, "strata: %s=%.60s: expected %s; using %s\n", s->name, text, expected,
           s->choices[s->fallback]);
  say(line);
  s->apply(c, s->fallback);
}

static void read_number(const strata_setting *s, const char *text, strata_malloc_config *c) {
  uint64_t value = 0;
  if (parse_number(text, &value) && value <= s->max) {
    s->apply(c, value > UINT64_MAX / s->unit ? UINT64_MAX : value * s->unit);
    return;
  }
  char line[256];
  snprintf(line, sizeof line,
           "strata: %s=%.60s: expected a whole number from 0 to %llu%s%s; using %llu\n", s->name,
           text, (unsigned long long)s->max, *s->unit_name ? " " : "", s->unit_name,
           (unsigned long long)s->fallback);
  say(line);
  s->apply(c, s->fallback * s->unit);
}

/* STRATA_ variables that other parts of strata read, not the malloc
 * frontend: set for them, they are no typo. */
static const char *const read_elsewhere[] = {
    "STRATA_GC_PERCENT",    /* the GC heap's pacing (frontend/gc) */
    "STRATA_GC_MEMORY_LIMIT", /* and its cap */
    "STRATA_GC_MARKERS",    /* its marking threads */
    "STRATA_FUZZ_SECONDS",  /* how long scripts/test runs each fuzzer */
};

static bool is_read_elsewhere(const char *name, size_t length) {
  for (size_t i = 0; i < sizeof read_elsewhere / sizeof read_elsewhere[0]; i++) {
    if (strlen(read_elsewhere[i]) == length && strncmp(read_elsewhere[i], name, length) == 0) {
      return true;
    }
  }
  return false;
}

static const strata_setting *find(const char *name, size_t length) {
  for (unsigned i = 0; i < strata_setting_count; i++) {
    if (strlen(strata_settings[i].name) == length &&
        strncmp(strata_settings[i].name, name, length) == 0) {
      return &strata_settings[i];
    }
  }
  return NULL;
}

void strata_settings_read(strata_malloc_config *c) {
  for (unsigned i = 0; i < strata_setting_count; i++) {
    const strata_setting *s = &strata_settings[i];
    const char *text = getenv(s->name);
    if (text == NULL) {
      s->apply(c, s->kind == STRATA_SETTING_NUMBER ? s->fallback * s->unit : s->fallback);
    } else if (s->kind == STRATA_SETTING_CHOICE) {
      read_choice(s, text, c);
    } else if (s->kind == STRATA_SETTING_NUMBER) {
      read_number(s, text, c);
    } else {
      s->apply(c, (uint64_t)(uintptr_t)text);
    }
  }
  c->fault_injection = getenv("STRATA_FAULT_NTH") != NULL;
  /* A STRATA_ variable that is none of these is most likely a typo of one. */
  for (char **entry = environ; entry != NULL && *entry != NULL; entry++) {
    if (strncmp(*entry, "STRATA_", 7) != 0) continue;
    const char *equals = strchr(*entry, '=');
    size_t length = equals != NULL ? (size_t)(equals - *entry) : strlen(*entry);
    if (find(*entry, length) != NULL || is_read_elsewhere(*entry, length)) continue;
    char line[256];
    snprintf(line, sizeof line, "strata: %.*s: not a strata setting (a typo?); ignored\n",
             (int)(length < 80 ? length : 80), *entry);
    say(line);
  }
}
