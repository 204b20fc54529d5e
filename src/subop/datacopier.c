/*
 * subop/datacopier.c: the non-blocking fd-to-fd copier (contract in
 * subop/datacopier.h). It owns its ring buffer (malloc'ed at _start and
 * freed when the copy ends, so repeated copies do not grow the ao's pool)
 * and its two fd registrations; it never closes the caller's fds and does
 * not touch its state after calling the user's callback.
 *
 * The read side is registered while there is room in the buffer (and no
 * end of file yet), the write side while there is something to write: a
 * side with nothing to do is deregistered rather than left with no
 * events, since a hung-up fd would keep reporting POLLHUP / POLLERR.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "subop/datacopier.h"

#define WHAT(s) ((s) ? (s) : "?")

void libxl__datacopier_init(libxl__datacopier_state *dc)
{
    memset(dc, 0, sizeof(*dc));
    dc->readfd = dc->writefd = -1;
    libxl__ev_fd_init(&dc->toread);
    libxl__ev_fd_init(&dc->towrite);
    libxl__ao_abortable_init(&dc->abrt);
    dc->buf = NULL;
}

void libxl__datacopier_stop(libxl_ctx *ctx, libxl__datacopier_state *dc)
{
    libxl__ev_fd_deregister(ctx, &dc->toread);
    libxl__ev_fd_deregister(ctx, &dc->towrite);
    libxl__ao_abortable_deregister(&dc->abrt);
    free(dc->buf);
    dc->buf = NULL;
    dc->head = dc->used = 0;
    dc->active = false;
}

static void datacopier_done(libxl__egc *egc, libxl__datacopier_state *dc,
                            int rc, int onwrite, int errnoval)
{
    libxl__datacopier_stop(egc->ctx, dc);
    dc->callback(egc, dc, rc, onwrite, errnoval);
}

static int set_nonblock(libxl__datacopier_state *dc, int fd,
                        const char *what)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK))) {
        LOGED(dc->ao->ctx, ERROR, dc->ao->domid, "%s: cannot make %s (fd %d)"
              " non-blocking", WHAT(dc->copywhat), WHAT(what), fd);
        return ERROR_FAIL;
    }
    return 0;
}

static void datacopier_readable(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                                short events, short revents);
static void datacopier_writable(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                                short events, short revents);
static void datacopier_aborted(libxl__egc *egc, libxl__ao_abortable *ab,
                               int rc);

int libxl__datacopier_start(libxl__datacopier_state *dc)
{
    libxl_ctx *ctx = dc->ao->ctx;
    struct stat st;
    int rc;

    dc->bytes_read = dc->bytes_written = 0;
    dc->head = dc->used = 0;
    dc->eof = false;
    if (dc->readfd < 0 || dc->writefd < -1 || !dc->callback) {
        LOGD(ctx, ERROR, dc->ao->domid, "%s: internal error: cannot copy"
             " from fd %d to fd %d", WHAT(dc->copywhat), dc->readfd,
             dc->writefd);
        rc = ERROR_INVAL;
        goto out;
    }
    if (!dc->bufsize) dc->bufsize = LIBXL__DATACOPIER_DEFAULT_BUFSIZE;
    /* first, so that an aborting ao finds the fds untouched */
    rc = libxl__ao_abortable_register(dc->ao, &dc->abrt, datacopier_aborted);
    if (rc) goto out;

    rc = set_nonblock(dc, dc->readfd, dc->readwhat);
    if (rc) goto out;
    if (dc->writefd >= 0) {
        rc = set_nonblock(dc, dc->writefd, dc->writewhat);
        if (rc) goto out;
        if (fstat(dc->writefd, &st)) {
            LOGED(ctx, ERROR, dc->ao->domid, "%s: cannot stat %s",
                  WHAT(dc->copywhat), WHAT(dc->writewhat));
            rc = ERROR_FAIL;
            goto out;
        }
        dc->writefd_is_socket = S_ISSOCK(st.st_mode);
        dc->writefd_may_sigpipe = !S_ISSOCK(st.st_mode) &&
                                  !S_ISREG(st.st_mode);
    }

    dc->buf = malloc(dc->bufsize);
    if (!dc->buf) {
        LOGED(ctx, ERROR, dc->ao->domid, "%s: cannot allocate a %zu byte"
              " buffer", WHAT(dc->copywhat), dc->bufsize);
        rc = ERROR_NOMEM;
        goto out;
    }
    rc = libxl__ev_fd_register_flags(ctx, &dc->toread, datacopier_readable,
                                     dc->readfd, POLLIN,
                                     LIBXL__EV_FD_NONBLOCKING);
    if (rc) goto out;
    dc->active = true;
