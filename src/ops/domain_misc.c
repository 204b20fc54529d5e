/*
 * ops/domain_misc.c: the small domain requests and questions of libxl
 * 4.17 that are neither life cycle nor memory: libxl_send_trigger,
 * libxl_send_sysrq, libxl_domain_rename, libxl_domain_preserve,
 * libxl_list_vm, libxl_vm_get_start_time, libxl_is_stubdom and
 * libxl_get_stubdom_id, with libxl's results, log lines and xenstore
 * writes (an HVM guest's S3 resume goes to its QEMU through subop/qmp). No per-ctx state; values a guest may have written are read
 * bounded and parsed as libxl parses them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ao/ao.h"
#include "libxl_utils.h"

#include "base/gc.h"
#include "base/log.h"
#include "base/util.h"
#include "subop/qmp.h"
#include "ops/domain_type.h"
#include "xs/paths.h"

#include <xen/hvm/params.h>   /* after xenctrl.h (base/ctx_base.h) */

#define NODE_MAX 4096   /* longest value read from a node */

static const char *dompath(libxl__gc *gc, uint32_t domid)
{
    return GCSPRINTF("/local/domain/%u", domid);
}

/* What printf's %s makes of a NULL string on glibc, as libxl's log lines
 * and names show it. */
static const char *str_or_null(const char *s)
{
    return s ? s : "(null)";
}

/* ------------------------------------------------------- stub domains */

int libxl_get_stubdom_id(libxl_ctx *ctx, int guest_domid)
{
    GC_INIT(ctx);
    const char *v = libxl__xs_read_checked(gc, XBT_NULL,
        GCSPRINTF("%s/image/device-model-domid",
                  dompath(gc, (uint32_t)guest_domid)), NODE_MAX);

    /* libxl's atoi: whatever leads with digits, else 0 */
    return v ? (int)strtol(v, NULL, 10) : 0;
}

int libxl_is_stubdom(libxl_ctx *ctx, uint32_t domid, uint32_t *target_domid)
{
    GC_INIT(ctx);
    const char *v = libxl__xs_read_checked(gc, XBT_NULL,
        GCSPRINTF("%s/target", dompath(gc, domid)), NODE_MAX);
    char *end;
    long value;

    if (!v) return 0;
    value = strtol(v, &end, 10);
    if (*end) return 0;
    if (target_domid) *target_domid = (uint32_t)value;
    return 1;
}

/* ------------------------------------------------------------- the VMs */

libxl_vminfo *libxl_list_vm(libxl_ctx *ctx, int *nb_vm_out)
{
    libxl_dominfo *doms;
    libxl_vminfo *vms;
    int n = 0, k = 0;

    doms = libxl_list_domain(ctx, &n);
    if (!doms) return NULL;
    vms = calloc(n ? (size_t)n : 1, sizeof(*vms));
    if (!vms) {
        LOGE(ctx, ERROR, "allocating the VM list");
        libxl_dominfo_list_free(doms, n);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (libxl_is_stubdom(ctx, doms[i].domid, NULL))
            continue;   /* a stub domain is part of its guest's VM */
        vms[k].uuid = doms[i].uuid;
        vms[k].domid = doms[i].domid;
        k++;
    }
    *nb_vm_out = k;
    libxl_dominfo_list_free(doms, n);
    return vms;
}

uint32_t libxl_vm_get_start_time(libxl_ctx *ctx, uint32_t domid)
{
    GC_INIT(ctx);
    const char *vm, *start = NULL;

    vm = libxl__xs_read_checked(gc, XBT_NULL,
                                GCSPRINTF("%s/vm", dompath(gc, domid)),
                                NODE_MAX);
    if (vm)
        start = libxl__xs_read_checked(gc, XBT_NULL,
                                       GCSPRINTF("%s/start_time", vm),
                                       NODE_MAX);
    if (!start) {
        libxl__log(ctx, XTL_ERROR, -1, LIBXL__FILE, __LINE__, __func__, domid,
                   "Can't get start time of domain");
        return (uint32_t)-1;
    }
    /* "SECONDS.FRACTION": the seconds, truncated to 32 bits as libxl */
    return (uint32_t)strtoul(start, NULL, 10);
}

/* -------------------------------------------------------------- sysrq */

