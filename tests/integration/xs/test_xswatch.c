/*
 * test_xswatch.c: the internal xenstore watch multiplexer (src/xs/xswatch.c)
 * against the simulated host's real xenstored: many watches over one
 * connection, callbacks that register and deregister, late events for
 * removed watches, and the loss of xenstored (a disaster reported once,
 * waiting threads released); pipelined requests for watches and their
 * answers; and the wire layer alone. One scenario per test.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "ctx.h"
#include "ops/ops.h"
#include "subop/xswait.h"
#include "xs/wire.h"
#include "simhost.h"
#include "testev.h"
#include "testlog.h"
#include "testmain.h"

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger *lg;
static struct xs_handle *xs;

static void setup(void)
{
    host = simhost_start();
    ck_assert_msg(host != NULL, "could not start a simulated host");
    lg = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
    xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
}

static void teardown(void)
{
    libxl_ctx_free(ctx);
    xs_close(xs);
    xtl_logger_destroy(lg);
    simhost_stop(host);   /* may report xenstored already gone */
}

TEST_FIXTURE(setup, teardown);

/* Run the loop (single-fd style) until done() or the deadline. */
static bool drive_until(bool (*done)(void), int ms)
{
    return testev_drive_until(ctx, done, ms);
}

/* ------------------------------------------------------ many watches */

enum { NW = 200 };
static libxl__ev_xswatch watches[NW];
static int fired[NW];
static int total_fired;

static void count_cb(libxl__egc *egc, libxl__ev_xswatch *w,
                     const char *watch_path, const char *event_path)
{
    (void)egc;
    int i = (int)(w - watches);
    ck_assert_str_eq(watch_path, w->path);
    ck_assert(!strncmp(event_path, watch_path, strlen(watch_path)));
    fired[i]++;
    total_fired++;
}

static bool all_fired_once(void) { return total_fired >= NW; }
static bool all_fired_twice(void) { return total_fired >= 2 * NW; }

TEST(many_watches_one_connection, 30)
{
    char path[64];
    libxl__ctx_lock(ctx);
    for (int i = 0; i < NW; i++) {
        libxl__ev_xswatch_init(&watches[i]);
        snprintf(path, sizeof(path), "/test/w%d", i);
        ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &watches[i],
                                                    count_cb, path), 0);
    }
    libxl__ctx_unlock(ctx);
    /* Each fires once on registration. */
    ck_assert(drive_until(all_fired_once, 10000));
    for (int i = NW - 1; i >= 0; i--) {
        snprintf(path, sizeof(path), "/test/w%d/child", i);
        ck_assert(xs_write(xs, XBT_NULL, path, "x", 1));
    }
    ck_assert(drive_until(all_fired_twice, 10000));
    for (int i = 0; i < NW; i++) ck_assert_int_eq(fired[i], 2);
    libxl__ctx_lock(ctx);
    for (int i = 0; i < NW; i += 2)
        libxl__ev_xswatch_deregister(ctx, &watches[i]);
    libxl__ctx_unlock(ctx);
    /* The other half is released by libxl_ctx_free. */
}

/* ------------------------------- (de)registration inside callbacks */

static libxl__ev_xswatch wa, wb, wc;
static int a_calls, b_calls, c_calls;

static void c_cb(libxl__egc *egc, libxl__ev_xswatch *w, const char *wp,
                 const char *ep)
{
    (void)egc; (void)w; (void)wp; (void)ep;
    c_calls++;
}

static void b_cb(libxl__egc *egc, libxl__ev_xswatch *w, const char *wp,
                 const char *ep)
{
    (void)w; (void)wp; (void)ep;
    b_calls++;
    /* Remove itself. */
    libxl__ev_xswatch_deregister(egc->ctx, &wb);
}

