/*
 * ops/qemu_monitor.c: libxl_qemu_monitor_command (xl qemu-monitor-command,
 * issue 18): one line of QEMU's human monitor, sent to a domain's device
 * model as QMP's human-monitor-command under libxl's per-domain QMP lock,
 * and QEMU's printed answer handed back. No state; the answer is QEMU's
 * and is checked for its type only.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ao/ao.h"
#include "base/log.h"
#include "base/util.h"
#include "ops/userdata.h"
#include "subop/qmp.h"

#include "libxl.h"

/* libxl's own name for the lock that keeps one client on a QMP socket. */
#define QMP_SOCKET_LOCK "qmp-socket-lock"

/* libxl sets no deadline on the answer (only an abort ends the wait):
 * the longest one the QMP client takes. */
#define MONITOR_TIMEOUT_MS INT_MAX

typedef struct {
    libxl__ao *ao;
    char **output;
    libxl__userdata_flock lock;
    libxl__qmp qmp;
} monitor_state;

static void monitor_answered(libxl__egc *egc, libxl__qmp *qmp, int rc,
                             struct json_object *response);

static void monitor_done(libxl__egc *egc, monitor_state *ms, int rc)
{
    libxl__qmp_close(&ms->qmp);
    libxl__userdata_unlock(&ms->lock);
    libxl__ao_complete(egc, ms->ao, rc);
}

int libxl_qemu_monitor_command(libxl_ctx *ctx, uint32_t domid,
                               const char *command_line, char **output,
                               const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    libxl__gc *gc = libxl__ao_gc(ao);
    libxl__userdata_dom dom;
    monitor_state *ms;
    struct json_object *args = NULL;
    int rc;

    if (!output)
        return AO_CREATE_FAIL(ERROR_INVAL);
    ms = libxl__ao_zalloc(ao, sizeof(*ms));
    if (!ms)
        return AO_CREATE_FAIL(ERROR_NOMEM);
    ms->ao = ao;
    ms->output = output;
    ms->lock.fd = -1;
    libxl__qmp_init(&ms->qmp);

    /* the lock's file is named after the domain: none, no lock */
    if (libxl__userdata_dom_find(gc, domid, &dom)) {
        rc = ERROR_LOCK_FAIL;
        goto out;
    }
    /* (another process may hold it: waited for without the ctx lock) */
    AO_UNLOCKED(ao, rc = libxl__userdata_lock(gc, &dom, QMP_SOCKET_LOCK,
                                              &ms->lock, NULL));
    if (rc) {
        LOGD(ctx, ERROR, domid, "Failed to grab lock for %s",
             QMP_SOCKET_LOCK);
        goto out;
    }

    args = json_object_new_object();
    if (!args || json_object_object_add(args, "command-line",
                                        command_line
                                        ? json_object_new_string(command_line)
                                        : NULL)) {
        rc = ERROR_NOMEM;
        goto out;
    }
    ms->qmp.ao = ao;
    ms->qmp.what = "QMP";
    ms->qmp.path = libxl__qmp_socket_path(gc, domid);
    ms->qmp.connect_timeout_ms = 0;                 /* libxl tries once */
    ms->qmp.timeout_ms = MONITOR_TIMEOUT_MS;
    ms->qmp.callback = monitor_answered;
    rc = ms->qmp.path ? libxl__qmp_send(&ms->qmp, "human-monitor-command",
                                        args, -1)
                      : ERROR_NOMEM;

out:
    json_object_put(args);
    if (rc)
        monitor_done(egc, ms, rc);
    return AO_INPROGRESS;
}

static void monitor_answered(libxl__egc *egc, libxl__qmp *qmp, int rc,
                             struct json_object *response)
{
    monitor_state *ms = CONTAINER_OF(qmp, monitor_state, qmp);

    if (rc) goto out;
    if (!response || !json_object_is_type(response, json_type_string)) {
        LOGD(ms->ao->ctx, ERROR, ms->ao->domid,
             "Response has unexpected format");
        rc = ERROR_QEMU_API;
        goto out;
    }
    /* (json-c keeps a string's length: one with a NUL inside is cut
     * there, as libxl's C string is) */
    *ms->output = strdup(json_object_get_string(response));
    if (!*ms->output)
        rc = ERROR_NOMEM;

out:
    monitor_done(egc, ms, rc);
}
