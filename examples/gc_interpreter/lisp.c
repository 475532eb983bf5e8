/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* A tiny Lisp on strata's GC heap: the shape of an interpreter's runtime.
 *
 * Cons cells, closures and environments hold pointers: they are
 * STRATA_GC_SCAN objects. Symbol names and strings are bytes only:
 * STRATA_GC_NOSCAN, so the collector never reads them. The interpreter keeps
 * no reference counts and frees nothing; its roots are
 *   - the global environment and the symbol table, two globals registered
 *     with strata_gc_add_roots;
 *   - whatever its C functions hold in locals while they evaluate: the heap
 *     scans the evaluating thread's stack (scan_stack), as a runtime on
 *     Boehm's collector does.
 *
 * Runs as a test: it evaluates a program that builds and drops thousands
 * of lists and strings, checks the answers, and checks that the heap
 * collected and that little is left alive at the end. Exit status 0 means
 * all held. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/gc/strata_gc.h"

typedef enum { NIL, INT, SYMBOL, STRING, CONS, PRIM, LAMBDA } type;

typedef struct value value;
typedef value *(*primitive)(value *args);

/* Every value is a heap object; a string's bytes are a separate noscan
 * object, so the collector reads the pointer but never the text. */
struct value {
  type type;
  union {
    int64_t number;
    struct { const char *text; size_t length; } string; /* SYMBOL, STRING */
    struct { value *car, *cdr; } cons;
    primitive prim;
    struct { value *params, *body, *env; } lambda;
  } as;
};

static strata_gc_heap *heap;
static value *nil;      /* roots: registered below */
static value *symbols;  /* a list of every symbol, for interning */
static value *globals;  /* the global environment: ((symbol . value) ...) */

static void fail(const char *what) {
  fprintf(stderr, "lisp: %s\n", what);
  exit(1);
}

static value *make(type t) {
  value *v = strata_gc_alloc(heap, sizeof(value), STRATA_GC_SCAN);
  if (v == NULL) fail("out of memory");
  v->type = t;
  return v;
}

static value *number(int64_t n) {
  value *v = make(INT);
  v->as.number = n;
  return v;
}

static value *cons(value *car, value *cdr) {
  value *v = make(CONS);
  v->as.cons.car = car;
  v->as.cons.cdr = cdr;
  return v;
}

static value *text(type t, const char *bytes, size_t length) {
  char *copy = strata_gc_alloc(heap, length + 1, STRATA_GC_NOSCAN);
  if (copy == NULL) fail("out of memory");
  memcpy(copy, bytes, length);
  copy[length] = '\0';
  value *v = make(t);
  v->as.string.text = copy;
  v->as.string.length = length;
  return v;
}

static value *intern(const char *name, size_t length) {
  for (value *s = symbols; s != nil; s = s->as.cons.cdr) {
    value *sym = s->as.cons.car;
    if (sym->as.string.length == length && memcmp(sym->as.string.text, name, length) == 0) return sym;
  }
  value *sym = text(SYMBOL, name, length);
  symbols = cons(sym, symbols);
  return sym;
}

#define CAR(v) ((v)->as.cons.car)
#define CDR(v) ((v)->as.cons.cdr)

/* ---- reader ---- */
static const char *cursor;

static void skip_space(void) {
  while (*cursor == ' ' || *cursor == '\n' || *cursor == '\t') cursor++;
}

static value *read_form(void);

static value *read_list(void) {
  skip_space();
  if (*cursor == ')') {
    cursor++;
    return nil;
  }
  value *head = read_form();
  value *tail = read_list();
  return cons(head, tail);
}

static value *read_form(void) {
  skip_space();
  if (*cursor == '(') {
    cursor++;
    return read_list();
  }
  if (*cursor == '\'') {
    cursor++;
    value *quoted = read_form();
    return cons(intern("quote", 5), cons(quoted, nil));
  }
  if (*cursor == '"') {
    const char *start = ++cursor;
    while (*cursor != '"') cursor++;
    return text(STRING, start, (size_t)(cursor++ - start));
  }
  const char *start = cursor;
  while (*cursor && !strchr(" \n\t()", *cursor)) cursor++;
  char *end = NULL;
  long long n = strtoll(start, &end, 10);
  if (end == cursor && end != start && !(end - start == 1 && *start == '-')) return number(n);
  return intern(start, (size_t)(cursor - start));
}

