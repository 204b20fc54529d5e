/*
 * libxl.h: lightcore's public interface, a drop-in for the part of Xen
 * 4.17's libxenlight that lightcore implements.
 *
 * Everything declared here has the same name, signature, values and struct
 * layout as in libxenlight 4.17, so a program built against Xen's header can
 * link against this library and a program written for Xen's header compiles
 * against this one. Every public function of libxl 4.17 is declared;
 * those lightcore does not implement yet are placeholders that log
 * "<function> is not implemented yet" and fail with ERROR_NI (see "The
 * rest of libxl 4.17's interface" below; scripts/list-stubs lists them).
 * Every LIBXL_HAVE_* macro of libxl 4.17 is defined, with its value.
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

/*
 * LIBXL_HAVE_* feature macros: exactly the set libxl 4.17 defines, with
 * its values, so a program configured against Xen's header takes the
 * same code paths against this one. A macro says that an interface (a
 * function, a signature, a type member, an enumeration value) exists in
 * libxl 4.17's shape; it does not say that lightcore implements the
 * operation yet (a placeholder fails with ERROR_NI, see "The rest of
 * libxl 4.17's interface" below). The ones about the event and child
 * machinery are in libxl_event.h; a few others sit by what they
 * describe further down.
 */

/* Signatures and conventions that changed over the releases. */
#define LIBXL_HAVE_CONST_COPY_AND_LENGTH_FUNCTIONS 1
#define LIBXL_HAVE_DOMAIN_NEED_MEMORY_CONST_B_INFO 1
#define LIBXL_HAVE_DOMAIN_NEED_MEMORY_CONFIG
#define LIBXL_HAVE_MEMKB_64BITS 1
#define LIBXL_HAVE_BYTEARRAY_UUID 1
#define LIBXL_HAVE_CONSOLE_NOTIFY_FD 1
#define LIBXL_HAVE_DOMAIN_CREATE_RESTORE_PARAMS 1
#define LIBXL_HAVE_DOMAIN_CREATE_RESTORE_SEND_BACK_FD 1
#if !defined(LIBXL_API_VERSION) || LIBXL_API_VERSION >= 0x040500
#define LIBXL_HAVE_NONCONST_LIBXL_BASENAME_RETURN_VALUE 1
#endif

/* Functions and function families. */
#define LIBXL_HAVE_USERDATA_UNLINK 1
#define LIBXL_HAVE_RETRIEVE_DOMAIN_CONFIGURATION 1
#define LIBXL_HAVE_DOMAIN_SUSPEND_ONLY 1
#define LIBXL_HAVE_SOFT_RESET 1
#define LIBXL_HAVE_QEMU_MONITOR_COMMAND 1
#define LIBXL_HAVE_SET_PARAMETERS 1
#define LIBXL_HAVE_SET_VCPUAFFINITY_FORCE 1
#define LIBXL_HAVE_DOMAIN_NODEAFFINITY 1
#define LIBXL_HAVE_VCPU_SCHED_PARAMS 1
#define LIBXL_HAVE_SCHED_CREDIT2_PARAMS 1
#define LIBXL_HAVE_BITMAP_AND_OR 1
#define LIBXL_HAVE_SOCKET_BITMAP 1
#define LIBXL_HAVE_PCITOPOLOGY 1
#define LIBXL_HAVE_CPUPOOL_QUALIFIER_TO_CPUPOOLID 1
#define LIBXL_HAVE_CPUPOOL_ADD_REM_CPUMAP 1
#define LIBXL_HAVE_CPUPOOL_NAME 1
#define LIBXL_HAVE_DRIVER_DOMAIN_CREATION 1
#define LIBXL_HAVE_DEVICE_CHANNEL 1
#define LIBXL_HAVE_DEVICE_PCI_SEIZE 1
#define LIBXL_HAVE_DEVICE_PCI_LIST_FREE 1
#define LIBXL_HAVE_DEVICE_PCI_ASSIGNABLE_LIST_FREE 1
#define LIBXL_HAVE_DISK_SAFE_REMOVE 1
#define LIBXL_HAVE_PVUSB 1
#define LIBXL_HAVE_P9S 1
#define LIBXL_HAVE_PVCALLS 1
#define LIBXL_HAVE_REMUS 1
#define LIBXL_HAVE_COLO_USERSPACE_PROXY 1
#define LIBXL_HAVE_CHECKPOINTED_STREAM 1
#define LIBXL_HAVE_SRM_V1 1
#define LIBXL_HAVE_SRM_V2 1
#if defined(__arm__) || defined(__aarch64__)
/* libxl has no suspend and resume on Arm. */
#define LIBXL_HAVE_NO_SUSPEND_RESUME 1
#endif
#if defined(__i386__) || defined(__x86_64__)
/* Intel's platform shared resources (x86 only). */
#define LIBXL_HAVE_PSR_CMT 1
#define LIBXL_HAVE_PSR_MBM 1
#define LIBXL_HAVE_PSR_CAT 1
#define LIBXL_HAVE_PSR_CDP 1
#define LIBXL_HAVE_PSR_L2_CAT 1
#define LIBXL_HAVE_PSR_GENERIC 1
#define LIBXL_HAVE_MCA_CAPS 1
#endif

