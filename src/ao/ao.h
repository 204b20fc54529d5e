/*
 * ao/ao.h: the internal interface of asynchronous operations ("aos":
 * ao.c) and of the abortable timeout built for them (ao_wait.c). Public functions that take `const libxl_asyncop_how *ao_how`
 * are written once, against this interface; which of the three completion
 * styles the application chose, and which thread ends up completing the
 * operation, is decided here and nowhere else.
 *
 * Lock rules: everything here is called with the ctx lock held, except
 * where said otherwise. Every callback declared here is called with the
 * lock held, exactly once per occurrence, and must not release it.
 *
 * ------------------------------------------------------------------------
 * Writing an operation
 *
 *   int libxl_domain_frob(libxl_ctx *ctx, uint32_t domid,
 *                         const libxl_asyncop_how *ao_how)
 *   {
 *       AO_CREATE(ctx, domid, ao_how);      // egc, lock, `ao`
 *       frob_state *fs = libxl__ao_zalloc(ao, sizeof(*fs));
 *       if (!fs) return AO_CREATE_FAIL(ERROR_NOMEM);
 *       ... start the work: register waits (callbacks with lock held) ...
 *       if (it could not start) return AO_CREATE_FAIL(rc);  // no callback
 *       return AO_INPROGRESS;
 *   }
 *   ... later, in some callback, exactly once:
 *       libxl__ao_complete(egc, ao, rc);
 *
 *  - AO_CREATE_FAIL(rc) is only for an operation that has not completed
 *    and holds nothing (no registrations, no holds): it is as if the call
 *    never started; no callback or event follows; it returns rc.
 *  - AO_INPROGRESS returns: for a synchronous call (ao_how == NULL), the
 *    operation's rc, once it has completed and all its work has finished
 *    (the calling thread runs the event loop meanwhile, see
 *    libxl__eventloop_wait); otherwise 0. libxl__ao_complete may be called
 *    before AO_INPROGRESS (completion inside the initiating call): a
 *    completion callback is then made before the initiating call returns.
 *  - Before completing, the operation stops all its registrations (waits,
 *    watches, timeouts); what is allocated from the ao's pool stays valid
 *    until the ao is destroyed, after its completion has been delivered.
 *  - An initiator (never a callback) may release the lock around a slow
 *    call that touches no library state, such as a hypercall:
 *        AO_UNLOCKED(ao, r = xc_domain_pause(ctx->xch, domid));
 *    Meanwhile other threads may run, and may request an abort.
 *
 * Holding an ao open: sub-operations and child processes
 *  - libxl__ao_hold / libxl__ao_release count "outstanding work" that is
 *    not the operation's own state machine: a child process that must be
 *    reaped, a sub-operation still running after the operation decided its
 *    result (typically after an abort). libxl__ao_complete records the
 *    result, but the completion is delivered (callback, event, or the
 *    synchronous return) only once every hold has been released. A holder
 *    keeps the ao (and its pool) valid until it releases. Releasing may
 *    deliver the completion; release from a callback (with its egc) or,
 *    outside any callback, with an egc of one's own (EGC_INIT, lock,
 *    release, CTX_UNLOCK_EGC_FREE).
 *  - libxl__subop_begin starts a sub-operation: a hold plus an allocation
 *    pool of its own, freed by libxl__subop_end (not at completion), so
 *    long or repeated steps do not grow the ao's pool. Abortable waits of
 *    a sub-operation register with its ao (sub->ao) and hear its abort.
 *  - The child-process module ties a child to an ao by holding it from
 *    fork to reap; on abort it kills the child, and the operation may
 *    complete at once with ERROR_ABORTED while the completion waits for
 *    the reap.
 *
 * Aborting (libxl_ao_abort)
 *  - An abort request marks the ao aborting and calls the callback of
 *    every abortable registered with it (rc = ERROR_ABORTED), in
 *    registration order; the abortable is deregistered just before.
 *  - Registering an abortable with an ao that is already aborting fails
 *    with ERROR_ABORTED, so a step started after the request hears it.
 *  - An ao can be aborted from its creation until libxl__ao_complete;
 *    afterwards libxl_ao_abort returns ERROR_NOTFOUND and the operation's
 *    real result stands.
 *
 * Progress (libxl_asyncprogress_how)
 *  - libxl__ao_progress_report delivers a report as the how says. Reports
 *    by callback are counted: the completion is delivered only after every
 *    progress callback has returned, whatever thread it ran on (for a
 *    synchronous call: before the initiating call returns).
 *
 * Lifetime
 *  - An ao is destroyed (pool freed) when its completion has been
 *    delivered and its initiator has returned. libxl_ctx_free refuses to
 *    free a ctx while any ao exists (see libxl.h).
 * ------------------------------------------------------------------------
 */
#ifndef LIGHTCORE_AO_AO_H
#define LIGHTCORE_AO_AO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/gc.h"
#include "ev/ev.h"
#include "xs/xs.h"

