/*
 * evgen_death.c: DOMAIN_SHUTDOWN and DOMAIN_DEATH events
 * (libxl_evenable_domain_death / libxl_evdisable_domain_death). It owns
 * ctx->death: the per-domain records, the evgens hanging off them, the
 * ctx's one @releaseDomain watch and the scan that turns hypervisor state
 * into events.
 *
 * Design. Every watched domid has one record (libxl__death_dom), found in
 * O(1) through a table indexed by domid, holding the evgens for it in a
 * doubly linked list and the domain's state as last seen. xenstored fires
 * @releaseDomain when any domain shuts down, crashes or goes away, possibly
 * coalescing or repeating firings; each firing triggers one scan:
 *   - one xc_domain_getinfolist call covering the whole watched domid
 *     range (ranges wider than one batch take more calls);
 *   - for each domain returned that has a record, compare with the cached
 *     state and tell that record's evgens only if it changed;
 *   - records not returned are dead: they are looked for (O(records)) only
 *     when the count of live records seen falls short, i.e. when some
 *     domain actually went away.
 * Enabling schedules an immediate scan (a zero-delay timeout, shared by
 * all enables until it runs), so an evgen for a domain already shut down
 * or dead is told at once, whatever other evgens exist.
 *
 * States: dying or absent counts as dead (DEATH); shut down (not dying)
 * gives SHUTDOWN with the reason, at most once per evgen; after DEATH an
 * evgen says nothing more and lives until evdisable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifndef DOMID_FIRST_RESERVED
#define DOMID_FIRST_RESERVED 0x7FF0U
#endif
#define NR_DOMIDS DOMID_FIRST_RESERVED

/* Upper bound of domains asked for in one hypercall. */
#define SCAN_BATCH NR_DOMIDS

enum dom_state { DS_UNKNOWN = 0, DS_ALIVE, DS_SHUTDOWN, DS_DEAD };

struct libxl__evgen_domain_death {
    libxl_ctx *ctx;
    uint32_t domid;
    libxl_ev_user user;
    libxl__death_dom *dom;
    libxl_evgen_domain_death *prev, *next;  /* on dom->evgens */
    bool shutdown_reported, death_reported;
};

struct libxl__death_dom {
    uint32_t domid;
    uint8_t state;                 /* enum dom_state */
    uint8_t reason;                /* when DS_SHUTDOWN */
    bool on_pending;
    bool reserved;                 /* the record for impossible domids */
    uint32_t dense_idx;
    uint64_t seen_gen;             /* scan that last found it present */
    libxl_uuid uuid;
    libxl_evgen_domain_death *evgens;
    libxl__death_dom *pending_next, **pending_pprev;
};

/* ------------------------------------------------------------- events */

static void tell_one(libxl__egc *egc, libxl__death_dom *d,
                     libxl_evgen_domain_death *evg)
{
    libxl_event_type type;

    if (evg->death_reported) return;
    if (d->state == DS_DEAD) {
        type = LIBXL_EVENT_TYPE_DOMAIN_DEATH;
        evg->death_reported = true;
    } else if (d->state == DS_SHUTDOWN && !evg->shutdown_reported) {
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
        ev->u.domain_shutdown.shutdown_reason = d->reason;
        LOGD(egc->ctx, DEBUG, evg->domid, "shut down (reason %u)",
             (unsigned)d->reason);
    } else {
        LOGD(egc->ctx, DEBUG, evg->domid, "dead");
    }
    libxl__event_occurred(egc, ev);
}

static void tell_all(libxl__egc *egc, libxl__death_dom *d)
{
    for (libxl_evgen_domain_death *evg = d->evgens; evg; evg = evg->next)
        tell_one(egc, d, evg);
}

/* ------------------------------------------------------------ records */

static void set_state(libxl__death_state *ds, libxl__death_dom *d,
                      uint8_t state)
{
    if (d->reserved) return;
    if (d->state != DS_DEAD && state == DS_DEAD) ds->n_not_dead--;
    if (d->state == DS_DEAD && state != DS_DEAD) ds->n_not_dead++;
    d->state = state;
}

static libxl__death_dom *dom_new(libxl_ctx *ctx, uint32_t domid)
{
    libxl__death_state *ds = &ctx->death;
    libxl__death_dom *d;

    if (!ds->by_domid) {
        ds->by_domid = calloc(NR_DOMIDS, sizeof(*ds->by_domid));
        if (!ds->by_domid) return NULL;
    }
    if (ds->ndense == ds->dense_cap) {
        uint32_t n = ds->dense_cap ? ds->dense_cap * 2 : 64;
        libxl__death_dom **nd = realloc(ds->dense, n * sizeof(*nd));
        if (!nd) return NULL;
        ds->dense = nd;
        ds->dense_cap = n;
    }
    d = calloc(1, sizeof(*d));
    if (!d) return NULL;
    d->domid = domid;
    d->state = DS_UNKNOWN;
    d->dense_idx = ds->ndense;
    ds->dense[ds->ndense++] = d;
    ds->by_domid[domid] = d;
    ds->n_not_dead++;
    if (ds->ndense == 1) {
        ds->lo = ds->hi = domid;
        ds->range_dirty = false;
    } else {
        if (domid < ds->lo) ds->lo = domid;
        if (domid > ds->hi) ds->hi = domid;
    }
    return d;
}

