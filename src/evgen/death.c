/*
 * evgen/death.c: DOMAIN_SHUTDOWN and DOMAIN_DEATH events
 * (libxl_evenable_domain_death / libxl_evdisable_domain_death). It owns
 * CTX_DEATH(ctx): the per-domain records, the evgens hanging off them,
 * its use of the ctx's shared @releaseDomain watch (xs/release.h) and the
 * scan that turns hypervisor state into events.
 *
 * Design. Every watched domid has one record (libxl__death_dom) in a
 * table indexed by domid, allocated in chunks of CHUNK domids as they are
 * first used (so a few watchers cost a few KB, and 10,000 about 32 bytes
 * each); the record holds the evgens for it in a doubly linked list and
 * the domain's state as last seen, as a 16-bit code of the getdomaininfo
 * flags that matter (dying, shutdown, shutdown reason). xenstored fires
 * @releaseDomain when any domain shuts down, crashes or goes away,
 * possibly coalescing or repeating firings; each firing triggers one scan:
 *   - one getdomaininfolist hypercall covering the watched domid range
 *     (ranges wider than one batch take more), into a hypercall buffer
 *     kept across scans (xc_domain_getinfolist would allocate, fault in,
 *     copy out and free a bounce buffer of 1.25 MB per call at 10,000
 *     domains);
 *   - for each domain returned, one comparison of its code with the one
 *     last seen for that domid (a dense array of codes, 2 bytes a domid,
 *     so that the loop touches little besides the hypercall's output);
 *     only records whose code changed are looked at further;
 *   - a watched record whose domid falls in a gap of the (sorted) list is
 *     absent, i.e. dead; gaps are rare and short, and empty chunks are
 *     skipped whole.
 * Enabling schedules an immediate scan (a zero-delay timeout, shared by
 * all enables until it runs), so an evgen for a domain already shut down
 * or dead is told at once, whatever other evgens exist; if the shared
 * watch is new, its first event (which reaches every user) triggers one
 * more scan, which covers any change made before xenstored had set the
 * watch up.
 *
 * States: dying or absent counts as dead (DEATH); shut down (not dying)
 * gives SHUTDOWN with the reason, at most once per evgen; after DEATH an
 * evgen says nothing more and lives until evdisable. Evgens come from
 * slabs (the handle the application holds stays put) which are released
 * when the ctx has none left.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "evgen/evgen.h"

#ifndef DOMID_FIRST_RESERVED
#define DOMID_FIRST_RESERVED 0x7FF0U
#endif
#define NR_DOMIDS DOMID_FIRST_RESERVED

/* Upper bound of domains asked for in one hypercall. */
#define SCAN_BATCH NR_DOMIDS

/* Records per chunk of the domid table. */
#define CHUNK_SHIFT 8
#define CHUNK (1u << CHUNK_SHIFT)
#define NR_CHUNKS ((NR_DOMIDS + CHUNK - 1) / CHUNK)

/* Evgens per slab. */
#define SLAB_EVGENS 256

/* State codes: the getdomaininfo flags that matter, packed (bit 0 dying,
 * bit 2 shutdown, bits 8-15 the shutdown reason), or one of these. */
#define CODE_NEW     0xFFFEu      /* not seen yet */
#define CODE_ABSENT  0xFFFFu      /* not in the hypervisor's list */
#define CODE_DYING   ((uint16_t)XEN_DOMINF_dying)
#define CODE_SHUTDOWN ((uint16_t)XEN_DOMINF_shutdown)

struct libxl__evgen_domain_death {
    uint32_t domid;
    bool shutdown_reported, death_reported;
    libxl_ev_user user;
    XEN_LIST_ENTRY(libxl_evgen_domain_death) link;   /* on d->evgens */
    libxl_evgen_domain_death *free_next;            /* on free_evgens */
};

struct libxl__death_dom {
    XEN_LIST_HEAD(, libxl_evgen_domain_death) evgens;  /* empty: no record */
    uint16_t code;
    bool on_pending;
    uint32_t pending_next;                 /* domid + 1, or 0 */
    libxl_uuid uuid;
};

struct libxl__death_chunk {
    uint32_t nrecs;                        /* records with evgens */
    libxl__death_dom rec[CHUNK];
};

struct libxl__death_slab {
    libxl__death_slab *next;
    libxl_evgen_domain_death evg[SLAB_EVGENS];
};

static inline uint16_t code_of(uint32_t flags)
{
    return (uint16_t)((flags & (XEN_DOMINF_dying | XEN_DOMINF_shutdown)) |
                      (((flags >> XEN_DOMINF_shutdownshift) &
                        XEN_DOMINF_shutdownmask) << 8));
}

