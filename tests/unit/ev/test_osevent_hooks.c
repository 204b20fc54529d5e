/*
 * test_osevent_hooks.c: the hook style (libxl_osevent_register_hooks,
 * occurred_fd, occurred_timeout) against a fake application loop that
 * records what the library registers: lazy registration, one registration
 * per fd, late and foreign occurred calls, the timeout_modify({0,0}) race,
 * failing hooks, occurred from inside a hook, and the two-thread hang of
 * Xen 5a533d0ba5. No Xen needed.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>

#include "ev/ev_testutil.h"
#include "ev/ev_private.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;

/* ------------------------------------------------------ the fake app */

enum { MAXREG = 64 };
static pthread_mutex_t app_lock = PTHREAD_MUTEX_INITIALIZER;
static struct app_fd { bool live; int fd; short events; void *for_libxl; } afd[MAXREG];
static struct app_to { bool live; bool modified; struct timeval abs; void *for_libxl; } ato[MAXREG];
static int n_fd_register, n_fd_modify, n_fd_deregister, n_to_register, n_to_modify;
static int fail_fd_register, fail_fd_modify, fail_to_register; /* return these */
static bool reenter_from_hook;
static libxl_ctx *hook_ctx; /* the ctx whose hooks these are (for reentry) */

static int h_fd_register(void *user, int fd, void **for_app, short events,
                         void *for_libxl)
{
    (void)user;
    if (reenter_from_hook)
        libxl_osevent_occurred_fd(hook_ctx, for_libxl, fd, events, events);
    if (fail_fd_register) return fail_fd_register;
    pthread_mutex_lock(&app_lock);
    n_fd_register++;
    int i = 0;
    while (afd[i].live) i++;
    afd[i] = (struct app_fd){ true, fd, events, for_libxl };
    *for_app = &afd[i];
    pthread_mutex_unlock(&app_lock);
    return 0;
}
static int h_fd_modify(void *user, int fd, void **for_app, short events)
{
    (void)user;
    struct app_fd *a = *for_app;
    ck_assert_int_eq(a->fd, fd);
    if (fail_fd_modify) return fail_fd_modify;
    pthread_mutex_lock(&app_lock);
    n_fd_modify++;
    a->events = events;
    pthread_mutex_unlock(&app_lock);
    return 0;
}
static void h_fd_deregister(void *user, int fd, void *for_app)
{
    (void)user;
    struct app_fd *a = for_app;
    ck_assert_int_eq(a->fd, fd);
    pthread_mutex_lock(&app_lock);
    n_fd_deregister++;
    a->live = false;
    pthread_mutex_unlock(&app_lock);
}
static int h_to_register(void *user, void **for_app, struct timeval abs,
                         void *for_libxl)
{
    (void)user;
    if (fail_to_register) return fail_to_register;
    pthread_mutex_lock(&app_lock);
    n_to_register++;
    int i = 0;
    while (ato[i].live) i++;
    ato[i] = (struct app_to){ true, false, abs, for_libxl };
    *for_app = &ato[i];
    pthread_mutex_unlock(&app_lock);
    return 0;
}
static int h_to_modify(void *user, void **for_app, struct timeval abs)
{
    (void)user;
    struct app_to *a = *for_app;
    ck_assert_int_eq(abs.tv_sec, 0);
    ck_assert_int_eq(abs.tv_usec, 0);
    pthread_mutex_lock(&app_lock);
    n_to_modify++;
    a->modified = true;
    pthread_mutex_unlock(&app_lock);
    return 0;
}
static void h_to_deregister(void *user, void *for_app)
{
    (void)user; (void)for_app;
    ck_abort_msg("timeout_deregister must never be called");
}

static const libxl_osevent_hooks hooks = {
    .fd_register = h_fd_register, .fd_modify = h_fd_modify,
    .fd_deregister = h_fd_deregister, .timeout_register = h_to_register,
    .timeout_modify = h_to_modify, .timeout_deregister = h_to_deregister,
};

static struct app_fd *app_fd_of(int fd)
{
    for (int i = 0; i < MAXREG; i++)
        if (afd[i].live && afd[i].fd == fd) return &afd[i];
    return NULL;
}

/* The app fires a timeout: its registration ends. */
static void app_fire_timeout(libxl_ctx *c, struct app_to *a)
{
    void *tok = a->for_libxl;
    a->live = false;
    libxl_osevent_occurred_timeout(c, tok);
}

