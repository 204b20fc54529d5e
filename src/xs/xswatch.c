/*
 * xs/xswatch.c: internal xenstore watches (libxl__ev_xswatch) multiplexed over
 * one xenstore connection of the ctx, and detection of that connection's
 * loss. It owns CTX_XSW(ctx): the slot table that maps watch tokens back to
 * their registrations, the watch connection and its event-core
 * registration.
 *
 * Tokens are "<slot>.<generation>" in hex. A slot is reused only with a
 * new generation, so an event xenstored queued for a watch that has since
 * been removed (or whose slot now serves another watch) is recognised in
 * O(1) and dropped.
 *
 * The watch connection. Watches do not go through libxenstore (ctx->xsh):
 * its xs_watch waits for xenstored's answer (milliseconds on a host with
 * thousands of domains, as xenstored visits every domain per request) and
 * starts a reader thread through which every later request of the ctx
 * then has to pass (a thread hand-off per round trip). Instead, while any
 * watch exists, the ctx holds a connection of its own to xenstored (its
 * unix socket, or the xenbus device when there is no socket) and speaks
 * the wire protocol (xs/wire.h) on it without blocking: XS_WATCH
 * and XS_UNWATCH are queued and sent, their answers and the
 * XS_WATCH_EVENTs are read when the fd is readable. ctx->xsh stays for
 * synchronous requests and, without watches, never gets a reader thread.
 *
 * So a registration returns before xenstored has confirmed it. That keeps
 * every guarantee users rely on: xenstored answers a connection's
 * requests in order and fires a new watch once when it is set up, so the
 * first event arrives after the watch is in place and reports any change
 * made before. A path xenstored would refuse is refused here, at once
 * (ERROR_INVAL); a refusal by xenstored itself (out of memory) is
 * reported as a disaster, since the watch cannot work.
 *
 * Requests and answers. Every request on the connection (XS_WATCH,
 * XS_UNWATCH, and the reads and writes made for watches) is remembered,
 * in order, until its answer arrives; xenstored answers a connection's
 * requests in the order it received them, so each answer belongs to the
 * oldest request outstanding (its req_id, a sequence number, is checked
 * too: a mismatch means the connection is out of step, and is handled as
 * its loss). Any number may be outstanding, so a user can ask for
 * several things at once and get the answers in one round trip; what the
 * callbacks of one fd callback ask for is written in one go when they are
 * done, anything else at once. Requests outstanding when the connection
 * is closed or lost are never answered, and their replies are not made.
 *
 * Connection loss. End-of-file or an error on the watch connection means
 * xenstored has gone (it never closes a client's connection otherwise).
 * Requests on ctx->xsh that fail with a connection error count too
 * (libxl__xswatch_check_conn_error). Loss is reported once as a disaster,
 * which also wakes every thread blocked in the library. When the last
 * watch goes, the connection is closed (xenstored drops its watches with
 * it); the next registration opens a new one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "xs/wire.h"
#include "xs/xs.h"

#define NO_SLOT UINT32_MAX
/* At most this many bytes are read per fd callback, so that a flood of
 * watch events cannot starve the rest of the event loop; the fd stays
 * readable while more are queued in the kernel. */
#define READ_PER_ROUND (64 * 1024)
/* At most this many watches at once. */
#define MAX_SLOTS (1u << 21)

struct libxl__xswatch_slot {
    libxl__ev_xswatch *w;     /* NULL when free */
    uint32_t gen;             /* bumped at every allocation */
    uint32_t next_free;
};

/* A request sent and not yet answered. Answers come in the order of the
 * requests (xenstored's rule), so the oldest one is the next answered; its
 * req_id is checked all the same. */
enum { REQ_WATCH, REQ_UNWATCH, REQ_USER };
struct libxl__xswatch_req {
    uint32_t req_id;          /* sequence number of the connection */
    uint32_t kind;            /* REQ_* */
    uint32_t slot, gen;       /* the watch it was made for */
    unsigned tag;             /* REQ_USER: the caller's */
    libxl__ev_xswatch_reply_callback *reply;   /* REQ_USER */
};

/* --------------------------------------------------------------- loss */

static void conn_close(libxl_ctx *ctx);

static void conn_lost(libxl__egc *egc, const char *why, int errnoval)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__xswatch_state *xs = CTX_XSW(ctx);

    if (xs->lost) return;
    xs->lost = true;
    conn_close(ctx);
    libxl__event_disaster(egc, why, errnoval, 0);
}

