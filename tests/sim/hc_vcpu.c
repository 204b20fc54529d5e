/*
 * hc_vcpu.c: the simulated hypervisor's vcpus and scheduling: domctl
 * getvcpuinfo, max_vcpus, get/setvcpuaffinity, get/setnodeaffinity and
 * scheduler_op, and sysctl scheduler_op (pool 0's global parameters).
 * Modelled on Xen 4.17: one NUMA node, every host cpu in pool 0, whose
 * scheduler is credit2 unless the state says otherwise. It owns the
 * vcpu and scheduling fields of struct sim_domain / sim_state and nothing
 * else; the caller (hypercall.c) has counted the call.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

#include "sim.h"

#define NODE_BITS       64u     /* MAX_NUMNODES of an x86 Xen */
#define DEFAULT_WEIGHT  256u    /* credit and credit2 */
#define DEFAULT_RATELIMIT_US 1000u
#define DEFAULT_TSLICE_MS 30u
#define RTDS_PERIOD_US  10000u  /* RTDS's defaults */
#define RTDS_BUDGET_US  4000u
#define RTDS_MIN_US     10u     /* shortest period and budget */

/* ------------------------------------------------------------ cpu masks */

/* The host's cpus (what physinfo reports), at most 64 of them here. */
static uint32_t host_cpus(void)
{
    struct sim_state *s = sim_state();
    return s ? sim_nr_cpus(s) : 1;      /* hc_cpupool.c */
}

static uint64_t online_mask(void)
{
    uint32_t n = host_cpus();
    return n >= 64 ? ~0ull : (1ull << n) - 1;
}

/*
 * A guest's xenctl_bitmap read as Xen does with nbits bits: the bytes
 * both sides have, the guest's last partial byte clamped to its nr_bits.
 * Bits past 64 are not kept.
 */
static uint64_t bitmap_in(const struct xenctl_bitmap *b, uint32_t nbits)
{
    const uint8_t *p = b->bitmap.p;
    uint32_t guest_bytes = (b->nr_bits + 7) / 8;
    uint32_t xen_bytes = (nbits + 7) / 8;
    uint32_t n = guest_bytes < xen_bytes ? guest_bytes : xen_bytes;
    uint64_t m = 0;

    if (!p)
        return 0;
    for (uint32_t i = 0; i < n && i < 8; i++) {
        uint8_t byte = p[i];
        if (i == guest_bytes - 1 && (b->nr_bits & 7))
            byte &= (uint8_t)~(0xffu << (b->nr_bits & 7));
        m |= (uint64_t)byte << (8 * i);
    }
    return m;
}

/* Xen's answer of nbits bits into a guest bitmap: the bytes both sides
 * have, then zeroes up to the guest's size. */
static int bitmap_out(struct xenctl_bitmap *b, uint64_t m, uint32_t nbits)
{
    uint8_t *p = b->bitmap.p;
    uint32_t guest_bytes = (b->nr_bits + 7) / 8;
    uint32_t xen_bytes = (nbits + 7) / 8;

    if (nbits < 64)
        m &= (1ull << nbits) - 1;
    if (!guest_bytes)
        return 0;
    if (!p)
        return -EFAULT;
    for (uint32_t i = 0; i < guest_bytes; i++)
        p[i] = i < xen_bytes && i < 8 ? (uint8_t)(m >> (8 * i)) : 0;
    return 0;
}

/* ------------------------------------------------------------ per vcpu */

static bool vcpu_offline(const struct sim_domain *d, uint32_t v)
{
    return v < SIM_MAX_VCPUS && (d->vcpu_offline[v / 64] >> (v % 64)) & 1;
}

uint32_t sim_vcpus_online_locked(const struct sim_domain *d)
{
    uint32_t n = 0;
    for (uint32_t v = 0; v < d->vcpus && v < SIM_MAX_VCPUS; v++)
        n += !vcpu_offline(d, v);
    return n;
}

