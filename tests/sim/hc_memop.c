/*
 * hc_memop.c: the memory of domains made by XEN_DOMCTL_createdomain, as
 * Xen 4.17's memory_op gives and takes it: populate_physmap,
 * decrease_reservation, claim_pages, current/maximum_reservation,
 * maximum_ram_page, set_memory_map; mmuext_op's page table pins on such a
 * domain; and event_channel_op's alloc_unbound for a guest's ports (the
 * first free one from 1: a new domain's xenstore port is 1, the port
 * evtchn.c's xenstore side expects). A populated frame counts in the
 * domain's tot_pages (its mem_kb) and is taken from the host's free
 * memory; frames live in the domain's memory file (guestmem.c).
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/event_channel.h>

#include "sim.h"
#include "guestmem.h"

#define CTLDOM_MAX_ORDER 12u   /* the largest extent dom0 may ask for */
#define SIM_E820_MAX     (SIM_PAGE / 20 - 1)

/* A built domain, table lock taken; NULL (unlocked) with *err. */
static struct sim_domain *lock_built(struct sim_state *s, uint32_t domid, long *err)
{
    if (domid == DOMID_SELF)
        domid = 0;
    sim_lock(s);
    if (domid < SIM_NR_DOMIDS && sim_domain_present_locked(s, domid)) {
        if (s->doms[domid].built)
            return &s->doms[domid];
        *err = -EINVAL;
    } else {
        *err = -ESRCH;
    }
    sim_unlock(s);
    return NULL;
}

/* Pages no domain holds (the host's RAM less the hypervisor's 64 MiB). */
static uint64_t free_pages_locked(struct sim_state *s)
{
    uint64_t total = s->host.total_pages ? s->host.total_pages : (64ull << 30) / SIM_PAGE;
    uint64_t used = (64ull << 20) / SIM_PAGE;
    for (uint32_t i = 0; i < s->next_domid && i < SIM_NR_DOMIDS; i++)
        if (s->doms[i].state != DOM_FREE)
            used += s->doms[i].mem_kb / 4;
    return total > used ? total - used : 0;
}

static long populate(struct sim_state *s, struct xen_memory_reservation *r)
{
    long rc = 0;
    struct sim_domain *d = lock_built(s, r->domid, &rc);
    if (!d)
        return rc;
    uint32_t domid = (uint32_t)(d - s->doms);
    if (r->extent_order > CTLDOM_MAX_ORDER) {
        sim_unlock(s);
        return 0;
    }
    int fd = sim_gm_open(domid);
    if (fd < 0) {
        sim_unlock(s);
        return fd;
    }
    xen_pfn_t *list = r->extent_start.p;
    uint64_t per = 1ull << r->extent_order;
    uint64_t free_pages = free_pages_locked(s);
    xen_ulong_t i;
    for (i = 0; i < r->nr_extents; i++) {
        uint64_t gfn = list[i];
        if (gfn >= SIM_GM_GFNS || per > SIM_GM_GFNS - gfn || (gfn & (per - 1)))
            break;
        uint64_t fresh = 0;
        for (uint64_t j = 0; j < per; j++)
            fresh += sim_gm_populated(fd, gfn + j) == 0;
        uint64_t tot = d->mem_kb / 4;
        uint64_t from_free = fresh > d->claimed_pages ? fresh - d->claimed_pages : 0;
        if (tot + fresh > sim_max_pages_locked(d) || from_free > free_pages)
            break;                   /* over the domain's allowance or the host's */
        for (uint64_t j = 0; j < per; j++)
            sim_gm_set_populated(fd, gfn + j, true);
        d->mem_kb += fresh * 4;
        d->claimed_pages -= fresh - from_free;
        free_pages -= from_free;
        if (!d->hvm)
            list[i] = sim_gm_mfn(domid, gfn);
    }
    sim_unlock(s);
    close(fd);
    return (long)i;
}

static long decrease(struct sim_state *s, struct xen_memory_reservation *r)
{
    long rc = 0;
    struct sim_domain *d = lock_built(s, r->domid, &rc);
    if (!d)
        return rc;
    uint32_t domid = (uint32_t)(d - s->doms);
    int fd = sim_gm_open(domid);
    if (fd < 0) {
        sim_unlock(s);
        return fd;
    }
    const xen_pfn_t *list = r->extent_start.p;
    uint64_t per = 1ull << r->extent_order;
    xen_ulong_t i;
    for (i = 0; i < r->nr_extents; i++) {
        int64_t idx = sim_gm_frame_index(s, domid, list[i]);
        if (idx < 0 || (uint64_t)idx >= SIM_GM_GFNS || per > SIM_GM_GFNS - (uint64_t)idx)
            break;
        bool all = true;
        for (uint64_t j = 0; j < per && all; j++)
            all = sim_gm_populated(fd, (uint64_t)idx + j) == 1;
        if (!all)
            break;
        for (uint64_t j = 0; j < per; j++)
            sim_gm_set_populated(fd, (uint64_t)idx + j, false);
        d->mem_kb -= per * 4;
    }
    sim_unlock(s);
    close(fd);
    return (long)i;
}

/* Xen's domain_set_outstanding_pages: pages is the domain's total. */
static long claim(struct sim_state *s, struct xen_memory_reservation *r)
{
    if (r->extent_order || r->mem_flags)
        return -EINVAL;
    long rc = 0;
    struct sim_domain *d = lock_built(s, r->domid, &rc);
    if (!d)
        return rc;
    uint64_t pages = r->nr_extents, tot = d->mem_kb / 4;
    if (pages == 0)
        d->claimed_pages = 0;
    else if (d->claimed_pages || pages <= tot || pages > sim_max_pages_locked(d))
        rc = -EINVAL;
    else {
        uint64_t avail = free_pages_locked(s);
        for (uint32_t i = 0; i < s->next_domid && i < SIM_NR_DOMIDS; i++)
            if (s->doms[i].state != DOM_FREE)
                avail -= s->doms[i].claimed_pages < avail ? s->doms[i].claimed_pages : avail;
        if (pages - tot > avail)
            rc = -ENOMEM;
        else
            d->claimed_pages = pages - tot;
    }
    sim_unlock(s);
    return rc;
}

