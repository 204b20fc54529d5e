/*
 * ops/sched_params.c: scheduling parameters: a domain's (weight and cap
 * for credit and credit2, period and budget for RTDS), per vcpu (RTDS
 * only), and a cpupool's global ones for credit and credit2. Synchronous,
 * through libxenctrl; no state, nothing of another family. Which
 * scheduler a domain runs under is asked of the hypervisor (its cpupool's).
 */
#include <stdlib.h>

#include <xenctrl.h>
#include <xenstore.h>

#include "base/gc.h"
#include "base/log.h"
#include "ops/ops.h"

/* ------------------------------------------------------------ whose */

/*
 * The scheduler of domid's cpupool, or LIBXL_SCHEDULER_UNKNOWN: what
 * libxl's libxl_cpupool_info would say, without building the whole
 * cpupool information (the pool's name is only checked to exist).
 */
static libxl_scheduler domain_scheduler(libxl_ctx *ctx, uint32_t domid)
{
    xc_domaininfo_t dom;
    xc_cpupoolinfo_t *pool;
    libxl_scheduler sched = LIBXL_SCHEDULER_UNKNOWN;
    int r;

    r = xc_domain_getinfolist(ctx->xch, domid, 1, &dom);
    if (r != 1) {
        LOGE(ctx, ERROR, "getinfolist failed %d", r);
        return sched;
    }
    if (dom.domain != domid) {
        LOGE(ctx, ERROR, "got info for dom%d, wanted dom%d\n",
             (int)dom.domain, (int)domid);
        return sched;
    }

    pool = xc_cpupool_getinfo(ctx->xch, dom.cpupool);
    if (!pool) {
        LOGE(ctx, ERROR, "failed to get info for cpupool%d", (int)dom.cpupool);
        return sched;
    }
    if (pool->cpupool_id != dom.cpupool) {
        LOG(ctx, ERROR, "got info for cpupool%d, wanted cpupool%d\n",
            (int)pool->cpupool_id, (int)dom.cpupool);
        goto out;
    }
    {
        /* libxl fails (silently) when the pool has no name in xenstore */
        GC_INIT(ctx);
        char *name = libxl__gc_adopt(gc, xs_read(ctx->xsh, XBT_NULL,
            GCSPRINTF("/local/pool/%u/name", pool->cpupool_id), NULL));
        if (!name)
            goto out;
    }
    sched = (libxl_scheduler)pool->sched_id;
out:
    xc_cpupool_infofree(ctx->xch, pool);
    return sched;
}

/* ------------------------------------------------------------ credit, credit2 */

/*
 * credit and credit2 hold the same two per-domain numbers; `two` picks
 * credit2's libxenctrl calls and names it in log lines.
 */
static int credit_domain_get(libxl_ctx *ctx, uint32_t domid, bool two,
                             libxl_domain_sched_params *out)
{
    int r;
    unsigned weight, cap;

    if (two) {
        struct xen_domctl_sched_credit2 p = { 0 };
        r = xc_sched_credit2_domain_get(ctx->xch, domid, &p);
        weight = p.weight;
        cap = p.cap;
    } else {
        struct xen_domctl_sched_credit p = { 0 };
        r = xc_sched_credit_domain_get(ctx->xch, domid, &p);
        weight = p.weight;
        cap = p.cap;
    }
    if (r) {
        LOGED(ctx, ERROR, domid, "Getting domain sched %s",
              two ? "credit2" : "credit");
        return ERROR_FAIL;
    }
    libxl_domain_sched_params_init(out);
    out->sched = two ? LIBXL_SCHEDULER_CREDIT2 : LIBXL_SCHEDULER_CREDIT;
    out->weight = (int)weight;
    out->cap = (int)cap;
    return 0;
}

