/*
 * ev/osevent_poll.c: the poll(2) style of driving the library
 * (libxl_osevent_beforepoll / libxl_osevent_afterpoll). It owns only the
 * translation between the caller's pollfd array and wall-clock "now" and
 * the core's epoll fd and monotonic deadlines; the work is done by the
 * core's dispatch round.
 *
 * The library always asks for exactly one pollfd: its epoll fd, which holds
 * every registered fd, the timerfd and the kick eventfd that stands for
 * fds epoll cannot watch. So the caller's array can never go stale in a way
 * that matters: a registration made by another thread after beforepoll is
 * in the epoll set the caller is already polling.
 */
#include "ev/ev_private.h"

/* The monotonic time corresponding to the caller's wall-clock now. */
static uint64_t caller_now_mono(struct timeval now)
{
    uint64_t mono = libxl__clock_now_ns();
    struct timeval wall;
    gettimeofday(&wall, NULL);
    return libxl__timeval_to_mono_ns(now, wall, mono);
}

int libxl_osevent_beforepoll(libxl_ctx *ctx, int *nfds_io,
                             struct pollfd *fds, int *timeout_upd,
                             struct timeval now)
{
    const int needed = 1;
    const libxl__timeheap_entry *e;
    int rc;

    CTX_LOCK(ctx);
    if (libxl__osevent_called_from_hook(ctx, __func__)) {
        rc = ERROR_FAIL;
        goto out;
    }
    rc = libxl__ev_ensure_epoll(ctx);
    if (rc) goto out;

    if (*nfds_io < needed || !fds) {
        *nfds_io = needed;
        rc = ERROR_BUFFERFULL;
        goto out;
    }
    fds[0].fd = CTX_EV(ctx)->epfd;
    fds[0].events = POLLIN;
    fds[0].revents = 0;
    *nfds_io = needed;

    e = libxl__timeheap_peek(&CTX_EV(ctx)->heap);
    if (e) {
        int ms = libxl__ms_until(e->deadline_ns, caller_now_mono(now));
        if (*timeout_upd < 0 || ms < *timeout_upd) *timeout_upd = ms;
    }
    rc = 0;
out:
    CTX_UNLOCK(ctx);
    return rc;
}

void libxl_osevent_afterpoll(libxl_ctx *ctx, int nfds,
                             const struct pollfd *fds, struct timeval now)
{
    /* The revents are a hint only: a zero-timeout epoll_wait tells the
     * truth, and a stale POLLIN (or POLLNVAL for a reused fd...) at most
     * costs a look at an fd that is not ready. */
    bool set_ready = false;

    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    if (libxl__osevent_called_from_hook(ctx, __func__)) goto out;
    for (int i = 0; fds && i < nfds; i++)
        if (fds[i].fd == CTX_EV(ctx)->epfd && CTX_EV(ctx)->epfd >= 0 &&
            (fds[i].revents & POLLIN))
            set_ready = true;
    libxl__ev_dispatch(egc, caller_now_mono(now), NULL, set_ready);
out:
    CTX_UNLOCK_EGC_FREE;
}
