#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  const char *version = NULL;
  size_t len = sizeof version;
  void *p = mallocx(100, 0);
  if (p == NULL || sallocx(p, 0) < 100 || mallctl("version", &version, &len, NULL, 0) != 0) {
    printf("0 passed, 1 failed\n");
    return 1;
  }
  memset(p, 1, 100);
  dallocx(p, 0);
  printf("jemalloc %s: 1 passed, 0 failed\n", version);
  return 0;
}
