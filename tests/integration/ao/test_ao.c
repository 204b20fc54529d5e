/*
 * test_ao.c: the asynchronous-operation machinery (src/ao/)
 * through test-only operations written against its internal interface,
 * on a bare ctx: the three completion styles, completion inside the
 * initiating call and on another thread while the initiator is still
 * inside it, progress reports (order, before completion, on another
 * thread while a synchronous initiator waits), abort before / during /
 * after, sub-operations and holds, the per-ao pool, a double completion,
 * and libxl_ctx_free with operations in flight.
 */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "ctx.h"
#include "ops/ops.h"
#include "subop/xswait.h"
#include "testmain.h"

static libxl_ctx *ctx;
static xentoollog_logger_stdiostream *logger;

static void setup(void)
{
    logger = xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
    ck_assert_int_eq(libxl__ctx_alloc_bare(&ctx, (xentoollog_logger *)logger), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy((xentoollog_logger *)logger);
}

TEST_FIXTURE(setup, teardown);

/* Run the library's loop (single-fd style) until *flag or the deadline. */
static bool drive_until(atomic_int *flag, int timeout_ms)
{
    int fd;
    uint64_t deadline = test_now_ms() + (uint64_t)timeout_ms;
    ck_assert_int_eq(libxl_osevent_fd(ctx, &fd), 0);
    while (!atomic_load(flag)) {
        uint64_t now = test_now_ms();
        if (now >= deadline) return false;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        poll(&p, 1, (int)(deadline - now) < 20 ? (int)(deadline - now) : 20);
        libxl_osevent_dispatch(ctx);
    }
    return true;
}

/* ------------------------------------------------- the test operation */

typedef struct {
    int delay_ms;          /* <0: complete inside the initiator */
    int nprogress;
    int result;
    bool abortable;        /* wait with an ao_time (else: ignores aborts) */
    bool complete_twice;
    int nsubops;           /* sub-operations, each with its own wait */
    int hold_ms;           /* >0: complete at once, hold for this long */
    void (*seam)(void);    /* called unlocked inside the initiator */
    const libxl_asyncprogress_how *aop;
} top_params;

typedef struct {
    libxl__ao *ao;
    top_params p;
    libxl_asyncprogress_how aop;
    bool have_aop;
    libxl__ao_time wait;
    libxl__ev_time plain;
    int subops_left;
    int sub_rc;
} top_state;

typedef struct {
    libxl__subop *sub;
    top_state *ts;
    libxl__ao_time wait;
} top_sub;

static void top_progress(libxl__egc *egc, top_state *ts)
{
    for (int i = 0; i < ts->p.nprogress; i++) {
        const libxl_asyncprogress_how *how = ts->have_aop ? &ts->aop : NULL;
        libxl_event *ev = libxl__ao_progress_event(ts->ao, how,
                                                   LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN);
        ck_assert_ptr_nonnull(ev);
        ev->u.domain_shutdown.shutdown_reason = (uint8_t)i;
        libxl__ao_progress_report(egc, ts->ao, how, ev);
    }
}

static void top_finish(libxl__egc *egc, top_state *ts, int rc)
{
    top_progress(egc, ts);
    libxl__ao_complete(egc, ts->ao, rc);
    if (ts->p.complete_twice) libxl__ao_complete(egc, ts->ao, 12345);
}

static void top_waited(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    top_state *ts = (top_state *)((char *)t - offsetof(top_state, wait));
    top_finish(egc, ts, rc == ERROR_ABORTED ? ERROR_ABORTED : ts->p.result);
}

static void top_plain_waited(libxl__egc *egc, libxl__ev_time *ev,
                             const struct timeval *abs, int rc)
{
    top_state *ts = (top_state *)((char *)ev - offsetof(top_state, plain));
    (void)abs; (void)rc;
    if (ts->p.hold_ms) {
        libxl__ao_release(egc, ts->ao);
        return;
    }
    top_finish(egc, ts, ts->p.result);
}

static void top_sub_waited(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    top_sub *s = (top_sub *)((char *)t - offsetof(top_sub, wait));
    top_state *ts = s->ts;
    if (rc == ERROR_ABORTED) ts->sub_rc = ERROR_ABORTED;
    libxl__subop_end(egc, s->sub);         /* frees s */
    if (--ts->subops_left == 0) top_finish(egc, ts, ts->sub_rc);
}

static int test_op(const top_params *p, const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, 7, ao_how);
    top_state *ts = libxl__ao_zalloc(ao, sizeof(*ts));
    int rc;

    if (!ts) return AO_CREATE_FAIL(ERROR_NOMEM);
    ts->ao = ao;
    ts->p = *p;
    if (p->aop) { ts->aop = *p->aop; ts->have_aop = true; }
    libxl__ao_time_init(&ts->wait);
    libxl__ev_time_init(&ts->plain);
    /* exercise the pool: many small and a few big blocks */
    for (int i = 0; i < 64; i++) {
        char *s = libxl__ao_sprintf(ao, "block %d", i);
        ck_assert_str_eq(s, i == 0 ? "block 0" : s);
        ck_assert_ptr_nonnull(libxl__ao_zalloc(ao, i == 7 ? 10000 : 100));
    }

    if (p->hold_ms) {
        libxl__ao_hold(ao);
        rc = libxl__ev_time_register_rel(ctx, &ts->plain, top_plain_waited,
                                         p->hold_ms);
        ck_assert_int_eq(rc, 0);
        top_finish(egc, ts, p->result);
        return AO_INPROGRESS;
    }
    if (p->nsubops) {
        ts->subops_left = p->nsubops;
        for (int i = 0; i < p->nsubops; i++) {
            libxl__subop *sub = libxl__subop_begin(ao);
            ck_assert_ptr_nonnull(sub);
            top_sub *s = libxl__subop_zalloc(sub, sizeof(*s));
            s->sub = sub;
            s->ts = ts;
            libxl__ao_time_init(&s->wait);
            rc = libxl__ao_time_register(ao, &s->wait, top_sub_waited,
                                         p->delay_ms + i);
            ck_assert_int_eq(rc, 0);
        }
        return AO_INPROGRESS;
    }
    if (p->delay_ms < 0) {
        top_finish(egc, ts, p->result);
        return AO_INPROGRESS;
    }
    if (p->abortable)
        rc = libxl__ao_time_register(ao, &ts->wait, top_waited, p->delay_ms);
    else
        rc = libxl__ev_time_register_rel(ctx, &ts->plain, top_plain_waited,
                                         p->delay_ms);
    if (rc) return AO_CREATE_FAIL(rc);
    /* the wait is registered: let another thread complete us meanwhile */
    if (p->seam) AO_UNLOCKED(ao, p->seam());
    return AO_INPROGRESS;
}

