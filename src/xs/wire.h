/*
 * xs/wire.h: xenstored's wire protocol (xen/io/xs_wire.h), the one
 * mechanism under both connections of the xenstore layer: the watch
 * connection (xswatch.c: non-blocking, driven by the event loop) and the
 * batch connection (xsbatch.c: blocking, one round trip per batch).
 *
 * It opens a connection as libxenstore's xs_open(0) would, queues encoded
 * requests and writes them out, finds complete messages in what was read,
 * and maps xenstored's error texts to errno values. It keeps no per-ctx
 * state and takes no lock: a connection and its buffers belong to their
 * user, who says how the fd is driven.
 *
 * Ordering. xenstored handles a connection's requests in the order they
 * arrive and answers them in that order, each answer carrying the req_id
 * of its request; on a socket, watch events are sent in the order they
 * were generated among those answers. Both users rely on this; nothing
 * here reorders anything.
 */
#ifndef LIGHTCORE_XS_WIRE_H
#define LIGHTCORE_XS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <xen/io/xs_wire.h>

#include "base/ctx_base.h"

#define LIBXL__XSWIRE_HDR ((uint32_t)sizeof(struct xsd_sockmsg))

/* ------------------------------------------------------------ connect */

/* Flags of libxl__xswire_open. */
#define LIBXL__XSWIRE_NONBLOCK 1u  /* the fd is O_NONBLOCK */
#define LIBXL__XSWIRE_DEVICE   2u  /* without the socket, use the xenbus
                                      device (as xs_open(0) does) */

/*
 * A new connection to xenstored: its unix socket (xs_daemon_socket()), or
 * with LIBXL__XSWIRE_DEVICE the kernel's xenbus device when there is no
 * socket. The fd is close-on-exec. Returns it, setting *is_socket_r, or -1
 * with errno set. Failures are logged on log_ctx's logger at ERROR, unless
 * log_ctx is NULL (then nothing is logged: the caller has a fallback).
 */
int libxl__xswire_open(libxl_ctx *log_ctx, unsigned flags, bool *is_socket_r);

/* ----------------------------------------------------------- requests */

/* Requests queued for xenstored, in order. Zero-initialised is empty. */
typedef struct libxl__xswire_out {
    char *buf;
    size_t off;          /* written up to here */
    size_t msg_off;      /* start of the message holding off */
    size_t len;          /* queued up to here */
    size_t cap;
} libxl__xswire_out;

/*
 * Queue one request (not a transaction's): its payload is the string a
 * with its NUL, then lb bytes of b (none if lb is 0). Returns 0,
 * ERROR_INVAL (payload beyond XENSTORE_PAYLOAD_MAX) or ERROR_NOMEM; on
 * failure nothing is queued.
 */
int libxl__xswire_put(libxl__xswire_out *o, uint32_t type, uint32_t req_id,
                      const char *a, const void *b, size_t lb);

/* The same, for a request in transaction tx_id. */
int libxl__xswire_put_tx(libxl__xswire_out *o, uint32_t type,
                         uint32_t req_id, uint32_t tx_id,
                         const char *a, const void *b, size_t lb);

static inline bool libxl__xswire_out_pending(const libxl__xswire_out *o)
{ return o->off < o->len; }

/*
 * Write what is queued. On a blocking fd, until all is written; on a
 * non-blocking one, until the fd would block. The xenbus device (is_socket
 * false) is given one message per write, as it takes one whole message
 * per write and drops what follows it. Returns 0 (written, or the rest
 * waits for the fd to become writable) or the errno value of the failure
 * (the connection is then unusable).
 */
int libxl__xswire_flush(int fd, bool is_socket, libxl__xswire_out *o);

/* Forget what is queued (the connection is gone); the buffer is kept. */
void libxl__xswire_out_clear(libxl__xswire_out *o);
void libxl__xswire_out_dispose(libxl__xswire_out *o);

/* ----------------------------------------------------------- messages */

/* Bytes received, not yet handled. Zero-initialised is empty. */
typedef struct libxl__xswire_in {
    char *buf;
    size_t len;          /* received */
    size_t cap;          /* at least one largest message */
} libxl__xswire_in;

/* Allocate the buffer (cap bytes, raised to one largest message) unless
 * there is one. 0 or ERROR_NOMEM. */
int libxl__xswire_in_alloc(libxl__xswire_in *in, size_t cap);
void libxl__xswire_in_dispose(libxl__xswire_in *in);

/* One read(2) into the free space, of at most max bytes: the bytes read,
 * 0 at end-of-file, or -1 with errno set (EINTR is retried). */
ssize_t libxl__xswire_fill(int fd, libxl__xswire_in *in, size_t max);

typedef struct libxl__xswire_msg {
    struct xsd_sockmsg hdr;
    const char *body;    /* hdr.len bytes in the buffer, not terminated */
} libxl__xswire_msg;

/*
 * The message starting at *off of what was received: 1 if it is complete
 * (*m is set and *off moved past it), 0 if more must be read first, -1 if
 * its header announces a payload longer than xenstored may send (the
 * connection is out of step and unusable).
 */
int libxl__xswire_next(const libxl__xswire_in *in, size_t *off,
                       libxl__xswire_msg *m);

/* Drop the first off bytes (the messages handled). */
void libxl__xswire_consume(libxl__xswire_in *in, size_t off);

/* ------------------------------------------------------------- errors */

/* The errno value of an XS_ERROR answer's text (len bytes, terminated or
 * not); EIO for a text xenstored is not known to send. */
int libxl__xswire_errno(const char *text, size_t len);

#endif /* LIGHTCORE_XS_WIRE_H */
