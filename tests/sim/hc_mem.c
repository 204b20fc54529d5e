/*
 * hc_mem.c: the simulated hypervisor's memory limits and the small domain
 * controls beside them, as Xen 4.17 answers them: domctl max_mem (the
 * domain's max_pages, which getdomaininfo reports), setdomainhandle,
 * sendtrigger (NMI for every guest; the ACPI power and sleep buttons only
 * for HVM containers, EINVAL for PV ones; INIT and RESET ENOSYS on x86),
 * memory_op XENMEM_set_pod_target / get_pod_target (HVM only), and the
 * guest's balloon (xensim_domain_balloon: tot_pages moves, never past
 * max_pages). It touches no other part of a domain's record.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/memory.h>
#include <xen/sched.h>

#include "sim.h"

/* A domain's max_pages: what max_mem last set, else its memory + 1 MiB
 * (what a domain is built with). Table lock held. */
uint64_t sim_max_pages_locked(const struct sim_domain *d)
{
    return d->max_pages_set ? d->max_pages : (d->mem_kb + 1024) / 4;
}

static struct sim_domain *present(struct sim_state *s, uint32_t domid)
{
    if (domid >= SIM_NR_DOMIDS || !sim_domain_present_locked(s, domid))
        return NULL;
    return &s->doms[domid];
}

/* ------------------------------------------------------------ domctls */

long sim_domctl_mem(struct sim_state *s, struct xen_domctl *dc)
{
    uint32_t domid = dc->domain;
    bool power_off = false;
    long rc = 0;

    sim_lock(s);
    struct sim_domain *d = present(s, domid);
    if (!d) {
        sim_unlock(s);
        return -ESRCH;
    }
    switch (dc->cmd) {
    case XEN_DOMCTL_max_mem: {
        /* as Xen: no check against tot_pages (a domain above its new
         * limit just cannot grow), capped at max_pages' 32 bits */
        uint64_t pages = dc->u.max_mem.max_memkb >> 2;
        d->max_pages = pages > UINT32_MAX ? UINT32_MAX : pages;
        d->max_pages_set = 1;
        break;
    }
    case XEN_DOMCTL_setdomainhandle:
        memcpy(d->uuid, dc->u.setdomainhandle.handle, sizeof(d->uuid));
        break;
    case XEN_DOMCTL_sendtrigger: {
        uint32_t trig = dc->u.sendtrigger.trigger;
        if (dc->u.sendtrigger.vcpu >= d->vcpus) {
            rc = -ESRCH;
            break;
        }
        switch (trig) {
        case XEN_DOMCTL_SENDTRIGGER_NMI:
            break;
        case XEN_DOMCTL_SENDTRIGGER_POWER:
        case XEN_DOMCTL_SENDTRIGGER_SLEEP:
            if (!d->hvm)
                rc = -EINVAL;
            /* the guest OS answers the power button by powering off,
             * unless told to ignore it */
            else if (trig == XEN_DOMCTL_SENDTRIGGER_POWER && !d->acpi_ignore)
                power_off = true;
            break;
        default:
            rc = -ENOSYS;
        }
        if (!rc && trig < 8)
            d->triggers[trig]++;
        break;
    }
    default:
        rc = -ENOSYS;
    }
    sim_unlock(s);
    if (power_off)
        sim_domain_shutdown_in(s, domid, SHUTDOWN_poweroff);
    return rc;
}

/* ---------------------------------------------------------- memory_op */

long sim_memory_op(struct sim_state *s, uint64_t cmd, void *arg)
{
    if (cmd == XENMEM_get_sharing_freed_pages ||
        cmd == XENMEM_get_sharing_shared_pages)
        return sim_hc_host_sharing(s, cmd);      /* host-wide: hc_host.c */
    if (cmd != XENMEM_set_pod_target && cmd != XENMEM_get_pod_target)
        return sim_memop_build(s, cmd, arg);   /* hc_memop.c */
    struct xen_pod_target *pt = arg;
    long rc = 0;
    sim_lock(s);
    struct sim_domain *d = present(s, pt->domid);
    if (!d)
        rc = -ESRCH;
    else if (!d->hvm)
        rc = -EINVAL;     /* populate-on-demand needs a translated guest */
    else {
        if (cmd == XENMEM_set_pod_target)
            d->pod_target_pages = pt->target_pages;
        pt->tot_pages = d->mem_kb / 4;
        pt->pod_cache_pages = 0;
        pt->pod_entries = 0;
    }
    sim_unlock(s);
    return rc;
}

/* ------------------------------------------------------- the guest side */

EXPORT int xensim_domain_balloon(uint32_t domid, uint64_t kb)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    sim_lock(s);
    struct sim_domain *d = present(s, domid);
    int rc = 0;
    if (!d || d->state != DOM_ALIVE)
        rc = -ESRCH;
    else {
        /* the limit stays what it was when the guest started moving */
        if (!d->max_pages_set) {
            d->max_pages = sim_max_pages_locked(d);
            d->max_pages_set = 1;
        }
        uint64_t pages = kb / 4;
        if (pages > d->max_pages)
            pages = d->max_pages;   /* Xen refuses pages past max_pages */
        d->mem_kb = pages * 4;
    }
    sim_unlock(s);
    return rc;
}

EXPORT int xensim_domain_mem_state(uint32_t domid, struct xensim_memstate *out)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    sim_lock(s);
    struct sim_domain *d = present(s, domid);
    if (d) {
        memset(out, 0, sizeof(*out));
        out->tot_pages = d->mem_kb / 4;
        out->max_pages = sim_max_pages_locked(d);
        out->pod_target_pages = d->pod_target_pages;
        for (int i = 0; i < 8; i++)
            out->triggers[i] = d->triggers[i];
        out->acpi_ignore = d->acpi_ignore;
    }
    sim_unlock(s);
    return d ? 0 : -ESRCH;
}

EXPORT int xensim_domain_set_acpi_ignore(uint32_t domid, bool ignore)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    sim_lock(s);
    struct sim_domain *d = present(s, domid);
    if (d)
        d->acpi_ignore = ignore;
    sim_unlock(s);
    return d ? 0 : -ESRCH;
}