static void setup(void)
{
    lg = testlog_new();
    ctx = t_ctx(lg);
    hook_ctx = ctx;
}
static void teardown(void)
{
    libxl_ctx_free(ctx);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

/* ------------------------------------------------------- callbacks */

static int fd_calls;
static short fd_revents;
static void count_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)egc; (void)ev; (void)e;
    fd_calls++;
    fd_revents = r;
    t_drain(fd);
}
static int to_calls;
static void to_cb(libxl__egc *egc, libxl__ev_time *ev,
                  const struct timeval *abs, int rc)
{
    (void)egc; (void)ev; (void)abs;
    ck_assert_int_eq(rc, ERROR_TIMEDOUT);
    __atomic_add_fetch(&to_calls, 1, __ATOMIC_SEQ_CST);
}

static int reg_fd(libxl__ev_fd *ev, int fd, short events)
{
    CTX_LOCK(ctx);
    int rc = libxl__ev_fd_register(ctx, ev, count_cb, fd, events);
    CTX_UNLOCK(ctx);
    return rc;
}
static void dereg_fd(libxl__ev_fd *ev)
{
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, ev);
    CTX_UNLOCK(ctx);
}
static int reg_time(libxl__ev_time *ev, int ms)
{
    CTX_LOCK(ctx);
    int rc = libxl__ev_time_register_rel(ctx, ev, to_cb, ms);
    CTX_UNLOCK(ctx);
    return rc;
}

/* ----------------------------------------------------------- tests */

TEST(lazy_then_register_hooks_hands_over, 30)
{
    int p[2];
    libxl__ev_fd f;
    libxl__ev_time t;
    t_pipe(p);
    libxl__ev_fd_init(&f);
    libxl__ev_time_init(&t);
    ck_assert_int_eq(reg_fd(&f, p[0], POLLIN), 0);
    ck_assert_int_eq(reg_time(&t, 100000), 0);
    ck_assert_int_eq(n_fd_register + n_to_register, 0); /* no hooks yet */

    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    ck_assert_int_eq(n_fd_register, 1);
    ck_assert_int_eq(n_to_register, 1);
    struct app_fd *a = app_fd_of(p[0]);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(a->events, POLLIN);

    t_write1(p[1]);
    libxl_osevent_occurred_fd(ctx, a->for_libxl, p[0], 0, 0); /* libvirt: 0 */
    ck_assert_int_eq(fd_calls, 1);
    dereg_fd(&f);
    ck_assert_int_eq(n_fd_deregister, 1);
    CTX_LOCK(ctx);
    libxl__ev_time_deregister(ctx, &t);
    CTX_UNLOCK(ctx);
    close(p[0]); close(p[1]);
}

TEST(one_app_registration_per_fd, 30)
{
    int sv[2];
    libxl__ev_fd a, b;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_fd_init(&a); libxl__ev_fd_init(&b);
    ck_assert_int_eq(reg_fd(&a, sv[0], POLLIN), 0);
    ck_assert_int_eq(reg_fd(&b, sv[0], POLLOUT), 0);
    ck_assert_int_eq(n_fd_register, 1);
    ck_assert_int_eq(n_fd_modify, 1);
    ck_assert_int_eq(app_fd_of(sv[0])->events, POLLIN | POLLOUT);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_modify(ctx, &b, 0), 0);
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(app_fd_of(sv[0])->events, POLLIN);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_modify(ctx, &a, 0), 0);
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(app_fd_of(sv[0])->events, 0); /* modify to 0 */
    dereg_fd(&a);
    ck_assert_int_eq(n_fd_deregister, 0);
    dereg_fd(&b);
    ck_assert_int_eq(n_fd_deregister, 1);
    close(sv[0]); close(sv[1]);
}

/* After fd_modify, an occurred_fd for the old events is ignored. */
TEST(occurred_for_old_events_ignored, 30)
{
    int p[2];
    libxl__ev_fd f;
    t_pipe(p);
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_fd_init(&f);
    ck_assert_int_eq(reg_fd(&f, p[0], POLLIN), 0);
    void *tok = app_fd_of(p[0])->for_libxl;
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_modify(ctx, &f, POLLPRI), 0);
    CTX_UNLOCK(ctx);
    t_write1(p[1]);
    libxl_osevent_occurred_fd(ctx, tok, p[0], POLLIN, POLLIN);
    ck_assert_int_eq(fd_calls, 0);
    dereg_fd(&f);
    close(p[0]); close(p[1]);
}

