/*
 * test_domain_ops.c: libxl_domain_pause, _unpause, _shutdown, _reboot and
 * _destroy (src/ops/domain_ops.c) on the simulated host: each completion style
 * for each operation, completion inside the initiating call, libxl 4.17's
 * results for missing domains, guests that obey / acknowledge / ignore a
 * shutdown request (the documented timeout, shortened), abort of the
 * waits, HVM guests without PV drivers (ERROR_NOPARAVIRT), and destroy's
 * cleanup of devices and xenstore directories, its timeout and its abort
 * while a domain refuses to disappear.
 */
#include <check.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/mman.h>

#include "base/log.h"
#include "ctx.h"
#include "ops/ops.h"
#include "subop/xswait.h"
#include "simhost.h"

#include <xengnttab.h>          /* after xenctrl.h (internal.h) */
#include "testlog.h"
#include "testmain.h"

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger *logger;     /* testlog: captures */
static struct xs_handle *xs;

static void setup(void)
{
    host = simhost_start();
    ck_assert_msg(host != NULL, "could not start a simulated host");
    logger = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, logger), 0);
    xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
}

static void teardown(void)
{
    xs_close(xs);
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(logger);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* ------------------------------------------------------------ helpers */

static atomic_int completions, last_rc;
static void on_complete(libxl_ctx *c, int rc, void *u)
{
    (void)c;
    ck_assert_ptr_eq(u, (void *)0x5a);
    atomic_store(&last_rc, rc);
    atomic_fetch_add(&completions, 1);
}
static const libxl_asyncop_how cb_how = { .callback = on_complete,
                                          .u.for_callback = (void *)0x5a };

static void reset(void)
{
    atomic_store(&completions, 0);
    atomic_store(&last_rc, 999);
}

/* Drive the loop until a completion callback, or the deadline. */
static bool drive_callback(int timeout_ms)
{
    int fd;
    uint64_t deadline = test_now_ms() + (uint64_t)timeout_ms;
    ck_assert_int_eq(libxl_osevent_fd(ctx, &fd), 0);
    while (!atomic_load(&completions)) {
        uint64_t now = test_now_ms();
        if (now >= deadline) return false;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        poll(&p, 1, 20);
        libxl_osevent_dispatch(ctx);
    }
    return true;
}

/* The OPERATION_COMPLETE event for for_user (its rc), or 999 on timeout. */
static int wait_complete_event(uint64_t for_user, uint32_t domid, int timeout_ms)
{
    int fd;
    uint64_t deadline = test_now_ms() + (uint64_t)timeout_ms;
    ck_assert_int_eq(libxl_osevent_fd(ctx, &fd), 0);
    for (;;) {
        libxl_event *ev = NULL;
        if (!libxl_event_check(ctx, &ev,
                               1ULL << LIBXL_EVENT_TYPE_OPERATION_COMPLETE,
                               NULL, NULL)) {
            ck_assert_int_eq(ev->for_user, for_user);
            ck_assert_int_eq(ev->domid, domid);
            int rc = ev->u.operation_complete.rc;
            libxl_event_free(ctx, ev);
            return rc;
        }
        uint64_t now = test_now_ms();
        if (now >= deadline) return 999;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        poll(&p, 1, 20);
        libxl_osevent_dispatch(ctx);
    }
}

static bool is_paused(int domid)
{
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    ck_assert_int_eq(libxl_domain_info(ctx, &info, (uint32_t)domid), 0);
    bool p = info.paused;
    libxl_dominfo_dispose(&info);
    return p;
}

static bool xs_exists(const char *path)
{
    unsigned n;
    char **l = xs_directory(xs, XBT_NULL, path, &n);
    free(l);
    if (l) return true;
    char *v = xs_read(xs, XBT_NULL, path, NULL);
    free(v);
    return v != NULL;
}

static char *xs_get(const char *fmt, int domid)
{
    char path[128];
    snprintf(path, sizeof(path), fmt, domid);
    return xs_read(xs, XBT_NULL, path, NULL);
}

/* Wait (bounded) until the hypervisor reports the domain shut down. */
static int wait_shutdown_reason(int domid, int timeout_ms)
{
    uint64_t deadline = test_now_ms() + (uint64_t)timeout_ms;
    while (test_now_ms() < deadline) {
        libxl_dominfo info;
        libxl_dominfo_init(&info);
        int rc = libxl_domain_info(ctx, &info, (uint32_t)domid);
        int reason = info.shutdown ? (int)info.shutdown_reason : -1;
        libxl_dominfo_dispose(&info);
        if (rc == 0 && reason >= 0) return reason;
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* ------------------------------------------------------ pause / unpause */

TEST(pause_unpause_three_styles, 60)
{
    int d = simhost_create_domain("p", 64, 1, NULL);
    ck_assert_int_gt(d, 0);

    /* synchronous */
    ck_assert_int_eq(libxl_domain_pause(ctx, (uint32_t)d, NULL), 0);
    ck_assert(is_paused(d));
    ck_assert_int_eq(libxl_domain_unpause(ctx, (uint32_t)d, NULL), 0);
    ck_assert(!is_paused(d));

    /* callback: completes inside the initiating call */
    reset();
    ck_assert_int_eq(libxl_domain_pause(ctx, (uint32_t)d, &cb_how), 0);
    ck_assert_int_eq(atomic_load(&completions), 1);
    ck_assert_int_eq(atomic_load(&last_rc), 0);
    ck_assert(is_paused(d));
    reset();
    ck_assert_int_eq(libxl_domain_unpause(ctx, (uint32_t)d, &cb_how), 0);
    ck_assert_int_eq(atomic_load(&completions), 1);
    ck_assert_int_eq(atomic_load(&last_rc), 0);
    ck_assert(!is_paused(d));

    /* event */
    libxl_asyncop_how ev_how = { .u.for_event = 31 };
    ck_assert_int_eq(libxl_domain_pause(ctx, (uint32_t)d, &ev_how), 0);
    ck_assert_int_eq(wait_complete_event(31, (uint32_t)d, 5000), 0);
    ck_assert(is_paused(d));
    ev_how.u.for_event = 32;
    ck_assert_int_eq(libxl_domain_unpause(ctx, (uint32_t)d, &ev_how), 0);
    ck_assert_int_eq(wait_complete_event(32, (uint32_t)d, 5000), 0);
    ck_assert(!is_paused(d));
}

/* libxl 4.17 on this host (Debian's library, verified): pause failures are
 * the call's result; unpause failures are the operation's. */
TEST(pause_unpause_failures_as_libxl, 60)
{
    int d = simhost_create_domain("q", 64, 1, NULL);
    ck_assert_int_eq(libxl_domain_pause(ctx, 77, NULL), ERROR_FAIL);
    reset();
    ck_assert_int_eq(libxl_domain_pause(ctx, 77, &cb_how), ERROR_FAIL);
    ck_assert_int_eq(atomic_load(&completions), 0);
    ck_assert_int_eq(libxl_domain_pause(ctx, 0, NULL), ERROR_FAIL);
    ck_assert_int_eq(libxl_domain_unpause(ctx, 77, NULL), ERROR_FAIL);
    reset();
    ck_assert_int_eq(libxl_domain_unpause(ctx, 77, &cb_how), 0);
    ck_assert_int_eq(atomic_load(&completions), 1);
    ck_assert_int_eq(atomic_load(&last_rc), ERROR_FAIL);
    ck_assert_int_eq(libxl_domain_unpause(ctx, (uint32_t)d, NULL), ERROR_FAIL);
    /* pauses nest */
    ck_assert_int_eq(libxl_domain_pause(ctx, (uint32_t)d, NULL), 0);
    ck_assert_int_eq(libxl_domain_pause(ctx, (uint32_t)d, NULL), 0);
    ck_assert_int_eq(libxl_domain_unpause(ctx, (uint32_t)d, NULL), 0);
    ck_assert(is_paused(d));
    ck_assert_int_eq(libxl_domain_unpause(ctx, (uint32_t)d, NULL), 0);
    ck_assert(!is_paused(d));
}

/* ---------------------------------------------------- shutdown / reboot */

TEST(shutdown_obeyed_three_styles, 60)
{
    int a = simhost_create_domain("a", 64, 1, "obey");
    int b = simhost_create_domain("b", 64, 1, "obey");
    int c = simhost_create_domain("c", 64, 1, "obey");
    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)a, NULL), 0);
    ck_assert_int_eq(wait_shutdown_reason(a, 10000), LIBXL_SHUTDOWN_REASON_POWEROFF);

    reset();
    ck_assert_int_eq(libxl_domain_reboot(ctx, (uint32_t)b, &cb_how), 0);
    ck_assert(drive_callback(10000));
    ck_assert_int_eq(atomic_load(&last_rc), 0);
    ck_assert_int_eq(wait_shutdown_reason(b, 10000), LIBXL_SHUTDOWN_REASON_REBOOT);

    libxl_asyncop_how ev_how = { .u.for_event = 77 };
    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)c, &ev_how), 0);
    ck_assert_int_eq(wait_complete_event(77, (uint32_t)c, 10000), 0);
    ck_assert_int_eq(wait_shutdown_reason(c, 10000), LIBXL_SHUTDOWN_REASON_POWEROFF);
}

