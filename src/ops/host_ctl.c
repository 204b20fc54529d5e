/*
 * ops/host_ctl.c: CPU <-> NUMA node maps (from libxenctrl's cputopoinfo)
 * and the topology lists' list_free functions. The host's information is
 * host_physinfo.c's, its console and parameters host_console.c's, the
 * domid history domid_history.c's. It keeps no state and touches no other
 * family's.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base/log.h"

#include "libxl_utils.h"

/* ------------------------------------------------------------ topology */

/*
 * The NUMA node of each CPU, as the hypervisor's cputopoinfo says (an
 * absent CPU's node is ~0, which no bitmap holds): a malloc'ed array of
 * *nr_cpus entries, or NULL (logged).
 */
static uint32_t *cpu_nodes(libxl_ctx *ctx, int *nr_cpus)
{
    unsigned int n = 0;
    xc_cputopo_t *topo;
    uint32_t *nodes;

    if (xc_cputopoinfo(ctx->xch, &n, NULL)) {
        LOGE(ctx, ERROR, "Unable to determine number of CPUS");
        return NULL;
    }
    topo = calloc(n ? n : 1, sizeof(*topo));
    nodes = calloc(n ? n : 1, sizeof(*nodes));
    if (!topo || !nodes) {
        LOG(ctx, ERROR, "cannot allocate the topology of %u CPUs", n);
        goto fail;
    }
    if (xc_cputopoinfo(ctx->xch, &n, topo)) {
        LOGE(ctx, ERROR, "CPU topology info hypercall failed");
        goto fail;
    }
    for (unsigned int i = 0; i < n; i++)
        nodes[i] = topo[i].node;
    free(topo);
    *nr_cpus = (int)n;
    return nodes;

fail:
    free(topo);
    free(nodes);
    return NULL;
}

/* A node as a bit index: an invalid node (~0) is -1, outside any map. */
static int node_bit(uint32_t node)
{
    return node > INT32_MAX ? -1 : (int)node;
}

/*
 * cpumap (already allocated) = the CPUs on the nodes of nodemap; a CPU
 * beyond the map's end is left out. 0 or ERROR_FAIL.
 */
int libxl_nodemap_to_cpumap(libxl_ctx *ctx, const libxl_bitmap *nodemap,
                            libxl_bitmap *cpumap)
{
    int nr_cpus;
    uint32_t *nodes = cpu_nodes(ctx, &nr_cpus);

    if (!nodes)
        return ERROR_FAIL;
    libxl_bitmap_set_none(cpumap);
    for (int cpu = 0; cpu < nr_cpus; cpu++)
        if (libxl_bitmap_test(nodemap, node_bit(nodes[cpu])))
            libxl_bitmap_set(cpumap, cpu);
    free(nodes);
    return 0;
}

/* cpumap (already allocated) = the CPUs of one node. */
int libxl_node_to_cpumap(libxl_ctx *ctx, int node, libxl_bitmap *cpumap)
{
    libxl_bitmap nodemap;
    int rc;

    libxl_bitmap_init(&nodemap);
    rc = libxl_node_bitmap_alloc(ctx, &nodemap, 0);
    if (!rc) {
        libxl_bitmap_set(&nodemap, node);
        rc = libxl_nodemap_to_cpumap(ctx, &nodemap, cpumap);
    }
    libxl_bitmap_dispose(&nodemap);
    return rc;
}

/*
 * nodemap (already allocated) = the nodes of the CPUs of cpumap; CPUs the
 * host does not have are ignored. 0 or ERROR_FAIL.
 */
int libxl_cpumap_to_nodemap(libxl_ctx *ctx, const libxl_bitmap *cpumap,
                            libxl_bitmap *nodemap)
{
    int nr_cpus;
    uint32_t *nodes = cpu_nodes(ctx, &nr_cpus);

    if (!nodes)
        return ERROR_FAIL;
    libxl_bitmap_set_none(nodemap);
    for (int cpu = 0; cpu < nr_cpus && (uint64_t)cpu < (uint64_t)cpumap->size * 8;
         cpu++)
        if (libxl_bitmap_test(cpumap, cpu))
            libxl_bitmap_set(nodemap, node_bit(nodes[cpu]));
    free(nodes);
    return 0;
}

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