TEST(late_occurred_fd_after_deregistration, 30)
{
    int p[2];
    libxl__ev_fd f;
    t_pipe(p);
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_fd_init(&f);
    ck_assert_int_eq(reg_fd(&f, p[0], POLLIN), 0);
    void *tok = app_fd_of(p[0])->for_libxl;
    t_write1(p[1]);
    dereg_fd(&f);
    libxl_osevent_occurred_fd(ctx, tok, p[0], POLLIN, POLLIN);
    ck_assert_int_eq(fd_calls, 0);
    close(p[0]); close(p[1]);
}

/* The fd number is reused by a new pipe (and the slot for that number is
 * re-created): the old token must not reach the new registration. */
TEST(late_occurred_fd_after_fd_reuse, 30)
{
    int p[2], q[2];
    libxl__ev_fd f, g;
    t_pipe(p);
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_fd_init(&f); libxl__ev_fd_init(&g);
    ck_assert_int_eq(reg_fd(&f, p[0], POLLIN), 0);
    void *old = app_fd_of(p[0])->for_libxl;
    dereg_fd(&f);
    int num = p[0];
    close(p[0]); close(p[1]);
    t_pipe(q);
    ck_assert_int_eq(q[0], num); /* lowest free number */
    ck_assert_int_eq(reg_fd(&g, q[0], POLLIN), 0);
    void *new_tok = app_fd_of(q[0])->for_libxl;
    ck_assert_ptr_ne(old, new_tok);
    t_write1(q[1]);
    libxl_osevent_occurred_fd(ctx, old, q[0], POLLIN, POLLIN);
    ck_assert_int_eq(fd_calls, 0);
    libxl_osevent_occurred_fd(ctx, new_tok, q[0], POLLIN, POLLIN);
    ck_assert_int_eq(fd_calls, 1);
    dereg_fd(&g);
    close(q[0]); close(q[1]);
}

/* Same fd, registration ended and a new one made (slot reused). */
TEST(late_occurred_fd_after_slot_reuse, 30)
{
    int p[2];
    libxl__ev_fd f;
    t_pipe(p);
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_fd_init(&f);
    ck_assert_int_eq(reg_fd(&f, p[0], POLLIN), 0);
    void *old = app_fd_of(p[0])->for_libxl;
    dereg_fd(&f);
    ck_assert_int_eq(reg_fd(&f, p[0], POLLIN), 0);
    t_write1(p[1]);
    libxl_osevent_occurred_fd(ctx, old, p[0], POLLIN, POLLIN);
    ck_assert_int_eq(fd_calls, 0);
    libxl_osevent_occurred_fd(ctx, app_fd_of(p[0])->for_libxl, p[0], 0, 0);
    ck_assert_int_eq(fd_calls, 1);
    /* a wrong fd with a good token is ignored too */
    t_write1(p[1]);
    libxl_osevent_occurred_fd(ctx, app_fd_of(p[0])->for_libxl, p[1], 0, 0);
    ck_assert_int_eq(fd_calls, 1);
    dereg_fd(&f);
    close(p[0]); close(p[1]);
}

/* Tokens of another, freed, ctx (and garbage) are ignored. */
TEST(tokens_of_freed_ctx_ignored, 30)
{
    libxl_ctx *other = t_ctx(lg);
    int p[2];
    libxl__ev_fd f, mine;
    libxl__ev_time t;
    t_pipe(p);
    hook_ctx = other;
    libxl_osevent_register_hooks(other, &hooks, NULL);
    libxl__ev_fd_init(&f);
    libxl__ev_time_init(&t);
    CTX_LOCK(other);
    ck_assert_int_eq(libxl__ev_fd_register(other, &f, count_cb, p[0], POLLIN), 0);
    ck_assert_int_eq(libxl__ev_time_register_rel(other, &t, to_cb, 0), 0);
    CTX_UNLOCK(other);
    void *ftok = app_fd_of(p[0])->for_libxl;
    void *ttok = ato[0].for_libxl;
    libxl_ctx_free(other);

    hook_ctx = ctx;
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_fd_init(&mine);
    ck_assert_int_eq(reg_fd(&mine, p[0], POLLIN), 0);
    t_write1(p[1]);
    libxl_osevent_occurred_fd(ctx, ftok, p[0], POLLIN, POLLIN);
    libxl_osevent_occurred_timeout(ctx, ttok);
    libxl_osevent_occurred_fd(ctx, NULL, p[0], POLLIN, POLLIN);
    libxl_osevent_occurred_timeout(ctx, (void *)&mine);
    ck_assert_int_eq(fd_calls, 0);
    ck_assert_int_eq(to_calls, 0);
    dereg_fd(&mine);
    close(p[0]); close(p[1]);
}