TEST(shutdown_acknowledged_only, 60)
{
    int d = simhost_create_domain("ack", 64, 1, "ack-only");
    ck_assert_int_eq(libxl_domain_reboot(ctx, (uint32_t)d, NULL), 0);
    char *v = xs_get("/local/domain/%d/control/shutdown", d);
    ck_assert_str_eq(v ? v : "(null)", "");
    free(v);
    ck_assert_int_eq(libxl_domain_info(ctx, NULL, (uint32_t)d), 0);
}

TEST(shutdown_ignored_times_out, 60)
{
    int d = simhost_create_domain("deaf", 64, 1, "ignore");
    libxl__domain_ops_set_timeouts(ctx, 200, 0);
    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)d, NULL), ERROR_TIMEDOUT);
    uint64_t el = test_now_ms() - t0;
    ck_assert_uint_ge(el, 190);
    ck_assert_uint_lt(el, 5000);
    char *v = xs_get("/local/domain/%d/control/shutdown", d);
    ck_assert_str_eq(v ? v : "(null)", "poweroff");   /* request left */
    free(v);
    /* async: the timeout is the operation's result */
    reset();
    ck_assert_int_eq(libxl_domain_reboot(ctx, (uint32_t)d, &cb_how), 0);
    ck_assert(drive_callback(5000));
    ck_assert_int_eq(atomic_load(&last_rc), ERROR_TIMEDOUT);
}

