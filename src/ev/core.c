/*
 * ev/core.c: the heart of the event core. It owns the egc (and the
 * deferral of application callbacks until the ctx lock is released), the
 * per-ctx epoll set with its timerfd and kick eventfd, the dispatch round
 * shared by every driving style, the internal wait loop and its per-thread
 * wake eventfds, disasters, and the event state's init/teardown. It never
 * calls the application's osevent hooks itself (osevent_hooks.c does).
 *
 * Why no thread can sleep on a stale set of fds (the hang Xen fixed in
 * 5a533d0ba5, where a synchronous call polled an old fd set while the
 * operation it waited for had moved to a new fd):
 *   every fd registration goes straight into the ctx's single epoll set
 *   (under the ctx lock), and every timeout re-arms the timerfd that sits in
 *   that set. A thread blocked in the library polls the epoll fd itself,
 *   never a private copy of the fd list, and epoll reports readiness of
 *   members added while someone is already waiting on it. So whenever a
 *   thread is blocked in the library it waits on the up-to-date set, by
 *   construction; there is no "baton" to pass. What epoll cannot know is a
 *   waiter's own completion condition changing because of work another
 *   thread did; for that, each waiter has its own eventfd, and every
 *   dispatch round that ran a callback, and every queued event, wakes the
 *   other waiters so they re-evaluate (libxl__ctx_wake_waiters).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include "ev/ev_private.h"

/* ------------------------------------------------------------------ egc */

/* The innermost egc of this thread (entry points nest when an application
 * hook, called with the lock held, calls the library again). */
static __thread libxl__egc *egc_current;

void libxl__egc_init(libxl__egc *egc, libxl_ctx *ctx)
{
    egc->ctx = ctx;
    egc->outer = egc_current;
    XEN_TAILQ_INIT(&egc->occurred);
    egc->deferred_head = NULL;
    egc->deferred_tail = &egc->deferred_head;
    egc->disaster_pending = false;
    egc_current = egc;
}

void libxl__egc_defer(libxl__egc *egc, libxl__egc_deferred *d,
                      libxl__egc_deferred_fn *fn)
{
    d->fn = fn;
    d->next = NULL;
    *egc->deferred_tail = d;
    egc->deferred_tail = &d->next;
}

static bool egc_has_work(const libxl__egc *egc)
{
    return !XEN_TAILQ_EMPTY(&egc->occurred) || egc->deferred_head ||
           egc->disaster_pending;
}

/* Move everything queued on from to the end of to's queues. */
static void egc_splice(libxl__egc *to, libxl__egc *from)
{
    libxl_event *ev;
    while ((ev = XEN_TAILQ_FIRST(&from->occurred))) {
        XEN_TAILQ_REMOVE(&from->occurred, ev, link);
        XEN_TAILQ_INSERT_TAIL(&to->occurred, ev, link);
    }
    if (from->deferred_head) {
        *to->deferred_tail = from->deferred_head;
        to->deferred_tail = from->deferred_tail;
        from->deferred_head = NULL;
        from->deferred_tail = &from->deferred_head;
    }
    if (from->disaster_pending && !to->disaster_pending) {
        to->disaster_pending = true;
        to->disaster_type = from->disaster_type;
        to->disaster_errnoval = from->disaster_errnoval;
        memcpy(to->disaster_msg, from->disaster_msg, sizeof(to->disaster_msg));
    }
    from->disaster_pending = false;
}

/*
 * Make the application callbacks queued on egc. The ctx lock must not be
 * held by this thread. While they run, this thread counts as outside the
 * library, so a callback that calls the library gets an outermost egc of
 * its own whose callbacks run when that call returns.
 */
static void egc_run(libxl__egc *egc)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__egc *saved = egc_current;
    egc_current = egc->outer;

    for (;;) {
        libxl_event *ev = XEN_TAILQ_FIRST(&egc->occurred);
        if (ev) {
            XEN_TAILQ_REMOVE(&egc->occurred, ev, link);
            CTX_LOCK(ctx);
            const libxl_event_hooks *hooks = CTX_EV(ctx)->event_hooks;
            void *user = CTX_EV(ctx)->event_hooks_user;
            CTX_UNLOCK(ctx);
            if (hooks && hooks->event_occurs)
                hooks->event_occurs(user, ev);
            else
                libxl_event_free(ctx, ev); /* hooks withdrawn meanwhile */
            continue;
        }
        libxl__egc_deferred *d = egc->deferred_head;
        if (d) {
            egc->deferred_head = d->next;
            if (!egc->deferred_head) egc->deferred_tail = &egc->deferred_head;
            d->next = NULL;
            d->fn(ctx, d);
            continue;
        }
        if (egc->disaster_pending) {
            egc->disaster_pending = false;
            CTX_LOCK(ctx);
            const libxl_event_hooks *hooks = CTX_EV(ctx)->event_hooks;
            void *user = CTX_EV(ctx)->event_hooks_user;
            CTX_UNLOCK(ctx);
            if (hooks && hooks->disaster)
                hooks->disaster(user, egc->disaster_type, egc->disaster_msg,
                                egc->disaster_errnoval);
            continue;
        }
        break;
    }
    egc_current = saved;
}

