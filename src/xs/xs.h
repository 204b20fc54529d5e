/*
 * xs/xs.h: the xenstore layer: internal watches multiplexed over one
 * connection of the ctx (xswatch.c) and independent requests batched in
 * one round trip (xsbatch.c), both speaking xenstored's wire protocol
 * through xs/wire.h. Everything here is called with the ctx lock held,
 * except where said otherwise.
 */
#ifndef LIGHTCORE_XS_XS_H
#define LIGHTCORE_XS_XS_H

#include <stdbool.h>
#include <stdint.h>

#include "ev/ev.h"
#include "xs/wire.h"

/* ------------------------------------------------------------ xswatch */

/*
 * An internal xenstore watch. Any number of them share the ctx's one
 * xenstore connection (ctx->xsh). The callback runs with the lock held,
 * once per watch event xenstored sends for this registration: watch_path
 * is the path registered, event_path the node that fired (equal to it or
 * below it). Like the core's registrations: Idle after _init, Active after
 * a successful _register, Idle again after _deregister, which may be
 * called at any time (also from inside any watch callback, its own
 * included); after it returns the callback is not called again, even for
 * events xenstored had already queued. A new watch fires once at once
 * (xenstored's rule), and watches may fire spuriously: callbacks read the
 * state they care about, they never count events.
 *
 * Losing the connection to xenstored is a disaster (libxl__event_disaster,
 * reported once per ctx); afterwards _register fails with ERROR_FAIL and
 * existing registrations stay Active but silent until deregistered.
 */
typedef struct libxl__ev_xswatch libxl__ev_xswatch;
typedef void libxl__ev_xswatch_callback(libxl__egc *egc, libxl__ev_xswatch *w,
                                        const char *watch_path,
                                        const char *event_path);
/* The answer to one request made with libxl__ev_xswatch_read / _write:
 * tag is the one the request was made with; err is 0 or the errno value
 * of xenstored's refusal; data and len the value read (not
 * NUL-terminated: any bytes; valid only during the call). */
typedef void libxl__ev_xswatch_reply_callback(libxl__egc *egc,
                                              libxl__ev_xswatch *w,
                                              unsigned tag, int err,
                                              const char *data,
                                              unsigned len);

struct libxl__ev_xswatch {
    /* all private */
    libxl__ev_xswatch_callback *callback;   /* NULL when Idle */
    char *path;
    uint32_t slot;
};

void libxl__ev_xswatch_init(libxl__ev_xswatch *w);
/* Returns 0, ERROR_NOMEM, ERROR_INVAL (a path xenstored would refuse) or
 * ERROR_FAIL (no xenstore, connection lost). It does not wait for
 * xenstored: the watch is in place by the time its first event (the one
 * xenstored sends for every new watch) arrives, and a refusal by
 * xenstored itself (out of resources) is reported as a disaster. */
int libxl__ev_xswatch_register(libxl_ctx *ctx, libxl__ev_xswatch *w,
                               libxl__ev_xswatch_callback *cb,
                               const char *path);
void libxl__ev_xswatch_deregister(libxl_ctx *ctx, libxl__ev_xswatch *w);
static inline bool libxl__ev_xswatch_isregistered(const libxl__ev_xswatch *w)
{ return w->callback != NULL; }

/*
 * Asynchronous requests on the watch connection, on behalf of an Active
 * watch w (typically: read the node that fired, and what goes with it).
 * Any number may be outstanding: they are pipelined, xenstored handles
 * them in the order they were made and each is answered by one call of
 * its own reply, with its own tag, from the event loop, in that same
 * order. Requests made from inside watch and reply callbacks go out
 * together, in one write, when the callbacks of that loop round are done;
 * others at once. An answer that arrives after w was deregistered is
 * dropped; after the connection is lost (a disaster) no reply is made.
 * Returns 0, ERROR_INVAL (bad path, value too long), ERROR_NOMEM or
 * ERROR_FAIL (w not Active, connection lost); then nothing was sent.
 */
int libxl__ev_xswatch_read(libxl_ctx *ctx, libxl__ev_xswatch *w,
                           const char *path, unsigned tag,
                           libxl__ev_xswatch_reply_callback *reply);
int libxl__ev_xswatch_write(libxl_ctx *ctx, libxl__ev_xswatch *w,
                            const char *path, const char *value,
                            unsigned len, unsigned tag,
                            libxl__ev_xswatch_reply_callback *reply);
/* True if the watch connection delivers watch events and answers in the
 * order xenstored produced them (a socket to xenstored does; the kernel's
 * xenbus device hands watch events over on a thread of its own, so may
 * not): then an event that arrives before the answer to a request was
 * caused by a change made before xenstored handled that request. */
bool libxl__xswatch_ordered(libxl_ctx *ctx);

/* The fd of the watch connection, or -1 (for tests). */
int libxl__xswatch_fd(libxl_ctx *ctx);

/* True once the xenstored connection has been found lost. */
bool libxl__xswatch_conn_lost(libxl_ctx *ctx);