int libxl_send_sysrq(libxl_ctx *ctx, uint32_t domid, char sysrq)
{
    GC_INIT(ctx);
    const char *path = GCSPRINTF("%s/control/sysrq", dompath(gc, domid));
    char key[2] = {sysrq, '\0'};

    /* libxl reports a failed write in its log only: the call succeeds */
    if (!xs_write(ctx->xsh, XBT_NULL, path, key, strlen(key)))
        LOGE(ctx, ERROR, "xenstore write failed: `%s' = `%s'", path, key);
    return 0;
}

/* ------------------------------------------------------------ triggers */

/* Which device model serves an HVM domain, as libxl reads it. */
static libxl_device_model_version dm_version(libxl__gc *gc, uint32_t domid)
{
    const char *path = GCSPRINTF("/libxl/%u/dm-version", domid);
    const char *v = libxl__xs_read_checked(gc, XBT_NULL, path, NODE_MAX);
    libxl_device_model_version dm;

    if (!v) return LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
    if (libxl_device_model_version_from_string(v, &dm) < 0) {
        LOGD(CTX, ERROR, domid, "fatal: %s contain a wrong value (%s)", path, v);
        return LIBXL_DEVICE_MODEL_VERSION_UNKNOWN;
    }
    return dm;
}

/* S3 resume through QEMU's QMP (system_wakeup), as libxl's device model
 * client: the operation's result. */
typedef struct {
    libxl__ao *ao;
    libxl__qmp qmp;
} s3_wakeup;

#define S3_QMP_TIMEOUT_MS (10 * 1000)

static void s3_resume_done(libxl__egc *egc, libxl__ao *ao, int rc)
{
    if (rc)
        LOGD(ao->ctx, ERROR, ao->domid, "Send trigger '%s' failed, rc=%d",
             libxl_trigger_to_string(LIBXL_TRIGGER_S3RESUME), rc);
    libxl__ao_complete(egc, ao, rc);
}

static void s3_woken(libxl__egc *egc, libxl__qmp *qmp, int rc,
                     struct json_object *response)
{
    s3_wakeup *w = CONTAINER_OF(qmp, s3_wakeup, qmp);

    (void)response;
    libxl__qmp_close(qmp);
    s3_resume_done(egc, w->ao, rc);
}

/*
 * Resuming from S3 is the device model's job: only HVM guests have one.
 * Starts QEMU's wakeup (1), or returns the result at once (0, *rc set).
 */
static int s3_resume_start(libxl__ao *ao, uint32_t domid, int *rc)
{
    libxl__gc *gc = libxl__ao_gc(ao);
    libxl_ctx *ctx = ao->ctx;

    *rc = ERROR_INVAL;
    if (libxl__domain_type(gc, domid) != LIBXL_DOMAIN_TYPE_HVM)
        return 0;
    switch (dm_version(gc, domid)) {
    case LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL:
        *rc = 0;
        if (xc_hvm_param_set(ctx->xch, domid, HVM_PARAM_ACPI_S_STATE, 0)) {
            LOGED(ctx, ERROR, domid, "Send trigger '%s' failed",
                  libxl_trigger_to_string(LIBXL_TRIGGER_S3RESUME));
            *rc = ERROR_FAIL;
        }
        return 0;
    case LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN: {
        const char *path = libxl__qmp_socket_path(gc, domid);
        struct stat st;
        s3_wakeup *w;

        /* no device model listening: libxl's connect fails just so */
        if (stat(path, &st)) {
            LOGED(ctx, ERROR, domid, "Failed to connect to QMP socket %s",
                  path);
            *rc = ERROR_FAIL;
            return 0;
        }
        w = libxl__ao_zalloc(ao, sizeof(*w));
        if (!w) {
            *rc = ERROR_NOMEM;
            return 0;
        }
        w->ao = ao;
        libxl__qmp_init(&w->qmp);
        w->qmp.ao = ao;
        w->qmp.what = "QMP";
        w->qmp.path = path;
        w->qmp.timeout_ms = S3_QMP_TIMEOUT_MS;
        w->qmp.callback = s3_woken;
        *rc = libxl__qmp_send(&w->qmp, "system_wakeup", NULL, -1);
        return *rc ? 0 : 1;
    }
    default:
        return 0;
    }
}

typedef struct {
    libxl_trigger trigger;
    uint32_t vcpu;
} trigger_args;

/* As libxl 4.17: a trigger the hypervisor refuses fails the call; the
 * S3 resume's failures are the operation's result. */
