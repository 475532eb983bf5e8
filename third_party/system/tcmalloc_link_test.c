#include <gperftools/tcmalloc.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  void *p = tc_malloc(100);
  if (p == NULL || tc_malloc_size(p) < 100) {
    printf("0 passed, 1 failed\n");
    return 1;
  }
  memset(p, 1, 100);
  tc_free(p);
  printf("tcmalloc %s: 1 passed, 0 failed\n", tc_version(NULL, NULL, NULL));
  return 0;
}
