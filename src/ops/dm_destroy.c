/*
 * ops/dm_destroy.c: stopping a domain's device model as libxl 4.17's
 * destroy does (libxl__destroy_device_model): its directory under dom0's
 * device-model/ removed, the process whose pid the domain's image/
 * records signalled (SIGHUP), its QMP sockets removed. Contract in
 * ops/domain_ops.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "ops/domain_ops.h"
#include "subop/qmp.h"
#include "xs/paths.h"

/* A pid as libxl reads it (atoi), refusing what would signal more than
 * one process: 0, negative or not a number. */
static bool pid_of(const char *v, pid_t *pid)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || n <= 0 || n > INT32_MAX) return false;
    *pid = (pid_t)n;
    return true;
}

/* libxl__kill_xs_path for the device model: 0 or ERROR_FAIL. */
static int kill_recorded(libxl__gc *gc, const char *path)
{
    const char *what = "Device Model";
    const char *v = libxl__xs_read_checked(gc, XBT_NULL, path, 16);
    pid_t pid;

    if (!v) {
        LOG(gc->ctx, ERROR, "unable to find %s pid in %s", what, path);
        return ERROR_FAIL;
    }
    if (!pid_of(v, &pid)) {
        /* a value libxl would pass to kill(2) as 0 or below */
        LOG(gc->ctx, ERROR, "unable to find %s pid in %s", what, path);
        return ERROR_FAIL;
    }
    if (kill(pid, SIGHUP) < 0) {
        if (errno == ESRCH) {
            LOG(gc->ctx, ERROR, "%s already exited", what);
            return 0;
        }
        LOGE(gc->ctx, ERROR, "failed to kill %s [%d]", what, (int)pid);
        return ERROR_FAIL;
    }
    LOG(gc->ctx, DEBUG, "%s signaled", what);
    return 0;
}

static void unlink_socket(libxl__gc *gc, uint32_t domid, const char *path)
{
    if (path && unlink(path) < 0 && errno != ENOENT)
        LOGED(gc->ctx, ERROR, domid, "Failed to remove QMP socket file %s",
              path);
}

int libxl__device_model_destroy(libxl__gc *gc, uint32_t domid)
{
    libxl_ctx *ctx = gc->ctx;
    const char *dm_dir = GCSPRINTF("/local/domain/0/device-model/%u", domid);
    const char *uid_path = GCSPRINTF("/local/domain/%u/image/"
                                     "device-model-kill-uid", domid);
    const char *pid_path = GCSPRINTF("/local/domain/%u/image/"
                                     "device-model-pid", domid);
    int rc = 0, r;

    if (!dm_dir || !uid_path || !pid_path) return ERROR_NOMEM;
    if (!xs_rm(ctx->xsh, XBT_NULL, dm_dir) && errno != ENOENT) {
        LOGED(ctx, ERROR, domid, "xs_rm failed for %s", dm_dir);
        rc = ERROR_FAIL;
    }
    const char *uid = libxl__xs_read_checked(gc, XBT_NULL, uid_path, 16);
    if (!uid && errno != ENOENT) {
        LOGD(ctx, ERROR, domid, "Reading dm UID path failed for %s",
             uid_path);
        if (!rc) rc = ERROR_FAIL;
    }
    if (uid) {
        /* libxl kills every process of that uid from a reaper child; not
         * built yet (lightcore starts no device model under its own uid):
         * the recorded pid is signalled instead */
        LOGD(ctx, ERROR, domid, "killing a device model by uid (%s) is not"
             " implemented yet; destroying it by pid", uid);
    } else {
        LOGD(ctx, DEBUG, domid, "Didn't find dm UID; destroying by pid");
    }
    r = kill_recorded(gc, pid_path);
    if (r) {
        LOGD(ctx, ERROR, domid, "Killing device model pid from path %s",
             pid_path);
        if (!rc) rc = r;
    }
    unlink_socket(gc, domid, libxl__qmp_socket_path(gc, domid));
    unlink_socket(gc, domid, GCSPRINTF("/var/run/xen/qmp-libxenstat-%u",
                                       domid));
    return rc;
}
