/*
 * ops/host_physinfo.c: what the hypervisor says about the machine: its
 * physical information and free memory, the CPU, PCI and NUMA topologies,
 * online CPUs and sockets, and the scheduler it runs (issue 16). Each call
 * asks the hypervisor afresh; nothing is kept, and no other family's
 * state is touched.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/gc.h"
#include "base/log.h"

#include "libxl.h"
#include "libxl_utils.h"

/* ------------------------------------------------------------ physinfo */

/*
 * One of the memory-sharing counters: a hypervisor built without memory
 * sharing answers ENOSYS, which counts as 0. -1 (logged) on another error.
 */
static int sharing_count(libxl_ctx *ctx, long (*query)(xc_interface *),
                         const char *what, uint64_t *out)
{
    long n = query(ctx->xch);

    if (n < 0 && errno == ENOSYS)
        n = 0;
    if (n < 0) {
        libxl__log(ctx, XTL_ERROR, (int)n, LIBXL__FILE, __LINE__, __func__,
                   LIBXL__NO_DOMID, "getting sharing %s", what);
        return -1;
    }
    *out = (uint64_t)n;
    return 0;
}

int libxl_get_physinfo(libxl_ctx *ctx, libxl_physinfo *physinfo)
{
    xc_physinfo_t xi;
    uint32_t caps;

    if (xc_physinfo(ctx->xch, &xi)) {
        LOGE(ctx, ERROR, "getting physinfo");
        return ERROR_FAIL;
    }
    physinfo->threads_per_core = xi.threads_per_core;
    physinfo->cores_per_socket = xi.cores_per_socket;
    physinfo->max_cpu_id = xi.max_cpu_id;
    physinfo->nr_cpus = xi.nr_cpus;
    physinfo->cpu_khz = xi.cpu_khz;
    physinfo->total_pages = xi.total_pages;
    physinfo->free_pages = xi.free_pages;
    physinfo->scrub_pages = xi.scrub_pages;
    physinfo->outstanding_pages = xi.outstanding_pages;
    physinfo->max_possible_mfn = xi.max_mfn;
    if (sharing_count(ctx, xc_sharing_freed_pages, "freed pages",
                      &physinfo->sharing_freed_pages) ||
        sharing_count(ctx, xc_sharing_used_frames, "used frames",
                      &physinfo->sharing_used_frames))
        return ERROR_FAIL;
    physinfo->nr_nodes = xi.nr_nodes;
    memcpy(physinfo->hw_cap, xi.hw_cap, sizeof(physinfo->hw_cap));

    caps = xi.capabilities;
    physinfo->cap_hvm = !!(caps & XEN_SYSCTL_PHYSCAP_hvm);
    physinfo->cap_pv = !!(caps & XEN_SYSCTL_PHYSCAP_pv);
    physinfo->cap_hvm_directio = !!(caps & XEN_SYSCTL_PHYSCAP_directio);
    physinfo->cap_hap = !!(caps & XEN_SYSCTL_PHYSCAP_hap);
    physinfo->cap_shadow = !!(caps & XEN_SYSCTL_PHYSCAP_shadow);
    physinfo->cap_iommu_hap_pt_share =
        !!(caps & XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share);
    physinfo->cap_vmtrace = !!(caps & XEN_SYSCTL_PHYSCAP_vmtrace);
    physinfo->cap_vpmu = !!(caps & XEN_SYSCTL_PHYSCAP_vpmu);
    physinfo->cap_gnttab_v1 = !!(caps & XEN_SYSCTL_PHYSCAP_gnttab_v1);
    physinfo->cap_gnttab_v2 = !!(caps & XEN_SYSCTL_PHYSCAP_gnttab_v2);
    return 0;
}

int libxl_get_online_cpus(libxl_ctx *ctx)
{
    int n = xc_get_online_cpus(ctx->xch);

    return n < 0 ? ERROR_FAIL : n;
}

/* ------------------------------------------------------------ free memory */

/* Free memory counts the pages still to be scrubbed: they are free soon. */
int libxl_get_free_memory(libxl_ctx *ctx, uint64_t *memkb)
{
    libxl_physinfo info;
    int rc = libxl_get_physinfo(ctx, &info);

    if (rc < 0)
        return rc;
    *memkb = (info.free_pages + info.scrub_pages) * 4;
    return rc;
}

/* The 32-bit form of API 0x040700: an amount that does not fit fails. */
int libxl_get_free_memory_0x040700(libxl_ctx *ctx, uint32_t *memkb)
{
    uint64_t kb = 0;
    int rc = libxl_get_free_memory(ctx, &kb);

    if (rc)
        return rc;
    *memkb = (uint32_t)kb;
    if (*memkb != kb) {
        LOGE(ctx, ERROR, "memory size %"PRIu64" too large for 32 bit value\n",
             kb);
        return ERROR_FAIL;
    }
    return 0;
}

