/* strata_zero_untouched: clear memory without touching what is already
 * zero.
 *
 * Large layer structs (an arena set's index, a page map's root, the central
 * lists) usually live in static storage or fresh mmap'd memory, which reads
 * as zero and costs no resident memory until written. A memset would write
 * every page and make all of it resident; reading first and writing only
 * the words that are not zero keeps untouched pages free. */
#ifndef STRATA_BASE_ZERO_H_
#define STRATA_BASE_ZERO_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void strata_zero_untouched(void *p, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_BASE_ZERO_H_ */