TEST(shutdown_abort_hears_it, 60)
{
    int d = simhost_create_domain("deaf2", 64, 1, "ignore");
    reset();
    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)d, &cb_how), 0);
    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), 0);
    ck_assert(drive_callback(5000));
    ck_assert_int_eq(atomic_load(&last_rc), ERROR_ABORTED);
    ck_assert_uint_lt(test_now_ms() - t0, 2000);
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), ERROR_NOTFOUND);
}

TEST(shutdown_missing_domain, 60)
{
    ck_assert_int_eq(libxl_domain_shutdown(ctx, 77, NULL), ERROR_FAIL);
    reset();
    ck_assert_int_eq(libxl_domain_reboot(ctx, 77, &cb_how), ERROR_FAIL);
    ck_assert_int_eq(atomic_load(&completions), 0);
}

/* ------------------------------------------- HVM guests and PV drivers */

/* The events queued for the application, of any type (none expected). */
static int pending_events(void)
{
    int n = 0;
    libxl_event *ev;
    while (!libxl_event_check(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL)) {
        libxl_event_free(ctx, ev);
        n++;
    }
    return n;
}

static void assert_control_node(int d, const char *want)
{
    char *v = xs_get("/local/domain/%d/control/shutdown", d);
    ck_assert_str_eq(v ? v : "(absent)", want);
    free(v);
}

