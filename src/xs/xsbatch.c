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
#include <unistd.h>

#include "base/log.h"
#include "xs/wire.h"
#include "xs/xs.h"

/* What one read(2) may take: enough for a few answers at once. */
#define READ_CHUNK (16 * 1024)

/* A new blocking connection to xenstored's socket, or -1. */
static int conn_open(void)
{
    bool is_socket;
    return libxl__xswire_open(NULL, 0, &is_socket);
}

int libxl__xsbatch_conn_borrow(libxl_ctx *ctx)
{
    int fd1 = __atomic_exchange_n(CTX_XSBATCH_FD1(ctx), 0, __ATOMIC_ACQ_REL);
    return fd1 ? fd1 - 1 : conn_open();
}

void libxl__xsbatch_conn_return(libxl_ctx *ctx, int fd)
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

static uint32_t wire_type(int type)
{
    switch (type) {
    case LIBXL__XS_READ: return XS_READ;
    case LIBXL__XS_DIRECTORY: return XS_DIRECTORY;
    default: return XS_RM;
    }
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

/* The result of reqs[i] from its answer m; false if m cannot be its answer
 * (out of step) or there is no memory for the result. */
static bool take_answer(libxl__xs_req *q, unsigned i,
                        const libxl__xswire_msg *m)
{
    if (m->hdr.req_id != i ||
        (m->hdr.type != XS_ERROR && m->hdr.type != wire_type(q->type)))
        return false;
    q->err = 0;
    q->data = NULL;
    q->len = 0;
    if (m->hdr.type == XS_ERROR) {
        q->err = libxl__xswire_errno(m->body, m->hdr.len);
    } else if (q->type != LIBXL__XS_RM) {
        q->data = malloc(m->hdr.len + 1);
        if (!q->data) return false;
        memcpy(q->data, m->body, m->hdr.len);
        q->data[m->hdr.len] = 0;
        q->len = m->hdr.len;
    }
    return true;
}

unsigned libxl__xsbatch_exchange(int fd, libxl__xswire_out *out, unsigned n,
                                 bool (*take)(void *arg, unsigned i,
                                              const libxl__xswire_msg *m),
                                 void *arg)
{
    libxl__xswire_in in = { 0 };
    unsigned done = 0;

    if (libxl__xswire_flush(fd, true, out) ||
        libxl__xswire_in_alloc(&in, READ_CHUNK))
        goto out;

    /* Nothing but answers arrives here, in the order of the requests. */
    while (done < n) {
        size_t off = 0;
        libxl__xswire_msg m;
        int r = 0;
        if (libxl__xswire_fill(fd, &in, in.cap - in.len) <= 0) goto out;
        while (done < n && (r = libxl__xswire_next(&in, &off, &m)) > 0) {
            if (!take(arg, done, &m)) goto out;
            done++;
        }
        if (r < 0) goto out;
        libxl__xswire_consume(&in, off);
    }

out:
    libxl__xswire_out_clear(out);
    libxl__xswire_in_dispose(&in);
    return done;
}

static bool take_batch_answer(void *arg, unsigned i, const libxl__xswire_msg *m)
{
    return take_answer(&((libxl__xs_req *)arg)[i], i, m);
}

/* Send reqs[0..n) on fd and read their answers; the number answered
 * (n unless the connection failed; the rest are then unanswered). */
static unsigned batch_on(int fd, libxl__xs_req *reqs, unsigned n)
{
    libxl__xswire_out out = { 0 };
    unsigned done = 0;

    for (unsigned i = 0; i < n; i++)
        if (libxl__xswire_put(&out, wire_type(reqs[i].type), i, reqs[i].path,
                              NULL, 0))
            goto out;
    done = libxl__xsbatch_exchange(fd, &out, n, take_batch_answer, reqs);
out:
    libxl__xswire_out_dispose(&out);
    return done;
}

void libxl__xs_batch(libxl_ctx *ctx, libxl__xs_req *reqs, unsigned n)
{
    unsigned done = 0;
    int fd;

    if (n > 1 && (fd = libxl__xsbatch_conn_borrow(ctx)) >= 0) {
        done = batch_on(fd, reqs, n);
        if (done == n) libxl__xsbatch_conn_return(ctx, fd);
        else close(fd);     /* out of step with xenstored: start afresh */
    }
    for (unsigned i = done; i < n; i++)
        one_by_xsh(ctx, &reqs[i]);
    /* A listing too large for one answer: libxenstore pages it. */
    for (unsigned i = 0; i < done; i++)
        if (reqs[i].type == LIBXL__XS_DIRECTORY && reqs[i].err == E2BIG)
            one_by_xsh(ctx, &reqs[i]);
}