/* Members and values of the types (libxl_types.idl). Domain creation: */
#define LIBXL_HAVE_CREATEINFO_DOMID
#define LIBXL_HAVE_CREATEINFO_PASSTHROUGH 1
#define LIBXL_HAVE_CREATEINFO_XEND_SUSPEND_EVTCHN_COMPAT
#define LIBXL_HAVE_SSID_LABEL 1
#define LIBXL_HAVE_DEVICE_MODEL_USER 1
#define LIBXL_HAVE_ALTP2M 1
#define LIBXL_HAVE_VNUMA 1
#define LIBXL_HAVE_PV_SHIM 1
#define LIBXL_HAVE_VPMU 1
#define LIBXL_HAVE_VMTRACE_BUF_KB 1
#define LIBXL_HAVE_X86_MSR_RELAXED 1
#define LIBXL_HAVE_MAX_GRANT_VERSION 1
#define LIBXL_HAVE_FIRMWARE_PASSTHROUGH 1
#define LIBXL_HAVE_DEVICETREE_PASSTHROUGH 1
#define LIBXL_HAVE_GFX_PASSTHRU_KIND
#define LIBXL_HAVE_VGA_INTERFACE_TYPE_UNKNOWN 1
#define LIBXL_HAVE_HVM_HDTYPE 1
#define LIBXL_HAVE_QXL 1
#define LIBXL_HAVE_SPICE_VDAGENT 1
#define LIBXL_HAVE_SPICE_USBREDIREDIRECTION 1
#define LIBXL_HAVE_SPICE_IMAGECOMPRESSION 1
#define LIBXL_HAVE_SPICE_STREAMINGVIDEO 1
#define LIBXL_HAVE_APIC_ASSIST 1
#define LIBXL_HAVE_VIRIDIAN_CRASH_CTL 1
#define LIBXL_HAVE_VIRIDIAN_SYNIC 1
#define LIBXL_HAVE_VIRIDIAN_STIMER 1
#define LIBXL_HAVE_VIRIDIAN_HCALL_IPI 1
#define LIBXL_HAVE_VIRIDIAN_EX_PROCESSOR_MASKS 1
#define LIBXL_HAVE_VIRIDIAN_NO_VP_LIMIT 1
#define LIBXL_HAVE_VIRIDIAN_CPU_HOTPLUG 1
#define LIBXL_HAVE_EXTENDED_VKB 1
/* ... build_info: */
#define LIBXL_HAVE_BUILDINFO_KERNEL 1
#define LIBXL_HAVE_BUILDINFO_BOOTLOADER 1
#define LIBXL_HAVE_BUILDINFO_BOOTLOADER_ARGS 1
#define LIBXL_HAVE_BUILDINFO_APIC 1
#define LIBXL_HAVE_BUILDINFO_NESTED_HVM 1
#define LIBXL_HAVE_BUILDINFO_TIMER_MODE 1
#define LIBXL_HAVE_BUILDINFO_EVENT_CHANNELS 1
#define LIBXL_HAVE_BUILDINFO_GRANT_LIMITS 1
#define LIBXL_HAVE_BUILDINFO_GRANT_DEFAULT 1
#define LIBXL_HAVE_BUILDINFO_IOMEM_START_GFN 1
#define LIBXL_HAVE_BUILDINFO_IOMMU_MEMKB 1
#define LIBXL_HAVE_BUILDINFO_SERIAL_LIST 1
#define LIBXL_HAVE_BUILDINFO_USBDEVICE_LIST 1
#define LIBXL_HAVE_BUILDINFO_USBVERSION 1
#define LIBXL_HAVE_BUILDINFO_VKB_DEVICE 1
#define LIBXL_HAVE_BUILDINFO_VCPU_AFFINITY_ARRAYS 1
#define LIBXL_HAVE_BUILDINFO_DEVICE_MODEL_STUBDOMAIN 1
#define LIBXL_HAVE_BUILDINFO_HVM_VENDOR_DEVICE 1
#define LIBXL_HAVE_BUILDINFO_HVM_MS_VM_GENID 1
#define LIBXL_HAVE_BUILDINFO_HVM_MMIO_HOLE_MEMKB 1
#define LIBXL_HAVE_BUILDINFO_HVM_ACPI_LAPTOP_SLATE 1
#define LIBXL_HAVE_BUILDINFO_HVM_SYSTEM_FIRMWARE
#define LIBXL_HAVE_BUILDINFO_HVM_VIRIDIAN_ENABLE_DISABLE 1
#define LIBXL_HAVE_BUILDINFO_ARM_GIC_VERSION 1
#define LIBXL_HAVE_BUILDINFO_ARM_VUART 1
#define LIBXL_HAVE_BUILDINFO_ARCH_ARM_TEE 1
/* ... devices: */
#define LIBXL_HAVE_DEVICE_BACKEND_DOMNAME 1
#define LIBXL_HAVE_DEVICE_DISK_DIRECT_IO_SAFE 1
#define LIBXL_HAVE_LIBXL_DEVICE_DISK_DISCARD_ENABLE 1
#define LIBXL_HAVE_DEVICE_DISK_SPECIFICATION 1
#define LIBXL_HAVE_DISK_TRUSTED 1
#define LIBXL_HAVE_NIC_TRUSTED 1
#define LIBXL_HAVE_QED 1
#define LIBXL_HAVE_DEVICE_PCI_NAME 1
/* ... scheduling: */
#define LIBXL_HAVE_SCHED_RTDS 1
#define LIBXL_HAVE_SCHED_RTDS_VCPU_PARAMS 1
#define LIBXL_HAVE_SCHED_RTDS_VCPU_EXTRA 1
#define LIBXL_HAVE_SCHED_NULL 1
#define LIBXL_HAVE_SCHED_CREDIT_MIGR_DELAY
/* ... what the host and the domains report: */
#define LIBXL_HAVE_BUILD_ID 1
#define LIBXL_HAVE_PHYSINFO_OUTSTANDING_PAGES 1
#define LIBXL_HAVE_PHYSINFO_MAX_POSSIBLE_MFN 1
#define LIBXL_HAVE_PHYSINFO_CAP_PV 1
#define LIBXL_HAVE_PHYSINFO_CAP_HAP_SHADOW 1
#define LIBXL_HAVE_PHYSINFO_CAP_IOMMU_HAP_PT_SHARE 1
#define LIBXL_HAVE_PHYSINFO_CAP_VMTRACE 1
#define LIBXL_HAVE_PHYSINFO_CAP_VPMU 1
#define LIBXL_HAVE_PHYSINFO_CAP_GNTTAB 1
#define LIBXL_HAVE_DOMINFO_OUTSTANDING_MEMKB 1
#define LIBXL_HAVE_DOMINFO_NEVER_STOP 1
#define LIBXL_HAVE_DOMINFO_GPADDR_BITS 1
#define LIBXL_HAVE_VCPUINFO_SOFT_AFFINITY 1

/* Bits in the viridian enable/disable bitmaps of build_info. */
#define LIBXL_BUILDINFO_HVM_VIRIDIAN_ENABLE_DISABLE_WIDTH 64
/* "Not set" values of build_info's grant table limits. */
#define LIBXL_MAX_GRANT_DEFAULT (~(uint32_t)0)
#define LIBXL_MAX_GRANT_FRAMES_DEFAULT 32
#define LIBXL_MAX_MAPTRACK_FRAMES_DEFAULT 1024

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
 * and _reboot take an ao_how, and so do libxl_send_trigger,
 * libxl_set_vcpuonline, libxl_qemu_monitor_command and
 * libxl_retrieve_domain_configuration (libxl_qemu_monitor_command is a
 * placeholder for now).
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

/* ==================================================================
 * The rest of libxl 4.17's interface
 * ==================================================================
 *
 * Every function below has libxl 4.17's name and signature. Those that
 * lightcore does not implement yet are placeholders (src/ops/, one file
 * per family): each logs "<function> is not implemented yet" at ERROR
 * level through the ctx's logger and fails with ERROR_NI, or, where the
 * return type is not an error code, with the value the function uses to
 * say it failed (NULL for a pointer; see src/ops/not_implemented.h).
 * A placeholder touches none of its arguments: out-parameters keep what
 * the caller put there, nothing is allocated and no callback or event
 * follows (ao_how is ignored, the failure is the call's own result).
 * scripts/list-stubs prints the placeholders' names; the README counts
 * them. The *_list_free functions are all implemented: each disposes
 * the first nr entries of an array returned by its family's list
 * function and frees it (NULL is accepted and ignored, whatever nr).
 */