static inline bool code_dead(uint16_t c)
{
    return c == CODE_ABSENT || (c != CODE_NEW && (c & CODE_DYING));
}

static inline bool code_shutdown(uint16_t c)
{
    return c != CODE_NEW && !code_dead(c) && (c & CODE_SHUTDOWN);
}

/* ------------------------------------------------------------- events */

static void tell_one(libxl__egc *egc, const libxl__death_dom *d,
                     libxl_evgen_domain_death *evg)
{
    libxl_event_type type;

    if (evg->death_reported) return;
    if (code_dead(d->code)) {
        type = LIBXL_EVENT_TYPE_DOMAIN_DEATH;
        evg->death_reported = true;
    } else if (code_shutdown(d->code) && !evg->shutdown_reported) {
        type = LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN;
        evg->shutdown_reported = true;
    } else {
        return;
    }

    libxl_event *ev = malloc(sizeof(*ev));
    if (!ev) {
        libxl__event_disaster(egc, "out of memory for a domain event",
                              ENOMEM, type);
        return;
    }
    libxl_event_init(ev);
    libxl_event_init_type(ev, type);
    ev->domid = evg->domid;
    ev->for_user = evg->user;
    memcpy(&ev->domuuid, &d->uuid, sizeof(ev->domuuid));
    if (type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN) {
        ev->u.domain_shutdown.shutdown_reason = d->code >> 8;
        LOGD(egc->ctx, DEBUG, evg->domid, "shut down (reason %u)",
             (unsigned)(d->code >> 8));
    } else {
        LOGD(egc->ctx, DEBUG, evg->domid, "dead");
    }
    libxl__event_occurred(egc, ev);
}

static void tell_all(libxl__egc *egc, const libxl__death_dom *d)
{
    libxl_evgen_domain_death *evg;
    XEN_LIST_FOREACH(evg, &d->evgens, link)
        tell_one(egc, d, evg);
}

/* ------------------------------------------------------------ records */

static libxl__death_dom *dom_lookup(libxl__death_state *ds, uint32_t domid)
{
    libxl__death_chunk *c;

    if (domid >= NR_DOMIDS) return ds->reserved;
    c = ds->chunks ? ds->chunks[domid >> CHUNK_SHIFT] : NULL;
    if (!c) return NULL;
    libxl__death_dom *d = &c->rec[domid & (CHUNK - 1)];
    return XEN_LIST_EMPTY(&d->evgens) ? NULL : d;
}

/* The record slot for domid (not yet a record: no evgens), or NULL. */
static libxl__death_dom *dom_slot(libxl__death_state *ds, uint32_t domid)
{
    if (domid >= NR_DOMIDS) {
        if (!ds->reserved) {
            ds->reserved = calloc(1, sizeof(*ds->reserved));
            if (!ds->reserved) return NULL;
        }
        ds->reserved->code = CODE_ABSENT;   /* no such domain can exist */
        return ds->reserved;
    }
    if (!ds->chunks) {
        ds->chunks = calloc(NR_CHUNKS, sizeof(*ds->chunks));
        if (!ds->chunks) return NULL;
    }
    if (!ds->seen) {
        ds->seen = calloc(NR_DOMIDS, sizeof(*ds->seen));
        if (!ds->seen) return NULL;
    }
    libxl__death_chunk **cp = &ds->chunks[domid >> CHUNK_SHIFT];
    if (!*cp) {
        *cp = malloc(sizeof(**cp));
        if (!*cp) return NULL;
        (*cp)->nrecs = 0;
        for (uint32_t i = 0; i < CHUNK; i++) {
            XEN_LIST_INIT(&(*cp)->rec[i].evgens);
            (*cp)->rec[i].code = CODE_NEW;
            (*cp)->rec[i].on_pending = false;
        }
    }
    return &(*cp)->rec[domid & (CHUNK - 1)];
}

/* Put a record on the list of those with evgens still to be told their
 * domain's current state. Listed by domid + 1 (the reserved record: on a
 * flag of its own); records whose evgens have all gone stay listed and
 * are skipped. */
static void pending_add(libxl__death_state *ds, libxl__death_dom *d,
                        uint32_t domid)
{
    if (d->on_pending) return;
    d->on_pending = true;
    if (domid >= NR_DOMIDS) return;
    d->pending_next = ds->pending;
    ds->pending = domid + 1;
}

/* Chunks are released only with the last record of the ctx (so the
 * pending list never points into freed memory). */
static void rec_added(libxl__death_state *ds, uint32_t domid)
{
    if (domid >= NR_DOMIDS) return;
    ds->chunks[domid >> CHUNK_SHIFT]->nrecs++;
    ds->nrecs++;
}

