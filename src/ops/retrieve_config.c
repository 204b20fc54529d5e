/*
 * ops/retrieve_config.c: libxl_retrieve_domain_configuration, the
 * configuration libxl stored for a domain (its "libxl-json" userdata,
 * ops/userdata.h) with what libxl 4.17 takes from the live domain merged
 * in: the name (xenstore) and uuid (hypervisor), the available vcpus
 * (xenstore's cpu/N/availability), the memory target and maximum
 * (xenstore's memory/target and static-max, plus libxl's fudge) and the
 * scheduling parameters (libxl_domain_sched_params_get). Same locks,
 * results and log lines as libxl; it keeps no state.
 *
 * The devices last: a stored device of a kind the devices family knows
 * (ops/device.h, libxl__device_merge_live) that xenstore no longer has
 * is dropped, and one it has takes its live state, as libxl.
 *
 * An HVM guest whose device model is upstream QEMU (/libxl/N/dm-version
 * "qemu_xen") has its available vcpus from QEMU instead, as libxl: the
 * cpus it lists to query-cpus-fast (query-cpus before QEMU 2.12) over its
 * QMP socket (subop/qmp.h, ops/qemu_cpus.h), asked between reading the
 * stored configuration and merging the live values, with the userdata
 * lock released meanwhile (the device-changes lock held), as libxl does.
 * Its failures are libxl's: ERROR_FAIL without a socket, QEMU's error as
 * ERROR_QMP_*, ERROR_QEMU_API for a malformed answer, ERROR_TIMEDOUT.
 *
 * Where it deliberately differs from libxl (never for a configuration
 * libxl itself stored):
 *  - cpu/N/availability is read for the vcpus the domain has (the
 *    hypervisor's max_vcpu_id), not for every one a stored max_vcpus
 *    names: a hostile max_vcpus costs no billion xenstore reads;
 *  - a stored max_vcpus above MAX_VCPUS (more than Xen gives any domain)
 *    fails with ERROR_FAIL, logged, before anything is allocated for it
 *    (libxl allocates its bitmap and reads xenstore once per vcpu: for
 *    2^31 vcpus, 256 MiB and hours);
 *  - a stored domain type or device model version libxl does not know
 *    fails with ERROR_FAIL (libxl aborts the process);
 *  - stored JSON without its terminating NUL is read to its end (libxl
 *    reads past the buffer);
 *  - cpu indexes from QEMU past INT_MAX are left out (libxl cuts them to
 *    32 bits).
 *
 * The whole operation is one immediate step (ao/ao.h) run without the
 * ctx lock: it blocks only in flock(2), where libxl forks a child to wait,
 * and, for upstream QEMU, in a synchronous inner operation talking to it
 * (at most 10 s per command; libxl_ao_abort does not reach it).
 * Its xenstore reads go in one batch (xs/xs.h); libxl makes them one by
 * one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ao/ao.h"
#include "base/gc.h"
#include "base/log.h"
#include "base/util.h"
#include "ops/device.h"
#include "ops/qemu_cpus.h"
#include "ops/userdata.h"
#include "subop/qmp.h"
#include "xs/xs.h"
#include "libxl_utils.h"

/* libxl's LIBXL_MAXMEM_CONSTANT: the slack an HVM guest's target has. */
#define MAXMEM_SLACK_KB 1024

/* Longest name taken from xenstore (as libxl_domid_to_name here). */
#define MAX_NAME_LEN 1024

/* The xenstore reads of one retrieval, in one batch: these, then one per
 * vcpu, then (for an HVM guest) the device model's version. */
enum { RD_NAME, RD_TARGET, RD_STATIC_MAX, RD_CPUS };

/* The most vcpus a stored configuration may name (Xen's own limits are
 * far below: 128 for HVM guests, a few thousand for PV ones). */
#define MAX_VCPUS 65536

/* Reads for the vcpus go in batches of at most this many. */
#define CPU_BATCH 256