out:
    if (rc) libxl__datacopier_stop(ctx, dc);
    return rc;
}

static void datacopier_aborted(libxl__egc *egc, libxl__ao_abortable *ab,
                               int rc)
{
    libxl__datacopier_state *dc =
        CONTAINER_OF(ab, libxl__datacopier_state, abrt);

    LOGD(egc->ctx, DEBUG, dc->ao->domid, "%s: copy aborted after %llu bytes",
         WHAT(dc->copywhat), (unsigned long long)dc->bytes_read);
    datacopier_done(egc, dc, rc, -1, 0);
}

/* -------------------------------------------------------------- reading */

/* Make the registrations match the buffer: read while there is room
 * (resuming only once it is half empty, so that a slow writer does not
 * make every round register and deregister), write while there is data.
 * Returns 0, or the rc of a registration that failed (logged). */
static int datacopier_update(libxl_ctx *ctx, libxl__datacopier_state *dc)
{
    bool reading = libxl__ev_fd_isregistered(&dc->toread);
    bool writing = libxl__ev_fd_isregistered(&dc->towrite);
    int rc = 0;

    if (dc->eof || (dc->writefd >= 0 && dc->used == dc->bufsize)) {
        libxl__ev_fd_deregister(ctx, &dc->toread);
    } else if (!reading && dc->used <= dc->bufsize / 2) {
        rc = libxl__ev_fd_register_flags(ctx, &dc->toread,
                                         datacopier_readable, dc->readfd,
                                         POLLIN, LIBXL__EV_FD_NONBLOCKING);
        if (rc) {
            LOGD(ctx, ERROR, dc->ao->domid, "%s: cannot watch %s again",
                 WHAT(dc->copywhat), WHAT(dc->readwhat));
            goto out;
        }
    }
    if (!dc->used) {
        libxl__ev_fd_deregister(ctx, &dc->towrite);
    } else if (!writing) {
        rc = libxl__ev_fd_register_flags(ctx, &dc->towrite,
                                         datacopier_writable, dc->writefd,
                                         POLLOUT, LIBXL__EV_FD_NONBLOCKING);
        if (rc) {
            LOGD(ctx, ERROR, dc->ao->domid, "%s: cannot watch %s",
                 WHAT(dc->copywhat), WHAT(dc->writewhat));
            goto out;
        }
    }
out:
    return rc;
}

/* After either side made progress: finished, or wait for more. */
static void datacopier_progress(libxl__egc *egc, libxl__datacopier_state *dc)
{
    int rc;

    if (dc->eof && !dc->used) {
        LOGD(egc->ctx, DEBUG, dc->ao->domid, "%s: copied %llu bytes",
             WHAT(dc->copywhat), (unsigned long long)dc->bytes_written);
        datacopier_done(egc, dc, 0, 0, 0);
        return;
    }
    rc = datacopier_update(egc->ctx, dc);
    if (rc) datacopier_done(egc, dc, rc, -1, 0);
}