/* ------------------------------------------------------------ CPU topology */

/* A hypervisor id, or the library's invalid entry for its invalid one. */
static uint32_t valid_or(uint32_t v, uint32_t invalid, uint32_t entry)
{
    return v == invalid ? entry : v;
}

libxl_cputopology *libxl_get_cpu_topology(libxl_ctx *ctx, int *nb_cpu_out)
{
    GC_INIT(ctx);
    unsigned int n = 0;
    xc_cputopo_t *topo;
    libxl_cputopology *list;

    /* A NULL buffer asks only how many CPUs there are. */
    if (xc_cputopoinfo(ctx->xch, &n, NULL)) {
        LOGE(ctx, ERROR, "Unable to determine number of CPUS");
        return NULL;
    }
    topo = libxl__gc_zalloc(gc, sizeof(*topo) * (n ? n : 1));
    if (!topo)
        return NULL;
    if (xc_cputopoinfo(ctx->xch, &n, topo)) {
        LOGE(ctx, ERROR, "CPU topology info hypercall failed");
        return NULL;
    }
    list = calloc(n ? n : 1, sizeof(*list));
    if (!list) {
        LOG(ctx, ERROR, "cannot allocate the topology of %u CPUs", n);
        return NULL;
    }
    for (unsigned int i = 0; i < n; i++) {
        list[i].core = valid_or(topo[i].core, XEN_INVALID_CORE_ID,
                                LIBXL_CPUTOPOLOGY_INVALID_ENTRY);
        list[i].socket = valid_or(topo[i].socket, XEN_INVALID_SOCKET_ID,
                                  LIBXL_CPUTOPOLOGY_INVALID_ENTRY);
        list[i].node = valid_or(topo[i].node, XEN_INVALID_NODE_ID,
                                LIBXL_CPUTOPOLOGY_INVALID_ENTRY);
    }
    if (nb_cpu_out)
        *nb_cpu_out = (int)n;
    return list;
}

/* socketmap (already allocated) = the sockets that have a CPU online. */
int libxl_get_online_socketmap(libxl_ctx *ctx, libxl_bitmap *socketmap)
{
    int nr = 0;
    libxl_cputopology *topo = libxl_get_cpu_topology(ctx, &nr);

    if (!topo)
        return ERROR_FAIL;
    if (socketmap->size)        /* an empty map may have no storage */
        libxl_bitmap_set_none(socketmap);
    for (int i = 0; i < nr; i++)
        if (topo[i].socket != LIBXL_CPUTOPOLOGY_INVALID_ENTRY &&
            topo[i].socket <= INT32_MAX)
            libxl_bitmap_set(socketmap, (int)topo[i].socket);
    libxl_cputopology_list_free(topo, nr);
    return 0;
}

/* ------------------------------------------------------------ PCI topology */

#define PCI_DEVICES_DIR "/sys/bus/pci/devices"

/*
 * The PCI devices dom0 sees, as the hypervisor names them: a gc array in
 * *devs_out, their number in *num (ERROR_FAIL if the directory cannot be
 * read). 0, or ERROR_FAIL on an entry that is not a device's address.
 */
static int list_pci_devices(libxl_ctx *ctx, libxl__gc *gc,
                            physdev_pci_device_t **devs_out, int *num)
{
    DIR *dir = opendir(PCI_DEVICES_DIR);
    physdev_pci_device_t *devs = NULL;
    struct dirent *entry;
    int n = 0, cap = 0, rc = 0;

    *num = ERROR_FAIL;
    if (!dir) {
        LOGE(ctx, ERROR, "Cannot open " PCI_DEVICES_DIR);
        return ERROR_FAIL;
    }
    while ((entry = readdir(dir))) {
        unsigned int seg, bus, dev;
        int func;

        if (entry->d_name[0] == '.')
            continue;
        if (n == cap) {
            physdev_pci_device_t *bigger;

            cap = cap ? cap * 2 : 32;
            bigger = libxl__gc_zalloc(gc, sizeof(*bigger) * (size_t)cap);
            if (!bigger) {
                rc = ERROR_NOMEM;
                goto out;
            }
            if (n)
                memcpy(bigger, devs, sizeof(*devs) * (size_t)n);
            devs = bigger;
        }
        /* Counted even when unreadable, as the count comes first. */
        if (rc || sscanf(entry->d_name, "%x:%x:%x.%d", &seg, &bus, &dev,
                         &func) < 4) {
            if (!rc)
                LOGE(ctx, ERROR, "Error processing " PCI_DEVICES_DIR);
            rc = ERROR_FAIL;
            n++;
            continue;
        }
        devs[n].seg = (uint16_t)seg;
        devs[n].bus = (uint8_t)bus;
        devs[n].devfn = (uint8_t)(((dev & 0x1f) << 3) | ((unsigned)func & 7));
        n++;
    }
    *num = n;
out:
    closedir(dir);
    *devs_out = devs;
    return rc;
}

