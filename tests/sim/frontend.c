/*
 * frontend.c: a simulated guest's frontend drivers (blkfront, netfront,
 * pcifront and the other kinds' as far as the toolstack sees them). They
 * speak over the guest's own xenstore ring with the guest's permissions:
 * they watch device/ and each device's backend state, and answer the
 * backend as Linux's frontends do: publish the ring details and go
 * Initialised (Connected for netfront) once the backend waits, Connected
 * when it connects, Closed when it closes. Grant references and event
 * channels are made-up numbers: nothing maps them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers.h"
#include "xbdev.h"
#include "xensim.h"

struct fdev {
    struct fdev *next;
    char rel[64];                /* device/KIND/ID */
    char kind[20];
    char *bestate;               /* the backend's state node (watched) */
    unsigned serial;             /* for this device's made-up numbers */
};

struct frontends {
    struct xsc *c;
    uint32_t domid;
    bool enabled;
    struct fdev *devs;
    unsigned serial;
    char prefix[32];             /* "/local/domain/N/" */
};

struct frontends *frontends_new(struct xsc *c, uint32_t domid, bool enabled)
{
    struct frontends *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->c = c;
    f->domid = domid;
    f->enabled = enabled;
    snprintf(f->prefix, sizeof(f->prefix), "/local/domain/%u/", domid);
    return f;
}

static void forget(struct frontends *f, struct fdev *d)
{
    if (d->bestate)
        xb_unwatch(f->c, d->bestate, "febe");
    for (struct fdev **p = &f->devs; *p; p = &(*p)->next)
        if (*p == d) {
            *p = d->next;
            break;
        }
    free(d->bestate);
    free(d);
}

void frontends_free(struct frontends *f)
{
    if (!f)
        return;
    while (f->devs)
        forget(f, f->devs);
    free(f);
}

bool frontends_token(const char *token)
{
    return !strcmp(token, "fedev") || !strcmp(token, "febe");
}

int frontends_start(struct frontends *f)
{
    return xsc_watch(f->c, "device", "fedev");
}

/* Publish what the kind's frontend publishes, and switch to state
 * (netfront has its own: netfront_connect). */
static void publish(struct frontends *f, struct fdev *d, int state)
{
    char a[16], b[16], c[16];
    snprintf(a, sizeof(a), "%u", 8 + 4 * d->serial);
    snprintf(b, sizeof(b), "%u", 9 + 4 * d->serial);
    snprintf(c, sizeof(c), "%u", 10 + d->serial);
    struct xb_kv vbd[] = {
        { "ring-ref", a }, { "event-channel", c }, { "protocol", "x86_64-abi" },
        { "feature-persistent", "1" },
    };
    struct xb_kv pci[] = { { "pci-op-ref", a }, { "event-channel", c }, { "magic", "7" } };
    struct xb_kv vkb[] = { { "page-ref", a }, { "page-gref", b }, { "event-channel", c } };
    struct xb_kv vfb[] = {
        { "page-ref", a }, { "event-channel", c }, { "protocol", "x86_64-abi" },
        { "feature-update", "1" },
    };
    struct xb_kv p9[] = {
        { "version", "1" }, { "num-rings", "1" }, { "ring-ref0", a },
        { "event-channel-0", c },
    };
    struct xb_kv vusb[] = { { "urb-ring-ref", a }, { "conn-ring-ref", b },
                            { "event-channel", c } };
    struct xb_kv other[] = { { "ring-ref", a }, { "event-channel", c } };
    const struct xb_kv *kv = other;
    size_t n = 2;
#define USE(t) do { kv = t; n = sizeof(t) / sizeof(t[0]); } while (0)
    if (!strcmp(d->kind, "vbd"))
        USE(vbd);
    else if (!strcmp(d->kind, "pci"))
        USE(pci);
    else if (!strcmp(d->kind, "vkbd"))
        USE(vkb);
    else if (!strcmp(d->kind, "vfb"))
        USE(vfb);
    else if (!strcmp(d->kind, "9pfs"))
        USE(p9);
    else if (!strcmp(d->kind, "vusb"))
        USE(vusb);
#undef USE
    xb_guarded_write(f->c, d->rel, kv, n, state);
}

