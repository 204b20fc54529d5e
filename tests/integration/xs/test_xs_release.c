/*
 * test_xs_release.c: the ctx's shared @releaseDomain watch (src/xs/release.c)
 * against the simulated host's real xenstored: its users share one watch,
 * a callback may deregister the next user, a kept watch outlives its
 * users, and the death generator and destroy use the same watch.
 */
#include <check.h>
#include <poll.h>
#include <stdlib.h>

#include "ctx.h"
#include "ops/ops.h"
#include "xs/release.h"
#include "simhost.h"
#include "testev.h"
#include "testlog.h"
#include "testmain.h"

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger *lg;

static void setup(void)
{
    host = simhost_start();
    ck_assert_msg(host != NULL, "could not start a simulated host");
    lg = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
    simhost_stop(host);
}

TEST_FIXTURE(setup, teardown);

/* Run the loop (single-fd style) until done() or the deadline. */
static bool drive_until(bool (*done)(void), int ms)
{
    return testev_drive_until(ctx, done, ms);
}

static uint32_t nwatches(void)
{
    CTX_LOCK(ctx);
    uint32_t n = CTX_XSW(ctx)->nwatches;
    CTX_UNLOCK(ctx);
    return n;
}

enum { NU = 3 };
static libxl__xs_release users[NU];
static int calls[NU];
static int deregister_from_first = -1;   /* user the first one removes */

static void user_cb(libxl__egc *egc, libxl__xs_release *r)
{
    int i = (int)(r - users);
    calls[i]++;
    if (i == 0 && deregister_from_first >= 0)
        libxl__xs_release_deregister(egc->ctx, &users[deregister_from_first]);
}

static void register_all(void)
{
    CTX_LOCK(ctx);
    for (int i = 0; i < NU; i++) {
        libxl__xs_release_init(&users[i]);
        ck_assert_int_eq(libxl__xs_release_register(ctx, &users[i], user_cb),
                         0);
    }
    CTX_UNLOCK(ctx);
}

static void deregister_all(void)
{
    CTX_LOCK(ctx);
    for (int i = 0; i < NU; i++)
        libxl__xs_release_deregister(ctx, &users[i]);
    CTX_UNLOCK(ctx);
}

static bool each_called(void)
{
    for (int i = 0; i < NU; i++)
        if (!calls[i]) return false;
    return true;
}

static int baseline[NU];
static bool first_and_last_called_again(void)
{
    return calls[0] > baseline[0] && calls[NU - 1] > baseline[NU - 1];
}

static void release_a_domain(void)
{
    int d = simhost_create_domain("rel", 64, 1, NULL);
    ck_assert_int_gt(d, 0);
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
}

TEST(users_share_one_watch, 60)
{
    register_all();
    ck_assert_uint_eq(nwatches(), 1);
    /* The new watch's first event reaches every user. */
    ck_assert(drive_until(each_called, 10000));
    for (int i = 0; i < NU; i++) baseline[i] = calls[i];
    release_a_domain();
    ck_assert(drive_until(first_and_last_called_again, 10000));
    ck_assert_int_gt(calls[1], baseline[1]);
    deregister_all();
    ck_assert_uint_eq(nwatches(), 0);
}

TEST(callback_deregisters_the_next_user, 60)
{
    deregister_from_first = 1;
    register_all();
    ck_assert(drive_until(first_and_last_called_again, 10000));
    /* The first user removed the second before its turn came. */
    ck_assert_int_eq(calls[1], 0);
    CTX_LOCK(ctx);
    ck_assert(!libxl__xs_release_isregistered(&users[1]));
    CTX_UNLOCK(ctx);
    for (int i = 0; i < NU; i++) baseline[i] = calls[i];
    release_a_domain();
    ck_assert(drive_until(first_and_last_called_again, 10000));
    ck_assert_int_eq(calls[1], 0);
    deregister_all();
}

TEST(kept_watch_outlives_its_users, 60)
{
    CTX_LOCK(ctx);
    libxl__xs_release_keep(ctx);
    CTX_UNLOCK(ctx);
    register_all();
    deregister_all();
    ck_assert_uint_eq(nwatches(), 1);
    /* ...and goes with the ctx (teardown frees it cleanly). */
}

/* The death generator and destroy share the one watch. */
static bool death_seen;
static bool destroyed;
static void destroy_done(libxl_ctx *c, int rc, void *user)
{
    (void)c; (void)user;
    ck_assert_int_eq(rc, 0);
    destroyed = true;
}
static bool destroy_and_death_done(void)
{
    libxl_event *ev;
    while (!libxl_event_check(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL)) {
        if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH) death_seen = true;
        libxl_event_free(ctx, ev);
    }
    return death_seen && destroyed;
}

TEST(death_generator_and_destroy_share_the_watch, 60)
{
    int watched = simhost_create_domain("watched", 64, 1, NULL);
    int doomed = simhost_create_domain("doomed", 64, 1, NULL);
    libxl_evgen_domain_death *evg;
    libxl_asyncop_how how = { .callback = destroy_done };

    ck_assert_int_gt(watched, 0);
    ck_assert_int_gt(doomed, 0);
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, (uint32_t)watched, 0,
                                                 &evg), 0);
    ck_assert_int_eq(libxl_domain_destroy(ctx, (uint32_t)doomed, &how), 0);
    ck_assert_uint_eq(nwatches(), 1);
    ck_assert_int_eq(simhost_destroy_domain(watched), 0);
    ck_assert(drive_until(destroy_and_death_done, 20000));
    ck_assert_uint_eq(nwatches(), 1);
    libxl_evdisable_domain_death(ctx, evg);
    /* destroy asked for the watch to be kept */
    ck_assert_uint_eq(nwatches(), 1);
}
