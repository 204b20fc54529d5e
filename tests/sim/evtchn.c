/*
 * evtchn.c: the simulated event channels (libxenevtchn interposed). Each
 * handle is a unix datagram socket with an abstract address private to the
 * host; an event is one datagram carrying the port, so poll() works. Port
 * bindings live in the shared state so any process can raise an event.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xenevtchn.h>

#include "sim.h"

struct xenevtchn_handle {
    int fd;
    uint32_t ep;
    struct sim_state *s;
};

static int send_fd = -1;
static pthread_mutex_t send_lock = PTHREAD_MUTEX_INITIALIZER;

static void name_address(struct sim_state *s, const char *name,
                         struct sockaddr_un *a, socklen_t *len)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "xensim-%016llx-%s",
                     (unsigned long long)s->hostid, name);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

void sim_ep_address(struct sim_state *s, uint32_t ep, void *sun, unsigned *len)
{
    char name[16];
    snprintf(name, sizeof(name), "%u", ep);
    socklen_t l;
    name_address(s, name, sun, &l);
    *len = l;
}

EXPORT int xensim_named_address(const char *name, void *sun, unsigned *len)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    socklen_t l;
    name_address(s, name, sun, &l);
    *len = l;
    return 0;
}

static int sender(void)
{
    pthread_mutex_lock(&send_lock);
    if (send_fd < 0)
        send_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int fd = send_fd;
    pthread_mutex_unlock(&send_lock);
    return fd;
}

/*
 * Queue one datagram for port on endpoint ep unless one is already queued
 * (*pending set): events coalesce as on Xen, and a receiver's queue holds
 * at most one datagram per port.
 */
static void deliver(struct sim_state *s, uint32_t ep, uint32_t port, uint32_t *pending)
{
    if (!ep || __atomic_exchange_n(pending, 1, __ATOMIC_SEQ_CST))
        return;
    struct sockaddr_un a;
    unsigned len;
    sim_ep_address(s, ep, &a, &len);
    int fd = sender();
    uint64_t deadline = sim_now_ns() + 3000000000ull;
    for (;;) {
        ssize_t r = sendto(fd, &port, sizeof(port), MSG_DONTWAIT | MSG_NOSIGNAL,
                           (struct sockaddr *)&a, len);
        if (r == (ssize_t)sizeof(port)) {
            sim_count(CTR_EVENTS_SENT);
            return;
        }
        if (r < 0 && errno == EAGAIN && sim_now_ns() < deadline) {
            struct timespec ts = { 0, 200000 };   /* receiver queue full */
            nanosleep(&ts, NULL);
            continue;
        }
        break;   /* receiver gone: the event is lost, as with a dead guest */
    }
    __atomic_store_n(pending, 0, __ATOMIC_SEQ_CST);
    sim_count(CTR_EVENTS_DROPPED);
}

void sim_deliver_dom0(struct sim_state *s, uint32_t port)
{
    if (port == 0 || port >= SIM_NR_PORTS)
        return;
    sim_lock(s);
    uint32_t ep = s->ports[port].type != PORT_FREE ? s->ports[port].ep : 0;
    sim_unlock(s);
    deliver(s, ep, port, &s->ports[port].pending);
}

void sim_raise_virq(struct sim_state *s, uint32_t virq)
{
    if (virq >= SIM_NR_VIRQS)
        return;
    sim_count(CTR_VIRQ_RAISED);
    sim_deliver_dom0(s, __atomic_load_n(&s->virq_port[virq], __ATOMIC_SEQ_CST));
}

/* Under the lock: a free dom0 port, or 0. */
static uint32_t alloc_port_locked(struct sim_state *s, uint32_t ep, uint32_t type)
{
    for (uint32_t n = 0; n < SIM_NR_PORTS; n++) {
        uint32_t p = s->port_hint + n;
        if (p >= SIM_NR_PORTS)
            p = p - SIM_NR_PORTS + 2;
        if (p < 2 || p >= SIM_NR_PORTS)
            continue;
        if (s->ports[p].type == PORT_FREE) {
            memset(&s->ports[p], 0, sizeof(s->ports[p]));
            s->ports[p].type = type;
            s->ports[p].ep = ep;
            s->port_hint = p + 1 < SIM_NR_PORTS ? p + 1 : 2;
            return p;
        }
    }
    return 0;
}

static void free_port_locked(struct sim_state *s, uint32_t p)
{
    struct sim_port *e = &s->ports[p];
    if (e->type == PORT_INTERDOMAIN && e->remote_dom &&
        e->remote_dom < SIM_NR_DOMIDS && s->doms[e->remote_dom].store_peer == p)
        s->doms[e->remote_dom].store_peer = 0;
    if (e->type == PORT_VIRQ && e->virq < SIM_NR_VIRQS && s->virq_port[e->virq] == p)
        s->virq_port[e->virq] = 0;
    memset(e, 0, sizeof(*e));
}