/* ---- evaluator ---- */
static value *lookup(value *env, value *sym) {
  for (; env != nil; env = CDR(env)) {
    if (CAR(CAR(env)) == sym) return CAR(env);
  }
  for (value *g = globals; g != nil; g = CDR(g)) {
    if (CAR(CAR(g)) == sym) return CAR(g);
  }
  fprintf(stderr, "lisp: unbound %s\n", sym->as.string.text);
  exit(1);
}

static value *eval(value *form, value *env);

static value *eval_list(value *forms, value *env) {
  if (forms == nil) return nil;
  value *first = eval(CAR(forms), env);
  value *rest = eval_list(CDR(forms), env);
  return cons(first, rest);
}

static int is(value *form, const char *name) {
  return form->type == SYMBOL && strcmp(form->as.string.text, name) == 0;
}

static value *eval(value *form, value *env) {
  for (;;) {
    if (form->type == SYMBOL) return CDR(lookup(env, form));
    if (form->type != CONS) return form;
    value *op = CAR(form), *args = CDR(form);
    if (is(op, "quote")) return CAR(args);
    if (is(op, "if")) {
      value *test = eval(CAR(args), env);
      form = test != nil ? CAR(CDR(args)) : CAR(CDR(CDR(args)));
      continue; /* a tail call: no C stack for loops */
    }
    if (is(op, "define")) {
      value *target = CAR(args);
      value *binding;
      if (target->type == CONS) { /* (define (f args) body) */
        value *fn = make(LAMBDA);
        fn->as.lambda.params = CDR(target);
        fn->as.lambda.body = CAR(CDR(args));
        fn->as.lambda.env = env;
        binding = cons(CAR(target), fn);
      } else {
        binding = cons(target, eval(CAR(CDR(args)), env));
      }
      globals = cons(binding, globals);
      return CAR(binding);
    }
    if (is(op, "lambda")) {
      value *fn = make(LAMBDA);
      fn->as.lambda.params = CAR(args);
      fn->as.lambda.body = CAR(CDR(args));
      fn->as.lambda.env = env;
      return fn;
    }
    value *fn = eval(op, env);
    value *values = eval_list(args, env);
    if (fn->type == PRIM) return fn->as.prim(values);
    if (fn->type != LAMBDA) fail("not a function");
    value *frame = fn->as.lambda.env;
    for (value *p = fn->as.lambda.params; p != nil; p = CDR(p), values = CDR(values)) {
      frame = cons(cons(CAR(p), CAR(values)), frame);
    }
    form = fn->as.lambda.body;
    env = frame;
  }
}

/* ---- primitives ---- */
static int64_t arg(value *args, int i) {
  while (i-- > 0) args = CDR(args);
  if (CAR(args)->type != INT) fail("not a number");
  return CAR(args)->as.number;
}
static value *truth(int b) { return b ? intern("t", 1) : nil; }
static value *p_add(value *a) { return number(arg(a, 0) + arg(a, 1)); }
static value *p_sub(value *a) { return number(arg(a, 0) - arg(a, 1)); }
static value *p_mul(value *a) { return number(arg(a, 0) * arg(a, 1)); }
static value *p_div(value *a) {
  if (arg(a, 1) == 0) fail("division by zero");
  return number(arg(a, 0) / arg(a, 1));
}
static value *p_less(value *a) { return truth(arg(a, 0) < arg(a, 1)); }
static value *p_equal(value *a) { return truth(arg(a, 0) == arg(a, 1)); }
static value *p_cons(value *a) { return cons(CAR(a), CAR(CDR(a))); }
static value *p_car(value *a) { return CAR(CAR(a)); }
static value *p_cdr(value *a) { return CDR(CAR(a)); }
static value *p_null(value *a) { return truth(CAR(a) == nil); }
static value *p_length(value *a) { return number((int64_t)CAR(a)->as.string.length); }
static value *p_to_string(value *a) {
  char buffer[32];
  int n = snprintf(buffer, sizeof buffer, "%lld", (long long)arg(a, 0));
  return text(STRING, buffer, (size_t)n);
}
static value *p_append(value *a) {
  value *x = CAR(a), *y = CAR(CDR(a));
  size_t length = x->as.string.length + y->as.string.length;
  char *joined = strata_gc_alloc(heap, length + 1, STRATA_GC_NOSCAN);
  if (joined == NULL) fail("out of memory");
  memcpy(joined, x->as.string.text, x->as.string.length);
  memcpy(joined + x->as.string.length, y->as.string.text, y->as.string.length + 1);
  value *v = make(STRING);
  v->as.string.text = joined;
  v->as.string.length = length;
  return v;
}

