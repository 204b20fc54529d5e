/*
 * libxl.h: lightcore's public interface, a drop-in for the part of Xen
 * 4.17's libxenlight that lightcore implements.
 *
 * Everything declared here has the same name, signature, values and struct
 * layout as in libxenlight 4.17, so a program built against Xen's header can
 * link against this library and a program written for Xen's header compiles
 * against this one. Only functions the library really implements are
 * declared; a LIBXL_HAVE_* macro is defined only for features present.
 *
 * Memory contract (as libxenlight's): the ctx is thread-safe; everything a
 * function returns through a pointer is malloc'ed and owned by the caller,
 * who frees it with the type's _dispose (then free) or the documented
 * _list_free function. Types are initialised with their _init function and
 * released with _dispose; both may be called more than once.
 *
 * Logging: every message goes through the xentoollog logger given to
 * libxl_ctx_alloc, with context "libxl", formatted as
 *     FILE:LINE:FUNCTION: MESSAGE
 * or, for messages about one domain,
 *     FILE:LINE:FUNCTION: Domain N:MESSAGE
 * (toolstacks route per-domain logs by that "Domain N:" text).
 */
#ifndef LIBXL_H
#define LIBXL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/wait.h> /* pid_t */

#include <xentoollog.h>

typedef struct libxl__ctx libxl_ctx;

#include <libxl_uuid.h>
#include <xen_list.h>

/*
 * API compatibility. A program may define LIBXL_API_VERSION (0xVVSSEE) to
 * the libxl API it was written for; any value libxl 4.17 does not know is
 * rejected at compile time. Undefined means the newest API.
 */
#ifdef LIBXL_API_VERSION
#if LIBXL_API_VERSION != 0x040200 && LIBXL_API_VERSION != 0x040300 && \
    LIBXL_API_VERSION != 0x040400 && LIBXL_API_VERSION != 0x040500 && \
    LIBXL_API_VERSION != 0x040700 && LIBXL_API_VERSION != 0x040800 && \
    LIBXL_API_VERSION != 0x041300 && LIBXL_API_VERSION != 0x041400
#error Unknown LIBXL_API_VERSION
#endif
#endif

/* libxl_domain_info reports a missing domain as ERROR_DOMAIN_NOTFOUND. */
#define LIBXL_HAVE_ERROR_DOMAIN_NOTFOUND 1

/* The event_occurs hook takes a non-const event (the callee frees it). */
#if !defined(LIBXL_API_VERSION) || LIBXL_API_VERSION > 0x040200
#define LIBXL_HAVE_NONCONST_EVENT_OCCURS_EVENT_ARG 1
#endif

/* libxl_uuid_copy takes a ctx argument. */
#define LIBXL_HAVE_UUID_COPY_CTX_PARAM 1

/*
 * Functions marked LIBXL_EXTERNAL_CALLERS_ONLY drive the event loop or take
 * a libxl_asyncop_how: they may be called by applications only, never from
 * inside the library (the library's own build turns a call into a
 * warning). For applications the marker expands to nothing.
 */
#ifndef LIBXL_EXTERNAL_CALLERS_ONLY
#define LIBXL_EXTERNAL_CALLERS_ONLY /* empty outside the library */
#endif

/* Old names of the checkpoint error codes, for API 0x0405xx callers. */
#if defined(LIBXL_API_VERSION) && LIBXL_API_VERSION >= 0x040500 \
                               && LIBXL_API_VERSION < 0x040700
#define ERROR_REMUS_DEVOPS_DOES_NOT_MATCH \
        ERROR_CHECKPOINT_DEVOPS_DOES_NOT_MATCH
#define ERROR_REMUS_DEVICE_NOT_SUPPORTED \
        ERROR_CHECKPOINT_DEVICE_NOT_SUPPORTED
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Builtin types the IDL refers to (libxl_defbool, libxl_bitmap, ...). */
#include "_libxl_builtin_types.h"

#ifdef __cplusplus
}
#endif

/* Generated from libxl_types.idl: enums, structs and their functions. */
#include "_libxl_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * libxl_get_version_info: the hypervisor's version information. The
 * returned pointer is owned by ctx and stays valid until libxl_ctx_free.
 * NULL (with a log message) if the hypervisor cannot be asked.
 */
const libxl_version_info *libxl_get_version_info(libxl_ctx *ctx);

/*
 * Long-running operations take a `const libxl_asyncop_how *ao_how`:
 *  - ao_how == NULL: synchronous; the call returns the final result.
 *  - ao_how->callback != NULL: the call returns 0 once the operation is
 *    started (or an error if it could not be started, in which case no
 *    callback follows); callback(ctx, rc, u.for_callback) is made exactly
 *    once when it completes, possibly before the initiating call returns.
 *  - ao_how->callback == NULL: completion is an OPERATION_COMPLETE event
 *    with for_user = u.for_event and u.operation_complete.rc.
 * *ao_how need not outlive the initiating call; every other argument must
 * outlive the operation. Callbacks may run on any thread that calls into
 * the library, never with the library's lock held, and follow the same
 * re-entrancy rules as libxl_event_hooks.event_occurs (libxl_event.h).
 */