/* An HVM guest whose PV drivers have not set up the callback IRQ cannot be
 * asked: ERROR_NOPARAVIRT, from the initiating call in every completion
 * style (no callback, no event), and no request is written. */
TEST(shutdown_hvm_without_pv_drivers, 60)
{
    int d = simhost_create_hvm_domain("hvm", "hvm", "obey");
    ck_assert_int_gt(d, 0);
    assert_control_node(d, "");

    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)d, NULL),
                     ERROR_NOPARAVIRT);
    ck_assert_int_eq(libxl_domain_reboot(ctx, (uint32_t)d, NULL),
                     ERROR_NOPARAVIRT);
    reset();
    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)d, &cb_how),
                     ERROR_NOPARAVIRT);
    ck_assert_int_eq(libxl_domain_reboot(ctx, (uint32_t)d, &cb_how),
                     ERROR_NOPARAVIRT);
    libxl_asyncop_how ev_how = { .u.for_event = 41 };
    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)d, &ev_how),
                     ERROR_NOPARAVIRT);
    ck_assert_int_eq(libxl_domain_reboot(ctx, (uint32_t)d, &ev_how),
                     ERROR_NOPARAVIRT);
    /* nothing follows: no callback, no event, nothing to abort */
    ck_assert(!drive_callback(100));
    ck_assert_int_eq(atomic_load(&completions), 0);
    ck_assert_int_eq(pending_events(), 0);
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), ERROR_NOTFOUND);

    assert_control_node(d, "");
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    ck_assert_int_eq(libxl_domain_info(ctx, &info, (uint32_t)d), 0);
    ck_assert(!info.shutdown);
    ck_assert_int_eq(info.domain_type, LIBXL_DOMAIN_TYPE_HVM);
    libxl_dominfo_dispose(&info);

    /* /libxl/N/type unreadable or naming no type: HVM all the same */
    char p[64];
    snprintf(p, sizeof(p), "/libxl/%d/type", d);
    ck_assert(xs_write(xs, XBT_NULL, p, "bogus", 5));
    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)d, NULL),
                     ERROR_NOPARAVIRT);
    ck_assert(xs_rm(xs, XBT_NULL, p));
    ck_assert_int_eq(libxl_domain_reboot(ctx, (uint32_t)d, NULL),
                     ERROR_NOPARAVIRT);
    assert_control_node(d, "");
}

/* Once the PV drivers are up (callback IRQ set), the request is written
 * and acknowledged as for a PV guest, in every completion style. */
TEST(shutdown_hvm_with_pv_drivers, 60)
{
    int a = simhost_create_hvm_domain("hvm-a", "hvm", "obey");
    int b = simhost_create_hvm_domain("hvm-b", "hvm", "obey");
    int c = simhost_create_hvm_domain("hvm-c", "hvm", "obey");
    ck_assert(a > 0 && b > 0 && c > 0);
    ck_assert_int_eq(simhost_set_callback_irq(a, 1), 0);
    ck_assert_int_eq(simhost_set_callback_irq(b, 1), 0);
    ck_assert_int_eq(simhost_set_callback_irq(c, 0x0200000000000005ull), 0);

    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)a, NULL), 0);
    ck_assert_int_eq(wait_shutdown_reason(a, 10000),
                     LIBXL_SHUTDOWN_REASON_POWEROFF);
    reset();
    ck_assert_int_eq(libxl_domain_reboot(ctx, (uint32_t)b, &cb_how), 0);
    ck_assert(drive_callback(10000));
    ck_assert_int_eq(atomic_load(&last_rc), 0);
    ck_assert_int_eq(wait_shutdown_reason(b, 10000),
                     LIBXL_SHUTDOWN_REASON_REBOOT);
    libxl_asyncop_how ev_how = { .u.for_event = 42 };
    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)c, &ev_how), 0);
    ck_assert_int_eq(wait_complete_event(42, (uint32_t)c, 10000), 0);
    ck_assert_int_eq(wait_shutdown_reason(c, 10000),
                     LIBXL_SHUTDOWN_REASON_POWEROFF);
}