/* ------------------------------------------------------------ libxenevtchn */

EXPORT xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
                                        unsigned int flags)
{
    (void)logger;
    struct sim_state *s = sim_state();
    if (!s)
        return NULL;
    sim_count(CTR_EVTCHN_OPEN);
    xenevtchn_handle *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->s = s;
    h->ep = __atomic_fetch_add(&s->next_ep, 1, __ATOMIC_SEQ_CST);
    int type = SOCK_DGRAM | ((flags & XENEVTCHN_NO_CLOEXEC) ? 0 : SOCK_CLOEXEC);
    h->fd = socket(AF_UNIX, type, 0);
    struct sockaddr_un a;
    unsigned len;
    sim_ep_address(s, h->ep, &a, &len);
    if (h->fd < 0 || bind(h->fd, (struct sockaddr *)&a, len) < 0) {
        int e = errno;
        if (h->fd >= 0)
            close(h->fd);
        free(h);
        errno = e;
        return NULL;
    }
    return h;
}

EXPORT xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger,
                                          int fd, unsigned int flags)
{
    (void)logger; (void)fd; (void)flags;
    sim_log("xenevtchn_fdopen: not simulated");
    errno = ENOSYS;
    return NULL;
}

EXPORT int xenevtchn_close(xenevtchn_handle *h)
{
    if (!h)
        return 0;
    sim_lock(h->s);
    for (uint32_t p = 2; p < SIM_NR_PORTS; p++)
        if (h->s->ports[p].type != PORT_FREE && h->s->ports[p].ep == h->ep)
            free_port_locked(h->s, p);
    sim_unlock(h->s);
    close(h->fd);
    free(h);
    return 0;
}

EXPORT int xenevtchn_fd(xenevtchn_handle *h)
{
    return h->fd;
}

EXPORT int xenevtchn_restrict(xenevtchn_handle *h, domid_t domid)
{
    (void)h; (void)domid;
    return 0;
}

EXPORT int xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port)
{
    struct sim_state *s = h->s;
    sim_count(CTR_EVTCHN_NOTIFY);
    if (port == 0 || port >= SIM_NR_PORTS) {
        errno = EINVAL;
        return -1;
    }
    sim_lock(s);
    struct sim_port e = s->ports[port];
    sim_unlock(s);
    if (e.type == PORT_FREE) {
        errno = EINVAL;
        return -1;
    }
    if (e.type != PORT_INTERDOMAIN)
        return 0;
    if (e.remote_dom == 0) {
        sim_deliver_dom0(s, e.remote_port);
    } else if (e.remote_dom < SIM_NR_DOMIDS) {
        struct sim_domain *d = &s->doms[e.remote_dom];
        sim_lock(s);
        uint32_t ep = d->state != DOM_FREE ? d->guest_ep : 0;
        sim_unlock(s);
        deliver(s, ep, e.remote_port, &d->guest_pending);
    }
    return 0;
}

EXPORT xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *h,
                                                             uint32_t domid)
{
    sim_count(CTR_EVTCHN_BIND_UNBOUND);
    sim_lock(h->s);
    uint32_t p = alloc_port_locked(h->s, h->ep, PORT_UNBOUND);
    if (p)
        h->s->ports[p].remote_dom = domid;
    sim_unlock(h->s);
    if (!p) {
        errno = ENOSPC;
        return -1;
    }
    return (int)p;
}

EXPORT xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *h,
                                                            uint32_t domid,
                                                            evtchn_port_t remote_port)
{
    struct sim_state *s = h->s;
    sim_count(CTR_EVTCHN_BIND_INTERDOMAIN);
    int err = 0;
    uint32_t p = 0;
    sim_lock(s);
    if (domid >= SIM_NR_DOMIDS || s->doms[domid].state != DOM_ALIVE)
        err = ESRCH;
    else if (domid == 0 && (remote_port >= SIM_NR_PORTS ||
                            s->ports[remote_port].type == PORT_FREE))
        err = EINVAL;
    else if (domid != 0 && (remote_port != SIM_STORE_PORT || s->doms[domid].store_peer))
        err = EINVAL;       /* only the xenstore port, bound once */
    else if (!(p = alloc_port_locked(s, h->ep, PORT_INTERDOMAIN)))
        err = ENOSPC;
    else {
        s->ports[p].remote_dom = domid;
        s->ports[p].remote_port = remote_port;
        if (domid != 0)
            s->doms[domid].store_peer = p;
    }
    sim_unlock(s);
    if (err) {
        errno = err;
        return -1;
    }
    return (int)p;
}