static void define_prim(const char *name, primitive fn) {
  value *p = make(PRIM);
  p->as.prim = fn;
  globals = cons(cons(intern(name, strlen(name)), p), globals);
}

static value *run(const char *program) {
  cursor = program;
  value *result = nil;
  for (skip_space(); *cursor; skip_space()) result = eval(read_form(), nil);
  return result;
}

static const char program[] =
    "(define (range n) (if (= n 0) '() (cons n (range (- n 1)))))\n"
    "(define (map f l) (if (null? l) '() (cons (f (car l)) (map f (cdr l)))))\n"
    "(define (sum l) (if (null? l) 0 (+ (car l) (sum (cdr l)))))\n"
    "(define (squares n) (sum (map (lambda (x) (* x x)) (range n))))\n"
    "(define (loop i acc) (if (= i 0) acc (loop (- i 1) (+ acc (squares 100)))))\n"
    "(define (digits i s) (if (= i 0) s (digits (- i 1) (string-append s (number->string (- i (* 10 (/ i 10))))))))\n";

int main(void) {
  strata_gc_options options = strata_gc_default_options();
  options.scan_stack = true;
  options.min_heap_bytes = 1 << 20;
  heap = strata_gc_create(&options);
  if (heap == NULL) fail("no heap");
  if (strata_gc_add_roots(heap, &nil, &nil + 1) != 0 ||
      strata_gc_add_roots(heap, &symbols, &symbols + 1) != 0 ||
      strata_gc_add_roots(heap, &globals, &globals + 1) != 0) {
    fail("no room for roots");
  }
  nil = make(NIL);
  symbols = globals = nil;
  define_prim("+", p_add);
  define_prim("-", p_sub);
  define_prim("*", p_mul);
  define_prim("/", p_div);
  define_prim("<", p_less);
  define_prim("=", p_equal);
  define_prim("cons", p_cons);
  define_prim("car", p_car);
  define_prim("cdr", p_cdr);
  define_prim("null?", p_null);
  define_prim("string-length", p_length);
  define_prim("number->string", p_to_string);
  define_prim("string-append", p_append);
  run(program);

  int failures = 0;
  /* 2000 rounds of a 100-element list, its squares and their sum. */
  value *sum = run("(loop 2000 0)");
  if (sum->type != INT || sum->as.number != 2000 * 338350) {
    fprintf(stderr, "lisp: (loop 2000 0) gave %lld\n", (long long)sum->as.number);
    failures++;
  }
  /* A string grown one character at a time: each step a new noscan copy. */
  value *s = run("(string-length (digits 3000 \"\"))");
  if (s->type != INT || s->as.number != 3000) failures++;

  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  printf("allocated %.1f MiB in %llu collections, longest pause %.2f ms\n",
         stats.allocated_bytes / 1048576.0, (unsigned long long)stats.collections,
         stats.max_pause_ns / 1e6);
  if (stats.collections == 0) failures++;
  /* What is left is the program and the symbols: well under a MiB. */
  strata_gc_collect(heap);
  strata_gc_get_stats(heap, &stats);
  printf("live after a last collection: %zu bytes\n", stats.live_bytes);
  if (stats.live_bytes > (1u << 20)) failures++;
  if (strata_gc_check(heap) != 0) failures++;
  strata_gc_destroy(heap);
  printf("%s\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
