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

/* Publish what the kind's frontend publishes, and switch to state. */
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
    struct xb_kv vif[] = {
        { "tx-ring-ref", a }, { "rx-ring-ref", b }, { "event-channel", c },
        { "request-rx-copy", "1" }, { "feature-rx-notify", "1" }, { "feature-sg", "1" },
        { "feature-gso-tcpv4", "1" }, { "feature-gso-tcpv6", "1" },
        { "feature-ipv6-csum-offload", "1" },
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
    else if (!strcmp(d->kind, "vif"))
        USE(vif);
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
    int be = xb_read_state(f->c, d->bestate, NULL);
    if (be == XB_CLOSING || be == XB_CLOSED) {
        if (fe != XB_CLOSED)
            set_state(f, d, XB_CLOSED);
        return;
    }
    if (!strcmp(d->kind, "vif")) {
        /* netfront connects in one step */
        if (fe == XB_INITIALISING && be == XB_INITWAIT)
            publish(f, d, XB_CONNECTED);
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
