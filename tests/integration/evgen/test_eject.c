/*
 * test_eject.c: DISK_EJECT events (libxl_evenable_disk_eject) against the
 * simulated host: a real eject, and hostile guest writes that must never
 * produce an event (one scenario per test).
 */
#include <check.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxl.h>
#include <libxl_event.h>
#include <xenstore.h>

#include "simhost.h"
#include "testev.h"
#include "testlog.h"
#include "testmain.h"

#define MASK_EJECT (1ULL << LIBXL_EVENT_TYPE_DISK_EJECT)
#define HDC 5632        /* (22 << 8) | (0 << 6) */
#define HDD 5696        /* (22 << 8) | (1 << 6) */

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger *lg;
static struct xs_handle *xs;    /* the test's own dom0 (toolstack) handle */
static int dom;

static void xwrite(const char *path, const char *v, unsigned len)
{
    ck_assert_msg(xs_write(xs, XBT_NULL, path, v, len), "write %s", path);
}

static void xwritef(const char *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void xwritef(const char *v, const char *fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    xwrite(path, v, strlen(v));
}

/* A cdrom as a toolstack creates it: frontend (guest-owned), backend
 * directory and the /libxl record. */
static void make_disk(int devid, const char *vdev)
{
    char fe[96], be[96], v[160];
    snprintf(fe, sizeof(fe), "/local/domain/%d/device/vbd/%d", dom, devid);
    snprintf(be, sizeof(be), "/local/domain/0/backend/qdisk/%d/%d", dom, devid);
    xwritef(be, "%s/backend", fe);
    xwritef("0", "%s/backend-id", fe);
    xwritef("", "%s/eject", fe);
    struct xs_permissions perms[2] = {
        { .id = (unsigned)dom, .perms = XS_PERM_NONE },
        { .id = 0, .perms = XS_PERM_READ },
    };
    ck_assert(xs_set_permissions(xs, XBT_NULL, fe, perms, 2));
    snprintf(v, sizeof(v), "%s/eject", fe);
    ck_assert(xs_set_permissions(xs, XBT_NULL, v, perms, 2));
    snprintf(v, sizeof(v), "%s/backend", fe);
    ck_assert(xs_set_permissions(xs, XBT_NULL, v, perms, 2));
    xwritef(fe, "%s/frontend", be);
    snprintf(v, sizeof(v), "%d", dom);
    xwritef(v, "%s/frontend-id", be);
    xwritef("qdisk", "%s/type", be);
    xwritef(vdev, "%s/dev", be);
    xwritef(be, "/libxl/%d/device/vbd/%d/backend", dom, devid);
    xwritef(fe, "/libxl/%d/device/vbd/%d/frontend", dom, devid);
}

static void setup(void)
{
    host = simhost_start();
    ck_assert_msg(host != NULL, "could not start a simulated host");
    lg = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
    xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    dom = simhost_create_domain("cdguest", 64, 1, NULL);
    ck_assert_int_gt(dom, 0);
    make_disk(HDC, "hdc");
    make_disk(HDD, "hdd");
}

static void teardown(void)
{
    libxl_ctx_free(ctx);
    xs_close(xs);
    xtl_logger_destroy(lg);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

static libxl_event *wait_event(uint64_t mask, int ms)
{
    return testev_wait(ctx, mask, ms);
}

static char *eject_path(int devid)
{
    static char p[128];
    snprintf(p, sizeof(p), "/local/domain/%d/device/vbd/%d/eject", dom, devid);
    return p;
}

/* Drive the loop until the library has logged needle (bounded). */
static void wait_log(const char *needle)
{
    uint64_t deadline = test_now_ms() + 5000;
    while (!testlog_contains(lg, XTL_DEBUG, needle) && test_now_ms() < deadline)
        ck_assert_ptr_null(wait_event(MASK_EJECT, 20));
    if (!testlog_contains(lg, XTL_DEBUG, needle)) {
        char *d = testlog_dump(lg);
        ck_abort_msg("no log line with \"%s\"; log:\n%s", needle, d);
    }
}

static void check_real_eject(libxl_ev_user user)
{
    ck_assert_int_eq(simhost_guest_write(dom, eject_path(HDC), "eject"), 0);
    libxl_event *ev = wait_event(MASK_EJECT, 10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->domid, dom);
    ck_assert_uint_eq(ev->for_user, user);
    ck_assert_ptr_nonnull(ev->u.disk_eject.vdev);
    ck_assert_str_eq(ev->u.disk_eject.vdev, "hdc");
    libxl_device_disk *disk = &ev->u.disk_eject.disk;
    ck_assert_str_eq(disk->vdev, "hdc");
    ck_assert_str_eq(disk->pdev_path, "");
    ck_assert_int_eq(disk->backend_domid, 0);
    ck_assert_int_eq(disk->backend, LIBXL_DISK_BACKEND_QDISK);
    ck_assert_int_eq(disk->format, LIBXL_DISK_FORMAT_EMPTY);
    ck_assert(disk->removable && disk->is_cdrom && !disk->readwrite);
    libxl_event_free(ctx, ev);
    /* Acknowledged as libxl does: the node is emptied. */
    unsigned len = 99;
    char *v = xs_read(xs, XBT_NULL, eject_path(HDC), &len);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(len, 0);
    free(v);
}

TEST(real_eject, 30)
{
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 42, &g), 0);
    check_real_eject(42);
    ck_assert_ptr_null(wait_event(MASK_EJECT, 200));
    check_real_eject(42);      /* and again */
    libxl_evdisable_disk_eject(ctx, g);
}