/* ------------------------------------------------------ recording */

static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static char rec[256];                 /* "p0 p1 c" ... */
static atomic_int completions, last_rc, progress_seen;
static pthread_t completion_thread;
static void *last_for_callback;

static void record(const char *what)
{
    pthread_mutex_lock(&rec_lock);
    strncat(rec, what, sizeof(rec) - strlen(rec) - 1);
    pthread_mutex_unlock(&rec_lock);
}

static void reset_record(void)
{
    rec[0] = 0;
    atomic_store(&completions, 0);
    atomic_store(&last_rc, 999);
    atomic_store(&progress_seen, 0);
}

static void on_complete(libxl_ctx *c, int rc, void *for_callback)
{
    ck_assert_ptr_eq(c, ctx);
    last_for_callback = for_callback;
    completion_thread = pthread_self();
    atomic_store(&last_rc, rc);
    record("c ");
    atomic_fetch_add(&completions, 1);
}

static void on_progress(libxl_ctx *c, libxl_event *ev, void *for_callback)
{
    char buf[16];
    ck_assert_ptr_eq(for_callback, (void *)0x77);
    ck_assert_int_eq(ev->for_user, 0x55);
    ck_assert_int_eq(ev->domid, 7);
    snprintf(buf, sizeof(buf), "p%d ", ev->u.domain_shutdown.shutdown_reason);
    record(buf);
    atomic_fetch_add(&progress_seen, 1);
    libxl_event_free(c, ev);
}

static const libxl_asyncop_how cb_how = { .callback = on_complete,
                                          .u.for_callback = (void *)0x1234 };
static const libxl_asyncprogress_how prog_cb = { .callback = on_progress,
                                                 .for_event = 0x55,
                                                 .for_callback = (void *)0x77 };

/* ------------------------------------------------------------ styles */