/* Hard and soft affinity as set (the default is every cpu). */
static uint64_t vcpu_hard(const struct sim_domain *d, uint32_t v)
{
    if (v < SIM_VCPU_SLOTS && (d->vcpu_hard_set >> v) & 1)
        return d->vcpu_hard[v];
    return ~0ull;
}

static uint64_t vcpu_soft(const struct sim_domain *d, uint32_t v)
{
    if (v < SIM_VCPU_SLOTS && (d->vcpu_soft_set >> v) & 1)
        return d->vcpu_soft[v];
    return ~0ull;
}

/* The cpu a vcpu is on: its "own" one (vcpu modulo cpus) if its hard
 * affinity allows it, else the first one that does. */
static uint32_t vcpu_processor(const struct sim_domain *d, uint32_t v)
{
    uint32_t n = host_cpus(), own = v % n;
    uint64_t allowed = vcpu_hard(d, v) & online_mask();

    if (own < 64 && ((allowed >> own) & 1))
        return own;
    for (uint32_t c = 0; c < 64 && c < n; c++)
        if ((allowed >> c) & 1)
            return c;
    return own;
}

uint32_t sim_domain_sched_locked(const struct sim_state *s, uint32_t domid)
{
    uint32_t pool = domid < SIM_NR_DOMIDS
                    ? sim_domain_cpupool_locked(&s->doms[domid]) : 0;

    if (pool)             /* a pool of hc_cpupool.c's */
        return sim_pool_sched_locked(s, pool);
    return s->pool0_sched ? s->pool0_sched : XEN_SCHEDULER_CREDIT2;
}

static long getvcpuinfo_locked(struct sim_state *s, uint32_t domid,
                               struct xen_domctl_getvcpuinfo *vi)
{
    struct sim_domain *d = &s->doms[domid];
    uint32_t v = vi->vcpu;

    if (v >= d->vcpus)
        return -EINVAL;
    uint64_t now = sim_now_locked(s, sim_now_ns());
    sim_dom_lock(d);
    uint64_t total = sim_cpu_time_locked(d, now);
    bool runnable = d->state == DOM_ALIVE && !d->shutdown && !d->pause_count;
    sim_dom_unlock(d);

    /* The domain's time shared among its online vcpus; vcpu 0 (or the
     * first online one) has the remainder. */
    uint32_t online = sim_vcpus_online_locked(d), first = 0;
    while (first < d->vcpus && vcpu_offline(d, first))
        first++;
    bool up = !vcpu_offline(d, v);
    uint64_t t = 0;
    if (up && online) {
        t = total / online;
        if (v == first)
            t += total % online;
    }
    vi->online = up;
    /* dom0's first vcpu is the one making this call; every other
     * online vcpu waits for events. */
    vi->running = up && runnable && domid == 0 && v == first;
    vi->blocked = up && !vi->running;
    vi->cpu_time = t;
    vi->cpu = vcpu_processor(d, v);
    return 0;
}

/* XEN_DOMCTL_getvcpuaffinity / setvcpuaffinity (vcpu_affinity_domctl). */
static long vcpuaffinity_locked(struct sim_state *s, uint32_t domid,
                                uint32_t cmd,
                                struct xen_domctl_vcpuaffinity *va)
{
    struct sim_domain *d = &s->doms[domid];
    uint32_t v = va->vcpu, nbits = host_cpus();
    uint64_t online = online_mask();
    bool hard = va->flags & XEN_VCPUAFFINITY_HARD;
    bool soft = va->flags & XEN_VCPUAFFINITY_SOFT;

    if (v >= d->vcpus)
        return -EINVAL;
    if (!va->flags || (hard && !va->cpumap_hard.bitmap.p) ||
        (soft && !va->cpumap_soft.bitmap.p))
        return -EINVAL;

    if (cmd == XEN_DOMCTL_getvcpuaffinity) {
        int rc = 0;
        if (hard)
            rc = bitmap_out(&va->cpumap_hard, vcpu_hard(d, v), nbits);
        if (soft)
            rc = bitmap_out(&va->cpumap_soft, vcpu_soft(d, v), nbits);
        return rc;
    }