static void a_cb(libxl__egc *egc, libxl__ev_xswatch *w, const char *wp,
                 const char *ep)
{
    (void)w; (void)wp; (void)ep;
    a_calls++;
    if (a_calls == 2) {
        /* Register a new one and remove another one from here. */
        ck_assert_int_eq(libxl__ev_xswatch_register(egc->ctx, &wc, c_cb,
                                                    "/test/c"), 0);
        libxl__ev_xswatch_deregister(egc->ctx, &wa);
    }
}

static bool b_and_a_once(void) { return a_calls >= 1 && b_calls >= 1; }
static bool c_once(void) { return c_calls >= 1; }

TEST(register_deregister_inside_callbacks, 30)
{
    libxl__ev_xswatch_init(&wa);
    libxl__ev_xswatch_init(&wb);
    libxl__ev_xswatch_init(&wc);
    libxl__ctx_lock(ctx);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &wa, a_cb, "/test/a"), 0);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &wb, b_cb, "/test/b"), 0);
    libxl__ctx_unlock(ctx);
    ck_assert(drive_until(b_and_a_once, 10000));
    ck_assert(!libxl__ev_xswatch_isregistered(&wb));
    ck_assert(xs_write(xs, XBT_NULL, "/test/b", "1", 1));
    ck_assert(xs_write(xs, XBT_NULL, "/test/a", "1", 1));
    ck_assert(drive_until(c_once, 10000));
    ck_assert(!libxl__ev_xswatch_isregistered(&wa));
    ck_assert(libxl__ev_xswatch_isregistered(&wc));
    ck_assert(xs_write(xs, XBT_NULL, "/test/a", "2", 1));
    ck_assert(xs_write(xs, XBT_NULL, "/test/c", "2", 1));
    c_calls = 0;
    ck_assert(drive_until(c_once, 10000));
    ck_assert_int_eq(a_calls, 2);
    ck_assert_int_eq(b_calls, 1);
}

/* ------------------------------------------------------ late events */

static libxl__ev_xswatch old_w, new_w, keeper_w;
static int old_calls, new_calls;
static char new_paths[8][64];

static void old_cb(libxl__egc *egc, libxl__ev_xswatch *w, const char *wp,
                   const char *ep)
{
    (void)egc; (void)w; (void)wp; (void)ep;
    old_calls++;
}

static void new_cb(libxl__egc *egc, libxl__ev_xswatch *w, const char *wp,
                   const char *ep)
{
    (void)egc; (void)w; (void)wp;
    if (new_calls < 8) snprintf(new_paths[new_calls], 64, "%s", ep);
    new_calls++;
}

static bool old_once(void) { return old_calls >= 1; }
static bool new_once(void) { return new_calls >= 1; }

TEST(late_event_for_removed_watch_dropped, 30)
{
    libxl__ev_xswatch_init(&old_w);
    libxl__ev_xswatch_init(&new_w);
    libxl__ev_xswatch_init(&keeper_w);
    libxl__ctx_lock(ctx);
    /* A second watch keeps the watch connection open (it closes with the
     * last watch, and xenstored's queued events with it). */
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &keeper_w, c_cb,
                                                "/test/keeper"), 0);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &old_w, old_cb, "/test/old"), 0);
    int wfd = libxl__xswatch_fd(ctx);
    libxl__ctx_unlock(ctx);
    ck_assert(drive_until(old_once, 10000));

    /* Queue an event for old_w without letting the library see it. */
    ck_assert(xs_write(xs, XBT_NULL, "/test/old", "x", 1));
    struct pollfd p = { .fd = wfd, .events = POLLIN };
    ck_assert_int_eq(poll(&p, 1, 5000), 1);

    /* Remove it and give its slot to a new watch on another path. */
    libxl__ctx_lock(ctx);
    libxl__ev_xswatch_deregister(ctx, &old_w);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &new_w, new_cb, "/test/new"), 0);
    libxl__ctx_unlock(ctx);
    ck_assert(drive_until(new_once, 10000));
    ck_assert_int_eq(old_calls, 1);
    for (int i = 0; i < new_calls && i < 8; i++)
        ck_assert_str_eq(new_paths[i], "/test/new");
    ck_assert(testlog_contains(lg, XTL_DEBUG, "removed watch"));
}