/* ---------------------------------------------------------- creation
 * Building domains and reaching their consoles (src/ops/create.c).
 */

/*
 * Create a domain from d_config (which the call may fill in with the
 * values it chose), storing the new id in *domid. aop_console_how, if
 * not NULL, reports once when the guest's console can be attached.
 */
int libxl_domain_create_new(libxl_ctx *ctx, libxl_domain_config *d_config,
                            uint32_t *domid, const libxl_asyncop_how *ao_how,
                            const libxl_asyncprogress_how *aop_console_how)
                            LIBXL_EXTERNAL_CALLERS_ONLY;
/*
 * Create a domain from a saved image read from restore_fd; send_back_fd
 * (or -1) carries checkpoint acknowledgements back to a sender.
 */
int libxl_domain_create_restore(libxl_ctx *ctx, libxl_domain_config *d_config,
                                uint32_t *domid, int restore_fd,
                                int send_back_fd,
                                const libxl_domain_restore_params *params,
                                const libxl_asyncop_how *ao_how,
                                const libxl_asyncprogress_how *aop_console_how)
                                LIBXL_EXTERNAL_CALLERS_ONLY;
/* Older APIs: no send_back_fd, and before 0x040400 no params either. */
#if defined(LIBXL_API_VERSION) && LIBXL_API_VERSION < 0x040400
static inline int libxl_domain_create_restore_0x040200(
    libxl_ctx *ctx, libxl_domain_config *d_config, uint32_t *domid,
    int restore_fd, const libxl_asyncop_how *ao_how,
    const libxl_asyncprogress_how *aop_console_how)
    LIBXL_EXTERNAL_CALLERS_ONLY
{
    libxl_domain_restore_params defaults;
    int rc;

    libxl_domain_restore_params_init(&defaults);
    rc = libxl_domain_create_restore(ctx, d_config, domid, restore_fd, -1,
                                     &defaults, ao_how, aop_console_how);
    libxl_domain_restore_params_dispose(&defaults);
    return rc;
}
#define libxl_domain_create_restore libxl_domain_create_restore_0x040200
#elif defined(LIBXL_API_VERSION) && LIBXL_API_VERSION < 0x040700
static inline int libxl_domain_create_restore_0x040400(
    libxl_ctx *ctx, libxl_domain_config *d_config, uint32_t *domid,
    int restore_fd, const libxl_domain_restore_params *params,
    const libxl_asyncop_how *ao_how,
    const libxl_asyncprogress_how *aop_console_how)
    LIBXL_EXTERNAL_CALLERS_ONLY
{
    return libxl_domain_create_restore(ctx, d_config, domid, restore_fd, -1,
                                       params, ao_how, aop_console_how);
}
#define libxl_domain_create_restore libxl_domain_create_restore_0x040400
#endif
/*
 * Reset domid to a fresh state keeping its memory (kexec-style), with
 * d_config as the configuration it is rebuilt from.
 */
int libxl_domain_soft_reset(libxl_ctx *ctx, libxl_domain_config *d_config,
                            uint32_t domid, const libxl_asyncop_how *ao_how,
                            const libxl_asyncprogress_how *aop_console_how)
                            LIBXL_EXTERNAL_CALLERS_ONLY;

/*
 * Consoles. The *_exec functions replace the calling process with a
 * console or VNC client (they return only on failure); notify_fd, if not
 * -1, gets one byte once the client is connected. The *_get_tty ones
 * store the malloc'ed path of the console's pty in *path.
 */
int libxl_console_exec(libxl_ctx *ctx, uint32_t domid, int cons_num,
                       libxl_console_type type, int notify_fd);
int libxl_primary_console_exec(libxl_ctx *ctx, uint32_t domid_vm,
                               int notify_fd);
#if defined(LIBXL_API_VERSION) && LIBXL_API_VERSION < 0x040800
/* Before 0x040800 the exec functions had no notify_fd. */
static inline int libxl_console_exec_0x040700(libxl_ctx *ctx,
                                              uint32_t domid, int cons_num,
                                              libxl_console_type type)
{
    return libxl_console_exec(ctx, domid, cons_num, type, -1);
}
#define libxl_console_exec libxl_console_exec_0x040700
static inline int libxl_primary_console_exec_0x040700(libxl_ctx *ctx,
                                                      uint32_t domid_vm)
{
    return libxl_primary_console_exec(ctx, domid_vm, -1);
}
#define libxl_primary_console_exec libxl_primary_console_exec_0x040700
#endif
int libxl_console_get_tty(libxl_ctx *ctx, uint32_t domid, int cons_num,
                          libxl_console_type type, char **path);
int libxl_primary_console_get_tty(libxl_ctx *ctx, uint32_t domid_vm,
                                  char **path);
int libxl_vncviewer_exec(libxl_ctx *ctx, uint32_t domid, int autopass);

/* ------------------------------------------------ save and restore
 * Suspending domains to a stream, resuming them, Remus/COLO
 * replication (src/ops/save_restore.c).
 */

/* libxl_domain_suspend's flags. */
#define LIBXL_SUSPEND_DEBUG 1
#define LIBXL_SUSPEND_LIVE 2

/* Write domid's state to fd (flags: LIBXL_SUSPEND_*). */
int libxl_domain_suspend(libxl_ctx *ctx, uint32_t domid, int fd, int flags,
                         const libxl_asyncop_how *ao_how)
                         LIBXL_EXTERNAL_CALLERS_ONLY;
/* Suspend the guest without saving it anywhere. */
int libxl_domain_suspend_only(libxl_ctx *ctx, uint32_t domid,
                              const libxl_asyncop_how *ao_how)
                              LIBXL_EXTERNAL_CALLERS_ONLY;
/* Resume a suspended guest; suspend_cancel says the guest supports a
 * cancelled suspend (it continues where it was). */
int libxl_domain_resume(libxl_ctx *ctx, uint32_t domid, int suspend_cancel,
                        const libxl_asyncop_how *ao_how)
                        LIBXL_EXTERNAL_CALLERS_ONLY;
/* Start replicating domid to a peer over send_fd / recv_fd. */
int libxl_domain_remus_start(libxl_ctx *ctx, libxl_domain_remus_info *info,
                             uint32_t domid, int send_fd, int recv_fd,
                             const libxl_asyncop_how *ao_how)
                             LIBXL_EXTERNAL_CALLERS_ONLY;

/* --------------------------------------------------- domain control
 * Per-domain settings and requests (src/ops/domain_ctl.c).
 */

/* Keep a dying domain's record under a new name and uuid. */
int libxl_domain_preserve(libxl_ctx *ctx, uint32_t domid,
                          libxl_domain_create_info *info,
                          const char *name_suffix, libxl_uuid new_uuid);
/* Rename domid; old_name, if not NULL, must be its current name. */
int libxl_domain_rename(libxl_ctx *ctx, uint32_t domid, const char *old_name,
                        const char *new_name);
