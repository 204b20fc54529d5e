/*
 * hc_physdev.c: what a guest may reach of the host's hardware, as Xen
 * 4.17 grants it to a PV guest that is given a PCI device: domctl
 * iomem_permission (machine frames), ioport_permission (I/O ports) and
 * irq_permission (an interrupt dom0 holds), and the physdev_op calls
 * map_pirq (a GSI mapped into the guest as a pirq) and unmap_pirq. Owns
 * struct sim_state's hw_grants (under the table lock); knows nothing of
 * devices (hc_pci.c assigns them).
 *
 * Ranges are kept as Xen's rangesets keep them, per domain and kind: an
 * allow adds the range (a range already there is not doubled), a deny
 * takes it out, splitting a range it falls inside. Dom0 holds every
 * interrupt below SIM_DOM0_PIRQS (the GSIs of a PC): it may grant those
 * and map them into a guest. A destroyed domain's grants stay in the table
 * until the domid is used again (Xen frees them with the domain): the
 * tests look at them after a remove, not after a destroy.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/physdev.h>

#include "sim.h"
#include "xensim.h"

#define SIM_DOM0_PIRQS 256u

/* Whether domid is a present domain (lock held). */
static bool present_locked(struct sim_state *s, uint32_t domid)
{
    return domid < SIM_NR_DOMIDS && sim_domain_present_locked(s, domid);
}

/* Adds [start, start + count) of kind to domid's grants (lock held):
 * 0 or -ENOMEM when the table is full. */
static int grant_locked(struct sim_state *s, uint32_t domid, uint32_t kind,
                        uint64_t start, uint64_t count)
{
    uint32_t n = s->nr_hw_grants;

    for (uint32_t i = 0; i < n; i++) {
        struct sim_hw_grant *g = &s->hw_grants[i];
        if (g->domid == domid && g->kind == kind && g->start <= start &&
            start + count <= g->start + g->count)
            return 0;                          /* already covered */
    }
    if (n >= SIM_NR_HW_GRANTS)
        return -ENOMEM;
    s->hw_grants[n] = (struct sim_hw_grant){ domid, kind, start, count };
    s->nr_hw_grants = n + 1;
    return 0;
}

/* Takes [start, start + count) of kind out of domid's grants (lock held):
 * 0, or -ENOMEM when a split finds the table full. */
static int revoke_locked(struct sim_state *s, uint32_t domid, uint32_t kind,
                         uint64_t start, uint64_t count)
{
    uint64_t end = start + count;

    for (uint32_t i = 0; i < s->nr_hw_grants;) {
        struct sim_hw_grant *g = &s->hw_grants[i];
        uint64_t gend = g->start + g->count;
        if (g->domid != domid || g->kind != kind || gend <= start ||
            g->start >= end) {
            i++;
            continue;
        }
        if (g->start < start && gend > end) {         /* split */
            if (s->nr_hw_grants >= SIM_NR_HW_GRANTS)
                return -ENOMEM;
            s->hw_grants[s->nr_hw_grants++] =
                (struct sim_hw_grant){ domid, kind, end, gend - end };
            g->count = start - g->start;
            i++;
        } else if (g->start < start) {                 /* keep the head */
            g->count = start - g->start;
            i++;
        } else if (gend > end) {                       /* keep the tail */
            g->count = gend - end;
            g->start = end;
            i++;
        } else {                                       /* all of it */
            memmove(g, g + 1, (s->nr_hw_grants - i - 1) * sizeof(*g));
            s->nr_hw_grants--;
        }
    }
    return 0;
}

static int change_locked(struct sim_state *s, uint32_t domid, uint32_t kind,
                         uint64_t start, uint64_t count, bool allow)
{
    return allow ? grant_locked(s, domid, kind, start, count)
                 : revoke_locked(s, domid, kind, start, count);
}

long sim_domctl_hw(struct sim_state *s, struct xen_domctl *dc)
{
    uint32_t domid = dc->domain;
    long rc;

    sim_lock(s);
    if (!present_locked(s, domid)) {
        rc = -ESRCH;
        goto out;
    }
    switch (dc->cmd) {
    case XEN_DOMCTL_iomem_permission: {
        struct xen_domctl_iomem_permission *p = &dc->u.iomem_permission;
        if (!p->nr_mfns || p->first_mfn + p->nr_mfns - 1 < p->first_mfn ||
            (p->first_mfn + p->nr_mfns - 1) >> 52) {
            rc = -EINVAL;
            break;
        }
        rc = change_locked(s, domid, SIM_HW_IOMEM, p->first_mfn, p->nr_mfns,
                           p->allow_access);
        break;
    }
    case XEN_DOMCTL_ioport_permission: {
        struct xen_domctl_ioport_permission *p = &dc->u.ioport_permission;
        if (!p->nr_ports || (uint64_t)p->first_port + p->nr_ports > 0x10000) {
            rc = -EINVAL;
            break;
        }
        rc = change_locked(s, domid, SIM_HW_IOPORT, p->first_port,
                           p->nr_ports, p->allow_access);
        break;
    }
    case XEN_DOMCTL_irq_permission: {
        struct xen_domctl_irq_permission *p = &dc->u.irq_permission;
        /* the pirq is dom0's: it must be one dom0 holds */
        if (p->pirq >= SIM_DOM0_PIRQS) {
            rc = -EINVAL;
            break;
        }
        if (!p->pirq) {
            rc = -EPERM;
            break;
        }
        rc = change_locked(s, domid, SIM_HW_IRQ, p->pirq, 1, p->allow_access);
        break;
    }
    default:
        rc = -ENOSYS;
        break;
    }
out:
    sim_unlock(s);
    return rc;
}