static void rec_removed(libxl__death_state *ds, uint32_t domid)
{
    if (domid >= NR_DOMIDS) return;
    ds->chunks[domid >> CHUNK_SHIFT]->nrecs--;
    ds->nrecs--;
}

/* The watched domid range [lo, hi]; false if no record. */
static bool watched_range(libxl__death_state *ds, uint32_t *lo_r,
                          uint32_t *hi_r)
{
    uint32_t lo = UINT32_MAX, hi = 0;

    if (!ds->nrecs) return false;
    for (uint32_t c = 0; c < NR_CHUNKS; c++) {
        libxl__death_chunk *ch = ds->chunks[c];
        if (!ch || !ch->nrecs) continue;
        for (uint32_t i = 0; i < CHUNK; i++)
            if (!XEN_LIST_EMPTY(&ch->rec[i].evgens)) { lo = c * CHUNK + i; break; }
        break;
    }
    for (uint32_t c = NR_CHUNKS; c-- > 0; ) {
        libxl__death_chunk *ch = ds->chunks[c];
        if (!ch || !ch->nrecs) continue;
        for (uint32_t i = CHUNK; i-- > 0; )
            if (!XEN_LIST_EMPTY(&ch->rec[i].evgens)) { hi = c * CHUNK + i; break; }
        break;
    }
    *lo_r = lo;
    *hi_r = hi;
    return lo <= hi;
}

/* --------------------------------------------------------------- scan */

/* A record's domain has a new state code. */
static void changed(libxl__egc *egc, uint32_t domid, libxl__death_dom *d,
                    uint16_t code, const xc_domaininfo_t *info)
{
    if (info && (d->code == CODE_NEW || d->code == CODE_ABSENT))
        memcpy(&d->uuid, info->handle, sizeof(d->uuid));
    d->code = code;
    CTX_DEATH(egc->ctx)->seen[domid] = code;
    tell_all(egc, d);
}

/* Every watched record with a domid in [from, to] is absent. */
static void gap(libxl__egc *egc, uint32_t from, uint32_t to)
{
    libxl__death_state *ds = CTX_DEATH(egc->ctx);

    while (from <= to) {
        libxl__death_chunk *ch = ds->chunks[from >> CHUNK_SHIFT];
        uint32_t end = (from | (CHUNK - 1));
        if (end > to) end = to;
        if (ch && ch->nrecs) {
            for (uint32_t id = from; id <= end; id++) {
                libxl__death_dom *d = &ch->rec[id & (CHUNK - 1)];
                if (!XEN_LIST_EMPTY(&d->evgens) && d->code != CODE_ABSENT)
                    changed(egc, id, d, CODE_ABSENT, NULL);
            }
        }
        if (end == UINT32_MAX) break;
        from = end + 1;
    }
}

/* Make sure the hypercall buffer holds n entries; false (disaster
 * reported) if it cannot. */
static bool buf_reserve(libxl__egc *egc, uint32_t n)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__death_state *ds = CTX_DEATH(ctx);

    if (n <= ds->buf_cap) return true;
    int pages = (int)(((size_t)n * sizeof(xc_domaininfo_t) + XC_PAGE_SIZE - 1)
                      / XC_PAGE_SIZE);
    if (ds->buf_pages)
        xc__hypercall_buffer_free_pages(ctx->xch, &ds->buf, ds->buf_pages);
    memset(&ds->buf, 0, sizeof(ds->buf));
    ds->buf.ubuf = (void *)-1;
    ds->buf_pages = 0;
    ds->buf_cap = 0;
    if (!xc__hypercall_buffer_alloc_pages(ctx->xch, &ds->buf, pages)) {
        libxl__event_disaster(egc, "out of memory scanning domains",
                              ENOMEM, LIBXL_EVENT_TYPE_DOMAIN_DEATH);
        return false;
    }
    ds->buf_pages = pages;
    ds->buf_cap = (uint32_t)((size_t)pages * XC_PAGE_SIZE /
                             sizeof(xc_domaininfo_t));
    return true;
}

static void buf_release(libxl_ctx *ctx)
{
    libxl__death_state *ds = CTX_DEATH(ctx);

    if (ds->buf_pages)
        xc__hypercall_buffer_free_pages(ctx->xch, &ds->buf, ds->buf_pages);
    memset(&ds->buf, 0, sizeof(ds->buf));
    ds->buf_pages = 0;
    ds->buf_cap = 0;
}