static void datacopier_readable(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                                short events, short revents)
{
    libxl__datacopier_state *dc =
        CONTAINER_OF(ev, libxl__datacopier_state, toread);
    libxl_ctx *ctx = egc->ctx;
    (void)events; (void)revents;

    for (;;) {
        char *where;
        size_t room;
        ssize_t r;

        if (dc->writefd < 0) {
            /* only for readhook: the whole buffer is scratch space */
            where = dc->buf;
            room = dc->bufsize;
        } else {
            size_t tail;
            if (dc->used == dc->bufsize) break;           /* full */
            if (!dc->used) dc->head = 0;
            tail = (dc->head + dc->used) % dc->bufsize;
            where = dc->buf + tail;
            /* not full, so tail == head only when empty (head 0) */
            room = tail >= dc->head ? dc->bufsize - tail : dc->head - tail;
        }
        if (dc->maxread) {
            /* one byte more than allowed: enough to tell "too much" */
            uint64_t left = dc->maxread - dc->bytes_read;
            if (left < room) room = (size_t)left + 1;
        }

        r = read(fd, where, room);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            int e = errno;
            LOGED(ctx, ERROR, dc->ao->domid, "%s: cannot read %s",
                  WHAT(dc->copywhat), WHAT(dc->readwhat));
            datacopier_done(egc, dc, ERROR_FAIL, 0, e);
            return;
        }
        if (r == 0) {
            dc->eof = true;
            break;
        }
        if (dc->maxread && dc->bytes_read + (uint64_t)r > dc->maxread) {
            LOGD(ctx, ERROR, dc->ao->domid, "%s: %s gave more than the %llu"
                 " bytes allowed", WHAT(dc->copywhat), WHAT(dc->readwhat),
                 (unsigned long long)dc->maxread);
            datacopier_done(egc, dc, ERROR_BUFFERFULL, 0, 0);
            return;
        }
        dc->bytes_read += (uint64_t)r;
        if (dc->readhook) {
            dc->readhook(egc, dc, where, (size_t)r);
            if (!dc->active) return;              /* stopped by the hook */
        }
        if (dc->writefd >= 0) dc->used += (size_t)r;
    }
    datacopier_progress(egc, dc);
}

/* -------------------------------------------------------------- writing */

/* write(2) to something that is not a socket and may raise SIGPIPE:
 * SIGPIPE blocked on this thread meanwhile, and the one this write raised
 * (if it failed with EPIPE, and none was pending already) consumed. */
static ssize_t write_nosigpipe(int fd, const void *data, size_t len)
{
    static const struct timespec zero = { 0, 0 };
    sigset_t pipeset, oldmask, pending;
    bool was_pending;
    ssize_t r;
    int e;

    sigemptyset(&pipeset);
    sigaddset(&pipeset, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipeset, &oldmask);
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE) == 1;

    r = write(fd, data, len);
    e = errno;
    if (r < 0 && e == EPIPE && !was_pending)
        while (sigtimedwait(&pipeset, NULL, &zero) < 0 && errno == EINTR)
            ;

    pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    errno = e;
    return r;
}

static ssize_t datacopier_write(libxl__datacopier_state *dc,
                                const void *data, size_t len)
{
    if (dc->writefd_is_socket)
        return send(dc->writefd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (dc->writefd_may_sigpipe)
        return write_nosigpipe(dc->writefd, data, len);
    return write(dc->writefd, data, len);
}

static void datacopier_writable(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                                short events, short revents)
{
    libxl__datacopier_state *dc =
        CONTAINER_OF(ev, libxl__datacopier_state, towrite);
    libxl_ctx *ctx = egc->ctx;
    (void)fd; (void)events; (void)revents;

    while (dc->used) {
        size_t len = dc->bufsize - dc->head;
        ssize_t r;

        if (len > dc->used) len = dc->used;
        r = datacopier_write(dc, dc->buf + dc->head, len);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            int e = errno;
            LOGED(ctx, ERROR, dc->ao->domid, "%s: cannot write to %s",
                  WHAT(dc->copywhat), WHAT(dc->writewhat));
            datacopier_done(egc, dc, ERROR_FAIL, 1, e);
            return;
        }
        if (r == 0) break;  /* nothing taken: as EAGAIN */
        dc->head = (dc->head + (size_t)r) % dc->bufsize;
        dc->used -= (size_t)r;
        dc->bytes_written += (uint64_t)r;
    }
    if (!dc->used) dc->head = 0;
    datacopier_progress(egc, dc);
}