typedef struct {
    void (*callback)(libxl_ctx *ctx, int rc, void *for_callback);
    union {
        libxl_ev_user for_event; /* used if callback == NULL */
        void *for_callback;      /* passed to callback */
    } u;
} libxl_asyncop_how;

/*
 * Intermediate progress of some long-running operations, one
 * libxl_asyncprogress_how per kind of progress:
 *  - NULL: progress reports are discarded;
 *  - callback == NULL: each report is queued as an event (for_user =
 *    for_event), to be fetched with libxl_event_check / libxl_event_wait;
 *  - otherwise callback(ctx, event, for_callback) is made and the callee
 *    owns (and must free) the event.
 * All progress reports are delivered before the operation completes, but
 * possibly on other threads and in any order relative to each other.
 */
typedef struct {
    void (*callback)(libxl_ctx *ctx, libxl_event *, void *for_callback);
    libxl_ev_user for_event; /* always used */
    void *for_callback;      /* passed to callback */
} libxl_asyncprogress_how;

/* The only version of the ctx interface: pass it to libxl_ctx_alloc. */
#define LIBXL_VERSION 0

/*
 * libxl_ctx_alloc: make a library context.
 *  - version must be LIBXL_VERSION, else ERROR_VERSION (nothing allocated);
 *  - flags: none defined, pass 0;
 *  - lg: the logger every message goes to; it must outlive the ctx.
 * Opens connections to the hypervisor (libxenctrl) and to xenstored. If
 * either cannot be reached the failure is logged and ERROR_FAIL returned,
 * with *pctx left untouched. Registers no fd or timeout with the
 * application (that happens lazily, when something needs watching), so
 * libxl_osevent_register_hooks may be called after synchronous calls.
 */
int libxl_ctx_alloc(libxl_ctx **pctx, int version,
                    unsigned flags /* none currently defined */,
                    xentoollog_logger *lg);

/*
 * libxl_ctx_free: release a context and everything hanging off it.
 * ctx may be NULL (returns 0). Must not be called from inside a callback
 * made by this ctx, nor while another thread uses the ctx.
 */
int libxl_ctx_free(libxl_ctx *ctx /* NULL is OK */);

/* Domain ids with special meanings. */
#define INVALID_DOMID ~0
#define RANDOM_DOMID (INVALID_DOMID - 1)

/*
 * libxl_domain_info: information about one domain, written to *info_r
 * (which the function initialises; dispose it with libxl_dominfo_dispose).
 * info_r may be NULL to ask only whether the domain exists.
 * Returns 0, ERROR_DOMAIN_NOTFOUND if there is no such domain, or
 * ERROR_FAIL if the hypervisor could not be asked.
 */
int libxl_domain_info(libxl_ctx *ctx, libxl_dominfo *info_r,
                      uint32_t domid);

/*
 * libxl_list_domain: every domain, in ascending domid order, as a malloc'ed
 * array whose length is stored in *nb_domain_out; free it with
 * libxl_dominfo_list_free. NULL (logged) on failure. Costs one hypercall
 * per 1024 domains.
 */
libxl_dominfo *libxl_list_domain(libxl_ctx *ctx, int *nb_domain_out);
void libxl_dominfo_list_free(libxl_dominfo *list, int nb_domain);

/* ==================================================================
 * Asynchronous operations and the domain operations built on them
 * (src/ao.c, src/domain_ops.c)
 * ==================================================================
 *
 * See libxl_asyncop_how and libxl_asyncprogress_how above for how a
 * long-running call completes. In addition:
 *  - A call that returns an error other than 0 with ao_how != NULL did not
 *    start: no callback or event follows.
 *  - Completion is delivered exactly once. A progress callback of an
 *    operation has always returned before its completion is delivered.
 *  - libxl_ctx_free and operations in flight: while any asynchronous
 *    operation of the ctx has not delivered its completion (or, for a
 *    synchronous call, has not returned), libxl_ctx_free logs an error,
 *    frees nothing and returns ERROR_INVAL; the ctx stays fully usable.
 *    Abort the operations (libxl_ao_abort), let them complete, then free
 *    the ctx. (libxl 4.17 aborts the process instead.)
 */

/*
 * LIBXL_HAVE_AO_ABORT indicates the availability of libxl_ao_abort
 */
#define LIBXL_HAVE_AO_ABORT 1

/*
 * libxl_ao_abort: ask an operation in progress to stop. It looks for the
 * oldest operation started with an ao_how equal to *how (same callback and
 * for_callback, or no callback and the same for_event); how == NULL
 * matches the oldest synchronous one (which must then be running on
 * another thread). Returns
 *  - 0: found; the abort was requested. The operation completes later,
 *    with ERROR_ABORTED if it was cut short (possibly half-done, see each
 *    operation), or with its real result if it finished anyway;
 *  - ERROR_NOTFOUND: no such operation in progress (it may have just
 *    completed, perhaps on another thread); nothing was done;
 *  - ERROR_ABORTED: that operation had already been asked to abort.
 * Waits on things outside the library (guests, xenstore, the hypervisor)
 * hear the abort at once. Reusing a for_callback / for_event value across
 * threads risks aborting the wrong operation.
 */
