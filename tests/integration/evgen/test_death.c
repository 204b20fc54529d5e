/*
 * test_death.c: DOMAIN_SHUTDOWN / DOMAIN_DEATH events
 * (libxl_evenable_domain_death) against the simulated host: each contract
 * of the header, one scenario per test, plus 1,000 domains shut down and
 * destroyed in random order.
 */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxl.h>
#include <libxl_event.h>

#include "simhost.h"
#include "testev.h"
#include "testlog.h"
#include "xensim.h"
#include "testmain.h"

#define MASK(t) (1ULL << (t))
#define MASK_DOM (MASK(LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN) | \
                  MASK(LIBXL_EVENT_TYPE_DOMAIN_DEATH))

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
    libxl_ctx_free(ctx);      /* with evgens still enabled: must not leak */
    ctx = NULL;
    xtl_logger_destroy(lg);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* Drive the event loop (single-fd style) for up to ms, or until an event
 * matching mask is queued; returns it or NULL at the deadline. */
static libxl_event *wait_event(uint64_t mask, int ms)
{
    return testev_wait(ctx, mask, ms);
}

static int new_domain(const char *name)
{
    int d = simhost_create_domain(name, 64, 1, NULL);
    ck_assert_int_gt(d, 0);
    return d;
}

static void expect(libxl_event *ev, libxl_event_type type, int domid,
                   libxl_ev_user user)
{
    ck_assert_msg(ev != NULL, "no %s event for domain %d",
                  libxl_event_type_to_string(type), domid);
    ck_assert_int_eq(ev->type, type);
    ck_assert_int_eq(ev->domid, domid);
    ck_assert_uint_eq(ev->for_user, user);
}

static void expect_free(libxl_event *ev, libxl_event_type type, int domid,
                        libxl_ev_user user)
{
    expect(ev, type, domid, user);
    libxl_event_free(ctx, ev);
}

TEST(shutdown_then_death, 30)
{
    int d = new_domain("sd");
    libxl_evgen_domain_death *g;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, d, 7, &g), 0);
    ck_assert_int_eq(simhost_shutdown_domain(d, "reboot"), 0);
    libxl_event *ev = wait_event(MASK_DOM, 10000);
    expect(ev, LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN, d, 7);
    ck_assert_int_eq(ev->u.domain_shutdown.shutdown_reason, 1 /* reboot */);
    libxl_event_free(ctx, ev);
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
    ev = wait_event(MASK_DOM, 10000);
    expect(ev, LIBXL_EVENT_TYPE_DOMAIN_DEATH, d, 7);
    libxl_event_free(ctx, ev);
    libxl_evdisable_domain_death(ctx, g);
}

TEST(crash_reports_shutdown_crash, 30)
{
    int d = new_domain("cr");
    libxl_evgen_domain_death *g;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, d, 1, &g), 0);
    ck_assert_int_eq(simhost_crash_domain(d), 0);
    libxl_event *ev = wait_event(MASK_DOM, 10000);
    expect(ev, LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN, d, 1);
    ck_assert_int_eq(ev->u.domain_shutdown.shutdown_reason, 3 /* crash */);
    libxl_event_free(ctx, ev);
    /* Reported once only, however often @releaseDomain fires. */
    int other = new_domain("other");
    ck_assert_int_eq(simhost_destroy_domain(other), 0);
    ck_assert_ptr_null(wait_event(MASK_DOM, 300));
}

TEST(destroy_gives_death_only, 30)
{
    int d = new_domain("dd");
    libxl_evgen_domain_death *g;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, d, 2, &g), 0);
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
    libxl_event *ev = wait_event(MASK_DOM, 10000);
    expect(ev, LIBXL_EVENT_TYPE_DOMAIN_DEATH, d, 2);
    libxl_event_free(ctx, ev);
    ck_assert_ptr_null(wait_event(MASK_DOM, 200));
    /* The evgen survives DEATH until evdisable (teardown frees it). */
}

/* Destroyed before the loop ever ran (so before xenstored has confirmed
 * the @releaseDomain watch, which registration does not wait for), and
 * several deaths at once among watched neighbours (gaps in the list). */
TEST(death_before_watch_confirmed_and_several_at_once, 30)
{
    int d[6];
    libxl_evgen_domain_death *g[6];
    for (int i = 0; i < 6; i++) d[i] = new_domain("n");
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, d[0], 100, &g[0]), 0);
    ck_assert_int_eq(simhost_destroy_domain(d[0]), 0);
    expect_free(wait_event(MASK_DOM, 10000), LIBXL_EVENT_TYPE_DOMAIN_DEATH,
                d[0], 100);
    for (int i = 1; i < 6; i++)
        ck_assert_int_eq(libxl_evenable_domain_death(ctx, d[i], 100 + i,
                                                     &g[i]), 0);
    ck_assert_ptr_null(wait_event(MASK_DOM, 200));
    ck_assert_int_eq(simhost_destroy_domain(d[1]), 0);
    ck_assert_int_eq(simhost_destroy_domain(d[3]), 0);
    ck_assert_int_eq(simhost_destroy_domain(d[5]), 0);
    int seen = 0;
    for (int n = 0; n < 3; n++) {
        libxl_event *ev = wait_event(MASK_DOM, 10000);
        ck_assert_ptr_nonnull(ev);
        ck_assert_int_eq(ev->type, LIBXL_EVENT_TYPE_DOMAIN_DEATH);
        int i = (int)ev->for_user - 100;
        ck_assert(i == 1 || i == 3 || i == 5);
        ck_assert_int_eq(ev->domid, d[i]);
        ck_assert(!(seen & (1 << i)));
        seen |= 1 << i;
        libxl_event_free(ctx, ev);
    }
    ck_assert_ptr_null(wait_event(MASK_DOM, 300));
    for (int i = 0; i < 6; i++) libxl_evdisable_domain_death(ctx, g[i]);
}