static void set_state(struct frontends *f, struct fdev *d, int state)
{
    xb_guarded_write(f->c, d->rel, NULL, 0, state);
}

/* A number the backend published in its directory (dom0's, which the
 * guest may read), as xenbus_read_unsigned reads it: def when it is
 * absent or not a number. */
static unsigned backend_uint(struct frontends *f, struct fdev *d, const char *key,
                             unsigned def)
{
    char p[320];
    unsigned v;
    size_t dl = strlen(d->bestate) - strlen("/state");
    snprintf(p, sizeof(p), "%.*s/%s", (int)dl, d->bestate, key);
    return xb_read_uint(f->c, p, 0xffffffffu, &v) ? def : v;
}

static bool backend_has(struct frontends *f, struct fdev *d, const char *key)
{
    char p[320], *v = NULL;
    size_t dl = strlen(d->bestate) - strlen("/state");
    snprintf(p, sizeof(p), "%.*s/%s", (int)dl, d->bestate, key);
    bool has = xsc_read(f->c, 0, p, &v) == 0;
    free(v);
    return has;
}

/* The guest's online vcpus: Linux's netfront uses at most 8 queues, and
 * no more than it has cpus. */
static unsigned guest_queue_limit(struct frontends *f)
{
    struct xensim_dominfo di;
    if (xensim_domain_info(f->domid, &di) < 0 || di.vcpus_online == 0)
        return 1;
    return di.vcpus_online < 8 ? di.vcpus_online : 8;
}

#define NETFRONT_MAX_QUEUES 8

/*
 * What Linux's netfront does when netback waits (xennet_connect): nothing
 * unless netback copies (feature-rx-copy); the XDP headroom it wants (0:
 * no XDP program) when netback offers it, written on its own; then, in one
 * transaction, the queue count (when netback says how many it takes), per
 * queue the two ring references and split event channels (when netback
 * offers them) or one, directly in the device directory for one queue and
 * under queue-N for more, then the features; then Connected.
 */
static void netfront_connect(struct frontends *f, struct fdev *d)
{
    if (backend_uint(f, d, "feature-rx-copy", 0) == 0)
        return;
    if (backend_uint(f, d, "feature-xdp-headroom", 0) != 0) {
        struct xb_kv xdp = { "xdp-headroom", "0" };
        if (xb_guarded_write(f->c, d->rel, &xdp, 1, -1))
            return;
    }
    unsigned limit = guest_queue_limit(f);
    unsigned queues = backend_uint(f, d, "multi-queue-max-queues", 1);
    if (queues > limit)
        queues = limit;
    if (queues == 0)
        return;                  /* Linux gives up: "no queues" */
    bool split = backend_uint(f, d, "feature-split-event-channels", 0) != 0;

    enum { PER_QUEUE = 4, FEATURES = 6 };
    struct xb_kv kv[1 + NETFRONT_MAX_QUEUES * PER_QUEUE + FEATURES];
    char keys[NETFRONT_MAX_QUEUES][PER_QUEUE][40];
    char vals[1 + NETFRONT_MAX_QUEUES * PER_QUEUE][16];
    size_t n = 0;
    snprintf(vals[0], sizeof(vals[0]), "%u", queues);
    if (backend_has(f, d, "multi-queue-max-queues"))
        kv[n++] = (struct xb_kv){ "multi-queue-num-queues", vals[0] };
    static const char *const names[2][PER_QUEUE] = {
        { "tx-ring-ref", "rx-ring-ref", "event-channel", NULL },
        { "tx-ring-ref", "rx-ring-ref", "event-channel-tx", "event-channel-rx" },
    };
    for (unsigned q = 0; q < queues; q++) {
        /* made-up grant references and event channels */
        unsigned nums[PER_QUEUE] = {
            8 + 16 * d->serial + 2 * q, 9 + 16 * d->serial + 2 * q,
            10 + 16 * d->serial + 2 * q, 11 + 16 * d->serial + 2 * q,
        };
        for (unsigned i = 0; i < PER_QUEUE && names[split][i]; i++) {
            char *val = vals[1 + q * PER_QUEUE + i];
            snprintf(val, sizeof(vals[0]), "%u", nums[i]);
            if (queues == 1) {
                kv[n++] = (struct xb_kv){ names[split][i], val };
            } else {
                snprintf(keys[q][i], sizeof(keys[q][i]), "queue-%u/%s", q,
                         names[split][i]);
                kv[n++] = (struct xb_kv){ keys[q][i], val };
            }
        }
    }
    static const char *const features[FEATURES] = {
        "request-rx-copy", "feature-rx-notify", "feature-sg", "feature-gso-tcpv4",
        "feature-gso-tcpv6", "feature-ipv6-csum-offload",
    };
    for (unsigned i = 0; i < FEATURES; i++)
        kv[n++] = (struct xb_kv){ features[i], "1" };
    if (xb_guarded_write(f->c, d->rel, kv, n, -1) == 0)
        set_state(f, d, XB_CONNECTED);
}

