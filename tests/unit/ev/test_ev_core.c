/*
 * test_ev_core.c: the event core's internal API driven by the internal
 * wait loop (libxl__eventloop_wait, libxl_event_wait): fd and timeout
 * registrations, deregistration from callbacks, timeout order, the egc's
 * deferred callbacks, the event queue with several waiting threads,
 * disasters and ctx_free with everything outstanding. No Xen needed.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "ev/ev_testutil.h"
#include "ev/ev_private.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;

static void setup(void) { lg = testlog_new(); ctx = t_ctx(lg); }
static void teardown(void)
{
    libxl_ctx_free(ctx);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

static bool flag_done(libxl__egc *egc, void *arg)
{
    (void)egc;
    return *(int *)arg != 0;
}

/* Run the internal wait loop until *flag. */
static int wait_flag(int *flag)
{
    int rc;
    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    rc = libxl__eventloop_wait(egc, flag_done, flag);
    CTX_UNLOCK_EGC_FREE;
    return rc;
}

/* ------------------------------------------------------------ fds */

static int fd_calls;
static short fd_last_revents;
static int fd_flag;

static void drain_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short events,
                     short revents)
{
    (void)egc; (void)ev; (void)events;
    fd_calls++;
    fd_last_revents = revents;
    t_drain(fd);
    fd_flag = 1;
}

TEST(fd_callback_in_wait_loop, 30)
{
    int p[2];
    libxl__ev_fd ev;
    t_pipe(p);
    libxl__ev_fd_init(&ev);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &ev, drain_cb, p[0], POLLIN), 0);
    ck_assert(libxl__ev_fd_isregistered(&ev));
    CTX_UNLOCK(ctx);
    t_write1(p[1]);
    ck_assert_int_eq(wait_flag(&fd_flag), 0);
    ck_assert_int_eq(fd_calls, 1);
    ck_assert(fd_last_revents & POLLIN);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &ev);
    libxl__ev_fd_deregister(ctx, &ev); /* idempotent */
    ck_assert(!libxl__ev_fd_isregistered(&ev));
    CTX_UNLOCK(ctx);
    close(p[0]); close(p[1]);
}

/* Two registrations on one socket, one for POLLIN, one for POLLOUT: each
 * sees only its own bit. */
static short in_revents, out_revents;
static int own_flag;
static void in_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)egc; (void)e;
    in_revents = r;
    t_drain(fd);
    libxl__ev_fd_deregister(egc->ctx, ev);
    if (out_revents) own_flag = 1;
}
static void out_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)fd; (void)e;
    out_revents = r;
    libxl__ev_fd_deregister(egc->ctx, ev);
    if (in_revents) own_flag = 1;
}

TEST(several_registrations_own_revents, 30)
{
    int sv[2];
    libxl__ev_fd a, b;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
    libxl__ev_fd_init(&a);
    libxl__ev_fd_init(&b);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &a, in_cb, sv[0], POLLIN), 0);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &b, out_cb, sv[0], POLLOUT), 0);
    ck_assert_int_eq(CTX_EV(ctx)->slots[sv[0]]->events, POLLIN | POLLOUT);
    CTX_UNLOCK(ctx);
    t_write1(sv[1]);
    ck_assert_int_eq(wait_flag(&own_flag), 0);
    ck_assert_int_eq(in_revents, POLLIN);
    ck_assert_int_eq(out_revents, POLLOUT);
    ck_assert_ptr_null(libxl__ev_fd_slot_lookup(ctx, sv[0])); /* slot gone */
    close(sv[0]); close(sv[1]);
}

/* The first callback deregisters (and frees) both registrations of the fd,
 * its own and the other one: the other must not run. */
static libxl__ev_fd *pair[2];
static int pair_calls;
static void pair_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)ev; (void)fd; (void)e; (void)r;
    pair_calls++;
    for (int i = 0; i < 2; i++) {
        libxl__ev_fd_deregister(egc->ctx, pair[i]);
        free(pair[i]);
        pair[i] = NULL;
    }
}

TEST(deregister_self_and_other_in_callback, 30)
{
    int p[2];
    t_pipe(p);
    CTX_LOCK(ctx);
    for (int i = 0; i < 2; i++) {
        pair[i] = malloc(sizeof(*pair[i]));
        libxl__ev_fd_init(pair[i]);
        ck_assert_int_eq(libxl__ev_fd_register(ctx, pair[i], pair_cb, p[0], POLLIN), 0);
    }
    CTX_UNLOCK(ctx);
    t_write1(p[1]);
    ck_assert_int_eq(libxl_osevent_dispatch(ctx), 0);
    ck_assert_int_eq(pair_calls, 1);
    ck_assert_ptr_null(libxl__ev_fd_slot_lookup(ctx, p[0]));
    close(p[0]); close(p[1]);
}