/* ---------------------------------------------------- the stored part */

/* ------------------------------------------------------ the live part */

/* The answers of the batch: index RD_* (RD_CPUS + i for vcpu i). */
typedef struct {
    libxl__xs_req *reqs;
    unsigned n;
    unsigned dm_version;          /* its index; 0: not read */
} live_reads;

static void live_reads_free(live_reads *lr)
{
    for (unsigned i = 0; i < lr->n; i++)
        free(lr->reqs[i].data);
    lr->n = 0;
}

/* Makes the batch: 0 or ERROR_NOMEM. */
static int read_live(libxl__gc *gc, uint32_t domid, unsigned nr_cpus,
                     bool hvm, live_reads *lr)
{
    const char *dom = GCSPRINTF("/local/domain/%u", domid);
    unsigned n = RD_CPUS + nr_cpus + hvm;

    lr->n = 0;
    lr->reqs = dom ? GCZALLOC(sizeof(*lr->reqs) * n) : NULL;
    if (!lr->reqs) return ERROR_NOMEM;
    lr->reqs[RD_NAME].path = GCSPRINTF("%s/name", dom);
    lr->reqs[RD_TARGET].path = GCSPRINTF("%s/memory/target", dom);
    lr->reqs[RD_STATIC_MAX].path = GCSPRINTF("%s/memory/static-max", dom);
    for (unsigned i = 0; i < nr_cpus; i++)
        lr->reqs[RD_CPUS + i].path = GCSPRINTF("%s/cpu/%u/availability",
                                               dom, i);
    if (hvm) {
        lr->dm_version = n - 1;
        lr->reqs[n - 1].path = GCSPRINTF("/libxl/%u/dm-version", domid);
    }
    for (unsigned i = 0; i < n; i++) {
        lr->reqs[i].type = LIBXL__XS_READ;
        if (!lr->reqs[i].path) return ERROR_NOMEM;
    }
    lr->n = n;
    for (unsigned done = 0; done < n; done += CPU_BATCH)
        libxl__xs_batch(CTX, lr->reqs + done,
                        n - done < CPU_BATCH ? n - done : CPU_BATCH);
    return 0;
}

/* The value read at index i as a string, or NULL (errno set). */
static const char *value_of(const live_reads *lr, unsigned i)
{
    const libxl__xs_req *r = &lr->reqs[i];
    if (r->err) {
        errno = r->err;
        return NULL;
    }
    return r->data ? r->data : "";
}

/* What libxl calls the device model "running": from /libxl/N/dm-version,
 * traditional QEMU when there is none; -1 (logged) if not a version. */
static int dm_version_running(libxl__gc *gc, uint32_t domid,
                              const live_reads *lr)
{
    const char *v = lr->dm_version ? value_of(lr, lr->dm_version) : NULL;
    libxl_device_model_version version;

    if (!v) return LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
    if (libxl_device_model_version_from_string(v, &version) < 0) {
        LOGD(CTX, ERROR, domid, "fatal: /libxl/%u/dm-version contain a wrong "
             "value (%s)", domid, v);
        return -1;
    }
    return version;
}