    if (v >= SIM_VCPU_SLOTS) {
        sim_log("setvcpuaffinity: vcpu %u of domain %u past the simulated "
                "slots", v, domid);
        return -ENOMEM;
    }
    uint64_t new_hard = 0, new_soft = 0;
    if (hard) {
        new_hard = bitmap_in(&va->cpumap_hard, nbits) & online;
        if (!new_hard)
            return -EINVAL;      /* no online cpu in it */
    }
    if (soft)
        new_soft = bitmap_in(&va->cpumap_soft, nbits) & online;
    if (hard) {
        d->vcpu_hard[v] = new_hard;
        d->vcpu_hard_set |= 1ull << v;
    }
    if (soft) {
        d->vcpu_soft[v] = new_soft;
        d->vcpu_soft_set |= 1ull << v;
    }
    /* What the scheduler will use: hard within the pool's cpus, soft
     * within those and the hard affinity. */
    int rc = 0;
    if (hard)
        rc = bitmap_out(&va->cpumap_hard, vcpu_hard(d, v) & online, nbits);
    if (soft && !rc)
        rc = bitmap_out(&va->cpumap_soft,
                        vcpu_soft(d, v) & vcpu_hard(d, v) & online, nbits);
    return rc;
}

/* Node affinity: set by hand, or (automatic) the nodes of the vcpus'
 * cpus, which on this one-node host is node 0. */
static long nodeaffinity_locked(struct sim_state *s, uint32_t domid,
                                uint32_t cmd,
                                struct xen_domctl_nodeaffinity *na)
{
    struct sim_domain *d = &s->doms[domid];

    if (cmd == XEN_DOMCTL_getnodeaffinity)
        return bitmap_out(&na->nodemap,
                          d->node_affinity_set ? d->node_affinity : 1, NODE_BITS);

    uint64_t m = bitmap_in(&na->nodemap, NODE_BITS);
    if (!(m & 1))
        return -EINVAL;          /* disjoint from the online nodes */
    if (m == ~0ull) {            /* every node: back to automatic */
        d->node_affinity_set = 0;
        d->node_affinity = 0;
    } else {
        d->node_affinity_set = 1;
        d->node_affinity = m;
    }
    return 0;
}

/*
 * RTDS (rt_dom_cntl): getinfo answers the scheduler's defaults, putinfo
 * sets every vcpu's period and budget (not extratime); the per-vcpu
 * requests walk the caller's array and stop at the first bad entry, the
 * ones before it done, as Xen (which may also stop early to be
 * preempted: nr_vcpus says how many it did).
 */
static long rtds_op_locked(struct sim_domain *d,
                           struct xen_domctl_scheduler_op *op)
{
    switch (op->cmd) {
    case XEN_DOMCTL_SCHEDOP_getinfo:
        op->u.rtds.period = RTDS_PERIOD_US;
        op->u.rtds.budget = RTDS_BUDGET_US;
        return 0;
    case XEN_DOMCTL_SCHEDOP_putinfo:
        if (!op->u.rtds.period || !op->u.rtds.budget)
            return -EINVAL;
        for (uint32_t v = 0; v < d->vcpus && v < SIM_VCPU_SLOTS; v++) {
            d->rtds_period[v] = op->u.rtds.period;
            d->rtds_budget[v] = op->u.rtds.budget;
        }
        return 0;
    default:
        break;
    }