TEST(timeout_through_hooks, 30)
{
    libxl__ev_time t;
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_time_init(&t);
    struct timeval before = t_now();
    ck_assert_int_eq(reg_time(&t, 5000), 0);
    ck_assert_int_eq(n_to_register, 1);
    struct timeval lo = t_add_ms(before, 5000), hi = t_add_ms(t_now(), 5000);
    ck_assert(timercmp(&ato[0].abs, &lo, >=) && timercmp(&ato[0].abs, &hi, <=));
    void *tok = ato[0].for_libxl;
    app_fire_timeout(ctx, &ato[0]);       /* the app says it is time */
    ck_assert_int_eq(to_calls, 1);
    ck_assert(!libxl__ev_time_isregistered(&t));
    libxl_osevent_occurred_timeout(ctx, tok); /* late duplicate */
    ck_assert_int_eq(to_calls, 1);
    ck_assert_int_eq(n_to_modify, 0);
    ck_assert_uint_eq(libxl__htab_count(&CTX_EV(ctx)->handles), 0);
}

/* An app loop that fell behind hands over due timeouts in its own order
 * (glib does, under load): the callbacks still run in deadline order, and
 * the occurrences of those that already fired are ignored. */
static libxl__ev_time ordered[3];
static int fired_order[3], n_fired_order;
static void order_cb(libxl__egc *egc, libxl__ev_time *ev,
                     const struct timeval *abs, int rc)
{
    (void)egc; (void)abs;
    ck_assert_int_eq(rc, ERROR_TIMEDOUT);
    fired_order[n_fired_order++] = (int)(ev - ordered);
}

TEST(timeouts_handed_over_late_fire_in_deadline_order, 30)
{
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    CTX_LOCK(ctx);
    for (int i = 0; i < 3; i++) {
        libxl__ev_time_init(&ordered[i]);
        ck_assert_int_eq(libxl__ev_time_register_rel(ctx, &ordered[i], order_cb,
                                                     10 + 10 * i), 0);
    }
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(n_to_register, 3);
    /* the last deadline first, as a late loop may */
    void *tok0 = ato[0].for_libxl, *tok1 = ato[1].for_libxl;
    app_fire_timeout(ctx, &ato[2]);
    ck_assert_int_eq(n_fired_order, 3);
    ck_assert_int_eq(fired_order[0], 0);
    ck_assert_int_eq(fired_order[1], 1);
    ck_assert_int_eq(fired_order[2], 2);
    /* the two fired early had their registrations cut short */
    ck_assert_int_eq(n_to_modify, 2);
    libxl_osevent_occurred_timeout(ctx, tok0);
    libxl_osevent_occurred_timeout(ctx, tok1);
    ck_assert_int_eq(n_fired_order, 3);
    ck_assert_uint_eq(libxl__htab_count(&CTX_EV(ctx)->handles), 0);
}

/* Deregistration modifies to {0,0} (never deregisters); the token lives
 * until the resulting occurred_timeout, which runs nothing. */
TEST(timeout_deregistered_via_modify, 30)
{
    libxl__ev_time t;
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_time_init(&t);
    ck_assert_int_eq(reg_time(&t, 5000), 0);
    void *tok = ato[0].for_libxl;
    CTX_LOCK(ctx);
    libxl__ev_time_deregister(ctx, &t);
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(n_to_modify, 1);
    ck_assert(ato[0].modified);
    ck_assert_uint_eq(libxl__htab_count(&CTX_EV(ctx)->handles), 1);
    app_fire_timeout(ctx, &ato[0]);
    ck_assert_int_eq(to_calls, 0);
    ck_assert_uint_eq(libxl__htab_count(&CTX_EV(ctx)->handles), 0);
    libxl_osevent_occurred_timeout(ctx, tok);
    ck_assert_int_eq(to_calls, 0);
}

/* A timeout fires internally (dispatch) while the app is firing it too:
 * the app's call already under way and the one provoked by the library's
 * timeout_modify({0,0}) are both handled, the callback runs once. */