/* Write domid's memory image (a core file) to filename. */
int libxl_domain_core_dump(libxl_ctx *ctx, uint32_t domid,
                           const char *filename,
                           const libxl_asyncop_how *ao_how)
                           LIBXL_EXTERNAL_CALLERS_ONLY;

/*
 * Memory, in KiB. setmaxmem sets the hypervisor's ceiling;
 * set_memory_target moves the balloon target (relative: add to the
 * current one; enforce: also change the ceiling); get_memory_target
 * reads it back. need_memory says how much the host must have free to
 * build config. The wait_for_* calls poll until the host has memory_kb
 * free, or the domain has reached its target, for up to wait_secs.
 */
int libxl_domain_setmaxmem(libxl_ctx *ctx, uint32_t domid,
                           uint64_t target_memkb);
int libxl_set_memory_target(libxl_ctx *ctx, uint32_t domid,
                            int64_t target_memkb, int relative, int enforce);
int libxl_get_memory_target(libxl_ctx *ctx, uint32_t domid,
                            uint64_t *out_target);
int libxl_domain_need_memory(libxl_ctx *ctx, libxl_domain_config *config,
                             uint32_t domid_for_logging, uint64_t *need_memkb);
int libxl_wait_for_free_memory(libxl_ctx *ctx, uint32_t domid,
                               uint64_t memory_kb, int wait_secs);
int libxl_wait_for_memory_target(libxl_ctx *ctx, uint32_t domid,
                                 int wait_secs);
/*
 * The same as exported by earlier APIs (32-bit sizes, or a build_info
 * instead of the whole config); a program asking for such an API by
 * LIBXL_API_VERSION gets them under the plain names (see below).
 */
int libxl_get_memory_target_0x040700(libxl_ctx *ctx, uint32_t domid,
                                     uint32_t *out_target)
                                     LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_domain_need_memory_0x041200(libxl_ctx *ctx,
                                      const libxl_domain_build_info *b_info_in,
                                      uint64_t *need_memkb);
int libxl_domain_need_memory_0x040700(libxl_ctx *ctx,
                                      const libxl_domain_build_info *b_info_in,
                                      uint32_t *need_memkb)
                                      LIBXL_EXTERNAL_CALLERS_ONLY;

/*
 * vcpus: list_vcpu returns an array of *nb_vcpu entries (free with
 * libxl_vcpuinfo_list_free) and stores the host's cpu count in
 * *nr_cpus_out. The affinity calls set a vcpu's hard and soft affinity
 * (either map may be NULL to leave it); _force sets it even where the
 * domain's node affinity disagrees; _all does it for vcpus 0..max_vcpus-1.
 * set_vcpuonline brings the vcpus in cpumap online and the others off.
 */
libxl_vcpuinfo *libxl_list_vcpu(libxl_ctx *ctx, uint32_t domid, int *nb_vcpu,
                                int *nr_cpus_out);
void libxl_vcpuinfo_list_free(libxl_vcpuinfo *, int nr_vcpus);
int libxl_set_vcpuaffinity(libxl_ctx *ctx, uint32_t domid, uint32_t vcpuid,
                           const libxl_bitmap *cpumap_hard,
                           const libxl_bitmap *cpumap_soft);
int libxl_set_vcpuaffinity_force(libxl_ctx *ctx, uint32_t domid,
                                 uint32_t vcpuid,
                                 const libxl_bitmap *cpumap_hard,
                                 const libxl_bitmap *cpumap_soft);
int libxl_set_vcpuaffinity_all(libxl_ctx *ctx, uint32_t domid,
                               unsigned int max_vcpus,
                               const libxl_bitmap *cpumap_hard,
                               const libxl_bitmap *cpumap_soft);
#if defined(LIBXL_API_VERSION) && LIBXL_API_VERSION < 0x040500
/* Before 0x040500 there was only the hard affinity. */
#define libxl_set_vcpuaffinity(ctx, domid, vcpuid, map) \
    libxl_set_vcpuaffinity((ctx), (domid), (vcpuid), (map), NULL)
#define libxl_set_vcpuaffinity_all(ctx, domid, max_vcpus, map) \
    libxl_set_vcpuaffinity_all((ctx), (domid), (max_vcpus), (map), NULL)
#endif
/* The NUMA nodes the domain's memory prefers. */
int libxl_domain_set_nodeaffinity(libxl_ctx *ctx, uint32_t domid,
                                  libxl_bitmap *nodemap);
int libxl_domain_get_nodeaffinity(libxl_ctx *ctx, uint32_t domid,
                                  libxl_bitmap *nodemap);
int libxl_set_vcpuonline(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *cpumap,
                         const libxl_asyncop_how *ao_how)
                         LIBXL_EXTERNAL_CALLERS_ONLY;

/*
 * Requests to the guest: a virtual trigger (power button, NMI, ...;
 * vcpuid for those aimed at one vcpu) and a magic SysRq key.
 */
int libxl_send_trigger(libxl_ctx *ctx, uint32_t domid, libxl_trigger trigger,
                       uint32_t vcpuid, const libxl_asyncop_how *ao_how)
                       LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_send_sysrq(libxl_ctx *ctx, uint32_t domid, char sysrq);

/*
 * Records an application keeps per domain, named by userdata_userid
 * (letters, digits, '-'); retrieve stores a malloc'ed copy in *data_r
 * (NULL, length 0, if there is none).
 */
int libxl_userdata_store(libxl_ctx *ctx, uint32_t domid,
                         const char *userdata_userid, const uint8_t *data,
                         int datalen) LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_userdata_retrieve(libxl_ctx *ctx, uint32_t domid,
                            const char *userdata_userid, uint8_t **data_r,
                            int *datalen_r) LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_userdata_unlink(libxl_ctx *ctx, uint32_t domid,
                          const char *userdata_userid);

/* The configuration domid is running with, filled into *d_config. */
int libxl_retrieve_domain_configuration(libxl_ctx *ctx, uint32_t domid,
                                        libxl_domain_config *d_config,
                                        const libxl_asyncop_how *ao_how)
                                        LIBXL_EXTERNAL_CALLERS_ONLY;
/* Send a command to the domain's device model (QEMU's "human monitor");
 * *output is its malloc'ed answer. */
int libxl_qemu_monitor_command(libxl_ctx *ctx, uint32_t domid,
                               const char *command_line, char **output,
                               const libxl_asyncop_how *ao_how)
                               LIBXL_EXTERNAL_CALLERS_ONLY;
/* When domid was started, in seconds since the epoch; (uint32_t)-1 on
 * failure. */
uint32_t libxl_vm_get_start_time(libxl_ctx *ctx, uint32_t domid);

/*
 * Every domain that is a guest (not dom0, not a stub domain), as a
 * malloc'ed array of *nb_vm_out entries.
 */
