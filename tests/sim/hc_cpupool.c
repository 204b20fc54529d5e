/*
 * hc_cpupool.c: the simulated host's cpus and NUMA nodes, and its
 * cpupools as Xen 4.17 keeps them (sysctl cpupool_op: create, destroy,
 * info, addcpu, rmcpu, movedomain, freeinfo). Owns the topology and pool
 * fields of struct sim_state and sim_domain.cpupool; nothing else.
 *
 * The host has $XENSIM_CPUS cpus (default: this machine's online cpus, as
 * before) split into $XENSIM_NODES nodes of consecutive cpus (default 1),
 * read once, when the state file is created. At boot pool 0 holds every
 * cpu and runs credit2, Debian's default scheduler (its hypervisor is
 * built with credit and credit2 only); every domain starts in pool 0.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

#include "sim.h"

#define POOLID_ANY  XEN_SYSCTL_CPUPOOL_PAR_ANY
#define POOLID_LAST (XEN_SYSCTL_CPUPOOL_PAR_ANY - 1)   /* the highest id */

/* ------------------------------------------------------------ topology */

static uint32_t env_count(const char *name, uint32_t dflt, uint32_t max)
{
    const char *v = getenv(name);
    char *end;

    if (!v || !*v)
        return dflt;
    unsigned long n = strtoul(v, &end, 10);
    if (*end || n == 0)
        return dflt;
    return n > max ? max : (uint32_t)n;
}

void sim_topology_boot(struct sim_state *s)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t dflt = online > 0 ? (uint32_t)online : 1;

    if (dflt > SIM_MAX_CPUS)
        dflt = SIM_MAX_CPUS;
    s->nr_cpus = env_count("XENSIM_CPUS", dflt, SIM_MAX_CPUS);
    s->nr_nodes = env_count("XENSIM_NODES", 1, s->nr_cpus);
    s->nr_pools = 1;
    s->pools[0].id = 0;
    s->pools[0].sched_id = XEN_SCHEDULER_CREDIT2;
    s->pools[0].cpus = s->nr_cpus == 64 ? ~0ull : (1ull << s->nr_cpus) - 1;
    s->free_cpus = 0;
}

uint32_t sim_nr_cpus(const struct sim_state *s)
{
    if (s->nr_cpus)
        return s->nr_cpus;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (uint32_t)online : 1;
}

uint32_t sim_nr_nodes(const struct sim_state *s)
{
    return s->nr_nodes ? s->nr_nodes : 1;
}

/* Nodes of equal size, consecutive cpus; the last one takes the rest. */
uint32_t sim_cpu_node(const struct sim_state *s, uint32_t cpu)
{
    uint32_t nodes = sim_nr_nodes(s), per = sim_nr_cpus(s) / nodes;
    uint32_t node = per ? cpu / per : 0;

    return node >= nodes ? nodes - 1 : node;
}

uint32_t sim_domain_cpupool_locked(const struct sim_domain *d)
{
    /* Xen moves a domain being destroyed back to pool 0. */
    return d->state == DOM_DYING ? 0 : d->cpupool;
}

/* ------------------------------------------------------------ pools */

uint32_t sim_pool_sched_locked(const struct sim_state *s, uint32_t poolid)
{
    for (uint32_t i = 0; i < s->nr_pools; i++)
        if (s->pools[i].id == poolid)
            return poolid == 0 && s->pool0_sched ? s->pool0_sched
                                                 : s->pools[i].sched_id;
    return 0;
}

static struct sim_cpupool *pool_by_id(struct sim_state *s, uint32_t id)
{
    for (uint32_t i = 0; i < s->nr_pools; i++)
        if (s->pools[i].id == id)
            return &s->pools[i];
    return NULL;
}

/* The pool with the lowest id >= id, as Xen's "next" lookup. */
static struct sim_cpupool *pool_from_id(struct sim_state *s, uint32_t id)
{
    for (uint32_t i = 0; i < s->nr_pools; i++)
        if (s->pools[i].id >= id)
            return &s->pools[i];
    return NULL;
}

static uint32_t pool_n_dom(struct sim_state *s, uint32_t id)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < s->next_domid && i < SIM_NR_DOMIDS; i++)
        if (sim_domain_present_locked(s, i) &&
            sim_domain_cpupool_locked(&s->doms[i]) == id)
            n++;
    return n;
}

/* Copy a cpu mask out as Xen does: as many bytes as both sides have,
 * zeros in the rest of the caller's buffer. */
static long mask_out(const struct sim_state *s, struct xenctl_bitmap *bm,
                     uint64_t mask)
{
    uint8_t *buf = bm->bitmap.p;
    uint32_t guest_bytes = (bm->nr_bits + 7) / 8;
    uint32_t host_bytes = (sim_nr_cpus(s) + 7) / 8;

    if (guest_bytes && !buf)
        return -EFAULT;
    for (uint32_t i = 0; i < guest_bytes; i++)
        buf[i] = i < host_bytes && i < 8 ? (uint8_t)(mask >> (8 * i)) : 0;
    return 0;
}

static bool sched_built_in(uint32_t sched_id)
{
    return sched_id == XEN_SCHEDULER_CREDIT || sched_id == XEN_SCHEDULER_CREDIT2;
}