/* Weight 1-65535 and cap 0-100 per vcpu; -1 (default) keeps the current. */
static int credit_domain_set(libxl_ctx *ctx, uint32_t domid, bool two,
                             const libxl_domain_sched_params *in)
{
    xc_domaininfo_t dom;
    uint16_t weight, cap;
    int r;

    r = xc_domain_getinfolist(ctx->xch, domid, 1, &dom);
    if (r < 0) {
        LOGED(ctx, ERROR, domid, two ? "Getting domain info"
                                     : "Getting domain info list");
        return ERROR_FAIL;
    }
    if (r != 1 || dom.domain != domid)
        return ERROR_INVAL;

    if (two) {
        struct xen_domctl_sched_credit2 p = { 0 };
        r = xc_sched_credit2_domain_get(ctx->xch, domid, &p);
        weight = p.weight;
        cap = p.cap;
    } else {
        struct xen_domctl_sched_credit p = { 0 };
        r = xc_sched_credit_domain_get(ctx->xch, domid, &p);
        weight = p.weight;
        cap = p.cap;
    }
    if (r) {
        LOGED(ctx, ERROR, domid, "Getting domain sched %s",
              two ? "credit2" : "credit");
        return ERROR_FAIL;
    }

    if (in->weight != LIBXL_DOMAIN_SCHED_PARAM_WEIGHT_DEFAULT) {
        if (in->weight < 1 || in->weight > 65535) {
            LOGD(ctx, ERROR, domid, "Cpu weight out of range, "
                 "valid values are within range from 1 to 65535");
            return ERROR_INVAL;
        }
        weight = (uint16_t)in->weight;
    }
    if (in->cap != LIBXL_DOMAIN_SCHED_PARAM_CAP_DEFAULT) {
        int most = (int)((dom.max_vcpu_id + 1) * 100);
        if (in->cap < 0 || in->cap > most) {
            LOGD(ctx, ERROR, domid, "Cpu cap out of range, "
                 "valid range is from 0 to %d for specified number of vcpus",
                 most);
            return ERROR_INVAL;
        }
        cap = (uint16_t)in->cap;
    }

    if (two) {
        struct xen_domctl_sched_credit2 p = { .weight = weight, .cap = cap };
        r = xc_sched_credit2_domain_set(ctx->xch, domid, &p);
    } else {
        struct xen_domctl_sched_credit p = { .weight = weight, .cap = cap };
        r = xc_sched_credit_domain_set(ctx->xch, domid, &p);
    }
    if (r < 0) {
        LOGED(ctx, ERROR, domid, "Setting domain sched %s",
              two ? "credit2" : "credit");
        return ERROR_FAIL;
    }
    return 0;
}

/* 0 (no rate limiting) or within the hypervisor's bounds. */
static int ratelimit_ok(libxl_ctx *ctx, int ratelimit_us)
{
    if (ratelimit_us != 0 &&
        (ratelimit_us < XEN_SYSCTL_SCHED_RATELIMIT_MIN ||
         ratelimit_us > XEN_SYSCTL_SCHED_RATELIMIT_MAX)) {
        LOG(ctx, ERROR, "Ratelimit out of range, valid range is from %d to %d",
            XEN_SYSCTL_SCHED_RATELIMIT_MIN, XEN_SYSCTL_SCHED_RATELIMIT_MAX);
        return ERROR_INVAL;
    }
    return 0;
}

int libxl_sched_credit_params_get(libxl_ctx *ctx, uint32_t poolid,
                                  libxl_sched_credit_params *scinfo)
{
    struct xen_sysctl_credit_schedule p;

    if (xc_sched_credit_params_get(ctx->xch, poolid, &p) < 0) {
        LOGE(ctx, ERROR, "getting Credit scheduler parameters");
        return ERROR_FAIL;
    }
    scinfo->tslice_ms = (int)p.tslice_ms;
    scinfo->ratelimit_us = (int)p.ratelimit_us;
    scinfo->vcpu_migr_delay_us = (int)p.vcpu_migr_delay_us;
    return 0;
}

/* Checked here first, so the log says which value is wrong; scinfo gets
 * what the hypervisor then holds. */
int libxl_sched_credit_params_set(libxl_ctx *ctx, uint32_t poolid,
                                  libxl_sched_credit_params *scinfo)
{
    struct xen_sysctl_credit_schedule p;
    int rc;

    if (scinfo->tslice_ms < XEN_SYSCTL_CSCHED_TSLICE_MIN ||
        scinfo->tslice_ms > XEN_SYSCTL_CSCHED_TSLICE_MAX) {
        LOG(ctx, ERROR, "Time slice out of range, valid range is from %d to %d",
            XEN_SYSCTL_CSCHED_TSLICE_MIN, XEN_SYSCTL_CSCHED_TSLICE_MAX);
        return ERROR_INVAL;
    }
    rc = ratelimit_ok(ctx, scinfo->ratelimit_us);
    if (rc)
        return rc;
    if (scinfo->ratelimit_us > scinfo->tslice_ms * 1000) {
        LOG(ctx, ERROR, "Ratelimit cannot be greater than timeslice");
        return ERROR_INVAL;
    }
    if (scinfo->vcpu_migr_delay_us > XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US) {
        LOG(ctx, ERROR, "vcpu migration delay should be >= 0 and <= %dus",
            XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US);
        return ERROR_INVAL;
    }

    p.tslice_ms = (uint32_t)scinfo->tslice_ms;
    p.ratelimit_us = (uint32_t)scinfo->ratelimit_us;
    p.vcpu_migr_delay_us = (uint32_t)scinfo->vcpu_migr_delay_us;
    if (xc_sched_credit_params_set(ctx->xch, poolid, &p) < 0) {
        LOGE(ctx, ERROR, "Setting Credit scheduler parameters");
        return ERROR_FAIL;
    }
    scinfo->tslice_ms = (int)p.tslice_ms;
    scinfo->ratelimit_us = (int)p.ratelimit_us;
    scinfo->vcpu_migr_delay_us = (int)p.vcpu_migr_delay_us;
    return 0;
}

