/*
 * ops/vcpu_online.c: libxl_set_vcpuonline, which vcpus a guest should
 * have online. A guest is told through xenstore, cpu/N/availability,
 * which its kernel watches; for an HVM guest of upstream QEMU the vcpus
 * QEMU lacks are first added to it through its monitor (QMP: the cpus it
 * has, how it hotplugs one, a device_add each). Nothing of another
 * family, no state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xenstore.h>

#include "base/gc.h"
#include "base/log.h"
#include "base/util.h"
#include "ops/ops.h"
#include "ops/qemu_cpus.h"
#include "subop/qmp.h"
#include "ops/domain_type.h"
#include "xs/paths.h"

#include "libxl_utils.h"

/* Longest /libxl/N/type or dm-version worth parsing. */
#define XS_NAME_MAX 64

/* The device model an HVM guest runs: /libxl/N/dm-version, the
 * traditional one when absent, -1 (logged) when not a version. */
static int dm_version(libxl__gc *gc, uint32_t domid)
{
    libxl_ctx *ctx = gc->ctx;
    libxl_device_model_version v;
    const char *path = GCSPRINTF("/libxl/%i/dm-version", (int)domid);
    char *value;

    if (!path)
        return -1;
    value = libxl__xs_read_checked(gc, XBT_NULL, path, XS_NAME_MAX);
    if (!value && errno != EINVAL)
        return LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
    if (!value || libxl_device_model_version_from_string(value, &v) < 0) {
        LOGD(ctx, ERROR, domid, "fatal: %s contain a wrong value (%s)", path,
             value ? value : "(unreadable)");
        return -1;
    }
    return v;
}

/*
 * cpu/N/availability for every vcpu up to the highest, "online" for the
 * bits set in cpumap, in one transaction (retried while it conflicts).
 */
static int write_availability(libxl__gc *gc, uint32_t domid,
                              const libxl_bitmap *cpumap, uint32_t max_id)
{
    libxl_ctx *ctx = gc->ctx;
    char *dompath = libxl__gc_adopt(gc, xs_get_domain_path(ctx->xsh, domid));

    if (!dompath) {
        LOGED(ctx, ERROR, domid, "Failed to get dompath");
        return ERROR_FAIL;
    }
    for (;;) {
        xs_transaction_t t = xs_transaction_start(ctx->xsh);

        for (uint32_t i = 0; i <= max_id; i++) {
            const char *path = GCSPRINTF("%s/cpu/%u/availability", dompath, i);
            const char *v = libxl_bitmap_test(cpumap, (int)i) ? "online"
                                                              : "offline";
            if (!path)
                continue;
            if (!xs_write(ctx->xsh, t, path, v, strlen(v)))
                LOGE(ctx, ERROR, "xenstore write failed: `%s' = `%s'", path, v);
        }
        if (xs_transaction_end(ctx->xsh, t, false))
            return 0;
        if (errno != EAGAIN)
            return ERROR_FAIL;
    }
}

/* ------------------------------------------------------------ the operation */

/* How long QEMU has for each of its commands (libxl: 10 s for them all). */
#define QMP_TIMEOUT_MS 10000

typedef struct {
    libxl__ao *ao;
    uint32_t domid;
    uint32_t max_id;            /* the domain's highest vcpu id */
    libxl_bitmap want;          /* a copy of the caller's map */
    /* upstream QEMU only */
    libxl__qmp qmp;
    libxl_bitmap add;           /* wanted and not in QEMU yet */
    int index;                  /* the next bit of add to look at */
    char *cpu_driver;           /* QEMU's type of a hotpluggable cpu */
} online_state;

/* Tell the guest (if all went well) and complete. */
static void online_done(libxl__egc *egc, online_state *os, int rc)
{
    libxl_ctx *ctx = libxl__ao_gc(os->ao)->ctx;

    if (rc == ERROR_TIMEDOUT)
        LOGD(ctx, ERROR, os->domid, "Setting CPU online in QEMU timed out");
    libxl__qmp_close(&os->qmp);
    if (!rc) {
        GC_INIT(ctx);
        rc = write_availability(gc, os->domid, &os->want, os->max_id);
    }
    libxl_bitmap_dispose(&os->want);
    libxl_bitmap_dispose(&os->add);
    free(os->cpu_driver);
    os->cpu_driver = NULL;
    libxl__ao_complete(egc, os->ao, rc);
}

static void cpus_fast_listed(libxl__egc *egc, libxl__qmp *qmp, int rc,
                             struct json_object *response);
