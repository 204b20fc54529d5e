/*
 * subop/xswait.c: the abortable, time-bounded wait for a xenstore node
 * (contract in subop/xswait.h). It does not touch its state after calling
 * the user's callback, so the callback may free or reuse it.
 */
#include <errno.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/util.h"
#include "subop/xswait.h"

void libxl__xswait_init(libxl__xswait *xsw)
{
    libxl__ev_xswatch_init(&xsw->watch);
    libxl__ao_time_init(&xsw->time);
}

void libxl__xswait_stop(libxl__xswait *xsw)
{
    libxl_ctx *ctx = xsw->ao->ctx;
    libxl__ev_xswatch_deregister(ctx, &xsw->watch);
    libxl__ao_time_deregister(ctx, &xsw->time);
}

static void xswait_timeout(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    libxl__xswait *xsw = CONTAINER_OF(t, libxl__xswait, time);
    libxl_ctx *ctx = egc->ctx;

    if (rc == ERROR_TIMEDOUT)
        LOGD(ctx, ERROR, xsw->ao->domid, "%s: timed out after %d ms waiting"
             " for %s", xsw->what, xsw->timeout_ms, xsw->path);
    libxl__xswait_stop(xsw);
    xsw->callback(egc, xsw, rc, NULL);
}

static void xswait_watch_fired(libxl__egc *egc, libxl__ev_xswatch *w,
                               const char *watch_path, const char *event_path)
{
    libxl__xswait *xsw = CONTAINER_OF(w, libxl__xswait, watch);
    libxl_ctx *ctx = egc->ctx;
    char *value;
    (void)watch_path; (void)event_path;

    value = xs_read(ctx->xsh, XBT_NULL, xsw->path, NULL);
    if (!value && errno != ENOENT) {
        LOGED(ctx, ERROR, xsw->ao->domid, "%s: cannot read %s", xsw->what,
              xsw->path);
        libxl__xswatch_check_conn_error(egc, errno);
        libxl__xswait_stop(xsw);
        xsw->callback(egc, xsw, ERROR_FAIL, NULL);
        return;
    }
    xsw->callback(egc, xsw, 0, value);
    free(value);
}

int libxl__xswait_start(libxl__xswait *xsw)
{
    libxl_ctx *ctx = xsw->ao->ctx;
    int rc;

    rc = libxl__ao_time_register(xsw->ao, &xsw->time, xswait_timeout,
                                 xsw->timeout_ms);
    if (rc) goto out;
    rc = libxl__ev_xswatch_register(ctx, &xsw->watch, xswait_watch_fired,
                                    xsw->path);
    if (rc) {
        libxl__ao_time_deregister(ctx, &xsw->time);
        goto out;
    }
out:
    return rc;
}