TEST(timeout_modify_races_occurred_deterministic, 30)
{
    libxl__ev_time t;
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_time_init(&t);
    ck_assert_int_eq(reg_time(&t, 0), 0);
    void *tok = ato[0].for_libxl;
    libxl_osevent_dispatch(ctx);        /* fires internally, modifies */
    ck_assert_int_eq(to_calls, 1);
    ck_assert_int_eq(n_to_modify, 1);
    libxl_osevent_occurred_timeout(ctx, tok); /* the in-flight one */
    libxl_osevent_occurred_timeout(ctx, tok); /* the one modify provoked */
    ck_assert_int_eq(to_calls, 1);
    ck_assert_uint_eq(libxl__htab_count(&CTX_EV(ctx)->handles), 0);
}

/* The racing thread yields between calls: the ctx lock is not fair, and a
 * thread that takes it back at once could starve the dispatching one for
 * seconds on a loaded machine (seen under ThreadSanitizer). */
static volatile int race_stop;
static void *race_app_thread(void *arg)
{
    void *tok = arg;
    while (!__atomic_load_n(&race_stop, __ATOMIC_SEQ_CST)) {
        libxl_osevent_occurred_timeout(ctx, tok);
        sched_yield();
    }
    return NULL;
}

TEST(timeout_modify_races_occurred_threads, 30)
{
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    for (int round = 0; round < 200; round++) {
        libxl__ev_time t;
        pthread_t th;
        libxl__ev_time_init(&t);
        __atomic_store_n(&to_calls, 0, __ATOMIC_SEQ_CST);
        ck_assert_int_eq(reg_time(&t, 0), 0);
        pthread_mutex_lock(&app_lock);
        void *tok = NULL;
        for (int i = 0; i < MAXREG; i++)
            if (ato[i].live) { tok = ato[i].for_libxl; ato[i].live = false; }
        pthread_mutex_unlock(&app_lock);
        race_stop = 0;
        ck_assert_int_eq(pthread_create(&th, NULL, race_app_thread, tok), 0);
        libxl_osevent_dispatch(ctx);
        __atomic_store_n(&race_stop, 1, __ATOMIC_SEQ_CST);
        pthread_join(th, NULL);
        libxl_osevent_occurred_timeout(ctx, tok);
        ck_assert_int_eq(__atomic_load_n(&to_calls, __ATOMIC_SEQ_CST), 1);
        ck_assert(!libxl__ev_time_isregistered(&t));
    }
    ck_assert_uint_eq(libxl__htab_count(&CTX_EV(ctx)->handles), 0);
}

TEST(failing_hooks_change_nothing, 30)
{
    int p[2];
    libxl__ev_fd a, b;
    libxl__ev_time t;
    t_pipe(p);
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_fd_init(&a); libxl__ev_fd_init(&b);
    libxl__ev_time_init(&t);

    fail_fd_register = 77;
    ck_assert_int_eq(reg_fd(&a, p[0], POLLIN), 77);
    ck_assert(!libxl__ev_fd_isregistered(&a));
    ck_assert_ptr_null(libxl__ev_fd_slot_lookup(ctx, p[0]));
    ck_assert_uint_eq(libxl__htab_count(&CTX_EV(ctx)->handles), 0);
    fail_fd_register = 0;

    ck_assert_int_eq(reg_fd(&a, p[0], POLLIN), 0);
    fail_fd_modify = ERROR_OSEVENT_REG_FAIL;
    ck_assert_int_eq(reg_fd(&b, p[0], POLLOUT), ERROR_OSEVENT_REG_FAIL);
    ck_assert(!libxl__ev_fd_isregistered(&b));
    ck_assert_int_eq(libxl__ev_fd_slot_lookup(ctx, p[0])->events, POLLIN);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_modify(ctx, &a, POLLIN | POLLPRI),
                     ERROR_OSEVENT_REG_FAIL);
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(a.events, POLLIN);
    fail_fd_modify = 0;
    t_write1(p[1]);
    libxl_osevent_occurred_fd(ctx, app_fd_of(p[0])->for_libxl, p[0], 0, 0);
    ck_assert_int_eq(fd_calls, 1); /* a still works */

    fail_to_register = 5;
    ck_assert_int_eq(reg_time(&t, 10), 5);
    ck_assert(!libxl__ev_time_isregistered(&t));
    ck_assert_uint_eq(libxl__timeheap_count(&CTX_EV(ctx)->heap), 0);
    fail_to_register = 0;
    dereg_fd(&a);
    close(p[0]); close(p[1]);
}