typedef struct libxl__ao libxl__ao;
typedef struct libxl__ao_abortable libxl__ao_abortable;
typedef struct libxl__subop libxl__subop;

/* ------------------------------------------------------------- ao */

/* Private to ao.c (declared here so that it can be embedded). */
struct libxl__ao {
    uint32_t magic;
    libxl_ctx *ctx;
    uint32_t domid;
    libxl_asyncop_how how;            /* copy; meaningful if !sync */
    bool sync;                        /* ao_how == NULL */
    bool in_initiator;                /* AO_INPROGRESS not yet returned */
    bool waiting;                     /* sync initiator in the event loop */
    bool complete;                    /* libxl__ao_complete was called */
    bool notified;                    /* completion delivered / queued */
    bool aborting;
    bool orphaned;                    /* sync initiator gave up: discard */
    int rc;
    int holds;                        /* outstanding work */
    int progress_outstanding;         /* progress callbacks not returned */
    int refs;                         /* initiator + pending notification */
    XEN_TAILQ_HEAD(, libxl__ao_abortable) abortables;  /* registered */
    XEN_TAILQ_ENTRY(libxl__ao) inflight_entry;  /* until complete */
    bool linked;                      /* on CTX_AO(ctx)->inflight */
    libxl__egc_deferred notify_d;
    libxl__gc gc;                     /* the ao's lifetime (libxl__ao_gc) */
};

/* Per-ctx state (CTX_AO(ctx)). */
typedef struct libxl__ao_state {
    XEN_TAILQ_HEAD(, libxl__ao) inflight;  /* not yet complete */
    unsigned live;                    /* aos not yet destroyed */
} libxl__ao_state;

/* The ctx as the ao layer sees it (base/ctx_base.h explains views). */
typedef struct libxl__ctx_view_ao {
    libxl__ctx_view_xs lower;
    libxl__ao_state ao;
} libxl__ctx_view_ao;
#define CTX_AO(ctx) (&((libxl__ctx_view_ao *)(ctx))->ao)

/* The module table's entry: busy (logged) while any ao exists, in which
 * case libxl_ctx_free refuses to free the ctx. */
extern const libxl__module libxl__module_ao;

/* The building blocks of the macros below. */
libxl__ao *libxl__ao_create(libxl__egc *egc, uint32_t domid,
                            const libxl_asyncop_how *how);
int libxl__ao_inprogress(libxl__egc *egc, libxl__ao *ao);
int libxl__ao_create_fail(libxl__egc *egc, libxl__ao *ao, int rc);

#define AO_CREATE(ctx_, domid_, how_)                                      \
    EGC_INIT(ctx_);                                                        \
    CTX_LOCK(ctx_);                                                        \
    libxl__ao *const ao = libxl__ao_create(egc, (domid_), (how_));         \
    if (!ao) { CTX_UNLOCK_EGC_FREE; return ERROR_NOMEM; }

#define AO_INPROGRESS                                                      \
    ({ int ao_rc_ = libxl__ao_inprogress(egc, ao);                         \
       CTX_UNLOCK_EGC_FREE; ao_rc_; })

#define AO_CREATE_FAIL(rc_)                                                \
    ({ int ao_rc_ = libxl__ao_create_fail(egc, ao, (rc_));                 \
       CTX_UNLOCK_EGC_FREE; ao_rc_; })

/* Initiators only: run stmt without the ctx lock (errno is preserved). */
#define AO_UNLOCKED(ao_, stmt)                                             \
    do {                                                                   \
        CTX_UNLOCK((ao_)->ctx);                                            \
        stmt;                                                              \
        int ao_errno_ = errno;                                             \
        CTX_LOCK((ao_)->ctx);                                              \
        errno = ao_errno_;                                                 \
    } while (0)

/* ------------------------------------------------ immediate operations */

/*
 * An operation whose whole work is one step that needs neither the ctx
 * lock nor the event loop, such as a single hypercall (pause, unpause),
 * is written as a step function and started with libxl__ao_immediate
 * (instead of AO_CREATE ... AO_INPROGRESS). The step runs on the
 * initiating thread without the lock and returns either
 *   - 0, with the operation's result in *result: the operation ran and
 *     *result is its completion (the return value of a synchronous call,
 *     or the rc of the callback or OPERATION_COMPLETE event, delivered
 *     before the initiating call returns); or
 *   - an error: the operation could not start; the initiating call returns
 *     it and no completion follows (as AO_CREATE_FAIL).
 * A synchronous call (how == NULL) takes no lock and allocates nothing,
 * so threads sharing a ctx do not serialise on each other. Such a call is
 * never seen by libxl_ao_abort (which then returns ERROR_NOTFOUND, as for
 * an operation that completed first). Takes the lock itself when needed:
 * call it without the lock, from the public function.
 */