/* Our acknowledgement fires the watch too; skipping the read it would
 * cost (see evgen_eject.c) must not swallow a guest's next eject, however
 * soon it comes; and two ejects written before the loop runs are one. */
TEST(eject_right_after_ack_and_coalesced, 30)
{
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 5, &g), 0);
    ck_assert_ptr_null(wait_event(MASK_EJECT, 200));
    for (int i = 0; i < 5; i++) check_real_eject(5);   /* back to back */
    xwrite(eject_path(HDC), "eject", 5);
    xwrite(eject_path(HDC), "eject", 5);
    libxl_event *ev = wait_event(MASK_EJECT, 10000);
    ck_assert_ptr_nonnull(ev);
    libxl_event_free(ctx, ev);
    ck_assert_ptr_null(wait_event(MASK_EJECT, 300));
    libxl_evdisable_disk_eject(ctx, g);
}

TEST(hostile_values_ignored, 30)
{
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 1, &g), 0);
    const char *p = eject_path(HDC);
    static const char *const garbage[] = { "ejectx", "Eject", "ejec",
                                           " eject", "garbage" };
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
        ck_assert_int_eq(simhost_guest_write(dom, p, garbage[i]), 0);
    wait_log("ignoring value \"garbage\"");
    /* NUL-suffixed values (libxl 4.17 accepts these). */
    xwrite(p, "eject\0junk", 10);
    wait_log("eject\\x00junk");
    xwrite(p, "eject\0", 6);
    wait_log("(6 bytes)");
    /* Below the node. */
    char sub[160];
    snprintf(sub, sizeof(sub), "%s/sub", p);
    ck_assert_int_eq(simhost_guest_write(dom, sub, "eject"), 0);
    wait_log("below the eject node");
    /* Oversized. */
    char id[16];
    snprintf(id, sizeof(id), "%d", dom);
    ck_assert_int_eq(simhost_cli(NULL, "guest-write", id, p, "--size", "2000",
                                 (char *)NULL), 0);
    wait_log("(2000 bytes)");
    static char big[4000];
    memcpy(big, "eject", 5);
    xwrite(p, big, sizeof(big));  /* beyond a guest's quota: as dom0 */
    wait_log("(4000 bytes)");
    /* Removed node. */
    ck_assert_int_eq(simhost_cli(NULL, "guest-rm", id, p, (char *)NULL), 0);
    wait_log("is gone");
    ck_assert_ptr_null(wait_event(MASK_EJECT, 200));
    ck_assert(testlog_contains(lg, XTL_WARN, ": Domain "));
    /* Still alive: a real eject after all that is reported once. */
    check_real_eject(1);
    ck_assert_ptr_null(wait_event(MASK_EJECT, 200));
}

