/*
 * test_ao_threads.c: many threads on one ctx. 8 threads each run 1,000
 * synchronous operations (a test operation whose completion comes from a
 * timeout, so some thread must dispatch it, and libxl_domain_pause /
 * _unpause on the simulated host), while another thread sits in
 * libxl_event_wait and a third drives the library through the
 * application's osevent hooks. Every operation must return its own
 * result; nothing may hang. Counts are scaled down under sanitizers.
 */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "ctx.h"
#include "ops/ops.h"
#include "subop/xswait.h"
#include "simhost.h"
#include "testmain.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifdef SANITIZED
#define OPS_PER_THREAD 200
#else
#define OPS_PER_THREAD 1000
#endif
#define WORKERS 8

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger_stdiostream *logger;

/* ------------------------------------- a synchronous op with a timeout */

typedef struct {
    libxl__ao *ao;
    libxl__ao_time t;
    int result;
} tick_state;

static void tick_fired(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    tick_state *ts = (tick_state *)((char *)t - offsetof(tick_state, t));
    libxl__ao_complete(egc, ts->ao, rc == ERROR_ABORTED ? rc : ts->result);
}

static int tick_op(int result, int ms, const libxl_asyncop_how *how)
{
    AO_CREATE(ctx, 0, how);
    tick_state *ts = libxl__ao_zalloc(ao, sizeof(*ts));
    if (!ts) return AO_CREATE_FAIL(ERROR_NOMEM);
    ts->ao = ao;
    ts->result = result;
    libxl__ao_time_init(&ts->t);
    int rc = libxl__ao_time_register(ao, &ts->t, tick_fired, ms);
    if (rc) return AO_CREATE_FAIL(rc);
    return AO_INPROGRESS;
}

/* ---------------------------------------- the application's hooks loop */

#define MAXFD 64
static pthread_mutex_t app_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { int fd; short events; void *for_libxl; bool used; } fds[MAXFD];
typedef struct app_timeout {
    struct timeval abs;
    void *for_libxl;
    struct app_timeout *next;
} app_timeout;
static app_timeout *timeouts;
static int wake_fd;
static atomic_int hooks_stop, hook_dispatches;

static void app_wake(void)
{
    uint64_t one = 1;
    if (write(wake_fd, &one, sizeof(one)) < 0) { /* full: already awake */ }
}

static int h_fd_register(void *user, int fd, void **for_app, short events,
                         void *for_libxl)
{
    (void)user;
    pthread_mutex_lock(&app_lock);
    int i = 0;
    while (i < MAXFD && fds[i].used) i++;
    ck_assert_int_lt(i, MAXFD);
    fds[i].used = true;
    fds[i].fd = fd;
    fds[i].events = events;
    fds[i].for_libxl = for_libxl;
    *for_app = &fds[i];
    pthread_mutex_unlock(&app_lock);
    app_wake();
    return 0;
}

static int h_fd_modify(void *user, int fd, void **for_app, short events)
{
    (void)user; (void)fd;
    pthread_mutex_lock(&app_lock);
    ((__typeof__(&fds[0]))*for_app)->events = events;
    pthread_mutex_unlock(&app_lock);
    app_wake();
    return 0;
}

static void h_fd_deregister(void *user, int fd, void *for_app)
{
    (void)user; (void)fd;
    pthread_mutex_lock(&app_lock);
    ((__typeof__(&fds[0]))for_app)->used = false;
    pthread_mutex_unlock(&app_lock);
    app_wake();
}

static int h_timeout_register(void *user, void **for_app, struct timeval abs,
                              void *for_libxl)
{
    (void)user;
    app_timeout *t = calloc(1, sizeof(*t));
    ck_assert_ptr_nonnull(t);
    t->abs = abs;
    t->for_libxl = for_libxl;
    pthread_mutex_lock(&app_lock);
    t->next = timeouts;
    timeouts = t;
    *for_app = t;
    pthread_mutex_unlock(&app_lock);
    app_wake();
    return 0;
}

static int h_timeout_modify(void *user, void **for_app, struct timeval abs)
{
    (void)user;
    pthread_mutex_lock(&app_lock);
    for (app_timeout *t = timeouts; t; t = t->next)
        if (t == *for_app) t->abs = abs;   /* absent: already fired */
    pthread_mutex_unlock(&app_lock);
    app_wake();
    return 0;
}

static void h_timeout_deregister(void *user, void *for_app)
{
    (void)user; (void)for_app;
    ck_abort_msg("timeout_deregister is never called");
}

static const libxl_osevent_hooks hooks = {
    h_fd_register, h_fd_modify, h_fd_deregister,
    h_timeout_register, h_timeout_modify, h_timeout_deregister,
};

