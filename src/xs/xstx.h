/*
 * xs/xstx.h: a xenstore transaction whose requests travel together.
 *
 * Through libxenstore each request of a transaction is a round trip of its
 * own: a device's nodes (forty-odd writes, directories and permissions)
 * cost forty-odd wakeups of xenstored and of the caller, during which
 * every other thread of the ctx waits its turn on ctx->xsh. Here the
 * transaction runs on the batch connection of xs/xsbatch.c (borrowed, or a
 * new one when another thread holds it): it is started (one round trip),
 * its requests are queued and sent together, their answers read together
 * (one round trip), and it is ended (one more). xenstored sees the same
 * requests in the same order as libxenstore would send them, so the tree
 * it builds (values, permissions, the order of children) is the same.
 *
 * When the batch connection cannot be had (no socket: xenstored reached
 * through the xenbus device) or fails, the transaction runs through
 * ctx->xsh instead, each request made as it is queued, with the same
 * results. A connection lost in the middle of a transaction loses the
 * transaction (xenstored drops it): _end then answers EAGAIN, as for a
 * conflict, and the next _start of the same libxl__xstx uses ctx->xsh.
 *
 * Use (from one thread; the lock is not needed):
 *
 *     libxl__xstx tx;
 *     libxl__xstx_init(&tx, ctx);
 *     for (;;) {
 *         if ((e = libxl__xstx_start(&tx))) ...fail...
 *         queue reads and updates;
 *         libxl__xstx_flush(&tx);            (the answers are in now)
 *         look at the reads and at libxl__xstx_failed(&tx);
 *         e = libxl__xstx_end(&tx, commit);
 *         if (e != EAGAIN) break;            (0: committed)
 *     }
 *     libxl__xstx_dispose(&tx);
 *
 * Paths and values given to the queueing functions are not copied: they
 * must stay valid until the next _start, _end or _dispose.
 */
#ifndef LIGHTCORE_XS_XSTX_H
#define LIGHTCORE_XS_XSTX_H

#include <stdbool.h>
#include <stdint.h>

#include <xenstore.h>

#include "base/gc.h"
#include "xs/wire.h"

/* One queued request and, once flushed, its outcome. */
typedef struct libxl__xstx_req {
    uint32_t type;        /* XS_READ, XS_WRITE, XS_MKDIR, XS_RM, XS_SET_PERMS */
    const char *path;
    int err;              /* 0, or the errno value of its failure */
    char *data;           /* XS_READ: the value, malloc'ed, NUL-terminated */
    unsigned len;         /* XS_READ: its length, without the NUL */
} libxl__xstx_req;

typedef struct libxl__xstx {
    libxl_ctx *ctx;
    int fd;               /* the connection while a transaction runs on it;
                             -1: none, or the transaction is ctx->xsh's */
    bool use_xsh;         /* every transaction through ctx->xsh from now on
                             (the connection failed once) */
    bool lost;            /* this transaction's connection failed */
    xs_transaction_t id;
    libxl__xswire_out out;
    libxl__xstx_req *reqs;
    unsigned n, cap;      /* queued so far, room for */
    unsigned answered;    /* the first n with an outcome */
    bool nomem;           /* a request could not be recorded */
} libxl__xstx;

void libxl__xstx_init(libxl__xstx *tx, libxl_ctx *ctx);

/* Starts a transaction (forgetting the requests of a previous one): 0, or
 * the errno value of the failure (nothing then runs). Not logged. */
int libxl__xstx_start(libxl__xstx *tx);

/*
 * Queue a request; each returns its index for libxl__xstx_req_at. A
 * request that cannot be queued (no memory, a payload too large for
 * xenstored) fails at once, with that errno value (ENOMEM, E2BIG).
 * _rm counts a node that is not there (ENOENT) as removed.
 */
unsigned libxl__xstx_read(libxl__xstx *tx, const char *path);
unsigned libxl__xstx_write(libxl__xstx *tx, const char *path,
                           const char *value);
unsigned libxl__xstx_mkdir(libxl__xstx *tx, const char *path);
unsigned libxl__xstx_rm(libxl__xstx *tx, const char *path);
unsigned libxl__xstx_set_perms(libxl__xstx *tx, const char *path,
                               const struct xs_permissions *perms,
                               unsigned n);

/* Queues a write of each (key, value) pair of the NULL-terminated kvs under
 * dir (paths allocated from gc). Returns false only if gc is out of
 * memory. */
bool libxl__xstx_writev(libxl__xstx *tx, libxl__gc *gc, const char *dir,
                        const char *const *kvs);

/* Sends what is queued and reads the answers: afterwards every request has
 * its outcome (a lost connection gives the rest EAGAIN). */
void libxl__xstx_flush(libxl__xstx *tx);

/* The request at index i (valid until the next _start, _end or _dispose). */
const libxl__xstx_req *libxl__xstx_req_at(const libxl__xstx *tx, unsigned i);

/* The first flushed request that failed, or NULL. */
const libxl__xstx_req *libxl__xstx_failed(const libxl__xstx *tx);

/*
 * Ends the transaction: commits it if commit (what is queued is flushed
 * first), else abandons it. 0 when committed or abandoned; EAGAIN when it
 * must be run again from _start (a conflict, or its connection was lost);
 * else the errno value of the failure. The requests' outcomes are
 * forgotten.
 */
int libxl__xstx_end(libxl__xstx *tx, bool commit);

/* Releases everything (a transaction still running is abandoned). */
void libxl__xstx_dispose(libxl__xstx *tx);

#endif /* LIGHTCORE_XS_XSTX_H */
