/*
 * subop/xswait.h: waiting for a xenstore node to take a value an
 * operation expects, abortable and bounded by a timeout: a reusable
 * asynchronous sub-operation (a watch plus an ao_time), called with the
 * ctx lock held.
 */
#ifndef LIGHTCORE_SUBOP_XSWAIT_H
#define LIGHTCORE_SUBOP_XSWAIT_H

#include "ao/ao.h"
#include "xs/xs.h"

/*
 * Waiting for a xenstore node, abortable and bounded by a timeout. The
 * caller fills in the public fields and calls _start. The callback runs
 *  - with rc = 0 and the node's current value (NULL if it does not exist)
 *    whenever it may have changed, first soon after _start; the wait goes
 *    on until the callback calls libxl__xswait_stop;
 *  - with rc = ERROR_TIMEDOUT, ERROR_ABORTED or ERROR_FAIL (the node could
 *    not be read) and value NULL; the wait has then already stopped.
 * value is only valid during the callback.
 */
typedef struct libxl__xswait libxl__xswait;
typedef void libxl__xswait_callback(libxl__egc *egc, libxl__xswait *xsw,
                                    int rc, const char *value);
struct libxl__xswait {
    /* set by the caller before _start */
    libxl__ao *ao;
    const char *what;                 /* for log messages */
    const char *path;                 /* must stay valid while in use */
    int timeout_ms;
    libxl__xswait_callback *callback;
    /* private */
    libxl__ev_xswatch watch;
    libxl__ao_time time;
};
void libxl__xswait_init(libxl__xswait *xsw);
/* 0, or an error (nothing left registered). */
int libxl__xswait_start(libxl__xswait *xsw);
void libxl__xswait_stop(libxl__xswait *xsw);
static inline bool libxl__xswait_inuse(const libxl__xswait *xsw)
{ return libxl__ev_xswatch_isregistered(&xsw->watch); }

#endif /* LIGHTCORE_SUBOP_XSWAIT_H */
