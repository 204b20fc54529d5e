/*
 * xs/release.h: the ctx's one @releaseDomain watch, shared by every user
 * that wants to hear when a domain may have gone (an operation waiting
 * for a domain to disappear, an event generator...). xenstored fires @releaseDomain whenever
 * a domain is released; a user then checks the state it cares about.
 *
 * A user is a libxl__xs_release registration with the same state contract
 * as the core's (Idle after _init, Active after a successful _register,
 * Idle again after _deregister, which may be called at any time with the
 * lock held, from any callback included; after it returns the callback is
 * not called again). Every callback runs with the lock held, once per
 * @releaseDomain event, in registration order.
 *
 * Events may be spurious, and a user that registers while the shared
 * watch is already in place hears nothing about releases that happened
 * before: after registering, it checks its state once itself. (A new watch
 * fires once when xenstored sets it up; that event reaches every user.)
 *
 * The shared watch is registered with the first user and removed with the
 * last, unless a user asked for it to be kept (libxl__xs_release_keep):
 * then it stays until the ctx is freed, so callers that come and go often
 * (one per operation) make no watch / unwatch round trips.
 */
#ifndef LIGHTCORE_XS_RELEASE_H
#define LIGHTCORE_XS_RELEASE_H

#include <stdbool.h>

#include "xs/xs.h"

typedef void libxl__xs_release_callback(libxl__egc *egc,
                                        libxl__xs_release *r);

struct libxl__xs_release {
    /* all private */
    libxl__xs_release_callback *callback;   /* NULL when Idle */
    XEN_TAILQ_ENTRY(libxl__xs_release) entry;
};

void libxl__xs_release_init(libxl__xs_release *r);
/* 0, or the errors of libxl__ev_xswatch_register (nothing registered). */
int libxl__xs_release_register(libxl_ctx *ctx, libxl__xs_release *r,
                               libxl__xs_release_callback *cb);
void libxl__xs_release_deregister(libxl_ctx *ctx, libxl__xs_release *r);
static inline bool libxl__xs_release_isregistered(const libxl__xs_release *r)
{ return r->callback != NULL; }

/* Keep the shared watch, once registered, until the ctx is freed. */
void libxl__xs_release_keep(libxl_ctx *ctx);

#endif /* LIGHTCORE_XS_RELEASE_H */