    xen_domctl_schedparam_vcpu_t *a = op->u.v.vcpus.p;
    uint32_t i;
    if (op->u.v.nr_vcpus && !a)
        return -EFAULT;
    for (i = 0; i < op->u.v.nr_vcpus; i++) {
        uint32_t v = a[i].vcpuid;
        if (v >= d->vcpus)
            return -EINVAL;
        if (op->cmd == XEN_DOMCTL_SCHEDOP_getvcpuinfo) {
            bool slot = v < SIM_VCPU_SLOTS;
            a[i].u.rtds.period = slot && d->rtds_period[v] ? d->rtds_period[v]
                                                           : RTDS_PERIOD_US;
            a[i].u.rtds.budget = slot && d->rtds_budget[v] ? d->rtds_budget[v]
                                                           : RTDS_BUDGET_US;
            if (slot && ((d->rtds_no_extra >> v) & 1))
                a[i].u.rtds.flags &= ~XEN_DOMCTL_SCHEDRT_extra;
            else
                a[i].u.rtds.flags |= XEN_DOMCTL_SCHEDRT_extra;
            continue;
        }
        uint32_t period = a[i].u.rtds.period, budget = a[i].u.rtds.budget;
        if (budget < RTDS_MIN_US || budget > period || period < RTDS_MIN_US)
            return -EINVAL;
        if (v >= SIM_VCPU_SLOTS) {
            sim_log("RTDS putvcpuinfo: vcpu %u past the simulated slots", v);
            return -ENOMEM;
        }
        d->rtds_period[v] = period;
        d->rtds_budget[v] = budget;
        if (a[i].u.rtds.flags & XEN_DOMCTL_SCHEDRT_extra)
            d->rtds_no_extra &= ~(1ull << v);
        else
            d->rtds_no_extra |= 1ull << v;
    }
    op->u.v.nr_vcpus = i;
    return 0;
}

/* XEN_DOMCTL_scheduler_op (sched_adjust and the schedulers' dom_cntl). */
static long scheduler_op_locked(struct sim_state *s, uint32_t domid,
                                struct xen_domctl_scheduler_op *op)
{
    struct sim_domain *d = &s->doms[domid];
    uint32_t sched = sim_domain_sched_locked(s, domid);

    if (op->sched_id != sched)
        return -EINVAL;
    if (op->cmd > XEN_DOMCTL_SCHEDOP_getvcpuinfo)
        return -EINVAL;
    if (sched == XEN_SCHEDULER_RTDS)
        return rtds_op_locked(d, op);
    if (sched != XEN_SCHEDULER_CREDIT && sched != XEN_SCHEDULER_CREDIT2)
        return 0;              /* null and arinc653 take no domain request */
    /* credit and credit2 keep no per-vcpu parameters */
    if (op->cmd == XEN_DOMCTL_SCHEDOP_putvcpuinfo ||
        op->cmd == XEN_DOMCTL_SCHEDOP_getvcpuinfo)
        return -EINVAL;

    /* credit and credit2 lay weight and cap out alike */
    struct xen_domctl_sched_credit *p = &op->u.credit;
    if (op->cmd == XEN_DOMCTL_SCHEDOP_getinfo) {
        p->weight = d->sched_weight ? d->sched_weight : DEFAULT_WEIGHT;
        p->cap = d->sched_cap;
        return 0;
    }
    if (sched == XEN_SCHEDULER_CREDIT) {
        if (p->weight)
            d->sched_weight = p->weight;
        if (p->cap != (uint16_t)~0u)
            d->sched_cap = p->cap;
        return 0;
    }
    if (p->weight)
        d->sched_weight = p->weight;
    if (p->cap) {
        if (p->cap > 100u * d->vcpus)
            return -EINVAL;
    }
    d->sched_cap = p->cap;
    return 0;
}

long sim_domctl_vcpu(struct sim_state *s, struct xen_domctl *dc)
{
    uint32_t domid = dc->domain;
    long rc;

    sim_lock(s);
    if (domid >= SIM_NR_DOMIDS || !sim_domain_present_locked(s, domid)) {
        sim_unlock(s);
        return -ESRCH;
    }
    switch (dc->cmd) {
    case XEN_DOMCTL_getvcpuinfo:
        rc = getvcpuinfo_locked(s, domid, &dc->u.getvcpuinfo);
        break;
    case XEN_DOMCTL_max_vcpus:
        /* only the count given at creation, never on the caller itself */
        rc = domid == 0 || dc->u.max_vcpus.max != s->doms[domid].vcpus
             ? -EINVAL : 0;
        break;
    case XEN_DOMCTL_getvcpuaffinity:
    case XEN_DOMCTL_setvcpuaffinity:
        rc = vcpuaffinity_locked(s, domid, dc->cmd, &dc->u.vcpuaffinity);
        break;
    case XEN_DOMCTL_getnodeaffinity:
    case XEN_DOMCTL_setnodeaffinity:
        rc = nodeaffinity_locked(s, domid, dc->cmd, &dc->u.nodeaffinity);
        break;
    case XEN_DOMCTL_scheduler_op:
        rc = scheduler_op_locked(s, domid, &dc->u.scheduler_op);
        break;
    default:
        rc = -ENOSYS;
        break;
    }
    sim_unlock(s);
    return rc;
}

