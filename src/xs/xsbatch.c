/*
 * xs/xsbatch.c: independent xenstore requests in one round trip.
 *
 * A request on ctx->xsh (libxenstore) is written and its answer awaited
 * before the next may go, so n requests cost n wakeups of xenstored and n
 * of the caller. xenstored answers a connection's requests in the order it
 * received them, so requests that do not depend on each other can be
 * written together and their answers read together. This module does that
 * on a private, blocking connection of the ctx to xenstored's socket. No
 * watch is ever set on it, so nothing but answers arrives there.
 *
 * The connection is borrowed for the length of one batch by an atomic
 * exchange on CTX_XSBATCH_FD1(ctx) (the fd plus one; 0 when there is none): a
 * caller that finds it taken (another thread is using it) opens one of its
 * own for that batch, and whichever is handed back first is kept. So no
 * lock is needed and threads never wait for each other here.
 *
 * When there is no socket (xenstored reached through the xenbus device) or
 * the connection fails, the requests not yet answered are made one by one
 * through ctx->xsh, with the same results.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/log.h"
#include "xs/xs.h"

#include <xen/io/xs_wire.h>

#define HDR ((size_t)sizeof(struct xsd_sockmsg))

/* A new connection to xenstored's socket (close-on-exec), or -1. */
static int conn_open(void)
{
    const char *path = xs_daemon_socket();
    struct sockaddr_un sun;
    struct stat st;
    int fd;

    if (!path || stat(path, &st) || !S_ISSOCK(st.st_mode) ||
        strlen(path) >= sizeof(sun.sun_path))
        return -1;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
        close(fd);
        return -1;
    }
    return fd;
}

static int conn_borrow(libxl_ctx *ctx)
{
    int fd1 = __atomic_exchange_n(CTX_XSBATCH_FD1(ctx), 0, __ATOMIC_ACQ_REL);
    return fd1 ? fd1 - 1 : conn_open();
}

static void conn_return(libxl_ctx *ctx, int fd)
{
    int none = 0;
    if (!__atomic_compare_exchange_n(CTX_XSBATCH_FD1(ctx), &none, fd + 1, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        close(fd);
}

static void xsbatch_dispose(libxl_ctx *ctx)
{
    int fd1 = __atomic_exchange_n(CTX_XSBATCH_FD1(ctx), 0, __ATOMIC_ACQ_REL);
    if (fd1) close(fd1 - 1);
}

/* Nothing to set up: a zeroed ctx has no connection. */
const libxl__module libxl__module_xsbatch = {
    .name = "xsbatch", .dispose = xsbatch_dispose,
};

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

static bool read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

static uint32_t wire_type(int type)
{
    switch (type) {
    case LIBXL__XS_READ: return XS_READ;
    case LIBXL__XS_DIRECTORY: return XS_DIRECTORY;
    default: return XS_RM;
    }
}

static int errno_of(const char *text)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (!strcmp(text, xsd_errors[i].errstring)) return xsd_errors[i].errnum;
    return EIO;
}

/* One request through libxenstore. */
static void one_by_xsh(libxl_ctx *ctx, libxl__xs_req *q)
{
    unsigned len = 0, n = 0;

    q->err = 0;
    q->data = NULL;
    q->len = 0;
    switch (q->type) {
    case LIBXL__XS_READ:
        q->data = xs_read(ctx->xsh, XBT_NULL, q->path, &len);
        if (q->data) q->len = len;
        else q->err = errno ? errno : EIO;
        break;
    case LIBXL__XS_DIRECTORY: {
        char **names = xs_directory(ctx->xsh, XBT_NULL, q->path, &n);
        size_t total = 0;
        if (!names) { q->err = errno ? errno : EIO; break; }
        for (unsigned i = 0; i < n; i++) total += strlen(names[i]) + 1;
        q->data = malloc(total + 1);
        if (!q->data) { q->err = ENOMEM; free(names); break; }
        for (unsigned i = 0; i < n; i++) {
            size_t l = strlen(names[i]) + 1;
            memcpy(q->data + q->len, names[i], l);
            q->len += (unsigned)l;
        }
        q->data[q->len] = 0;
        free(names);
        break;
    }
    default:
        if (!xs_rm(ctx->xsh, XBT_NULL, q->path)) q->err = errno ? errno : EIO;
        break;
    }
}

/* Send reqs[0..n) on fd and read their answers; the number answered
 * (n unless the connection failed; the rest are then unanswered). */
static unsigned batch_on(int fd, libxl__xs_req *reqs, unsigned n)
{
    size_t size = 0, off = 0;
    char *out;
    unsigned i;

    for (i = 0; i < n; i++) size += HDR + strlen(reqs[i].path) + 1;
    out = malloc(size);
    if (!out) return 0;
    for (i = 0; i < n; i++) {
        size_t l = strlen(reqs[i].path) + 1;
        struct xsd_sockmsg h = { .type = wire_type(reqs[i].type),
                                 .req_id = i, .tx_id = 0, .len = (uint32_t)l };
        memcpy(out + off, &h, HDR);
        memcpy(out + off + HDR, reqs[i].path, l);
        off += HDR + l;
    }
    bool sent = write_all(fd, out, size);
    free(out);
    if (!sent) return 0;

    for (i = 0; i < n; i++) {
        libxl__xs_req *q = &reqs[i];
        struct xsd_sockmsg h;
        char *body;

        if (!read_all(fd, &h, HDR) || h.len > XENSTORE_PAYLOAD_MAX ||
            h.req_id != i ||
            (h.type != XS_ERROR && h.type != wire_type(q->type)))
            return i;
        body = malloc(h.len + 1);
        if (!body) return i;
        if (!read_all(fd, body, h.len)) { free(body); return i; }
        body[h.len] = 0;
        q->err = 0;
        q->data = NULL;
        q->len = 0;
        if (h.type == XS_ERROR) {
            q->err = errno_of(body);
            free(body);
        } else if (q->type == LIBXL__XS_RM) {
            free(body);
        } else {
            q->data = body;
            q->len = h.len;
        }
    }
    return n;
}

void libxl__xs_batch(libxl_ctx *ctx, libxl__xs_req *reqs, unsigned n)
{
    unsigned done = 0;
    int fd;

    if (n > 1 && (fd = conn_borrow(ctx)) >= 0) {
        done = batch_on(fd, reqs, n);
        if (done == n) conn_return(ctx, fd);
        else close(fd);     /* out of step with xenstored: start afresh */
    }
    for (unsigned i = done; i < n; i++)
        one_by_xsh(ctx, &reqs[i]);
    /* A listing too large for one answer: libxenstore pages it. */
    for (unsigned i = 0; i < done; i++)
        if (reqs[i].type == LIBXL__XS_DIRECTORY && reqs[i].err == E2BIG)
            one_by_xsh(ctx, &reqs[i]);
}