/* A device the toolstack put back to Initialising may name another
 * backend (its backend domain was restarted as another domain:
 * libxl_lightcore_backend_domain_restarted): the frontend starts over
 * with the backend its `backend` node names now. (Linux's frontends read
 * it when the device is probed; this is as if it were probed again.) */
static void follow_backend(struct frontends *f, struct fdev *d)
{
    char p[96], *be = NULL, *bestate, *cur = NULL, kind[20];
    unsigned bdom, fdom, id, myid;
    int n = 0;
    /* only when the bound backend has gone (its domain died), and only to
     * a backend directory of this very device */
    if (xsc_read(f->c, 0, d->bestate, &cur) == 0) {
        free(cur);
        return;
    }
    if (sscanf(d->rel, "device/%*[^/]/%u", &myid) != 1)
        return;
    snprintf(p, sizeof(p), "%s/backend", d->rel);
    if (xsc_read(f->c, 0, p, &be) || be[0] != '/' || strlen(be) > 200 ||
        !(bestate = malloc(strlen(be) + 8))) {
        free(be);
        return;
    }
    if (sscanf(be, "/local/domain/%u/backend/%19[^/]/%u/%u%n", &bdom, kind,
               &fdom, &id, &n) != 4 || be[n] || fdom != f->domid || id != myid) {
        free(be);
        free(bestate);
        return;
    }
    /* a backend the toolstack made for this device names it */
    char q[320], mine[160], *fe = NULL;
    snprintf(q, sizeof(q), "%s/frontend", be);
    snprintf(mine, sizeof(mine), "%s%s", f->prefix, d->rel);
    if (xsc_read(f->c, 0, q, &fe) || strcmp(fe, mine)) {
        free(fe);
        free(be);
        free(bestate);
        return;
    }
    free(fe);
    sprintf(bestate, "%s/state", be);
    free(be);
    if (!strcmp(bestate, d->bestate)) {
        free(bestate);
        return;
    }
    xb_unwatch(f->c, d->bestate, "febe");
    free(d->bestate);
    d->bestate = bestate;
    if (xsc_watch(f->c, bestate, "febe"))
        fprintf(stderr, "xensim guest %u: cannot watch %s\n", f->domid, bestate);
}

static void evaluate(struct frontends *f, struct fdev *d)
{
    char p[96];
    bool exists;
    snprintf(p, sizeof(p), "%s/state", d->rel);
    int fe = xb_read_state(f->c, p, &exists);
    if (!exists) {
        forget(f, d);
        return;
    }
    if (!f->enabled)
        return;
    if (fe == XB_INITIALISING)
        follow_backend(f, d);
    int be = xb_read_state(f->c, d->bestate, NULL);
    if (be == XB_CLOSING || be == XB_CLOSED) {
        if (fe != XB_CLOSED)
            set_state(f, d, XB_CLOSED);
        return;
    }
    if (!strcmp(d->kind, "vif")) {
        /* netfront connects in one step */
        if (fe == XB_INITIALISING && be == XB_INITWAIT)
            netfront_connect(f, d);
    } else if (!strcmp(d->kind, "pci")) {
        /* pcifront publishes at probe, then follows pciback's
         * reconfigurations */
        if (fe == XB_INITIALISING)
            publish(f, d, XB_INITIALISED);
        else if (fe == XB_INITIALISED && be == XB_CONNECTED)
            set_state(f, d, XB_CONNECTED);
        else if (fe == XB_CONNECTED && be == XB_RECONFIGURING)
            set_state(f, d, XB_RECONFIGURING);
        else if (fe == XB_RECONFIGURING && be == XB_RECONFIGURED)
            set_state(f, d, XB_CONNECTED);
    } else {
        if (fe == XB_INITIALISING && be == XB_INITWAIT)
            publish(f, d, XB_INITIALISED);
        else if (fe == XB_INITIALISED && be == XB_CONNECTED)
            set_state(f, d, XB_CONNECTED);
    }
}

