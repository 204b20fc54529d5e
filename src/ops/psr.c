/*
 * ops/psr.c: Intel platform shared resource monitoring and allocation
 * (x86 only, as in libxl 4.17). Placeholders for now, except the
 * list_free functions; no state, nothing of another family.
 */
#include <stdlib.h>

#include "ops/not_implemented.h"

#if defined(__i386__) || defined(__x86_64__)

/* The lists this family returns. */

void libxl_psr_cat_info_list_free(libxl_psr_cat_info *list, int nr)
{
    if (!list) return;
    for (int i = 0; i < nr; i++)
        libxl_psr_cat_info_dispose(&list[i]);
    free(list);
}

void libxl_psr_hw_info_list_free(libxl_psr_hw_info *list, unsigned int nr)
{
    if (!list) return;
    for (unsigned int i = 0; i < nr; i++)
        libxl_psr_hw_info_dispose(&list[i]);
    free(list);
}

#endif /* x86 */
