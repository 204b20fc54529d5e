/*
 * subop/datacopier.h: copying bytes from one fd to another (or only to
 * the caller) without ever blocking the ctx, abortable: a reusable
 * asynchronous sub-operation on two fd registrations and a bounded
 * buffer, called with the ctx lock held. It neither opens nor closes the
 * fds it is given, and knows nothing of what the bytes mean.
 */
#ifndef LIGHTCORE_SUBOP_DATACOPIER_H
#define LIGHTCORE_SUBOP_DATACOPIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ao/ao.h"

/* The buffer's size when the caller leaves bufsize 0. */
#define LIBXL__DATACOPIER_DEFAULT_BUFSIZE (64 * 1024)

/*
 * Copy everything readfd gives, until its end of file, to writefd. The
 * caller fills in the public fields (after libxl__datacopier_init) and
 * calls _start, which returns
 *  - 0: the copy runs, and callback(egc, dc, rc, onwrite, errnoval)
 *    follows exactly once, from the event loop (never from inside _start;
 *    never after libxl__datacopier_stop):
 *     - rc 0, onwrite 0, errnoval 0: readfd reached its end of file and
 *       everything read has been written (and shown to readhook);
 *     - rc ERROR_FAIL, onwrite 0, errnoval the errno: reading failed;
 *     - rc ERROR_FAIL, onwrite 1, errnoval the errno: writing failed
 *       (EPIPE when the reader has gone; see "SIGPIPE" below);
 *     - rc ERROR_BUFFERFULL, onwrite 0, errnoval 0: readfd gave more than
 *       maxread bytes (the chunk that crossed the limit is neither
 *       written nor shown to readhook);
 *     - rc ERROR_ABORTED, onwrite -1, errnoval 0: ao was aborted;
 *     - another rc, onwrite -1, errnoval 0: an fd registration could not
 *       be changed (the application's event hooks refused).
 *    Every failure is logged (an abort only at DEBUG), naming copywhat
 *    and readwhat or writewhat. By the time the callback runs dc is Idle
 *    and its buffer freed: the callback may free or reuse dc, and close
 *    the fds.
 *  - an error, nothing registered and no callback: ERROR_ABORTED if ao
 *    is already aborting (not logged; the fds are untouched), and, logged,
 *    ERROR_INVAL for a bad fd or no callback, ERROR_FAIL if the fds cannot
 *    be made non-blocking, ERROR_NOMEM, or what registering readfd failed
 *    with.
 *
 * readfd and writefd: any fd that read(2) / write(2) accept: pipes,
 * sockets, ttys, regular files (always ready: read until end of file).
 * writefd -1: nothing is written; the data is only shown to readhook (if
 * any), which then collects it. _start sets O_NONBLOCK on both; the flag
 * belongs to the open file description, so whoever else shares it (a
 * child given the same pipe end, say) sees it too. The fds stay the
 * caller's, who must keep them open until the callback (or _stop).
 *
 * Flow: at most bufsize bytes read and not yet written are held; while
 * the buffer is full readfd is not read (backpressure: the writer's pace
 * sets the reader's). Each fd callback reads (or writes) until EAGAIN,
 * end of file or a full (empty) buffer; EINTR is retried.
 *
 * readhook(egc, dc, data, len), if set, sees every chunk in the order it
 * was read, before it is queued for writing (data is valid during the
 * call only). It may call libxl__datacopier_stop (then no callback
 * follows) but must not free dc.
 *
 * SIGPIPE: writing to a socket uses send(MSG_NOSIGNAL); writing to
 * anything else but a regular file (a pipe, a FIFO, a tty...) blocks
 * SIGPIPE on the calling thread around each write(2) and, if that write
 * failed with EPIPE, consumes the SIGPIPE it raised (sigtimedwait) before
 * restoring the thread's mask. The process-wide disposition is never
 * touched: a SIGPIPE the application expects from its own writes is
 * unaffected, and the copier never kills the process.
 */
typedef struct libxl__datacopier_state libxl__datacopier_state;
typedef void libxl__datacopier_callback(libxl__egc *egc,
                                        libxl__datacopier_state *dc,
                                        int rc, int onwrite, int errnoval);
typedef void libxl__datacopier_readhook(libxl__egc *egc,
                                        libxl__datacopier_state *dc,
                                        const void *data, size_t len);
struct libxl__datacopier_state {
    /* set by the caller before _start */
    libxl__ao *ao;
    int readfd;
    int writefd;                      /* or -1: only readhook sees data */
    uint64_t maxread;                 /* 0: unlimited; more is an error */
    size_t bufsize;                   /* 0: the default */
    const char *copywhat;             /* for log messages: */
    const char *readwhat, *writewhat; /*  "copying COPYWHAT from READWHAT" */
    libxl__datacopier_callback *callback;
    libxl__datacopier_readhook *readhook;   /* optional */
    /* results: progress so far, valid during and after the copy */
    uint64_t bytes_read, bytes_written;
    /* private */
    libxl__ev_fd toread, towrite;
    libxl__ao_abortable abrt;
    bool active, eof, writefd_is_socket, writefd_may_sigpipe;
    char *buf;                        /* ring of bufsize bytes */
    size_t head, used;                /* oldest unwritten byte; how many */
};

/* Idle, every field set: fds -1, no limits, ao NULL. */
void libxl__datacopier_init(libxl__datacopier_state *dc);
int libxl__datacopier_start(libxl__datacopier_state *dc);
/* Stop copying, with no callback (Idle again; what was read and not yet
 * written is dropped). May be called at any time, from any callback. */
void libxl__datacopier_stop(libxl_ctx *ctx, libxl__datacopier_state *dc);
static inline bool libxl__datacopier_inuse(const libxl__datacopier_state *dc)
{ return dc->active; }

#endif /* LIGHTCORE_SUBOP_DATACOPIER_H */