TEST(sync_returns_result, 30)
{
    top_params p = { .delay_ms = 1, .result = -42, .abortable = true };
    ck_assert_int_eq(test_op(&p, NULL), -42);
    p.delay_ms = -1;
    p.result = 0;
    ck_assert_int_eq(test_op(&p, NULL), 0);
}

TEST(callback_exactly_once, 30)
{
    reset_record();
    top_params p = { .delay_ms = 2, .result = -9, .abortable = true };
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    ck_assert(drive_until(&completions, 5000));
    ck_assert_int_eq(atomic_load(&last_rc), -9);
    ck_assert_ptr_eq(last_for_callback, (void *)0x1234);
    /* nothing more comes */
    libxl_osevent_dispatch(ctx);
    ck_assert_int_eq(atomic_load(&completions), 1);
}

TEST(event_style_completion, 30)
{
    libxl_asyncop_how how = { .callback = NULL, .u.for_event = 0xabcdef };
    top_params p = { .delay_ms = 2, .result = -6, .abortable = true };
    ck_assert_int_eq(test_op(&p, &how), 0);
    libxl_event *ev = NULL;
    ck_assert_int_eq(libxl_event_wait(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL), 0);
    ck_assert_int_eq(ev->type, LIBXL_EVENT_TYPE_OPERATION_COMPLETE);
    ck_assert_int_eq(ev->for_user, 0xabcdef);
    ck_assert_int_eq(ev->domid, 7);
    ck_assert_int_eq(ev->u.operation_complete.rc, -6);
    libxl_event_free(ctx, ev);
    ck_assert_int_eq(libxl_event_check(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL),
                     ERROR_NOT_READY);
}

TEST(callback_inside_initiating_call, 30)
{
    reset_record();
    top_params p = { .delay_ms = -1, .result = 3 };
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    /* made before the call returned, on this thread */
    ck_assert_int_eq(atomic_load(&completions), 1);
    ck_assert_int_eq(atomic_load(&last_rc), 3);
    ck_assert(pthread_equal(completion_thread, pthread_self()));
}

/* The op completes on thread B while A is still inside the initiator. */
static atomic_int b_stop;
static void *dispatcher(void *arg)
{
    int fd;
    (void)arg;
    libxl_osevent_fd(ctx, &fd);
    while (!atomic_load(&b_stop)) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        poll(&p, 1, 10);
        libxl_osevent_dispatch(ctx);
    }
    return NULL;
}

static void seam_wait_for_completion(void)
{
    uint64_t deadline = test_now_ms() + 5000;
    while (!atomic_load(&completions) && test_now_ms() < deadline) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
}

TEST(completion_on_other_thread_during_initiator, 30)
{
    pthread_t b;
    reset_record();
    atomic_store(&b_stop, 0);
    pthread_create(&b, NULL, dispatcher, NULL);
    top_params p = { .delay_ms = 0, .result = 5, .abortable = true,
                     .seam = seam_wait_for_completion };
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    ck_assert_int_eq(atomic_load(&completions), 1);
    ck_assert_int_eq(atomic_load(&last_rc), 5);
    ck_assert(pthread_equal(completion_thread, b));
    atomic_store(&b_stop, 1);
    pthread_join(b, NULL);
    ck_assert_int_eq(atomic_load(&completions), 1);
}

/* ----------------------------------------------------------- progress */

TEST(progress_callbacks_in_order_before_completion, 30)
{
    reset_record();
    top_params p = { .delay_ms = 1, .nprogress = 3, .abortable = true,
                     .aop = &prog_cb };
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    ck_assert(drive_until(&completions, 5000));
    ck_assert_str_eq(rec, "p0 p1 p2 c ");
    /* synchronous: all progress before the return */
    reset_record();
    ck_assert_int_eq(test_op(&p, NULL), 0);
    ck_assert_str_eq(rec, "p0 p1 p2 ");
}