int libxl_sched_credit2_params_get(libxl_ctx *ctx, uint32_t poolid,
                                   libxl_sched_credit2_params *scinfo)
{
    struct xen_sysctl_credit2_schedule p;

    if (xc_sched_credit2_params_get(ctx->xch, poolid, &p) < 0) {
        LOGE(ctx, ERROR, "getting Credit2 scheduler parameters");
        return ERROR_FAIL;
    }
    scinfo->ratelimit_us = (int)p.ratelimit_us;
    return 0;
}

int libxl_sched_credit2_params_set(libxl_ctx *ctx, uint32_t poolid,
                                   libxl_sched_credit2_params *scinfo)
{
    struct xen_sysctl_credit2_schedule p;
    int rc;

    rc = ratelimit_ok(ctx, scinfo->ratelimit_us);
    if (rc)
        return rc;
    p.ratelimit_us = (uint32_t)scinfo->ratelimit_us;
    if (xc_sched_credit2_params_set(ctx->xch, poolid, &p) < 0) {
        LOGE(ctx, ERROR, "Setting Credit2 scheduler parameters");
        return ERROR_FAIL;
    }
    scinfo->ratelimit_us = (int)p.ratelimit_us;
    return 0;
}

/* ------------------------------------------------------------ RTDS */

static int rtds_check(libxl_ctx *ctx, int period, int budget)
{
    if (period < 1) {
        LOG(ctx, ERROR, "Invalid VCPU period of %d (it should be >= 1)", period);
        return ERROR_INVAL;
    }
    if (budget < 1) {
        LOG(ctx, ERROR, "Invalid VCPU budget of %d (it should be >= 1)", budget);
        return ERROR_INVAL;
    }
    if (budget > period) {
        LOG(ctx, ERROR, "VCPU budget must be smaller than or equal to period, "
            "but %d > %d", budget, period);
        return ERROR_INVAL;
    }
    return 0;
}

/*
 * The highest vcpu id of the first domain from domid on (libxl asks for
 * the domain this way and does not check which one answered).
 */
static int rtds_max_vcpu_id(libxl_ctx *ctx, uint32_t domid, unsigned *max_id)
{
    xc_dominfo_t info;

    if (xc_domain_getinfo(ctx->xch, domid, 1, &info) < 0) {
        LOGED(ctx, ERROR, domid, "Getting domain info");
        return ERROR_FAIL;
    }
    *max_id = info.max_vcpu_id;
    return 0;
}

static void rtds_to_params(libxl_sched_params *dst,
                           const struct xen_domctl_schedparam_vcpu *src)
{
    dst->period = (int)src->u.rtds.period;
    dst->budget = (int)src->u.rtds.budget;
    dst->extratime = !!(src->u.rtds.flags & XEN_DOMCTL_SCHEDRT_extra);
    dst->vcpuid = (int)src->vcpuid;
}

static void rtds_from_params(struct xen_domctl_schedparam_vcpu *dst,
                             uint32_t vcpuid, const libxl_sched_params *src)
{
    dst->vcpuid = vcpuid;
    dst->u.rtds.period = (uint32_t)src->period;
    dst->u.rtds.budget = (uint32_t)src->budget;
    dst->u.rtds.flags = src->extratime ? XEN_DOMCTL_SCHEDRT_extra : 0;
}