libxl_vminfo *libxl_list_vm(libxl_ctx *ctx, int *nb_vm_out);
void libxl_vminfo_list_free(libxl_vminfo *list, int nb_vm);

/* ----------------------------------------------------- host control
 * The host as a whole (src/ops/host_ctl.c).
 */

/* The hypervisor's view of the machine, into *physinfo. */
int libxl_get_physinfo(libxl_ctx *ctx, libxl_physinfo *physinfo);
/* Online cpus (sysconf-style count, or an error code). */
int libxl_get_online_cpus(libxl_ctx *ctx);

/*
 * Topology: one entry per cpu, per PCI device or per NUMA node, as a
 * malloc'ed array whose length is stored in the int argument. An entry
 * the hypervisor does not know has its members set to
 * LIBXL_*_INVALID_ENTRY.
 */
#define LIBXL_CPUTOPOLOGY_INVALID_ENTRY (~(uint32_t)0)
libxl_cputopology *libxl_get_cpu_topology(libxl_ctx *ctx, int *nb_cpu_out);
void libxl_cputopology_list_free(libxl_cputopology *, int nb_cpu);
#define LIBXL_PCITOPOLOGY_INVALID_ENTRY (~(uint32_t)0)
libxl_pcitopology *libxl_get_pci_topology(libxl_ctx *ctx, int *num_devs);
void libxl_pcitopology_list_free(libxl_pcitopology *, int num_devs);
#define LIBXL_NUMAINFO_INVALID_ENTRY (~(uint32_t)0)
libxl_numainfo *libxl_get_numainfo(libxl_ctx *ctx, int *nr);
void libxl_numainfo_list_free(libxl_numainfo *, int nr);

/* Free host memory in KiB (the 0x040700 form in 32 bits). */
int libxl_get_free_memory(libxl_ctx *ctx, uint64_t *memkb);
int libxl_get_free_memory_0x040700(libxl_ctx *ctx, uint32_t *memkb)
                                   LIBXL_EXTERNAL_CALLERS_ONLY;
#if defined(LIBXL_API_VERSION) && LIBXL_API_VERSION < 0x040800
#define libxl_get_memory_target libxl_get_memory_target_0x040700
#define libxl_domain_need_memory libxl_domain_need_memory_0x040700
#define libxl_get_free_memory libxl_get_free_memory_0x040700
#elif defined(LIBXL_API_VERSION) && LIBXL_API_VERSION < 0x041300
#define libxl_domain_need_memory libxl_domain_need_memory_0x041200
#endif

/*
 * The hypervisor itself: debug keys (as typed on its serial console),
 * runtime command-line parameters, and its console ring, read a line at
 * a time: read_start returns a reader (NULL on failure; clear empties
 * the ring as it is read), read_line stores the next line in *line_r
 * (owned by the reader) and returns 1, or 0 at the end, and read_finish
 * releases the reader.
 */
int libxl_send_debug_keys(libxl_ctx *ctx, char *keys);
int libxl_set_parameters(libxl_ctx *ctx, char *params);
typedef struct libxl__xen_console_reader libxl_xen_console_reader;
libxl_xen_console_reader *libxl_xen_console_read_start(libxl_ctx *ctx,
    int clear);
int libxl_xen_console_read_line(libxl_ctx *ctx, libxl_xen_console_reader *cr,
                                char **line_r);
void libxl_xen_console_read_finish(libxl_ctx *ctx,
                                   libxl_xen_console_reader *cr);
/* Forget the recently destroyed domain ids the library avoids reusing. */
int libxl_clear_domid_history(libxl_ctx *ctx);

/* ------------------------------------------------------- scheduling
 * Schedulers and their parameters (src/ops/sched.c). get_scheduler
 * returns the host's scheduler (a libxl_scheduler) or an error code; the
 * credit and credit2 calls act on a cpupool's global parameters.
 */
int libxl_get_scheduler(libxl_ctx *ctx);
int libxl_sched_credit_params_get(libxl_ctx *ctx, uint32_t poolid,
                                  libxl_sched_credit_params *scinfo);
int libxl_sched_credit_params_set(libxl_ctx *ctx, uint32_t poolid,
                                  libxl_sched_credit_params *scinfo);
int libxl_sched_credit2_params_get(libxl_ctx *ctx, uint32_t poolid,
                                   libxl_sched_credit2_params *scinfo);
int libxl_sched_credit2_params_set(libxl_ctx *ctx, uint32_t poolid,
                                   libxl_sched_credit2_params *scinfo);

/* "Not set" values of libxl_sched_params members (left as they are). */
#define LIBXL_DOMAIN_SCHED_PARAM_WEIGHT_DEFAULT    -1
#define LIBXL_DOMAIN_SCHED_PARAM_CAP_DEFAULT       -1
#define LIBXL_DOMAIN_SCHED_PARAM_PERIOD_DEFAULT    -1
#define LIBXL_DOMAIN_SCHED_PARAM_SLICE_DEFAULT     -1
#define LIBXL_DOMAIN_SCHED_PARAM_LATENCY_DEFAULT   -1
#define LIBXL_DOMAIN_SCHED_PARAM_EXTRATIME_DEFAULT -1
#define LIBXL_DOMAIN_SCHED_PARAM_BUDGET_DEFAULT    -1
#define LIBXL_SCHED_PARAM_VCPU_INDEX_DEFAULT       -1

/*
 * A domain's parameters, as a whole or per vcpu (the _all forms cover
 * every vcpu; the others those listed in params->vcpus).
 */
int libxl_domain_sched_params_get(libxl_ctx *ctx, uint32_t domid,
                                  libxl_domain_sched_params *params);
int libxl_domain_sched_params_set(libxl_ctx *ctx, uint32_t domid,
                                  const libxl_domain_sched_params *params);
int libxl_vcpu_sched_params_get(libxl_ctx *ctx, uint32_t domid,
                                libxl_vcpu_sched_params *params);
int libxl_vcpu_sched_params_get_all(libxl_ctx *ctx, uint32_t domid,
                                    libxl_vcpu_sched_params *params);
int libxl_vcpu_sched_params_set(libxl_ctx *ctx, uint32_t domid,
                                const libxl_vcpu_sched_params *params);
int libxl_vcpu_sched_params_set_all(libxl_ctx *ctx, uint32_t domid,
                                    const libxl_vcpu_sched_params *params);

/* ---------------------------------------------------------- devices
 * Virtual devices (src/ops/devices.c). For each kind:
 *  - _add attaches a device to a running domain (filling in what the
 *    caller left to the library: devid, backend, ...);
 *  - _remove asks the guest to release it and waits; _destroy removes
 *    it without asking;
 *  - _list returns the domain's devices of that kind as a malloc'ed array
 *    of *num entries, freed with the kind's _list_free;
 *  - _getinfo reads the state of one device into the info struct.
 * libxl_device_events_handler runs a driver domain's backend side until
 * the domain goes away.
 */
