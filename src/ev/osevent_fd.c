/*
 * ev/osevent_fd.c: the single-pollable-fd style of driving the library
 * (libxl_osevent_fd / libxl_osevent_dispatch, beyond libxl 4.17). It owns
 * nothing: the fd is the core's epoll set, and dispatch is one core round.
 */
#include "ev/ev_private.h"

int libxl_osevent_fd(libxl_ctx *ctx, int *fd_r)
{
    int rc;

    CTX_LOCK(ctx);
    rc = libxl__ev_ensure_epoll(ctx);
    if (!rc) *fd_r = CTX_EV(ctx)->epfd;
    CTX_UNLOCK(ctx);
    return rc;
}

int libxl_osevent_dispatch(libxl_ctx *ctx)
{
    int rc = 0;

    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    if (libxl__osevent_called_from_hook(ctx, __func__))
        rc = ERROR_FAIL;
    else
        libxl__ev_dispatch(egc, libxl__clock_now_ns(), NULL, false);
    CTX_UNLOCK_EGC_FREE;
    return rc;
}