TEST(other_vdev_ignored, 30)
{
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 1, &g), 0);
    ck_assert_int_eq(simhost_guest_write(dom, eject_path(HDD), "eject"), 0);
    ck_assert_ptr_null(wait_event(MASK_EJECT, 300));
    check_real_eject(1);
}

TEST(forged_frontend_backend_ignored, 30)
{
    char p[160], forged[128];
    snprintf(p, sizeof(p), "/local/domain/%d/device/vbd/%d/backend", dom, HDC);
    snprintf(forged, sizeof(forged), "/local/domain/7/backend/vbd/%d/%d", dom, HDC);
    ck_assert_int_eq(simhost_guest_write(dom, p, forged), 0);
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 9, &g), 0);
    check_real_eject(9);      /* backend 0 / qdisk, from the toolstack */
    ck_assert(testlog_contains(lg, XTL_WARN, "using the toolstack's"));
}

TEST(toolstack_mismatch_ignored, 30)
{
    char p[160];
    snprintf(p, sizeof(p), "/local/domain/0/backend/qdisk/%d/%d/frontend-id",
             dom, HDC);
    xwrite(p, "999", 3);
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 9, &g), 0);
    ck_assert(testlog_contains(lg, XTL_WARN, "does not point back"));
    ck_assert_int_eq(simhost_guest_write(dom, eject_path(HDC), "eject"), 0);
    wait_log("no valid record");
    ck_assert_ptr_null(wait_event(MASK_EJECT, 200));
}

TEST(removed_disk_no_event, 30)
{
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 9, &g), 0);
    char p[128];
    snprintf(p, sizeof(p), "/libxl/%d/device/vbd/%d", dom, HDC);
    ck_assert(xs_rm(xs, XBT_NULL, p));
    ck_assert_int_eq(simhost_guest_write(dom, eject_path(HDC), "eject"), 0);
    wait_log("no valid record");
    ck_assert_ptr_null(wait_event(MASK_EJECT, 200));
}

/* A guest's eject, and the event it brings (NULL if none within ms). */
static libxl_event *eject_once(int ms)
{
    ck_assert_int_eq(simhost_guest_write(dom, eject_path(HDC), "eject"), 0);
    return wait_event(MASK_EJECT, ms);
}

static char *be_node(const char *be_kind, const char *node)
{
    static char p[160];
    snprintf(p, sizeof(p), "/local/domain/0/backend/%s/%d/%d/%s", be_kind,
             dom, HDC, node);
    return p;
}

/* The description is kept between ejects; a change of the backend nodes
 * it comes from, with the toolstack's pointer unchanged, must still show
 * in the next event (libxl_cdrom_insert rewrites "type", say). */
TEST(backend_change_seen_without_pointer_change, 30)
{
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 3, &g), 0);
    check_real_eject(3);

    xwrite(be_node("qdisk", "type"), "phy", 3);
    libxl_event *ev = eject_once(10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->u.disk_eject.disk.backend, LIBXL_DISK_BACKEND_PHY);
    libxl_event_free(ctx, ev);

    /* A backend that no longer points back: no event... */
    xwrite(be_node("qdisk", "frontend-id"), "999", 3);
    ck_assert_ptr_null(eject_once(300));
    wait_log("no valid record");
    /* ...until it is repaired. */
    char id[16];
    snprintf(id, sizeof(id), "%d", dom);
    xwrite(be_node("qdisk", "frontend-id"), id, strlen(id));
    xwrite(be_node("qdisk", "type"), "qdisk", 5);
    check_real_eject(3);
    libxl_evdisable_disk_eject(ctx, g);
}