/* Two readers of one pipe: the first drains it, so the zero-timeout
 * re-check must keep the second (which would block) from running. */
static int recheck_calls;
static void recheck_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)egc; (void)ev; (void)e; (void)r;
    recheck_calls++;
    ck_assert_int_gt(t_drain(fd), 0); /* never called when nothing there */
}

TEST(recheck_skips_consumed_readiness, 30)
{
    int p[2];
    libxl__ev_fd a, b;
    t_pipe(p);
    libxl__ev_fd_init(&a); libxl__ev_fd_init(&b);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &a, recheck_cb, p[0], POLLIN), 0);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &b, recheck_cb, p[0], POLLIN), 0);
    CTX_UNLOCK(ctx);
    t_write1(p[1]);
    libxl_osevent_dispatch(ctx);
    ck_assert_int_eq(recheck_calls, 1);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &a);
    libxl__ev_fd_deregister(ctx, &b);
    CTX_UNLOCK(ctx);
    close(p[0]); close(p[1]);
}

/* A LIBXL__EV_FD_NONBLOCKING registration takes our epoll set's report
 * instead of a fresh poll: after the plain reader drained the pipe it is
 * still called (its read finds nothing, as its contract allows), while a
 * plain registration behind it keeps the re-check. A hang-up is never
 * taken from the report: it comes from a fresh poll, with POLLHUP. */
static int nb_calls, nb_empty, plain_calls;
static short nb_revents;
static void nb_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)egc; (void)ev; (void)e;
    nb_calls++;
    nb_revents = r;
    if (t_drain(fd) == 0) nb_empty++;
}
static void plain_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)egc; (void)ev; (void)e; (void)r;
    plain_calls++;
    ck_assert_int_gt(t_drain(fd), 0);
}

TEST(nonblocking_registration_skips_recheck, 30)
{
    int p[2];
    libxl__ev_fd nb, plain, plain2;
    t_pipe(p);
    libxl__ev_fd_init(&nb); libxl__ev_fd_init(&plain); libxl__ev_fd_init(&plain2);
    CTX_LOCK(ctx);
    /* Callbacks run newest registration first. */
    ck_assert_int_eq(libxl__ev_fd_register_flags(ctx, &nb, nb_cb, p[0], POLLIN,
                                                 LIBXL__EV_FD_NONBLOCKING), 0);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &plain, plain_cb, p[0], POLLIN), 0);
    CTX_UNLOCK(ctx);
    t_write1(p[1]);
    ck_assert_int_eq(libxl_osevent_dispatch(ctx), 0);
    ck_assert_int_eq(plain_calls, 1);
    ck_assert_int_eq(nb_calls, 1);       /* on the report, now stale */
    ck_assert_int_eq(nb_empty, 1);
    ck_assert_int_eq(nb_revents, POLLIN);

    /* The other order: the non-blocking one drains, the plain one is
     * re-checked and not called. */
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &plain);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &plain2, plain_cb, p[0], POLLIN), 0);
    libxl__ev_fd_deregister(ctx, &nb);
    ck_assert_int_eq(libxl__ev_fd_register_flags(ctx, &nb, nb_cb, p[0], POLLIN,
                                                 LIBXL__EV_FD_NONBLOCKING), 0);
    CTX_UNLOCK(ctx);
    t_write1(p[1]);
    ck_assert_int_eq(libxl_osevent_dispatch(ctx), 0);
    ck_assert_int_eq(nb_calls, 2);
    ck_assert_int_eq(nb_empty, 1);
    ck_assert_int_eq(plain_calls, 1);

    /* Hang-up: a fresh poll, whose revents carry POLLHUP. */
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &plain2);
    CTX_UNLOCK(ctx);
    close(p[1]);
    ck_assert_int_eq(libxl_osevent_dispatch(ctx), 0);
    ck_assert_int_eq(nb_calls, 3);
    ck_assert(nb_revents & POLLHUP);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &nb);
    CTX_UNLOCK(ctx);
    close(p[0]);
}

