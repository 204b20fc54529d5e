/*
 * ev/ev.h: the generic event core's internal interface. It declares the per-call event context (egc) with its
 * deferred application callbacks, fd and timeout registrations, the
 * internal wait loop, waking blocked threads, and disasters. Modules that
 * generate events (xenstore watches, domain death, aos...) build on this;
 * they never touch the epoll set, the handle table or the app's hooks.
 *
 * Lock rules (see also the lock hierarchy in libxl_event.h):
 *  - every function here except EGC_INIT / EGC_FREE is called with the ctx
 *    lock held, and every callback FUNC of a registration is called with it
 *    held, exactly once per occurrence; callbacks must not unlock it;
 *  - application callbacks (event_occurs, disaster, later ao completion and
 *    progress) are never made with the lock held: they are queued on the
 *    egc and made by EGC_FREE, after the outermost library call unlocked.
 *
 * Registration state contract (libxl__ev_fd and libxl__ev_time alike):
 *   Undefined --_init--> Idle --_register (rc 0)--> Active
 *   Active --_deregister--> Idle;  Idle --_deregister--> Idle (no-op)
 *   an fd registration stays Active after its callback; a timeout becomes
 *   Idle just before its callback runs.
 * _register never calls FUNC from inside itself. _deregister may be called
 * at any time the lock is held, including from inside any callback (its own
 * or another one's); after it returns FUNC will not be called. An Idle
 * registration may be freed or re-registered; an Active one must not be
 * freed. _register fails without changing any state.
 */
#ifndef LIGHTCORE_EV_EV_H
#define LIGHTCORE_EV_EV_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <xen_list.h>

#include "libxl_event.h"

#include "base/ctx_base.h"
#include "base/handles.h"
#include "base/timeheap.h"

typedef struct libxl__egc libxl__egc;
typedef struct libxl__egc_deferred libxl__egc_deferred;
typedef struct libxl__ev_fd libxl__ev_fd;
typedef struct libxl__ev_time libxl__ev_time;
typedef struct libxl__fd_slot libxl__fd_slot;
typedef struct libxl__time_appreg libxl__time_appreg;
typedef struct libxl__waiter libxl__waiter;

/* ------------------------------------------------------------------ egc */

/*
 * A deferred callback: queued on an egc (with the lock held), run by
 * EGC_FREE after the lock is released, in queueing order, once. The
 * structure is owned by the caller (usually embedded in the object the
 * callback is about); it must stay valid until fn has been called. fn may
 * call into the library.
 */
typedef void libxl__egc_deferred_fn(libxl_ctx *ctx, libxl__egc_deferred *d);
struct libxl__egc_deferred {
    libxl__egc_deferred_fn *fn;
    libxl__egc_deferred *next;   /* private */
};

/* The event-generation context: lives on the stack of one library entry
 * point. Fields are private to ev_core.c. */
struct libxl__egc {
    libxl_ctx *ctx;
    libxl__egc *outer;           /* the thread's enclosing egc, or NULL */
    XEN_TAILQ_HEAD(, libxl_event) occurred;   /* for event_occurs */
    libxl__egc_deferred *deferred_head, **deferred_tail;
    bool disaster_pending;       /* report to the app's disaster hook */
    libxl_event_type disaster_type;
    int disaster_errnoval;
    char disaster_msg[256];
};

void libxl__egc_init(libxl__egc *egc, libxl_ctx *ctx);
/* Run everything queued on egc (lock NOT held by this thread). If egc is
 * nested inside another egc of the same ctx on this thread, the work is
 * handed to the outer one instead, so it runs when the outermost call
 * returns. */
void libxl__egc_free(libxl__egc *egc);
void libxl__egc_defer(libxl__egc *egc, libxl__egc_deferred *d,
                      libxl__egc_deferred_fn *fn);

/* EGC_INIT(ctx) declares `egc` (a libxl__egc *) in the current scope. */
#define EGC_INIT(ctx) \
    libxl__egc egc_storage_; libxl__egc *const egc = &egc_storage_; \
    libxl__egc_init(egc, (ctx))
#define EGC_FREE libxl__egc_free(egc)
#define CTX_UNLOCK_EGC_FREE do { CTX_UNLOCK(egc->ctx); EGC_FREE; } while (0)

/* ------------------------------------------------------------- ev_fd */