/* The toolstack moves the disk to another backend directory: the event
 * follows the pointer, and changes in the new directory are seen too. */
TEST(backend_moved_then_changed, 30)
{
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 4, &g), 0);
    check_real_eject(4);

    char fe[96], id[16], ptr[128];
    snprintf(fe, sizeof(fe), "/local/domain/%d/device/vbd/%d", dom, HDC);
    snprintf(id, sizeof(id), "%d", dom);
    xwrite(be_node("vbd", "frontend"), fe, strlen(fe));
    xwrite(be_node("vbd", "frontend-id"), id, strlen(id));
    xwrite(be_node("vbd", "type"), "phy", 3);
    snprintf(ptr, sizeof(ptr), "/libxl/%d/device/vbd/%d/backend", dom, HDC);
    char *bp = be_node("vbd", "");
    bp[strlen(bp) - 1] = '\0';
    xwrite(ptr, bp, strlen(bp));

    libxl_event *ev = eject_once(10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->u.disk_eject.disk.backend, LIBXL_DISK_BACKEND_PHY);
    libxl_event_free(ctx, ev);

    xwrite(be_node("vbd", "type"), "tap", 3);
    ev = eject_once(10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->u.disk_eject.disk.backend, LIBXL_DISK_BACKEND_TAP);
    libxl_event_free(ctx, ev);

    /* The old directory no longer counts. */
    xwrite(be_node("qdisk", "frontend-id"), "999", 3);
    ev = eject_once(10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->u.disk_eject.disk.backend, LIBXL_DISK_BACKEND_TAP);
    libxl_event_free(ctx, ev);
    libxl_evdisable_disk_eject(ctx, g);
}

/* A backend directory under be_kind that points back at the frontend. */
static void make_backend(const char *be_kind, const char *type)
{
    char fe[96], id[16];
    snprintf(fe, sizeof(fe), "/local/domain/%d/device/vbd/%d", dom, HDC);
    snprintf(id, sizeof(id), "%d", dom);
    xwrite(be_node(be_kind, "frontend"), fe, strlen(fe));
    xwrite(be_node(be_kind, "frontend-id"), id, strlen(id));
    xwrite(be_node(be_kind, "type"), type, strlen(type));
}

static void point_at(const char *be_kind)
{
    char ptr[128];
    snprintf(ptr, sizeof(ptr), "/libxl/%d/device/vbd/%d/backend", dom, HDC);
    char *bp = be_node(be_kind, "");
    bp[strlen(bp) - 1] = '\0';
    xwrite(ptr, bp, strlen(bp));
}

/* No record at enable (no directory known, none watched): ejects are
 * ignored; once the toolstack writes one, the next eject reads the
 * pointer, then the directory it names, and is reported from them. */
TEST(record_written_after_enable, 30)
{
    char p[128];
    snprintf(p, sizeof(p), "/libxl/%d/device/vbd/%d/backend", dom, HDC);
    ck_assert(xs_rm(xs, XBT_NULL, p));
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 8, &g), 0);
    ck_assert_ptr_null(eject_once(300));
    wait_log("no valid record");

    make_backend("vbd", "phy");
    point_at("vbd");
    libxl_event *ev = eject_once(10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->u.disk_eject.disk.backend, LIBXL_DISK_BACKEND_PHY);
    libxl_event_free(ctx, ev);
    /* And that directory is watched now. */
    xwrite(be_node("vbd", "type"), "tap", 3);
    ev = eject_once(10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->u.disk_eject.disk.backend, LIBXL_DISK_BACKEND_TAP);
    libxl_event_free(ctx, ev);
    libxl_evdisable_disk_eject(ctx, g);
}

/* The pointer moves twice between two ejects, and the directory it
 * named in between is then broken: the event follows the last one. The
 * eject read, the pointer and the old directory's nodes are asked for
 * together; the moved pointer is read again from the new directory. */