/* A regular file / /dev/null cannot go into epoll; it is always ready. */
TEST(always_ready_fd, 30)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    libxl__ev_fd ev;
    ck_assert_int_ge(fd, 0);
    libxl__ev_fd_init(&ev);
    fd_flag = 0; fd_calls = 0;
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &ev, drain_cb, fd, POLLIN), 0);
    ck_assert(libxl__ev_fd_slot_lookup(ctx, fd)->always_ready);
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(wait_flag(&fd_flag), 0);
    ck_assert_int_ge(fd_calls, 1);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &ev);
    ck_assert(!CTX_EV(ctx)->kicked);
    CTX_UNLOCK(ctx);
    close(fd);
}

TEST(library_fds_are_cloexec, 30)
{
    int p[2];
    libxl__ev_fd ev;
    t_pipe(p);
    libxl__ev_fd_init(&ev);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &ev, drain_cb, p[0], POLLIN), 0);
    CTX_UNLOCK(ctx);
    fd_flag = 0;
    t_write1(p[1]);
    ck_assert_int_eq(wait_flag(&fd_flag), 0);
    ck_assert(t_fd_is_cloexec(CTX_EV(ctx)->epfd));
    ck_assert(t_fd_is_cloexec(CTX_EV(ctx)->tfd));
    ck_assert(t_fd_is_cloexec(CTX_EV(ctx)->kickfd));
    ck_assert_ptr_nonnull(XEN_LIST_FIRST(&CTX_EV(ctx)->waiters_idle));
    ck_assert(t_fd_is_cloexec(XEN_LIST_FIRST(&CTX_EV(ctx)->waiters_idle)->efd));
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &ev);
    CTX_UNLOCK(ctx);
    close(p[0]); close(p[1]);
}

/* ------------------------------------------------------------ timeouts */

enum { NT = 10000 };
static libxl__ev_time *many;
static uint64_t *many_deadline;
static int many_fired, many_expected, many_flag;
static uint64_t last_deadline;
static int last_index = -1;

static void many_cb(libxl__egc *egc, libxl__ev_time *ev,
                    const struct timeval *abs, int rc)
{
    (void)egc; (void)abs;
    int i = (int)(ev - many);
    ck_assert_int_eq(rc, ERROR_TIMEDOUT);
    ck_assert(!libxl__ev_time_isregistered(ev));
    ck_assert_msg(i % 7 != 0, "cancelled timeout %d fired", i);
    ck_assert_msg(many_deadline[i] > last_deadline ||
                  (many_deadline[i] == last_deadline && i > last_index),
                  "timeout %d out of order", i);
    last_deadline = many_deadline[i];
    last_index = i;
    if (++many_fired == many_expected) many_flag = 1;
}

TEST(ten_thousand_timeouts_in_order, 30)
{
    many = calloc(NT, sizeof(*many));
    many_deadline = calloc(NT, sizeof(*many_deadline));
    srand(42);
    CTX_LOCK(ctx);
    for (int i = 0; i < NT; i++) {
        libxl__ev_time_init(&many[i]);
        ck_assert_int_eq(libxl__ev_time_register_rel(ctx, &many[i], many_cb,
                                                     rand() % 300), 0);
        many_deadline[i] = many[i].entry.deadline_ns;
    }
    for (int i = 0; i < NT; i += 7) libxl__ev_time_deregister(ctx, &many[i]);
    many_expected = NT - (NT + 6) / 7;
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(wait_flag(&many_flag), 0);
    ck_assert_int_eq(many_fired, many_expected);
    ck_assert_uint_eq(libxl__timeheap_count(&CTX_EV(ctx)->heap), 0);
    free(many); free(many_deadline);
}

/* After Xen's test_timedereg: a callback deregisters other timeouts,
 * registers new ones and deregisters itself (already Idle: a no-op). */
static libxl__ev_time td[4];
static int td_order[8], td_n, td_flag;
static void td_cb(libxl__egc *egc, libxl__ev_time *ev,
                  const struct timeval *abs, int rc)
{
    (void)abs; (void)rc;
    int i = (int)(ev - td);
    td_order[td_n++] = i;
    if (i == 0 && td_n == 1) {
        libxl__ev_time_deregister(egc->ctx, &td[1]);
        libxl__ev_time_deregister(egc->ctx, &td[2]);
        ck_assert_int_eq(libxl__ev_time_register_rel(egc->ctx, &td[3], td_cb, 5), 0);
        ck_assert_int_eq(libxl__ev_time_register_rel(egc->ctx, &td[0], td_cb, 30), 0);
        libxl__ev_time_deregister(egc->ctx, &td[1]); /* Idle: no-op */
    }
    if (td_n == 3) td_flag = 1;
}