typedef int libxl__ao_step(libxl_ctx *ctx, uint32_t domid, void *arg,
                           int *result);
int libxl__ao_immediate(libxl_ctx *ctx, uint32_t domid,
                        const libxl_asyncop_how *how,
                        libxl__ao_step *step, void *arg);

/*
 * The operation is over with result rc. Call exactly once; a second call
 * is a bug, logged and ignored (the first result stands). The completion
 * is delivered once no holds and no progress callbacks are outstanding.
 */
void libxl__ao_complete(libxl__egc *egc, libxl__ao *ao, int rc);

/* True once an abort has been requested. */
static inline bool libxl__ao_aborting(const libxl__ao *ao)
{ return ao->aborting; }

/* Outstanding work (see the top of this file). */
void libxl__ao_hold(libxl__ao *ao);
void libxl__ao_release(libxl__egc *egc, libxl__ao *ao);

/* Allocation for the ao's lifetime, freed when the ao is destroyed.
 * Zeroed; NULL (logged) when out of memory. libxl__ao_gc gives the same
 * memory to helpers that take a libxl__gc. */
static inline libxl__gc *libxl__ao_gc(libxl__ao *ao) { return &ao->gc; }
void *libxl__ao_zalloc(libxl__ao *ao, size_t size);
char *libxl__ao_sprintf(libxl__ao *ao, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------- sub-operations */

struct libxl__subop {
    libxl__ao *ao;                    /* read-only for the user */
    libxl__gc gc;                     /* the sub-operation's lifetime */
};

/* Begin a sub-operation of ao (holds ao). NULL when out of memory. */
libxl__subop *libxl__subop_begin(libxl__ao *ao);
/* Allocate from the sub-operation's own pool (zeroed; NULL on OOM). */
void *libxl__subop_zalloc(libxl__subop *sub, size_t size);
/* End it: free its pool and the subop, release the hold. */
void libxl__subop_end(libxl__egc *egc, libxl__subop *sub);

/* ---------------------------------------------------------- progress */

/* A new event of type about ao's domain, for a progress report through
 * how (for_user = how->for_event); NULL when out of memory. */
libxl_event *libxl__ao_progress_event(libxl__ao *ao,
                                      const libxl_asyncprogress_how *how,
                                      libxl_event_type type);
/* Deliver ev (ownership passes here) as how says; how may be NULL
 * (discarded). The ao must not be complete yet. */
void libxl__ao_progress_report(libxl__egc *egc, libxl__ao *ao,
                               const libxl_asyncprogress_how *how,
                               libxl_event *ev);

/* --------------------------------------------------------- abortables */

/* Told rc = ERROR_ABORTED; ab is already deregistered. */
typedef void libxl__ao_abortable_callback(libxl__egc *egc,
                                          libxl__ao_abortable *ab, int rc);

struct libxl__ao_abortable {
    /* private */
    libxl__ao *ao;
    libxl__ao_abortable_callback *callback;
    bool registered;
    XEN_TAILQ_ENTRY(libxl__ao_abortable) entry;   /* on ao->abortables */
};

void libxl__ao_abortable_init(libxl__ao_abortable *ab);
/* 0, or ERROR_ABORTED (nothing registered) if ao is already aborting. */
int libxl__ao_abortable_register(libxl__ao *ao, libxl__ao_abortable *ab,
                                 libxl__ao_abortable_callback *cb);
void libxl__ao_abortable_deregister(libxl__ao_abortable *ab);
static inline bool libxl__ao_abortable_isregistered(
    const libxl__ao_abortable *ab)
{ return ab->registered; }

/* -------------------------------------------- abortable waits (ao_wait.c) */

/*
 * An abortable timeout: the callback gets ERROR_TIMEDOUT when ms have
 * passed, or ERROR_ABORTED when the ao is aborted first; either way the
 * registration is Idle when the callback runs. Same state contract as
 * libxl__ev_time (init -> Idle, register -> Active, deregister -> Idle).
 */
typedef struct libxl__ao_time libxl__ao_time;
typedef void libxl__ao_time_callback(libxl__egc *egc, libxl__ao_time *t,
                                     int rc);
struct libxl__ao_time {
    /* private */
    libxl__ao_time_callback *callback;
    libxl__ev_time time;
    libxl__ao_abortable abrt;
};
void libxl__ao_time_init(libxl__ao_time *t);
/* 0, ERROR_ABORTED (ao already aborting), or the core's errors. */
int libxl__ao_time_register(libxl__ao *ao, libxl__ao_time *t,
                            libxl__ao_time_callback *cb, int ms);
void libxl__ao_time_deregister(libxl_ctx *ctx, libxl__ao_time *t);
static inline bool libxl__ao_time_isregistered(const libxl__ao_time *t)
{ return libxl__ev_time_isregistered(&t->time); }

#endif /* LIGHTCORE_AO_AO_H */