/* avail_vcpus: max_vcpus bits, those whose availability is "online". */
static int merge_vcpus(libxl__gc *gc, uint32_t domid,
                       libxl_domain_config *d_config, const live_reads *lr,
                       unsigned nr_cpus, const libxl_bitmap *qemu_cpus)
{
    libxl_domain_build_info *b = &d_config->b_info;
    libxl_bitmap *map = &b->avail_vcpus;
    int version;

    if (b->max_vcpus > MAX_VCPUS) {
        LOGD(CTX, ERROR, domid, "stored configuration has %d vcpus, more "
             "than any domain can have", b->max_vcpus);
        return ERROR_FAIL;
    }
    libxl_bitmap_dispose(map);
    libxl_bitmap_init(map);
    /* As libxl: a size it cannot allocate (negative) leaves an empty map. */
    libxl_bitmap_alloc(CTX, map, b->max_vcpus);
    libxl_bitmap_set_none(map);

    switch (b->type) {
    case LIBXL_DOMAIN_TYPE_HVM:
        version = dm_version_running(gc, domid, lr);
        if (version == LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN) {
            /* what QEMU listed (none if it was not asked: the version
             * changed meanwhile) */
            if (qemu_cpus && qemu_cpus->map)
                for (int i = 0; i < (int)qemu_cpus->size * 8 &&
                                i < (int)map->size * 8; i++)
                    if (libxl_bitmap_test(qemu_cpus, i))
                        libxl_bitmap_set(map, i);
            return 0;
        }
        if (version != LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL) {
            LOGD(CTX, ERROR, domid, "unknown device model version");
            return ERROR_FAIL;
        }
        break;
    case LIBXL_DOMAIN_TYPE_PV:
    case LIBXL_DOMAIN_TYPE_PVH:
        break;
    default:
        LOGD(CTX, ERROR, domid, "stored configuration has an unknown domain "
             "type %d", (int)b->type);
        return ERROR_FAIL;
    }

    for (unsigned i = 0; i < nr_cpus && (int)i < b->max_vcpus; i++) {
        const libxl__xs_req *r = &lr->reqs[RD_CPUS + i];
        if (r->err && r->err != ENOENT) {
            errno = r->err;
            LOGE(CTX, ERROR, "xenstore read failed: `%s'", r->path);
            LOGD(CTX, ERROR, domid, "Fail to update available cpu map");
            return ERROR_FAIL;
        }
        if (!r->err && r->data && !strcmp(r->data, "online"))
            libxl_bitmap_set(map, (int)i);
    }
    return 0;
}

/* Dom0's target and maximum when xenstore lacks them: what the hypervisor
 * says, written there (in a transaction), as libxl does. */
static int dom0_memory(libxl__gc *gc, uint64_t *target_kb, uint64_t *max_kb)
{
    const char *target_path = "/local/domain/0/memory/target";
    const char *max_path = "/local/domain/0/memory/static-max";
    libxl_dominfo info;
    int rc;

    libxl_dominfo_init(&info);
    for (;;) {
        xs_transaction_t t = xs_transaction_start(CTX->xsh);
        char *target = libxl__gc_adopt(gc, xs_read(CTX->xsh, t, target_path,
                                                    NULL));
        char *max = libxl__gc_adopt(gc, xs_read(CTX->xsh, t, max_path, NULL));
        char *end;

        rc = 0;
        if (target && max) goto end;   /* written meanwhile (libxl: as is) */
        if (target) {
            *target_kb = strtoull(target, &end, 10);
            if (*end) {
                LOGED(CTX, ERROR, 0, "Invalid memory target %s from %s\n",
                      target, target_path);
                rc = ERROR_FAIL;
                goto end;
            }
        }
        if (max) {
            *max_kb = strtoull(max, &end, 10);
            if (*end) {
                LOGED(CTX, ERROR, 0, "Invalid memory static-max %s from %s\n",
                      max, max_path);
                rc = ERROR_FAIL;
                goto end;
            }
        }
        libxl_dominfo_dispose(&info);
        libxl_dominfo_init(&info);
        rc = libxl_domain_info(CTX, &info, 0);
        if (rc) goto end;
        if (!target) {
            const char *v = GCSPRINTF("%"PRIu64, info.current_memkb);
            if (v) xs_write(CTX->xsh, t, target_path, v, strlen(v));
            *target_kb = info.current_memkb;
        }
        if (!max) {
            const char *v = GCSPRINTF("%"PRIu64, info.max_memkb);
            if (v) xs_write(CTX->xsh, t, max_path, v, strlen(v));
            *max_kb = info.max_memkb;
        }
    end:
        if (xs_transaction_end(CTX->xsh, t, false)) break;
        if (errno != EAGAIN) {
            rc = ERROR_FAIL;
            break;
        }
    }
    libxl_dominfo_dispose(&info);
    return rc;
}