void libxl__egc_free(libxl__egc *egc)
{
    assert(egc_current == egc); /* egcs nest strictly */
    egc_current = egc->outer;
    if (egc->outer && egc->outer->ctx == egc->ctx) {
        /* A nested entry point: the outermost call runs the callbacks,
         * once the lock is really released. */
        egc_splice(egc->outer, egc);
        return;
    }
    egc_run(egc);
}

/* ------------------------------------------------------ the epoll set */

int libxl__ev_ensure_epoll(libxl_ctx *ctx)
{
    libxl__ev_state *st = CTX_EV(ctx);
    struct epoll_event ee;
    int epfd = -1, tfd = -1, kickfd = -1;

    if (st->epfd >= 0) return 0;

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) { LOGE(ctx, ERROR, "epoll_create1 failed"); goto fail; }
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (tfd < 0) { LOGE(ctx, ERROR, "timerfd_create failed"); goto fail; }
    kickfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (kickfd < 0) { LOGE(ctx, ERROR, "eventfd failed"); goto fail; }

    memset(&ee, 0, sizeof(ee));
    ee.events = EPOLLIN;
    ee.data.u64 = EV_TAG_TIMERFD;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ee)) {
        LOGE(ctx, ERROR, "cannot add the timerfd to the epoll set");
        goto fail;
    }
    ee.data.u64 = EV_TAG_KICKFD;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, kickfd, &ee)) {
        LOGE(ctx, ERROR, "cannot add the kick eventfd to the epoll set");
        goto fail;
    }
    st->epfd = epfd;
    st->tfd = tfd;
    st->kickfd = kickfd;
    st->tfd_armed_ns = 0;
    st->kicked = false;
    return 0;

fail:
    if (epfd >= 0) close(epfd);
    if (tfd >= 0) close(tfd);
    if (kickfd >= 0) close(kickfd);
    return ERROR_FAIL;
}

void libxl__ev_set_kick(libxl_ctx *ctx, bool on)
{
    libxl__ev_state *st = CTX_EV(ctx);
    uint64_t v = 1;

    if (st->kickfd < 0 || st->kicked == on) return;
    if (on) {
        if (write(st->kickfd, &v, sizeof(v)) != sizeof(v))
            LOGE(ctx, ERROR, "cannot write the kick eventfd");
    } else {
        if (read(st->kickfd, &v, sizeof(v)) != sizeof(v) && errno != EAGAIN)
            LOGE(ctx, ERROR, "cannot read the kick eventfd");
    }
    st->kicked = on;
}

/* ----------------------------------------------------------- waiters */

static void waiter_wake(libxl_ctx *ctx, libxl__waiter *w)
{
    uint64_t one = 1;
    if (write(w->efd, &one, sizeof(one)) != sizeof(one) && errno != EAGAIN)
        LOGE(ctx, ERROR, "cannot wake a waiting thread");
}

static void wake_others(libxl_ctx *ctx, libxl__waiter *self)
{
    libxl__waiter *w;
    XEN_LIST_FOREACH(w, &CTX_EV(ctx)->waiters_active, link)
        if (w != self) waiter_wake(ctx, w);
}

void libxl__ctx_wake_waiters(libxl_ctx *ctx)
{
    wake_others(ctx, NULL);
}

static libxl__waiter *waiter_get(libxl_ctx *ctx)
{
    libxl__ev_state *st = CTX_EV(ctx);
    libxl__waiter *w = XEN_LIST_FIRST(&st->waiters_idle);

    if (w) {
        XEN_LIST_REMOVE(w, link);
    } else {
        w = calloc(1, sizeof(*w));
        if (!w) { LOGE(ctx, ERROR, "cannot allocate a waiter"); return NULL; }
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->efd < 0) {
            LOGE(ctx, ERROR, "cannot create a wake-up eventfd");
            free(w);
            return NULL;
        }
    }
    XEN_LIST_INSERT_HEAD(&st->waiters_active, w, link);
    return w;
}