/* ------------------------------------------------------------ sysctl */

/* A pool's global parameters: pool 0's fields of the state, or the slot
 * of another pool (NULL if it has none yet and none is to be made). */
static struct sim_pool_sched *pool_params(struct sim_state *s, uint32_t pool,
                                          bool make, struct sim_pool_sched *p0)
{
    if (pool == 0) {
        *p0 = (struct sim_pool_sched){
            .used = 1, .csched_tslice_ms = s->csched_tslice_ms,
            .csched_ratelimit_us = s->csched_ratelimit_us,
            .csched_migr_delay_us = s->csched_migr_delay_us,
            .csched_set = s->csched_set,
            .csched2_ratelimit_us = s->csched2_ratelimit_us,
            .csched2_set = s->csched2_set };
        return p0;
    }
    struct sim_pool_sched *free_slot = NULL;
    for (uint32_t i = 0; i < SIM_MAX_POOLS; i++) {
        struct sim_pool_sched *g = &s->pool_sched[i];
        if (g->used && g->pool_id == pool)
            return g;
        if (!g->used && !free_slot)
            free_slot = g;
    }
    if (!make || !free_slot)
        return NULL;
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->used = 1;
    free_slot->pool_id = pool;
    return free_slot;
}

static void pool_params_save(struct sim_state *s, uint32_t pool,
                             const struct sim_pool_sched *g)
{
    if (pool != 0)
        return;                 /* a slot of the table: written in place */
    s->csched_tslice_ms = g->csched_tslice_ms;
    s->csched_ratelimit_us = g->csched_ratelimit_us;
    s->csched_migr_delay_us = g->csched_migr_delay_us;
    s->csched_set = g->csched_set;
    s->csched2_ratelimit_us = g->csched2_ratelimit_us;
    s->csched2_set = g->csched2_set;
}

/* XEN_SYSCTL_scheduler_op (sched_adjust_global): any pool there is, each
 * scheduler instance with parameters of its own. */