static long pool_create(struct sim_state *s, struct xen_sysctl_cpupool_op *op)
{
    uint32_t id = op->cpupool_id, at;

    if (s->nr_pools >= 2 * sim_nr_cpus(s) || s->nr_pools >= SIM_MAX_POOLS)
        return -ENOSPC;
    if (id != POOLID_ANY) {
        if (pool_by_id(s, id))
            return -EEXIST;
    } else if (s->pools[s->nr_pools - 1].id != POOLID_LAST) {
        id = s->pools[s->nr_pools - 1].id + 1;
    } else {
        /* wrapped: the first gap */
        id = 0;
        for (uint32_t i = 0; i < s->nr_pools && s->pools[i].id == id; i++)
            id++;
    }
    if (!sched_built_in(op->sched_id))
        return -ENOENT;
    for (at = 0; at < s->nr_pools && s->pools[at].id < id; at++)
        ;
    memmove(&s->pools[at + 1], &s->pools[at],
            (s->nr_pools - at) * sizeof(s->pools[0]));
    s->pools[at].id = id;
    s->pools[at].sched_id = op->sched_id;
    s->pools[at].cpus = 0;
    s->nr_pools++;
    op->cpupool_id = id;
    return 0;
}

static long pool_destroy(struct sim_state *s, uint32_t id)
{
    struct sim_cpupool *c = pool_by_id(s, id);

    if (!c)
        return -ENOENT;
    if (c->cpus || pool_n_dom(s, id))
        return -EBUSY;
    uint32_t at = (uint32_t)(c - s->pools);
    memmove(&s->pools[at], &s->pools[at + 1],
            (s->nr_pools - at - 1) * sizeof(s->pools[0]));
    s->nr_pools--;
    return 0;
}

static long pool_addcpu(struct sim_state *s, uint32_t id, uint32_t cpu)
{
    struct sim_cpupool *c = pool_by_id(s, id);
    uint32_t ncpus = sim_nr_cpus(s);

    if (!c)
        return -ENOENT;
    if (cpu == POOLID_ANY) {
        if (!s->free_cpus)
            return -ENODEV;
        cpu = (uint32_t)__builtin_ctzll(s->free_cpus);
    }
    if (cpu >= ncpus)
        return -EINVAL;
    if (!(s->free_cpus & (1ull << cpu)))
        return -ENODEV;
    s->free_cpus &= ~(1ull << cpu);
    c->cpus |= 1ull << cpu;
    return 0;
}

static long pool_rmcpu(struct sim_state *s, uint32_t id, uint32_t cpu)
{
    struct sim_cpupool *c = pool_by_id(s, id);
    uint32_t ncpus = sim_nr_cpus(s);

    if (!c)
        return -ENOENT;
    if (cpu == POOLID_ANY)
        cpu = c->cpus ? 63u - (uint32_t)__builtin_clzll(c->cpus) : ncpus;
    if (cpu >= ncpus)
        return -EINVAL;
    /* cpu 0 never leaves pool 0 */
    if (id == 0 && cpu == 0)
        return -EINVAL;
    if (!(c->cpus & (1ull << cpu)))
        return -EADDRNOTAVAIL;
    /* the last cpu of a pool with live domains stays */
    if (c->cpus == (1ull << cpu) && pool_n_dom(s, id))
        return -EBUSY;
    c->cpus &= ~(1ull << cpu);
    s->free_cpus |= 1ull << cpu;
    return 0;
}

static long pool_movedomain(struct sim_state *s, uint32_t id, uint32_t domid)
{
    if (domid >= SIM_NR_DOMIDS || !sim_domain_present_locked(s, domid))
        return -ESRCH;
    if (domid == 0)
        return -EPERM;    /* the caller's own domain: not a "remote" one */
    struct sim_domain *d = &s->doms[domid];
    if (sim_domain_cpupool_locked(d) == id)
        return 0;
    struct sim_cpupool *c = pool_by_id(s, id);
    if (!c || !c->cpus)
        return -ENOENT;
    d->cpupool = id;
    return 0;
}

long sim_sysctl_cpupool_op(struct sim_state *s, void *arg)
{
    struct xen_sysctl_cpupool_op *op = arg;
    long r;

    sim_lock(s);
    if (!s->nr_pools)      /* a state made before pools existed */
        sim_topology_boot(s);
    switch (op->op) {
    case XEN_SYSCTL_CPUPOOL_OP_CREATE:
        r = pool_create(s, op);
        break;
    case XEN_SYSCTL_CPUPOOL_OP_DESTROY:
        r = pool_destroy(s, op->cpupool_id);
        break;
    case XEN_SYSCTL_CPUPOOL_OP_INFO: {
        struct sim_cpupool *c = pool_from_id(s, op->cpupool_id);
        r = -ENOENT;
        if (c) {
            op->cpupool_id = c->id;
            op->sched_id = sim_pool_sched_locked(s, c->id);
            op->n_dom = pool_n_dom(s, c->id);
            r = mask_out(s, &op->cpumap, c->cpus);
        }
        break;
    }
    case XEN_SYSCTL_CPUPOOL_OP_ADDCPU:
        r = pool_addcpu(s, op->cpupool_id, op->cpu);
        break;
    case XEN_SYSCTL_CPUPOOL_OP_RMCPU:
        r = pool_rmcpu(s, op->cpupool_id, op->cpu);
        break;
    case XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN:
        r = pool_movedomain(s, op->cpupool_id, op->domid);
        break;
    case XEN_SYSCTL_CPUPOOL_OP_FREEINFO:
        r = mask_out(s, &op->cpumap, s->free_cpus);
        break;
    default:
        r = -ENOSYS;
        break;
    }
    sim_unlock(s);
    return r;
}
