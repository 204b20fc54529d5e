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

#ifdef __cplusplus
}
#endif

#include <libxl_event.h>

#endif /* LIBXL_H */