/* libxl__get_memory_target: target and static-max from xenstore. */
static int memory_target(libxl__gc *gc, uint32_t domid, const live_reads *lr,
                         uint64_t *target_kb, uint64_t *max_kb)
{
    const char *target = value_of(lr, RD_TARGET);
    const char *max = value_of(lr, RD_STATIC_MAX);
    char *end;

    if ((!target || !max) && !domid)
        return dom0_memory(gc, target_kb, max_kb) < 0 ? ERROR_FAIL : 0;
    if (!target) {
        errno = lr->reqs[RD_TARGET].err;
        LOGED(CTX, ERROR, domid, "Cannot get target memory info from "
              "/local/domain/%u/memory/target", domid);
        return ERROR_FAIL;
    }
    if (!max) {
        errno = lr->reqs[RD_STATIC_MAX].err;
        LOGED(CTX, ERROR, domid, "Cannot get target memory info from "
              "/local/domain/%u/memory/static-max", domid);
        return ERROR_FAIL;
    }
    *target_kb = strtoull(target, &end, 10);
    if (*end) {
        LOGED(CTX, ERROR, domid, "Invalid memory target %s from "
              "/local/domain/%u/memory/target\n", target, domid);
        return ERROR_FAIL;
    }
    *max_kb = strtoull(max, &end, 10);
    if (*end) {
        LOGED(CTX, ERROR, domid, "Invalid memory target %s from "
              "/local/domain/%u/memory/static-max\n", max, domid);
        return ERROR_FAIL;
    }
    return 0;
}

/* The live values, in libxl's order (libxl's
 * retrieve_domain_configuration_end). info: the domain as the lock's check
 * found it. */
static int merge_live(libxl__gc *gc, uint32_t domid,
                      libxl_domain_config *d_config,
                      const libxl_dominfo *info,
                      const libxl_bitmap *qemu_cpus)
{
    libxl_domain_build_info *b = &d_config->b_info;
    live_reads lr = { 0 };
    /* (0 for a domain without vcpus: its max_vcpu_id is ~0) */
    unsigned nr_cpus = info->vcpu_max_id + 1;
    const char *name;
    uint64_t target_kb = 0, max_kb = 0;
    int rc;

    if (b->max_vcpus <= 0)
        nr_cpus = 0;
    else if (nr_cpus > (unsigned)b->max_vcpus)
        nr_cpus = (unsigned)b->max_vcpus;
    rc = read_live(gc, domid, nr_cpus, b->type == LIBXL_DOMAIN_TYPE_HVM, &lr);
    if (rc) goto out;

    /* Name. libxl fails to look at the rest, and returns 0, without it. */
    name = value_of(&lr, RD_NAME);
    if (name && (lr.reqs[RD_NAME].len > MAX_NAME_LEN ||
                 strlen(name) != lr.reqs[RD_NAME].len)) {
        LOGD(CTX, WARN, domid, "ignoring malformed name in xenstore");
        name = NULL;
    }
    if (!name) {
        LOGD(CTX, ERROR, domid, "Fail to get domain name");
        rc = 0;
        goto out;
    }
    free(d_config->c_info.name);
    d_config->c_info.name = strdup(name);
    if (!d_config->c_info.name) {
        rc = ERROR_NOMEM;
        goto out;
    }

    libxl_uuid_copy(CTX, &d_config->c_info.uuid, &info->uuid);

    rc = merge_vcpus(gc, domid, d_config, &lr, nr_cpus, qemu_cpus);
    if (rc) goto out;

    /* Memory: xenstore's target less what libxl adds to the guest's own
     * (video memory, and an HVM guest's slack), and its static-max. */
    rc = memory_target(gc, domid, &lr, &target_kb, &max_kb);
    if (rc) {
        LOGD(CTX, ERROR, domid, "Fail to get memory target");
        goto out;
    }
    b->target_memkb = target_kb + b->video_memkb +
        (b->type == LIBXL_DOMAIN_TYPE_HVM && b->max_memkb > b->target_memkb
         ? MAXMEM_SLACK_KB : 0);
    b->max_memkb = max_kb;

    libxl_domain_sched_params_dispose(&b->sched_params);
    rc = libxl_domain_sched_params_get(CTX, domid, &b->sched_params);
    if (rc) {
        LOGD(CTX, ERROR, domid, "Fail to get scheduler parameters");
        goto out;
    }
    libxl__device_merge_live(gc, domid, d_config);
out:
    live_reads_free(&lr);
    return rc;
}

