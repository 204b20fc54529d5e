/*
 * evgen.h: internal interface of the xenstore watch multiplexer
 * (xswatch.c) and of the event generators built on it (evgen_death.c:
 * DOMAIN_SHUTDOWN / DOMAIN_DEATH; evgen_eject.c: DISK_EJECT). Included by
 * internal.h, whose ctx structure embeds the per-ctx states declared here.
 *
 * Everything here is called with the ctx lock held (the ctx_* init and
 * dispose functions are called by ctx.c while it owns the ctx alone).
 */
#ifndef LIGHTCORE_EVGEN_H
#define LIGHTCORE_EVGEN_H

#include <stdbool.h>
#include <stdint.h>

#include <xenctrl.h>

#include "ev_core.h"

/* ------------------------------------------------------------ xswatch */

/*
 * An internal xenstore watch. Any number of them share the ctx's one
 * xenstore connection (ctx->xsh). The callback runs with the lock held,
 * once per watch event xenstored sends for this registration: watch_path
 * is the path registered, event_path the node that fired (equal to it or
 * below it). Like the core's registrations: Idle after _init, Active after
 * a successful _register, Idle again after _deregister, which may be
 * called at any time (also from inside any watch callback, its own
 * included); after it returns the callback is not called again, even for
 * events xenstored had already queued. A new watch fires once at once
 * (xenstored's rule), and watches may fire spuriously: callbacks read the
 * state they care about, they never count events.
 *
 * Losing the connection to xenstored is a disaster (libxl__event_disaster,
 * reported once per ctx); afterwards _register fails with ERROR_FAIL and
 * existing registrations stay Active but silent until deregistered.
 */
typedef struct libxl__ev_xswatch libxl__ev_xswatch;
typedef void libxl__ev_xswatch_callback(libxl__egc *egc, libxl__ev_xswatch *w,
                                        const char *watch_path,
                                        const char *event_path);
struct libxl__ev_xswatch {
    /* all private */
    libxl__ev_xswatch_callback *callback;   /* NULL when Idle */
    char *path;
    uint32_t slot;
};

void libxl__ev_xswatch_init(libxl__ev_xswatch *w);
/* Returns 0, ERROR_NOMEM or ERROR_FAIL (no xenstore, connection lost,
 * xenstored refused the watch). */
int libxl__ev_xswatch_register(libxl_ctx *ctx, libxl__ev_xswatch *w,
                               libxl__ev_xswatch_callback *cb,
                               const char *path);
void libxl__ev_xswatch_deregister(libxl_ctx *ctx, libxl__ev_xswatch *w);
static inline bool libxl__ev_xswatch_isregistered(const libxl__ev_xswatch *w)
{ return w->callback != NULL; }

/* True once the xenstored connection has been found lost. */
bool libxl__xswatch_conn_lost(libxl_ctx *ctx);

/* A request on ctx->xsh failed with errno e: if that means the connection
 * is gone, report the disaster (once) and return true. */
bool libxl__xswatch_check_conn_error(libxl__egc *egc, int e);

typedef struct libxl__xswatch_slot libxl__xswatch_slot;

typedef struct libxl__xswatch_state {
    libxl__xswatch_slot *slots;    /* token -> watch, by slot index */
    uint32_t nslots;
    uint32_t free_head;            /* first free slot, or UINT32_MAX */
    uint32_t nwatches;             /* Active registrations */
    libxl__ev_fd pipe_reg;         /* xs_fileno(ctx->xsh) */
    libxl__ev_fd sentinel_reg;     /* see xswatch.c: connection loss */
    int sentinel_fd;
    bool lost;
} libxl__xswatch_state;

/* ------------------------------------------------------ domain death */

typedef struct libxl__death_dom libxl__death_dom;

typedef struct libxl__death_state {
    libxl__ev_xswatch watch;       /* @releaseDomain, while any evgen */
    libxl__ev_time rescan;         /* immediate scan after an enable */
    libxl__death_dom **by_domid;   /* DOMID_FIRST_RESERVED entries */
    libxl__death_dom **dense;      /* every record, any order */
    uint32_t ndense, dense_cap;
    uint32_t lo, hi;               /* watched domid range (if ndense) */
    bool range_dirty;              /* lo/hi may be too wide */
    uint32_t n_not_dead;           /* records not known to be dead */
    libxl__death_dom *pending;     /* records with new evgens to tell */
    libxl__death_dom *reserved;    /* evgens for impossible domids */
    xc_domaininfo_t *buf;
    uint32_t buf_cap;
    uint64_t scan_gen;
    uint32_t nevgens;
} libxl__death_state;

/* --------------------------------------------------------- disk eject */

typedef struct libxl__eject_state {
    struct libxl__evgen_disk_eject *head;  /* every evgen of the ctx */
} libxl__eject_state;

/* ----------------------------------------- per-ctx setup and teardown */

/* Cannot fail (everything is lazy). */
void libxl__evgens_init(libxl_ctx *ctx);
/* Disables every evgen, releases every watch and the connection-loss
 * sentinel; makes no callback. Call before libxl__ev_state_dispose. */
void libxl__evgens_dispose(libxl_ctx *ctx);

/* The parts, for the function above. */
void libxl__xswatch_state_init(libxl_ctx *ctx);
void libxl__xswatch_state_dispose(libxl_ctx *ctx);
void libxl__death_state_init(libxl_ctx *ctx);
void libxl__death_state_dispose(libxl_ctx *ctx);
void libxl__eject_state_init(libxl_ctx *ctx);
void libxl__eject_state_dispose(libxl_ctx *ctx);

#endif /* LIGHTCORE_EVGEN_H */