TEST(progress_events_in_order_before_completion, 30)
{
    libxl_asyncop_how how = { .u.for_event = 99 };
    libxl_asyncprogress_how aop = { .for_event = 98 };
    top_params p = { .delay_ms = 1, .nprogress = 3, .abortable = true,
                     .aop = &aop };
    ck_assert_int_eq(test_op(&p, &how), 0);
    for (int i = 0; i <= 3; i++) {
        libxl_event *ev = NULL;
        ck_assert_int_eq(libxl_event_wait(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL), 0);
        if (i < 3) {
            ck_assert_int_eq(ev->type, LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN);
            ck_assert_int_eq(ev->for_user, 98);
            ck_assert_int_eq(ev->u.domain_shutdown.shutdown_reason, i);
        } else {
            ck_assert_int_eq(ev->type, LIBXL_EVENT_TYPE_OPERATION_COMPLETE);
            ck_assert_int_eq(ev->for_user, 99);
        }
        libxl_event_free(ctx, ev);
    }
}

/* A progress callback runs on thread B (B requests the abort whose handler
 * reports progress) while the synchronous initiator A waits: A must not
 * return until it has returned. */
static atomic_int a_returned, cb_saw_a_returned, slow_cb_done;
static pthread_mutex_t ar_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ar_cond = PTHREAD_COND_INITIALIZER;

static void slow_progress(libxl_ctx *c, libxl_event *ev, void *u)
{
    (void)u;
    libxl_event_free(c, ev);
    /* Give A every chance to (wrongly) return: wait up to 50 ms for it. */
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += 50000000;
    if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&ar_lock);
    while (!atomic_load(&a_returned) &&
           pthread_cond_timedwait(&ar_cond, &ar_lock, &dl) == 0)
        ;
    pthread_mutex_unlock(&ar_lock);
    atomic_store(&cb_saw_a_returned, atomic_load(&a_returned));
    atomic_store(&slow_cb_done, 1);
}

static void *abort_sync_when_found(void *arg)
{
    int *rc = arg;
    uint64_t deadline = test_now_ms() + 5000;
    do {
        *rc = libxl_ao_abort(ctx, NULL);
        if (*rc != ERROR_NOTFOUND) break;
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    } while (test_now_ms() < deadline);
    return NULL;
}

TEST(progress_on_other_thread_while_sync_waits, 30)
{
    libxl_asyncprogress_how aop = { .callback = slow_progress };
    top_params p = { .delay_ms = 10000, .nprogress = 1, .abortable = true,
                     .aop = &aop };
    pthread_t b;
    int brc = 0;
    atomic_store(&a_returned, 0);
    atomic_store(&slow_cb_done, 0);
    pthread_create(&b, NULL, abort_sync_when_found, &brc);
    uint64_t t0 = test_now_ms();
    int rc = test_op(&p, NULL);
    int done = atomic_load(&slow_cb_done);
    pthread_mutex_lock(&ar_lock);
    atomic_store(&a_returned, 1);
    pthread_cond_broadcast(&ar_cond);
    pthread_mutex_unlock(&ar_lock);
    pthread_join(b, NULL);
    ck_assert_int_eq(brc, 0);
    ck_assert_int_eq(rc, ERROR_ABORTED);
    ck_assert_int_eq(done, 1);
    ck_assert_int_eq(atomic_load(&cb_saw_a_returned), 0);
    ck_assert_uint_lt(test_now_ms() - t0, 5000);
}

/* -------------------------------------------------------------- abort */

TEST(abort_before_start, 30)
{
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), ERROR_NOTFOUND);
    ck_assert_int_eq(libxl_ao_abort(ctx, NULL), ERROR_NOTFOUND);
    reset_record();
    top_params p = { .delay_ms = 1, .result = 0, .abortable = true };
    ck_assert_int_eq(test_op(&p, &cb_how), 0);   /* unaffected */
    ck_assert(drive_until(&completions, 5000));
    ck_assert_int_eq(atomic_load(&last_rc), 0);
}

TEST(abort_during, 30)
{
    reset_record();
    top_params p = { .delay_ms = 10000, .result = 0, .abortable = true };
    libxl_asyncop_how other = cb_how;
    other.u.for_callback = (void *)0x999;
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    ck_assert_int_eq(libxl_ao_abort(ctx, &other), ERROR_NOTFOUND);
    ck_assert_int_eq(libxl_ao_abort(ctx, NULL), ERROR_NOTFOUND); /* not sync */
    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), 0);
    /* completed by the abort itself, callback made before it returned */
    ck_assert_int_eq(atomic_load(&completions), 1);
    ck_assert_int_eq(atomic_load(&last_rc), ERROR_ABORTED);
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), ERROR_NOTFOUND);
    ck_assert_uint_lt(test_now_ms() - t0, 1000);
    libxl_osevent_dispatch(ctx);
    ck_assert_int_eq(atomic_load(&completions), 1);
}