static void waiter_drain(libxl__waiter *w)
{
    uint64_t v;
    while (read(w->efd, &v, sizeof(v)) == sizeof(v))
        ;
}

static void waiter_put(libxl_ctx *ctx, libxl__waiter *w)
{
    libxl__ev_state *st = CTX_EV(ctx);
    XEN_LIST_REMOVE(w, link);
    waiter_drain(w);
    XEN_LIST_INSERT_HEAD(&st->waiters_idle, w, link);
}

/* ---------------------------------------------------------- dispatch */

/*
 * When the caller has just seen the epoll set readable and it holds one
 * registered fd, the kick eventfd is not readable and the timerfd has not
 * expired, that fd is what made it readable: that slot, else NULL. (If the
 * fd turns out not to be ready after all, its callbacks get the fresh
 * poll, or are LIBXL__EV_FD_NONBLOCKING; what is not read stays ready in
 * the set, level-triggered.)
 */
static libxl__fd_slot *sole_ready_slot(libxl_ctx *ctx)
{
    libxl__ev_state *st = CTX_EV(ctx);

    if (st->in_epoll_count != 1 || st->kicked) return NULL;
    if (st->tfd_armed_ns && libxl__clock_now_ns() >= st->tfd_armed_ns)
        return NULL;
    return XEN_LIST_FIRST(&st->in_epoll);
}

void libxl__ev_dispatch(libxl__egc *egc, uint64_t due_mono,
                        libxl__waiter *self, bool set_ready)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__ev_state *st = CTX_EV(ctx);
    libxl__fd_slot *sole;
    int ran = 0;

    if (st->epfd >= 0 && set_ready && (sole = sole_ready_slot(ctx))) {
        /* No epoll_wait needed to learn what we already know. */
        ran += libxl__ev_fd_slot_dispatch(egc, sole->fd, sole->events);
    } else if (st->epfd >= 0) {
        struct epoll_event evs[64];
        int n = epoll_wait(st->epfd, evs, 64, 0);
        if (n < 0 && errno != EINTR) {
            LOGE(ctx, ERROR, "epoll_wait failed");
            n = 0;
        }
        for (int i = 0; i < n; i++) {
            uint64_t tag = evs[i].data.u64;
            if (tag == EV_TAG_TIMERFD) {
                uint64_t expirations;
                if (read(st->tfd, &expirations, sizeof(expirations)) < 0 &&
                    errno != EAGAIN)
                    LOGE(ctx, ERROR, "cannot read the timerfd");
                st->tfd_armed_ns = 0; /* one-shot: it is disarmed now */
            } else if (tag == EV_TAG_KICKFD) {
                /* the always-ready fds, handled below */
            } else {
                /* EPOLLIN, EPOLLOUT, EPOLLERR... have the POLL* values. */
                ran += libxl__ev_fd_slot_dispatch(egc, (int)tag,
                                                  (short)evs[i].events);
            }
        }
        if (!XEN_LIST_EMPTY(&st->always_ready))
            ran += libxl__ev_fd_dispatch_always_ready(egc);
    }
    ran += libxl__ev_time_fire_due(egc, due_mono);
    libxl__ev_time_rearm(ctx);

    /* A callback may have completed what another thread waits for. */
    if (ran) wake_others(ctx, self);
}

/* --------------------------------------------------------- wait loop */

int libxl__eventloop_wait(libxl__egc *egc,
                          bool (*done)(libxl__egc *egc, void *arg),
                          void *arg)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__waiter *w = NULL;
    int rc;

    rc = libxl__ev_ensure_epoll(ctx);
    if (rc) goto out;
    w = waiter_get(ctx);
    if (!w) { rc = ERROR_FAIL; goto out; }

    for (;;) {
        libxl__ev_dispatch(egc, libxl__clock_now_ns(), w, false);
        if (done(egc, arg)) { rc = 0; break; }
        if (CTX_EV(ctx)->disaster) { rc = ERROR_FAIL; break; }

        if (!egc->outer && egc_has_work(egc)) {
            /* Make the application callbacks due so far before blocking;
             * one of them may be what the caller waits for. */
            CTX_UNLOCK(ctx);
            egc_run(egc);
            CTX_LOCK(ctx);
            continue;
        }

        struct pollfd pfd[2] = {
            { .fd = CTX_EV(ctx)->epfd, .events = POLLIN },
            { .fd = w->efd, .events = POLLIN },
        };
        CTX_UNLOCK(ctx);
        int r = poll(pfd, 2, -1);
        int e = errno;
        CTX_LOCK(ctx);
        if (r < 0 && e != EINTR) {
            errno = e;
            LOGE(ctx, ERROR, "poll failed in the event loop");
            rc = ERROR_FAIL;
            break;
        }
        waiter_drain(w);
    }