/* The pirq mapping of domid's pirq (lock held), or NULL. */
static struct sim_hw_grant *pirq_locked(struct sim_state *s, uint32_t domid,
                                        uint64_t pirq)
{
    for (uint32_t i = 0; i < s->nr_hw_grants; i++) {
        struct sim_hw_grant *g = &s->hw_grants[i];
        if (g->domid == domid && g->kind == SIM_HW_PIRQ && g->start == pirq)
            return g;
    }
    return NULL;
}

long sim_physdev_op(struct sim_state *s, uint64_t cmd, void *arg)
{
    long rc;

    switch (cmd) {
    case PHYSDEVOP_map_pirq: {
        struct physdev_map_pirq *m = arg;
        sim_lock(s);
        if (!present_locked(s, m->domid)) {
            rc = -ESRCH;
        } else if (m->type != MAP_PIRQ_TYPE_GSI) {
            rc = -EINVAL;       /* MSIs: not modelled (no device raises one) */
        } else if (m->index <= 0 || (unsigned)m->index >= SIM_DOM0_PIRQS) {
            rc = -EINVAL;
        } else {
            int pirq = m->pirq < 0 ? m->index : m->pirq;
            struct sim_hw_grant *g = pirq_locked(s, m->domid, (uint64_t)pirq);
            if (pirq <= 0 || (unsigned)pirq >= SIM_DOM0_PIRQS)
                rc = -EINVAL;
            else if (g)
                rc = g->count == (uint64_t)m->index ? 0 : -EEXIST;
            else
                rc = grant_locked(s, m->domid, SIM_HW_PIRQ, (uint64_t)pirq,
                                  (uint64_t)m->index);
            if (!rc)
                m->pirq = pirq;
        }
        sim_unlock(s);
        return rc;
    }
    case PHYSDEVOP_unmap_pirq: {
        struct physdev_unmap_pirq *u = arg;
        sim_lock(s);
        if (!present_locked(s, u->domid)) {
            rc = -ESRCH;
        } else {
            struct sim_hw_grant *g = u->pirq > 0
                ? pirq_locked(s, u->domid, (uint64_t)u->pirq) : NULL;
            if (!g) {
                rc = -EINVAL;
            } else {
                uint32_t i = (uint32_t)(g - s->hw_grants);
                memmove(g, g + 1, (s->nr_hw_grants - i - 1) * sizeof(*g));
                s->nr_hw_grants--;
                rc = 0;
            }
        }
        sim_unlock(s);
        return rc;
    }
    default:
        sim_log("physdev_op %lu: not simulated", (unsigned long)cmd);
        return -ENOSYS;
    }
}

EXPORT int xensim_hw_grants(uint32_t domid, char *buf, size_t size)
{
    static const char *const kinds[] = {
        [SIM_HW_IOMEM] = "iomem", [SIM_HW_IOPORT] = "ioport",
        [SIM_HW_IRQ] = "irq", [SIM_HW_PIRQ] = "pirq",
    };
    struct sim_state *s = sim_state();
    size_t len = 0;

    if (!s || !size)
        return -ENOENT;
    buf[0] = '\0';
    sim_lock(s);
    for (uint32_t i = 0; i < s->nr_hw_grants; i++) {
        const struct sim_hw_grant *g = &s->hw_grants[i];
        int n;
        if (g->domid != domid || g->kind > SIM_HW_PIRQ || !kinds[g->kind])
            continue;
        if (g->kind == SIM_HW_PIRQ)
            n = snprintf(buf + len, size - len, "%s %llu -> gsi %llu\n",
                         kinds[g->kind], (unsigned long long)g->start,
                         (unsigned long long)g->count);
        else
            n = snprintf(buf + len, size - len, "%s %#llx+%#llx\n",
                         kinds[g->kind], (unsigned long long)g->start,
                         (unsigned long long)g->count);
        if (n < 0 || (size_t)n >= size - len) {
            sim_unlock(s);
            return -ENOSPC;
        }
        len += (size_t)n;
    }
    sim_unlock(s);
    return 0;
}
