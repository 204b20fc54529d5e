/*
 * ev/fd.c: fd registrations (libxl__ev_fd). It owns the fd slots: one per
 * fd number with registrations, holding them in a list, kept in an array
 * indexed by fd (O(1) add and remove), and mirrored into the epoll set (or
 * onto the always-ready list for fds epoll refuses) and, through
 * osevent_hooks.c, into the application's loop. It also runs fd callbacks.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "ev/ev_private.h"

/* What poll(2) reports for a file that does not support polling. */
#define ALWAYS_READY_MASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

libxl__fd_slot *libxl__ev_fd_slot_lookup(libxl_ctx *ctx, int fd)
{
    if (fd < 0 || fd >= CTX_EV(ctx)->nslots) return NULL;
    return CTX_EV(ctx)->slots[fd];
}

static int slots_reserve(libxl_ctx *ctx, int fd)
{
    libxl__ev_state *st = CTX_EV(ctx);
    if (fd < st->nslots) return 0;

    int n = st->nslots ? st->nslots : 64;
    while (n <= fd) n *= 2;
    libxl__fd_slot **v = realloc(st->slots, sizeof(*v) * (size_t)n);
    if (!v) {
        LOGE(ctx, ERROR, "cannot grow the fd slot array");
        return ERROR_NOMEM;
    }
    memset(v + st->nslots, 0, sizeof(*v) * (size_t)(n - st->nslots));
    st->slots = v;
    st->nslots = n;
    return 0;
}

static void update_kick(libxl_ctx *ctx)
{
    libxl__ev_set_kick(ctx, CTX_EV(ctx)->always_ready_live > 0);
}

/* Set slot->events, keeping the always-ready bookkeeping right. */
static void slot_set_events(libxl_ctx *ctx, libxl__fd_slot *slot,
                            short events)
{
    if (slot->always_ready) {
        bool was = slot->events & ALWAYS_READY_MASK;
        bool is = events & ALWAYS_READY_MASK;
        CTX_EV(ctx)->always_ready_live += (int)is - (int)was;
        if (was != is) update_kick(ctx);
    }
    slot->events = events;
}

static int epoll_set(libxl_ctx *ctx, libxl__fd_slot *slot, int op,
                     short events)
{
    struct epoll_event ee;
    memset(&ee, 0, sizeof(ee));
    /* POLLIN, POLLPRI, POLLOUT have the EPOLL* values on Linux. */
    ee.events = (uint32_t)(unsigned short)events &
                (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDHUP);
    ee.data.u64 = (uint64_t)slot->fd;
    return epoll_ctl(CTX_EV(ctx)->epfd, op, slot->fd, &ee);
}

static short union_events(const libxl__fd_slot *slot,
                          const libxl__ev_fd *except)
{
    short u = 0;
    const libxl__ev_fd *ev;
    XEN_LIST_FOREACH(ev, &slot->regs, slot_link)
        if (ev != except) u |= ev->events;
    return u;
}

/* Remove an empty slot from everything and free it. */
static void slot_free(libxl_ctx *ctx, libxl__fd_slot *slot)
{
    libxl__ev_state *st = CTX_EV(ctx);

    if (slot->always_ready) {
        slot_set_events(ctx, slot, 0);
        XEN_LIST_REMOVE(slot, list_link);
    } else {
        XEN_LIST_REMOVE(slot, list_link);
        st->in_epoll_count--;
        /* Fails harmlessly (EBADF/ENOENT) if the fd was already closed. */
        if (st->epfd >= 0) epoll_set(ctx, slot, EPOLL_CTL_DEL, 0);
    }
    libxl__osevent_fd_app_drop(ctx, slot);
    st->slots[slot->fd] = NULL;
    free(slot);
}

/*
 * Give slot the union of events new_events: epoll, then the application.
 * On failure everything is as before and the error is returned.
 */
static int slot_change(libxl_ctx *ctx, libxl__fd_slot *slot,
                       short new_events)
{
    short old = slot->events;
    int rc;

    if (new_events == old && slot->app_registered) return 0;
    if (!slot->always_ready && new_events != old &&
        epoll_set(ctx, slot, EPOLL_CTL_MOD, new_events)) {
        LOGE(ctx, ERROR, "cannot change the events of fd %d in the epoll set",
             slot->fd);
        return ERROR_FAIL;
    }
    slot_set_events(ctx, slot, new_events);
    rc = libxl__osevent_fd_app_sync(ctx, slot);
    if (rc) {
        slot_set_events(ctx, slot, old);
        if (!slot->always_ready && new_events != old)
            epoll_set(ctx, slot, EPOLL_CTL_MOD, old);
    }
    return rc;
}

void libxl__ev_fd_init(libxl__ev_fd *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->fd = -1;
}

int libxl__ev_fd_register(libxl_ctx *ctx, libxl__ev_fd *ev,
                          libxl__ev_fd_callback *func, int fd, short events)
{
    return libxl__ev_fd_register_flags(ctx, ev, func, fd, events, 0);
}