/* ------------------------------------- paths, connection life cycle */

static int cycle_calls;
static void cycle_cb(libxl__egc *egc, libxl__ev_xswatch *w, const char *wp,
                     const char *ep)
{
    (void)egc; (void)w; (void)wp; (void)ep;
    cycle_calls++;
}
static bool cycle_once(void) { return cycle_calls >= 1; }

TEST(invalid_paths_and_reconnect, 30)
{
    static libxl__ev_xswatch w;
    libxl__ev_xswatch_init(&w);
    libxl__ctx_lock(ctx);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &w, cycle_cb, "rel/path"),
                     ERROR_INVAL);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &w, cycle_cb, "/a//b"),
                     ERROR_INVAL);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &w, cycle_cb, "/a/b/"),
                     ERROR_INVAL);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &w, cycle_cb, "/a b"),
                     ERROR_INVAL);
    ck_assert(!libxl__ev_xswatch_isregistered(&w));
    ck_assert_int_eq(libxl__xswatch_fd(ctx), -1);
    for (int round = 0; round < 3; round++) {
        /* Each time a fresh connection, and the first event arrives. */
        ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &w, cycle_cb,
                                                    "/test/cycle"), 0);
        ck_assert_int_ge(libxl__xswatch_fd(ctx), 0);
        cycle_calls = 0;
        libxl__ctx_unlock(ctx);
        ck_assert(drive_until(cycle_once, 10000));
        libxl__ctx_lock(ctx);
        libxl__ev_xswatch_deregister(ctx, &w);
        ck_assert_int_eq(libxl__xswatch_fd(ctx), -1);
    }
    libxl__ctx_unlock(ctx);
}

/* --------------------------------------------------- xenstored killed */

static int disasters;
static void on_disaster(void *user, libxl_event_type type, const char *msg,
                        int errnoval)
{
    (void)user; (void)type; (void)msg; (void)errnoval;
    __atomic_add_fetch(&disasters, 1, __ATOMIC_SEQ_CST);
}

static int wait_rc = 12345;
static void *waiter(void *arg)
{
    (void)arg;
    libxl_event *ev = NULL;
    int rc = libxl_event_wait(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL);
    if (!rc) libxl_event_free(ctx, ev);
    __atomic_store_n(&wait_rc, rc, __ATOMIC_SEQ_CST);
    return NULL;
}

TEST(xenstored_killed_is_a_disaster, 30)
{
    static const libxl_event_hooks hooks = { .disaster = on_disaster };
    libxl_event_register_callbacks(ctx, &hooks, NULL);
    int d = simhost_create_domain("bystander", 64, 1, NULL);
    ck_assert_int_gt(d, 0);
    libxl_evgen_domain_death *g;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, d, 0, &g), 0);
    /* Let every pending watch event be consumed first (a DEATH for a
     * domain that does not exist comes after the initial scan), so only
     * the loss itself can wake the loop. */
    libxl_evgen_domain_death *nx;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, 3333, 0, &nx), 0);
    libxl_event *first;
    ck_assert_int_eq(libxl_event_wait(ctx, &first, LIBXL_EVENTMASK_ALL, NULL, NULL), 0);
    ck_assert_int_eq(first->domid, 3333);
    libxl_event_free(ctx, first);

    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, waiter, NULL), 0);
    ck_assert_int_eq(kill(simhost_xenstored_pid(host), SIGKILL), 0);

    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    int r = pthread_timedjoin_np(t, NULL, &until);
    ck_assert_msg(r == 0, "libxl_event_wait still blocked after xenstored died");
    ck_assert_int_eq(wait_rc, ERROR_FAIL);
    ck_assert_int_eq(__atomic_load_n(&disasters, __ATOMIC_SEQ_CST), 1);
    ck_assert(testlog_contains(lg, XTL_CRITICAL, "xenstored"));

    /* Later calls fail rather than pretend, and no second disaster. */
    libxl_evgen_domain_death *g2;
    ck_assert_int_ne(libxl_evenable_domain_death(ctx, d, 0, &g2), 0);
    libxl_event *ev;
    ck_assert_int_eq(libxl_event_wait(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL),
                     ERROR_FAIL);
    ck_assert_int_eq(__atomic_load_n(&disasters, __ATOMIC_SEQ_CST), 1);
    libxl_evdisable_domain_death(ctx, g);
}

