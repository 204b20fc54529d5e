/*
 * ao/ao.c: asynchronous operations. It owns the ao's life cycle (creation,
 * the synchronous wait, completion, delivery in the style the application
 * chose, destruction), per-ao and per-sub-operation allocation pools,
 * holds, progress reports, abortables and libxl_ao_abort, and the ctx's
 * list of aos (CTX_AO(ctx)). The contract is in ao/ao.h.
 *
 * Who may free an ao. An ao has up to two references: its initiator's
 * (dropped when AO_INPROGRESS or AO_CREATE_FAIL returns) and, for an
 * asynchronous ao, its pending notification's (dropped after the
 * completion callback has returned, or after the completion event has been
 * queued, in both cases from a deferred function run after the lock was
 * released). So an ao is never freed under the feet of its initiator on
 * another thread (Xen 738b3d4425), nor inside any callback of its own
 * operation, nor while a progress callback of it still runs (progress
 * callbacks are counted and hold back the notification: Xen f1335f0d7b,
 * 6b5a5bba1a, a836d6543e).
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ao/ao.h"
#include "base/log.h"
#include "base/util.h"

#define AO_MAGIC      0xa0a0c0deu
#define AO_MAGIC_DEAD 0xdeadda0eu

/* --------------------------------------------------- ao allocation */

void *libxl__ao_zalloc(libxl__ao *ao, size_t size)
{
    return libxl__gc_zalloc(&ao->gc, size);
}

char *libxl__ao_sprintf(libxl__ao *ao, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = libxl__pool_vsprintf(ao->ctx, &ao->gc.pool, fmt, ap);
    va_end(ap);
    return s;
}

/* ------------------------------------------------------- ctx's list */

static void inflight_link(libxl_ctx *ctx, libxl__ao *ao)
{
    libxl__ao_state *st = CTX_AO(ctx);
    XEN_TAILQ_INSERT_TAIL(&st->inflight, ao, inflight_entry);
    ao->linked = true;
}

static void inflight_unlink(libxl_ctx *ctx, libxl__ao *ao)
{
    libxl__ao_state *st = CTX_AO(ctx);
    if (!ao->linked) return;
    XEN_TAILQ_REMOVE(&st->inflight, ao, inflight_entry);
    ao->linked = false;
}

static bool ao_ctx_busy(libxl_ctx *ctx)
{
    unsigned live = CTX_AO(ctx)->live;
    if (live)
        LOG(ctx, ERROR, "libxl_ctx_free: %u asynchronous operation(s) still"
            " in progress; the context was not freed", live);
    return live != 0;
}

static void ao_ctx_init(libxl_ctx *ctx)
{
    XEN_TAILQ_INIT(&CTX_AO(ctx)->inflight);
}

const libxl__module libxl__module_ao = {
    .name = "ao", .init = ao_ctx_init, .busy = ao_ctx_busy,
};

/* ------------------------------------------------------ life cycle */

libxl__ao *libxl__ao_create(libxl__egc *egc, uint32_t domid,
                            const libxl_asyncop_how *how)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__ao *ao = malloc(sizeof(*ao));

    if (!ao) {
        LOGED(ctx, ERROR, domid, "cannot allocate an operation");
        return NULL;
    }
    memset(ao, 0, offsetof(libxl__ao, gc));
    ao->magic = AO_MAGIC;
    ao->ctx = ctx;
    ao->domid = domid;
    ao->sync = !how;
    if (how) ao->how = *how;
    ao->in_initiator = true;
    ao->refs = ao->sync ? 1 : 2;
    XEN_TAILQ_INIT(&ao->abortables);
    libxl__gc_init(&ao->gc, ctx);
    inflight_link(ctx, ao);
    CTX_AO(ctx)->live++;
    return ao;
}

static void ao_destroy(libxl_ctx *ctx, libxl__ao *ao)
{
    assert(ao->magic == AO_MAGIC);
    assert(!ao->refs && !ao->holds && !ao->progress_outstanding);
    inflight_unlink(ctx, ao);
    libxl__gc_dispose(&ao->gc);
    ao->magic = AO_MAGIC_DEAD;
    CTX_AO(ctx)->live--;
    free(ao);
}