static int trigger_step(libxl_ctx *ctx, uint32_t domid, void *arg, int *result)
{
    const trigger_args *ta = arg;
    uint32_t xen;
    int r;

    switch (ta->trigger) {
    case LIBXL_TRIGGER_POWER:    xen = XEN_DOMCTL_SENDTRIGGER_POWER; break;
    case LIBXL_TRIGGER_SLEEP:    xen = XEN_DOMCTL_SENDTRIGGER_SLEEP; break;
    case LIBXL_TRIGGER_NMI:      xen = XEN_DOMCTL_SENDTRIGGER_NMI; break;
    case LIBXL_TRIGGER_INIT:     xen = XEN_DOMCTL_SENDTRIGGER_INIT; break;
    case LIBXL_TRIGGER_RESET:    xen = XEN_DOMCTL_SENDTRIGGER_RESET; break;
    default:
        errno = EINVAL;
        LOGED(ctx, ERROR, domid, "Send trigger '%s' failed",
              str_or_null(libxl_trigger_to_string(ta->trigger)));
        return ERROR_FAIL;
    }
    r = xc_domain_send_trigger(ctx->xch, domid, xen, ta->vcpu);
    if (r) {
        LOGED(ctx, ERROR, domid, "Send trigger '%s' failed",
              libxl_trigger_to_string(ta->trigger));
        return ERROR_FAIL;
    }
    *result = 0;
    return 0;
}

int libxl_send_trigger(libxl_ctx *ctx, uint32_t domid, libxl_trigger trigger,
                       uint32_t vcpuid, const libxl_asyncop_how *ao_how)
{
    trigger_args ta = {trigger, vcpuid};

    if (trigger == LIBXL_TRIGGER_S3RESUME) {
        AO_CREATE(ctx, domid, ao_how);
        int rc;
        if (!s3_resume_start(ao, domid, &rc))
            s3_resume_done(egc, ao, rc);
        return AO_INPROGRESS;
    }
    return libxl__ao_immediate(ctx, domid, ao_how, trigger_step, &ta);
}

/* ------------------------------------------------------------- renaming */

/*
 * One attempt at renaming domid inside transaction t (the caller's or, when
 * t is XBT_NULL, one of ours committed here), its stub domain with it.
 * Returns libxl's rc, or EAGAIN when our own transaction must run again.
 */
static int rename_in(libxl__gc *gc, uint32_t domid, const char *old_name,
                     const char *new_name, xs_transaction_t t)
{
    libxl_ctx *ctx = CTX;
    const char *name_path = GCSPRINTF("%s/name", dompath(gc, domid));
    xs_transaction_t ours = XBT_NULL;
    libxl_dominfo info;
    uint32_t stub;
    int rc = ERROR_FAIL;

    libxl_dominfo_init(&info);
    stub = (uint32_t)libxl_get_stubdom_id(ctx, (int)domid);

    if (t == XBT_NULL) {
        t = ours = xs_transaction_start(ctx->xsh);
        if (ours == XBT_NULL) {
            LOGED(ctx, ERROR, domid,
                  "Create xs transaction for domain (re)name");
            goto out;
        }
    }
    if (!new_name) {
        LOGD(ctx, ERROR, domid, "New domain name not specified");
        rc = ERROR_INVAL;
        goto out;
    }
    if (new_name[0]) {
        uint32_t holder;
        rc = libxl_name_to_domid(ctx, new_name, &holder);
        if (rc == ERROR_INVAL) {
            /* the name is free */
        } else if (rc) {
            LOGD(ctx, ERROR, domid,
                 "Unexpected error checking for existing domain");
            goto out;
        } else if (holder != domid) {
            LOGD(ctx, ERROR, domid, "Domain with name \"%s\" already exists.",
                 new_name);
            rc = ERROR_INVAL;
            goto out;
        }
        rc = ERROR_FAIL;
    }
    if (old_name) {
        const char *got = libxl__xs_read_checked(gc, t, name_path, NODE_MAX);
        if (!got) {
            LOGED(ctx, ERROR, domid,
                  "Check old name for domain allegedly named `%s'", old_name);
            goto out;
        }
        if (strcmp(old_name, got)) {
            LOGD(ctx, ERROR, domid,
                 "Allegedly named `%s' is actually named `%s' - racing ?",
                 old_name, got);
            goto out;
        }
    }
    if (!xs_write(ctx->xsh, t, name_path, new_name, strlen(new_name))) {
        LOGD(ctx, ERROR, domid, "Failed to write new name `%s' for domain "
             "previously named `%s'", new_name, str_or_null(old_name));
        goto out;
    }

    rc = libxl_domain_info(ctx, &info, domid);
    if (rc) goto out;
    rc = ERROR_FAIL;
    const char *vm_name = GCSPRINTF("/vm/" LIBXL_UUID_FMT "/name",
                                    LIBXL_UUID_BYTES(info.uuid));
    if (!xs_write(ctx->xsh, t, vm_name, new_name, strlen(new_name))) {
        LOGE(ctx, ERROR, "xenstore write failed: `%s' = `%s'", vm_name,
             new_name);
        goto out;
    }

    if (stub) {
        rc = rename_in(gc, stub, GCSPRINTF("%s-dm", str_or_null(old_name)),
                       GCSPRINTF("%s-dm", new_name), t);
        if (rc) {
            LOGED(ctx, ERROR, domid, "Unable to rename stub-domain");
            goto out;
        }
    }

    if (ours != XBT_NULL) {
        bool done = xs_transaction_end(ctx->xsh, ours, false);
        ours = XBT_NULL;
        if (!done) {
            if (errno != EAGAIN) {
                LOGD(ctx, ERROR, domid, "Failed to commit new name `%s' for "
                     "domain previously named `%s'", new_name,
                     str_or_null(old_name));
                rc = ERROR_FAIL;
                goto out;
            }
            LOGD(ctx, DEBUG, domid, "Need to retry rename transaction for "
                 "domain (name_path=\"%s\", new_name=\"%s\")", name_path,
                 new_name);
            rc = EAGAIN;
            goto out;
        }
    }
    rc = 0;

out:
    if (ours != XBT_NULL)
        xs_transaction_end(ctx->xsh, ours, true);
    libxl_dominfo_dispose(&info);
    return rc;
}