static void cpus_listed(libxl__egc *egc, libxl__qmp *qmp, int rc,
                        struct json_object *response);
static void cpus_parse(libxl__egc *egc, online_state *os, int rc,
                       struct json_object *response, const char *key);
static void hotpluggable_listed(libxl__egc *egc, libxl__qmp *qmp, int rc,
                                struct json_object *response);
static void device_add_next(libxl__egc *egc, libxl__qmp *qmp, int rc,
                            struct json_object *response);
static void cpu_add_next(libxl__egc *egc, libxl__qmp *qmp, int rc,
                         struct json_object *response);

int libxl_set_vcpuonline(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *cpumap,
                         const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    GC_INIT(ctx);
    libxl_dominfo info;
    online_state *os;
    int rc, want;

    os = libxl__ao_zalloc(ao, sizeof(*os));
    if (!os)
        return AO_CREATE_FAIL(ERROR_NOMEM);
    os->ao = ao;
    os->domid = domid;
    libxl_bitmap_init(&os->want);
    libxl_bitmap_init(&os->add);
    libxl__qmp_init(&os->qmp);

    libxl_dominfo_init(&info);
    rc = libxl_domain_info(ctx, &info, domid);
    os->max_id = info.vcpu_max_id;
    libxl_dominfo_dispose(&info);
    if (rc < 0) {
        LOGED(ctx, ERROR, domid, "Getting domain info list");
        goto out;
    }

    want = libxl_bitmap_count_set(cpumap);
    if (want == 0) {
        LOGED(ctx, ERROR, domid, "Requested 0 VCPUs!");
        rc = ERROR_FAIL;
        goto out;
    }
    if (want > (int)os->max_id + 1) {
        LOGED(ctx, ERROR, domid, "Requested %d VCPUs, however maxcpus is %d!",
              want, (int)os->max_id + 1);
        rc = ERROR_FAIL;
        goto out;
    }
    /* kept until the end: an asynchronous caller may free its map */
    rc = libxl_bitmap_alloc(ctx, &os->want, (int)cpumap->size * 8);
    if (rc)
        goto out;
    if (cpumap->size && cpumap->map)
        memcpy(os->want.map, cpumap->map, cpumap->size);

    switch (libxl__domain_type(gc, domid)) {
    case LIBXL_DOMAIN_TYPE_HVM:
        switch (dm_version(gc, domid)) {
        case LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL:
            break;
        case LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN:
            /* which vcpus QEMU has, then a device_add for each missing */
            os->qmp.ao = ao;
            os->qmp.what = "QMP";
            os->qmp.path = libxl__qmp_socket_path(libxl__ao_gc(ao), domid);
            os->qmp.connect_timeout_ms = 0;     /* libxl tries once */
            os->qmp.timeout_ms = QMP_TIMEOUT_MS;
            os->qmp.callback = cpus_fast_listed;
            rc = os->qmp.path ? libxl__qmp_send(&os->qmp, "query-cpus-fast",
                                                NULL, -1)
                              : ERROR_NOMEM;
            if (rc)
                goto out;
            return AO_INPROGRESS;
        default:
            rc = ERROR_INVAL;
        }
        break;
    case LIBXL_DOMAIN_TYPE_PVH:
    case LIBXL_DOMAIN_TYPE_PV:
        break;
    default:
        rc = ERROR_INVAL;
    }

out:
    online_done(egc, os, rc);
    return AO_INPROGRESS;
}

/* query-cpus-fast, or (QEMU before 2.12) query-cpus. */
static void cpus_fast_listed(libxl__egc *egc, libxl__qmp *qmp, int rc,
                             struct json_object *response)
{
    online_state *os = CONTAINER_OF(qmp, online_state, qmp);

    if (rc == ERROR_QMP_COMMAND_NOT_FOUND) {
        qmp->callback = cpus_listed;
        rc = libxl__qmp_send(qmp, "query-cpus", NULL, -1);
        if (rc)
            online_done(egc, os, rc);
        return;
    }
    cpus_parse(egc, os, rc, response, LIBXL__QEMU_CPUS_FAST_KEY);
}

static void cpus_listed(libxl__egc *egc, libxl__qmp *qmp, int rc,
                        struct json_object *response)
{
    cpus_parse(egc, CONTAINER_OF(qmp, online_state, qmp), rc, response,
               LIBXL__QEMU_CPUS_KEY);
}

/*
 * The answer lists QEMU's cpus (ops/qemu_cpus.h; an entry without an
 * integer index fails with ERROR_QEMU_API, as libxl). The vcpus to add are
 * the wanted ones QEMU does not have; then ask QEMU how it hotplugs one.
 */