/* ------------------------------------------------- requests for watches */

struct reply_rec { unsigned tag; int err; unsigned len; char data[16]; };
static struct reply_rec replies[32];
static int nreplies;

static void rec_reply(libxl__egc *egc, libxl__ev_xswatch *w, unsigned tag,
                      int err, const char *data, unsigned len)
{
    (void)egc; (void)w;
    ck_assert_int_lt(nreplies, 32);
    struct reply_rec *r = &replies[nreplies++];
    r->tag = tag;
    r->err = err;
    r->len = len;
    memcpy(r->data, data, len < sizeof(r->data) ? len : sizeof(r->data));
}

static void check_reply(int i, unsigned tag, int err, const char *v,
                        unsigned len)
{
    ck_assert_uint_eq(replies[i].tag, tag);
    ck_assert_int_eq(replies[i].err, err);
    if (err) return;
    ck_assert_uint_eq(replies[i].len, len);
    ck_assert_mem_eq(replies[i].data, v, len);
}

static libxl__ev_xswatch pw;
static int pipe_fired, pipe_rc_inval;

/* Asks for everything at once from inside the watch callback: the write
 * is handled between the reads around it, in the order asked. */
static void pipe_cb(libxl__egc *egc, libxl__ev_xswatch *w, const char *wp,
                    const char *ep)
{
    libxl_ctx *c = egc->ctx;
    (void)wp; (void)ep;
    if (pipe_fired++) return;       /* our own write fires it again */
    ck_assert_int_eq(libxl__ev_xswatch_read(c, w, "/test/pipe/a", 0,
                                            rec_reply), 0);
    ck_assert_int_eq(libxl__ev_xswatch_read(c, w, "/test/pipe/b", 1,
                                            rec_reply), 0);
    ck_assert_int_eq(libxl__ev_xswatch_read(c, w, "/test/pipe/none", 2,
                                            rec_reply), 0);
    ck_assert_int_eq(libxl__ev_xswatch_write(c, w, "/test/pipe/b", "B2", 2,
                                             3, rec_reply), 0);
    pipe_rc_inval = libxl__ev_xswatch_read(c, w, "/test/pipe//x", 99,
                                           rec_reply);
    ck_assert_int_eq(libxl__ev_xswatch_read(c, w, "/test/pipe/b", 4,
                                            rec_reply), 0);
    ck_assert_int_eq(libxl__ev_xswatch_read(c, w, "/test/pipe/d", 5,
                                            rec_reply), 0);
}

static bool six_replies(void) { return nreplies >= 6; }
static bool nine_replies(void) { return nreplies >= 9; }

