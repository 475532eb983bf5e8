/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* mksizeclasses: prints strata's size-class table.
 *
 *   mksizeclasses --header   prints sizeclass_generated.h
 *   mksizeclasses --source   prints sizeclass_table.c
 *
 * Both outputs are checked in; sizeclass_table_test fails when they differ
 * from what this program prints now, so the table is never edited by hand.
 *
 * How the classes are chosen
 * --------------------------
 * Candidate sizes walk up from 8 bytes in steps that grow with the size, so
 * that the gap between neighbouring classes stays near 1/8 of the size: 8 up
 * to 32, then 16 up to 128, then size/8 up to 2048 (so 128 from 1024 on),
 * then 256 up to the 32 KiB limit. A step of at least 16 from 32 bytes on is
 * also what keeps every object of 16 bytes or more 16-byte aligned.
 *
 * For each candidate the span length is the fewest 8 KiB pages whose tail,
 * the bytes left over after cutting the span into objects, is at most 1/8 of
 * the span. A candidate that needs the same pages and yields the same number
 * of objects as the previous class replaces that class: it costs no more
 * memory per span and serves more requests.
 *
 * Last, each class grows to the largest size that still fits the same number
 * of objects in its span (keeping its alignment step), which turns tail waste
 * into usable bytes.
 *
 * The lookup tables index by (size + 7) / 8 up to 1024 bytes (a second
 * such table starts at the 16-byte class) and by
 * (size - 1024 + 127) / 128 above; every class boundary above 1024 is
 * therefore a multiple of 128, which this program checks.
 *
 * The division magic lets the span layer turn a byte offset into an object
 * index without a divide: index = (offset * magic) >> 32, exact for every
 * offset inside a span (checked here and by the tests). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arith.h"
#include "base/constants.h"

#define MAX_CLASSES 128
#define SMALL_LOOKUP_LIMIT 1024
#define SMALL_LOOKUP_STEP 8
#define LARGE_LOOKUP_STEP 128

typedef struct size_class {
  uint32_t size;
  uint32_t pages;
  uint32_t objects;
  uint32_t step; /* the alignment step the size was chosen on */
} size_class;

static size_class classes[MAX_CLASSES]; /* classes[0] means "large" */
static int class_count = 1;

static void fail(const char *what, uint32_t size) {
  fprintf(stderr, "mksizeclasses: %s (size %" PRIu32 ")\n", what, size);
  exit(1);
}

static uint32_t step_for(uint32_t size, uint32_t current) {
  if (!strata_is_power_of_two(size)) return current;
  if (size >= 2048) return 256;
  if (size >= 128) return size / 8;
  if (size >= 32) return 16;
  return current;
}

static uint32_t pages_for(uint32_t size) {
  uint32_t span = STRATA_PAGE_SIZE;
  while (span % size > span / 8) span += STRATA_PAGE_SIZE;
  return span / STRATA_PAGE_SIZE;
}

static void choose_classes(void) {
  uint32_t step = 8;
  for (uint32_t size = 8; size <= STRATA_MAX_SMALL_SIZE; size += step) {
    step = step_for(size, step);
    uint32_t pages = pages_for(size);
    uint32_t objects = pages * STRATA_PAGE_SIZE / size;
    size_class *prev = &classes[class_count - 1];
    if (class_count > 1 && prev->pages == pages && prev->objects == objects) {
      prev->size = size;
      prev->step = step;
      continue;
    }
    if (class_count == MAX_CLASSES) fail("too many classes", size);
    classes[class_count++] = (size_class){size, pages, objects, step};
  }
}

static void grow_classes(void) {
  for (int c = 1; c < class_count; c++) {
    size_class *k = &classes[c];
    uint32_t span = k->pages * STRATA_PAGE_SIZE;
    uint32_t align = k->size > SMALL_LOOKUP_LIMIT ? LARGE_LOOKUP_STEP : k->step;
    uint32_t grown = span / k->objects / align * align;
    if (c + 1 < class_count && grown >= classes[c + 1].size) continue;
    if (grown > k->size) k->size = grown;
  }
}

/* The multiply-shift magic for dividing offsets in [0, span) by size. */
static uint32_t div_magic(uint32_t size) { return (uint32_t)(UINT32_MAX / size + 1); }

static uint32_t largest_power_of_two_dividing(uint32_t n) { return n & -n; }

static void check_classes(void) {
  for (int c = 1; c < class_count; c++) {
    const size_class *k = &classes[c];
    uint32_t span = k->pages * STRATA_PAGE_SIZE;
    uint32_t prev = classes[c - 1].size;
    if (k->size <= prev) fail("sizes not increasing", k->size);
    if ((span - k->objects * k->size) * 8 > span) fail("tail waste above 1/8", k->size);
    if (prev >= SMALL_LOOKUP_LIMIT && k->size % LARGE_LOOKUP_STEP != 0)
      fail("class above 1024 bytes not on a 128-byte boundary", k->size);
    if (k->size % SMALL_LOOKUP_STEP != 0) fail("class not a multiple of 8", k->size);
    /* Every request n in (prev, size] must find its object aligned to
     * min(16, largest power of two dividing n). Objects sit at multiples of
     * size from a page boundary, so size itself must be a multiple of it. */
    for (uint32_t n = prev + 1; n <= k->size; n++) {
      uint32_t want = largest_power_of_two_dividing(n);
      if (want > STRATA_MAX_NATURAL_ALIGN) want = STRATA_MAX_NATURAL_ALIGN;
      if (k->size % want != 0) fail("class does not keep natural alignment", k->size);
    }
    uint32_t magic = div_magic(k->size);
    for (uint32_t off = 0; off < span; off++) {
      if ((uint32_t)(((uint64_t)off * magic) >> 32) != off / k->size)
        fail("division magic inexact", k->size);
    }
  }
}