static void pending_remove(libxl__death_state *ds, libxl__death_dom *d)
{
    (void)ds;
    if (!d->on_pending) return;
    *d->pending_pprev = d->pending_next;
    if (d->pending_next) d->pending_next->pending_pprev = d->pending_pprev;
    d->on_pending = false;
}

static void dom_free(libxl_ctx *ctx, libxl__death_dom *d)
{
    libxl__death_state *ds = &ctx->death;

    pending_remove(ds, d);
    if (d->reserved) {
        ds->reserved = NULL;
        free(d);
        return;
    }
    if (d->state != DS_DEAD) ds->n_not_dead--;
    ds->by_domid[d->domid] = NULL;
    libxl__death_dom *last = ds->dense[--ds->ndense];
    ds->dense[d->dense_idx] = last;
    last->dense_idx = d->dense_idx;
    if (d->domid == ds->lo || d->domid == ds->hi) ds->range_dirty = true;
    free(d);
}

static void recompute_range(libxl__death_state *ds)
{
    if (!ds->range_dirty) return;
    ds->range_dirty = false;
    if (!ds->ndense) return;
    ds->lo = ds->hi = ds->dense[0]->domid;
    for (uint32_t i = 1; i < ds->ndense; i++) {
        uint32_t id = ds->dense[i]->domid;
        if (id < ds->lo) ds->lo = id;
        if (id > ds->hi) ds->hi = id;
    }
}

/* --------------------------------------------------------------- scan */

static uint8_t state_of(const xc_domaininfo_t *info, uint8_t *reason_r)
{
    if (info->flags & XEN_DOMINF_dying) return DS_DEAD;
    if (info->flags & XEN_DOMINF_shutdown) {
        *reason_r = (info->flags >> XEN_DOMINF_shutdownshift) &
                    XEN_DOMINF_shutdownmask;
        return DS_SHUTDOWN;
    }
    return DS_ALIVE;
}

/* Fetch every domain in [from, to] in as few calls as possible (one, for
 * ranges up to SCAN_BATCH); calls found(d, info) for each watched one.
 * Returns 0 or ERROR_FAIL (after reporting a disaster). */
static int scan_range(libxl__egc *egc, uint32_t from, uint32_t to,
                      uint32_t *seen_live_r)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__death_state *ds = &ctx->death;
    uint32_t seen_live = 0;

    while (from <= to) {
        uint32_t want = to - from + 1;
        if (want > SCAN_BATCH) want = SCAN_BATCH;
        if (want > ds->buf_cap) {
            xc_domaininfo_t *nb = realloc(ds->buf, want * sizeof(*nb));
            if (!nb) {
                libxl__event_disaster(egc, "out of memory scanning domains",
                                      ENOMEM, LIBXL_EVENT_TYPE_DOMAIN_DEATH);
                return ERROR_FAIL;
            }
            ds->buf = nb;
            ds->buf_cap = want;
        }
        int got = xc_domain_getinfolist(ctx->xch, from, want, ds->buf);
        if (got < 0) {
            libxl__event_disaster(egc, "cannot list domains"
                                  " (xc_domain_getinfolist)", errno,
                                  LIBXL_EVENT_TYPE_DOMAIN_DEATH);
            return ERROR_FAIL;
        }
        for (int i = 0; i < got; i++) {
            const xc_domaininfo_t *info = &ds->buf[i];
            uint32_t id = info->domain;
            if (id > to || id >= NR_DOMIDS) break;
            libxl__death_dom *d = ds->by_domid[id];
            if (!d) continue;
            if (d->state != DS_DEAD) seen_live++;
            d->seen_gen = ds->scan_gen;
            uint8_t reason = d->reason;
            uint8_t st = state_of(info, &reason);
            if (d->state == DS_UNKNOWN)
                memcpy(&d->uuid, info->handle, sizeof(d->uuid));
            if (st != d->state || (st == DS_SHUTDOWN && reason != d->reason)) {
                set_state(ds, d, st);
                d->reason = reason;
                tell_all(egc, d);
            }
        }
        /* Fewer than asked means nothing further exists in the range. */
        if ((uint32_t)got < want) break;
        uint32_t last = ds->buf[got - 1].domain;
        if (last >= to) break;
        from = last + 1;
    }
    *seen_live_r = seen_live;
    return 0;
}