int libxl_device_disk_add(libxl_ctx *ctx, uint32_t domid,
                          libxl_device_disk *disk,
                          const libxl_asyncop_how *ao_how)
                          LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_disk_remove(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_disk *disk,
                             const libxl_asyncop_how *ao_how)
                             LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_disk_destroy(libxl_ctx *ctx, uint32_t domid,
                              libxl_device_disk *disk,
                              const libxl_asyncop_how *ao_how)
                              LIBXL_EXTERNAL_CALLERS_ONLY;
/* Like _remove, but never forces: fails if the guest does not let go. */
int libxl_device_disk_safe_remove(libxl_ctx *ctx, uint32_t domid,
                                  libxl_device_disk *disk,
                                  const libxl_asyncop_how *ao_how)
                                  LIBXL_EXTERNAL_CALLERS_ONLY;
libxl_device_disk *libxl_device_disk_list(libxl_ctx *ctx, uint32_t domid,
    int *num) LIBXL_EXTERNAL_CALLERS_ONLY;
void libxl_device_disk_list_free(libxl_device_disk *list, int num)
                                 LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_disk_getinfo(libxl_ctx *ctx, uint32_t domid,
                              const libxl_device_disk *disk,
                              libxl_diskinfo *diskinfo)
                              LIBXL_EXTERNAL_CALLERS_ONLY;
/* Change the medium of an emulated cdrom drive (disk->pdev_path). */
int libxl_cdrom_insert(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk,
                       const libxl_asyncop_how *ao_how)
                       LIBXL_EXTERNAL_CALLERS_ONLY;

int libxl_device_usbctrl_add(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_usbctrl *usbctrl,
                             const libxl_asyncop_how *ao_how)
                             LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_usbctrl_remove(libxl_ctx *ctx, uint32_t domid,
                                libxl_device_usbctrl *usbctrl,
                                const libxl_asyncop_how *ao_how)
                                LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_usbctrl_destroy(libxl_ctx *ctx, uint32_t domid,
                                 libxl_device_usbctrl *usbctrl,
                                 const libxl_asyncop_how *ao_how)
                                 LIBXL_EXTERNAL_CALLERS_ONLY;
libxl_device_usbctrl *libxl_device_usbctrl_list(libxl_ctx *ctx, uint32_t domid,
    int *num);
void libxl_device_usbctrl_list_free(libxl_device_usbctrl *list, int nr);
int libxl_device_usbctrl_getinfo(libxl_ctx *ctx, uint32_t domid,
                                 const libxl_device_usbctrl *usbctrl,
                                 libxl_usbctrlinfo *usbctrlinfo);

int libxl_device_usbdev_add(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_usbdev *usbdev,
                            const libxl_asyncop_how *ao_how)
                            LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_usbdev_remove(libxl_ctx *ctx, uint32_t domid,
                               libxl_device_usbdev *usbdev,
                               const libxl_asyncop_how *ao_how)
                               LIBXL_EXTERNAL_CALLERS_ONLY;
libxl_device_usbdev *libxl_device_usbdev_list(libxl_ctx *ctx, uint32_t domid,
    int *num);
void libxl_device_usbdev_list_free(libxl_device_usbdev *list, int nr);

int libxl_device_nic_add(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic,
                         const libxl_asyncop_how *ao_how)
                         LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_nic_remove(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_nic *nic,
                            const libxl_asyncop_how *ao_how)
                            LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_nic_destroy(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_nic *nic,
                             const libxl_asyncop_how *ao_how)
                             LIBXL_EXTERNAL_CALLERS_ONLY;
libxl_device_nic *libxl_device_nic_list(libxl_ctx *ctx, uint32_t domid,
                                        int *num) LIBXL_EXTERNAL_CALLERS_ONLY;
void libxl_device_nic_list_free(libxl_device_nic *list, int num)
                                LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_nic_getinfo(libxl_ctx *ctx, uint32_t domid,
                             const libxl_device_nic *nic,
                             libxl_nicinfo *nicinfo)
                             LIBXL_EXTERNAL_CALLERS_ONLY;

/* Channels are set up at creation only: they can be listed and read. */
libxl_device_channel *libxl_device_channel_list(libxl_ctx *ctx, uint32_t domid,
    int *num);
int libxl_device_channel_getinfo(libxl_ctx *ctx, uint32_t domid,
                                 const libxl_device_channel *channel,
                                 libxl_channelinfo *channelinfo);

int libxl_device_vtpm_add(libxl_ctx *ctx, uint32_t domid,
                          libxl_device_vtpm *vtpm,
                          const libxl_asyncop_how *ao_how)
                          LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vtpm_remove(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_vtpm *vtpm,
                             const libxl_asyncop_how *ao_how)
                             LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vtpm_destroy(libxl_ctx *ctx, uint32_t domid,
                              libxl_device_vtpm *vtpm,
                              const libxl_asyncop_how *ao_how)
                              LIBXL_EXTERNAL_CALLERS_ONLY;
libxl_device_vtpm *libxl_device_vtpm_list(libxl_ctx *ctx, uint32_t domid,
    int *num) LIBXL_EXTERNAL_CALLERS_ONLY;
void libxl_device_vtpm_list_free(libxl_device_vtpm *, int num)
                                 LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vtpm_getinfo(libxl_ctx *ctx, uint32_t domid,
                              const libxl_device_vtpm *vtpm,
                              libxl_vtpminfo *vtpminfo)
                              LIBXL_EXTERNAL_CALLERS_ONLY;

int libxl_device_vdispl_add(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_vdispl *displ,
                            const libxl_asyncop_how *ao_how)
                            LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vdispl_remove(libxl_ctx *ctx, uint32_t domid,
                               libxl_device_vdispl *vdispl,
                               const libxl_asyncop_how *ao_how)
                               LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vdispl_destroy(libxl_ctx *ctx, uint32_t domid,
                                libxl_device_vdispl *vdispl,
                                const libxl_asyncop_how *ao_how)
                                LIBXL_EXTERNAL_CALLERS_ONLY;
libxl_device_vdispl *libxl_device_vdispl_list(libxl_ctx *ctx, uint32_t domid,
    int *num) LIBXL_EXTERNAL_CALLERS_ONLY;
void libxl_device_vdispl_list_free(libxl_device_vdispl *list, int num)
                                   LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vdispl_getinfo(libxl_ctx *ctx, uint32_t domid,
                                const libxl_device_vdispl *vdispl,
                                libxl_vdisplinfo *vdisplinfo)
                                LIBXL_EXTERNAL_CALLERS_ONLY;