TEST(timeout_deregistration_in_callbacks, 30)
{
    CTX_LOCK(ctx);
    for (int i = 0; i < 4; i++) libxl__ev_time_init(&td[i]);
    ck_assert_int_eq(libxl__ev_time_register_rel(ctx, &td[1], td_cb, 2000), 0);
    ck_assert_int_eq(libxl__ev_time_register_rel(ctx, &td[0], td_cb, 10), 0);
    ck_assert_int_eq(libxl__ev_time_register_rel(ctx, &td[2], td_cb, 2000), 0);
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(wait_flag(&td_flag), 0);
    ck_assert_int_eq(td_order[0], 0);
    ck_assert_int_eq(td_order[1], 3);
    ck_assert_int_eq(td_order[2], 0);
    for (int i = 0; i < 4; i++) ck_assert(!libxl__ev_time_isregistered(&td[i]));
}

static struct timeval abs_seen;
static int abs_flag;
static void abs_cb(libxl__egc *egc, libxl__ev_time *ev,
                   const struct timeval *abs, int rc)
{
    (void)egc; (void)ev; (void)rc;
    abs_seen = *abs;
    abs_flag = 1;
}

TEST(absolute_timeout, 30)
{
    libxl__ev_time ev;
    struct timeval want = t_add_ms(t_now(), 30);
    libxl__ev_time_init(&ev);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_time_register_abs(ctx, &ev, abs_cb, want), 0);
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(wait_flag(&abs_flag), 0);
    struct timeval now = t_now();
    ck_assert(timercmp(&now, &want, >=));
    ck_assert_int_eq(abs_seen.tv_sec, want.tv_sec);
    ck_assert_int_eq(abs_seen.tv_usec, want.tv_usec);
}

/* A callback that re-registers itself for 0 ms does not starve the loop. */
static int rereg_count, rereg_flag;
static void rereg_cb(libxl__egc *egc, libxl__ev_time *ev,
                     const struct timeval *abs, int rc)
{
    (void)abs; (void)rc;
    if (++rereg_count == 50) { rereg_flag = 1; return; }
    ck_assert_int_eq(libxl__ev_time_register_rel(egc->ctx, ev, rereg_cb, 0), 0);
}

TEST(timeout_reregisters_itself, 30)
{
    libxl__ev_time ev;
    libxl__ev_time_init(&ev);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_time_register_rel(ctx, &ev, rereg_cb, 0), 0);
    CTX_UNLOCK(ctx);
    /* one dispatch fires it once, not 50 times */
    libxl_osevent_dispatch(ctx);
    ck_assert_int_eq(rereg_count, 1);
    ck_assert_int_eq(wait_flag(&rereg_flag), 0);
    ck_assert_int_eq(rereg_count, 50);
}

/* ------------------------------------------- egc and application callbacks */

static void *lock_probe(void *arg)
{
    libxl_ctx *c = arg;
    CTX_LOCK(c);   /* would hang (test timeout) if the caller held it */
    CTX_UNLOCK(c);
    return NULL;
}

static int occurs_calls;
static void occurs_reenter(void *user, libxl_event *ev)
{
    libxl_ctx *c = user;
    libxl_event *got = NULL;
    pthread_t t;

    occurs_calls++;
    ck_assert_int_eq(pthread_create(&t, NULL, lock_probe, c), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    /* Re-entering the library is allowed. */
    ck_assert_int_eq(libxl_event_check(c, &got, LIBXL_EVENTMASK_ALL, NULL, NULL),
                     ERROR_NOT_READY);
    if (ev->for_user == 1) {
        libxl_event *other = t_event(2);
        other->type = LIBXL_EVENT_TYPE_DOMAIN_DEATH; /* not in the mask */
        t_occur(c, other);
    }
    libxl_event_free(c, ev);
}

TEST(event_occurs_after_unlock_and_reentrant, 30)
{
    static const libxl_event_hooks hooks = {
        .event_occurs_mask = 1ULL << LIBXL_EVENT_TYPE_OPERATION_COMPLETE,
        .event_occurs = occurs_reenter,
    };
    libxl_event *got = NULL;
    libxl_event_register_callbacks(ctx, &hooks, ctx);
    t_occur(ctx, t_event(1));
    ck_assert_int_eq(occurs_calls, 1);
    ck_assert_int_eq(libxl_event_check(ctx, &got, LIBXL_EVENTMASK_ALL, NULL, NULL), 0);
    ck_assert_int_eq(got->for_user, 2);
    libxl_event_free(ctx, got);
}

/* Deferred callbacks run after unlock, in order; nested egcs hand theirs
 * to the outermost one. */
static int deferred_order[4], deferred_n;
static libxl__egc_deferred dfr[3];
static void deferred_fn(libxl_ctx *c, libxl__egc_deferred *d)
{
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, lock_probe, c), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    deferred_order[deferred_n++] = (int)(d - dfr);
}