TEST(pipelined_requests_answered_in_order, 30)
{
    ck_assert(xs_write(xs, XBT_NULL, "/test/pipe/a", "A", 1));
    ck_assert(xs_write(xs, XBT_NULL, "/test/pipe/b", "", 0));
    ck_assert(xs_write(xs, XBT_NULL, "/test/pipe/d", "D\0x", 3));
    libxl__ev_xswatch_init(&pw);
    libxl__ctx_lock(ctx);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &pw, pipe_cb,
                                                "/test/pipe"), 0);
    libxl__ctx_unlock(ctx);
    ck_assert(drive_until(six_replies, 10000));
    ck_assert_int_eq(pipe_rc_inval, ERROR_INVAL);    /* and nothing sent */
    check_reply(0, 0, 0, "A", 1);
    check_reply(1, 1, 0, "", 0);
    check_reply(2, 2, ENOENT, NULL, 0);
    check_reply(3, 3, 0, "OK", 3);        /* xenstored's answer to a write */
    check_reply(4, 4, 0, "B2", 2);
    check_reply(5, 5, 0, "D\0x", 3);

    /* From outside any callback too (each sent at once). */
    libxl__ctx_lock(ctx);
    ck_assert_int_eq(libxl__ev_xswatch_write(ctx, &pw, "/test/pipe/a", "A3",
                                             2, 10, rec_reply), 0);
    ck_assert_int_eq(libxl__ev_xswatch_read(ctx, &pw, "/test/pipe/a", 11,
                                            rec_reply), 0);
    ck_assert_int_eq(libxl__ev_xswatch_read(ctx, &pw, "/test/pipe/b", 12,
                                            rec_reply), 0);
    libxl__ctx_unlock(ctx);
    ck_assert(drive_until(nine_replies, 10000));
    check_reply(6, 10, 0, "OK", 3);
    check_reply(7, 11, 0, "A3", 2);
    check_reply(8, 12, 0, "B2", 2);
    ck_assert_int_eq(nreplies, 9);
    libxl__ctx_lock(ctx);
    libxl__ev_xswatch_deregister(ctx, &pw);
    ck_assert_int_eq(libxl__ev_xswatch_read(ctx, &pw, "/test/pipe/a", 13,
                                            rec_reply), ERROR_FAIL);
    libxl__ctx_unlock(ctx);
}

static libxl__ev_xswatch w1, w2, keep;
static int w1_fired;
static void w1_cb(libxl__egc *egc, libxl__ev_xswatch *w, const char *wp,
                  const char *ep)
{
    (void)egc; (void)w; (void)wp; (void)ep;
    w1_fired++;
}
static bool w1_once(void) { return w1_fired >= 1; }
static bool one_reply(void) { return nreplies >= 1; }

/* Answers still due to a removed watch are dropped, also when its slot
 * already serves another watch, whose own answers are not confused with
 * them. */
TEST(requests_of_a_removed_watch_dropped, 30)
{
    libxl__ev_xswatch_init(&w1);
    libxl__ev_xswatch_init(&w2);
    libxl__ev_xswatch_init(&keep);
    ck_assert(xs_write(xs, XBT_NULL, "/test/r1", "one", 3));
    ck_assert(xs_write(xs, XBT_NULL, "/test/r2", "two", 3));
    libxl__ctx_lock(ctx);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &keep, c_cb,
                                                "/test/keep"), 0);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &w1, w1_cb,
                                                "/test/r1"), 0);
    libxl__ctx_unlock(ctx);
    ck_assert(drive_until(w1_once, 10000));

    libxl__ctx_lock(ctx);
    uint32_t slot = w1.slot;
    for (unsigned t = 0; t < 3; t++)
        ck_assert_int_eq(libxl__ev_xswatch_read(ctx, &w1, "/test/r1", t,
                                                rec_reply), 0);
    libxl__ev_xswatch_deregister(ctx, &w1);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &w2, w1_cb,
                                                "/test/r2"), 0);
    ck_assert_uint_eq(w2.slot, slot);        /* the slot is reused */
    ck_assert_int_eq(libxl__ev_xswatch_read(ctx, &w2, "/test/r2", 7,
                                            rec_reply), 0);
    libxl__ctx_unlock(ctx);
    ck_assert(drive_until(one_reply, 10000));
    ck_assert_int_eq(nreplies, 1);
    check_reply(0, 7, 0, "two", 3);
}

static int lost_disasters;
static void lost_disaster(void *user, libxl_event_type type, const char *msg,
                          int errnoval)
{
    (void)user; (void)type; (void)msg; (void)errnoval;
    __atomic_add_fetch(&lost_disasters, 1, __ATOMIC_SEQ_CST);
}
static bool lost_seen(void)
{
    return __atomic_load_n(&lost_disasters, __ATOMIC_SEQ_CST) >= 1;
}