long sim_sysctl_sched(struct sim_state *s, struct xen_sysctl *sc)
{
    struct xen_sysctl_scheduler_op *op = &sc->u.scheduler_op;
    struct sim_pool_sched p0, none = { 0 }, *g;
    bool put = op->cmd == XEN_SYSCTL_SCHEDOP_putinfo;
    long rc = 0;

    if (!put && op->cmd != XEN_SYSCTL_SCHEDOP_getinfo)
        return -EINVAL;
    sim_lock(s);
    uint32_t sched = sim_pool_sched_locked(s, op->cpupool_id);
    if (!sched) {
        rc = -ESRCH;
        goto out;
    }
    if (op->sched_id != sched) {
        rc = -EINVAL;
        goto out;
    }
    if (sched == XEN_SCHEDULER_CREDIT) {
        struct xen_sysctl_credit_schedule *p = &op->u.sched_credit;
        if (put && (p->tslice_ms > XEN_SYSCTL_CSCHED_TSLICE_MAX ||
                    p->tslice_ms < XEN_SYSCTL_CSCHED_TSLICE_MIN ||
                    (p->ratelimit_us &&
                     (p->ratelimit_us > XEN_SYSCTL_SCHED_RATELIMIT_MAX ||
                      p->ratelimit_us < XEN_SYSCTL_SCHED_RATELIMIT_MIN)) ||
                    (uint64_t)p->ratelimit_us > (uint64_t)p->tslice_ms * 1000 ||
                    p->vcpu_migr_delay_us > XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US)) {
            rc = -EINVAL;
            goto out;
        }
        g = pool_params(s, op->cpupool_id, put, &p0);
        if (!g && put) {
            rc = -ENOMEM;
            goto out;
        }
        g = g ? g : &none;
        if (put) {
            g->csched_tslice_ms = p->tslice_ms;
            g->csched_ratelimit_us = p->ratelimit_us;
            g->csched_migr_delay_us = p->vcpu_migr_delay_us;
            g->csched_set = 1;
            pool_params_save(s, op->cpupool_id, g);
        }
        p->tslice_ms = g->csched_set ? g->csched_tslice_ms : DEFAULT_TSLICE_MS;
        p->ratelimit_us = g->csched_set ? g->csched_ratelimit_us
                                        : DEFAULT_RATELIMIT_US;
        p->vcpu_migr_delay_us = g->csched_set ? g->csched_migr_delay_us : 0;
    } else if (sched == XEN_SCHEDULER_CREDIT2) {
        struct xen_sysctl_credit2_schedule *p = &op->u.sched_credit2;
        if (put && p->ratelimit_us &&
            (p->ratelimit_us > XEN_SYSCTL_SCHED_RATELIMIT_MAX ||
             p->ratelimit_us < XEN_SYSCTL_SCHED_RATELIMIT_MIN)) {
            rc = -EINVAL;
            goto out;
        }
        g = pool_params(s, op->cpupool_id, put, &p0);
        if (!g && put) {
            rc = -ENOMEM;
            goto out;
        }
        g = g ? g : &none;
        if (put) {
            g->csched2_ratelimit_us = p->ratelimit_us;
            g->csched2_set = 1;
            pool_params_save(s, op->cpupool_id, g);
        }
        p->ratelimit_us = g->csched2_set ? g->csched2_ratelimit_us
                                         : DEFAULT_RATELIMIT_US;
    } else if (sched == XEN_SCHEDULER_ARINC653) {
        sim_log("sysctl scheduler_op: arinc653's schedule not simulated");
        rc = -ENOSYS;
    }                          /* RTDS and null: nothing global, 0 */
out:
    sim_unlock(s);
    return rc;
}

/* ------------------------------------------------------------ control */

EXPORT int xensim_set_pool0_sched(uint32_t sched_id)
{
    struct sim_state *s = sim_state();

    if (!s)
        return -errno;
    if (sched_id != XEN_SCHEDULER_CREDIT && sched_id != XEN_SCHEDULER_CREDIT2 &&
        sched_id != XEN_SCHEDULER_RTDS && sched_id != XEN_SCHEDULER_NULL &&
        sched_id != XEN_SCHEDULER_ARINC653)
        return -EINVAL;
    sim_lock(s);
    s->pool0_sched = sched_id;
    sim_unlock(s);
    return 0;
}

/*
 * What a PV guest's kernel does when the toolstack changes
 * cpu/N/availability: takes vcpu N down (VCPUOP_down) or up again.
 * 0, or -errno (no such domain or vcpu).
 */
EXPORT int xensim_vcpu_set_online(uint32_t domid, uint32_t vcpu, bool online)
{
    struct sim_state *s = sim_state();
    int rc = 0;

    if (!s)
        return -errno;
    sim_lock(s);
    if (domid >= SIM_NR_DOMIDS || !sim_domain_present_locked(s, domid)) {
        rc = -ESRCH;
    } else if (vcpu >= s->doms[domid].vcpus || vcpu >= SIM_MAX_VCPUS) {
        rc = -EINVAL;
    } else if (online) {
        s->doms[domid].vcpu_offline[vcpu / 64] &= ~(1ull << (vcpu % 64));
    } else {
        s->doms[domid].vcpu_offline[vcpu / 64] |= 1ull << (vcpu % 64);
    }
    sim_unlock(s);
    return rc;
}