TEST(deferred_callbacks_after_outermost_unlock, 30)
{
    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    libxl__egc_defer(egc, &dfr[0], deferred_fn);
    {
        /* a nested entry point on the same thread */
        libxl__egc inner;
        libxl__egc_init(&inner, ctx);
        CTX_LOCK(ctx);
        libxl__egc_defer(&inner, &dfr[1], deferred_fn);
        CTX_UNLOCK(ctx);
        libxl__egc_free(&inner);
        ck_assert_int_eq(deferred_n, 0); /* not yet: outer lock still held */
    }
    libxl__egc_defer(egc, &dfr[2], deferred_fn);
    CTX_UNLOCK_EGC_FREE;
    ck_assert_int_eq(deferred_n, 3);
    ck_assert_int_eq(deferred_order[0], 0);
    ck_assert_int_eq(deferred_order[1], 1);
    ck_assert_int_eq(deferred_order[2], 2);
}

/* ------------------------------------------------------ event queue */

TEST(event_check_typemask_and_predicate, 30)
{
    libxl_event *got = NULL;
    libxl_event *a = t_event(10), *b = t_event(20);
    b->type = LIBXL_EVENT_TYPE_DOMAIN_DEATH;
    ck_assert_int_eq(libxl_event_check(ctx, &got, LIBXL_EVENTMASK_ALL, NULL, NULL),
                     ERROR_NOT_READY);
    t_occur(ctx, a);
    t_occur(ctx, b);
    ck_assert_int_eq(libxl_event_check(ctx, &got,
                     1ULL << LIBXL_EVENT_TYPE_DOMAIN_DEATH, NULL, NULL), 0);
    ck_assert_ptr_eq(got, b);
    libxl_event_free(ctx, got);
    ck_assert_int_eq(libxl_event_check(ctx, &got,
                     1ULL << LIBXL_EVENT_TYPE_DOMAIN_DEATH, NULL, NULL),
                     ERROR_NOT_READY);
    ck_assert_int_eq(libxl_event_check(ctx, &got, LIBXL_EVENTMASK_ALL, NULL, NULL), 0);
    ck_assert_ptr_eq(got, a);
    libxl_event_free(ctx, got);
}

enum { NWAITERS = 4 };
static int pred_for_user(const libxl_event *ev, void *user)
{
    return ev->for_user == (uint64_t)(uintptr_t)user;
}
static void *waiter_thread(void *arg)
{
    libxl_event *got = NULL;
    int rc = libxl_event_wait(ctx, &got, LIBXL_EVENTMASK_ALL, pred_for_user, arg);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(got->for_user, (uint64_t)(uintptr_t)arg);
    libxl_event_free(ctx, got);
    return NULL;
}
static void *producer_thread(void *arg)
{
    (void)arg;
    for (int i = NWAITERS; i >= 1; i--) t_occur(ctx, t_event((uint64_t)i));
    return NULL;
}

/* Several threads blocked in libxl_event_wait (with nothing at all to poll)
 * are woken by events another thread queues. */
TEST(several_waiters_woken_by_other_thread, 30)
{
    pthread_t w[NWAITERS], p;
    for (int i = 0; i < NWAITERS; i++)
        ck_assert_int_eq(pthread_create(&w[i], NULL, waiter_thread,
                                        (void *)(uintptr_t)(i + 1)), 0);
    /* Let them block (not needed for correctness: a late waiter finds its
     * event queued). */
    for (;;) {
        CTX_LOCK(ctx);
        int n = 0;
        libxl__waiter *x;
        XEN_LIST_FOREACH(x, &CTX_EV(ctx)->waiters_active, link) n++;
        CTX_UNLOCK(ctx);
        if (n == NWAITERS) break;
        sched_yield();
    }
    ck_assert_int_eq(pthread_create(&p, NULL, producer_thread, NULL), 0);
    pthread_join(p, NULL);
    for (int i = 0; i < NWAITERS; i++) pthread_join(w[i], NULL);
}