static void ao_unref(libxl_ctx *ctx, libxl__ao *ao)
{
    assert(ao->refs > 0);
    if (--ao->refs == 0) ao_destroy(ctx, ao);
}

static bool ao_finished(const libxl__ao *ao)
{
    return ao->complete && !ao->holds && !ao->progress_outstanding;
}

/* Deferred (lock not held): the completion callback, then the ref. */
static void ao_notify_callback(libxl_ctx *ctx, libxl__egc_deferred *d)
{
    libxl__ao *ao = CONTAINER_OF(d, libxl__ao, notify_d);

    /* how and rc do not change any more: read them without the lock. */
    ao->how.callback(ctx, ao->rc, ao->how.u.for_callback);
    CTX_LOCK(ctx);
    ao_unref(ctx, ao);
    CTX_UNLOCK(ctx);
}

/* Deferred (lock not held): the completion event was queued; drop the
 * notification's ref now that no callback of this egc can touch the ao. */
static void ao_notify_dropref(libxl_ctx *ctx, libxl__egc_deferred *d)
{
    libxl__ao *ao = CONTAINER_OF(d, libxl__ao, notify_d);
    CTX_LOCK(ctx);
    ao_unref(ctx, ao);
    CTX_UNLOCK(ctx);
}

/* Deliver the completion if everything is finished. */
static void ao_check_notify(libxl__egc *egc, libxl__ao *ao)
{
    libxl_ctx *ctx = egc->ctx;

    if (ao->notified || !ao_finished(ao)) return;
    ao->notified = true;

    if (ao->sync) {
        /* The initiator (on this or another thread) collects it; an
         * orphaned one has nobody left to tell. */
        if (ao->orphaned) {
            ao_unref(ctx, ao);
            return;
        }
        if (ao->waiting) libxl__ctx_wake_waiters(ctx);
        return;
    }

    if (ao->how.callback) {
        libxl__egc_defer(egc, &ao->notify_d, ao_notify_callback);
        return;
    }

    libxl_event *ev = malloc(sizeof(*ev));
    if (ev) {
        libxl_event_init(ev);
        libxl_event_init_type(ev, LIBXL_EVENT_TYPE_OPERATION_COMPLETE);
        ev->domid = ao->domid;
        ev->for_user = ao->how.u.for_event;
        ev->u.operation_complete.rc = ao->rc;
        libxl__event_occurred(egc, ev);
    } else {
        libxl__event_disaster(egc, "cannot allocate an operation's"
                              " completion event", ENOMEM,
                              LIBXL_EVENT_TYPE_OPERATION_COMPLETE);
    }
    libxl__egc_defer(egc, &ao->notify_d, ao_notify_dropref);
}

void libxl__ao_complete(libxl__egc *egc, libxl__ao *ao, int rc)
{
    libxl_ctx *ctx = egc->ctx;

    assert(ao->magic == AO_MAGIC);
    if (ao->complete) {
        LOGD(ctx, ERROR, ao->domid, "internal error: operation %p completed"
             " twice (rc %d, then %d); the second completion is ignored",
             (void *)ao, ao->rc, rc);
        return;
    }
    ao->complete = true;
    ao->rc = rc;
    inflight_unlink(ctx, ao);
    ao_check_notify(egc, ao);
}

void libxl__ao_hold(libxl__ao *ao)
{
    assert(ao->magic == AO_MAGIC && !ao->notified);
    ao->holds++;
}

void libxl__ao_release(libxl__egc *egc, libxl__ao *ao)
{
    assert(ao->magic == AO_MAGIC && ao->holds > 0);
    ao->holds--;
    ao_check_notify(egc, ao);
}

static bool ao_done(libxl__egc *egc, void *arg)
{
    (void)egc;
    return ((libxl__ao *)arg)->notified;
}