int libxl_ao_abort(libxl_ctx *ctx, const libxl_asyncop_how *how)
                   LIBXL_EXTERNAL_CALLERS_ONLY;

/*
 * LIBXL_HAVE_FN_USING_QMP_ASYNC: libxl_domain_pause, _unpause, _shutdown
 * and _reboot take an ao_how (of the functions libxl 4.17 lists under this
 * macro, these are the ones lightcore implements).
 */
#define LIBXL_HAVE_FN_USING_QMP_ASYNC 1

/*
 * libxl_domain_pause / libxl_domain_unpause: pause or unpause a domain
 * (the hypervisor counts pauses). Both complete within the call.
 *  - pause: a hypervisor refusal (no such domain, domain 0...) is the
 *    call's result, ERROR_FAIL, with no completion;
 *  - unpause: as libxl 4.17, failures (no such domain, not paused) are the
 *    operation's result, ERROR_FAIL.
 * Called synchronously (ao_how NULL), neither takes the ctx's lock: threads
 * sharing a ctx pause and unpause in parallel, and such a call is never
 * found by libxl_ao_abort(ctx, NULL).
 */
int libxl_domain_pause(libxl_ctx *ctx, uint32_t domid,
                       const libxl_asyncop_how *ao_how)
                       LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_domain_unpause(libxl_ctx *ctx, uint32_t domid,
                         const libxl_asyncop_how *ao_how)
                         LIBXL_EXTERNAL_CALLERS_ONLY;
#if defined(LIBXL_API_VERSION) && LIBXL_API_VERSION < 0x041300
static inline int libxl_domain_pause_0x041200(
    libxl_ctx *ctx, uint32_t domid)
{
    return libxl_domain_pause(ctx, domid, NULL);
}
static inline int libxl_domain_unpause_0x041200(
    libxl_ctx *ctx, uint32_t domid)
{
    return libxl_domain_unpause(ctx, domid, NULL);
}
#define libxl_domain_pause libxl_domain_pause_0x041200
#define libxl_domain_unpause libxl_domain_unpause_0x041200
#endif

/*
 * libxl_domain_shutdown / libxl_domain_reboot: ask the guest to power off
 * or reboot by writing "poweroff" / "reboot" to its control/shutdown node,
 * and wait for the guest to acknowledge (empty or remove the node). The
 * operation completes with 0 on acknowledgement (the guest then shuts
 * down in its own time: watch for DOMAIN_SHUTDOWN), ERROR_TIMEDOUT if the
 * guest has not acknowledged within 60 s, or ERROR_ABORTED; the request
 * stays written in both cases. Results of the call itself (nothing
 * started): ERROR_FAIL (no such domain, xenstore write failed), or
 * ERROR_NOPARAVIRT for an HVM guest whose PV drivers have not registered
 * (HVM_PARAM_CALLBACK_IRQ is 0; PV and PVH guests are always asked).
 */
int libxl_domain_shutdown(libxl_ctx *ctx, uint32_t domid,
                          const libxl_asyncop_how *ao_how)
                          LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_domain_reboot(libxl_ctx *ctx, uint32_t domid,
                        const libxl_asyncop_how *ao_how)
                        LIBXL_EXTERNAL_CALLERS_ONLY;
#if defined(LIBXL_API_VERSION) && LIBXL_API_VERSION < 0x041300
static inline int libxl_domain_shutdown_0x041200(libxl_ctx *ctx,
                                                 uint32_t domid)
{
    return libxl_domain_shutdown(ctx, domid, NULL);
}
#define libxl_domain_shutdown libxl_domain_shutdown_0x041200
static inline int libxl_domain_reboot_0x041200(libxl_ctx *ctx,
                                               uint32_t domid)
{
    return libxl_domain_reboot(ctx, domid, NULL);
}
#define libxl_domain_reboot libxl_domain_reboot_0x041200
#endif

/*
 * libxl_domain_destroy: remove the domain's devices from xenstore
 * (frontends, and the backends they and libxl's records name), destroy it
 * in the hypervisor, wait until the hypervisor has forgotten it, then
 * remove /local/domain/N, /vm/UUID and /libxl/N. Completes with 0,
 * ERROR_DOMAIN_NOTFOUND (no such domain; nothing done), ERROR_FAIL, or -
 * when the domain is still present 10 s after its destruction, or the
 * operation is aborted while waiting - ERROR_TIMEDOUT / ERROR_ABORTED,
 * after the xenstore directories have been removed all the same (the
 * domain is destroyed; only its disappearance is late). The call itself
 * fails with ERROR_INVAL for domain 0.
 */
int libxl_domain_destroy(libxl_ctx *ctx, uint32_t domid,
                         const libxl_asyncop_how *ao_how)
                         LIBXL_EXTERNAL_CALLERS_ONLY;

/* ========================= end of asynchronous operations ========= */

#ifdef __cplusplus
}
#endif

#include <libxl_event.h>

#endif /* LIBXL_H */
