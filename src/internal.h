/*
 * internal.h: the library's one internal header. It owns the ctx structure
 * and the conventions every module follows; each module's own contract is
 * stated in the section that declares it.
 *
 * Conventions:
 *  - internal names start with libxl__ and are never exported;
 *  - `rc` always holds a libxl error code (0 or ERROR_*), `r` a system call
 *    result; a function with cleanup has a single `out:` exit;
 *  - the ctx lock is recursive; application callbacks are never made with
 *    it held.
 */
#ifndef LIGHTCORE_INTERNAL_H
#define LIGHTCORE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <xenctrl.h>
#include <xenstore.h>

#include "libxl.h"
#include "libxl_event.h"

/* event core (ev_core.h): needs libxl_ctx; its state lives in ctx->ev */
#include "ev_core.h"

/* xenstore watches and event generators (evgen.h; xswatch.c, evgen_*.c) */
#include "evgen.h"

/* asynchronous operations (ao.h; ao.c, ao_wait.c, domain_ops.c) */
#include "ao.h"

#include "childproc.h" /* child processes (childproc.c, sigchld.c, forklock.c, pty.c) */

/* ------------------------------------------------------------------ ctx */

struct libxl__ctx {
    xentoollog_logger *lg;        /* the application's logger; not owned */
    xc_interface *xch;            /* hypervisor handle */
    struct xs_handle *xsh;        /* xenstore connection */

    /* Recursive. Protects every field below and all state of the modules
     * hanging off this ctx. */
    pthread_mutex_t lock;

    /* The event core's state (ev_core.h; private to ev_*.c, osevent_*.c,
     * event_queue.c). */
    libxl__ev_state ev;

    /* --- xenstore watches and event generators (evgen.h) --- */
    libxl__xswatch_state xsw;      /* xswatch.c */
    libxl__death_state death;      /* evgen_death.c */
    libxl__eject_state eject;      /* evgen_eject.c */
    /* --- end of event generators --- */

    libxl__childproc_state chld;   /* child processes (childproc.h) */

    /* --- asynchronous operations (ao.h) --- */
    libxl__ao_state ao;            /* ao.c, domain_ops.c */
    /* --- end of asynchronous operations --- */

    /* xsbatch.c: its private xenstore connection, fd + 1 (0: none). */
    int xsbatch_fd1;

    /* Filled on the first libxl_get_version_info, then constant. */
    libxl_version_info version_info;
    bool have_version_info;
};

#define CTX_LOCK(ctx)   libxl__ctx_lock(ctx)
#define CTX_UNLOCK(ctx) libxl__ctx_unlock(ctx)
void libxl__ctx_lock(libxl_ctx *ctx);
void libxl__ctx_unlock(libxl_ctx *ctx);

/*
 * For unit tests: a ctx with a lock, logger and event core but no
 * hypervisor or xenstore handles (xch and xsh are NULL). Free it with
 * libxl_ctx_free. Returns 0 or ERROR_NOMEM / ERROR_FAIL.
 */
int libxl__ctx_alloc_bare(libxl_ctx **pctx, xentoollog_logger *lg);

/* ------------------------------------------------------------- xsbatch */

/*
 * Independent xenstore requests (no transaction) made in one round trip
 * (xsbatch.c). Fill in type and path; libxl__xs_batch sets the results.
 * Lock not needed.
 */
enum { LIBXL__XS_READ, LIBXL__XS_DIRECTORY, LIBXL__XS_RM };
typedef struct {
    int type;             /* LIBXL__XS_* */
    const char *path;
    int err;              /* out: 0 or the errno value of the failure */
    char *data;           /* out (read, directory), malloc'ed, NUL-terminated:
                             the value, or the names each NUL-terminated */
    unsigned len;         /* out: bytes of data, without the final NUL */
} libxl__xs_req;
void libxl__xs_batch(libxl_ctx *ctx, libxl__xs_req *reqs, unsigned n);
/* Closes the private connection (ctx teardown). */
void libxl__xs_batch_dispose(libxl_ctx *ctx);

/* -------------------------------------------------------------- logging */

/* A domid meaning "this message is not about one domain". */
#define LIBXL__NO_DOMID ((uint32_t)INVALID_DOMID)

/*
 * Log through ctx's logger with context "libxl", as
 *   FILE:LINE:FUNC: MESSAGE   or   FILE:LINE:FUNC: Domain N:MESSAGE
 * errnoval is an errno value to report, or -1. ctx may be NULL (nothing is
 * logged). Preserves errno.
 */
void libxl__log(libxl_ctx *ctx, xentoollog_level level, int errnoval,
                const char *file, int line, const char *func,
                uint32_t domid, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

#ifdef __FILE_NAME__
#define LIBXL__FILE __FILE_NAME__
#else
#define LIBXL__FILE __FILE__
#endif

/* LOG(ctx, ERROR, "fmt", ...): level is a XTL_ suffix. LOGE adds errno;
 * LOGD / LOGED are the same about one domain. */
#define LOG(ctx, lvl, ...) \
    libxl__log((ctx), XTL_##lvl, -1, LIBXL__FILE, __LINE__, __func__, \
               LIBXL__NO_DOMID, __VA_ARGS__)
#define LOGE(ctx, lvl, ...) \
    libxl__log((ctx), XTL_##lvl, errno, LIBXL__FILE, __LINE__, __func__, \
               LIBXL__NO_DOMID, __VA_ARGS__)
#define LOGD(ctx, lvl, domid, ...) \
    libxl__log((ctx), XTL_##lvl, -1, LIBXL__FILE, __LINE__, __func__, \
               (domid), __VA_ARGS__)
#define LOGED(ctx, lvl, domid, ...) \
    libxl__log((ctx), XTL_##lvl, errno, LIBXL__FILE, __LINE__, __func__, \
               (domid), __VA_ARGS__)

#endif /* LIGHTCORE_INTERNAL_H */