bool libxl__xswatch_conn_lost(libxl_ctx *ctx)
{
    return CTX_XSW(ctx)->lost;
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
    if (CTX_XSW(egc->ctx)->lost) return true;
    if (!errno_means_lost(e)) return false;
    conn_lost(egc, "lost the connection to xenstored", e);
    return true;
}

int libxl__xswatch_fd(libxl_ctx *ctx)
{
    return CTX_XSW(ctx)->fd;
}

/* --------------------------------------------------------- connection */

static void conn_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                    short events, short revents);

static int conn_start(libxl_ctx *ctx)
{
    libxl__xswatch_state *xs = CTX_XSW(ctx);
    bool is_socket = false;
    int fd, rc;

    if (xs->fd >= 0) return 0;
    if (libxl__xswire_in_alloc(&xs->in, READ_PER_ROUND)) return ERROR_NOMEM;
    /* As libxenstore's xs_open(0): the socket, else the xenbus device. */
    fd = libxl__xswire_open(ctx, LIBXL__XSWIRE_NONBLOCK | LIBXL__XSWIRE_DEVICE,
                            &is_socket);
    if (fd < 0) return ERROR_FAIL;
    /* conn_cb only reads and writes without blocking. */
    rc = libxl__ev_fd_register_flags(ctx, &xs->reg, conn_cb, fd, POLLIN,
                                     LIBXL__EV_FD_NONBLOCKING);
    if (rc) { close(fd); return rc; }
    xs->fd = fd;
    xs->is_socket = is_socket;
    xs->in.len = 0;
    libxl__xswire_out_clear(&xs->out);
    xs->nreqs = 0;
    xs->conn_gen++;
    return 0;
}

static void conn_close(libxl_ctx *ctx)
{
    libxl__xswatch_state *xs = CTX_XSW(ctx);

    libxl__ev_fd_deregister(ctx, &xs->reg);
    if (xs->fd >= 0) close(xs->fd);
    xs->fd = -1;
    xs->in.len = 0;
    libxl__xswire_out_clear(&xs->out);
    /* Never answered now: their replies are not made. */
    xs->nreqs = 0;
    xs->conn_gen++;
}

/* Write what is queued; 0, or an errno value (the connection is lost).
 * Arms POLLOUT while anything is left. */
static int conn_flush(libxl_ctx *ctx)
{
    libxl__xswatch_state *xs = CTX_XSW(ctx);
    int e = libxl__xswire_flush(xs->fd, xs->is_socket, &xs->out);

    if (e) return e;
    short want = POLLIN | (libxl__xswire_out_pending(&xs->out) ? POLLOUT : 0);
    if (libxl__ev_fd_isregistered(&xs->reg) && xs->reg.events != want &&
        libxl__ev_fd_modify(ctx, &xs->reg, want)) {
        /* Without POLLOUT the rest goes out with the next request or
         * when an answer arrives; nothing is lost. */
        LOG(ctx, DEBUG, "cannot change the events of the xenstore fd");
    }
    return 0;
}

/* Make room for one more outstanding request. 0 or ERROR_NOMEM. */
static int reqs_reserve(libxl__xswatch_state *xs)
{
    if (xs->nreqs < xs->reqs_cap) return 0;
    uint32_t cap = xs->reqs_cap ? xs->reqs_cap * 2 : 16;
    libxl__xswatch_req *nr = malloc(cap * sizeof(*nr));
    if (!nr) return ERROR_NOMEM;
    /* Unwrap the ring into the new array. */
    for (uint32_t i = 0; i < xs->nreqs; i++)
        nr[i] = xs->reqs[(xs->reqs_head + i) & (xs->reqs_cap - 1)];
    free(xs->reqs);
    xs->reqs = nr;
    xs->reqs_cap = cap;
    xs->reqs_head = 0;
    return 0;
}

/*
 * Send one request for the watch in slot (kind REQ_*): its payload is a
 * (with its NUL) followed by lb bytes of b. It goes out at once, except
 * while the fd callback is handling what it read: then everything the
 * callbacks ask for goes out together when they are done (one write for
 * all of them). 0, ERROR_INVAL (too long) or ERROR_NOMEM (nothing sent).
 * A write error is left for the fd callback to find (POLLERR /
 * end-of-file).
 */
