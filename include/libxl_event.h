/*
 * libxl_event.h: events, event loop integration and child processes,
 * compatible with Xen 4.17's libxl_event.h.
 *
 * This file grows as the event core is built; everything declared here is
 * implemented.
 */
#ifndef LIBXL_EVENT_H
#define LIBXL_EVENT_H

#include <libxl.h>
#include <poll.h>
#include <sys/time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A typemask that selects every event type. */
#define LIBXL_EVENTMASK_ALL (~(unsigned long)0)

/*
 * A predicate selects events in libxl_event_check / libxl_event_wait:
 * nonzero means wanted. It must not fail and must not call the library.
 */
typedef int libxl_event_predicate(const libxl_event *, void *user);

/*
 * libxl_event_free: dispose of an event the caller owns and free it.
 * event may be NULL; ctx may be NULL.
 */
void libxl_event_free(libxl_ctx *ctx, libxl_event *event);

#ifdef __cplusplus
}
#endif

#endif /* LIBXL_EVENT_H */
