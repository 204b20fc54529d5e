/*
 * test_sim_libxl.c: Debian's own libxenlight (its headers, its library) on
 * the simulated host: it lists the simulated domains, and receives
 * DOMAIN_SHUTDOWN and DOMAIN_DEATH events for what the CLI and guests do.
 */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xentoollog.h>

#include "simhost.h"
#include "testmain.h"

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger_stdiostream *logger;

static void setup(void)
{
    host = simhost_start();
    ck_assert_msg(host != NULL, "could not start a simulated host");
    logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    ck_assert_ptr_nonnull(logger);
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
                                     (xentoollog_logger *)logger), 0);
}

static void teardown(void)
{
    libxl_ctx_free(ctx);
    ctx = NULL;
    xtl_logger_destroy((xentoollog_logger *)logger);
    ck_assert_int_eq(simhost_stop(host), 0);
    host = NULL;
}

TEST_FIXTURE(setup, teardown);

/* Run libxl's event machinery until an event of the mask, or the deadline. */
static libxl_event *wait_event(uint64_t typemask, int timeout_ms)
{
    uint64_t deadline = test_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        libxl_event *ev = NULL;
        int r = libxl_event_check(ctx, &ev, typemask, NULL, NULL);
        if (r == 0)
            return ev;
        ck_assert_int_eq(r, ERROR_NOT_READY);
        uint64_t now = test_now_ms();
        if (now >= deadline)
            return NULL;
        struct pollfd fds[64];
        int nfds = 64, timeout = -1;
        struct timeval tv;
        gettimeofday(&tv, NULL);
        ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &nfds, fds, &timeout, tv), 0);
        int left = (int)(deadline - now);
        if (timeout < 0 || timeout > left)
            timeout = left;
        poll(fds, (nfds_t)nfds, timeout);
        gettimeofday(&tv, NULL);
        libxl_osevent_afterpoll(ctx, nfds, fds, tv);
    }
}

#define MASK(t) (1ULL << (t))

TEST(lists_simulated_domains, 60)
{
    int a = simhost_create_domain("alpha", 256, 2, NULL);
    int b = simhost_create_domain("beta", 128, 1, NULL);
    ck_assert(a > 0 && b > a);
    int n = 0;
    libxl_dominfo *list = libxl_list_domain(ctx, &n);
    ck_assert_ptr_nonnull(list);
    ck_assert_int_eq(n, 3);
    bool seen_a = false, seen_b = false;
    for (int i = 0; i < n; i++) {
        char *name = libxl_domid_to_name(ctx, list[i].domid);
        ck_assert_ptr_nonnull(name);
        if ((int)list[i].domid == a) {
            seen_a = true;
            ck_assert_str_eq(name, "alpha");
            ck_assert_uint_eq(list[i].current_memkb, 256 * 1024);
            ck_assert_uint_eq(list[i].max_memkb, 256 * 1024 + 1024);
            ck_assert_uint_eq(list[i].vcpu_online, 2);
            ck_assert(!list[i].dying && !list[i].shutdown);
        } else if ((int)list[i].domid == b) {
            seen_b = true;
            ck_assert_str_eq(name, "beta");
            ck_assert_uint_eq(list[i].current_memkb, 128 * 1024);
        } else {
            ck_assert_uint_eq(list[i].domid, 0);
            ck_assert_str_eq(name, "Domain-0");
        }
        free(name);
    }
    ck_assert(seen_a && seen_b);
    libxl_dominfo_list_free(list, n);
}

TEST(death_event_after_destroy, 60)
{
    int d = simhost_create_domain("doomed", 64, 1, NULL);
    ck_assert_int_gt(d, 0);
    libxl_evgen_domain_death *gen = NULL;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, (uint32_t)d, 0, &gen), 0);
    ck_assert_ptr_null(wait_event(MASK(LIBXL_EVENT_TYPE_DOMAIN_DEATH), 50));
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
    libxl_event *ev = wait_event(MASK(LIBXL_EVENT_TYPE_DOMAIN_DEATH), 10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->domid, d);
    libxl_event_free(ctx, ev);
    libxl_evdisable_domain_death(ctx, gen);
}

TEST(shutdown_event_with_reason, 60)
{
    int d = simhost_create_domain("rebooter", 64, 1, NULL);
    ck_assert_int_gt(d, 0);
    libxl_evgen_domain_death *gen = NULL;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, (uint32_t)d, 0, &gen), 0);
    ck_assert_int_eq(simhost_shutdown_domain(d, "reboot"), 0);
    libxl_event *ev = wait_event(MASK(LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN), 10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->domid, d);
    ck_assert_int_eq(ev->u.domain_shutdown.shutdown_reason, LIBXL_SHUTDOWN_REASON_REBOOT);
    libxl_event_free(ctx, ev);
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
    ev = wait_event(MASK(LIBXL_EVENT_TYPE_DOMAIN_DEATH), 10000);
    ck_assert_ptr_nonnull(ev);
    libxl_event_free(ctx, ev);
    libxl_evdisable_domain_death(ctx, gen);
}

/* libxl asks (control/shutdown), the simulated guest obeys. */
TEST(libxl_shutdown_obeyed_by_guest, 60)
{
    int d = simhost_create_domain("polite", 64, 1, "obey");
    ck_assert_int_gt(d, 0);
    libxl_evgen_domain_death *gen = NULL;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, (uint32_t)d, 0, &gen), 0);
    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)d, NULL), 0);
    libxl_event *ev = wait_event(MASK(LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN), 10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->u.domain_shutdown.shutdown_reason,
                     LIBXL_SHUTDOWN_REASON_POWEROFF);
    libxl_event_free(ctx, ev);
    libxl_evdisable_domain_death(ctx, gen);
}