/* The request as written, seen before any guest answers; and a PVH guest
 * (an HVM container that libxl records as pvh) needs no callback IRQ. */
TEST(shutdown_hvm_request_written_like_pv, 60)
{
    int h = simhost_create_hvm_domain("hvm-deaf", "hvm", NULL);
    int v = simhost_create_hvm_domain("pvh-deaf", "pvh", NULL);
    ck_assert(h > 0 && v > 0);
    ck_assert_int_eq(simhost_set_callback_irq(h, 1), 0);

    reset();
    ck_assert_int_eq(libxl_domain_reboot(ctx, (uint32_t)h, &cb_how), 0);
    assert_control_node(h, "reboot");
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), 0);
    ck_assert(drive_callback(5000));
    ck_assert_int_eq(atomic_load(&last_rc), ERROR_ABORTED);

    reset();
    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)v, &cb_how), 0);
    assert_control_node(v, "poweroff");
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), 0);
    ck_assert(drive_callback(5000));
    ck_assert_int_eq(atomic_load(&last_rc), ERROR_ABORTED);

    /* "invalid" names the invalid type: a failure, as libxl 4.17 */
    char p[64];
    snprintf(p, sizeof(p), "/libxl/%d/type", v);
    ck_assert(xs_write(xs, XBT_NULL, p, "invalid", 7));
    ck_assert_int_eq(libxl_domain_shutdown(ctx, (uint32_t)v, NULL), ERROR_FAIL);
}

/* ------------------------------------------------------------- destroy */

/* Give the domain a disk the way libxl records one. */
static void add_disk(int d)
{
    char p[160], v[160];
    snprintf(v, sizeof(v), "/local/domain/0/backend/vbd/%d/51712", d);
    snprintf(p, sizeof(p), "/local/domain/%d/device/vbd/51712/backend", d);
    ck_assert(xs_write(xs, XBT_NULL, p, v, strlen(v)));
    snprintf(p, sizeof(p), "%s/frontend", v);
    ck_assert(xs_write(xs, XBT_NULL, p, "x", 1));
    snprintf(p, sizeof(p), "/libxl/%d/device/vbd/51712/backend", d);
    ck_assert(xs_write(xs, XBT_NULL, p, v, strlen(v)));
    snprintf(p, sizeof(p), "/libxl/%d/device/vbd/51712/frontend", d);
    snprintf(v, sizeof(v), "/local/domain/%d/device/vbd/51712", d);
    ck_assert(xs_write(xs, XBT_NULL, p, v, strlen(v)));
}

static void check_destroyed(int d, const char *vm)
{
    char p[128];
    ck_assert_int_eq(libxl_domain_info(ctx, NULL, (uint32_t)d),
                     ERROR_DOMAIN_NOTFOUND);
    snprintf(p, sizeof(p), "/local/domain/%d", d);
    ck_assert(!xs_exists(p));
    snprintf(p, sizeof(p), "/libxl/%d", d);
    ck_assert(!xs_exists(p));
    snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%d", d);
    ck_assert(!xs_exists(p));
    ck_assert(!xs_exists(vm));
}