static void scan(libxl__egc *egc)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__death_state *ds = &ctx->death;
    uint32_t seen_live = 0;

    libxl__ev_time_deregister(ctx, &ds->rescan);
    if (ds->ndense) {
        recompute_range(ds);
        ds->scan_gen++;
        uint32_t live_before = ds->n_not_dead;
        if (scan_range(egc, ds->lo, ds->hi, &seen_live)) return;
        /* Records not returned by the hypervisor are gone. */
        if (seen_live < live_before) {
            for (uint32_t i = 0; i < ds->ndense; i++) {
                libxl__death_dom *d = ds->dense[i];
                if (d->seen_gen == ds->scan_gen || d->state == DS_DEAD)
                    continue;
                set_state(ds, d, DS_DEAD);
                tell_all(egc, d);
            }
        }
    }
    /* Evgens enabled since the last scan learn the current state even if
     * nothing changed. */
    while (ds->pending) {
        libxl__death_dom *d = ds->pending;
        ds->pending = d->pending_next;
        if (ds->pending) ds->pending->pending_pprev = &ds->pending;
        d->on_pending = false;
        tell_all(egc, d);
    }
}

static void release_domain_cb(libxl__egc *egc, libxl__ev_xswatch *w,
                              const char *watch_path, const char *event_path)
{
    (void)w; (void)watch_path; (void)event_path;
    scan(egc);
}

static void rescan_cb(libxl__egc *egc, libxl__ev_time *ev,
                      const struct timeval *requested_abs, int rc)
{
    (void)ev; (void)requested_abs; (void)rc;
    scan(egc);
}

/* ----------------------------------------------------------- evgens */

static void evgen_unlink_free(libxl_ctx *ctx, libxl_evgen_domain_death *evg)
{
    libxl__death_state *ds = &ctx->death;
    libxl__death_dom *d = evg->dom;

    if (evg->prev) evg->prev->next = evg->next;
    else d->evgens = evg->next;
    if (evg->next) evg->next->prev = evg->prev;
    free(evg);
    ds->nevgens--;
    if (!d->evgens) dom_free(ctx, d);
    if (!ds->nevgens) {
        libxl__ev_xswatch_deregister(ctx, &ds->watch);
        libxl__ev_time_deregister(ctx, &ds->rescan);
    }
}

int libxl_evenable_domain_death(libxl_ctx *ctx, uint32_t domid,
                                libxl_ev_user user,
                                libxl_evgen_domain_death **evgen_out)
{
    libxl__death_state *ds = &ctx->death;
    libxl_evgen_domain_death *evg = NULL;
    libxl__death_dom *d;
    bool dom_created = false;
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

    evg = calloc(1, sizeof(*evg));
    if (!evg) { rc = ERROR_NOMEM; goto out; }
    evg->ctx = ctx;
    evg->domid = domid;
    evg->user = user;

    if (domid >= NR_DOMIDS) {
        /* No such domain can exist: it is reported dead. */
        d = ds->reserved;
        if (!d) {
            d = calloc(1, sizeof(*d));
            if (!d) { rc = ERROR_NOMEM; goto out; }
            d->reserved = true;
            d->state = DS_DEAD;
            d->domid = domid;
            ds->reserved = d;
            dom_created = true;
        }
    } else {
        d = ds->by_domid ? ds->by_domid[domid] : NULL;
        if (!d) {
            d = dom_new(ctx, domid);
            if (!d) { rc = ERROR_NOMEM; goto out; }
            dom_created = true;
        }
    }

    if (!libxl__ev_xswatch_isregistered(&ds->watch)) {
        rc = libxl__ev_xswatch_register(ctx, &ds->watch, release_domain_cb,
                                        "@releaseDomain");
        if (rc) goto out;
    }
    if (!libxl__ev_time_isregistered(&ds->rescan)) {
        rc = libxl__ev_time_register_rel(ctx, &ds->rescan, rescan_cb, 0);
        if (rc) {
            if (!ds->nevgens) libxl__ev_xswatch_deregister(ctx, &ds->watch);
            goto out;
        }
    }

    evg->dom = d;
    evg->next = d->evgens;
    if (d->evgens) d->evgens->prev = evg;
    d->evgens = evg;
    ds->nevgens++;
    if (!d->on_pending) {
        d->on_pending = true;
        d->pending_next = ds->pending;
        if (ds->pending) ds->pending->pending_pprev = &d->pending_next;
        d->pending_pprev = &ds->pending;
        ds->pending = d;
    }

    *evgen_out = evg;
    evg = NULL;
    rc = 0;

out:
    if (rc) {
        if (dom_created) dom_free(ctx, d);
        free(evg);
    }
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

void libxl__death_state_init(libxl_ctx *ctx)
{
    libxl__death_state *ds = &ctx->death;

    memset(ds, 0, sizeof(*ds));
    libxl__ev_xswatch_init(&ds->watch);
    libxl__ev_time_init(&ds->rescan);
}

void libxl__death_state_dispose(libxl_ctx *ctx)
{
    libxl__death_state *ds = &ctx->death;

    /* Each call frees one evgen, and its record with the last one. */
    while (ds->ndense)
        evgen_unlink_free(ctx, ds->dense[ds->ndense - 1]->evgens);
    while (ds->reserved)
        evgen_unlink_free(ctx, ds->reserved->evgens);
    libxl__ev_xswatch_deregister(ctx, &ds->watch);
    libxl__ev_time_deregister(ctx, &ds->rescan);
    free(ds->by_domid);
    free(ds->dense);
    free(ds->buf);
    memset(ds, 0, sizeof(*ds));
}
