/*
 * xswatch.c: internal xenstore watches (libxl__ev_xswatch) multiplexed over
 * the ctx's one xenstore connection, and detection of that connection's
 * loss. It owns ctx->xsw: the slot table that maps watch tokens back to
 * their registrations, the event-core registration of libxenstore's watch
 * fd, and the connection-loss sentinel. It also owns the per-ctx setup
 * and teardown of all event generators (libxl__evgens_init / _dispose).
 *
 * Tokens are "<slot>.<generation>" in hex. A slot is reused only with a
 * new generation, so an event xenstored queued for a watch that has since
 * been removed (or whose slot now serves another watch) is recognised in
 * O(1) and dropped.
 *
 * Connection loss. libxenstore reads the connection on a thread of its
 * own; when xenstored goes away that thread closes the socket but never
 * makes the watch fd readable, so an event loop watching only that fd
 * would wait forever. While any watch exists we therefore also hold a
 * second, idle unix-socket connection to the same xenstored (the
 * "sentinel"): xenstored never writes to it, so it becomes readable only
 * at end-of-file, when xenstored has gone. Failures of xs_check_watch and
 * POLLERR/POLLHUP on either fd count as loss too. Loss is reported once
 * as a disaster, which also wakes every thread blocked in the library.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

#define NO_SLOT UINT32_MAX
/* At most this many watch events are handled per fd callback, so that a
 * flood of writes cannot starve the rest of the event loop; the watch fd
 * stays readable while more are queued. */
#define EVENTS_PER_ROUND 64

struct libxl__xswatch_slot {
    libxl__ev_xswatch *w;     /* NULL when free */
    uint32_t gen;             /* bumped at every allocation */
    uint32_t next_free;
};

/* --------------------------------------------------------------- loss */

static void conn_lost(libxl__egc *egc, const char *why, int errnoval)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__xswatch_state *xs = &ctx->xsw;

    if (xs->lost) return;
    xs->lost = true;
    libxl__ev_fd_deregister(ctx, &xs->pipe_reg);
    libxl__ev_fd_deregister(ctx, &xs->sentinel_reg);
    libxl__event_disaster(egc, why, errnoval, 0);
}

bool libxl__xswatch_conn_lost(libxl_ctx *ctx)
{
    return ctx->xsw.lost;
}

/* libxenstore reports a dead connection as EBADF (socket closed by its
 * reader thread or after a failed exchange), EPIPE / ECONNRESET (write to
 * a dead peer) or EINVAL with no reply. xenstored itself answers EINVAL
 * only to malformed requests, which this library does not send. */
static bool errno_means_lost(int e)
{
    return e == EBADF || e == EPIPE || e == ECONNRESET || e == ENOTCONN ||
           e == EINVAL;
}

bool libxl__xswatch_check_conn_error(libxl__egc *egc, int e)
{
    if (egc->ctx->xsw.lost) return true;
    if (!errno_means_lost(e)) return false;
    conn_lost(egc, "lost the connection to xenstored", e);
    return true;
}

/* ----------------------------------------------------------- sentinel */

static void sentinel_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                        short events, short revents)
{
    char buf[64];
    (void)ev; (void)events;

    if (!(revents & (POLLERR | POLLHUP | POLLNVAL))) {
        ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (r > 0) return;      /* xenstored never writes here; ignore */
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
        conn_lost(egc, "xenstored closed its connection (it has exited)",
                  r < 0 ? errno : 0);
        return;
    }
    conn_lost(egc, "xenstored connection hung up", 0);
}

/* Open and register the sentinel if xenstored is reachable by socket
 * (when it is not, libxenstore talks to a kernel device that cannot go
 * away like a daemon can). Failure to set it up only costs early
 * detection, so it is logged and not fatal. */
static void sentinel_start(libxl_ctx *ctx)
{
    libxl__xswatch_state *xs = &ctx->xsw;
    const char *path = xs_daemon_socket();
    struct sockaddr_un sun;
    struct stat st;
    int fd = -1, rc;

    if (xs->sentinel_fd >= 0 || !path) return;
    if (stat(path, &st) || !S_ISSOCK(st.st_mode)) return;
    if (strlen(path) >= sizeof(sun.sun_path)) return;

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) goto fail;
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) && errno != EINPROGRESS)
        goto fail;
    rc = libxl__ev_fd_register(ctx, &xs->sentinel_reg, sentinel_cb, fd, POLLIN);
    if (rc) { errno = 0; goto fail; }
    xs->sentinel_fd = fd;
    return;