static int conn_send(libxl_ctx *ctx, uint32_t type, uint32_t kind,
                     uint32_t slot, unsigned tag,
                     libxl__ev_xswatch_reply_callback *reply,
                     const char *a, const char *b, size_t lb)
{
    libxl__xswatch_state *xs = CTX_XSW(ctx);
    int rc = reqs_reserve(xs);

    if (rc) return rc;
    rc = libxl__xswire_put(&xs->out, type, xs->next_req_id, a, b, lb);
    if (rc) return rc;
    libxl__xswatch_req *q =
        &xs->reqs[(xs->reqs_head + xs->nreqs) & (xs->reqs_cap - 1)];
    q->req_id = xs->next_req_id++;
    q->kind = kind;
    q->slot = slot;
    q->gen = xs->slots[slot].gen;
    q->tag = tag;
    q->reply = reply;
    xs->nreqs++;
    if (xs->corked && xs->corked_gen == xs->conn_gen) return 0;
    int e = conn_flush(ctx);
    if (e) LOG(ctx, DEBUG, "writing to xenstored failed (errno %d); the"
               " connection will be found lost", e);
    return 0;
}

/* ----------------------------------------------------------- dispatch */

/* Lower-case hex digits of a token field (as token_of writes them) up to
 * the first character not one of them, into *v; the end, or NULL if the
 * field is empty or longer than 8 digits. */
static const char *hex_field(const char *p, uint32_t *v)
{
    const char *start = p;
    uint32_t n = 0;

    for (;; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9') d = (unsigned)(*p - '0');
        else if (*p >= 'a' && *p <= 'f') d = (unsigned)(*p - 'a' + 10);
        else break;
        if (p - start == 8) return NULL;
        n = n << 4 | d;
    }
    if (p == start) return NULL;
    *v = n;
    return p;
}

static void dispatch_one(libxl__egc *egc, const char *path, const char *token)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__xswatch_state *xs = CTX_XSW(ctx);
    uint32_t slot, gen;
    const char *end;

    end = hex_field(token, &slot);
    if (!end || *end != '.' || slot >= xs->nslots) goto stale;
    end = hex_field(end + 1, &gen);
    if (!end || *end) goto stale;

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

/* An answer to the oldest outstanding request. Returns false if it is
 * not that request's (the connection is then lost: out of step). */
static bool answer(libxl__egc *egc, const struct xsd_sockmsg *m,
                   const char *body)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__xswatch_state *xs = CTX_XSW(ctx);
    char err[32] = "";
    int e = 0;

    if (!xs->nreqs || xs->reqs[xs->reqs_head].req_id != m->req_id) {
        LOG(ctx, ERROR, "xenstored answered request %u, which is not the"
            " oldest outstanding one", m->req_id);
        conn_lost(egc, "xenstored's answers are out of step", EPROTO);
        return false;
    }
    /* Taken off before any callback, which may make new requests. */
    libxl__xswatch_req q = xs->reqs[xs->reqs_head];
    xs->reqs_head = (xs->reqs_head + 1) & (xs->reqs_cap - 1);
    xs->nreqs--;

    if (m->type == XS_ERROR) {
        snprintf(err, sizeof(err), "%.*s", (int)strnlen(body, m->len), body);
        e = libxl__xswire_errno(body, m->len);
    }
    if (q.kind == REQ_UNWATCH) {
        if (e) LOG(ctx, DEBUG, "xenstored refused a request to remove a"
                   " watch: %s", err);
        return true;
    }
    libxl__ev_xswatch *w = xs->slots[q.slot].w;
    if (!w || xs->slots[q.slot].gen != q.gen) {
        if (e) LOG(ctx, DEBUG, "xenstored refused a request for a watch"
                   " since removed: %s", err);
        return true;
    }
    if (q.kind == REQ_USER) {
        q.reply(egc, w, q.tag, e, body, m->len);
        return true;
    }
    if (!e) return true;
    LOG(ctx, ERROR, "xenstored refused the watch on %s: %s", w->path, err);
    libxl__event_disaster(egc, "xenstored refused a watch", e, 0);
    return true;
}

/* Handle every complete message in the input buffer. Returns false if a
 * callback closed the connection (the buffer then belongs to no one). */
static bool parse_input(libxl__egc *egc)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__xswatch_state *xs = CTX_XSW(ctx);
    uint64_t gen = xs->conn_gen;
    size_t off = 0;
    libxl__xswire_msg m;
    int r;

    while ((r = libxl__xswire_next(&xs->in, &off, &m)) > 0) {
        const char *body = m.body;
        if (m.hdr.type == XS_WATCH_EVENT) {
            /* "path\0token\0": both must be terminated inside the body. */
            const char *path = body, *token;
            size_t lp = strnlen(body, m.hdr.len);
            if (lp + 1 >= m.hdr.len) goto bad;
            token = body + lp + 1;
            if (strnlen(token, m.hdr.len - lp - 1) == m.hdr.len - lp - 1)
                goto bad;
            dispatch_one(egc, path, token);
        } else if (!answer(egc, &m.hdr, body)) {
            return false;
        }
        if (xs->conn_gen != gen) return false;
        continue;
    bad:
        LOG(ctx, DEBUG, "ignoring a malformed watch event from xenstored");
    }
    if (r < 0) {
        conn_lost(egc, "xenstored sent a malformed message", EPROTO);
        return false;
    }
    libxl__xswire_consume(&xs->in, off);
    return true;
}

