/*
 * ev/ev_private.h: what the event core's own files (the files of src/ev/)
 * share with each other and with
 * nobody else: the fd slot and app-timeout records, the dispatch round,
 * and the glue to the application's osevent hooks. Everything here is
 * called with the ctx lock held.
 */
#ifndef LIGHTCORE_EV_PRIVATE_H
#define LIGHTCORE_EV_PRIVATE_H

#include "base/log.h"
#include "base/util.h"
#include "ev/ev.h"

/*
 * Objects the handle table hands to the application as for_libxl start
 * with a kind, so a token of one kind passed where another is expected is
 * recognised.
 */
enum libxl__ev_kind { EV_KIND_FD_SLOT = 0x5f15, EV_KIND_TIME_APPREG = 0x7133 };

/*
 * One per fd number that has at least one registration. epoll and the
 * application see the slot (the union of its registrations' events), never
 * the individual registrations.
 */
struct libxl__fd_slot {
    int kind;                    /* EV_KIND_FD_SLOT */
    int fd;
    short events;                /* union of the registrations' events */
    XEN_LIST_HEAD(, libxl__ev_fd) regs;   /* its registrations */
    bool always_ready;           /* epoll refused it (regular file...) */
    /* on ev.always_ready if always_ready, else on ev.in_epoll */
    XEN_LIST_ENTRY(libxl__fd_slot) list_link;
    uint64_t dispatch_gen;
    /* the application's registration (hooks) */
    bool app_registered;
    short app_events;
    void *for_app;
    void *token;                 /* for_libxl; NULL if none allocated */
};

/*
 * The application's registration of one timeout. It outlives the
 * libxl__ev_time it was for: a cancelled timeout is modified to {0,0} and
 * this record (and its token) is released only by the occurred_timeout
 * that follows.
 */
struct libxl__time_appreg {
    int kind;                    /* EV_KIND_TIME_APPREG */
    libxl__ev_time *ev;          /* NULL once cancelled or fired */
    void *for_app;
    void *token;
    XEN_LIST_ENTRY(libxl__time_appreg) link;   /* on ev.time_appregs */
};

struct libxl__waiter {
    int efd;                     /* eventfd, EFD_CLOEXEC|EFD_NONBLOCK */
    XEN_LIST_ENTRY(libxl__waiter) link;  /* on waiters_active or _idle */
};

/* epoll data tags for the core's own fds; registered fds use the fd. */
#define EV_TAG_TIMERFD  (UINT64_C(1) << 32)
#define EV_TAG_KICKFD   (UINT64_C(2) << 32)

/* ---------------------------------------------------------- ev_core.c */

/* Create the epoll set, timerfd and kick eventfd if not yet done. */
int libxl__ev_ensure_epoll(libxl_ctx *ctx);
/*
 * One dispatch round: ready fds (never blocking), the always-ready fds,
 * and timeouts due at or before due_mono (monotonic ns). self is the
 * calling waiter, not woken by the round's wake-up of other waiters.
 * set_ready: the caller has just seen the epoll fd readable.
 */
void libxl__ev_dispatch(libxl__egc *egc, uint64_t due_mono,
                        libxl__waiter *self, bool set_ready);
/* Make the kick eventfd (in the epoll set) readable or not. */
void libxl__ev_set_kick(libxl_ctx *ctx, bool on);

/* ------------------------------------------------------------ ev_fd.c */

libxl__fd_slot *libxl__ev_fd_slot_lookup(libxl_ctx *ctx, int fd);
/* Run the callbacks of fd's registrations that are ready; returns the
 * number of callbacks made. seen is what may have made fd ready in this
 * round, as poll(2) bits, as the ctx's epoll set reported it or as far as
 * otherwise known, or 0 if not known (see LIBXL__EV_FD_NONBLOCKING). */
int libxl__ev_fd_slot_dispatch(libxl__egc *egc, int fd, short seen);
/* Run ready always-ready fds. */
int libxl__ev_fd_dispatch_always_ready(libxl__egc *egc);
/* ctx_free: forget every slot (deregistering it from the app). */
void libxl__ev_fd_dispose_all(libxl_ctx *ctx);

/* ---------------------------------------------------------- ev_time.c */

/* Fire every timeout due at or before due_mono that was registered before
 * this call; returns the number fired. */
int libxl__ev_time_fire_due(libxl__egc *egc, uint64_t due_mono);
/* Fire ev now (it is Active): make it Idle, then call it. */
void libxl__ev_time_fire(libxl__egc *egc, libxl__ev_time *ev);
/* Arm the timerfd for the earliest deadline. */
void libxl__ev_time_rearm(libxl_ctx *ctx);
void libxl__ev_time_dispose_all(libxl_ctx *ctx);

/* ---------------------------------------------------- osevent_hooks.c */

/* Bring the app's registration of slot in line with slot->events
 * (register, or modify if the events differ). On failure nothing changed
 * and the hook's value is returned. No-op without hooks. */
int libxl__osevent_fd_app_sync(libxl_ctx *ctx, libxl__fd_slot *slot);
/* The slot is going away: deregister it from the app, release its token. */
void libxl__osevent_fd_app_drop(libxl_ctx *ctx, libxl__fd_slot *slot);
/* Register ev (Active, in the heap) with the app. No-op without hooks. */
int libxl__osevent_time_app_register(libxl_ctx *ctx, libxl__ev_time *ev);
/* ev no longer wants its app registration: cancel it with {0,0}. */
void libxl__osevent_time_app_cancel(libxl_ctx *ctx, libxl__ev_time *ev);
/* ctx_free: release every app timeout record and token. */
void libxl__osevent_time_app_dispose_all(libxl_ctx *ctx);
/* True (and logged) if the app calls an entry point from inside a hook. */
bool libxl__osevent_called_from_hook(libxl_ctx *ctx, const char *func);

/* ------------------------------------------------ handle table glue */

/* for_libxl tokens: kept as void * because that is what crosses the API. */
int libxl__ev_token_alloc(libxl_ctx *ctx, void *obj, void **token_r);
/* The object, or NULL if token is stale, foreign or of the wrong kind. */
void *libxl__ev_token_lookup(libxl_ctx *ctx, void *token, int kind);
void libxl__ev_token_release(libxl_ctx *ctx, void *token);

#endif /* LIGHTCORE_EV_PRIVATE_H */
