/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include "base/status.h"

const char *strata_status_str(strata_status status) {
  switch (status) {
    case STRATA_OK:
      return "ok";
    case STRATA_ERR_INVALID_ARGUMENT:
      return "invalid argument";
    case STRATA_ERR_OUT_OF_MEMORY:
      return "out of memory";
    case STRATA_ERR_LIMIT:
      return "limit reached";
    case STRATA_ERR_NOT_OWNED:
      return "not owned";
    case STRATA_ERR_INTERIOR_POINTER:
      return "interior pointer";
    case STRATA_ERR_DOUBLE_FREE:
      return "double free";
    case STRATA_ERR_CORRUPT:
      return "heap corrupt";
    case STRATA_ERR_UNSUPPORTED:
      return "not supported";
    case STRATA_ERR_IO:
      return "input/output error";
  }
  return "unknown status";
}