/* Handle what was read; what the callbacks ask for meanwhile goes out in
 * one go afterwards. Returns false if the connection is gone (closed by a
 * callback, or lost). */
static bool handle_input(libxl__egc *egc)
{
    libxl__xswatch_state *xs = CTX_XSW(egc->ctx);

    xs->corked = true;
    xs->corked_gen = xs->conn_gen;
    bool alive = parse_input(egc);
    xs->corked = false;
    if (!alive) return false;
    if (libxl__xswire_out_pending(&xs->out)) {
        int e = conn_flush(egc->ctx);
        if (e) {
            conn_lost(egc, "lost the connection to xenstored (writing)", e);
            return false;
        }
    }
    return true;
}

static void conn_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                    short events, short revents)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__xswatch_state *xs = CTX_XSW(ctx);
    size_t budget = READ_PER_ROUND;
    (void)ev; (void)events;

    if (revents & POLLNVAL) {
        conn_lost(egc, "lost the connection to xenstored (fd invalid)", 0);
        return;
    }
    if (libxl__xswire_out_pending(&xs->out)) {
        int e = conn_flush(ctx);
        if (e) {
            conn_lost(egc, "lost the connection to xenstored (writing)", e);
            return;
        }
    }
    if (!(revents & (POLLIN | POLLHUP | POLLERR))) return;
    /* Answers to requests sent by the callbacks below are not looked for
     * before the next round: xenstored has hardly ever answered by the
     * time a second read would be made (it is a syscall that finds
     * nothing, measured: 16 hits in 4,000 tries). */
    while (budget) {
        size_t room = xs->in.cap - xs->in.len;
        if (room > budget) room = budget;
        ssize_t r = libxl__xswire_fill(fd, &xs->in, room);
        if (r < 0) {
            if (errno == EAGAIN) {
                if (revents & (POLLHUP | POLLERR) && budget == READ_PER_ROUND)
                    conn_lost(egc, "xenstored connection hung up", 0);
                return;
            }
            conn_lost(egc, "lost the connection to xenstored (reading)",
                      errno);
            return;
        }
        if (r == 0) {
            conn_lost(egc, "xenstored closed its connection (it has exited)",
                      0);
            return;
        }
        budget -= (size_t)r;
        if (!handle_input(egc)) return;     /* closed or lost */
        if ((size_t)r < room) return;       /* drained */
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
    libxl__xswatch_state *xs = CTX_XSW(ctx);

    if (xs->free_head == NO_SLOT) {
        uint32_t n = xs->nslots ? xs->nslots * 2 : 16;
        if (n > MAX_SLOTS) return ERROR_NOMEM;
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
    libxl__xswatch_state *xs = CTX_XSW(ctx);

    xs->slots[slot].w = NULL;
    xs->slots[slot].next_free = xs->free_head;
    xs->free_head = slot;
}

static void token_of(libxl_ctx *ctx, uint32_t slot, char *buf, size_t size)
{
    snprintf(buf, size, "%x.%x", slot, CTX_XSW(ctx)->slots[slot].gen);
}

/* What xenstored's XS_WATCH accepts from a privileged connection: an
 * absolute node path (characters of is_valid_nodename, no empty
 * component, no trailing slash) or a special "@" event name. */
static bool path_ok(const char *path)
{
    size_t len = strlen(path);

    if (path[0] == '@') return len > 1 && len <= XENSTORE_REL_PATH_MAX;
    if (path[0] != '/' || len > XENSTORE_ABS_PATH_MAX) return false;
    if (len > 1 && path[len - 1] == '/') return false;
    for (const char *p = path; *p; p++) {
        char c = *p;
        if (c == '/' && p[1] == '/') return false;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z') || c == '-' || c == '/' || c == '_' ||
              c == '@')) return false;
    }
    return true;
}

