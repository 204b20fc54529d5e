/*
 * xenbus.c: `xensim xenbus DOMID SOCKET`, a process that lets programs
 * act as domain DOMID, as Linux's /dev/xen/xenbus does inside a domain:
 * it attaches as the guest end of the domain's xenstore ring and serves a
 * unix socket at SOCKET on which any number of libxenstore clients
 * (XENSTORED_PATH=SOCKET) speak the wire protocol. Their requests go to
 * xenstored over the ring, so xenstored treats them as the domain: its
 * permissions, relative paths resolved under /local/domain/DOMID, its
 * quotas. As the kernel driver, it multiplexes: request ids are made
 * unique on the ring and given back, watch tokens get a per-client prefix
 * so each event reaches the client that set it, and a client that goes
 * away has its watches removed. Transaction ids pass through unchanged
 * (xenstored numbers them per connection: the ring).
 *
 * It prints "ready" on standard output once the socket listens, and runs
 * until SIGTERM or the host goes. The domain must have no guest process
 * (`create` without --guest): the ring has one guest end.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "xbdev.h"
#include "xensim.h"
#include "xsclient.h"

#define MAX_CLIENTS 32
#define MAX_PENDING 1024
#define MAX_WATCHES 64

struct client {
    int fd;                        /* -1: free slot */
    unsigned id;                   /* token prefix "xbN:" */
    /* the watches it set, as sent to xenstored (path, prefixed token) */
    char *watch_path[MAX_WATCHES], *watch_token[MAX_WATCHES];
};

struct pending {                   /* a request forwarded on the ring */
    uint32_t ring_req, client_req;
    int slot;                      /* -1: our own (clean-up) */
    unsigned id;                   /* the client's id when it was sent */
};