/* Fetch every domain in [from, to] in as few calls as possible (one, for
 * ranges up to SCAN_BATCH) and tell the records that changed. Returns 0
 * or ERROR_FAIL (after reporting a disaster). */
static int scan_range(libxl__egc *egc, uint32_t from, uint32_t to)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__death_state *ds = CTX_DEATH(ctx);
    uint32_t next = from;          /* first domid not yet accounted for */
    uint16_t *seen = ds->seen;

    while (from <= to) {
        uint32_t want = to - from + 1;
        if (want > SCAN_BATCH) want = SCAN_BATCH;
        if (!buf_reserve(egc, want)) return ERROR_FAIL;

        struct xen_sysctl sc;
        memset(&sc, 0, sizeof(sc));
        DECLARE_HYPERCALL_BUFFER_SHADOW(xc_domaininfo_t, info, &ds->buf);
        sc.cmd = XEN_SYSCTL_getdomaininfolist;
        sc.u.getdomaininfolist.first_domain = (domid_t)from;
        sc.u.getdomaininfolist.max_domains = want;
        set_xen_guest_handle(sc.u.getdomaininfolist.buffer, info);
        if (xc_sysctl(ctx->xch, &sc) < 0) {
            libxl__event_disaster(egc, "cannot list domains"
                                  " (getdomaininfolist)", errno,
                                  LIBXL_EVENT_TYPE_DOMAIN_DEATH);
            return ERROR_FAIL;
        }
        uint32_t got = sc.u.getdomaininfolist.num_domains;
        bool done = got < want; /* then nothing further exists */
        if (got > want) got = want;

        /* Callbacks made from here only queue events: nothing can
         * change the records or the buffer under this loop. */
        for (uint32_t i = 0; i < got; i++) {
            uint32_t id = info[i].domain;
            /* Beyond the range (or, never seen, not in order): done. */
            if (id > to || id < next) { done = true; break; }
            if (id != next) gap(egc, next, id - 1);
            next = id + 1;
            uint16_t code = code_of(info[i].flags);
            if (seen[id] == code) continue;
            /* Changed, or not watched (then remembered, to pass next
             * time). For a record, seen[id] always equals its code. */
            seen[id] = code;
            libxl__death_chunk *ch = ds->chunks[id >> CHUNK_SHIFT];
            if (!ch) continue;
            libxl__death_dom *d = &ch->rec[id & (CHUNK - 1)];
            if (XEN_LIST_EMPTY(&d->evgens) || d->code == code) continue;
            changed(egc, id, d, code, &info[i]);
        }
        if (done || next > to) break;
        from = next;
    }
    if (next <= to) gap(egc, next, to);
    return 0;
}

static void scan(libxl__egc *egc)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__death_state *ds = CTX_DEATH(ctx);
    uint32_t lo, hi;

    libxl__ev_time_deregister(ctx, &ds->rescan);
    if (watched_range(ds, &lo, &hi) && scan_range(egc, lo, hi)) return;
    /* Evgens enabled since the last scan learn the current state even if
     * nothing changed. */
    while (ds->pending) {
        uint32_t domid = ds->pending - 1;
        libxl__death_dom *d =
            &ds->chunks[domid >> CHUNK_SHIFT]->rec[domid & (CHUNK - 1)];
        ds->pending = d->pending_next;
        d->on_pending = false;
        if (!XEN_LIST_EMPTY(&d->evgens)) tell_all(egc, d);
    }
    if (ds->reserved && ds->reserved->on_pending) {
        ds->reserved->on_pending = false;
        if (!XEN_LIST_EMPTY(&ds->reserved->evgens))
            tell_all(egc, ds->reserved);
    }
}

static void release_domain_cb(libxl__egc *egc, libxl__xs_release *r)
{
    (void)r;
    scan(egc);
}

static void rescan_cb(libxl__egc *egc, libxl__ev_time *ev,
                      const struct timeval *requested_abs, int rc)
{
    (void)ev; (void)requested_abs; (void)rc;
    scan(egc);
}

/* ----------------------------------------------------------- evgens */

static libxl_evgen_domain_death *evgen_alloc(libxl__death_state *ds)
{
    if (!ds->free_evgens) {
        libxl__death_slab *s = malloc(sizeof(*s));
        if (!s) return NULL;
        s->next = ds->slabs;
        ds->slabs = s;
        for (uint32_t i = SLAB_EVGENS; i-- > 0; ) {
            s->evg[i].free_next = ds->free_evgens;
            ds->free_evgens = &s->evg[i];
        }
    }
    libxl_evgen_domain_death *evg = ds->free_evgens;
    ds->free_evgens = evg->free_next;
    return evg;
}