/* device/KIND/ID: bind it if new (its backend path is the toolstack's
 * record, which the guest trusts as Linux's xenbus does), look at it. */
static void discover(struct frontends *f, const char *kind, const char *id)
{
    unsigned devid;
    char rel[64];
    if (!xb_kind_ok(kind) || !xb_parse_uint(id, 0x7fffffff, &devid) ||
        !strcmp(kind, "suspend"))
        return;
    snprintf(rel, sizeof(rel), "device/%s/%s", kind, id);
    for (struct fdev *d = f->devs; d; d = d->next)
        if (!strcmp(d->rel, rel)) {
            evaluate(f, d);
            return;
        }
    char p[96], *be = NULL;
    snprintf(p, sizeof(p), "%s/backend", rel);
    if (xsc_read(f->c, 0, p, &be) || be[0] != '/' || strlen(be) > 200) {
        free(be);
        return;
    }
    struct fdev *d = calloc(1, sizeof(*d));
    char *bestate = malloc(strlen(be) + 8);
    if (!d || !bestate) {
        free(d);
        free(bestate);
        free(be);
        return;
    }
    sprintf(bestate, "%s/state", be);
    free(be);
    snprintf(d->rel, sizeof(d->rel), "%s", rel);
    snprintf(d->kind, sizeof(d->kind), "%s", kind);
    d->bestate = bestate;
    d->serial = f->serial++;
    d->next = f->devs;
    f->devs = d;
    if (xsc_watch(f->c, bestate, "febe"))
        fprintf(stderr, "xensim guest %u: cannot watch %s\n", f->domid, bestate);
    evaluate(f, d);
}

static void rescan(struct frontends *f)
{
    char *kinds = NULL;
    unsigned nk = 0;
    if (xb_list(f->c, "device", &kinds, &nk) == 0) {
        const char *k = kinds;
        for (unsigned i = 0; i < nk; k += strlen(k) + 1, i++) {
            char p[64], *ids = NULL;
            unsigned ni = 0;
            if (!xb_kind_ok(k) || !strcmp(k, "suspend"))
                continue;
            snprintf(p, sizeof(p), "device/%s", k);
            if (xb_list(f->c, p, &ids, &ni))
                continue;
            const char *id = ids;
            for (unsigned j = 0; j < ni; id += strlen(id) + 1, j++)
                discover(f, k, id);
            free(ids);
        }
    }
    free(kinds);
    for (struct fdev *d = f->devs, *next; d; d = next) {
        next = d->next;
        evaluate(f, d);
    }
}

void frontends_event(struct frontends *f, const char *path, const char *token)
{
    if (!f->enabled)
        return;
    if (!strcmp(token, "febe")) {
        for (struct fdev *d = f->devs, *next; d; d = next) {
            next = d->next;
            if (!strcmp(d->bestate, path))
                evaluate(f, d);
        }
        return;
    }
    size_t pl = strlen(f->prefix);
    if (!strncmp(path, f->prefix, pl))
        path += pl;
    char kind[20], id[12];
    int n = 0;
    if (sscanf(path, "device/%19[^/]/%11[^/]%n", kind, id, &n) == 2 &&
        (path[n] == '/' || !path[n])) {
        discover(f, kind, id);
        return;
    }
    rescan(f);
}

void frontends_enable(struct frontends *f, bool on)
{
    f->enabled = on;
    if (on)
        rescan(f);
}