libxl_pcitopology *libxl_get_pci_topology(libxl_ctx *ctx, int *num_devs)
{
    GC_INIT(ctx);
    physdev_pci_device_t *devs;
    uint32_t *nodes;
    libxl_pcitopology *list;
    int n, rc;

    rc = list_pci_devices(ctx, gc, &devs, &n);
    *num_devs = n;
    if (n < 0) {
        LOG(ctx, ERROR, "Unable to determine number of PCI devices, rc %d", n);
        return NULL;
    }
    if (rc) {
        LOG(ctx, ERROR, "Cannot initialize PCI hypercall structure, rc %d", rc);
        return NULL;
    }
    nodes = libxl__gc_zalloc(gc, sizeof(*nodes) * (size_t)(n ? n : 1));
    if (!nodes)
        return NULL;
    if (xc_pcitopoinfo(ctx->xch, (unsigned int)n, devs, nodes)) {
        LOGE(ctx, ERROR, "PCI topology info hypercall failed");
        return NULL;
    }
    /* Not NULL even for no device: NULL is the failure. */
    list = calloc(n ? (size_t)n : 1, sizeof(*list));
    if (!list) {
        LOG(ctx, ERROR, "cannot allocate the topology of %d PCI devices", n);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        list[i].seg = devs[i].seg;
        list[i].bus = devs[i].bus;
        list[i].devfn = devs[i].devfn;
        list[i].node = (nodes[i] == XEN_INVALID_NODE_ID ||
                        nodes[i] == XEN_INVALID_DEV)
                       ? LIBXL_PCITOPOLOGY_INVALID_ENTRY : nodes[i];
    }
    return list;
}

/* ------------------------------------------------------------ NUMA */

libxl_numainfo *libxl_get_numainfo(libxl_ctx *ctx, int *nr)
{
    GC_INIT(ctx);
    unsigned int n = 0;
    xc_meminfo_t *mem;
    uint32_t *dist;
    libxl_numainfo *list;

    if (xc_numainfo(ctx->xch, &n, NULL, NULL)) {
        LOGE(ctx, ERROR, "Unable to determine number of nodes");
        return NULL;
    }
    mem = libxl__gc_zalloc(gc, sizeof(*mem) * (n ? n : 1));
    dist = libxl__gc_zalloc(gc, sizeof(*dist) * (n ? (size_t)n * n : 1));
    if (!mem || !dist)
        return NULL;
    if (xc_numainfo(ctx->xch, &n, mem, dist)) {
        LOGE(ctx, ERROR, "getting numainfo");
        return NULL;
    }
    if (nr)
        *nr = (int)n;
    list = calloc(n ? n : 1, sizeof(*list));
    if (!list)
        goto nomem;
    for (unsigned int i = 0; i < n; i++) {
        list[i].dists = calloc(n, sizeof(*list[i].dists));
        if (!list[i].dists) {
            libxl_numainfo_list_free(list, (int)n);
            goto nomem;
        }
        list[i].num_dists = (int)n;
    }
    for (unsigned int i = 0; i < n; i++) {
        list[i].size = mem[i].memsize == XEN_INVALID_MEM_SZ
                       ? LIBXL_NUMAINFO_INVALID_ENTRY : mem[i].memsize;
        list[i].free = mem[i].memfree == XEN_INVALID_MEM_SZ
                       ? LIBXL_NUMAINFO_INVALID_ENTRY : mem[i].memfree;
        for (unsigned int j = 0; j < n; j++)
            list[i].dists[j] = valid_or(dist[i * n + j], XEN_INVALID_NODE_DIST,
                                        LIBXL_NUMAINFO_INVALID_ENTRY);
    }
    return list;

nomem:
    LOG(ctx, ERROR, "cannot allocate the information of %u nodes", n);
    return NULL;
}

/* ------------------------------------------------------------ scheduler */

/* The host's scheduler (a libxl_scheduler: the values are Xen's ids). */
int libxl_get_scheduler(libxl_ctx *ctx)
{
    int id;

    if (xc_sched_id(ctx->xch, &id)) {
        LOGE(ctx, ERROR, "getting current scheduler id");
        return ERROR_FAIL;
    }
    return id;
}
