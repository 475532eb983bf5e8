/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* strata's version. The numbers follow semantic versioning: MAJOR changes
 * when the ABI of libstrata.so changes incompatibly (its soname is
 * libstrata.so.<MAJOR>), MINOR when functions are added (each exported
 * symbol carries the version node STRATA_<MAJOR>.<MINOR> of the release
 * that added it), PATCH for fixes. This header is the one place they are
 * written: scripts/install reads them from here for the package, the
 * pkg-config file and strata-run --version. */
#ifndef STRATA_BASE_VERSION_H_
#define STRATA_BASE_VERSION_H_

#define STRATA_VERSION_MAJOR 0
#define STRATA_VERSION_MINOR 1
#define STRATA_VERSION_PATCH 0

/* One number to compare with: 100 * 100 * MAJOR + 100 * MINOR + PATCH
 * (0.1.0 is 100). */
#define STRATA_VERSION \
  (STRATA_VERSION_MAJOR * 10000 + STRATA_VERSION_MINOR * 100 + STRATA_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the strata a program runs on, "MAJOR.MINOR.PATCH": which
 * may differ from the headers it was built with (STRATA_VERSION) when it
 * links libstrata.so. Static storage; never NULL. */
const char *strata_version(void);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_BASE_VERSION_H_ */
