/*
 * loop_scenarios.h: the scenarios that every test of the osevent hooks on
 * a real event library runs (test_osevent_glib.c, test_osevent_libev.c),
 * included by each after its hooks. They register as tests of the
 * including file, with its fixture. The including file provides
 *   - `ctx`, a ctx whose osevent hooks are registered on the loop;
 *   - run_until(int *flag): iterate the loop until *flag is set, failing
 *     the test if nothing happens for 10 s;
 *   - loop_drain(): run whatever the loop has ready, without blocking;
 *   - fd_registrations: how many fd registrations the library holds
 *     through the hooks now (fd_register minus fd_deregister calls).
 */
#ifndef LOOP_SCENARIOS_H
#define LOOP_SCENARIOS_H

#include <sys/socket.h>

static void run_until(int *flag);
static void loop_drain(void);

/* Timeouts fire in deadline order; cancelled ones never fire, and the
 * loop's late occurrences for them are ignored. */
enum { NT = 50 };
static libxl__ev_time tt[NT];
static int order[NT], nfired, all_fired;

static void t_cb(libxl__egc *egc, libxl__ev_time *ev,
                 const struct timeval *abs, int rc)
{
    (void)egc; (void)abs;
    ck_assert_int_eq(rc, ERROR_TIMEDOUT);
    order[nfired++] = (int)(ev - tt);
    if (nfired == NT - NT / 5) all_fired = 1;
}

TEST(timeouts_in_order_with_cancellations, 30)
{
    for (int i = 0; i < NT; i++) libxl__ev_time_init(&tt[i]);
    CTX_LOCK(ctx);
    for (int i = 0; i < NT; i++) {
        /* deadlines 10 ms apart, registered in scrambled order */
        int j = (i * 17) % NT;
        ck_assert_int_eq(libxl__ev_time_register_rel(ctx, &tt[j], t_cb,
                                                     10 + 10 * j), 0);
    }
    for (int i = 0; i < NT; i += 5) libxl__ev_time_deregister(ctx, &tt[i]);
    CTX_UNLOCK(ctx);
    run_until(&all_fired);
    for (int i = 1; i < nfired; i++) ck_assert_int_lt(order[i - 1], order[i]);
    for (int i = 0; i < nfired; i++) ck_assert_int_ne(order[i] % 5, 0);
    /* let the cancelled ones' {0,0} occurrences arrive: ignored */
    loop_drain();
    ck_assert_int_eq(nfired, NT - NT / 5);
    ck_assert_uint_eq(libxl__htab_count(&CTX_EV(ctx)->handles), 0);
}

/* An fd callback that swaps its registration for another on the same fd
 * (output, then input). */
static int sv[2];
static libxl__ev_fd f1, f2;
static int fd_done;

static void f2_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)e; (void)r;
    t_drain(fd);
    libxl__ev_fd_deregister(egc->ctx, ev);
    fd_done = 1;
}

static void f1_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)fd; (void)e; (void)r;
    libxl__ev_fd_deregister(egc->ctx, ev);
    ck_assert_int_eq(libxl__ev_fd_register(egc->ctx, &f2, f2_cb, sv[0],
                                           POLLIN), 0);
    t_write1(sv[1]);
}

TEST(fd_registration_swapped_in_callback, 30)
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
                                SOCK_NONBLOCK, 0, sv), 0);
    libxl__ev_fd_init(&f1);
    libxl__ev_fd_init(&f2);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &f1, f1_cb, sv[0], POLLOUT),
                     0);
    CTX_UNLOCK(ctx);
    run_until(&fd_done);
    ck_assert(!libxl__ev_fd_isregistered(&f2));
    ck_assert_int_eq(fd_registrations, 0);
    close(sv[0]);
    close(sv[1]);
}

#endif
