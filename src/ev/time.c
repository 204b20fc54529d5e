/*
 * ev/time.c: timeout registrations (libxl__ev_time). It owns the ctx's
 * timer heap (monotonic deadlines, O(log n) insert and remove) and the
 * timerfd's arming; wall-clock time appears only at the API boundary
 * (register_abs, the callback's requested_abs, the app's hooks).
 */
#include <stddef.h>
#include <string.h>
#include <sys/timerfd.h>

#include "ev/ev_private.h"

#define EV_OF_ENTRY(e) CONTAINER_OF((e), libxl__ev_time, entry)

void libxl__ev_time_init(libxl__ev_time *ev)
{
    memset(ev, 0, sizeof(*ev));
    libxl__timeheap_entry_init(&ev->entry);
}

void libxl__ev_time_rearm(libxl_ctx *ctx)
{
    libxl__ev_state *st = CTX_EV(ctx);
    const libxl__timeheap_entry *e;
    struct itimerspec its;
    uint64_t target;

    if (st->tfd < 0) return;
    e = libxl__timeheap_peek(&st->heap);
    target = e ? (e->deadline_ns ? e->deadline_ns : 1) : 0;
    if (target == st->tfd_armed_ns) return;

    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = (time_t)(target / 1000000000u);
    its.it_value.tv_nsec = (long)(target % 1000000000u);
    if (timerfd_settime(st->tfd, TFD_TIMER_ABSTIME, &its, NULL)) {
        LOGE(ctx, ERROR, "cannot arm the timerfd");
        st->tfd_armed_ns = 0;
        return;
    }
    st->tfd_armed_ns = target;
}

static int time_register(libxl_ctx *ctx, libxl__ev_time *ev,
                         libxl__ev_time_callback *func,
                         uint64_t deadline_ns, struct timeval abs)
{
    libxl__ev_state *st = CTX_EV(ctx);
    int rc;

    if (!func || ev->func) {
        LOG(ctx, ERROR, "bad timeout registration");
        return ERROR_INVAL;
    }
    rc = libxl__ev_ensure_epoll(ctx);
    if (rc) return rc;
    if (libxl__timeheap_insert(&st->heap, &ev->entry, deadline_ns)) {
        LOGE(ctx, ERROR, "cannot add a timeout");
        return ERROR_NOMEM;
    }
    ev->func = func;
    ev->abs = abs;
    ev->appreg = NULL;

    rc = libxl__osevent_time_app_register(ctx, ev);
    if (rc) {
        libxl__timeheap_remove(&st->heap, &ev->entry);
        ev->func = NULL;
        return rc;
    }
    ev->reg_seq = ++st->time_reg_seq;
    XEN_LIST_INSERT_HEAD(&st->times, ev, link);
    libxl__ev_time_rearm(ctx);
    return 0;
}

int libxl__ev_time_register_rel(libxl_ctx *ctx, libxl__ev_time *ev,
                                libxl__ev_time_callback *func, int ms)
{
    uint64_t now = libxl__clock_now_ns();
    struct timeval wall, abs;

    if (ms < 0) ms = 0;
    gettimeofday(&wall, NULL);
    abs.tv_sec = wall.tv_sec + ms / 1000;
    abs.tv_usec = wall.tv_usec + (ms % 1000) * 1000;
    if (abs.tv_usec >= 1000000) { abs.tv_sec++; abs.tv_usec -= 1000000; }
    return time_register(ctx, ev, func, now + (uint64_t)ms * 1000000u, abs);
}

int libxl__ev_time_register_abs(libxl_ctx *ctx, libxl__ev_time *ev,
                                libxl__ev_time_callback *func,
                                struct timeval abs)
{
    uint64_t now = libxl__clock_now_ns();
    struct timeval wall;

    gettimeofday(&wall, NULL);
    return time_register(ctx, ev, func,
                         libxl__timeval_to_mono_ns(abs, wall, now), abs);
}

/* Active -> Idle (the app's registration, if any, is left to the caller). */
static void time_unlink(libxl_ctx *ctx, libxl__ev_time *ev)
{
    libxl__timeheap_remove(&CTX_EV(ctx)->heap, &ev->entry);
    XEN_LIST_REMOVE(ev, link);
    ev->func = NULL;
}

void libxl__ev_time_deregister(libxl_ctx *ctx, libxl__ev_time *ev)
{
    if (!ev->func) return;
    time_unlink(ctx, ev);
    if (ev->appreg) libxl__osevent_time_app_cancel(ctx, ev);
    libxl__ev_time_rearm(ctx);
}

void libxl__ev_time_fire(libxl__egc *egc, libxl__ev_time *ev)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__ev_time_callback *func = ev->func;
    struct timeval abs = ev->abs;

    time_unlink(ctx, ev);  /* Idle before the callback: it may re-register */
    if (ev->appreg) libxl__osevent_time_app_cancel(ctx, ev);
    func(egc, ev, &abs, ERROR_TIMEDOUT);
}

int libxl__ev_time_fire_due(libxl__egc *egc, uint64_t due_mono)
{
    libxl__ev_state *st = CTX_EV(egc->ctx);
    uint64_t bound = st->time_reg_seq;
    libxl__timeheap_entry *e;
    int fired = 0;

    /* Timeouts registered by these callbacks wait for the next round, so a
     * callback re-registering itself cannot keep us here forever. */
    while ((e = libxl__timeheap_peek(&st->heap)) && e->deadline_ns <= due_mono) {
        libxl__ev_time *ev = EV_OF_ENTRY(e);
        if (ev->reg_seq > bound) break;
        libxl__ev_time_fire(egc, ev);
        fired++;
    }
    return fired;
}

void libxl__ev_time_dispose_all(libxl_ctx *ctx)
{
    libxl__ev_state *st = CTX_EV(ctx);
    libxl__timeheap_entry *e;

    while ((e = libxl__timeheap_peek(&st->heap))) {
        libxl__ev_time *ev = EV_OF_ENTRY(e);
        time_unlink(ctx, ev);
        if (ev->appreg) {
            ev->appreg->ev = NULL;
            ev->appreg = NULL;
        }
    }
}