TEST(pointer_moved_twice_between_ejects, 30)
{
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 2, &g), 0);
    check_real_eject(2);
    make_backend("vbd", "phy");
    make_backend("vbd3", "tap");
    point_at("vbd");
    point_at("vbd3");
    xwrite(be_node("vbd", "frontend-id"), "999", 3);
    libxl_event *ev = eject_once(10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->u.disk_eject.disk.backend, LIBXL_DISK_BACKEND_TAP);
    libxl_event_free(ctx, ev);
    ck_assert_ptr_null(wait_event(MASK_EJECT, 200));
    /* Back to the first, changed while it was not watched. */
    xwrite(be_node("qdisk", "type"), "phy", 3);
    point_at("qdisk");
    ev = eject_once(10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->u.disk_eject.disk.backend, LIBXL_DISK_BACKEND_PHY);
    libxl_event_free(ctx, ev);
    libxl_evdisable_disk_eject(ctx, g);
}

/* Only the backend nodes the description uses are read again, each when
 * it changes; the directory's removal (or its parent's) makes them all
 * stale. Unrelated nodes change in between. */
TEST(backend_nodes_changed_one_at_a_time, 30)
{
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 5, &g), 0);
    check_real_eject(5);
    xwrite(be_node("qdisk", "state"), "4", 1);
    check_real_eject(5);

    char fe[96];
    snprintf(fe, sizeof(fe), "/local/domain/%d/device/vbd/%d", dom, HDC);
    xwrite(be_node("qdisk", "frontend"), "/local/domain/99/device/vbd/1", 29);
    ck_assert_ptr_null(eject_once(300));
    wait_log("no valid record");
    xwrite(be_node("qdisk", "params"), "/dev/null", 9);
    xwrite(be_node("qdisk", "frontend"), fe, strlen(fe));
    check_real_eject(5);

    char parent[128];
    snprintf(parent, sizeof(parent), "/local/domain/0/backend/qdisk/%d", dom);
    ck_assert(xs_rm(xs, XBT_NULL, parent));
    testlog_clear(lg);
    ck_assert_ptr_null(eject_once(300));
    wait_log("no valid record");
    make_backend("qdisk", "phy");
    libxl_event *ev = eject_once(10000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->u.disk_eject.disk.backend, LIBXL_DISK_BACKEND_PHY);
    libxl_event_free(ctx, ev);
    libxl_evdisable_disk_eject(ctx, g);
}

/* On a host with many domains xenstored sends each answer's header and
 * body in separate writes, one pass of its main loop apart, so the watch
 * connection sees messages arrive in pieces, and sees them while requests
 * are outstanding. Every eject still gives exactly one event, hostile
 * values none, and the node is acknowledged each time. */
TEST(ejects_on_a_busy_host, 30)
{
    char *out = NULL;
    ck_assert_int_eq(simhost_cli(&out, "create-bulk", "1000", (char *)NULL), 0);
    free(out);
    libxl_evgen_disk_eject *g;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 6, &g), 0);
    for (int i = 0; i < 20; i++) {
        check_real_eject(6);
        if (i % 5 == 0) {
            xwrite(eject_path(HDC), "ejected", 7);
            ck_assert_ptr_null(wait_event(MASK_EJECT, 50));
        }
    }
    ck_assert_ptr_null(wait_event(MASK_EJECT, 300));
    libxl_evdisable_disk_eject(ctx, g);
}

TEST(evdisable_stops_ejects, 30)
{
    libxl_evgen_disk_eject *g, *h;
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 1, &g), 0);
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "hdc", 2, &h), 0);
    libxl_evdisable_disk_eject(ctx, g);
    check_real_eject(2);
    ck_assert_ptr_null(wait_event(MASK_EJECT, 200));
    ck_assert_int_eq(libxl_evenable_disk_eject(ctx, dom, "nonsense!", 1, &g),
                     ERROR_INVAL);
    /* h is left for libxl_ctx_free. */
}


