/*
 * ev/osevent_hooks.c: the hook style of driving the library
 * (libxl_osevent_register_hooks, libxl_osevent_occurred_fd/_timeout) and
 * every call of the application's osevent hooks. It owns the for_libxl
 * tokens handed to the application and the app-timeout records; the fd
 * slots and timeouts themselves belong to ev_fd.c and ev_time.c.
 *
 * The application sees one fd registration per fd slot (the union of the
 * slot's events) and one timeout registration per Active libxl__ev_time.
 * for_libxl is a handle-table token, never a pointer, so a late occurred
 * call is recognised whatever happened meanwhile. Timeouts are never
 * deregistered through the hooks: a timeout that fires internally or is
 * deregistered has its app registration modified to {0,0}, and its record
 * and token are released by the occurred_timeout that this provokes.
 */
#include <stdlib.h>

#include "ev/ev_private.h"

/* Bracket a hook call so occurred_* from inside it is recognised. */
#define IN_HOOK(ctx, call) (CTX_EV(ctx)->in_hook++, (call), CTX_EV(ctx)->in_hook--)

bool libxl__osevent_called_from_hook(libxl_ctx *ctx, const char *func)
{
    if (!CTX_EV(ctx)->in_hook) return false;
    LOG(ctx, ERROR, "%s called from inside an osevent hook (not allowed);"
        " ignored", func);
    return true;
}

/* --------------------------------------------------------------- fds */

int libxl__osevent_fd_app_sync(libxl_ctx *ctx, libxl__fd_slot *slot)
{
    const libxl_osevent_hooks *hooks = CTX_EV(ctx)->hooks;
    void *user = CTX_EV(ctx)->hooks_user;
    bool new_token = false;
    int r = 0, rc;

    if (!hooks) return 0;

    if (!slot->app_registered) {
        void *for_app = NULL;
        if (!slot->token) {
            rc = libxl__ev_token_alloc(ctx, slot, &slot->token);
            if (rc) return rc;
            new_token = true;
        }
        IN_HOOK(ctx, r = hooks->fd_register(user, slot->fd, &for_app,
                                            slot->events, slot->token));
        if (r) {
            LOG(ctx, ERROR, "the application's fd_register hook failed for"
                " fd %d (%d)", slot->fd, r);
            if (new_token) {
                libxl__ev_token_release(ctx, slot->token);
                slot->token = NULL;
            }
            return r;
        }
        slot->for_app = for_app;
        slot->app_registered = true;
        slot->app_events = slot->events;
        return 0;
    }

    if (slot->app_events == slot->events) return 0;
    IN_HOOK(ctx, r = hooks->fd_modify(user, slot->fd, &slot->for_app,
                                      slot->events));
    if (r) {
        LOG(ctx, ERROR, "the application's fd_modify hook failed for fd %d"
            " (%d)", slot->fd, r);
        return r;
    }
    slot->app_events = slot->events;
    return 0;
}

void libxl__osevent_fd_app_drop(libxl_ctx *ctx, libxl__fd_slot *slot)
{
    const libxl_osevent_hooks *hooks = CTX_EV(ctx)->hooks;

    if (slot->app_registered && hooks)
        IN_HOOK(ctx, hooks->fd_deregister(CTX_EV(ctx)->hooks_user, slot->fd,
                                          slot->for_app));
    slot->app_registered = false;
    if (slot->token) {
        libxl__ev_token_release(ctx, slot->token);
        slot->token = NULL;
    }
}

/* ---------------------------------------------------------- timeouts */

static void appreg_free(libxl_ctx *ctx, libxl__time_appreg *a)
{
    XEN_LIST_REMOVE(a, link);
    libxl__ev_token_release(ctx, a->token);
    free(a);
}

int libxl__osevent_time_app_register(libxl_ctx *ctx, libxl__ev_time *ev)
{
    const libxl_osevent_hooks *hooks = CTX_EV(ctx)->hooks;
    libxl__time_appreg *a;
    int r = 0, rc;

    if (!hooks) return 0;
    a = calloc(1, sizeof(*a));
    if (!a) {
        LOGE(ctx, ERROR, "cannot allocate a timeout registration");
        return ERROR_NOMEM;
    }
    a->kind = EV_KIND_TIME_APPREG;
    rc = libxl__ev_token_alloc(ctx, a, &a->token);
    if (rc) { free(a); return rc; }

    IN_HOOK(ctx, r = hooks->timeout_register(CTX_EV(ctx)->hooks_user, &a->for_app,
                                             ev->abs, a->token));
    if (r) {
        LOG(ctx, ERROR, "the application's timeout_register hook failed"
            " (%d)", r);
        libxl__ev_token_release(ctx, a->token);
        free(a);
        return r;
    }
    a->ev = ev;
    XEN_LIST_INSERT_HEAD(&CTX_EV(ctx)->time_appregs, a, link);
    ev->appreg = a;
    return 0;
}