TEST(nonexistent_domain_is_dead, 30)
{
    libxl_evgen_domain_death *g, *r;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, 4321, 3, &g), 0);
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, 0x7FF2, 4, &r), 0);
    libxl_event *ev = wait_event(MASK_DOM, 10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->type, LIBXL_EVENT_TYPE_DOMAIN_DEATH);
    libxl_event *ev2 = wait_event(MASK_DOM, 10000);
    ck_assert_ptr_nonnull(ev2);
    ck_assert_int_eq(ev2->type, LIBXL_EVENT_TYPE_DOMAIN_DEATH);
    ck_assert(ev->domid + ev2->domid == 4321 + 0x7FF2);
    libxl_event_free(ctx, ev);
    libxl_event_free(ctx, ev2);
    libxl_evdisable_domain_death(ctx, g);
    libxl_evdisable_domain_death(ctx, r);
}

/* libxl 4.17 tells a new evgen only at the next unrelated @releaseDomain
 * when other evgens already exist; we scan at once. */
TEST(already_shut_down_with_other_evgens, 30)
{
    int live = new_domain("live");
    int sd = new_domain("gone-down");
    libxl_evgen_domain_death *g1, *g2, *g3;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, live, 1, &g1), 0);
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, 5000, 2, &g2), 0);
    expect_free(wait_event(MASK_DOM, 10000), LIBXL_EVENT_TYPE_DOMAIN_DEATH, 5000, 2);
    /* The watch is established and scanned; now a domain shuts down
     * while nobody watches it, and @releaseDomain has fired already. */
    ck_assert_int_eq(simhost_shutdown_domain(sd, "suspend"), 0);
    ck_assert_ptr_null(wait_event(MASK_DOM, 200));
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, sd, 3, &g3), 0);
    libxl_event *ev = wait_event(MASK_DOM, 2000);
    expect(ev, LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN, sd, 3);
    ck_assert_int_eq(ev->u.domain_shutdown.shutdown_reason, 2 /* suspend */);
    libxl_event_free(ctx, ev);
    /* And an already-dead one, too. */
    libxl_evgen_domain_death *g4;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, 6000, 4, &g4), 0);
    expect_free(wait_event(MASK_DOM, 2000), LIBXL_EVENT_TYPE_DOMAIN_DEATH, 6000, 4);
    ck_assert_ptr_null(wait_event(MASK_DOM, 100));
}

TEST(two_evgens_one_domain, 30)
{
    int d = new_domain("twice");
    libxl_evgen_domain_death *a, *b;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, d, 10, &a), 0);
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, d, 20, &b), 0);
    ck_assert_int_eq(simhost_shutdown_domain(d, "poweroff"), 0);
    int seen[2] = { 0, 0 };
    for (int i = 0; i < 2; i++) {
        libxl_event *ev = wait_event(MASK_DOM, 10000);
        ck_assert_ptr_nonnull(ev);
        ck_assert_int_eq(ev->type, LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN);
        seen[ev->for_user == 20]++;
        libxl_event_free(ctx, ev);
    }
    ck_assert(seen[0] == 1 && seen[1] == 1);
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
    seen[0] = seen[1] = 0;
    for (int i = 0; i < 2; i++) {
        libxl_event *ev = wait_event(MASK_DOM, 10000);
        ck_assert_ptr_nonnull(ev);
        ck_assert_int_eq(ev->type, LIBXL_EVENT_TYPE_DOMAIN_DEATH);
        seen[ev->for_user == 20]++;
        libxl_event_free(ctx, ev);
    }
    ck_assert(seen[0] == 1 && seen[1] == 1);
    ck_assert_ptr_null(wait_event(MASK_DOM, 200));
    libxl_evdisable_domain_death(ctx, a);
    libxl_evdisable_domain_death(ctx, b);
}

/* libvirt's pattern: evdisable from inside event_occurs for DEATH. */
static int occurs_calls;
static void occurs_disable(void *user, libxl_event *ev)
{
    libxl_evgen_domain_death **gp = user;
    occurs_calls++;
    if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH && *gp) {
        libxl_evdisable_domain_death(ctx, *gp);
        *gp = NULL;
    }
    libxl_event_free(ctx, ev);
}