/* The vcpus listed in scinfo (at least one). */
static int rtds_vcpu_get(libxl_ctx *ctx, uint32_t domid,
                         libxl_vcpu_sched_params *scinfo)
{
    GC_INIT(ctx);
    struct xen_domctl_schedparam_vcpu *v;
    unsigned max_id;
    int rc;

    rc = rtds_max_vcpu_id(ctx, domid, &max_id);
    if (rc)
        return rc;
    if (scinfo->num_vcpus <= 0)
        return ERROR_INVAL;
    v = GCZALLOC(sizeof(*v) * (size_t)scinfo->num_vcpus);
    if (!v)
        return ERROR_NOMEM;
    for (int i = 0; i < scinfo->num_vcpus; i++) {
        int id = scinfo->vcpus[i].vcpuid;
        if (id < 0 || (unsigned)id > max_id) {
            LOGD(ctx, ERROR, domid, "VCPU index is out of range, "
                 "valid values are within range from 0 to %d", (int)max_id);
            return ERROR_INVAL;
        }
        v[i].vcpuid = (uint32_t)id;
    }
    if (xc_sched_rtds_vcpu_get(ctx->xch, domid, v,
                               (uint32_t)scinfo->num_vcpus) != 0) {
        LOGED(ctx, ERROR, domid, "Getting vcpu sched rtds");
        return ERROR_FAIL;
    }
    scinfo->sched = LIBXL_SCHEDULER_RTDS;
    for (int i = 0; i < scinfo->num_vcpus; i++)
        rtds_to_params(&scinfo->vcpus[i], &v[i]);
    return 0;
}

/* Every vcpu of the domain, into a new array in scinfo (empty on entry). */
static int rtds_vcpu_get_all(libxl_ctx *ctx, uint32_t domid,
                             libxl_vcpu_sched_params *scinfo)
{
    GC_INIT(ctx);
    struct xen_domctl_schedparam_vcpu *v;
    unsigned max_id, n;
    int rc;

    rc = rtds_max_vcpu_id(ctx, domid, &max_id);
    if (rc)
        return rc;
    if (scinfo->num_vcpus > 0)
        return ERROR_INVAL;
    n = max_id + 1;
    v = GCZALLOC(sizeof(*v) * n);
    if (!v)
        return ERROR_NOMEM;
    for (unsigned i = 0; i < n; i++)
        v[i].vcpuid = i;
    if (xc_sched_rtds_vcpu_get(ctx->xch, domid, v, n) != 0) {
        LOGED(ctx, ERROR, domid, "Getting vcpu sched rtds");
        return ERROR_FAIL;
    }
    libxl_sched_params *out = calloc(n, sizeof(*out));
    if (!out) {
        LOGD(ctx, ERROR, domid, "cannot allocate the parameters of %u vcpus", n);
        return ERROR_NOMEM;
    }
    scinfo->sched = LIBXL_SCHEDULER_RTDS;
    scinfo->num_vcpus = (int)n;
    scinfo->vcpus = out;
    for (unsigned i = 0; i < n; i++)
        rtds_to_params(&out[i], &v[i]);
    return 0;
}

static int rtds_vcpu_set(libxl_ctx *ctx, uint32_t domid,
                         const libxl_vcpu_sched_params *scinfo)
{
    GC_INIT(ctx);
    struct xen_domctl_schedparam_vcpu *v;
    unsigned max_id;
    int rc;

    rc = rtds_max_vcpu_id(ctx, domid, &max_id);
    if (rc)
        return rc;
    max_id &= 0xffff;              /* libxl keeps it in 16 bits */
    if (scinfo->num_vcpus <= 0)
        return ERROR_INVAL;
    for (int i = 0; i < scinfo->num_vcpus; i++) {
        int id = scinfo->vcpus[i].vcpuid;
        if (id < 0 || id > (int)max_id) {
            LOGD(ctx, ERROR, domid, "Invalid VCPU %d: valid range is [0, %d]",
                 id, (int)max_id);
            return ERROR_INVAL;
        }
        if (rtds_check(ctx, scinfo->vcpus[i].period, scinfo->vcpus[i].budget))
            return ERROR_INVAL;
    }
    v = GCZALLOC(sizeof(*v) * (size_t)scinfo->num_vcpus);
    if (!v)
        return ERROR_NOMEM;
    for (int i = 0; i < scinfo->num_vcpus; i++)
        rtds_from_params(&v[i], (uint32_t)scinfo->vcpus[i].vcpuid,
                         &scinfo->vcpus[i]);
    if (xc_sched_rtds_vcpu_set(ctx->xch, domid, v,
                               (uint32_t)scinfo->num_vcpus) != 0) {
        LOGED(ctx, ERROR, domid, "Setting vcpu sched rtds");
        return ERROR_FAIL;
    }
    return 0;
}