void libxl__osevent_time_app_cancel(libxl_ctx *ctx, libxl__ev_time *ev)
{
    const libxl_osevent_hooks *hooks = CTX_EV(ctx)->hooks;
    libxl__time_appreg *a = ev->appreg;
    struct timeval asap = { 0, 0 };
    int r = 0;

    ev->appreg = NULL;
    a->ev = NULL;
    /* The record stays until the occurred_timeout this provokes (or the
     * one already on its way, if the app is firing it right now). */
    IN_HOOK(ctx, r = hooks->timeout_modify(CTX_EV(ctx)->hooks_user, &a->for_app,
                                           asap));
    if (r)
        LOG(ctx, WARN, "the application's timeout_modify hook failed (%d);"
            " the timeout will be ignored when it occurs", r);
}

void libxl__osevent_time_app_dispose_all(libxl_ctx *ctx)
{
    libxl__time_appreg *a;
    while ((a = XEN_LIST_FIRST(&CTX_EV(ctx)->time_appregs))) {
        if (a->ev) a->ev->appreg = NULL;
        appreg_free(ctx, a);
    }
}

/* ------------------------------------------------------ public entry */

void libxl_osevent_register_hooks(libxl_ctx *ctx,
                                  const libxl_osevent_hooks *hooks,
                                  void *user)
{
    libxl__ev_state *st = CTX_EV(ctx);

    CTX_LOCK(ctx);
    if (st->hooks) {
        LOG(ctx, ERROR, "libxl_osevent_register_hooks may be called only once"
            " per ctx; ignored");
        goto out;
    }
    if (!hooks) goto out;
    st->hooks = hooks;
    st->hooks_user = user;

    /* Hand over what is already being watched. A failure leaves that
     * registration unknown to the app (logged); the internal styles still
     * serve it, and its next change retries. */
    for (int fd = 0; fd < st->nslots; fd++) {
        libxl__fd_slot *slot = st->slots[fd];
        if (slot && libxl__osevent_fd_app_sync(ctx, slot))
            LOG(ctx, ERROR, "fd %d could not be registered with the"
                " application", fd);
    }
    libxl__ev_time *ev;
    XEN_LIST_FOREACH(ev, &st->times, link)
        if (!ev->appreg && libxl__osevent_time_app_register(ctx, ev))
            LOG(ctx, ERROR, "a timeout could not be registered with the"
                " application");
out:
    CTX_UNLOCK(ctx);
}

void libxl_osevent_occurred_fd(libxl_ctx *ctx, void *for_libxl,
                               int fd, short events, short revents)
{
    libxl__fd_slot *slot;

    (void)events; (void)revents; /* hints only: the fd is polled again */
    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    if (libxl__osevent_called_from_hook(ctx, __func__)) goto out;

    slot = libxl__ev_token_lookup(ctx, for_libxl, EV_KIND_FD_SLOT);
    if (!slot || slot->fd != fd) {
        LOG(ctx, DEBUG, "ignoring a stale occurred_fd for fd %d", fd);
        goto out;
    }
    if (libxl__ev_fd_slot_dispatch(egc, fd, 0))
        libxl__ctx_wake_waiters(ctx);
out:
    CTX_UNLOCK_EGC_FREE;
}

void libxl_osevent_occurred_timeout(libxl_ctx *ctx, void *for_libxl)
{
    libxl__time_appreg *a;
    libxl__ev_time *ev;

    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    if (libxl__osevent_called_from_hook(ctx, __func__)) goto out;

    a = libxl__ev_token_lookup(ctx, for_libxl, EV_KIND_TIME_APPREG);
    if (!a) {
        LOG(ctx, DEBUG, "ignoring a stale occurred_timeout");
        goto out;
    }
    /* The app's registration is over, whatever it was for. */
    ev = a->ev;
    appreg_free(ctx, a);
    if (ev) {
        uint64_t seq = ev->reg_seq;
        ev->appreg = NULL;
        /* A loop that fell behind may hand over several due timeouts in
         * any order: those due before this one fire first, so callbacks
         * always run in deadline order. One of them may cancel this
         * timeout (it then does not fire) or register it afresh (a new
         * deadline: not this occurrence's). */
        libxl__ev_time_fire_due(egc, ev->entry.deadline_ns);
        if (ev->func && ev->reg_seq == seq)
            libxl__ev_time_fire(egc, ev);
        libxl__ev_time_rearm(ctx);
        libxl__ctx_wake_waiters(ctx);
    }
out:
    CTX_UNLOCK_EGC_FREE;
}