int libxl__ev_fd_register_flags(libxl_ctx *ctx, libxl__ev_fd *ev,
                                libxl__ev_fd_callback *func, int fd,
                                short events, unsigned flags)
{
    libxl__ev_state *st = CTX_EV(ctx);
    libxl__fd_slot *slot;
    int rc;

    if (fd < 0 || !func || ev->func) {
        LOG(ctx, ERROR, "bad fd registration (fd %d)", fd);
        return ERROR_INVAL;
    }
    rc = libxl__ev_ensure_epoll(ctx);
    if (rc) return rc;

    slot = libxl__ev_fd_slot_lookup(ctx, fd);
    if (!slot) {
        rc = slots_reserve(ctx, fd);
        if (rc) return rc;
        slot = calloc(1, sizeof(*slot));
        if (!slot) {
            LOGE(ctx, ERROR, "cannot allocate an fd slot");
            return ERROR_NOMEM;
        }
        slot->kind = EV_KIND_FD_SLOT;
        slot->fd = fd;
        if (epoll_set(ctx, slot, EPOLL_CTL_ADD, events)) {
            if (errno != EPERM) {
                LOGE(ctx, ERROR, "cannot add fd %d to the epoll set", fd);
                free(slot);
                return ERROR_FAIL;
            }
            /* Regular files, /dev/null...: poll(2) says they are always
             * ready, and so do we. */
            slot->always_ready = true;
            XEN_LIST_INSERT_HEAD(&st->always_ready, slot, list_link);
        } else {
            XEN_LIST_INSERT_HEAD(&st->in_epoll, slot, list_link);
            st->in_epoll_count++;
        }
        slot_set_events(ctx, slot, events);
        st->slots[fd] = slot;
        rc = libxl__osevent_fd_app_sync(ctx, slot);
        if (rc) {
            slot_free(ctx, slot);
            return rc;
        }
    } else {
        rc = slot_change(ctx, slot, slot->events | events);
        if (rc) return rc;
    }

    ev->func = func;
    ev->fd = fd;
    ev->events = events;
    ev->flags = flags;
    ev->slot = slot;
    ev->dispatch_gen = 0;
    XEN_LIST_INSERT_HEAD(&slot->regs, ev, slot_link);
    return 0;
}

int libxl__ev_fd_modify(libxl_ctx *ctx, libxl__ev_fd *ev, short events)
{
    int rc;

    if (!ev->func) {
        LOG(ctx, ERROR, "modifying an fd registration that is not active");
        return ERROR_INVAL;
    }
    rc = slot_change(ctx, ev->slot, union_events(ev->slot, ev) | events);
    if (rc) return rc;
    ev->events = events;
    return 0;
}

void libxl__ev_fd_deregister(libxl_ctx *ctx, libxl__ev_fd *ev)
{
    libxl__fd_slot *slot = ev->slot;

    if (!ev->func) return;
    XEN_LIST_REMOVE(ev, slot_link);
    ev->func = NULL;
    ev->slot = NULL;

    if (XEN_LIST_EMPTY(&slot->regs)) {
        slot_free(ctx, slot);
        return;
    }
    /* Narrowing cannot be refused in a way that matters: if it fails the
     * fd is watched for more than needed, and callbacks are re-checked. */
    short u = union_events(slot, NULL);
    if (u != slot->events && slot_change(ctx, slot, u))
        LOG(ctx, WARN, "fd %d stays watched for events 0x%x", slot->fd,
            (unsigned)slot->events);
}

/* ----------------------------------------------------------- dispatch */

int libxl__ev_fd_slot_dispatch(libxl__egc *egc, int fd, short seen)
{
    libxl_ctx *ctx = egc->ctx;
    uint64_t gen = ++CTX_EV(ctx)->dispatch_gen;
    int ran = 0;

    /*
     * Callbacks may deregister or register anything, including other
     * registrations of this fd and the slot itself, so nothing is held
     * across a call: the slot is looked up again and the first
     * registration not yet visited in this round is taken each time.
     */
    for (;;) {
        libxl__fd_slot *slot = libxl__ev_fd_slot_lookup(ctx, fd);
        libxl__ev_fd *ev;

        if (!slot) break;
        XEN_LIST_FOREACH(ev, &slot->regs, slot_link)
            if (ev->dispatch_gen != gen) break;
        if (!ev) break;
        ev->dispatch_gen = gen;

        /* Re-check now: another thread may have consumed the readiness
         * that woke us, and the callback must not then block. A callback
         * that cannot block anyway takes our epoll set's plain report. */
        struct pollfd pfd = { .fd = fd, .events = ev->events };
        if ((ev->flags & LIBXL__EV_FD_NONBLOCKING) && seen &&
            !(seen & ~(POLLIN | POLLOUT))) {
            pfd.revents = seen & ev->events;
            if (!pfd.revents) continue;
        } else if (poll(&pfd, 1, 0) <= 0 || !pfd.revents) {
            continue;
        }
        if (pfd.revents & POLLNVAL)
            LOG(ctx, WARN, "fd %d was closed while registered", fd);
        ran++;
        ev->func(egc, ev, fd, ev->events, pfd.revents);
    }
    return ran;
}

int libxl__ev_fd_dispatch_always_ready(libxl__egc *egc)
{
    libxl_ctx *ctx = egc->ctx;
    uint64_t gen = ++CTX_EV(ctx)->dispatch_gen;
    int ran = 0;

    for (;;) {
        libxl__fd_slot *s;
        XEN_LIST_FOREACH(s, &CTX_EV(ctx)->always_ready, list_link)
            if (s->dispatch_gen != gen) break;
        if (!s) break;
        s->dispatch_gen = gen;
        ran += libxl__ev_fd_slot_dispatch(egc, s->fd, 0);
    }
    return ran;
}

void libxl__ev_fd_dispose_all(libxl_ctx *ctx)
{
    libxl__ev_state *st = CTX_EV(ctx);

    for (int fd = 0; fd < st->nslots; fd++) {
        libxl__fd_slot *slot = st->slots[fd];
        if (!slot) continue;
        libxl__ev_fd *ev;
        while ((ev = XEN_LIST_FIRST(&slot->regs))) {
            XEN_LIST_REMOVE(ev, slot_link);
            ev->func = NULL;
            ev->slot = NULL;
        }
        slot_free(ctx, slot);
    }
}