/* scinfo's one entry, for every vcpu. */
static int rtds_vcpu_set_all(libxl_ctx *ctx, uint32_t domid,
                             const libxl_vcpu_sched_params *scinfo)
{
    GC_INIT(ctx);
    struct xen_domctl_schedparam_vcpu *v;
    unsigned max_id, n;
    int rc;

    rc = rtds_max_vcpu_id(ctx, domid, &max_id);
    if (rc)
        return rc;
    max_id &= 0xffff;
    if (scinfo->num_vcpus != 1)
        return ERROR_INVAL;
    if (rtds_check(ctx, scinfo->vcpus[0].period, scinfo->vcpus[0].budget))
        return ERROR_INVAL;
    n = max_id + 1;
    v = GCZALLOC(sizeof(*v) * n);
    if (!v)
        return ERROR_NOMEM;
    for (unsigned i = 0; i < n; i++)
        rtds_from_params(&v[i], i, &scinfo->vcpus[0]);
    if (xc_sched_rtds_vcpu_set(ctx->xch, domid, v, n) != 0) {
        LOGED(ctx, ERROR, domid, "Setting vcpu sched rtds");
        return ERROR_FAIL;
    }
    return 0;
}

static int rtds_domain_get(libxl_ctx *ctx, uint32_t domid,
                           libxl_domain_sched_params *out)
{
    struct xen_domctl_sched_rtds p;

    if (xc_sched_rtds_domain_get(ctx->xch, domid, &p) != 0) {
        LOGED(ctx, ERROR, domid, "Getting domain sched rtds");
        return ERROR_FAIL;
    }
    libxl_domain_sched_params_init(out);
    out->sched = LIBXL_SCHEDULER_RTDS;
    out->period = (int)p.period;
    out->budget = (int)p.budget;
    return 0;
}

/* Period and budget unless left at their defaults; extratime always
 * (its default, -1, counts as set). */
static int rtds_domain_set(libxl_ctx *ctx, uint32_t domid,
                           const libxl_domain_sched_params *in)
{
    struct xen_domctl_sched_rtds p;

    if (xc_sched_rtds_domain_get(ctx->xch, domid, &p) != 0) {
        LOGED(ctx, ERROR, domid, "Getting domain sched rtds");
        return ERROR_FAIL;
    }
    if (in->period != LIBXL_DOMAIN_SCHED_PARAM_PERIOD_DEFAULT)
        p.period = (uint32_t)in->period;
    if (in->budget != LIBXL_DOMAIN_SCHED_PARAM_BUDGET_DEFAULT)
        p.budget = (uint32_t)in->budget;
    if (in->extratime)
        p.flags |= XEN_DOMCTL_SCHEDRT_extra;
    else
        p.flags &= ~XEN_DOMCTL_SCHEDRT_extra;
    if (rtds_check(ctx, (int)p.period, (int)p.budget))
        return ERROR_INVAL;
    if (xc_sched_rtds_domain_set(ctx->xch, domid, &p) < 0) {
        LOGED(ctx, ERROR, domid, "Setting domain sched rtds");
        return ERROR_FAIL;
    }
    return 0;
}

/* ------------------------------------------------------------ per domain */

int libxl_domain_sched_params_get(libxl_ctx *ctx, uint32_t domid,
                                  libxl_domain_sched_params *scinfo)
{
    libxl_domain_sched_params_init(scinfo);
    scinfo->sched = domain_scheduler(ctx, domid);

    switch (scinfo->sched) {
    case LIBXL_SCHEDULER_SEDF:
        LOGD(ctx, ERROR, domid, "SEDF scheduler no longer available");
        return ERROR_FEATURE_REMOVED;
    case LIBXL_SCHEDULER_CREDIT:
        return credit_domain_get(ctx, domid, false, scinfo);
    case LIBXL_SCHEDULER_CREDIT2:
        return credit_domain_get(ctx, domid, true, scinfo);
    case LIBXL_SCHEDULER_RTDS:
        return rtds_domain_get(ctx, domid, scinfo);
    case LIBXL_SCHEDULER_NULL:
        return 0;                  /* nothing per domain */
    default:
        LOGD(ctx, ERROR, domid, "Unknown scheduler");
        return ERROR_INVAL;
    }
}