TEST(destroy_three_styles, 60)
{
    int d[3];
    char *vm[3];
    for (int i = 0; i < 3; i++) {
        d[i] = simhost_create_domain(i == 0 ? "x0" : i == 1 ? "x1" : "x2",
                                     64, 1, "obey");
        ck_assert_int_gt(d[i], 0);
        add_disk(d[i]);
        vm[i] = xs_get("/local/domain/%d/vm", d[i]);
        ck_assert_ptr_nonnull(vm[i]);
        ck_assert(xs_exists(vm[i]));
    }
    ck_assert_int_eq(libxl_domain_destroy(ctx, (uint32_t)d[0], NULL), 0);
    check_destroyed(d[0], vm[0]);

    reset();
    ck_assert_int_eq(libxl_domain_destroy(ctx, (uint32_t)d[1], &cb_how), 0);
    ck_assert(drive_callback(10000));
    ck_assert_int_eq(atomic_load(&last_rc), 0);
    check_destroyed(d[1], vm[1]);

    libxl_asyncop_how ev_how = { .u.for_event = 5 };
    ck_assert_int_eq(libxl_domain_destroy(ctx, (uint32_t)d[2], &ev_how), 0);
    ck_assert_int_eq(wait_complete_event(5, (uint32_t)d[2], 10000), 0);
    check_destroyed(d[2], vm[2]);
    for (int i = 0; i < 3; i++) free(vm[i]);
}

TEST(destroy_missing_and_dom0, 60)
{
    ck_assert_int_eq(libxl_domain_destroy(ctx, 77, NULL), ERROR_DOMAIN_NOTFOUND);
    reset();
    ck_assert_int_eq(libxl_domain_destroy(ctx, 77, &cb_how), 0);
    ck_assert_int_eq(atomic_load(&completions), 1);
    ck_assert_int_eq(atomic_load(&last_rc), ERROR_DOMAIN_NOTFOUND);
    ck_assert_int_eq(libxl_domain_destroy(ctx, 0, NULL), ERROR_INVAL);
    ck_assert_int_eq(libxl_domain_info(ctx, NULL, 0), 0);
}

/* Keep a domain "dying": map its xenstore ring as a backend would. */
static void *pin_ring(int d, xengnttab_handle **g)
{
    *g = xengnttab_open(NULL, 0);
    ck_assert_ptr_nonnull(*g);
    void *ring = xengnttab_map_grant_ref(*g, (uint32_t)d,
                                         GNTTAB_RESERVED_XENSTORE,
                                         PROT_READ | PROT_WRITE);
    ck_assert_ptr_nonnull(ring);
    return ring;
}

TEST(destroy_times_out_when_domain_lingers, 60)
{
    int d = simhost_create_domain("zombie", 64, 1, NULL);
    char *vm = xs_get("/local/domain/%d/vm", d);
    xengnttab_handle *g;
    void *ring = pin_ring(d, &g);
    libxl__domain_ops_set_timeouts(ctx, 0, 200);
    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(libxl_domain_destroy(ctx, (uint32_t)d, NULL), ERROR_TIMEDOUT);
    ck_assert_uint_ge(test_now_ms() - t0, 190);
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    ck_assert_int_eq(libxl_domain_info(ctx, &info, (uint32_t)d), 0);
    ck_assert(info.dying);
    ck_assert(info.paused);                   /* paused first, as libxl */
    libxl_dominfo_dispose(&info);
    char p[64];
    snprintf(p, sizeof(p), "/local/domain/%d", d);
    ck_assert(!xs_exists(p));                 /* cleaned up all the same */
    ck_assert(!xs_exists(vm));
    xengnttab_unmap(g, ring, 1);
    ck_assert_int_eq(simhost_wait_gone(d, 5000), 0);
    xengnttab_close(g);
    free(vm);
}