out:
    if (w) waiter_put(ctx, w);
    return rc;
}

/* ---------------------------------------------------------- disaster */

void libxl__event_disaster(libxl__egc *egc, const char *msg, int errnoval,
                           libxl_event_type type)
{
    libxl_ctx *ctx = egc->ctx;
    const libxl_event_hooks *hooks = CTX_EV(ctx)->event_hooks;

    libxl__log(ctx, XTL_CRITICAL, errnoval > 0 ? errnoval : -1, LIBXL__FILE,
               __LINE__, __func__, LIBXL__NO_DOMID,
               "DISASTER in event loop: %s (event type %d)", msg, (int)type);
    CTX_EV(ctx)->disaster = true;
    libxl__ctx_wake_waiters(ctx);

    if (hooks && hooks->disaster) {
        if (!egc->disaster_pending) {
            egc->disaster_pending = true;
            egc->disaster_type = type;
            egc->disaster_errnoval = errnoval;
            snprintf(egc->disaster_msg, sizeof(egc->disaster_msg), "%s", msg);
        }
        return;
    }

    fprintf(stderr, "libxl: fatal error, exiting program: %s%s%s\n", msg,
            errnoval > 0 ? ": " : "", errnoval > 0 ? strerror(errnoval) : "");
    fflush(stderr);
    exit(-1);
}

/* ------------------------------------------------- handle table glue */

int libxl__ev_token_alloc(libxl_ctx *ctx, void *obj, void **token_r)
{
    if (libxl__htab_alloc(&CTX_EV(ctx)->handles, obj, token_r)) {
        LOGE(ctx, ERROR, "cannot allocate a registration token");
        return ERROR_NOMEM;
    }
    return 0;
}

void *libxl__ev_token_lookup(libxl_ctx *ctx, void *token, int kind)
{
    int *obj = libxl__htab_lookup(&CTX_EV(ctx)->handles, token);
    if (!obj || *obj != kind) return NULL;
    return obj;
}

void libxl__ev_token_release(libxl_ctx *ctx, void *token)
{
    libxl__htab_release(&CTX_EV(ctx)->handles, token);
}

/* -------------------------------------------------- init / teardown */

static void ev_state_init(libxl_ctx *ctx)
{
    libxl__ev_state *st = CTX_EV(ctx);
    memset(st, 0, sizeof(*st));
    st->epfd = st->tfd = st->kickfd = -1;
    libxl__timeheap_init(&st->heap);
    libxl__htab_init(&st->handles);
    XEN_TAILQ_INIT(&st->occurred);
}

static void ev_state_dispose(libxl_ctx *ctx)
{
    libxl__ev_state *st = CTX_EV(ctx);
    libxl_event *ev;

    CTX_LOCK(ctx);
    st->freeing = true;
    libxl__ev_fd_dispose_all(ctx);
    libxl__ev_time_dispose_all(ctx);
    libxl__osevent_time_app_dispose_all(ctx);

    while ((ev = XEN_TAILQ_FIRST(&st->occurred))) {
        XEN_TAILQ_REMOVE(&st->occurred, ev, link);
        libxl_event_free(ctx, ev);
    }

    assert(XEN_LIST_EMPTY(&st->waiters_active)); /* nobody is inside */
    libxl__waiter *w;
    while ((w = XEN_LIST_FIRST(&st->waiters_idle))) {
        XEN_LIST_REMOVE(w, link);
        close(w->efd);
        free(w);
    }
    if (st->epfd >= 0) close(st->epfd);
    if (st->tfd >= 0) close(st->tfd);
    if (st->kickfd >= 0) close(st->kickfd);
    st->epfd = st->tfd = st->kickfd = -1;

    free(st->slots);
    st->slots = NULL;
    st->nslots = 0;
    libxl__timeheap_dispose(&st->heap);
    libxl__htab_dispose(&st->handles);
    CTX_UNLOCK(ctx);
}

const libxl__module libxl__module_ev = {
    .name = "ev", .init = ev_state_init, .dispose = ev_state_dispose,
};