/* ------------------------------------------------- upstream QEMU's cpus */

/* How long QEMU has for each command (libxl: 10 s in all). */
#define QMP_TIMEOUT_MS 10000

typedef struct {
    libxl__ao *ao;
    uint32_t domid;
    libxl__qmp qmp;
    libxl_bitmap *map;
} qemu_query;

static void qemu_query_done(libxl__egc *egc, qemu_query *q, int rc)
{
    libxl__qmp_close(&q->qmp);
    libxl__ao_complete(egc, q->ao, rc);
}

static void qemu_cpus_listed(libxl__egc *egc, libxl__qmp *qmp, int rc,
                             struct json_object *response)
{
    qemu_query *q = CONTAINER_OF(qmp, qemu_query, qmp);

    if (!rc)
        rc = libxl__qemu_cpus_parse(libxl__ao_gc(q->ao)->ctx, q->domid,
                                    response, LIBXL__QEMU_CPUS_KEY, q->map);
    qemu_query_done(egc, q, rc);
}

/* query-cpus-fast; QEMU before 2.12 knows only query-cpus. */
static void qemu_cpus_fast_listed(libxl__egc *egc, libxl__qmp *qmp, int rc,
                                  struct json_object *response)
{
    qemu_query *q = CONTAINER_OF(qmp, qemu_query, qmp);

    if (rc == ERROR_QMP_COMMAND_NOT_FOUND) {
        qmp->callback = qemu_cpus_listed;
        rc = libxl__qmp_send(qmp, "query-cpus", NULL, -1);
        if (rc)
            qemu_query_done(egc, q, rc);
        return;
    }
    if (!rc)
        rc = libxl__qemu_cpus_parse(libxl__ao_gc(q->ao)->ctx, q->domid,
                                    response, LIBXL__QEMU_CPUS_FAST_KEY,
                                    q->map);
    qemu_query_done(egc, q, rc);
}

/* map (allocated): the cpus domid's QEMU has, asked over its QMP socket
 * in an operation of its own, waited for here. Call without the lock. */
static int qemu_cpus(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *map)
{
    AO_CREATE(ctx, domid, NULL);
    qemu_query *q = libxl__ao_zalloc(ao, sizeof(*q));
    int rc;

    if (!q)
        return AO_CREATE_FAIL(ERROR_NOMEM);
    q->ao = ao;
    q->domid = domid;
    q->map = map;
    libxl__qmp_init(&q->qmp);
    q->qmp.ao = ao;
    q->qmp.what = "QMP";
    q->qmp.path = libxl__qmp_socket_path(libxl__ao_gc(ao), domid);
    q->qmp.connect_timeout_ms = 0;          /* libxl tries once */
    q->qmp.timeout_ms = QMP_TIMEOUT_MS;
    q->qmp.callback = qemu_cpus_fast_listed;
    rc = q->qmp.path ? libxl__qmp_send(&q->qmp, "query-cpus-fast", NULL, -1)
                     : ERROR_NOMEM;
    if (rc) {
        libxl__qmp_close(&q->qmp);
        return AO_CREATE_FAIL(rc);
    }
    return AO_INPROGRESS;
}

