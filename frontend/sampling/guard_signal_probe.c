/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* A program that links the profiled override library, run with
 * STRATA_GUARD_RATE set by guard_signal_test.sh: SIGSEGV that the guard's
 * fault handler does not own must reach whatever would have had it
 * without the guard.
 *
 *   guard_signal_probe raise|kill|sigqueue   sends itself SIGSEGV: must die of it
 *   guard_signal_probe wait                  waits for a SIGSEGV from outside
 *   guard_signal_probe chain-sent|chain-fault
 *       installs a handler before strata starts, then sends itself
 *       SIGSEGV or faults outside the heap: the handler must run (exit 42)
 *   guard_signal_probe ignored               SIGSEGV ignored before strata
 *       starts: a sent one stays ignored (exit 0)
 *
 * Prints "survived" and exits 0 where the signal was lost. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void previous_handler(int signal_number, siginfo_t *info, void *context) {
  (void)context;
  char line[96];
  int n = snprintf(line, sizeof line, "previous handler: signal %d, code %d\n", signal_number,
                   info->si_code);
  ssize_t written = write(STDOUT_FILENO, line, (size_t)n);
  (void)written;
  _exit(42);
}

/* Starts strata (its guard installs its handler) and checks that the
 * guard's handler is now the one installed. */
static void start_strata(void) {
  void *volatile p = malloc(64);
  free(p);
  struct sigaction now;
  sigaction(SIGSEGV, NULL, &now);
  if (now.sa_sigaction == previous_handler || now.sa_handler == SIG_IGN ||
      now.sa_handler == SIG_DFL) {
    printf("the guard's handler is not installed: strata started before main?\n");
    exit(3);
  }
}

/* The handling before strata's, installed before anything can allocate:
 * the C++ runtime (which strata's operators bring in) allocates in its
 * own initialisers, and an executable's .preinit_array runs before any
 * shared library's. */
static void install_previous(int argc, char **argv, char **envp) {
  (void)envp;
  const char *mode = argc > 1 ? argv[1] : "";
  if (strncmp(mode, "chain", 5) == 0) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = previous_handler;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, NULL);
  } else if (strcmp(mode, "ignored") == 0) {
    signal(SIGSEGV, SIG_IGN);
  }
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit)(int, char **,
                                                                             char **) =
    install_previous;

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  start_strata();
  if (strcmp(mode, "raise") == 0 || strcmp(mode, "chain-sent") == 0 ||
      strcmp(mode, "ignored") == 0) {
    raise(SIGSEGV);
  } else if (strcmp(mode, "kill") == 0) {
    kill(getpid(), SIGSEGV);
  } else if (strcmp(mode, "sigqueue") == 0) {
    union sigval value = {.sival_int = 7};
    sigqueue(getpid(), SIGSEGV, value);
  } else if (strcmp(mode, "wait") == 0) {
    printf("waiting\n");
    fflush(stdout);
    for (int i = 0; i < 100; i++) usleep(100000); /* 10 s at most */
  } else if (strcmp(mode, "chain-fault") == 0) {
    volatile uintptr_t nowhere = 16; /* far below any mapping; opaque to the compiler */
    *(volatile int *)nowhere = 1;
  } else {
    fprintf(stderr, "usage: guard_signal_probe raise|kill|sigqueue|wait|chain-sent|chain-fault|ignored\n");
    return 2;
  }
  printf("survived\n");
  return 0;
}