/*
 * Called with the lock held when fd is ready: revents is the result of a
 * fresh zero-timeout poll of fd for events (so never stale), always
 * nonzero, and may contain POLLERR, POLLHUP or POLLNVAL even if not asked
 * for. The callback must consume what made the fd ready (it may be driven
 * edge-triggered by the application's event loop).
 *
 * A registration made with LIBXL__EV_FD_NONBLOCKING promises that its
 * callback never blocks on fd and copes with fd not being ready after all
 * (it reads and writes with O_NONBLOCK and stops at EAGAIN). It then skips
 * that fresh poll when the ctx's own epoll set has just reported fd ready
 * for nothing but POLLIN / POLLOUT in the same dispatch round: revents is
 * that report (limited to events), which another thread, or an earlier
 * callback of the round, may have made stale. Any other condition
 * (POLLERR, POLLHUP, POLLPRI...) and every other way of driving the
 * library still get the fresh poll, so POLLERR, POLLHUP and POLLNVAL are
 * never stale.
 */
typedef void libxl__ev_fd_callback(libxl__egc *egc, libxl__ev_fd *ev,
                                   int fd, short events, short revents);

struct libxl__ev_fd {
    /* all private */
    libxl__ev_fd_callback *func;   /* NULL when Idle */
    int fd;
    short events;
    unsigned flags;                /* LIBXL__EV_FD_* */
    libxl__fd_slot *slot;
    XEN_LIST_ENTRY(libxl__ev_fd) slot_link;   /* on slot->regs */
    uint64_t dispatch_gen;
};

/* Flags of libxl__ev_fd_register_flags. */
#define LIBXL__EV_FD_NONBLOCKING 1u  /* see libxl__ev_fd_callback above */

void libxl__ev_fd_init(libxl__ev_fd *ev);
/* Watch fd for events (POLLIN/POLLOUT/POLLPRI; may be 0). Any number of
 * registrations may watch one fd. Returns 0, ERROR_NOMEM, ERROR_FAIL, or
 * whatever the application's fd_register / fd_modify hook returned. */
int libxl__ev_fd_register(libxl_ctx *ctx, libxl__ev_fd *ev,
                          libxl__ev_fd_callback *func, int fd, short events);
/* The same with flags (LIBXL__EV_FD_*; 0 is libxl__ev_fd_register). */
int libxl__ev_fd_register_flags(libxl_ctx *ctx, libxl__ev_fd *ev,
                                libxl__ev_fd_callback *func, int fd,
                                short events, unsigned flags);
/* Change the events of an Active registration (same failure rules). */
int libxl__ev_fd_modify(libxl_ctx *ctx, libxl__ev_fd *ev, short events);
void libxl__ev_fd_deregister(libxl_ctx *ctx, libxl__ev_fd *ev);
static inline bool libxl__ev_fd_isregistered(const libxl__ev_fd *ev)
{ return ev->func != NULL; }

/* ----------------------------------------------------------- ev_time */

/*
 * Called with the lock held when the deadline has passed, rc is
 * ERROR_TIMEDOUT. ev is already Idle: the callback may re-register or free
 * it. requested_abs is the wall-clock deadline the registration stood for.
 */
typedef void libxl__ev_time_callback(libxl__egc *egc, libxl__ev_time *ev,
                                     const struct timeval *requested_abs,
                                     int rc);

struct libxl__ev_time {
    /* all private */
    libxl__ev_time_callback *func; /* NULL when Idle */
    libxl__timeheap_entry entry;   /* in the ctx's heap (monotonic ns) */
    struct timeval abs;            /* wall-clock deadline, for the API */
    libxl__time_appreg *appreg;    /* the app's registration, if any */
    uint64_t reg_seq;              /* registration order */
    XEN_LIST_ENTRY(libxl__ev_time) link;  /* on ev.times (all Active) */
};

void libxl__ev_time_init(libxl__ev_time *ev);
/* Fire after ms milliseconds (ms >= 0). */
int libxl__ev_time_register_rel(libxl_ctx *ctx, libxl__ev_time *ev,
                                libxl__ev_time_callback *func, int ms);
/* Fire at the wall-clock time abs (converted once to the monotonic clock,
 * so later steps of the wall clock do not move the deadline). */
int libxl__ev_time_register_abs(libxl_ctx *ctx, libxl__ev_time *ev,
                                libxl__ev_time_callback *func,
                                struct timeval abs);
