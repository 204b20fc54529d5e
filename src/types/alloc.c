/*
 * types/alloc.c: the allocation helper of the generated type code (copies
 * and parsed arrays). Like libxl, it aborts when memory runs out rather
 * than hand back a half-built value.
 */
#include <stdio.h>
#include <stdlib.h>

#include "types/types_internal.h"

void *lc_calloc_array(int n, size_t size)
{
    void *p;

    if (n <= 0)
        return NULL;
    p = calloc((size_t)n, size);
    if (!p) {
        fprintf(stderr, "lightcore: out of memory for an array of %d\n", n);
        abort();
    }
    return p;
}