/* Whether libxl asks QEMU: an HVM guest whose /libxl/N/dm-version says
 * upstream QEMU (anything else, even unreadable, is not asked). */
static bool asks_qemu(libxl__gc *gc, uint32_t domid,
                      const libxl_domain_config *d_config)
{
    libxl_device_model_version version;
    char *v;

    if (d_config->b_info.type != LIBXL_DOMAIN_TYPE_HVM)
        return false;
    v = libxl__gc_adopt(gc, xs_read(CTX->xsh, XBT_NULL,
                                    GCSPRINTF("/libxl/%u/dm-version", domid),
                                    NULL));
    return v && !libxl_device_model_version_from_string(v, &version) &&
           version == LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN;
}

/* ------------------------------------------------------ the operation */

static int retrieve(libxl_ctx *ctx, uint32_t domid,
                    libxl_domain_config *d_config)
{
    GC_INIT(ctx);
    libxl__userdata_dom dom;
    libxl__userdata_flock devlock = { .fd = -1 }, lock = { .fd = -1 };
    libxl_dominfo info;
    libxl_bitmap qemu_map;
    bool qemu = false;
    int rc;

    libxl_dominfo_init(&info);
    libxl_bitmap_init(&qemu_map);
    /* The device-changes lock first, then the userdata lock, as libxl. */
    if (libxl__userdata_dom_find(gc, domid, &dom)) {
        rc = ERROR_LOCK_FAIL;
        goto out;
    }
    rc = libxl__userdata_lock(gc, &dom, LIBXL__LOCK_DEVICES, &devlock, NULL);
    if (rc) goto out;
    rc = libxl__userdata_lock(gc, &dom, LIBXL__LOCK_USERDATA, &lock, &info);
    if (rc) goto out;

    rc = libxl__userdata_config_read(gc, &dom, d_config);
    if (rc) {
        LOGD(CTX, ERROR, domid, "Fail to get domain configuration");
        rc = ERROR_FAIL;
        goto out;
    }

    /* Upstream QEMU's cpus, asked with the userdata lock released, which
     * is taken again after (the domain may be gone then), as libxl. */
    qemu = asks_qemu(gc, domid, d_config);
    if (qemu) {
        libxl__userdata_unlock(&lock);
        if (d_config->b_info.max_vcpus > MAX_VCPUS) {
            LOGD(CTX, ERROR, domid, "stored configuration has %d vcpus, more "
                 "than any domain can have", d_config->b_info.max_vcpus);
            rc = ERROR_FAIL;
            goto out;
        }
        /* as libxl: a size it cannot allocate leaves an empty map */
        libxl_bitmap_alloc(CTX, &qemu_map, d_config->b_info.max_vcpus);
        rc = qemu_cpus(CTX, domid, &qemu_map);
        if (rc) goto out;
        libxl_dominfo_dispose(&info);
        libxl_dominfo_init(&info);
        rc = libxl__userdata_lock(gc, &dom, LIBXL__LOCK_USERDATA, &lock,
                                  &info);
        if (rc) goto out;
    }
    rc = merge_live(gc, domid, d_config, &info, qemu ? &qemu_map : NULL);
out:
    libxl__userdata_unlock(&lock);
    libxl__userdata_unlock(&devlock);
    libxl_dominfo_dispose(&info);
    libxl_bitmap_dispose(&qemu_map);
    return rc;
}

static int retrieve_step(libxl_ctx *ctx, uint32_t domid, void *arg,
                         int *result)
{
    *result = retrieve(ctx, domid, arg);
    return 0;
}

int libxl_retrieve_domain_configuration(libxl_ctx *ctx, uint32_t domid,
                                        libxl_domain_config *d_config,
                                        const libxl_asyncop_how *ao_how)
{
    return libxl__ao_immediate(ctx, domid, ao_how, retrieve_step, d_config);
}