int libxl_device_vsnd_add(libxl_ctx *ctx, uint32_t domid,
                          libxl_device_vsnd *vsnd,
                          const libxl_asyncop_how *ao_how)
                          LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vsnd_remove(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_vsnd *vsnd,
                             const libxl_asyncop_how *ao_how)
                             LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vsnd_destroy(libxl_ctx *ctx, uint32_t domid,
                              libxl_device_vsnd *vsnd,
                              const libxl_asyncop_how *ao_how)
                              LIBXL_EXTERNAL_CALLERS_ONLY;
libxl_device_vsnd *libxl_device_vsnd_list(libxl_ctx *ctx, uint32_t domid,
    int *num) LIBXL_EXTERNAL_CALLERS_ONLY;
void libxl_device_vsnd_list_free(libxl_device_vsnd *list, int num)
                                 LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vsnd_getinfo(libxl_ctx *ctx, uint32_t domid,
                              const libxl_device_vsnd *vsnd,
                              libxl_vsndinfo *vsndlinfo)
                              LIBXL_EXTERNAL_CALLERS_ONLY;

int libxl_device_vkb_add(libxl_ctx *ctx, uint32_t domid, libxl_device_vkb *vkb,
                         const libxl_asyncop_how *ao_how)
                         LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vkb_remove(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_vkb *vkb,
                            const libxl_asyncop_how *ao_how)
                            LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vkb_destroy(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_vkb *vkb,
                             const libxl_asyncop_how *ao_how)
                             LIBXL_EXTERNAL_CALLERS_ONLY;
libxl_device_vkb *libxl_device_vkb_list(libxl_ctx *ctx, uint32_t domid,
                                        int *num) LIBXL_EXTERNAL_CALLERS_ONLY;
void libxl_device_vkb_list_free(libxl_device_vkb *list, int num)
                                LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vkb_getinfo(libxl_ctx *ctx, uint32_t domid,
                             const libxl_device_vkb *vkb,
                             libxl_vkbinfo *vkbinfo)
                             LIBXL_EXTERNAL_CALLERS_ONLY;

int libxl_device_vfb_add(libxl_ctx *ctx, uint32_t domid, libxl_device_vfb *vfb,
                         const libxl_asyncop_how *ao_how)
                         LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vfb_remove(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_vfb *vfb,
                            const libxl_asyncop_how *ao_how)
                            LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_vfb_destroy(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_vfb *vfb,
                             const libxl_asyncop_how *ao_how)
                             LIBXL_EXTERNAL_CALLERS_ONLY;

/* 9pfs and PV calls interfaces are added at creation; these take them
 * away. */
int libxl_device_p9_remove(libxl_ctx *ctx, uint32_t domid, libxl_device_p9 *p9,
                           const libxl_asyncop_how *ao_how)
                           LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_p9_destroy(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_p9 *p9,
                            const libxl_asyncop_how *ao_how)
                            LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_pvcallsif_remove(libxl_ctx *ctx, uint32_t domid,
                                  libxl_device_pvcallsif *pvcallsif,
                                  const libxl_asyncop_how *ao_how)
                                  LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_pvcallsif_destroy(libxl_ctx *ctx, uint32_t domid,
                                   libxl_device_pvcallsif *pvcallsif,
                                   const libxl_asyncop_how *ao_how)
                                   LIBXL_EXTERNAL_CALLERS_ONLY;

int libxl_device_pci_add(libxl_ctx *ctx, uint32_t domid, libxl_device_pci *pci,
                         const libxl_asyncop_how *ao_how)
                         LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_pci_remove(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_pci *pci,
                            const libxl_asyncop_how *ao_how)
                            LIBXL_EXTERNAL_CALLERS_ONLY;
int libxl_device_pci_destroy(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_pci *pci,
                             const libxl_asyncop_how *ao_how)
                             LIBXL_EXTERNAL_CALLERS_ONLY;
libxl_device_pci *libxl_device_pci_list(libxl_ctx *ctx, uint32_t domid,
                                        int *num);
void libxl_device_pci_list_free(libxl_device_pci *list, int num);

int libxl_device_events_handler(libxl_ctx *ctx,
                                const libxl_asyncop_how *ao_how)
                                LIBXL_EXTERNAL_CALLERS_ONLY;

/*
 * PCI devices the host sets aside for guests (bound to pciback):
 * assignable_add binds one (rebind: remember the driver it had),
 * assignable_remove gives it back (rebind: to that driver), and
 * assignable_list returns the set aside ones.
 */
int libxl_device_pci_assignable_add(libxl_ctx *ctx, libxl_device_pci *pci,
                                    int rebind);
int libxl_device_pci_assignable_remove(libxl_ctx *ctx, libxl_device_pci *pci,
                                       int rebind);
libxl_device_pci *libxl_device_pci_assignable_list(libxl_ctx *ctx, int *num);
void libxl_device_pci_assignable_list_free(libxl_device_pci *list, int num);

/* ---------------------------------------------------------- cpupools
 * Cpupools (src/ops/cpupool.c). list_cpupool returns every pool;
 * get_freecpus the cpus in no pool. The cpuadd / cpuremove calls move
 * one cpu, every cpu of a NUMA node (storing how many in *cpus), or a
 * cpumap's cpus into or out of a pool.
 */
libxl_cpupoolinfo *libxl_list_cpupool(libxl_ctx *, int *nb_pool_out);
void libxl_cpupoolinfo_list_free(libxl_cpupoolinfo *list, int nb_pool);
int libxl_get_freecpus(libxl_ctx *ctx, libxl_bitmap *cpumap);
/* Let the hypervisor choose the new pool's id. */
#define LIBXL_CPUPOOL_POOLID_ANY 0xFFFFFFFF
int libxl_cpupool_create(libxl_ctx *ctx, const char *name,
                         libxl_scheduler sched, libxl_bitmap cpumap,
                         libxl_uuid *uuid, uint32_t *poolid);
int libxl_cpupool_destroy(libxl_ctx *ctx, uint32_t poolid);
int libxl_cpupool_rename(libxl_ctx *ctx, const char *name, uint32_t poolid);
int libxl_cpupool_cpuadd(libxl_ctx *ctx, uint32_t poolid, int cpu);
int libxl_cpupool_cpuadd_node(libxl_ctx *ctx, uint32_t poolid, int node,
                              int *cpus);
int libxl_cpupool_cpuadd_cpumap(libxl_ctx *ctx, uint32_t poolid,
                                const libxl_bitmap *cpumap);
int libxl_cpupool_cpuremove(libxl_ctx *ctx, uint32_t poolid, int cpu);
int libxl_cpupool_cpuremove_node(libxl_ctx *ctx, uint32_t poolid, int node,
                                 int *cpus);
int libxl_cpupool_cpuremove_cpumap(libxl_ctx *ctx, uint32_t poolid,
                                   const libxl_bitmap *cpumap);
int libxl_cpupool_movedomain(libxl_ctx *ctx, uint32_t poolid, uint32_t domid);
int libxl_cpupool_info(libxl_ctx *ctx, libxl_cpupoolinfo *info,
                       uint32_t poolid);