/* xenstored dies with requests outstanding: one disaster, no reply, the
 * watch stays Active but silent and can be deregistered; nothing leaks
 * (the sanitizer runs check that). */
TEST(connection_lost_with_requests_outstanding, 30)
{
    static const libxl_event_hooks hooks = { .disaster = lost_disaster };
    libxl_event_register_callbacks(ctx, &hooks, NULL);
    libxl__ev_xswatch_init(&w1);
    libxl__ctx_lock(ctx);
    ck_assert_int_eq(libxl__ev_xswatch_register(ctx, &w1, w1_cb,
                                                "/test/lost"), 0);
    libxl__ctx_unlock(ctx);
    ck_assert(drive_until(w1_once, 10000));

    /* Stopped, xenstored answers nothing; killed, it never will. */
    pid_t xsd = simhost_xenstored_pid(host);
    ck_assert_int_eq(kill(xsd, SIGSTOP), 0);
    libxl__ctx_lock(ctx);
    for (unsigned t = 0; t < 5; t++)
        ck_assert_int_eq(libxl__ev_xswatch_read(ctx, &w1, "/test/lost", t,
                                                rec_reply), 0);
    libxl__ctx_unlock(ctx);
    ck_assert_int_eq(kill(xsd, SIGKILL), 0);

    ck_assert(drive_until(lost_seen, 10000));
    ck_assert_int_eq(nreplies, 0);
    libxl__ctx_lock(ctx);
    ck_assert(libxl__xswatch_conn_lost(ctx));
    ck_assert(libxl__ev_xswatch_isregistered(&w1));
    ck_assert_int_eq(libxl__ev_xswatch_read(ctx, &w1, "/test/lost", 9,
                                            rec_reply), ERROR_FAIL);
    libxl__ev_xswatch_deregister(ctx, &w1);
    ck_assert(!libxl__ev_xswatch_isregistered(&w1));
    libxl__ctx_unlock(ctx);
    ck_assert_int_eq(nreplies, 0);
    ck_assert_int_eq(__atomic_load_n(&lost_disasters, __ATOMIC_SEQ_CST), 1);
}

/* ------------------------------------------------ the wire layer alone */

/* The xenbus device takes one whole message per write and drops what
 * follows it in the same write; a socket takes any stream. A seqpacket
 * pair keeps each write a record of its own, so it shows the framing. */
TEST_NO_FIXTURE(wire_device_gets_one_message_per_write, 30)
{
    int sv[2];
    char rec[256];
    libxl__xswire_out o = { 0 };
    static const char *const paths[] = { "/a", "/bb/c", "/ddd" };

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(libxl__xswire_put(&o, XS_READ, (uint32_t)i,
                                           paths[i], NULL, 0), 0);
    ck_assert_int_eq(libxl__xswire_put(&o, XS_WRITE, 3, "/e", "vv", 2), 0);
    ck_assert_int_eq(libxl__xswire_flush(sv[0], false, &o), 0);
    ck_assert(!libxl__xswire_out_pending(&o));
    for (int i = 0; i < 4; i++) {
        ssize_t n = recv(sv[1], rec, sizeof(rec), MSG_DONTWAIT);
        struct xsd_sockmsg h;
        ck_assert_int_ge(n, (ssize_t)LIBXL__XSWIRE_HDR);
        memcpy(&h, rec, sizeof(h));
        ck_assert_uint_eq(h.req_id, (uint32_t)i);
        ck_assert_int_eq(n, (ssize_t)(LIBXL__XSWIRE_HDR + h.len));
        if (i < 3) {
            ck_assert_uint_eq(h.type, XS_READ);
            ck_assert_str_eq(rec + LIBXL__XSWIRE_HDR, paths[i]);
        } else {
            ck_assert_uint_eq(h.type, XS_WRITE);
            ck_assert_uint_eq(h.len, 5);
            ck_assert_mem_eq(rec + LIBXL__XSWIRE_HDR, "/e\0vv", 5);
        }
    }
    ck_assert_int_lt(recv(sv[1], rec, sizeof(rec), MSG_DONTWAIT), 0);

    /* A socket gets the queue in one go. */
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(libxl__xswire_put(&o, XS_READ, (uint32_t)i,
                                           paths[i], NULL, 0), 0);
    size_t all = o.len;
    ck_assert_int_eq(libxl__xswire_flush(sv[0], true, &o), 0);
    ck_assert_int_eq(recv(sv[1], rec, sizeof(rec), MSG_DONTWAIT),
                     (ssize_t)all);
    libxl__xswire_out_dispose(&o);
    close(sv[0]);
    close(sv[1]);
}