int libxl__ao_inprogress(libxl__egc *egc, libxl__ao *ao)
{
    libxl_ctx *ctx = egc->ctx;
    int rc;

    assert(ao->magic == AO_MAGIC && ao->in_initiator);

    if (!ao->sync) {
        ao->in_initiator = false;
        ao_unref(ctx, ao);
        return 0;
    }

    if (!ao->notified) {
        ao->waiting = true;
        rc = libxl__eventloop_wait(egc, ao_done, ao);
        ao->waiting = false;
        if (rc) {
            /* The event loop itself failed (a disaster). Ask the operation
             * to stop, and if it cannot finish now leave it to finish on
             * its own, unobserved. */
            LOGD(ctx, ERROR, ao->domid, "event loop failed while waiting"
                 " for a synchronous operation; abandoning it");
            if (!ao->notified && !ao->complete) {
                ao->aborting = true;
                libxl__ao_abortable *ab;
                while ((ab = XEN_TAILQ_FIRST(&ao->abortables))) {
                    libxl__ao_abortable_deregister(ab);
                    ab->callback(egc, ab, ERROR_ABORTED);
                }
            }
            if (!ao->notified) {
                ao->orphaned = true;
                ao->in_initiator = false;
                return rc; /* the ref passes to ao_check_notify */
            }
        }
    }
    rc = ao->rc;
    ao->in_initiator = false;
    ao_unref(ctx, ao);
    return rc;
}

int libxl__ao_create_fail(libxl__egc *egc, libxl__ao *ao, int rc)
{
    libxl_ctx *ctx = egc->ctx;

    assert(ao->magic == AO_MAGIC && ao->in_initiator);
    assert(rc);
    if (ao->complete || ao->holds || !XEN_TAILQ_EMPTY(&ao->abortables)) {
        /* A bug in the operation: fall back to an ordinary completion. */
        LOGD(ctx, ERROR, ao->domid, "internal error: operation failed to"
             " start after it had begun (rc %d)", rc);
        if (!ao->complete) libxl__ao_complete(egc, ao, rc);
        return libxl__ao_inprogress(egc, ao);
    }
    inflight_unlink(ctx, ao);
    ao->refs = 0;
    ao->holds = 0;
    ao_destroy(ctx, ao);
    return rc;
}

/* ------------------------------------------------- immediate operations */

int libxl__ao_immediate(libxl_ctx *ctx, uint32_t domid,
                        const libxl_asyncop_how *how,
                        libxl__ao_step *step, void *arg)
{
    int result = 0, rc;

    if (!how) {
        /* Nothing to deliver and nobody to tell: no ao at all. */
        rc = step(ctx, domid, arg, &result);
        return rc ? rc : result;
    }

    AO_CREATE(ctx, domid, how);
    AO_UNLOCKED(ao, rc = step(ctx, domid, arg, &result));
    if (rc) return AO_CREATE_FAIL(rc);
    libxl__ao_complete(egc, ao, result);
    return AO_INPROGRESS;
}

/* ------------------------------------------------------ sub-operations */

libxl__subop *libxl__subop_begin(libxl__ao *ao)
{
    libxl__subop *sub = malloc(sizeof(*sub));
    if (!sub) {
        LOGD(ao->ctx, ERROR, ao->domid, "cannot allocate a sub-operation");
        return NULL;
    }
    sub->ao = ao;
    libxl__gc_init(&sub->gc, ao->ctx);
    libxl__ao_hold(ao);
    return sub;
}

void *libxl__subop_zalloc(libxl__subop *sub, size_t size)
{
    return libxl__gc_zalloc(&sub->gc, size);
}

void libxl__subop_end(libxl__egc *egc, libxl__subop *sub)
{
    libxl__ao *ao = sub->ao;
    libxl__gc_dispose(&sub->gc);
    free(sub);
    libxl__ao_release(egc, ao);
}

/* ------------------------------------------------------------ progress */

typedef struct {
    libxl__egc_deferred d;            /* first */
    libxl__ao *ao;
    libxl_event *ev;
    void (*callback)(libxl_ctx *, libxl_event *, void *);
    void *for_callback;
} progress_report;

libxl_event *libxl__ao_progress_event(libxl__ao *ao,
                                      const libxl_asyncprogress_how *how,
                                      libxl_event_type type)
{
    libxl_event *ev = malloc(sizeof(*ev));
    if (!ev) {
        LOGD(ao->ctx, ERROR, ao->domid, "cannot allocate a progress event");
        return NULL;
    }
    libxl_event_init(ev);
    libxl_event_init_type(ev, type);
    ev->domid = ao->domid;
    ev->for_user = how ? how->for_event : 0;
    return ev;
}