int libxl__ev_xswatch_register(libxl_ctx *ctx, libxl__ev_xswatch *w,
                               libxl__ev_xswatch_callback *cb,
                               const char *path)
{
    libxl__xswatch_state *xs = CTX_XSW(ctx);
    char token[32];
    uint32_t slot = NO_SLOT;
    char *path_copy = NULL;
    int rc;

    if (!ctx->xsh || xs->lost) {
        LOG(ctx, ERROR, "cannot watch %s: no connection to xenstored", path);
        return ERROR_FAIL;
    }
    if (!path_ok(path)) {
        LOG(ctx, ERROR, "cannot watch %s: not a valid xenstore path", path);
        return ERROR_INVAL;
    }
    path_copy = strdup(path);
    if (!path_copy) { rc = ERROR_NOMEM; goto out; }
    rc = slot_alloc(ctx, &slot);
    if (rc) goto out;
    rc = conn_start(ctx);
    if (rc) goto out;

    token_of(ctx, slot, token, sizeof(token));
    rc = conn_send(ctx, XS_WATCH, REQ_WATCH, slot, 0, NULL, path, token,
                   strlen(token) + 1);
    if (rc) goto out;

    xs->slots[slot].w = w;
    w->callback = cb;
    w->path = path_copy;
    w->slot = slot;
    xs->nwatches++;
    return 0;

out:
    if (slot != NO_SLOT) slot_free(ctx, slot);
    if (!xs->nwatches) conn_close(ctx);
    free(path_copy);
    return rc;
}

void libxl__ev_xswatch_deregister(libxl_ctx *ctx, libxl__ev_xswatch *w)
{
    libxl__xswatch_state *xs = CTX_XSW(ctx);
    char token[32];

    if (!w->callback) return;

    if (--xs->nwatches == 0) {
        /* xenstored forgets the connection's watches with it. */
        conn_close(ctx);
    } else if (xs->fd >= 0) {
        token_of(ctx, w->slot, token, sizeof(token));
        /* Not sent (no memory): the watch stays in xenstored; its events
         * carry a generation that no longer matches and are dropped. */
        if (conn_send(ctx, XS_UNWATCH, REQ_UNWATCH, w->slot, 0, NULL,
                      w->path, token, strlen(token) + 1))
            LOG(ctx, DEBUG, "cannot remove xenstore watch on %s", w->path);
    }
    slot_free(ctx, w->slot);
    free(w->path);
    libxl__ev_xswatch_init(w);
}

/* ------------------------------------------------- requests for a watch */

static int watch_request(libxl_ctx *ctx, libxl__ev_xswatch *w, unsigned tag,
                         libxl__ev_xswatch_reply_callback *reply,
                         uint32_t type, const char *path, const char *value,
                         unsigned len)
{
    libxl__xswatch_state *xs = CTX_XSW(ctx);

    if (!w->callback || xs->lost || xs->fd < 0) return ERROR_FAIL;
    if (!path_ok(path) || path[0] == '@') return ERROR_INVAL;
    return conn_send(ctx, type, REQ_USER, w->slot, tag, reply, path, value,
                     len);
}

int libxl__ev_xswatch_read(libxl_ctx *ctx, libxl__ev_xswatch *w,
                           const char *path, unsigned tag,
                           libxl__ev_xswatch_reply_callback *reply)
{
    return watch_request(ctx, w, tag, reply, XS_READ, path, NULL, 0);
}

int libxl__ev_xswatch_write(libxl_ctx *ctx, libxl__ev_xswatch *w,
                            const char *path, const char *value,
                            unsigned len, unsigned tag,
                            libxl__ev_xswatch_reply_callback *reply)
{
    return watch_request(ctx, w, tag, reply, XS_WRITE, path, value, len);
}

bool libxl__xswatch_ordered(libxl_ctx *ctx)
{
    return CTX_XSW(ctx)->fd >= 0 && CTX_XSW(ctx)->is_socket;
}

/* ------------------------------------------------------- ctx lifetime */

static void xswatch_init(libxl_ctx *ctx)
{
    libxl__xswatch_state *xs = CTX_XSW(ctx);

    memset(xs, 0, sizeof(*xs));
    xs->free_head = NO_SLOT;
    xs->fd = -1;
    libxl__ev_fd_init(&xs->reg);
}

static void xswatch_dispose(libxl_ctx *ctx)
{
    libxl__xswatch_state *xs = CTX_XSW(ctx);

    /* Every user has deregistered by now (evgens are disposed first);
     * what xenstored still holds goes with the connection. */
    conn_close(ctx);
    libxl__xswire_in_dispose(&xs->in);
    libxl__xswire_out_dispose(&xs->out);
    free(xs->reqs);
    xs->reqs = NULL;
    xs->reqs_cap = xs->reqs_head = 0;
    free(xs->slots);
    xs->slots = NULL;
    xs->nslots = 0;
    xs->free_head = NO_SLOT;
}

const libxl__module libxl__module_xswatch = {
    .name = "xswatch",
    .init = xswatch_init,
    .dispose = xswatch_dispose,
};