fail:
    LOGE(ctx, WARN, "cannot watch xenstored at %s for exit; its loss will"
         " be noticed at the next xenstore request", path);
    if (fd >= 0) close(fd);
}

static void sentinel_stop(libxl_ctx *ctx)
{
    libxl__xswatch_state *xs = &ctx->xsw;

    libxl__ev_fd_deregister(ctx, &xs->sentinel_reg);
    if (xs->sentinel_fd >= 0) close(xs->sentinel_fd);
    xs->sentinel_fd = -1;
}

/* ----------------------------------------------------------- dispatch */

static void dispatch_one(libxl__egc *egc, const char *path, const char *token)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__xswatch_state *xs = &ctx->xsw;
    unsigned long slot, gen;
    char *end;

    errno = 0;
    slot = strtoul(token, &end, 16);
    if (errno || *end != '.' || slot >= xs->nslots) goto stale;
    gen = strtoul(end + 1, &end, 16);
    if (errno || *end || gen > UINT32_MAX) goto stale;

    libxl__xswatch_slot *s = &xs->slots[slot];
    libxl__ev_xswatch *w = s->w;
    if (!w || s->gen != gen) goto stale;
    if (!xs_path_is_subpath(w->path, path)) {
        LOG(ctx, DEBUG, "watch %s fired for unrelated path %s; ignored",
            w->path, path);
        return;
    }
    w->callback(egc, w, w->path, path);
    return;

stale:
    LOG(ctx, DEBUG, "dropping event for a removed watch (token %s, path %s)",
        token, path);
}

static void pipe_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                    short events, short revents)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__xswatch_state *xs = &ctx->xsw;
    (void)fd; (void)events;

    if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
        conn_lost(egc, "lost the connection to xenstored (watch fd failed)", 0);
        return;
    }
    for (int n = 0; n < EVENTS_PER_ROUND; n++) {
        /* Stop if a callback removed the last watch or loss was found. */
        if (!libxl__ev_fd_isregistered(ev) || xs->lost) return;
        errno = 0;
        char **we = xs_check_watch(ctx->xsh);
        if (!we) {
            if (errno == EAGAIN) return;
            conn_lost(egc, "lost the connection to xenstored (reading watch events)",
                      errno);
            return;
        }
        dispatch_one(egc, we[XS_WATCH_PATH], we[XS_WATCH_TOKEN]);
        free(we);
    }
}

/* ------------------------------------------------------- registration */

void libxl__ev_xswatch_init(libxl__ev_xswatch *w)
{
    w->callback = NULL;
    w->path = NULL;
    w->slot = NO_SLOT;
}

static int slot_alloc(libxl_ctx *ctx, uint32_t *slot_r)
{
    libxl__xswatch_state *xs = &ctx->xsw;

    if (xs->free_head == NO_SLOT) {
        uint32_t n = xs->nslots ? xs->nslots * 2 : 16;
        libxl__xswatch_slot *ns = realloc(xs->slots, n * sizeof(*ns));
        if (!ns) return ERROR_NOMEM;
        for (uint32_t i = xs->nslots; i < n; i++) {
            ns[i].w = NULL;
            ns[i].gen = 0;
            ns[i].next_free = i + 1 < n ? i + 1 : NO_SLOT;
        }
        xs->slots = ns;
        xs->free_head = xs->nslots;
        xs->nslots = n;
    }
    *slot_r = xs->free_head;
    xs->free_head = xs->slots[*slot_r].next_free;
    xs->slots[*slot_r].gen++;
    return 0;
}

static void slot_free(libxl_ctx *ctx, uint32_t slot)
{
    libxl__xswatch_state *xs = &ctx->xsw;

    xs->slots[slot].w = NULL;
    xs->slots[slot].next_free = xs->free_head;
    xs->free_head = slot;
}

static void token_of(libxl_ctx *ctx, uint32_t slot, char *buf, size_t size)
{
    snprintf(buf, size, "%x.%x", slot, ctx->xsw.slots[slot].gen);
}

/* The first watch brings the fds to the event core; the last one takes
 * them away. */