TEST(destroy_abort_while_waiting, 60)
{
    int d = simhost_create_domain("zombie2", 64, 1, NULL);
    xengnttab_handle *g;
    void *ring = pin_ring(d, &g);
    char *vm = xs_get("/local/domain/%d/vm", d);
    ck_assert_ptr_nonnull(vm);
    reset();
    ck_assert_int_eq(libxl_domain_destroy(ctx, (uint32_t)d, &cb_how), 0);
    ck_assert_int_eq(atomic_load(&completions), 0);
    /* as libxl 4.17: the entries went before the domain was destroyed */
    char p[64];
    snprintf(p, sizeof(p), "/local/domain/%d", d);
    ck_assert(!xs_exists(p));
    snprintf(p, sizeof(p), "/libxl/%d", d);
    ck_assert(!xs_exists(p));
    ck_assert(!xs_exists(vm));
    free(vm);
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), 0);
    ck_assert(drive_callback(5000));
    ck_assert_int_eq(atomic_load(&last_rc), ERROR_ABORTED);
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), ERROR_NOTFOUND);
    xengnttab_unmap(g, ring, 1);
    ck_assert_int_eq(simhost_wait_gone(d, 5000), 0);
    xengnttab_close(g);
}

/* Destroys share the ctx's one @releaseDomain watch, which outlives them:
 * one waiting (its domain kept dying) while another comes and goes, the
 * waiter leaving (aborted), and a destroy after that, when the watch is
 * already there and has nothing new to report. (The simulated xenstored
 * reports a release once, when it drops the domain, so a domain kept
 * dying longer is never reported gone.) */
TEST(destroy_waiters_share_the_release_watch, 60)
{
    int z = simhost_create_domain("lingers", 64, 1, NULL);
    int d0 = simhost_create_domain("y0", 64, 1, NULL);
    int d1 = simhost_create_domain("y1", 64, 1, NULL);
    char *v0 = xs_get("/local/domain/%d/vm", d0);
    char *v1 = xs_get("/local/domain/%d/vm", d1);
    ck_assert(v0 && v1);
    add_disk(d1);
    xengnttab_handle *g;
    void *ring = pin_ring(z, &g);

    reset();
    ck_assert_int_eq(libxl_domain_destroy(ctx, (uint32_t)z, &cb_how), 0);
    ck_assert_int_eq(libxl_domain_destroy(ctx, (uint32_t)d0, NULL), 0);
    check_destroyed(d0, v0);
    ck_assert_int_eq(atomic_load(&completions), 0);   /* z still dying */

    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), 0);
    ck_assert(drive_callback(5000));
    ck_assert_int_eq(atomic_load(&last_rc), ERROR_ABORTED);
    xengnttab_unmap(g, ring, 1);
    ck_assert_int_eq(simhost_wait_gone(z, 5000), 0);

    ck_assert_int_eq(libxl_domain_destroy(ctx, (uint32_t)d1, NULL), 0);
    check_destroyed(d1, v1);
    ck_assert_int_eq(atomic_load(&completions), 1);
    xengnttab_close(g);
    free(v0);
    free(v1);
}

/* As on a real host (found by the real-Xen suite): the domain stays dying
 * for a while after xenstored let it go, and no @releaseDomain announces
 * its final disappearance. Destroy must still notice it is gone. */
TEST(destroy_notices_a_domain_freed_after_its_release, 60)
{
    ck_assert_int_eq(simhost_cli(NULL, "relinquish-delay", "400", NULL), 0);
    int d = simhost_create_domain("lingers", 64, 1, NULL);
    ck_assert_int_gt(d, 0);
    libxl__domain_ops_set_timeouts(ctx, 0, 5000);

    uint64_t start = test_now_ms();
    ck_assert_int_eq(libxl_domain_destroy(ctx, (uint32_t)d, NULL), 0);
    uint64_t took = test_now_ms() - start;
    ck_assert_msg(took >= 350, "destroy returned after %llu ms, before the "
                  "domain could be gone", (unsigned long long)took);
    ck_assert_msg(took < 3000, "destroy took %llu ms", (unsigned long long)took);
    ck_assert_int_eq(libxl_domain_info(ctx, NULL, (uint32_t)d),
                     ERROR_DOMAIN_NOTFOUND);
}