EXPORT xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *h,
                                                     unsigned int virq)
{
    struct sim_state *s = h->s;
    sim_count(CTR_EVTCHN_BIND_VIRQ);
    if (virq >= SIM_NR_VIRQS) {
        errno = EINVAL;
        return -1;
    }
    int err = 0;
    uint32_t p = 0;
    sim_lock(s);
    if (s->virq_port[virq])
        err = EEXIST;
    else if (!(p = alloc_port_locked(s, h->ep, PORT_VIRQ)))
        err = ENOSPC;
    else {
        s->ports[p].virq = virq;
        s->virq_port[virq] = p;
    }
    sim_unlock(s);
    if (err) {
        errno = err;
        return -1;
    }
    return (int)p;
}

EXPORT int xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t port)
{
    struct sim_state *s = h->s;
    sim_count(CTR_EVTCHN_UNBIND);
    int err = 0;
    sim_lock(s);
    if (port == 0 || port >= SIM_NR_PORTS || s->ports[port].type == PORT_FREE ||
        s->ports[port].ep != h->ep)
        err = EINVAL;
    else
        free_port_locked(s, port);
    sim_unlock(s);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

EXPORT xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *h)
{
    uint32_t port;
    sim_count(CTR_EVTCHN_PENDING);
    ssize_t r = recv(h->fd, &port, sizeof(port), 0);
    if (r != (ssize_t)sizeof(port)) {
        if (r >= 0)
            errno = EIO;
        return -1;
    }
    if (port < SIM_NR_PORTS)
        __atomic_store_n(&h->s->ports[port].pending, 0, __ATOMIC_SEQ_CST);
    return (int)port;
}

EXPORT int xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port)
{
    (void)h; (void)port;
    return 0;
}

/* ------------------------------------------------------------ guest side */

static bool pid_running(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

EXPORT void *xensim_guest_ring(uint32_t domid)
{
    struct sim_state *s = sim_state();
    if (!s || domid == 0 || domid >= SIM_NR_DOMIDS)
        return NULL;
    return sim_ring(s, domid);
}

EXPORT int xensim_guest_attach(uint32_t domid)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    if (domid == 0 || domid >= SIM_NR_DOMIDS)
        return -EINVAL;
    uint32_t ep = __atomic_fetch_add(&s->next_ep, 1, __ATOMIC_SEQ_CST);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_un a;
    unsigned len;
    sim_ep_address(s, ep, &a, &len);
    if (bind(fd, (struct sockaddr *)&a, len) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    int err = 0;
    struct sim_domain *d = &s->doms[domid];
    sim_lock(s);
    if (d->state == DOM_FREE)
        err = ESRCH;
    else if (d->guest_ep && d->guest_pid && d->guest_pid != getpid() &&
             pid_running(d->guest_pid))
        err = EBUSY;
    else {
        d->guest_ep = ep;
        d->guest_pid = getpid();
        d->guest_pending = 0;
    }
    sim_unlock(s);
    if (err) {
        close(fd);
        return -err;
    }
    return fd;
}

EXPORT void xensim_guest_detach(uint32_t domid, int fd)
{
    struct sim_state *s = sim_state();
    if (s && domid < SIM_NR_DOMIDS) {
        sim_lock(s);
        struct sim_domain *d = &s->doms[domid];
        if (d->guest_pid == getpid()) {
            d->guest_ep = 0;
            d->guest_pid = 0;
        }
        sim_unlock(s);
    }
    if (fd >= 0)
        close(fd);
}

EXPORT int xensim_guest_notify(uint32_t domid)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    if (domid == 0 || domid >= SIM_NR_DOMIDS)
        return -EINVAL;
    sim_lock(s);
    uint32_t p = s->doms[domid].state != DOM_FREE ? s->doms[domid].store_peer : 0;
    sim_unlock(s);
    if (!p)
        return -ENOTCONN;
    sim_deliver_dom0(s, p);
    return 0;
}

EXPORT int xensim_guest_wait(uint32_t domid, int fd, int timeout_ms)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int r = poll(&pfd, 1, timeout_ms);
    if (r <= 0)
        return r < 0 && errno != EINTR ? -errno : 0;
    uint32_t port;
    while (recv(fd, &port, sizeof(port), MSG_DONTWAIT) > 0)
        ;
    if (domid < SIM_NR_DOMIDS)
        __atomic_store_n(&s->doms[domid].guest_pending, 0, __ATOMIC_SEQ_CST);
    return 1;
}