static int class_for(uint32_t size) {
  for (int c = 1; c < class_count; c++)
    if (classes[c].size >= size) return c;
  return 0;
}

static void print_header(void) {
  printf("/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */\n");
  printf("/* Generated by mksizeclasses --header. Do not edit. */\n");
  printf("#ifndef STRATA_SIZECLASS_GENERATED_H_\n");
  printf("#define STRATA_SIZECLASS_GENERATED_H_\n\n");
  printf("/* Size classes, counting class 0 (\"not a small size\"). */\n");
  printf("#define STRATA_SIZE_CLASS_COUNT %d\n", class_count);
  printf("#define STRATA_SIZE_CLASS_BY_8_LEN %d\n",
         SMALL_LOOKUP_LIMIT / SMALL_LOOKUP_STEP + 1);
  printf("#define STRATA_SIZE_CLASS_BY_128_LEN %d\n\n",
         (STRATA_MAX_SMALL_SIZE - SMALL_LOOKUP_LIMIT) / LARGE_LOOKUP_STEP + 1);
  printf("#endif /* STRATA_SIZECLASS_GENERATED_H_ */\n");
}

static void print_table_row(int c) {
  const size_class *k = &classes[c];
  uint32_t span = k->pages * STRATA_PAGE_SIZE;
  uint32_t tail = span - k->objects * k->size;
  uint32_t prev = classes[c - 1].size;
  /* Worst case for a request: the smallest size this class serves. */
  double round_waste = 100.0 * (k->size - prev - 1) / k->size;
  printf("    {%5" PRIu32 ", %u, %4" PRIu32 ", 0x%08" PRIx32
         "u},  /* %2d: tail %4" PRIu32 " B (%4.1f%%), rounding <= %4.1f%% */\n",
         k->size, k->pages, k->objects, div_magic(k->size), c, tail,
         100.0 * tail / span, round_waste);
}

static void print_source(void) {
  printf("/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */\n");
  printf("/* Generated by mksizeclasses --source. Do not edit. */\n");
  printf("#include \"sizeclass/sizeclass.h\"\n\n");
  printf("/* size, pages per span, objects per span, division magic */\n");
  printf("const strata_size_class_info strata_size_classes[STRATA_SIZE_CLASS_COUNT] = {\n");
  printf("    {0, 0, 0, 0},  /* 0: not a small size */\n");
  for (int c = 1; c < class_count; c++) print_table_row(c);
  printf("};\n\n");

  printf("/* class of size s <= 1024 is at (s + 7) / 8 */\n");
  printf("const uint8_t strata_size_class_by_8[STRATA_SIZE_CLASS_BY_8_LEN] = {");
  for (uint32_t i = 0; i <= SMALL_LOOKUP_LIMIT / SMALL_LOOKUP_STEP; i++) {
    uint32_t size = i == 0 ? 1 : i * SMALL_LOOKUP_STEP;
    printf("%s%d,", i % 16 == 0 ? "\n    " : " ", class_for(size));
  }
  printf("\n};\n\n");

  printf("/* the same, with sizes below 16 on the 16-byte class */\n");
  printf("const uint8_t strata_size_class_min16_by_8[STRATA_SIZE_CLASS_BY_8_LEN] = {");
  for (uint32_t i = 0; i <= SMALL_LOOKUP_LIMIT / SMALL_LOOKUP_STEP; i++) {
    uint32_t size = i * SMALL_LOOKUP_STEP < 16 ? 16 : i * SMALL_LOOKUP_STEP;
    printf("%s%d,", i % 16 == 0 ? "\n    " : " ", class_for(size));
  }
  printf("\n};\n\n");

  printf("/* class of size 1024 < s <= 32768 is at (s - 1024 + 127) / 128 */\n");
  printf("const uint8_t strata_size_class_by_128[STRATA_SIZE_CLASS_BY_128_LEN] = {");
  for (uint32_t i = 0; i <= (STRATA_MAX_SMALL_SIZE - SMALL_LOOKUP_LIMIT) / LARGE_LOOKUP_STEP; i++) {
    uint32_t size = SMALL_LOOKUP_LIMIT + i * LARGE_LOOKUP_STEP;
    printf("%s%d,", i % 16 == 0 ? "\n    " : " ", class_for(size));
  }
  printf("\n};\n");
}

int main(int argc, char **argv) {
  if (argc != 2 || (strcmp(argv[1], "--header") != 0 && strcmp(argv[1], "--source") != 0)) {
    fprintf(stderr, "usage: mksizeclasses --header | --source\n");
    return 2;
  }
  choose_classes();
  grow_classes();
  check_classes();
  if (strcmp(argv[1], "--header") == 0)
    print_header();
  else
    print_source();
  return 0;
}