static void cpus_parse(libxl__egc *egc, online_state *os, int rc,
                       struct json_object *response, const char *key)
{
    libxl_ctx *ctx = libxl__ao_gc(os->ao)->ctx;
    libxl_bitmap have;
    int i;

    libxl_bitmap_init(&have);
    if (rc)
        goto out;
    rc = libxl_bitmap_alloc(ctx, &os->add, (int)os->want.size * 8);
    if (rc)
        goto out;
    memcpy(os->add.map, os->want.map, os->want.size);
    /* libxl's map of QEMU's cpus has max_id + 1 bits */
    rc = libxl_bitmap_alloc(ctx, &have, (int)os->max_id + 1);
    if (rc)
        goto out;
    rc = libxl__qemu_cpus_parse(ctx, os->domid, response, key, &have);
    if (rc)
        goto out;
    libxl_for_each_set_bit(i, have) {
        if (i <= (int)os->max_id && i < (int)os->add.size * 8)
            libxl_bitmap_reset(&os->add, i);
    }
    libxl_bitmap_dispose(&have);
    os->qmp.callback = hotpluggable_listed;
    rc = libxl__qmp_send(&os->qmp, "query-hotpluggable-cpus", NULL, -1);
    if (!rc)
        return;
out:
    libxl_bitmap_dispose(&have);
    online_done(egc, os, rc);
}

/* The first hotpluggable cpu's "type" is the driver of every new one
 * (libxl starts QEMU with -smp N,maxcpus=M: one core, one thread per
 * socket). Without the command (QEMU before 2.7), cpu-add. */
static void hotpluggable_listed(libxl__egc *egc, libxl__qmp *qmp, int rc,
                                struct json_object *response)
{
    online_state *os = CONTAINER_OF(qmp, online_state, qmp);
    struct json_object *cpu = NULL, *type;

    os->index = -1;
    if (rc == ERROR_QMP_COMMAND_NOT_FOUND) {
        cpu_add_next(egc, qmp, 0, NULL);
        return;
    }
    if (!rc) {
        if (response && json_object_is_type(response, json_type_array))
            cpu = json_object_array_get_idx(response, 0);
        if (cpu && json_object_is_type(cpu, json_type_object) &&
            json_object_object_get_ex(cpu, "type", &type) &&
            json_object_is_type(type, json_type_string))
            os->cpu_driver = strdup(json_object_get_string(type));
        if (!os->cpu_driver)
            rc = ERROR_QEMU_API;
    }
    device_add_next(egc, qmp, rc, NULL);
}

/* The next vcpu to add, or the end. */
static bool next_to_add(online_state *os)
{
    while (++os->index >= 0 && os->index < (int)os->add.size * 8)
        if (libxl_bitmap_test(&os->add, os->index))
            return true;
    return false;
}

static void device_add_next(libxl__egc *egc, libxl__qmp *qmp, int rc,
                            struct json_object *response)
{
    online_state *os = CONTAINER_OF(qmp, online_state, qmp);
    char id[24];

    (void)response;
    if (rc || !next_to_add(os))
        goto out;
    struct json_object *args = json_object_new_object();
    if (!args) {
        rc = ERROR_NOMEM;
        goto out;
    }
    snprintf(id, sizeof(id), "cpu-%d", os->index);
    json_object_object_add(args, "id", json_object_new_string(id));
    json_object_object_add(args, "driver",
                           json_object_new_string(os->cpu_driver));
    json_object_object_add(args, "socket-id", json_object_new_int(os->index));
    json_object_object_add(args, "core-id", json_object_new_int(0));
    json_object_object_add(args, "thread-id", json_object_new_int(0));
    qmp->callback = device_add_next;
    rc = libxl__qmp_send(qmp, "device_add", args, -1);
    json_object_put(args);
    if (!rc)
        return;
out:
    online_done(egc, os, rc);
}

static void cpu_add_next(libxl__egc *egc, libxl__qmp *qmp, int rc,
                         struct json_object *response)
{
    online_state *os = CONTAINER_OF(qmp, online_state, qmp);

    (void)response;
    if (rc || !next_to_add(os))
        goto out;
    struct json_object *args = json_object_new_object();
    if (!args) {
        rc = ERROR_NOMEM;
        goto out;
    }
    json_object_object_add(args, "id", json_object_new_int(os->index));
    qmp->callback = cpu_add_next;
    rc = libxl__qmp_send(qmp, "cpu-add", args, -1);
    json_object_put(args);
    if (!rc)
        return;
out:
    online_done(egc, os, rc);
}
