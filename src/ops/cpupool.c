/*
 * ops/cpupool.c: cpupools, their names and ids, and moving cpus and
 * domains between them. Placeholders for now, except
 * libxl_cpupoolinfo_list_free; no state, nothing of another family.
 */
#include <stdlib.h>

#include "ops/not_implemented.h"

/* The lists this family returns. */

void libxl_cpupoolinfo_list_free(libxl_cpupoolinfo *list, int nb_pool)
{
    if (!list) return;
    for (int i = 0; i < nb_pool; i++)
        libxl_cpupoolinfo_dispose(&list[i]);
    free(list);
}