/* A request on ctx->xsh failed with errno e: if that means the connection
 * is gone, report the disaster (once) and return true. */
bool libxl__xswatch_check_conn_error(libxl__egc *egc, int e);

typedef struct libxl__xswatch_slot libxl__xswatch_slot;
typedef struct libxl__xswatch_req libxl__xswatch_req;

typedef struct libxl__xswatch_state {
    libxl__xswatch_slot *slots;    /* token -> watch, by slot index */
    uint32_t nslots;
    uint32_t free_head;            /* first free slot, or UINT32_MAX */
    uint32_t nwatches;             /* Active registrations */
    /* The watch connection (xswatch.c), open while nwatches > 0. */
    int fd;                        /* -1 when closed */
    bool is_socket;
    bool lost;
    libxl__ev_fd reg;
    uint64_t conn_gen;             /* bumped at every open and close */
    libxl__xswire_in in;           /* received, not yet handled */
    libxl__xswire_out out;         /* queued for xenstored */
    /* Requests sent and not yet answered, oldest first: a ring of
     * reqs_cap (a power of two) entries from reqs_head. */
    libxl__xswatch_req *reqs;
    uint32_t reqs_head, nreqs, reqs_cap;
    uint32_t next_req_id;
    /* While the fd callback handles what it read, requests are queued
     * and sent together afterwards (on connection corked_gen). */
    bool corked;
    uint64_t corked_gen;
} libxl__xswatch_state;

/* ------------------------------------------------------------- xsbatch */

/*
 * Independent xenstore requests (no transaction) made in one round trip
 * (xsbatch.c). Fill in type and path; libxl__xs_batch sets the results.
 * Lock not needed.
 */
enum { LIBXL__XS_READ, LIBXL__XS_DIRECTORY, LIBXL__XS_RM };
typedef struct {
    int type;             /* LIBXL__XS_* */
    const char *path;
    int err;              /* out: 0 or the errno value of the failure */
    char *data;           /* out (read, directory), malloc'ed, NUL-terminated:
                             the value, or the names each NUL-terminated */
    unsigned len;         /* out: bytes of data, without the final NUL */
} libxl__xs_req;
void libxl__xs_batch(libxl_ctx *ctx, libxl__xs_req *reqs, unsigned n);

/*
 * The batch connection itself, for xstx.c's transactions. _borrow takes
 * the ctx's (or opens a new one when another thread has it): a blocking
 * socket fd, or -1 when none can be opened (not logged). _return hands it
 * back when it is in step with xenstored (every answer read); a
 * connection that is not is closed instead, never returned.
 * _exchange writes what out holds on fd and reads n answers, passing each
 * in order to take (index i from 0); it stops at the first false from
 * take or failure of the connection, and returns the number taken (n
 * when all went well). out is left empty. Lock not needed.
 */
int libxl__xsbatch_conn_borrow(libxl_ctx *ctx);
void libxl__xsbatch_conn_return(libxl_ctx *ctx, int fd);
unsigned libxl__xsbatch_exchange(int fd, libxl__xswire_out *out, unsigned n,
                                 bool (*take)(void *arg, unsigned i,
                                              const libxl__xswire_msg *m),
                                 void *arg);

/* ------------------------------------------------------------- per ctx */

/* The shared @releaseDomain watch's state (release.c; its users' interface
 * is xs/release.h). */
typedef struct libxl__xs_release libxl__xs_release;
typedef struct libxl__xs_release_state {
    libxl__ev_xswatch watch;
    XEN_TAILQ_HEAD(, libxl__xs_release) users;
    libxl__xs_release *iter;          /* the next user to call, if any */
    bool keep;                        /* libxl__xs_release_keep was called */
} libxl__xs_release_state;

/* The ctx as the xenstore layer sees it (base/ctx_base.h explains views). */
typedef struct libxl__ctx_view_xs {
    libxl__ctx_view_ev lower;
    libxl__xswatch_state xsw;      /* xswatch.c */
    int xsbatch_fd1;               /* xsbatch.c: its private connection,
                                      fd + 1 (0: none) */
    libxl__xs_release_state release;   /* release.c */
} libxl__ctx_view_xs;
#define CTX_XSW(ctx) (&((libxl__ctx_view_xs *)(ctx))->xsw)
#define CTX_XSBATCH_FD1(ctx) (&((libxl__ctx_view_xs *)(ctx))->xsbatch_fd1)
#define CTX_XS_RELEASE(ctx) (&((libxl__ctx_view_xs *)(ctx))->release)

/* The module table's entries: setup cannot fail (the connections are made
 * lazily); dispose closes them. Every watch must be deregistered before
 * xswatch's dispose (the layers above are disposed first). */
extern const libxl__module libxl__module_xswatch;
extern const libxl__module libxl__module_xsbatch;
extern const libxl__module libxl__module_xs_release;

#endif /* LIGHTCORE_XS_XS_H */