static long set_memory_map(struct sim_state *s, struct xen_foreign_memory_map *m)
{
    if (m->map.nr_entries > SIM_E820_MAX)
        return -EINVAL;
    long rc = 0;
    struct sim_domain *d = lock_built(s, m->domid, &rc);
    if (!d)
        return rc;
    d->nr_memmap = m->map.nr_entries;
    sim_unlock(s);
    if (m->map.nr_entries)
        rc = sim_gm_special_rw(m->domid, SIM_GM_MEMMAP, 0, m->map.buffer.p,
                               m->map.nr_entries * 20u, true);
    return rc;
}

static long reservation_of(struct sim_state *s, uint64_t cmd, const domid_t *domid)
{
    uint32_t id = *domid == DOMID_SELF ? 0 : *domid;
    sim_lock(s);
    long rc = -ESRCH;
    if (id < SIM_NR_DOMIDS && sim_domain_present_locked(s, id)) {
        const struct sim_domain *d = &s->doms[id];
        rc = (long)(cmd == XENMEM_current_reservation ? d->mem_kb / 4
                                                       : sim_max_pages_locked(d));
    }
    sim_unlock(s);
    return rc;
}

long sim_memop_build(struct sim_state *s, uint64_t cmd, void *arg)
{
    switch (cmd) {
    case XENMEM_populate_physmap:
        return populate(s, arg);
    case XENMEM_decrease_reservation:
        return decrease(s, arg);
    case XENMEM_claim_pages:
        return claim(s, arg);
    case XENMEM_set_memory_map:
        return set_memory_map(s, arg);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
        return reservation_of(s, cmd, arg);
    case XENMEM_maximum_ram_page:
        /* the highest machine frame a PV guest of this host can see */
        return (long)((uint64_t)SIM_NR_DOMIDS << SIM_GM_MFN_SHIFT);
    default:
        sim_log("memory_op %lu: not simulated", (unsigned long)cmd);
        sim_count_in(s, CTR_ENOSYS);
        return -ENOSYS;
    }
}

/* ------------------------------------------------------------ mmuext_op */

/* Page table pins and unpins on a built PV domain's frames: the frame must
 * be the domain's and populated (the tables are not walked). */
long sim_mmuext_op(struct sim_state *s, const uint64_t a[6])
{
    struct mmuext_op *ops = (struct mmuext_op *)(uintptr_t)a[0];
    unsigned count = (unsigned)a[1];
    unsigned *pdone = (unsigned *)(uintptr_t)a[2];
    uint32_t domid = (uint32_t)a[3];
    long rc = 0;
    struct sim_domain *d = lock_built(s, domid, &rc);
    if (!d)
        return rc;
    bool hvm = d->hvm;
    sim_unlock(s);
    if (hvm)
        return -EINVAL;
    int fd = sim_gm_open(domid);
    if (fd < 0)
        return fd;
    unsigned i;
    for (i = 0; i < count && !rc; i++) {
        switch (ops[i].cmd) {
        case MMUEXT_PIN_L1_TABLE:
        case MMUEXT_PIN_L2_TABLE:
        case MMUEXT_PIN_L3_TABLE:
        case MMUEXT_PIN_L4_TABLE:
        case MMUEXT_UNPIN_TABLE: {
            sim_lock(s);
            int64_t idx = sim_gm_frame_index(s, domid, ops[i].arg1.mfn);
            if (idx < 0 || (uint64_t)idx >= SIM_GM_GFNS ||
                sim_gm_populated(fd, (uint64_t)idx) != 1)
                rc = -EINVAL;
            sim_unlock(s);
            break;
        }
        default:
            sim_log("mmuext_op %u on domain %u: not simulated", ops[i].cmd, domid);
            rc = -ENOSYS;
        }
    }
    close(fd);
    if (pdone)
        *pdone = rc ? i - 1 : i;
    return rc;
}

/* ------------------------------------------------------- event channels */

long sim_evtchn_op(struct sim_state *s, uint64_t cmd, void *arg)
{
    if (cmd != EVTCHNOP_alloc_unbound) {
        sim_log("event_channel_op %lu: not simulated", (unsigned long)cmd);
        sim_count_in(s, CTR_ENOSYS);
        return -ENOSYS;
    }
    struct evtchn_alloc_unbound *au = arg;
    if (au->dom == DOMID_SELF || au->dom == 0) {
        sim_log("alloc_unbound in dom0: not simulated (libxenevtchn's is)");
        return -ENOSYS;
    }
    long rc = 0;
    struct sim_domain *d = lock_built(s, au->dom, &rc);
    if (!d)
        return rc;
    uint32_t limit = sizeof(d->guest_ports) * 8;
    if (d->max_evtchn_port && d->max_evtchn_port + 1 < limit)
        limit = d->max_evtchn_port + 1;
    uint32_t p;
    for (p = 1; p < limit; p++)
        if (!(d->guest_ports[p / 64] & (1ull << (p % 64))))
            break;
    if (p >= limit)
        rc = -ENOSPC;
    else {
        d->guest_ports[p / 64] |= 1ull << (p % 64);
        au->port = p;
    }
    sim_unlock(s);
    return rc;
}
