/*
 * ev/queue.c: events handed to the application. It owns the ctx's queue
 * of undelivered events, libxl_event_check / libxl_event_wait /
 * libxl_event_free, the application's event hooks
 * (libxl_event_register_callbacks), and libxl__event_occurred, through
 * which every event generator reports an event.
 */
#include <stdlib.h>

#include "ev/ev_private.h"

void libxl_event_free(libxl_ctx *ctx, libxl_event *event)
{
    (void)ctx; /* may be NULL */
    if (!event) return;
    libxl_event_dispose(event);
    free(event);
}

void libxl_event_register_callbacks(libxl_ctx *ctx,
                                    const libxl_event_hooks *hooks, void *user)
{
    CTX_LOCK(ctx);
    CTX_EV(ctx)->event_hooks = hooks;
    CTX_EV(ctx)->event_hooks_user = user;
    CTX_UNLOCK(ctx);
}

static bool type_in_mask(const libxl_event *ev, uint64_t mask)
{
    unsigned type = (unsigned)ev->type;
    return type < 64 && (mask & ((uint64_t)1 << type));
}

void libxl__event_occurred(libxl__egc *egc, libxl_event *ev)
{
    libxl_ctx *ctx = egc->ctx;
    const libxl_event_hooks *hooks = CTX_EV(ctx)->event_hooks;

    if (CTX_EV(ctx)->freeing) {
        libxl_event_free(ctx, ev);
        return;
    }
    if (hooks && hooks->event_occurs &&
        type_in_mask(ev, hooks->event_occurs_mask)) {
        XEN_TAILQ_INSERT_TAIL(&egc->occurred, ev, link);
        return;
    }
    XEN_TAILQ_INSERT_TAIL(&CTX_EV(ctx)->occurred, ev, link);
    libxl__ctx_wake_waiters(ctx);
}

struct event_search {
    uint64_t typemask;
    libxl_event_predicate *predicate;
    void *predicate_user;
    libxl_event *found;
};

/* Take the first queued event that matches (lock held). */
static bool event_take(libxl__egc *egc, void *arg)
{
    struct event_search *s = arg;
    libxl_event *ev;

    XEN_TAILQ_FOREACH(ev, &CTX_EV(egc->ctx)->occurred, link) {
        if (!type_in_mask(ev, s->typemask)) continue;
        if (s->predicate && !s->predicate(ev, s->predicate_user)) continue;
        XEN_TAILQ_REMOVE(&CTX_EV(egc->ctx)->occurred, ev, link);
        s->found = ev;
        return true;
    }
    return false;
}

int libxl_event_check(libxl_ctx *ctx, libxl_event **event_r,
                      uint64_t typemask,
                      libxl_event_predicate *predicate, void *predicate_user)
{
    struct event_search s = { typemask, predicate, predicate_user, NULL };
    int rc;

    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    if (libxl__osevent_called_from_hook(ctx, __func__)) {
        rc = ERROR_FAIL;
    } else if (event_take(egc, &s)) {
        *event_r = s.found;
        rc = 0;
    } else {
        rc = ERROR_NOT_READY;
    }
    CTX_UNLOCK_EGC_FREE;
    return rc;
}

int libxl_event_wait(libxl_ctx *ctx, libxl_event **event_r,
                     uint64_t typemask,
                     libxl_event_predicate *predicate, void *predicate_user)
{
    struct event_search s = { typemask, predicate, predicate_user, NULL };
    int rc;

    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    if (libxl__osevent_called_from_hook(ctx, __func__)) {
        rc = ERROR_FAIL;
        goto out;
    }
    rc = libxl__eventloop_wait(egc, event_take, &s);
    if (!rc) *event_r = s.found;
out:
    CTX_UNLOCK_EGC_FREE;
    return rc;
}
