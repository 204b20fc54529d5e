/*
 * xsclient.c: xenstore wire protocol for the simulator's CLI and guests:
 * messages over xenstored's socket, or through a domain's ring page in
 * pieces of at most 1 KiB, signalling xenstored's event channel as it goes.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xensim.h"
#include "xsclient.h"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int xsc_errno(const char *name)
{
    static const struct { const char *n; int e; } tab[] = {
        { "EINVAL", EINVAL }, { "EACCES", EACCES }, { "EEXIST", EEXIST },
        { "EISDIR", EISDIR }, { "ENOENT", ENOENT }, { "ENOMEM", ENOMEM },
        { "ENOSPC", ENOSPC }, { "EIO", EIO }, { "ENOTEMPTY", ENOTEMPTY },
        { "ENOSYS", ENOSYS }, { "EROFS", EROFS }, { "EBUSY", EBUSY },
        { "EAGAIN", EAGAIN }, { "EISCONN", EISCONN }, { "E2BIG", E2BIG },
        { "EPERM", EPERM }, { "EQUOTA", EDQUOT },
    };
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (strcmp(tab[i].n, name) == 0)
            return tab[i].e;
    return EIO;
}

int xsc_open_socket(struct xsc *c, const char *path)
{
    memset(c, 0, sizeof(*c));
    c->events_tail = &c->events;
    c->timeout_ms = 10000;
    c->next_req = 1;
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(a.sun_path))
        return ENAMETOOLONG;
    strcpy(a.sun_path, path);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return errno;
    if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int e = errno;
        close(c->fd);
        c->fd = -1;
        return e;
    }
    return 0;
}

void xsc_open_ring(struct xsc *c, uint32_t domid, int evfd)
{
    memset(c, 0, sizeof(*c));
    c->events_tail = &c->events;
    c->timeout_ms = 10000;
    c->next_req = 1;
    c->fd = -1;
    c->domid = domid;
    c->evfd = evfd;
    c->ring = xensim_guest_ring(domid);
}

void xsc_close(struct xsc *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    while (c->events) {
        struct xsc_event *e = c->events;
        c->events = e->next;
        free(e->path);
        free(e);
    }
    c->events_tail = &c->events;
}

/* ------------------------------------------------------------ transports */

static int sock_write(struct xsc *c, const void *p, size_t len)
{
    const char *b = p;
    while (len) {
        ssize_t r = send(c->fd, b, len, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        b += r;
        len -= (size_t)r;
    }
    return 0;
}

static int sock_read(struct xsc *c, void *p, size_t len, uint64_t deadline)
{
    char *b = p;
    while (len) {
        uint64_t now = now_ms();
        if (now >= deadline)
            return ETIMEDOUT;
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        int pr = poll(&pfd, 1, (int)(deadline - now));
        if (pr < 0 && errno != EINTR)
            return errno;
        if (pr <= 0)
            continue;
        ssize_t r = recv(c->fd, b, len, 0);
        if (r == 0)
            return ECONNRESET;
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return errno;
        }
        b += r;
        len -= (size_t)r;
    }
    return 0;
}

/* Block until xenstored signals us (or a short while passes). */
static int ring_wait(struct xsc *c, uint64_t deadline)
{
    uint64_t now = now_ms();
    if (now >= deadline)
        return ETIMEDOUT;
    if (!xensim_host_alive())
        return ESHUTDOWN;
    uint64_t left = deadline - now;
    xensim_guest_wait(c->domid, c->evfd, left < 50 ? (int)left : 50);
    return 0;
}

static int ring_write(struct xsc *c, const void *p, size_t len, uint64_t deadline)
{
    struct xenstore_domain_interface *r = c->ring;
    const char *b = p;
    while (len) {
        XENSTORE_RING_IDX cons = __atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE);
        XENSTORE_RING_IDX prod = r->req_prod;
        uint32_t space = XENSTORE_RING_SIZE - (prod - cons);
        if (space == 0) {
            xensim_guest_notify(c->domid);
            int e = ring_wait(c, deadline);
            if (e)
                return e;
            continue;
        }
        uint32_t chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);
        if (chunk > space)
            chunk = space;
        if (chunk > len)
            chunk = (uint32_t)len;
        memcpy(r->req + MASK_XENSTORE_IDX(prod), b, chunk);
        __atomic_store_n(&r->req_prod, prod + chunk, __ATOMIC_RELEASE);
        xensim_guest_notify(c->domid);
        b += chunk;
        len -= chunk;
    }
    return 0;
}

static int ring_read(struct xsc *c, void *p, size_t len, uint64_t deadline)
{
    struct xenstore_domain_interface *r = c->ring;
    char *b = p;
    while (len) {
        XENSTORE_RING_IDX prod = __atomic_load_n(&r->rsp_prod, __ATOMIC_ACQUIRE);
        XENSTORE_RING_IDX cons = r->rsp_cons;
        uint32_t avail = prod - cons;
        if (avail == 0) {
            int e = ring_wait(c, deadline);
            if (e)
                return e;
            continue;
        }
        if (avail > XENSTORE_RING_SIZE)
            return EIO;
        uint32_t chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons);
        if (chunk > avail)
            chunk = avail;
        if (chunk > len)
            chunk = (uint32_t)len;
        memcpy(b, r->rsp + MASK_XENSTORE_IDX(cons), chunk);
        __atomic_store_n(&r->rsp_cons, cons + chunk, __ATOMIC_RELEASE);
        xensim_guest_notify(c->domid);   /* xenstored may wait for room */
        b += chunk;
        len -= chunk;
    }
    return 0;
}

