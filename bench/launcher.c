/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* launcher COMMAND ARGS...: runs COMMAND as a grandchild of the harness and
 * reports its resource use on stderr as the last line:
 *
 *   launcher: status=0 cpu_s=0.123 peak_rss_kib=4567 vcsw=12 ivcsw=3 minflt=890
 *
 * Why a launcher: a process's peak RSS counts the memory of whoever forked
 * it up to exec, so a workload forked straight from the Python harness would
 * report the harness's RSS. Forked from this small program, it reports its
 * own.
 *
 * vcsw counts the times the process's threads blocked (a futex sleep on a
 * contended lock, for one), ivcsw the times they were preempted or yielded,
 * minflt the pages first touched (minor faults). */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: launcher COMMAND [ARGS...]\n");
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    execv(argv[1], argv + 1);
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) != pid) return 2;
  double cpu = (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
               (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  fprintf(stderr, "launcher: status=%d cpu_s=%.4f peak_rss_kib=%ld vcsw=%ld ivcsw=%ld minflt=%ld\n",
          code, cpu, usage.ru_maxrss, usage.ru_nvcsw, usage.ru_nivcsw, usage.ru_minflt);
  return code;
}