TEST(evdisable_inside_event_occurs, 30)
{
    static libxl_evgen_domain_death *g;
    static const libxl_event_hooks hooks = {
        .event_occurs_mask = MASK_DOM,
        .event_occurs = occurs_disable,
    };
    int d = new_domain("libvirt-style");
    libxl_event_register_callbacks(ctx, &hooks, &g);
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, d, 0, &g), 0);
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
    uint64_t deadline = test_now_ms() + 10000;
    while (g && test_now_ms() < deadline)
        wait_event(0, 50);
    ck_assert_ptr_null(g);
    ck_assert_int_eq(occurs_calls, 1);
    /* A fresh evgen still works afterwards. */
    int d2 = new_domain("next");
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, d2, 0, &g), 0);
    ck_assert_int_eq(simhost_destroy_domain(d2), 0);
    deadline = test_now_ms() + 10000;
    while (g && test_now_ms() < deadline)
        wait_event(0, 50);
    ck_assert_ptr_null(g);
    ck_assert_int_eq(occurs_calls, 2);
}

/* Disabled evgens say nothing; records are shared and freed correctly. */
TEST(evdisable_stops_events, 30)
{
    int d = new_domain("quiet");
    libxl_evgen_domain_death *a, *b;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, d, 1, &a), 0);
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, d, 2, &b), 0);
    libxl_evdisable_domain_death(ctx, a);
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
    expect_free(wait_event(MASK_DOM, 10000), LIBXL_EVENT_TYPE_DOMAIN_DEATH, d, 2);
    libxl_evdisable_domain_death(ctx, b);
    ck_assert_ptr_null(wait_event(MASK_DOM, 200));
}

/* 1,000 domains: a random half shut down (random reasons), then all
 * destroyed, in random order. */
TEST(thousand_domains_random_order, 180)
{
    enum { N = 1000 };
    char *out = NULL;
    ck_assert_int_eq(simhost_cli(&out, "create-bulk", "1000", (char *)NULL), 0);
    int first = -1, last = -1;
    ck_assert(out && sscanf(out, "first=%d last=%d", &first, &last) == 2);
    free(out);
    ck_assert_int_eq(last - first + 1, N);

    static libxl_evgen_domain_death *gens[N];
    static int reason[N], got_sd[N], got_death[N], order[N];
    srand(12345);
    for (int i = 0; i < N; i++) {
        reason[i] = rand() % 3 ? -1 : rand() % 5;  /* -1: no shutdown */
        order[i] = i;
    }
    for (int i = N - 1; i > 0; i--) {
        int j = rand() % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    /* Enable in random order too. */
    for (int i = 0; i < N; i++) {
        int k = order[i];
        ck_assert_int_eq(libxl_evenable_domain_death(ctx, first + k, k + 1,
                                                     &gens[k]), 0);
    }
    int want_sd = 0;
    for (int i = 0; i < N; i++) {
        int k = order[i];
        if (reason[k] < 0) continue;
        ck_assert_int_eq(xensim_domain_shutdown(first + k, reason[k]), 0);
        want_sd++;
    }
    int n_sd = 0;
    while (n_sd < want_sd) {
        libxl_event *ev = wait_event(MASK_DOM, 20000);
        ck_assert_msg(ev != NULL, "only %d of %d SHUTDOWN events", n_sd, want_sd);
        ck_assert_int_eq(ev->type, LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN);
        int k = (int)ev->for_user - 1;
        ck_assert_int_eq(ev->domid, first + k);
        ck_assert_int_ge(reason[k], 0);
        ck_assert_int_eq(ev->u.domain_shutdown.shutdown_reason, reason[k]);
        ck_assert_int_eq(got_sd[k]++, 0);
        n_sd++;
        libxl_event_free(ctx, ev);
    }
    for (int i = N - 1; i >= 0; i--)
        ck_assert_int_eq(xensim_domain_destroy(first + order[i]), 0);
    int n_death = 0;
    while (n_death < N) {
        libxl_event *ev = wait_event(MASK_DOM, 20000);
        ck_assert_msg(ev != NULL, "only %d of %d DEATH events", n_death, N);
        ck_assert_int_eq(ev->type, LIBXL_EVENT_TYPE_DOMAIN_DEATH);
        int k = (int)ev->for_user - 1;
        ck_assert_int_eq(ev->domid, first + k);
        ck_assert_int_eq(got_death[k]++, 0);
        n_death++;
        libxl_event_free(ctx, ev);
    }
    ck_assert_ptr_null(wait_event(MASK_DOM, 300));
    /* Disable half in random order, leave the rest to libxl_ctx_free. */
    for (int i = 0; i < N; i += 2)
        libxl_evdisable_domain_death(ctx, gens[order[i]]);
}

/* Messages about one guest carry libxl's "Domain N:" prefix (a guest's
 * id: libxl leaves it out for dom0 and the reserved ids). */
TEST(log_lines_name_the_domain, 30)
{
    libxl_evgen_domain_death *g;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, 0x7FEF, 0, &g), 0);
    libxl_event *ev = wait_event(MASK_DOM, 10000);
    ck_assert_ptr_nonnull(ev);
    libxl_event_free(ctx, ev);
    ck_assert(testlog_contains(lg, XTL_DEBUG, ": Domain 32751:dead"));
}