/* Renames in t, or in transactions of its own (retried) when t is
 * XBT_NULL. */
static int domain_rename(libxl__gc *gc, uint32_t domid, const char *old_name,
                         const char *new_name, xs_transaction_t t)
{
    int rc;

    do
        rc = rename_in(gc, domid, old_name, new_name, t);
    while (rc == EAGAIN);
    return rc;
}

int libxl_domain_rename(libxl_ctx *ctx, uint32_t domid, const char *old_name,
                        const char *new_name)
{
    GC_INIT(ctx);
    return domain_rename(gc, domid, old_name, new_name, XBT_NULL);
}

/* ---------------------------------------------------------- preserving */

/*
 * As libxl 4.17: the domain gets a new /vm/NEW_UUID directory (its uuid in
 * it) and the name NAME+SUFFIX, so that a new domain can be made with the
 * old name; the hypervisor's handle is left as it was.
 */
int libxl_domain_preserve(libxl_ctx *ctx, uint32_t domid,
                          libxl_domain_create_info *info,
                          const char *name_suffix, libxl_uuid new_uuid)
{
    GC_INIT(ctx);
    struct xs_permissions perms[2] = {
        {.id = 0, .perms = XS_PERM_NONE},
        {.id = domid, .perms = XS_PERM_READ},
    };
    const char *name = GCSPRINTF("%s%s", str_or_null(info->name),
                                 str_or_null(name_suffix));
    const char *uuid = GCSPRINTF(LIBXL_UUID_FMT, LIBXL_UUID_BYTES(new_uuid));
    const char *vm = GCSPRINTF("/vm/%s", uuid);
    const char *dom_vm = GCSPRINTF("%s/vm", dompath(gc, domid));
    const char *vm_uuid = GCSPRINTF("%s/uuid", vm);

    for (;;) {
        xs_transaction_t t = xs_transaction_start(ctx->xsh);
        int rc;

        if (t == XBT_NULL) {
            LOGE(ctx, ERROR, "starting a xenstore transaction");
            return ERROR_FAIL;
        }
        /* as libxl, each step's failure shows in the rename or the commit */
        xs_rm(ctx->xsh, t, vm);
        xs_mkdir(ctx->xsh, t, vm);
        xs_set_permissions(ctx->xsh, t, vm, perms, 2);
        xs_write(ctx->xsh, t, dom_vm, vm, strlen(vm));
        rc = domain_rename(gc, domid, info->name, name, t);
        if (rc) {
            xs_transaction_end(ctx->xsh, t, true);
            return rc;
        }
        xs_write(ctx->xsh, t, vm_uuid, uuid, strlen(uuid));
        if (xs_transaction_end(ctx->xsh, t, false) || errno != EAGAIN)
            return 0;
    }
}