static void evgen_release(libxl__death_state *ds, libxl_evgen_domain_death *evg)
{
    evg->free_next = ds->free_evgens;
    ds->free_evgens = evg;
}

/* With no evgen left, everything goes: watch, timer, tables, buffer. */
static void release_all(libxl_ctx *ctx)
{
    libxl__death_state *ds = CTX_DEATH(ctx);

    libxl__xs_release_deregister(ctx, &ds->release);
    libxl__ev_time_deregister(ctx, &ds->rescan);
    if (ds->chunks) {
        for (uint32_t c = 0; c < NR_CHUNKS; c++) free(ds->chunks[c]);
        free(ds->chunks);
        ds->chunks = NULL;
    }
    free(ds->seen);
    ds->seen = NULL;
    free(ds->reserved);
    ds->reserved = NULL;
    ds->pending = 0;
    ds->nrecs = 0;
    while (ds->slabs) {
        libxl__death_slab *s = ds->slabs;
        ds->slabs = s->next;
        free(s);
    }
    ds->free_evgens = NULL;
    buf_release(ctx);
}

static void evgen_unlink_free(libxl_ctx *ctx, libxl_evgen_domain_death *evg)
{
    libxl__death_state *ds = CTX_DEATH(ctx);
    libxl__death_dom *d = dom_lookup(ds, evg->domid);

    XEN_LIST_REMOVE(evg, link);
    if (XEN_LIST_EMPTY(&d->evgens)) rec_removed(ds, evg->domid);
    evgen_release(ds, evg);
    if (!--ds->nevgens) release_all(ctx);
}

int libxl_evenable_domain_death(libxl_ctx *ctx, uint32_t domid,
                                libxl_ev_user user,
                                libxl_evgen_domain_death **evgen_out)
{
    libxl__death_state *ds = CTX_DEATH(ctx);
    libxl_evgen_domain_death *evg;
    libxl__death_dom *d;
    int rc;

    CTX_LOCK(ctx);

    if (!ctx->xch || !ctx->xsh) {
        LOGD(ctx, ERROR, domid, "cannot watch for death: no hypervisor or"
             " xenstore connection");
        rc = ERROR_FAIL;
        goto out;
    }
    if (libxl__xswatch_conn_lost(ctx)) {
        LOGD(ctx, ERROR, domid, "cannot watch for death: the connection to"
             " xenstored was lost");
        rc = ERROR_FAIL;
        goto out;
    }

    if (!libxl__xs_release_isregistered(&ds->release)) {
        rc = libxl__xs_release_register(ctx, &ds->release, release_domain_cb);
        if (rc) goto fail;
    }
    if (!libxl__ev_time_isregistered(&ds->rescan)) {
        rc = libxl__ev_time_register_rel(ctx, &ds->rescan, rescan_cb, 0);
        if (rc) goto fail;
    }
    d = dom_slot(ds, domid);
    evg = d ? evgen_alloc(ds) : NULL;
    if (!evg) { rc = ERROR_NOMEM; goto fail; }

    evg->domid = domid;
    evg->user = user;
    evg->shutdown_reported = evg->death_reported = false;
    if (XEN_LIST_EMPTY(&d->evgens)) {
        if (domid < NR_DOMIDS) d->code = ds->seen[domid] = CODE_NEW;
        rec_added(ds, domid);
    }
    XEN_LIST_INSERT_HEAD(&d->evgens, evg, link);
    ds->nevgens++;
    pending_add(ds, d, domid);

    *evgen_out = evg;
    rc = 0;
    goto out;

fail:
    if (!ds->nevgens) release_all(ctx);
out:
    CTX_UNLOCK(ctx);
    return rc;
}

void libxl_evdisable_domain_death(libxl_ctx *ctx,
                                  libxl_evgen_domain_death *evg)
{
    if (!evg) return;
    CTX_LOCK(ctx);
    evgen_unlink_free(ctx, evg);
    CTX_UNLOCK(ctx);
}

/* ------------------------------------------------------- ctx lifetime */

static void death_state_init(libxl_ctx *ctx)
{
    libxl__death_state *ds = CTX_DEATH(ctx);

    memset(ds, 0, sizeof(*ds));
    libxl__xs_release_init(&ds->release);
    libxl__ev_time_init(&ds->rescan);
}

static void death_state_dispose(libxl_ctx *ctx)
{
    libxl__death_state *ds = CTX_DEATH(ctx);

    /* Evgens the application did not disable go with their slabs. */
    release_all(ctx);
    ds->nevgens = 0;
}

const libxl__module libxl__module_death = {
    .name = "death", .init = death_state_init, .dispose = death_state_dispose,
};