struct proxy {
    struct xsc c;
    struct client cl[MAX_CLIENTS];
    struct pending pend[MAX_PENDING];
    unsigned npend, next_id;
};

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static bool read_full(int fd, void *p, size_t len)
{
    char *b = p;
    while (len) {
        ssize_t r = read(fd, b, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        b += r;
        len -= (size_t)r;
    }
    return true;
}

static bool write_full(int fd, const void *p, size_t len)
{
    const char *b = p;
    while (len) {
        ssize_t r = send(fd, b, len, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        b += r;
        len -= (size_t)r;
    }
    return true;
}

static int forward(struct proxy *p, int slot, uint32_t type, uint32_t tx,
                   uint32_t client_req, const void *body, size_t len)
{
    uint32_t req;
    if (p->npend == MAX_PENDING)
        return ENOSPC;
    int e = xsc_send(&p->c, type, tx, body, len, &req);
    if (e)
        return e;
    p->pend[p->npend++] = (struct pending){
        .ring_req = req, .client_req = client_req, .slot = slot,
        .id = slot >= 0 ? p->cl[slot].id : 0 };
    return 0;
}

static void drop_client(struct proxy *p, int slot)
{
    struct client *cl = &p->cl[slot];
    for (int i = 0; i < MAX_WATCHES; i++) {
        if (!cl->watch_path[i])
            continue;
        char buf[XENSTORE_PAYLOAD_MAX];
        const char *v[] = { cl->watch_path[i], cl->watch_token[i] };
        size_t n = xsc_strings(buf, sizeof(buf), v, 2);
        forward(p, -1, XS_UNWATCH, 0, 0, buf, n);
        free(cl->watch_path[i]);
        free(cl->watch_token[i]);
        cl->watch_path[i] = cl->watch_token[i] = NULL;
    }
    close(cl->fd);
    cl->fd = -1;
}

/* A (un)watch from a client: its token gets the client's prefix, and
 * the proxy remembers the watch. body is "PATH\0TOKEN\0". */
static int watch_request(struct proxy *p, int slot, struct xsd_sockmsg *h,
                         const char *body)
{
    struct client *cl = &p->cl[slot];
    size_t pl = strnlen(body, h->len);
    if (pl + 1 >= h->len)
        return EINVAL;
    const char *path = body, *token = body + pl + 1;
    if (strnlen(token, h->len - pl - 1) == h->len - pl - 1)
        return EINVAL;
    char tok[XENSTORE_PAYLOAD_MAX], buf[XENSTORE_PAYLOAD_MAX];
    snprintf(tok, sizeof(tok), "xb%u:%s", cl->id, token);
    const char *v[] = { path, tok };
    size_t n = xsc_strings(buf, sizeof(buf), v, 2);
    if (!n || n > XENSTORE_PAYLOAD_MAX)
        return E2BIG;
    for (int i = 0; i < MAX_WATCHES; i++) {
        bool same = cl->watch_path[i] && !strcmp(cl->watch_path[i], path) &&
                    !strcmp(cl->watch_token[i], tok);
        if (h->type == XS_UNWATCH && same) {
            free(cl->watch_path[i]);
            free(cl->watch_token[i]);
            cl->watch_path[i] = cl->watch_token[i] = NULL;
            break;
        }
        if (h->type == XS_WATCH && !cl->watch_path[i]) {
            cl->watch_path[i] = strdup(path);
            cl->watch_token[i] = strdup(tok);
            break;
        }
    }
    return forward(p, slot, h->type, h->tx_id, h->req_id, buf, n);
}

/* One message from a client; false when it has gone. */
static bool from_client(struct proxy *p, int slot)
{
    struct xsd_sockmsg h;
    char body[XENSTORE_PAYLOAD_MAX + 1];
    int fd = p->cl[slot].fd;
    if (!read_full(fd, &h, sizeof(h)) || h.len > XENSTORE_PAYLOAD_MAX ||
        !read_full(fd, body, h.len))
        return false;
    body[h.len] = 0;
    int e = (h.type == XS_WATCH || h.type == XS_UNWATCH)
                ? watch_request(p, slot, &h, body)
                : forward(p, slot, h.type, h.tx_id, h.req_id, body, h.len);
    if (e) {
        /* answered here, as xenstored would refuse it */
        const char *name = e == E2BIG ? "E2BIG" : e == ENOSPC ? "ENOSPC" : "EINVAL";
        struct xsd_sockmsg r = { .type = XS_ERROR, .req_id = h.req_id,
                                 .tx_id = h.tx_id, .len = (uint32_t)strlen(name) + 1 };
        return write_full(fd, &r, sizeof(r)) && write_full(fd, name, r.len);
    }
    return true;
}

/* One message from xenstored: a reply goes to whoever asked, a watch
 * event to the client whose token it carries. */
static void from_ring(struct proxy *p, struct xs_msg *m)
{
    if (m->hdr.type == XS_WATCH_EVENT) {
        size_t pl = strnlen(m->body, m->hdr.len);
        if (pl + 1 >= m->hdr.len)
            return;
        const char *tok = m->body + pl + 1;
        unsigned id;
        int n = 0;
        if (sscanf(tok, "xb%u:%n", &id, &n) != 1 || !n)
            return;
        for (int s = 0; s < MAX_CLIENTS; s++) {
            if (p->cl[s].fd < 0 || p->cl[s].id != id)
                continue;
            char buf[XENSTORE_PAYLOAD_MAX * 2];
            const char *v[] = { m->body, tok + n };
            size_t len = xsc_strings(buf, sizeof(buf), v, 2);
            struct xsd_sockmsg h = m->hdr;
            h.len = (uint32_t)len;
            if (!write_full(p->cl[s].fd, &h, sizeof(h)) ||
                !write_full(p->cl[s].fd, buf, len))
                drop_client(p, s);
        }
        return;
    }
    for (unsigned i = 0; i < p->npend; i++) {
        if (p->pend[i].ring_req != m->hdr.req_id)
            continue;
        struct pending pd = p->pend[i];
        memmove(&p->pend[i], &p->pend[i + 1], (p->npend - i - 1) * sizeof(pd));
        p->npend--;
        if (pd.slot < 0 || p->cl[pd.slot].fd < 0 || p->cl[pd.slot].id != pd.id)
            return;               /* ours, or its client has gone */
        struct xsd_sockmsg h = m->hdr;
        h.req_id = pd.client_req;
        if (!write_full(p->cl[pd.slot].fd, &h, sizeof(h)) ||
            !write_full(p->cl[pd.slot].fd, m->body, h.len))
            drop_client(p, pd.slot);
        return;
    }
}

static bool ring_has_data(struct proxy *p)
{
    struct xenstore_domain_interface *r = p->c.ring;
    return __atomic_load_n(&r->rsp_prod, __ATOMIC_ACQUIRE) != r->rsp_cons;
}

int cmd_xenbus(int argc, char **argv)
{
    static const char *syn = "xenbus DOMID SOCKET";
    unsigned domid;
    if (argc != 3 || !xb_parse_uint(argv[1], 0x7fef, &domid) || !domid)
        return cli_usage(syn);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(argv[2]) >= sizeof(a.sun_path))
        return cli_usage(syn);
    strcpy(a.sun_path, argv[2]);
    int evfd = xensim_guest_attach(domid);
    if (evfd < 0) {
        fprintf(stderr, "xensim xenbus: attaching to domain %u: %s\n", domid,
                strerror(-evfd));
        return 1;
    }
    static struct proxy p;
    xsc_open_ring(&p.c, domid, evfd);
    for (int i = 0; i < MAX_CLIENTS; i++)
        p.cl[i].fd = -1;
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(a.sun_path);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        listen(lfd, 16) < 0) {
        fprintf(stderr, "xensim xenbus: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    printf("ready\n");
    fflush(stdout);
    while (!stop && xensim_host_alive()) {
        struct pollfd pf[MAX_CLIENTS + 2];
        int slot_of[MAX_CLIENTS + 2], n = 0;
        pf[n] = (struct pollfd){ .fd = lfd, .events = POLLIN };
        slot_of[n++] = -1;
        pf[n] = (struct pollfd){ .fd = evfd, .events = POLLIN };
        slot_of[n++] = -1;
        for (int s = 0; s < MAX_CLIENTS; s++)
            if (p.cl[s].fd >= 0) {
                pf[n] = (struct pollfd){ .fd = p.cl[s].fd, .events = POLLIN };
                slot_of[n++] = s;
            }
        /* the timeout only bounds how late a missed notification is seen */
        if (!ring_has_data(&p) && poll(pf, (nfds_t)n, 50) < 0 && errno != EINTR)
            break;
        if (pf[1].revents & POLLIN) {
            uint32_t port;
            while (recv(evfd, &port, sizeof(port), MSG_DONTWAIT) > 0)
                ;
        }
        if (pf[0].revents & POLLIN) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            int s = 0;
            while (fd >= 0 && s < MAX_CLIENTS && p.cl[s].fd >= 0)
                s++;
            if (fd >= 0 && s == MAX_CLIENTS)
                close(fd);
            else if (fd >= 0) {
                p.cl[s].fd = fd;
                p.cl[s].id = ++p.next_id;
            }
        }
        for (int i = 2; i < n; i++)
            if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                p.cl[slot_of[i]].fd >= 0 && !from_client(&p, slot_of[i]))
                drop_client(&p, slot_of[i]);
        while (ring_has_data(&p)) {
            struct xs_msg m;
            if (xsc_recv(&p.c, &m, 10000))
                goto out;
            from_ring(&p, &m);
            free(m.body);
        }
    }
out:
    for (int s = 0; s < MAX_CLIENTS; s++)
        if (p.cl[s].fd >= 0)
            close(p.cl[s].fd);
    close(lfd);
    unlink(a.sun_path);
    xensim_guest_detach(domid, evfd);
    return 0;
}
