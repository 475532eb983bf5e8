#include <mimalloc.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  char *p = mi_malloc(100);
  if (p == NULL || !mi_is_in_heap_region(p) || mi_usable_size(p) < 100) {
    printf("0 passed, 1 failed\n");
    return 1;
  }
  memset(p, 1, 100);
  mi_free(p);
  printf("mimalloc %d: 1 passed, 0 failed\n", mi_version());
  return 0;
}
