/*
 * ops/host_ctl.c: host control, the calls about the machine as a whole
 * (physinfo, topology, free memory, the hypervisor's console, debug keys
 * and parameters): issue 16. Placeholders for now, except the topology
 * list_free functions; it keeps no state and touches no other family's.
 */
#include <stdlib.h>

#include "ops/not_implemented.h"

NOT_IMPLEMENTED(libxl_get_physinfo, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_physinfo *physinfo))

NOT_IMPLEMENTED(libxl_get_online_cpus, int, ERROR_NI, ctx,
                (libxl_ctx *ctx))

NOT_IMPLEMENTED(libxl_get_cpu_topology, libxl_cputopology *, NULL, ctx,
                (libxl_ctx *ctx, int *nb_cpu_out))

NOT_IMPLEMENTED(libxl_get_pci_topology, libxl_pcitopology *, NULL, ctx,
                (libxl_ctx *ctx, int *num_devs))

NOT_IMPLEMENTED(libxl_get_numainfo, libxl_numainfo *, NULL, ctx,
                (libxl_ctx *ctx, int *nr))

NOT_IMPLEMENTED(libxl_get_free_memory, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint64_t *memkb))

NOT_IMPLEMENTED(libxl_get_free_memory_0x040700, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t *memkb))

NOT_IMPLEMENTED(libxl_send_debug_keys, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, char *keys))

NOT_IMPLEMENTED(libxl_set_parameters, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, char *params))

NOT_IMPLEMENTED(libxl_xen_console_read_start, libxl_xen_console_reader *, NULL, ctx,
                (libxl_ctx *ctx, int clear))

NOT_IMPLEMENTED(libxl_xen_console_read_line, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_xen_console_reader *cr, char **line_r))

NOT_IMPLEMENTED(libxl_xen_console_read_finish, void, , ctx,
                (libxl_ctx *ctx, libxl_xen_console_reader *cr))

NOT_IMPLEMENTED(libxl_clear_domid_history, int, ERROR_NI, ctx,
                (libxl_ctx *ctx))

NOT_IMPLEMENTED(libxl_get_online_socketmap, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_bitmap *socketmap))

NOT_IMPLEMENTED(libxl_nodemap_to_cpumap, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, const libxl_bitmap *nodemap,
                 libxl_bitmap *cpumap))

NOT_IMPLEMENTED(libxl_node_to_cpumap, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, int node, libxl_bitmap *cpumap))

NOT_IMPLEMENTED(libxl_cpumap_to_nodemap, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, const libxl_bitmap *cpumap,
                 libxl_bitmap *nodemap))

/* The lists this family returns. */

void libxl_cputopology_list_free(libxl_cputopology *list, int nb_cpu)
{
    if (!list) return;
    for (int i = 0; i < nb_cpu; i++)
        libxl_cputopology_dispose(&list[i]);
    free(list);
}

void libxl_pcitopology_list_free(libxl_pcitopology *list, int num_devs)
{
    if (!list) return;
    for (int i = 0; i < num_devs; i++)
        libxl_pcitopology_dispose(&list[i]);
    free(list);
}

void libxl_numainfo_list_free(libxl_numainfo *list, int nr)
{
    if (!list) return;
    for (int i = 0; i < nr; i++)
        libxl_numainfo_dispose(&list[i]);
    free(list);
}