TEST(occurred_from_inside_hook_ignored, 30)
{
    int p[2];
    libxl__ev_fd f;
    t_pipe(p);
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_fd_init(&f);
    t_write1(p[1]);
    reenter_from_hook = true;
    ck_assert_int_eq(reg_fd(&f, p[0], POLLIN), 0);
    reenter_from_hook = false;
    ck_assert_int_eq(fd_calls, 0);
    ck_assert(testlog_contains(lg, XTL_ERROR, "inside an osevent hook"));
    dereg_fd(&f);
    close(p[0]); close(p[1]);
}

/* ---------------------------------------------- two threads, new fd */

/*
 * Thread A waits in the internal loop for `moved_done`. Thread B drives
 * the hooks like an application loop. The callback on fd1 (run by B)
 * moves the wait to a new fd2; the data then arrives on fd2. Whoever runs
 * the fd2 callback, A must return (Xen 5a533d0ba5 hung here).
 */
static int p1[2], p2[2];
static libxl__ev_fd mv1, mv2;
static int moved_done;
static volatile int app_loop_stop;

static void mv2_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)e; (void)r;
    t_drain(fd);
    libxl__ev_fd_deregister(egc->ctx, ev);
    moved_done = 1;
}
static void mv1_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)e; (void)r;
    t_drain(fd);
    libxl__ev_fd_deregister(egc->ctx, ev);
    ck_assert_int_eq(libxl__ev_fd_register(egc->ctx, &mv2, mv2_cb, p2[0], POLLIN), 0);
    t_write1(p2[1]);
}
static bool moved(libxl__egc *egc, void *arg) { (void)egc; (void)arg; return moved_done; }

static void *waiter_a(void *arg)
{
    (void)arg;
    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    int rc = libxl__eventloop_wait(egc, moved, NULL);
    CTX_UNLOCK_EGC_FREE;
    ck_assert_int_eq(rc, 0);
    return NULL;
}

static void *app_loop_b(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&app_loop_stop, __ATOMIC_SEQ_CST)) {
        struct pollfd pfd[MAXREG];
        void *tok[MAXREG];
        int n = 0;
        pthread_mutex_lock(&app_lock);   /* never held while calling libxl */
        for (int i = 0; i < MAXREG; i++)
            if (afd[i].live) {
                pfd[n] = (struct pollfd){ afd[i].fd, afd[i].events, 0 };
                tok[n++] = afd[i].for_libxl;
            }
        pthread_mutex_unlock(&app_lock);
        if (poll(pfd, (nfds_t)n, 10) <= 0) continue;
        for (int i = 0; i < n; i++)
            if (pfd[i].revents)
                libxl_osevent_occurred_fd(ctx, tok[i], pfd[i].fd,
                                          pfd[i].events, pfd[i].revents);
    }
    return NULL;
}

TEST(wait_moves_to_new_fd_no_hang, 30)
{
    pthread_t a, b;
    t_pipe(p1); t_pipe(p2);
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_fd_init(&mv1); libxl__ev_fd_init(&mv2);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &mv1, mv1_cb, p1[0], POLLIN), 0);
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(pthread_create(&a, NULL, waiter_a, NULL), 0);
    ck_assert_int_eq(pthread_create(&b, NULL, app_loop_b, NULL), 0);
    t_write1(p1[1]);
    pthread_join(a, NULL);          /* the test's timeout catches a hang */
    __atomic_store_n(&app_loop_stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(b, NULL);
    ck_assert_int_eq(moved_done, 1);
    close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
}

TEST(ctx_free_deregisters_app_fds, 30)
{
    int p[2];
    libxl__ev_fd f;
    libxl__ev_time t;
    t_pipe(p);
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    libxl__ev_fd_init(&f);
    libxl__ev_time_init(&t);
    ck_assert_int_eq(reg_fd(&f, p[0], POLLIN), 0);
    ck_assert_int_eq(reg_time(&t, 100000), 0);
    libxl_ctx_free(ctx);
    ctx = NULL;
    ck_assert_int_eq(n_fd_deregister, 1);
    ck_assert_int_eq(to_calls + fd_calls, 0);
    close(p[0]); close(p[1]);
}