/* Messages are found only once complete, whatever the pieces they
 * arrive in; a header announcing more than xenstored may send is an
 * error; error texts map as libxenstore maps them. */
TEST_NO_FIXTURE(wire_messages_and_errors, 30)
{
    libxl__xswire_in in = { 0 };
    libxl__xswire_msg m;
    size_t off = 0;
    struct xsd_sockmsg h = { .type = XS_READ, .req_id = 7, .len = 5 };
    char msg[sizeof(h) + 5];
    int sv[2];

    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), "eject", 5);
    ck_assert_int_eq(libxl__xswire_in_alloc(&in, 0), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    /* Header in two pieces, then the body. */
    static const size_t cuts[] = { 3, sizeof(h), sizeof(msg) };
    size_t sent = 0;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(libxl__xswire_next(&in, &off, &m), 0);
        ck_assert_uint_eq(off, 0);
        ck_assert_int_eq(write(sv[0], msg + sent, cuts[i] - sent),
                         (ssize_t)(cuts[i] - sent));
        sent = cuts[i];
        ck_assert_int_eq(libxl__xswire_fill(sv[1], &in, 4096),
                         (ssize_t)(cuts[i] - (i ? cuts[i - 1] : 0)));
    }
    ck_assert_int_eq(libxl__xswire_next(&in, &off, &m), 1);
    ck_assert_uint_eq(off, sizeof(msg));
    ck_assert_uint_eq(m.hdr.req_id, 7);
    ck_assert_uint_eq(m.hdr.len, 5);
    ck_assert_mem_eq(m.body, "eject", 5);
    libxl__xswire_consume(&in, off);
    ck_assert_uint_eq(in.len, 0);

    off = 0;
    h.len = XENSTORE_PAYLOAD_MAX + 1;
    ck_assert_int_eq(write(sv[0], &h, sizeof(h)), (ssize_t)sizeof(h));
    ck_assert_int_eq(libxl__xswire_fill(sv[1], &in, 4096), (ssize_t)sizeof(h));
    ck_assert_int_eq(libxl__xswire_next(&in, &off, &m), -1);
    close(sv[0]);
    ck_assert_int_eq(libxl__xswire_fill(sv[1], &in, 4096), 0);  /* EOF */
    close(sv[1]);
    libxl__xswire_in_dispose(&in);

    ck_assert_int_eq(libxl__xswire_errno("ENOENT", 7), ENOENT);
    ck_assert_int_eq(libxl__xswire_errno("EACCES", 6), EACCES);  /* no NUL */
    ck_assert_int_eq(libxl__xswire_errno("EAGAINX", 7), EIO);
    ck_assert_int_eq(libxl__xswire_errno("EAGAIN\0junk", 11), EAGAIN);

    /* Nothing too long is queued. */
    libxl__xswire_out o = { 0 };
    static char big[XENSTORE_PAYLOAD_MAX];
    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(libxl__xswire_put(&o, XS_WRITE, 1, "/p", big,
                                       sizeof(big) - 3), 0);
    ck_assert_int_eq(libxl__xswire_put(&o, XS_WRITE, 2, "/p", big,
                                       sizeof(big) - 2), ERROR_INVAL);
    ck_assert_uint_eq(o.len, LIBXL__XSWIRE_HDR + XENSTORE_PAYLOAD_MAX);
    libxl__xswire_out_dispose(&o);
}