/* --------------------------------------------------------- utilities */

/*
 * Nonzero if domid names a guest: neither dom0 nor one of the reserved
 * ids (DOMID_FIRST_RESERVED and above). Needs no ctx; implemented.
 */
int libxl_domid_valid_guest(uint32_t domid);

/* ------------------------------------------------------------ FLASK
 * The XSM/FLASK security module (src/ops/flask.c): converting between
 * security contexts and sids, the enforcing mode (getenforce returns it,
 * or an error code), and loading a policy.
 */
int libxl_flask_context_to_sid(libxl_ctx *ctx, char *buf, size_t len,
                               uint32_t *ssidref);
int libxl_flask_sid_to_context(libxl_ctx *ctx, uint32_t ssidref, char **buf,
                               size_t *len);
int libxl_flask_getenforce(libxl_ctx *ctx);
int libxl_flask_setenforce(libxl_ctx *ctx, int mode);
int libxl_flask_loadpolicy(libxl_ctx *ctx, void *policy, uint32_t size);

/* ------------------------------------------------------------- tmem
 * Transcendent memory (src/ops/tmem.c). Xen 4.17 no longer has tmem, so
 * libxl 4.17's own functions only fail; they are kept for the ABI.
 * tmem_list returns a malloc'ed string (NULL on failure).
 */
char *libxl_tmem_list(libxl_ctx *ctx, uint32_t domid, int use_long);
int libxl_tmem_freeze(libxl_ctx *ctx, uint32_t domid);
int libxl_tmem_thaw(libxl_ctx *ctx, uint32_t domid);
int libxl_tmem_set(libxl_ctx *ctx, uint32_t domid, char *name, uint32_t set);
int libxl_tmem_shared_auth(libxl_ctx *ctx, uint32_t domid, char *uuid,
                           int auth);
int libxl_tmem_freeable(libxl_ctx *ctx);

#if defined(__i386__) || defined(__x86_64__)
/* -------------------------------------------------------------- PSR
 * Intel platform shared resource monitoring and allocation, x86 only
 * (src/ops/psr.c).
 *
 * Monitoring (CMT/MBM): attach gives a domain a monitoring id, detach
 * takes it back; domain_attached and enabled answer 1 or 0 (0 also when
 * the host cannot say); type_supported likewise for one event type. The
 * getters read the host's resources and a domain's current samples.
 */
int libxl_psr_cmt_attach(libxl_ctx *ctx, uint32_t domid);
int libxl_psr_cmt_detach(libxl_ctx *ctx, uint32_t domid);
int libxl_psr_cmt_domain_attached(libxl_ctx *ctx, uint32_t domid);
int libxl_psr_cmt_enabled(libxl_ctx *ctx);
int libxl_psr_cmt_get_total_rmid(libxl_ctx *ctx, uint32_t *total_rmid);
int libxl_psr_cmt_get_l3_cache_size(libxl_ctx *ctx, uint32_t socketid,
                                    uint32_t *l3_cache_size);
int libxl_psr_cmt_get_cache_occupancy(libxl_ctx *ctx, uint32_t domid,
                                      uint32_t socketid,
                                      uint32_t *l3_cache_occupancy);
int libxl_psr_cmt_type_supported(libxl_ctx *ctx, libxl_psr_cmt_type type);
int libxl_psr_cmt_get_sample(libxl_ctx *ctx, uint32_t domid,
                             libxl_psr_cmt_type type, uint64_t scope,
                             uint64_t *sample_r, uint64_t *tsc_r);

/*
 * Allocation (CAT/CDP/MBA): a domain's capacity bitmask or value per
 * socket (target_map: the sockets to set; target: the one to read), and
 * the hardware's description, per socket, as malloc'ed arrays of *nr
 * entries.
 */
int libxl_psr_cat_set_cbm(libxl_ctx *ctx, uint32_t domid,
                          libxl_psr_cbm_type type, libxl_bitmap *target_map,
                          uint64_t cbm);
int libxl_psr_cat_get_cbm(libxl_ctx *ctx, uint32_t domid,
                          libxl_psr_cbm_type type, uint32_t target,
                          uint64_t *cbm_r);
int libxl_psr_cat_get_info(libxl_ctx *ctx, libxl_psr_cat_info **info,
                           unsigned int *nr, unsigned int lvl);
int libxl_psr_cat_get_l3_info(libxl_ctx *ctx, libxl_psr_cat_info **info,
                              int *nr);
void libxl_psr_cat_info_list_free(libxl_psr_cat_info *list, int nr);

/* The generic interface names the resource with the same enumeration. */
typedef enum libxl_psr_cbm_type libxl_psr_type;
int libxl_psr_set_val(libxl_ctx *ctx, uint32_t domid, libxl_psr_type type,
                      libxl_bitmap *target_map, uint64_t val);
int libxl_psr_get_val(libxl_ctx *ctx, uint32_t domid, libxl_psr_type type,
                      unsigned int target, uint64_t *val);
int libxl_psr_get_hw_info(libxl_ctx *ctx, libxl_psr_feat_type type,
                          unsigned int lvl, unsigned int *nr,
                          libxl_psr_hw_info **info);
void libxl_psr_hw_info_list_free(libxl_psr_hw_info *list, unsigned int nr);
#endif /* x86 */

/* Compatibility forms of the functions that gained an ao_how in 0x041300. */
#if defined(LIBXL_API_VERSION) && LIBXL_API_VERSION < 0x041300
static inline int libxl_retrieve_domain_configuration_0x041200(
    libxl_ctx *ctx, uint32_t domid, libxl_domain_config *d_config)
{
    return libxl_retrieve_domain_configuration(ctx, domid, d_config, NULL);
}
#define libxl_retrieve_domain_configuration \
    libxl_retrieve_domain_configuration_0x041200
static inline int libxl_set_vcpuonline_0x041200(libxl_ctx *ctx,
                                                uint32_t domid,
                                                libxl_bitmap *cpumap)
{
    return libxl_set_vcpuonline(ctx, domid, cpumap, NULL);
}
#define libxl_set_vcpuonline libxl_set_vcpuonline_0x041200
static inline int libxl_send_trigger_0x041200(
    libxl_ctx *ctx, uint32_t domid, libxl_trigger trigger, uint32_t vcpuid)
{
    return libxl_send_trigger(ctx, domid, trigger, vcpuid, NULL);
}
#define libxl_send_trigger libxl_send_trigger_0x041200
static inline int libxl_qemu_monitor_command_0x041200(libxl_ctx *ctx,
    uint32_t domid, const char *command_line, char **output)
{
    return libxl_qemu_monitor_command(ctx, domid, command_line, output,
                                      NULL);
}
#define libxl_qemu_monitor_command libxl_qemu_monitor_command_0x041200
#endif

#ifdef __cplusplus
}
#endif

#include <libxl_event.h>

#endif /* LIBXL_H */