static int xs_write_bytes(struct xsc *c, const void *p, size_t len, uint64_t deadline)
{
    return c->fd >= 0 ? sock_write(c, p, len) : ring_write(c, p, len, deadline);
}

static int xs_read_bytes(struct xsc *c, void *p, size_t len, uint64_t deadline)
{
    return c->fd >= 0 ? sock_read(c, p, len, deadline) : ring_read(c, p, len, deadline);
}

/* ------------------------------------------------------------ messages */

int xsc_send(struct xsc *c, uint32_t type, uint32_t tx, const void *p, size_t len,
             uint32_t *req_id)
{
    if (len > XENSTORE_PAYLOAD_MAX)
        return E2BIG;
    struct xsd_sockmsg h = { .type = type, .req_id = c->next_req++, .tx_id = tx,
                             .len = (uint32_t)len };
    uint64_t deadline = now_ms() + (uint64_t)c->timeout_ms;
    int e = xs_write_bytes(c, &h, sizeof(h), deadline);
    if (!e && len)
        e = xs_write_bytes(c, p, len, deadline);
    if (!e && req_id)
        *req_id = h.req_id;
    return e;
}

int xsc_recv(struct xsc *c, struct xs_msg *m, int timeout_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    memset(m, 0, sizeof(*m));
    int e = xs_read_bytes(c, &m->hdr, sizeof(m->hdr), deadline);
    if (e)
        return e;
    if (m->hdr.len > XENSTORE_PAYLOAD_MAX * 2)
        return EIO;
    m->body = malloc(m->hdr.len + 1);
    if (!m->body)
        return ENOMEM;
    /* The header arrived: the body follows promptly. */
    e = xs_read_bytes(c, m->body, m->hdr.len, deadline + 10000);
    if (e) {
        free(m->body);
        m->body = NULL;
        return e;
    }
    m->body[m->hdr.len] = 0;
    return 0;
}

static void queue_event(struct xsc *c, struct xs_msg *m)
{
    struct xsc_event *ev = calloc(1, sizeof(*ev));
    if (!ev) {
        free(m->body);
        return;
    }
    ev->path = m->body;                   /* "path\0token\0" */
    size_t pl = strlen(m->body);
    ev->token = pl < m->hdr.len ? m->body + pl + 1 : m->body + pl;
    *c->events_tail = ev;
    c->events_tail = &ev->next;
}

int xsc_call(struct xsc *c, uint32_t type, uint32_t tx, const void *p, size_t len,
             char **reply, uint32_t *rlen)
{
    uint32_t id;
    int e = xsc_send(c, type, tx, p, len, &id);
    if (e)
        return e;
    for (;;) {
        struct xs_msg m;
        e = xsc_recv(c, &m, c->timeout_ms);
        if (e)
            return e;
        if (m.hdr.type == XS_WATCH_EVENT) {
            queue_event(c, &m);
            continue;
        }
        if (m.hdr.req_id != id) {        /* a stale reply: skip it */
            free(m.body);
            continue;
        }
        if (m.hdr.type == XS_ERROR) {
            e = xsc_errno(m.body);
            free(m.body);
            return e;
        }
        if (rlen)
            *rlen = m.hdr.len;
        if (reply)
            *reply = m.body;
        else
            free(m.body);
        return 0;
    }
}

int xsc_event(struct xsc *c, char **path, char **token, int timeout_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    while (!c->events) {
        uint64_t now = now_ms();
        if (now >= deadline)
            return ETIMEDOUT;
        struct xs_msg m;
        int e;
        if (c->fd < 0) {
            /* On a ring, only wait when nothing is there yet. */
            XENSTORE_RING_IDX prod = __atomic_load_n(&c->ring->rsp_prod, __ATOMIC_ACQUIRE);
            if (prod == c->ring->rsp_cons) {
                e = ring_wait(c, deadline);
                if (e)
                    return e;
                continue;
            }
        }
        e = xsc_recv(c, &m, (int)(deadline - now));
        if (e)
            return e;
        if (m.hdr.type == XS_WATCH_EVENT)
            queue_event(c, &m);
        else
            free(m.body);
    }
    struct xsc_event *ev = c->events;
    c->events = ev->next;
    if (!c->events)
        c->events_tail = &c->events;
    *path = ev->path;        /* one allocation: free(*path) frees both */
    *token = ev->token;
    free(ev);
    return 0;
}

size_t xsc_strings(char *buf, size_t size, const char *const *v, int n)
{
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(v[i]) + 1;
        if (off + l > size)
            return 0;
        memcpy(buf + off, v[i], l);
        off += l;
    }
    return off;
}

int xsc_write(struct xsc *c, uint32_t tx, const char *path, const void *v, size_t len)
{
    size_t pl = strlen(path) + 1;
    char *buf = malloc(pl + len);
    if (!buf)
        return ENOMEM;
    memcpy(buf, path, pl);
    memcpy(buf + pl, v, len);
    int e = xsc_call(c, XS_WRITE, tx, buf, pl + len, NULL, NULL);
    free(buf);
    return e;
}

int xsc_read(struct xsc *c, uint32_t tx, const char *path, char **value)
{
    return xsc_call(c, XS_READ, tx, path, strlen(path) + 1, value, NULL);
}

int xsc_rm(struct xsc *c, uint32_t tx, const char *path)
{
    return xsc_call(c, XS_RM, tx, path, strlen(path) + 1, NULL, NULL);
}

int xsc_watch(struct xsc *c, const char *path, const char *token)
{
    char buf[1024];
    const char *v[] = { path, token };
    size_t n = xsc_strings(buf, sizeof(buf), v, 2);
    if (!n)
        return E2BIG;
    return xsc_call(c, XS_WATCH, 0, buf, n, NULL, NULL);
}