void libxl__ev_time_deregister(libxl_ctx *ctx, libxl__ev_time *ev);
static inline bool libxl__ev_time_isregistered(const libxl__ev_time *ev)
{ return ev->func != NULL; }

/* ------------------------------------------------------ waiting, events */

/*
 * Run the event loop on this thread until done(egc, arg) is true (returns
 * 0), a disaster has happened (ERROR_FAIL), or polling fails (ERROR_FAIL).
 * Lock held exactly once by the caller on entry and exit; it is released
 * while blocked and while application callbacks queued on egc are made (if
 * egc is the outermost egc of this thread). done is evaluated with the
 * lock held, after each dispatch round; whoever makes it true from another
 * thread outside an fd/timeout callback must call libxl__ctx_wake_waiters.
 */
int libxl__eventloop_wait(libxl__egc *egc,
                          bool (*done)(libxl__egc *egc, void *arg),
                          void *arg);

/* Make every thread blocked in libxl__eventloop_wait re-evaluate. */
void libxl__ctx_wake_waiters(libxl_ctx *ctx);

/*
 * An event happened: ev (malloc'ed, initialised; ownership passes here)
 * goes to the application's event_occurs (after unlock) if its type is in
 * event_occurs_mask, else onto the ctx's queue for libxl_event_check /
 * libxl_event_wait (and waiting threads are woken).
 */
void libxl__event_occurred(libxl__egc *egc, libxl_event *ev);

/*
 * Something went irrecoverably wrong; events of type (0 = any) may be lost.
 * Logs at XTL_CRITICAL, wakes every waiter (libxl_event_wait then returns
 * ERROR_FAIL), and calls the app's disaster hook after unlock; with no
 * hook, prints msg to stderr and calls exit(-1) at once.
 */
void libxl__event_disaster(libxl__egc *egc, const char *msg, int errnoval,
                           libxl_event_type type);

/* -------------------------------------------------- per-ctx core state */

/* Everything the event core hangs off the ctx (CTX_EV(ctx)). Private to
 * the files of src/ev/. */
typedef struct libxl__ev_state {
    /* epoll set with every registered fd, the timerfd and the kick
     * eventfd; -1 until first needed. */
    int epfd, tfd, kickfd;
    uint64_t tfd_armed_ns;            /* 0 = disarmed */
    bool kicked;                      /* kickfd is readable */

    /* fd slots, indexed by fd number */
    libxl__fd_slot **slots;
    int nslots;
    XEN_LIST_HEAD(, libxl__fd_slot) in_epoll;  /* slots in the epoll set */
    int in_epoll_count;
    XEN_LIST_HEAD(, libxl__fd_slot) always_ready;  /* slots epoll refused */
    int always_ready_live;            /* of those, how many can be ready */
    uint64_t dispatch_gen;

    /* timeouts */
    libxl__timeheap heap;
    uint64_t time_reg_seq;            /* last libxl__ev_time reg_seq */
    XEN_LIST_HEAD(, libxl__ev_time) times;  /* every Active timeout */

    /* tokens handed to the app as for_libxl */
    libxl__handle_table handles;

    /* the application's osevent hooks, or NULL */
    const libxl_osevent_hooks *hooks;
    void *hooks_user;
    XEN_LIST_HEAD(, libxl__time_appreg) time_appregs;  /* app timeouts */
    int in_hook;                      /* >0 while a hook runs */

    /* threads in libxl__eventloop_wait */
    XEN_LIST_HEAD(, libxl__waiter) waiters_active, waiters_idle;

    /* the event queue and the app's event hooks */
    XEN_TAILQ_HEAD(, libxl_event) occurred;
    const libxl_event_hooks *event_hooks;
    void *event_hooks_user;

    bool disaster;                    /* a disaster has happened */
    bool freeing;                     /* libxl_ctx_free in progress */
} libxl__ev_state;

/* The ctx as the event core sees it (base/ctx_base.h explains views). */
typedef struct libxl__ctx_view_ev {
    struct libxl__ctx base;
    libxl__ev_state ev;
} libxl__ctx_view_ev;
#define CTX_EV(ctx) (&((libxl__ctx_view_ev *)(ctx))->ev)

/* The event core's entry in the module table: init cannot fail
 * (everything is lazy); dispose frees everything still outstanding and
 * makes no callback. */
extern const libxl__module libxl__module_ev;

#endif /* LIGHTCORE_EV_EV_H */
