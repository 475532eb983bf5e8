/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include "base/version.h"

#define STRATA_STRING_(x) #x
#define STRATA_STRING(x) STRATA_STRING_(x)

const char *strata_version(void) {
  return STRATA_STRING(STRATA_VERSION_MAJOR) "." STRATA_STRING(STRATA_VERSION_MINOR) "."
      STRATA_STRING(STRATA_VERSION_PATCH);
}
