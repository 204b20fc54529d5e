/*
 * hypercall.c: the simulated hypervisor's hypercalls, reached through an
 * interposed libxencall: domctl (getdomaininfo, destroy, pause, unpause),
 * sysctl getdomaininfolist (the host's sysctls and hypfs_op: hc_host.c),
 * xen_version, remote shutdown, hvm_op get/set_param
 * (HVM_PARAM_CALLBACK_IRQ only) and multicall; domctl max_mem,
 * setdomainhandle, sendtrigger and memory_op are hc_mem.c's;
 * cpupool_op is hc_cpupool.c's; xsm_op and the PSR sysctls and
 * domctls are hc_absent.c's.
 * Everything else fails with ENOSYS (logged with $XENSIM_DEBUG).
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xencall.h>
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/sched.h>
#include <xen/sysctl.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>

#include "sim.h"
#include "guestmem.h"

struct xencall_handle {
    int fd;                  /* a dummy descriptor for xencall_fd() */
};

/* ------------------------------------------------------------ domctl */

static void fill_info_locked(struct sim_state *s, uint32_t domid, uint64_t now,
                             struct xen_domctl_getdomaininfo *out)
{
    struct sim_domain *d = &s->doms[domid];
    memset(out, 0, sizeof(*out));
    out->domain = (domid_t)domid;
    uint32_t flags = 0;
    if (d->state == DOM_DYING)
        flags |= XEN_DOMINF_dying;
    if (d->shutdown)
        flags |= XEN_DOMINF_shutdown |
                 ((d->reason & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift);
    if (d->hvm)
        flags |= XEN_DOMINF_hvm_guest;
    sim_dom_lock(d);              /* pause_count and cpu time (sim.h) */
    if (d->pause_count)
        flags |= XEN_DOMINF_paused;
    if (d->state == DOM_ALIVE && !d->shutdown && !d->pause_count)
        flags |= domid == 0 ? XEN_DOMINF_running : XEN_DOMINF_blocked;
    out->cpu_time = sim_cpu_time_locked(d, now);
    sim_dom_unlock(d);
    out->flags = flags;
    out->tot_pages = d->mem_kb / 4;
    out->max_pages = sim_max_pages_locked(d);
    out->shared_info_frame = d->built ? sim_gm_mfn(domid, SIM_GM_GFNS + SIM_GM_SHARED_INFO)
                                      : 0x1000 + domid;
    out->nr_online_vcpus = sim_vcpus_online_locked(d);
    out->max_vcpu_id = d->vcpus ? d->vcpus - 1 : XEN_INVALID_MAX_VCPU_ID;
    memcpy(out->handle, d->uuid, sizeof(out->handle));
    out->cpupool = sim_domain_cpupool_locked(d);
    out->gpaddr_bits = 40;   /* what Xen 4.17 reports under qemu64 (real-Xen suite) */
}

/* 4.17 semantics: the first domain whose id is >= the one asked for. */
static int first_domain_from_locked(struct sim_state *s, uint32_t from)
{
    for (uint32_t i = from; i < s->next_domid && i < SIM_NR_DOMIDS; i++)
        if (sim_domain_present_locked(s, i))
            return (int)i;
    return -1;
}

static long do_domctl(struct sim_state *s, struct xen_domctl *dc)
{
    uint32_t cmd = dc->cmd;
    sim_count_in(s, CTR_DOMCTL + (cmd < 127 ? (int)cmd : 127));
    if (dc->interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -EACCES;
    switch (cmd) {
    case XEN_DOMCTL_getdomaininfo: {
        uint64_t now = sim_now_ns();
        sim_lock(s);
        now = sim_now_locked(s, now);
        int id = first_domain_from_locked(s, dc->domain);
        if (id >= 0) {
            fill_info_locked(s, (uint32_t)id, now, &dc->u.getdomaininfo);
            dc->domain = (domid_t)id;
        }
        sim_unlock(s);
        return id >= 0 ? 0 : -ESRCH;
    }
    case XEN_DOMCTL_destroydomain:
        return sim_domain_destroy_in(s, dc->domain);
    case XEN_DOMCTL_pausedomain:
        return sim_domain_pause_in(s, dc->domain);
    case XEN_DOMCTL_unpausedomain:
        return sim_domain_unpause_in(s, dc->domain);
    case XEN_DOMCTL_getvcpuinfo:
    case XEN_DOMCTL_max_vcpus:
    case XEN_DOMCTL_getvcpuaffinity:
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_getnodeaffinity:
    case XEN_DOMCTL_setnodeaffinity:
    case XEN_DOMCTL_scheduler_op:
        return sim_domctl_vcpu(s, dc);
    case XEN_DOMCTL_max_mem:
    case XEN_DOMCTL_setdomainhandle:
    case XEN_DOMCTL_sendtrigger:
        return sim_domctl_mem(s, dc);
    case XEN_DOMCTL_psr_cmt_op:
    case XEN_DOMCTL_psr_alloc:
        return sim_domctl_psr(s, cmd, dc->domain, dc);
    case XEN_DOMCTL_assign_device:
    case XEN_DOMCTL_deassign_device:
    case XEN_DOMCTL_test_assign_device:
        return sim_domctl_pci(s, dc);
    case XEN_DOMCTL_iomem_permission:
    case XEN_DOMCTL_ioport_permission:
    case XEN_DOMCTL_irq_permission:
        return sim_domctl_hw(s, dc);
    case XEN_DOMCTL_createdomain:
    case XEN_DOMCTL_hypercall_init:
    case XEN_DOMCTL_setvcpucontext:
    case XEN_DOMCTL_getvcpucontext:
    case XEN_DOMCTL_sethvmcontext:
    case XEN_DOMCTL_gethvmcontext:
    case XEN_DOMCTL_get_cpu_policy:
    case XEN_DOMCTL_set_cpu_policy:
    case XEN_DOMCTL_set_address_size:
    case XEN_DOMCTL_get_address_size:
    case XEN_DOMCTL_settscinfo:
    case XEN_DOMCTL_gettscinfo:
    case XEN_DOMCTL_settimeoffset:
    case XEN_DOMCTL_set_paging_mempool_size:
    case XEN_DOMCTL_get_paging_mempool_size:
        return sim_domctl_create(s, dc);
    default:
        sim_log("domctl %u (domain %u): not simulated", cmd, dc->domain);
        sim_count_in(s, CTR_ENOSYS);
        return -ENOSYS;
    }
}

/* ------------------------------------------------------------ sysctl */

static long do_sysctl(struct sim_state *s, struct xen_sysctl *sc)
{
    uint32_t cmd = sc->cmd;
    sim_count_in(s, CTR_SYSCTL + (cmd < 63 ? (int)cmd : 63));
    if (sc->interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -EACCES;
    switch (cmd) {
    case XEN_SYSCTL_getdomaininfolist: {
        struct xen_sysctl_getdomaininfolist *l = &sc->u.getdomaininfolist;
        xen_domctl_getdomaininfo_t *buf = l->buffer.p;
        uint32_t n = 0;
        uint64_t now = sim_now_ns();
        sim_lock(s);
        now = sim_now_locked(s, now);
        int id = first_domain_from_locked(s, l->first_domain);
        while (id >= 0 && n < l->max_domains) {
            fill_info_locked(s, (uint32_t)id, now, &buf[n++]);
            id = first_domain_from_locked(s, (uint32_t)id + 1);
        }
        sim_unlock(s);
        l->num_domains = n;
        return 0;
    }
    case XEN_SYSCTL_physinfo:
    case XEN_SYSCTL_cputopoinfo:
    case XEN_SYSCTL_numainfo:
    case XEN_SYSCTL_pcitopoinfo:
    case XEN_SYSCTL_sched_id:
    case XEN_SYSCTL_readconsole:
    case XEN_SYSCTL_debug_keys:
        return sim_hc_host_sysctl(s, sc);
    case XEN_SYSCTL_psr_cmt_op:
    case XEN_SYSCTL_psr_alloc:
        return sim_sysctl_psr(s, cmd, sc);
    case XEN_SYSCTL_scheduler_op:
        return sim_sysctl_sched(s, sc);
    case XEN_SYSCTL_cpupool_op:
        return sim_sysctl_cpupool_op(s, &sc->u.cpupool_op);
    case XEN_SYSCTL_get_cpu_policy:
    case XEN_SYSCTL_get_cpu_featureset:
        return sim_sysctl_cpu(s, sc);
    default:
        sim_log("sysctl %u: not simulated", cmd);
        sim_count_in(s, CTR_ENOSYS);
        return -ENOSYS;
    }
}

/* ------------------------------------------------------------ xen_version */

static long do_xen_version(struct sim_state *s, uint64_t cmd, void *arg)
{
    sim_count_in(s, CTR_XENVER + (cmd < 32 ? (int)cmd : 31));
    switch (cmd) {
    case XENVER_version:
        return (4 << 16) | 17;
    case XENVER_extraversion:
        memset(arg, 0, sizeof(xen_extraversion_t));
        strcpy(arg, ".7-sim");
        return 0;
    case XENVER_compile_info: {
        xen_compile_info_t *ci = arg;
        memset(ci, 0, sizeof(*ci));
        strcpy(ci->compiler, "xensim");
        strcpy(ci->compile_by, "lightcore");
        strcpy(ci->compile_domain, "tests");
        strcpy(ci->compile_date, "simulated");
        return 0;
    }
    case XENVER_capabilities:
        memset(arg, 0, sizeof(xen_capabilities_info_t));
        /* Real Xen ends the list with a space. */
        strcpy(arg, "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 ");
        return 0;
    case XENVER_changeset:
        memset(arg, 0, sizeof(xen_changeset_info_t)); /* empty, as Debian's Xen */
        return 0;
    case XENVER_platform_parameters:
        ((xen_platform_parameters_t *)arg)->virt_start = 0xffff800000000000ull;
        return 0;
    case XENVER_get_features: {
        xen_feature_info_t *fi = arg;
        fi->submap = 0;
        return 0;
    }
    case XENVER_pagesize:
        return SIM_PAGE;
    case XENVER_guest_handle:
        memset(arg, 0, sizeof(xen_domain_handle_t));
        return 0;
    case XENVER_commandline:
        memset(arg, 0, sizeof(xen_commandline_t));
        strcpy(arg, "dom0_mem=1024M,max:1024M");
        return 0;
    case XENVER_build_id: {
        xen_build_id_t *b = arg;
        static const unsigned char id[20] = { 0x78, 0x65, 0x6e, 0x73, 0x69, 0x6d };
        if (b->len < sizeof(id))
            return -ENOBUFS;
        memcpy(b->buf, id, sizeof(id));
        return (long)sizeof(id);
    }
    default:
        sim_log("xen_version %lu: not simulated", (unsigned long)cmd);
        sim_count_in(s, CTR_ENOSYS);
        return -ENOSYS;
    }
}

/* ------------------------------------------------------------ sched_op */

static long do_sched_op(struct sim_state *s, uint64_t cmd, void *arg)
{
    sim_count_in(s, CTR_SCHEDOP + (cmd < 16 ? (int)cmd : 15));
    if (cmd == SCHEDOP_remote_shutdown) {
        const struct sched_remote_shutdown *rs = arg;
        if (rs->domain_id == 0)
            return -EINVAL;
        return sim_domain_shutdown_in(s, rs->domain_id, rs->reason);
    }
    sim_log("sched_op %lu: not simulated", (unsigned long)cmd);
    sim_count_in(s, CTR_ENOSYS);
    return -ENOSYS;
}

/* ------------------------------------------------------------ hvm_op */

/* What libxenctrl's xc_hvm_param_get / _set issue. */
static long do_hvm_op(struct sim_state *s, uint64_t op, void *arg)
{
    if (op == HVMOP_get_param || op == HVMOP_set_param) {
        struct xen_hvm_param *hp = arg;
        return sim_domain_hvm_param_in(s, hp->domid, hp->index, &hp->value,
                                       op == HVMOP_set_param);
    }
    sim_log("hvm_op %lu: not simulated", (unsigned long)op);
    sim_count_in(s, CTR_ENOSYS);
    return -ENOSYS;
}

/* ------------------------------------------------------------ dispatch */

long sim_hypercall(unsigned op, const uint64_t a[6])
{
    struct sim_state *s = sim_state();
    if (!s)
        return -ENODEV;
    sim_count_in(s, CTR_HYPERCALL + (op < 64 ? (int)op : 63));
    switch (op) {
    case __HYPERVISOR_domctl:
        return do_domctl(s, (struct xen_domctl *)(uintptr_t)a[0]);
    case __HYPERVISOR_sysctl:
        return do_sysctl(s, (struct xen_sysctl *)(uintptr_t)a[0]);
    case __HYPERVISOR_xen_version:
        return do_xen_version(s, a[0], (void *)(uintptr_t)a[1]);
    case __HYPERVISOR_sched_op:
        return do_sched_op(s, a[0], (void *)(uintptr_t)a[1]);
    case __HYPERVISOR_hvm_op:
        return do_hvm_op(s, a[0], (void *)(uintptr_t)a[1]);
    case __HYPERVISOR_memory_op:
        return sim_memory_op(s, a[0], (void *)(uintptr_t)a[1]);
    case __HYPERVISOR_hypfs_op:
        return sim_hc_hypfs_op(s, a);
    case __HYPERVISOR_xsm_op:
        return sim_xsm_op(s, (void *)(uintptr_t)a[0]);
    case __HYPERVISOR_physdev_op:
        return sim_physdev_op(s, a[0], (void *)(uintptr_t)a[1]);
    case __HYPERVISOR_mmuext_op:
        return sim_mmuext_op(s, a);
    case __HYPERVISOR_event_channel_op:
        return sim_evtchn_op(s, a[0], (void *)(uintptr_t)a[1]);
    case __HYPERVISOR_multicall: {
        multicall_entry_t *e = (multicall_entry_t *)(uintptr_t)a[0];
        for (uint64_t i = 0; i < a[1]; i++) {
            sim_count_in(s, CTR_MULTICALL_ENTRIES);
            uint64_t sub[6];
            for (int j = 0; j < 6; j++)
                sub[j] = e[i].args[j];
            e[i].result = (xen_ulong_t)(e[i].op == __HYPERVISOR_multicall
                                        ? -EINVAL : sim_hypercall((unsigned)e[i].op, sub));
        }
        return 0;
    }
    default:
        sim_log("hypercall %u: not simulated", op);
        sim_count_in(s, CTR_ENOSYS);
        return -ENOSYS;
    }
}

/* ------------------------------------------------------------ libxencall */

EXPORT xencall_handle *xencall_open(struct xentoollog_logger *logger,
                                    unsigned open_flags)
{
    (void)logger; (void)open_flags;
    if (!sim_state())
        return NULL;       /* no host: as when /dev/xen/privcmd is missing */
    sim_count(CTR_XENCALL_OPEN);
    xencall_handle *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    return h;
}

EXPORT int xencall_close(xencall_handle *h)
{
    if (h) {
        if (h->fd >= 0)
            close(h->fd);
        free(h);
    }
    return 0;
}

EXPORT int xencall_fd(xencall_handle *h)
{
    return h->fd;
}

static int call(unsigned op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                uint64_t a4)
{
    const uint64_t a[6] = { a0, a1, a2, a3, a4, 0 };
    long r = sim_hypercall(op, a);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return (int)r;
}

EXPORT int xencall0(xencall_handle *h, unsigned int op)
{
    (void)h;
    return call(op, 0, 0, 0, 0, 0);
}

EXPORT int xencall1(xencall_handle *h, unsigned int op, uint64_t a1)
{
    (void)h;
    return call(op, a1, 0, 0, 0, 0);
}

EXPORT int xencall2(xencall_handle *h, unsigned int op, uint64_t a1, uint64_t a2)
{
    (void)h;
    return call(op, a1, a2, 0, 0, 0);
}

EXPORT long xencall2L(xencall_handle *h, unsigned int op, uint64_t a1, uint64_t a2)
{
    (void)h;
    const uint64_t a[6] = { a1, a2, 0, 0, 0, 0 };
    long r = sim_hypercall(op, a);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

EXPORT int xencall3(xencall_handle *h, unsigned int op, uint64_t a1, uint64_t a2,
                    uint64_t a3)
{
    (void)h;
    return call(op, a1, a2, a3, 0, 0);
}

EXPORT int xencall4(xencall_handle *h, unsigned int op, uint64_t a1, uint64_t a2,
                    uint64_t a3, uint64_t a4)
{
    (void)h;
    return call(op, a1, a2, a3, a4, 0);
}

EXPORT int xencall5(xencall_handle *h, unsigned int op, uint64_t a1, uint64_t a2,
                    uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)h;
    return call(op, a1, a2, a3, a4, a5);
}

EXPORT void *xencall_alloc_buffer_pages(xencall_handle *h, size_t nr_pages)
{
    (void)h;
    void *p = mmap(NULL, nr_pages * SIM_PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

EXPORT void xencall_free_buffer_pages(xencall_handle *h, void *p, size_t nr_pages)
{
    (void)h;
    if (p)
        munmap(p, nr_pages * SIM_PAGE);
}

EXPORT void *xencall_alloc_buffer(xencall_handle *h, size_t size)
{
    (void)h;
    /* Not zeroed (nor are the real library's cached buffers, which are
     * single pages): calloc would clear every buffer of a thread's malloc
     * arena each call. A buffer of more than a page is freshly mapped by
     * the real library, hence zeroed, and callers rely on it: libxl's
     * console reader prints its 16 KiB readconsole buffer as a string. */
    if (size > SIM_PAGE)
        return calloc(1, size);
    return malloc(size ? size : 1);
}

EXPORT void xencall_free_buffer(xencall_handle *h, void *p)
{
    (void)h;
    free(p);
}

EXPORT int xencall_buffers_never_fault(xencall_handle *h)
{
    (void)h;
    return 1;
}
