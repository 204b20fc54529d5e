/*
 * ao/ao_time.c: the abortable timeout of an asynchronous operation
 * (libxl__ao_time; contract in ao/ao.h). It does not touch its state
 * after calling the user's callback, so the callback may free or reuse it.
 */
#include "ao/ao.h"
#include "base/util.h"

/* ------------------------------------------------------- ao_time */

void libxl__ao_time_init(libxl__ao_time *t)
{
    t->callback = NULL;
    libxl__ev_time_init(&t->time);
    libxl__ao_abortable_init(&t->abrt);
}

static void ao_time_fired(libxl__egc *egc, libxl__ev_time *ev,
                          const struct timeval *requested_abs, int rc)
{
    libxl__ao_time *t = CONTAINER_OF(ev, libxl__ao_time, time);
    (void)requested_abs;
    libxl__ao_abortable_deregister(&t->abrt);
    t->callback(egc, t, rc);
}

static void ao_time_aborted(libxl__egc *egc, libxl__ao_abortable *ab, int rc)
{
    libxl__ao_time *t = CONTAINER_OF(ab, libxl__ao_time, abrt);
    libxl__ev_time_deregister(egc->ctx, &t->time);
    t->callback(egc, t, rc);
}

int libxl__ao_time_register(libxl__ao *ao, libxl__ao_time *t,
                            libxl__ao_time_callback *cb, int ms)
{
    int rc;

    rc = libxl__ao_abortable_register(ao, &t->abrt, ao_time_aborted);
    if (rc) goto out;
    rc = libxl__ev_time_register_rel(ao->ctx, &t->time, ao_time_fired, ms);
    if (rc) {
        libxl__ao_abortable_deregister(&t->abrt);
        goto out;
    }
    t->callback = cb;
out:
    return rc;
}

void libxl__ao_time_deregister(libxl_ctx *ctx, libxl__ao_time *t)
{
    libxl__ev_time_deregister(ctx, &t->time);
    libxl__ao_abortable_deregister(&t->abrt);
}