/* Deferred (lock not held): one progress callback. */
static void progress_deliver(libxl_ctx *ctx, libxl__egc_deferred *d)
{
    progress_report *pr = (progress_report *)d;
    libxl__ao *ao = pr->ao;

    pr->callback(ctx, pr->ev, pr->for_callback);   /* callee frees ev */
    free(pr);

    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    ao->progress_outstanding--;
    if (ao->sync && ao->waiting && !ao->progress_outstanding)
        libxl__ctx_wake_waiters(ctx);
    ao_check_notify(egc, ao);
    CTX_UNLOCK_EGC_FREE;
}

void libxl__ao_progress_report(libxl__egc *egc, libxl__ao *ao,
                               const libxl_asyncprogress_how *how,
                               libxl_event *ev)
{
    libxl_ctx *ctx = egc->ctx;

    assert(ao->magic == AO_MAGIC && !ao->notified);
    if (!how) {
        libxl_event_free(ctx, ev);
        return;
    }
    ev->for_user = how->for_event;
    if (!how->callback) {
        libxl__event_occurred(egc, ev);
        return;
    }
    progress_report *pr = malloc(sizeof(*pr));
    if (!pr) {
        libxl_event_free(ctx, ev);
        libxl__event_disaster(egc, "cannot allocate a progress report",
                              ENOMEM, 0);
        return;
    }
    pr->ao = ao;
    pr->ev = ev;
    pr->callback = how->callback;
    pr->for_callback = how->for_callback;
    ao->progress_outstanding++;
    libxl__egc_defer(egc, &pr->d, progress_deliver);
}

/* ----------------------------------------------------------- abortables */

void libxl__ao_abortable_init(libxl__ao_abortable *ab)
{
    ab->ao = NULL;
    ab->callback = NULL;
    ab->registered = false;
}

int libxl__ao_abortable_register(libxl__ao *ao, libxl__ao_abortable *ab,
                                 libxl__ao_abortable_callback *cb)
{
    assert(ao->magic == AO_MAGIC && !ab->registered);
    if (ao->aborting) return ERROR_ABORTED;
    ab->ao = ao;
    ab->callback = cb;
    ab->registered = true;
    XEN_TAILQ_INSERT_TAIL(&ao->abortables, ab, entry);
    return 0;
}

void libxl__ao_abortable_deregister(libxl__ao_abortable *ab)
{
    libxl__ao *ao = ab->ao;
    if (!ab->registered) return;
    XEN_TAILQ_REMOVE(&ao->abortables, ab, entry);
    ab->registered = false;
}

static bool how_matches(const libxl__ao *ao, const libxl_asyncop_how *how)
{
    if (!how) return ao->sync;
    if (ao->sync || ao->how.callback != how->callback) return false;
    if (how->callback) return ao->how.u.for_callback == how->u.for_callback;
    return ao->how.u.for_event == how->u.for_event;
}

int libxl_ao_abort(libxl_ctx *ctx, const libxl_asyncop_how *how)
{
    EGC_INIT(ctx);
    libxl__ao *ao;
    int rc;

    CTX_LOCK(ctx);
    XEN_TAILQ_FOREACH(ao, &CTX_AO(ctx)->inflight, inflight_entry)
        if (how_matches(ao, how)) break;
    if (!ao) {
        rc = ERROR_NOTFOUND;
        goto out;
    }
    if (ao->aborting) {
        rc = ERROR_ABORTED;
        goto out;
    }
    ao->aborting = true;
    LOGD(ctx, DEBUG, ao->domid, "abort requested for operation %p",
         (void *)ao);
    /* Each callback may complete the ao (unlinking it) or deregister other
     * abortables; the ao itself stays valid until this egc is freed. */
    libxl__ao_abortable *ab;
    while ((ab = XEN_TAILQ_FIRST(&ao->abortables))) {
        libxl__ao_abortable_deregister(ab);
        ab->callback(egc, ab, ERROR_ABORTED);
    }
    rc = 0;

out:
    CTX_UNLOCK_EGC_FREE;
    return rc;
}
