/*
 * xs/wire.c: xenstored's wire protocol, shared by the watch connection and
 * the batch connection (xs/wire.h says what it hides and what it keeps).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "xs/wire.h"

/* The largest message xenstored may send or accept. */
#define MSG_MAX ((size_t)LIBXL__XSWIRE_HDR + XENSTORE_PAYLOAD_MAX)

/* ------------------------------------------------------------ connect */

int libxl__xswire_open(libxl_ctx *log_ctx, unsigned flags, bool *is_socket_r)
{
    const char *path = xs_daemon_socket();
    int nonblock = flags & LIBXL__XSWIRE_NONBLOCK ? O_NONBLOCK : 0;
    struct sockaddr_un sun;
    struct stat st;
    int fd;

    if (path && !stat(path, &st) && S_ISSOCK(st.st_mode) &&
        strlen(path) < sizeof(sun.sun_path)) {
        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        memcpy(sun.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            if (log_ctx)
                LOGE(log_ctx, ERROR, "cannot create a socket for xenstored");
            return -1;
        }
        /* A unix connect does not wait for the server to accept. */
        if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
            (nonblock && fcntl(fd, F_SETFL, O_NONBLOCK))) {
            int e = errno;
            if (log_ctx)
                LOGE(log_ctx, ERROR, "cannot connect to xenstored at %s", path);
            close(fd);
            errno = e;
            return -1;
        }
        *is_socket_r = true;
        return fd;
    }
    if (!(flags & LIBXL__XSWIRE_DEVICE)) {
        errno = ENOENT;
        return -1;
    }
    /* libxenstore's device paths on Linux. */
    path = "/dev/xen/xenbus";
    fd = open(path, O_RDWR | O_CLOEXEC | nonblock);
    if (fd < 0 && errno == ENOENT) {
        path = "/proc/xen/xenbus";
        fd = open(path, O_RDWR | O_CLOEXEC | nonblock);
    }
    if (fd < 0) {
        if (log_ctx)
            LOGE(log_ctx, ERROR, "cannot open a xenstore connection (%s)",
                 path);
        return -1;
    }
    *is_socket_r = false;
    return fd;
}

/* ----------------------------------------------------------- requests */

int libxl__xswire_put(libxl__xswire_out *o, uint32_t type, uint32_t req_id,
                      const char *a, const void *b, size_t lb)
{
    return libxl__xswire_put_tx(o, type, req_id, 0, a, b, lb);
}

int libxl__xswire_put_tx(libxl__xswire_out *o, uint32_t type,
                         uint32_t req_id, uint32_t tx_id,
                         const char *a, const void *b, size_t lb)
{
    size_t la = strlen(a) + 1;

    if (la > XENSTORE_PAYLOAD_MAX || lb > XENSTORE_PAYLOAD_MAX - la)
        return ERROR_INVAL;

    struct xsd_sockmsg hdr = {
        .type = type, .req_id = req_id, .tx_id = tx_id,
        .len = (uint32_t)(la + lb),
    };
    size_t need = o->len + LIBXL__XSWIRE_HDR + la + lb;

    if (need > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < need) cap *= 2;
        char *nb = realloc(o->buf, cap);
        if (!nb) return ERROR_NOMEM;
        o->buf = nb;
        o->cap = cap;
    }
    char *p = o->buf + o->len;
    memcpy(p, &hdr, LIBXL__XSWIRE_HDR);
    memcpy(p + LIBXL__XSWIRE_HDR, a, la);
    if (lb) memcpy(p + LIBXL__XSWIRE_HDR + la, b, lb);
    o->len = need;
    return 0;
}

/* The end of the message that starts at msg_off (queued whole). */
static size_t msg_end(const libxl__xswire_out *o)
{
    struct xsd_sockmsg hdr;

    memcpy(&hdr, o->buf + o->msg_off, LIBXL__XSWIRE_HDR);
    return o->msg_off + LIBXL__XSWIRE_HDR + hdr.len;
}

int libxl__xswire_flush(int fd, bool is_socket, libxl__xswire_out *o)
{
    while (o->off < o->len) {
        size_t end = is_socket ? o->len : msg_end(o);
        const char *p = o->buf + o->off;
        size_t n = end - o->off;
        /* A socket whose peer has gone must not raise SIGPIPE. */
        ssize_t r = is_socket ? send(fd, p, n, MSG_NOSIGNAL)
                              : write(fd, p, n);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return 0;
            return errno;
        }
        if (r == 0) return EIO;
        o->off += (size_t)r;
        if (!is_socket && o->off == end) o->msg_off = end;
    }
    libxl__xswire_out_clear(o);
    return 0;
}

void libxl__xswire_out_clear(libxl__xswire_out *o)
{
    o->off = o->msg_off = o->len = 0;
}

void libxl__xswire_out_dispose(libxl__xswire_out *o)
{
    free(o->buf);
    o->buf = NULL;
    o->cap = 0;
    libxl__xswire_out_clear(o);
}

/* ----------------------------------------------------------- messages */

int libxl__xswire_in_alloc(libxl__xswire_in *in, size_t cap)
{
    if (in->buf) return 0;
    if (cap < MSG_MAX) cap = MSG_MAX;
    in->buf = malloc(cap);
    if (!in->buf) return ERROR_NOMEM;
    in->cap = cap;
    in->len = 0;
    return 0;
}

void libxl__xswire_in_dispose(libxl__xswire_in *in)
{
    free(in->buf);
    in->buf = NULL;
    in->len = in->cap = 0;
}

ssize_t libxl__xswire_fill(int fd, libxl__xswire_in *in, size_t max)
{
    size_t room = in->cap - in->len;
    ssize_t r;

    if (room > max) room = max;
    do r = read(fd, in->buf + in->len, room);
    while (r < 0 && errno == EINTR);
    if (r > 0) in->len += (size_t)r;
    return r;
}

int libxl__xswire_next(const libxl__xswire_in *in, size_t *off,
                       libxl__xswire_msg *m)
{
    size_t have = in->len - *off;

    if (have < LIBXL__XSWIRE_HDR) return 0;
    memcpy(&m->hdr, in->buf + *off, LIBXL__XSWIRE_HDR);
    if (m->hdr.len > XENSTORE_PAYLOAD_MAX) return -1;
    if (have - LIBXL__XSWIRE_HDR < m->hdr.len) return 0;
    m->body = in->buf + *off + LIBXL__XSWIRE_HDR;
    *off += LIBXL__XSWIRE_HDR + m->hdr.len;
    return 1;
}

void libxl__xswire_consume(libxl__xswire_in *in, size_t off)
{
    if (!off) return;
    memmove(in->buf, in->buf + off, in->len - off);
    in->len -= off;
}

/* ------------------------------------------------------------- errors */

int libxl__xswire_errno(const char *text, size_t len)
{
    len = strnlen(text, len);
    for (size_t i = 0; i < ARRAY_SIZE(xsd_errors); i++)
        if (strlen(xsd_errors[i].errstring) == len &&
            !memcmp(text, xsd_errors[i].errstring, len))
            return xsd_errors[i].errnum;
    return EIO;
}