/* scinfo->sched may name the scheduler; UNKNOWN asks the hypervisor. */
int libxl_domain_sched_params_set(libxl_ctx *ctx, uint32_t domid,
                                  const libxl_domain_sched_params *scinfo)
{
    libxl_scheduler sched = scinfo->sched;

    if (sched == LIBXL_SCHEDULER_UNKNOWN)
        sched = domain_scheduler(ctx, domid);

    switch (sched) {
    case LIBXL_SCHEDULER_SEDF:
        LOGD(ctx, ERROR, domid, "SEDF scheduler no longer available");
        return ERROR_FEATURE_REMOVED;
    case LIBXL_SCHEDULER_CREDIT:
        return credit_domain_set(ctx, domid, false, scinfo);
    case LIBXL_SCHEDULER_CREDIT2:
        return credit_domain_set(ctx, domid, true, scinfo);
    case LIBXL_SCHEDULER_RTDS:
        return rtds_domain_set(ctx, domid, scinfo);
    case LIBXL_SCHEDULER_ARINC653:
    case LIBXL_SCHEDULER_NULL:
        return 0;                  /* nothing per domain to set */
    default:
        LOGD(ctx, ERROR, domid, "Unknown scheduler");
        return ERROR_INVAL;
    }
}

/* ------------------------------------------------------------ per vcpu */

enum vcpu_op { VCPU_GET, VCPU_GET_ALL, VCPU_SET, VCPU_SET_ALL };

/*
 * Only RTDS keeps parameters per vcpu. A getter records the scheduler in
 * scinfo whatever it is; a setter takes scinfo->sched as given.
 */
static int vcpu_sched_op(libxl_ctx *ctx, uint32_t domid,
                         libxl_vcpu_sched_params *scinfo,
                         const libxl_vcpu_sched_params *cscinfo,
                         enum vcpu_op op)
{
    bool get = op == VCPU_GET || op == VCPU_GET_ALL;
    libxl_scheduler sched;

    if (get) {
        sched = scinfo->sched = domain_scheduler(ctx, domid);
    } else {
        sched = cscinfo->sched;
        if (sched == LIBXL_SCHEDULER_UNKNOWN)
            sched = domain_scheduler(ctx, domid);
    }

    switch (sched) {
    case LIBXL_SCHEDULER_SEDF:
        LOGD(ctx, ERROR, domid, get ? "SEDF scheduler is no longer available"
                                    : "SEDF scheduler no longer available");
        return ERROR_FEATURE_REMOVED;
    case LIBXL_SCHEDULER_CREDIT:
    case LIBXL_SCHEDULER_CREDIT2:
    case LIBXL_SCHEDULER_ARINC653:
    case LIBXL_SCHEDULER_NULL:
        LOGD(ctx, ERROR, domid, "per-VCPU parameter %s not supported for this "
             "scheduler", get ? "getting" : "setting");
        return ERROR_INVAL;
    case LIBXL_SCHEDULER_RTDS:
        switch (op) {
        case VCPU_GET:     return rtds_vcpu_get(ctx, domid, scinfo);
        case VCPU_GET_ALL: return rtds_vcpu_get_all(ctx, domid, scinfo);
        case VCPU_SET:     return rtds_vcpu_set(ctx, domid, cscinfo);
        case VCPU_SET_ALL: return rtds_vcpu_set_all(ctx, domid, cscinfo);
        }
        return ERROR_INVAL;
    default:
        LOGD(ctx, ERROR, domid, "Unknown scheduler");
        return ERROR_INVAL;
    }
}

int libxl_vcpu_sched_params_get(libxl_ctx *ctx, uint32_t domid,
                                libxl_vcpu_sched_params *scinfo)
{
    return vcpu_sched_op(ctx, domid, scinfo, NULL, VCPU_GET);
}

int libxl_vcpu_sched_params_get_all(libxl_ctx *ctx, uint32_t domid,
                                    libxl_vcpu_sched_params *scinfo)
{
    return vcpu_sched_op(ctx, domid, scinfo, NULL, VCPU_GET_ALL);
}

int libxl_vcpu_sched_params_set(libxl_ctx *ctx, uint32_t domid,
                                const libxl_vcpu_sched_params *scinfo)
{
    return vcpu_sched_op(ctx, domid, NULL, scinfo, VCPU_SET);
}

int libxl_vcpu_sched_params_set_all(libxl_ctx *ctx, uint32_t domid,
                                    const libxl_vcpu_sched_params *scinfo)
{
    return vcpu_sched_op(ctx, domid, NULL, scinfo, VCPU_SET_ALL);
}