/* ------------------------------------------------------------ disaster */

static int disaster_calls;
static char disaster_msg[128];
static void disaster_hook(void *user, libxl_event_type type, const char *msg,
                          int errnoval)
{
    (void)user; (void)type;
    ck_assert_int_eq(errnoval, EIO);
    snprintf(disaster_msg, sizeof(disaster_msg), "%s", msg);
    disaster_calls++;
}
static void *wait_any(void *arg)
{
    libxl_event *got = NULL;
    *(int *)arg = libxl_event_wait(ctx, &got, LIBXL_EVENTMASK_ALL, NULL, NULL);
    return NULL;
}

TEST(disaster_with_hook_fails_waiters, 30)
{
    static const libxl_event_hooks hooks = { .disaster = disaster_hook };
    pthread_t t;
    int wrc = 12345;
    libxl_event_register_callbacks(ctx, &hooks, NULL);
    ck_assert_int_eq(pthread_create(&t, NULL, wait_any, &wrc), 0);
    for (;;) {
        CTX_LOCK(ctx);
        bool in = !XEN_LIST_EMPTY(&CTX_EV(ctx)->waiters_active);
        CTX_UNLOCK(ctx);
        if (in) break;
        sched_yield();
    }
    {
        EGC_INIT(ctx);
        CTX_LOCK(ctx);
        libxl__event_disaster(egc, "test disaster", EIO, 0);
        ck_assert_int_eq(disaster_calls, 0); /* not with the lock held */
        CTX_UNLOCK_EGC_FREE;
    }
    ck_assert_int_eq(disaster_calls, 1);
    ck_assert_str_eq(disaster_msg, "test disaster");
    pthread_join(t, NULL);
    ck_assert_int_eq(wrc, ERROR_FAIL);
    ck_assert(testlog_contains(lg, XTL_CRITICAL, "test disaster"));
}

TEST(disaster_without_hook_exits, 30)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(p[1], 2);
        EGC_INIT(ctx);
        CTX_LOCK(ctx);
        libxl__event_disaster(egc, "nobody listens", 0, 0);
        _exit(3); /* not reached */
    }
    close(p[1]);
    char buf[512] = "";
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0) n += (size_t)r;
    buf[n] = 0;
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 255);
    ck_assert_msg(strstr(buf, "nobody listens") != NULL, "stderr: %s", buf);
    close(p[0]);
}

/* ------------------------------------------------------------ ctx_free */

static int no_more_callbacks;
static void must_not_run_fd(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{ (void)egc; (void)ev; (void)fd; (void)e; (void)r; no_more_callbacks++; }
static void must_not_run_time(libxl__egc *egc, libxl__ev_time *ev,
                              const struct timeval *abs, int rc)
{ (void)egc; (void)ev; (void)abs; (void)rc; no_more_callbacks++; }
static void must_not_occur(void *user, libxl_event *ev)
{ (void)user; (void)ev; no_more_callbacks++; }

TEST(ctx_free_with_everything_outstanding, 30)
{
    static const libxl_event_hooks hooks = {
        .event_occurs_mask = 1ULL << LIBXL_EVENT_TYPE_DOMAIN_DEATH,
        .event_occurs = must_not_occur,
    };
    int p[2];
    libxl__ev_fd f1, f2;
    libxl__ev_time t1, t2;
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    t_pipe(p);
    libxl_event_register_callbacks(ctx, &hooks, NULL);
    libxl__ev_fd_init(&f1); libxl__ev_fd_init(&f2);
    libxl__ev_time_init(&t1); libxl__ev_time_init(&t2);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &f1, must_not_run_fd, p[0], POLLIN), 0);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &f2, must_not_run_fd, devnull, POLLIN), 0);
    ck_assert_int_eq(libxl__ev_time_register_rel(ctx, &t1, must_not_run_time, 0), 0);
    ck_assert_int_eq(libxl__ev_time_register_rel(ctx, &t2, must_not_run_time, 100000), 0);
    CTX_UNLOCK(ctx);
    t_occur(ctx, t_event(1));
    t_occur(ctx, t_event(2));
    t_write1(p[1]);
    libxl_ctx_free(ctx);
    ctx = NULL;
    ck_assert(!libxl__ev_fd_isregistered(&f1));
    ck_assert(!libxl__ev_time_isregistered(&t2));
    ck_assert_int_eq(no_more_callbacks, 0);
    close(p[0]); close(p[1]); close(devnull);
}