/* A guest owns its frontend directories, so it can point its frontend's
 * backend node anywhere: destroy removes only what belongs to the domain,
 * and never a subtree a guest names. */
TEST(destroy_ignores_hostile_backend_paths, 60)
{
    int victim = simhost_create_domain("victim", 64, 1, NULL);
    int d = simhost_create_domain("hostile", 64, 1, NULL);
    ck_assert_int_gt(victim, 0);
    ck_assert_int_gt(d, 0);
    add_disk(victim);
    char *victim_vm = xs_get("/local/domain/%d/vm", victim);
    ck_assert_ptr_nonnull(victim_vm);

    char victim_be[96], wrong_shape[160], padded[96], p[160];
    snprintf(victim_be, sizeof(victim_be),
             "/local/domain/0/backend/vbd/%d/51712", victim);
    snprintf(wrong_shape, sizeof(wrong_shape), "%s/frontend", victim_be);
    snprintf(padded, sizeof(padded), "/local/domain/0/backend/vbd/0%d/1",
             victim);
    const char *const lies[] = {
        victim_be, wrong_shape, padded, "/local/domain/0", "/vm",
        "/local/domain/0/backend", "/local/domain/0/backend/vbd",
        "local/domain/0/backend/vbd/1/1",
    };
    /* Each lie where the guest writes (its frontends' backend nodes,
     * which destroy never reads) and in libxl's records (read, and checked
     * all the same). */
    for (unsigned i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
        snprintf(p, sizeof(p), "/local/domain/%d/device/vbd/%u/backend", d,
                 51712 + i);
        ck_assert(xs_write(xs, XBT_NULL, p, lies[i], strlen(lies[i])));
        snprintf(p, sizeof(p), "/libxl/%d/device/vbd/%u/backend", d,
                 51712 + i);
        ck_assert(xs_write(xs, XBT_NULL, p, lies[i], strlen(lies[i])));
    }
    /* A backend that only the guest's frontend names is left alone, as
     * libxl leaves it; one that libxl's records name is removed. */
    char unrecorded[96], own[96];
    snprintf(unrecorded, sizeof(unrecorded),
             "/local/domain/0/backend/vkbd/%d/0", d);
    snprintf(p, sizeof(p), "%s/state", unrecorded);
    ck_assert(xs_write(xs, XBT_NULL, p, "4", 1));
    snprintf(p, sizeof(p), "/local/domain/%d/device/vkbd/0/backend", d);
    ck_assert(xs_write(xs, XBT_NULL, p, unrecorded, strlen(unrecorded)));
    snprintf(own, sizeof(own), "/local/domain/0/backend/vif/%d/0", d);
    snprintf(p, sizeof(p), "%s/state", own);
    ck_assert(xs_write(xs, XBT_NULL, p, "4", 1));
    snprintf(p, sizeof(p), "/libxl/%d/device/vif/0/backend", d);
    ck_assert(xs_write(xs, XBT_NULL, p, own, strlen(own)));

    ck_assert_int_eq(libxl_domain_destroy(ctx, (uint32_t)d, NULL), 0);

    ck_assert(xs_exists(victim_be));
    snprintf(p, sizeof(p), "%s/frontend", victim_be);
    ck_assert(xs_exists(p));
    ck_assert(xs_exists(victim_vm));
    snprintf(p, sizeof(p), "/local/domain/%d", victim);
    ck_assert(xs_exists(p));
    ck_assert(xs_exists("/local/domain/0/backend/vbd"));
    snprintf(p, sizeof(p), "/local/domain/0/backend/vif/%d", d);
    ck_assert(!xs_exists(p));
    ck_assert(xs_exists(unrecorded));
    snprintf(p, sizeof(p), "/local/domain/%d", d);
    ck_assert(!xs_exists(p));
    snprintf(p, sizeof(p), "/libxl/%d", d);
    ck_assert(!xs_exists(p));
    ck_assert(testlog_contains(logger, XTL_WARN, "ignoring backend path"));
    free(victim_vm);
}
