/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* gcbench's string table: a hash table shared by every worker thread, as
 * an interpreter's symbol table or a server's session cache is.
 *
 * 65 536 buckets (one scanned array, a root); entries (scanned: next,
 * key, value) hold their keys as strings of 17 to 64 bytes allocated
 * without pointers. The workers share 2 000 000 operations: each makes a
 * key from a random number, and under the bucket's stripe lock (256
 * stripes) replaces the entry's string and value when the key is there
 * (the old string is garbage), or puts a new entry at the head and drops
 * the bucket's fifth entry when the chain grows past four. So the table
 * stays about 14 MiB live while every operation makes garbage, and the
 * threads reach each other's objects through it. At the end every entry
 * must sit in its key's bucket with its value's checksum. With malloc,
 * replaced strings and dropped entries are freed. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/gc/gcbench.h"

enum { BUCKETS = 1 << 16, STRIPES = 256, OPERATIONS = 2000000, MAX_CHAIN = 4 };

typedef struct entry {
  struct entry *next;
  char *key;
  uint64_t value; /* the key's hash times a constant: checked at the end */
} entry;

static entry **table; /* strata: registered as a root */
static pthread_mutex_t stripes[STRIPES];

static uint64_t hash_of(const char *key) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *key != '\0'; key++) h = (h ^ (unsigned char)*key) * 1099511628211ull;
  return h;
}

#define CHECK 0x9e3779b97f4a7c15ull

/* The number in 16 hex digits, padded with dots to a length the number
 * chooses: 16 to 63 bytes and the terminator. */
static char *make_key(uint64_t number) {
  size_t length = 16 + (size_t)(number % 48);
  char *key = new_noscan(length + 1);
  for (int i = 0; i < 16; i++) key[i] = "0123456789abcdef"[(number >> (60 - 4 * i)) & 15];
  memset(key + 16, '.', length - 16);
  key[length] = '\0';
  return key;
}

static void release(void *p) {
  if (allocator == MALLOC) free(p);
}

static void work(int worker, int workers) {
  uint64_t state = 0x2545f4914f6cdd1dull * (uint64_t)(worker + 1);
  int share = OPERATIONS / workers + (worker < OPERATIONS % workers);
  for (int op = 0; op < share; op++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    uint64_t number = state % (BUCKETS * 3); /* about three keys a bucket */
    char *key = make_key(number);
    uint64_t h = hash_of(key);
    size_t bucket = h % BUCKETS;
    pthread_mutex_t *stripe = &stripes[bucket % STRIPES];
    entry *fresh = NULL;
    pthread_mutex_lock(stripe);
    entry *e = table[bucket];
    while (e != NULL && strcmp(e->key, key) != 0) e = e->next;
    if (e != NULL) {
      release(e->key);
      e->key = key;
      e->value = h * CHECK;
    } else {
      pthread_mutex_unlock(stripe); /* allocate outside the lock */
      fresh = new_scan(sizeof *fresh);
      fresh->key = key;
      fresh->value = h * CHECK;
      pthread_mutex_lock(stripe);
      fresh->next = table[bucket];
      table[bucket] = fresh;
      int length = 0;
      for (entry *c = table[bucket]; c != NULL; c = c->next) {
        if (++length == MAX_CHAIN && c->next != NULL) {
          entry *dropped = c->next;
          c->next = dropped->next;
          release(dropped->key);
          release(dropped);
          break;
        }
      }
    }
    pthread_mutex_unlock(stripe);
  }
}

int table_run(void) {
  for (int i = 0; i < STRIPES; i++) pthread_mutex_init(&stripes[i], NULL);
  table = new_scan(BUCKETS * sizeof *table);
  if (allocator == STRATA && strata_gc_add_roots(heap, &table, &table + 1) != 0) out_of_memory();
  on_threads(work);
  size_t entries = 0;
  int bad = 0;
  for (size_t b = 0; b < BUCKETS; b++) {
    for (entry *e = table[b]; e != NULL; e = e->next, entries++) {
      uint64_t h = hash_of(e->key);
      if (h % BUCKETS != b || e->value != h * CHECK) bad++;
    }
  }
  if (bad != 0 || entries < BUCKETS) {
    fprintf(stderr, "gcbench: the table lost entries (%d wrong, %zu in all)\n", bad, entries);
    return 1;
  }
  if (allocator == MALLOC) {
    for (size_t b = 0; b < BUCKETS; b++) {
      entry *e = table[b];
      while (e != NULL) {
        entry *next = e->next;
        free(e->key);
        free(e);
        e = next;
      }
    }
    free(table);
  }
  if (allocator == STRATA) strata_gc_remove_roots(heap, &table, &table + 1);
  return 0;
}