TEST(abort_twice_and_real_result, 30)
{
    /* An operation deaf to aborts: requested (0), then ERROR_ABORTED,
     * and it completes with its real result, once. */
    reset_record();
    top_params p = { .delay_ms = 5, .result = 0, .abortable = false };
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), 0);
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), ERROR_ABORTED);
    ck_assert(drive_until(&completions, 5000));
    ck_assert_int_eq(atomic_load(&last_rc), 0);
}

TEST(abort_after_completion, 30)
{
    reset_record();
    top_params p = { .delay_ms = 1, .result = 0, .abortable = true };
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    ck_assert(drive_until(&completions, 5000));
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), ERROR_NOTFOUND);
    ck_assert_int_eq(atomic_load(&last_rc), 0);
    ck_assert_int_eq(atomic_load(&completions), 1);
}

TEST(abort_event_style_matches_for_event, 30)
{
    libxl_asyncop_how how = { .u.for_event = 4242 };
    libxl_asyncop_how wrong = { .u.for_event = 4243 };
    top_params p = { .delay_ms = 10000, .abortable = true };
    ck_assert_int_eq(test_op(&p, &how), 0);
    ck_assert_int_eq(libxl_ao_abort(ctx, &wrong), ERROR_NOTFOUND);
    ck_assert_int_eq(libxl_ao_abort(ctx, &how), 0);
    libxl_event *ev = NULL;
    ck_assert_int_eq(libxl_event_wait(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL), 0);
    ck_assert_int_eq(ev->u.operation_complete.rc, ERROR_ABORTED);
    ck_assert_int_eq(ev->for_user, 4242);
    libxl_event_free(ctx, ev);
}

/* ------------------------------------------------ sub-ops, holds, twice */

TEST(subops_complete_together, 30)
{
    reset_record();
    top_params p = { .delay_ms = 1, .nsubops = 3 };
    ck_assert_int_eq(test_op(&p, NULL), 0);
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    ck_assert(drive_until(&completions, 5000));
    ck_assert_int_eq(atomic_load(&last_rc), 0);
    /* aborting reaches the sub-operations' waits */
    reset_record();
    p.delay_ms = 10000;
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), 0);
    ck_assert_int_eq(atomic_load(&completions), 1);
    ck_assert_int_eq(atomic_load(&last_rc), ERROR_ABORTED);
}

TEST(hold_delays_completion, 30)
{
    reset_record();
    top_params p = { .hold_ms = 5, .result = 8 };
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    /* completed inside the call, but held: not delivered yet */
    ck_assert_int_eq(atomic_load(&completions), 0);
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), ERROR_NOTFOUND);
    ck_assert(drive_until(&completions, 5000));
    ck_assert_int_eq(atomic_load(&last_rc), 8);
    /* and a synchronous call waits for the release */
    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(test_op(&p, NULL), 8);
    ck_assert_uint_ge(test_now_ms() - t0, 4);
}

TEST(never_completes_twice, 30)
{
    reset_record();
    top_params p = { .delay_ms = 1, .result = 1, .abortable = true,
                     .complete_twice = true };
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    ck_assert(drive_until(&completions, 5000));
    libxl_osevent_dispatch(ctx);
    ck_assert_int_eq(atomic_load(&completions), 1);
    ck_assert_int_eq(atomic_load(&last_rc), 1);
    ck_assert_int_eq(test_op(&p, NULL), 1);
}

/* ----------------------------------------------------------- ctx_free */

TEST(ctx_free_with_ao_in_flight, 30)
{
    reset_record();
    top_params p = { .delay_ms = 10000, .abortable = true };
    ck_assert_int_eq(test_op(&p, &cb_how), 0);
    ck_assert_int_eq(libxl_ctx_free(ctx), ERROR_INVAL);
    /* the ctx is intact: abort, completion, then free (teardown) */
    ck_assert_int_eq(libxl_ao_abort(ctx, &cb_how), 0);
    ck_assert_int_eq(atomic_load(&completions), 1);
    ck_assert_int_eq(atomic_load(&last_rc), ERROR_ABORTED);
}