static void *hooks_thread(void *arg)
{
    (void)arg;
    while (!atomic_load(&hooks_stop)) {
        struct pollfd p[MAXFD + 1];
        void *tok[MAXFD + 1];
        int n = 0, timeout = 50;
        struct timeval now;

        pthread_mutex_lock(&app_lock);
        p[n].fd = wake_fd; p[n].events = POLLIN; tok[n++] = NULL;
        for (int i = 0; i < MAXFD; i++)
            if (fds[i].used) {
                p[n].fd = fds[i].fd;
                p[n].events = fds[i].events;
                tok[n++] = fds[i].for_libxl;
            }
        gettimeofday(&now, NULL);
        for (app_timeout *t = timeouts; t; t = t->next) {
            long ms = (t->abs.tv_sec - now.tv_sec) * 1000 +
                      (t->abs.tv_usec - now.tv_usec) / 1000;
            if (ms < 0) ms = 0;
            if (ms < timeout) timeout = (int)ms;
        }
        pthread_mutex_unlock(&app_lock);

        poll(p, (nfds_t)n, timeout);
        if (p[0].revents) {
            uint64_t v;
            if (read(wake_fd, &v, sizeof(v)) < 0) { /* spurious */ }
        }
        for (int i = 1; i < n; i++)
            if (p[i].revents) {
                libxl_osevent_occurred_fd(ctx, tok[i], p[i].fd, p[i].events,
                                          p[i].revents);
                atomic_fetch_add(&hook_dispatches, 1);
            }
        /* due timeouts: take them out, then tell the library */
        app_timeout *due = NULL;
        gettimeofday(&now, NULL);
        pthread_mutex_lock(&app_lock);
        for (app_timeout **pp = &timeouts; *pp;) {
            app_timeout *t = *pp;
            if (timercmp(&t->abs, &now, <=)) {
                *pp = t->next;
                t->next = due;
                due = t;
            } else {
                pp = &t->next;
            }
        }
        pthread_mutex_unlock(&app_lock);
        while (due) {
            app_timeout *t = due;
            due = t->next;
            libxl_osevent_occurred_timeout(ctx, t->for_libxl);
            atomic_fetch_add(&hook_dispatches, 1);
            free(t);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------- threads */

static int domids[WORKERS];
static atomic_int wrong_results;

static void *worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    for (int i = 0; i < OPS_PER_THREAD; i++) {
        int expect = -(i % 7);
        int rc = tick_op(expect, i % 3, NULL);
        if (rc != expect) atomic_fetch_add(&wrong_results, 1);
        if (i % 4 == 0) {
            if (libxl_domain_pause(ctx, (uint32_t)domids[w], NULL) ||
                libxl_domain_unpause(ctx, (uint32_t)domids[w], NULL))
                atomic_fetch_add(&wrong_results, 1);
        }
    }
    return NULL;
}

static int waiter_is_final(const libxl_event *ev, void *user)
{
    (void)user;
    return ev->for_user == 0xF1F1;
}

static void *event_waiter(void *arg)
{
    libxl_event *ev = NULL;
    int *rc = arg;
    *rc = libxl_event_wait(ctx, &ev, 1ULL << LIBXL_EVENT_TYPE_OPERATION_COMPLETE,
                           waiter_is_final, NULL);
    if (!*rc) {
        *rc = ev->u.operation_complete.rc == 11 ? 0 : -1000;
        libxl_event_free(ctx, ev);
    }
    return NULL;
}

TEST(many_threads_one_ctx, 240)
{
    pthread_t ws[WORKERS], hook_t, wait_t;
    int wait_rc = 999;

    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    logger = xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
                                     (xentoollog_logger *)logger), 0);
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    libxl_osevent_register_hooks(ctx, &hooks, NULL);
    for (int i = 0; i < WORKERS; i++) {
        char name[16];
        snprintf(name, sizeof(name), "w%d", i);
        domids[i] = simhost_create_domain(name, 64, 1, NULL);
        ck_assert_int_gt(domids[i], 0);
    }

    pthread_create(&hook_t, NULL, hooks_thread, NULL);
    pthread_create(&wait_t, NULL, event_waiter, &wait_rc);
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&ws[i], NULL, worker, (void *)(intptr_t)i);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(ws[i], NULL);
    ck_assert_int_eq(atomic_load(&wrong_results), 0);

    /* release the event waiter with an event-style operation */
    libxl_asyncop_how final = { .u.for_event = 0xF1F1 };
    ck_assert_int_eq(tick_op(11, 1, &final), 0);
    pthread_join(wait_t, NULL);
    ck_assert_int_eq(wait_rc, 0);

    atomic_store(&hooks_stop, 1);
    app_wake();
    pthread_join(hook_t, NULL);
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    while (timeouts) {
        app_timeout *t = timeouts;
        timeouts = t->next;
        free(t);
    }
    close(wake_fd);
    xtl_logger_destroy((xentoollog_logger *)logger);
    ck_assert_int_eq(simhost_stop(host), 0);
}
