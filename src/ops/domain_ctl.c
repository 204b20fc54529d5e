/*
 * ops/domain_ctl.c: domain control, the per-domain settings and requests
 * that are not life-cycle operations (memory, vcpus and affinity,
 * triggers, userdata, the stored configuration, the device model's
 * monitor): issue 16. Placeholders for now, except the two pure helpers
 * and the list_free functions; no state, nothing of another family.
 */
#include <stdlib.h>

#include <xenctrl.h>

#include "ops/not_implemented.h"

/* Every id below the reserved range, except dom0's. */
int libxl_domid_valid_guest(uint32_t domid)
{
    return domid > 0 && domid < DOMID_FIRST_RESERVED;
}

/* 256 pages per vcpu and 2 pages per MiB of guest memory, in KiB. */
unsigned long libxl_get_required_shadow_memory(unsigned long maxmem_kb,
                                               unsigned int smp_cpus)
{
    return 4 * (256 * smp_cpus + 2 * (maxmem_kb / 1024));
}

NOT_IMPLEMENTED(libxl_domain_core_dump, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid, const char *filename,
                 const libxl_asyncop_how *ao_how))


/* The lists this family returns. */

void libxl_vcpuinfo_list_free(libxl_vcpuinfo *list, int nr_vcpus)
{
    if (!list) return;
    for (int i = 0; i < nr_vcpus; i++)
        libxl_vcpuinfo_dispose(&list[i]);
    free(list);
}

void libxl_vminfo_list_free(libxl_vminfo *list, int nb_vm)
{
    if (!list) return;
    for (int i = 0; i < nb_vm; i++)
        libxl_vminfo_dispose(&list[i]);
    free(list);
}
