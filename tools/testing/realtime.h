/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
// Real-time scheduling for the tests of the priority case (a SCHED_FIFO
// thread beside an ordinary one on one CPU): header only.
#ifndef STRATA_TOOLS_TESTING_REALTIME_H_
#define STRATA_TOOLS_TESTING_REALTIME_H_

#include <pthread.h>
#include <sched.h>

namespace strata_testing {

// Pins the calling thread to CPU 0; false when refused.
inline bool PinToCpu0() {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Pins the calling thread to CPU 0 and makes it SCHED_FIFO at the lowest
// real-time priority; false when either is refused (no CAP_SYS_NICE, an
// RLIMIT_RTPRIO of 0): the test then skips, saying so.
inline bool BecomeRealTimeOnCpu0() {
  sched_param param{};
  param.sched_priority = 1;
  return PinToCpu0() && pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) == 0;
}

}  // namespace strata_testing

#endif  // STRATA_TOOLS_TESTING_REALTIME_H_