static int fds_start(libxl_ctx *ctx)
{
    libxl__xswatch_state *xs = &ctx->xsw;
    int fd, rc;

    if (libxl__ev_fd_isregistered(&xs->pipe_reg)) return 0;
    fd = xs_fileno(ctx->xsh);
    if (fd < 0) {
        LOGE(ctx, ERROR, "cannot get the xenstore watch fd");
        return ERROR_FAIL;
    }
    rc = libxl__ev_fd_register(ctx, &xs->pipe_reg, pipe_cb, fd, POLLIN);
    if (rc) return rc;
    sentinel_start(ctx);
    return 0;
}

static void fds_stop(libxl_ctx *ctx)
{
    libxl__ev_fd_deregister(ctx, &ctx->xsw.pipe_reg);
    sentinel_stop(ctx);
}

int libxl__ev_xswatch_register(libxl_ctx *ctx, libxl__ev_xswatch *w,
                               libxl__ev_xswatch_callback *cb,
                               const char *path)
{
    libxl__xswatch_state *xs = &ctx->xsw;
    char token[32];
    uint32_t slot = NO_SLOT;
    char *path_copy = NULL;
    int rc;

    if (!ctx->xsh || xs->lost) {
        LOG(ctx, ERROR, "cannot watch %s: no connection to xenstored", path);
        return ERROR_FAIL;
    }
    path_copy = strdup(path);
    if (!path_copy) { rc = ERROR_NOMEM; goto out; }
    rc = slot_alloc(ctx, &slot);
    if (rc) goto out;
    rc = fds_start(ctx);
    if (rc) goto out;

    token_of(ctx, slot, token, sizeof(token));
    if (!xs_watch(ctx->xsh, path, token)) {
        LOGE(ctx, ERROR, "cannot set xenstore watch on %s", path);
        rc = ERROR_FAIL;
        goto out;
    }

    xs->slots[slot].w = w;
    w->callback = cb;
    w->path = path_copy;
    w->slot = slot;
    xs->nwatches++;
    return 0;

out:
    if (slot != NO_SLOT) slot_free(ctx, slot);
    if (!xs->nwatches) fds_stop(ctx);
    free(path_copy);
    return rc;
}

void libxl__ev_xswatch_deregister(libxl_ctx *ctx, libxl__ev_xswatch *w)
{
    libxl__xswatch_state *xs = &ctx->xsw;
    char token[32];

    if (!w->callback) return;

    if (!xs->lost) {
        token_of(ctx, w->slot, token, sizeof(token));
        /* A failure leaves the watch in xenstored; its events will carry
         * a token whose generation no longer matches and be dropped. */
        if (!xs_unwatch(ctx->xsh, w->path, token))
            LOGE(ctx, DEBUG, "cannot remove xenstore watch on %s", w->path);
    }
    slot_free(ctx, w->slot);
    free(w->path);
    libxl__ev_xswatch_init(w);
    if (--xs->nwatches == 0) fds_stop(ctx);
}

/* ------------------------------------------------------- ctx lifetime */

void libxl__xswatch_state_init(libxl_ctx *ctx)
{
    libxl__xswatch_state *xs = &ctx->xsw;

    memset(xs, 0, sizeof(*xs));
    xs->free_head = NO_SLOT;
    xs->sentinel_fd = -1;
    libxl__ev_fd_init(&xs->pipe_reg);
    libxl__ev_fd_init(&xs->sentinel_reg);
}

void libxl__xswatch_state_dispose(libxl_ctx *ctx)
{
    libxl__xswatch_state *xs = &ctx->xsw;

    /* Every user has deregistered by now (evgens are disposed first);
     * what xenstored still holds goes with the connection. */
    fds_stop(ctx);
    free(xs->slots);
    xs->slots = NULL;
    xs->nslots = 0;
    xs->free_head = NO_SLOT;
}

void libxl__evgens_init(libxl_ctx *ctx)
{
    libxl__xswatch_state_init(ctx);
    libxl__death_state_init(ctx);
    libxl__eject_state_init(ctx);
}

void libxl__evgens_dispose(libxl_ctx *ctx)
{
    CTX_LOCK(ctx);
    libxl__eject_state_dispose(ctx);
    libxl__death_state_dispose(ctx);
    libxl__xswatch_state_dispose(ctx);
    CTX_UNLOCK(ctx);
}
