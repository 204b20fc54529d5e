/*
 * evgen/evgen.h: the event generators built on the xenstore layer:
 * domain death (death.c: DOMAIN_SHUTDOWN / DOMAIN_DEATH) and disk eject
 * (eject.c: DISK_EJECT), with their per-ctx state.
 *
 * Everything here is called with the ctx lock held.
 */
#ifndef LIGHTCORE_EVGEN_EVGEN_H
#define LIGHTCORE_EVGEN_EVGEN_H

#include <stdbool.h>
#include <stdint.h>

#include <xenctrl.h>

#include "child/child.h"
#include "xs/release.h"
#include "xs/xs.h"

/* ------------------------------------------------------ domain death */

typedef struct libxl__death_dom libxl__death_dom;
typedef struct libxl__death_chunk libxl__death_chunk;
typedef struct libxl__death_slab libxl__death_slab;

typedef struct libxl__death_state {
    libxl__xs_release release;     /* @releaseDomain, while any evgen */
    libxl__ev_time rescan;         /* immediate scan after an enable */
    libxl__death_chunk **chunks;   /* records by domid, in chunks */
    uint16_t *seen;                /* state code last seen, by domid */
    libxl__death_dom *reserved;    /* evgens for impossible domids */
    uint32_t nrecs;                /* records (domids with evgens) */
    uint32_t pending;              /* records with new evgens to tell:
                                      first domid + 1, or 0 */
    uint32_t nevgens;
    libxl__death_slab *slabs;      /* evgen storage */
    libxl_evgen_domain_death *free_evgens;
    xc_hypercall_buffer_t buf;     /* getdomaininfolist, kept */
    int buf_pages;
    uint32_t buf_cap;              /* entries */
} libxl__death_state;

/* --------------------------------------------------------- disk eject */

typedef struct libxl__eject_state {
    /* every evgen of the ctx */
    XEN_LIST_HEAD(, struct libxl__evgen_disk_eject) evgens;
} libxl__eject_state;

/* ------------------------------------------------------------- per ctx */

/* The ctx as the event generators see it (base/ctx_base.h explains
 * views). */
typedef struct libxl__ctx_view_evgen {
    libxl__ctx_view_child lower;
    libxl__death_state death;      /* death.c */
    libxl__eject_state eject;      /* eject.c */
} libxl__ctx_view_evgen;
#define CTX_DEATH(ctx) (&((libxl__ctx_view_evgen *)(ctx))->death)
#define CTX_EJECT(ctx) (&((libxl__ctx_view_evgen *)(ctx))->eject)

/* The module table's entries: init cannot fail (everything is lazy);
 * dispose disables every evgen and releases its watches, making no
 * callback. */
extern const libxl__module libxl__module_death;
extern const libxl__module libxl__module_eject;

#endif /* LIGHTCORE_EVGEN_EVGEN_H */
